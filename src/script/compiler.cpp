// compiler.cpp — the archive-level half of the compiler: parse every file, complete the classes,
// declare every function, then compile each body (compile_function.cpp).
#include "script/compiler.h"

#include <cmath>
#include <complex>
#include <limits>

#include "ir/graph.h"
#include "ops/registry.h"
#include "script/compiler_impl.h"

namespace ember::script {

std::string Problem::str() const { return where.empty() ? what : what + " at " + where; }

void compile_fail(const ast::SourceLoc& loc, std::string what, Problem::Kind kind) {
  throw CompileError{kind, std::move(what), loc, false};
}

TypePtr CompilationUnit::type_of(const ClassTypePtr& cls) const {
  if (cls->kind == ClassKind::NamedTuple) {
    auto it = named_tuple_types.find(cls.get());
    if (it != named_tuple_types.end()) return it->second;
  }
  return Type::of_class(cls);
}

std::vector<const Function*> CompilationUnit::all_functions() const {
  std::vector<const Function*> out;
  for (const auto& [name, cls] : classes)
    for (const auto& [mname, fn] : cls->methods) out.push_back(fn.get());
  for (const auto& [name, fn] : functions) out.push_back(fn.get());
  return out;
}

void Context::report(const CompileError& e) {
  if (e.silent) return;
  cu.problems.push_back(Problem{e.kind, e.what, e.loc.file ? e.loc.str() : std::string()});
}

ClassTypePtr Context::find_class(const std::string& qualname) const {
  auto it = cu.classes.find(qualname);
  return it == cu.classes.end() ? nullptr : it->second;
}

const Function* Context::find_function(const std::string& qualname) const {
  auto it = cu.functions.find(qualname);
  return it == cu.functions.end() ? nullptr : it->second.get();
}

std::string dotted_name(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::Name) return e.name;
  if (e.kind == ast::ExprKind::Attribute && e.base) {
    std::string b = dotted_name(*e.base);
    return b.empty() ? b : b + "." + e.name;
  }
  return {};
}

TypePtr unify_types(const TypePtr& a, const TypePtr& b) {
  if (!a || !b) return nullptr;
  if (a->equals(*b)) return a;
  if (a->is_subtype_of(*b)) return b;
  if (b->is_subtype_of(*a)) return a;
  if (a->kind == TypeKind::None) return Type::optional(b);
  if (b->kind == TypeKind::None) return Type::optional(a);
  if (a->kind == TypeKind::Optional) {
    TypePtr inner = unify_types(a->contained[0], b);
    return inner ? Type::optional(inner) : nullptr;
  }
  if (b->kind == TypeKind::Optional) {
    TypePtr inner = unify_types(a, b->contained[0]);
    return inner ? Type::optional(inner) : nullptr;
  }
  if (a->kind == TypeKind::List && b->kind == TypeKind::List) {
    TypePtr e = unify_types(a->contained[0], b->contained[0]);
    if (e && e->equals(*a->contained[0]) && e->equals(*b->contained[0])) return a;
  }
  if (a->kind == TypeKind::Tuple && b->kind == TypeKind::Tuple && !a->cls && !b->cls &&
      a->contained.size() == b->contained.size()) {
    std::vector<TypePtr> elems;
    for (size_t i = 0; i < a->contained.size(); ++i) {
      TypePtr e = unify_types(a->contained[i], b->contained[i]);
      if (!e) return nullptr;
      elems.push_back(e);
    }
    return Type::tuple(std::move(elems));
  }
  return nullptr;
}

Value eval_literal(const ast::Expr& e, const TypePtr& type) {
  using K = ast::ExprKind;
  switch (e.kind) {
    case K::Int:
      if (type && type->kind == TypeKind::Float) return Value(static_cast<double>(e.int_value));
      return Value(e.int_value);
    case K::Float: return Value(e.float_value);
    case K::Imag: return Value(std::complex<double>(0.0, e.float_value));
    case K::Str: return Value(e.name);
    case K::Bool: return Value(e.bool_value);
    case K::None: return Value();
    case K::Name:
      if (e.name == "inf") return Value(std::numeric_limits<double>::infinity());
      if (e.name == "nan") return Value(std::numeric_limits<double>::quiet_NaN());
      break;
    case K::UnaryOp:
      if (e.name == "-" && e.items.size() == 1) {
        Value v = eval_literal(*e.items[0], type);
        if (v.is_int()) return Value(-v.int_unchecked());
        if (v.is_double()) return Value(-v.double_unchecked());
      }
      break;
    case K::Tuple: {
      std::vector<Value> items;
      for (size_t i = 0; i < e.items.size(); ++i) {
        TypePtr et;
        if (type && type->kind == TypeKind::Tuple && i < type->contained.size()) et = type->contained[i];
        items.push_back(eval_literal(*e.items[i], et));
      }
      return Value(make_tuple(std::move(items)));
    }
    case K::List: {
      TypePtr et = type && type->kind == TypeKind::List ? type->contained[0] : nullptr;
      if (type && type->kind == TypeKind::Optional && type->contained[0]->kind == TypeKind::List)
        et = type->contained[0]->contained[0];
      std::vector<Value> items;
      for (const auto& it : e.items) items.push_back(eval_literal(*it, et));
      if (!et) et = items.empty() ? Type::get(TypeKind::Any) : items[0].type();
      return Value(make_list(et, std::move(items)));
    }
    default: break;
  }
  compile_fail(e.loc, "expected a literal value");
}

TypePtr Context::resolve_type(const ast::Expr& e) const {
  using K = ast::ExprKind;
  if (e.kind == K::None) return Type::get(TypeKind::None);
  if (e.kind == K::Str) {
    // A forward reference spelled as a string.
    if (auto c = find_class(e.name)) return cu.type_of(c);
  }
  if (e.kind == K::Subscript && e.base) {
    std::string head = dotted_name(*e.base);
    std::vector<TypePtr> args;
    for (const auto& it : e.items) {
      if (it->kind == K::Tuple && it->items.empty()) continue;  // Tuple[()]
      args.push_back(resolve_type(*it));
    }
    auto want = [&](size_t n) {
      if (args.size() != n) compile_fail(e.loc, head + "[...] expects " + std::to_string(n) + " type argument(s)");
    };
    if (head == "Optional" || head == "typing.Optional") { want(1); return Type::optional(args[0]); }
    if (head == "List" || head == "typing.List") { want(1); return Type::list(args[0]); }
    if (head == "Dict" || head == "typing.Dict") { want(2); return Type::dict(args[0], args[1]); }
    if (head == "Tuple" || head == "typing.Tuple") return Type::tuple(std::move(args));
    if (head == "Union" || head == "typing.Union") {
      // Union[T, None] is Optional[T], as TorchScript prints and treats it.
      std::vector<TypePtr> members;
      bool has_none = false;
      for (auto& a : args) (a->kind == TypeKind::None ? has_none = true : (members.push_back(a), true));
      TypePtr u = members.size() == 1 ? members[0] : Type::union_of(members);
      return has_none ? Type::optional(u) : u;
    }
    if (head == "Future" || head == "torch.jit.Future") { want(1); return Type::future(args[0]); }
    if (head == "Final" || head == "typing.Final") { want(1); return args[0]; }
    compile_fail(e.loc, "unknown type '" + head + "'", Problem::Kind::UnknownClass);
  }
  std::string name = dotted_name(e);
  if (name.empty()) compile_fail(e.loc, "expected a type");
  static const std::pair<const char*, TypeKind> simple[] = {
      {"Tensor", TypeKind::Tensor}, {"torch.Tensor", TypeKind::Tensor}, {"int", TypeKind::Int},
      {"float", TypeKind::Float}, {"bool", TypeKind::Bool}, {"str", TypeKind::Str},
      {"NoneType", TypeKind::None}, {"Any", TypeKind::Any}, {"Device", TypeKind::Device},
      {"torch.device", TypeKind::Device}, {"number", TypeKind::Number}, {"Scalar", TypeKind::Number},
      {"complex", TypeKind::Complex}, {"Layout", TypeKind::Int}, {"ScalarType", TypeKind::Int},
      {"MemoryFormat", TypeKind::Int}, {"Generator", TypeKind::Generator}, {"Storage", TypeKind::Storage},
      {"Stream", TypeKind::Stream}, {"Capsule", TypeKind::Capsule}, {"List", TypeKind::AnyList},
      {"Tuple", TypeKind::AnyTuple},
      {"list", TypeKind::AnyList}, {"tuple", TypeKind::AnyTuple}};
  for (const auto& [n, k] : simple)
    if (name == n) return Type::get(k);
  if (auto c = find_class(name)) return cu.type_of(c);
  if (name.rfind("__torch__.torch.classes.", 0) == 0) {
    // A native class (packed weights, op contexts) named only in an annotation: objects of it are
    // made at load by ops (a module's __setstate__ calling quantized::conv2d_prepack) rather than
    // read from the pickle. It has no code; its methods compile to ops (compile_function.cpp),
    // so an unsupported class still fails there, naming the method.
    auto c = std::make_shared<ClassType>();
    c->qualname = name;
    cu.classes[name] = c;
    return cu.type_of(c);
  }
  compile_fail(e.loc, "unknown class '" + name + "'", Problem::Kind::UnknownClass);
}

namespace {

ClassKind kind_from_bases(const ast::ClassDef& cd) {
  for (const auto& b : cd.bases) {
    std::string n = dotted_name(b->kind == ast::ExprKind::Subscript && b->base ? *b->base : *b);
    if (n == "Module" || n == "torch.nn.Module") return ClassKind::Module;
    if (n == "NamedTuple") return ClassKind::NamedTuple;
    if (n == "Enum") return ClassKind::Enum;
    if (n == "Interface") return ClassKind::Interface;
    if (n == "ModuleInterface") return ClassKind::ModuleInterface;
  }
  return ClassKind::Class;
}

std::vector<std::string> string_list(const ast::Expr& e) {
  std::vector<std::string> out;
  if (e.kind != ast::ExprKind::List && e.kind != ast::ExprKind::Tuple)
    compile_fail(e.loc, "expected a list of names");
  for (const auto& it : e.items) {
    if (it->kind != ast::ExprKind::Str) compile_fail(it->loc, "expected a string");
    out.push_back(it->name);
  }
  return out;
}

class Driver {
 public:
  Driver(Context& ctx) : ctx_(ctx) {}

  void run(const CodeInput& in) {
    parse_all(in);
    declare_classes();
    // NamedTuples first: other classes' attribute types may name them.
    for (int pass = 0; pass < 2; ++pass)
      for (auto& entry : class_defs_) {
        // (clang 14 cannot capture structured bindings in a lambda.)
        auto& cd = entry.first;
        auto& cls = entry.second;
        if ((cls->kind == ClassKind::NamedTuple) == (pass == 0)) guarded(cd->loc, [&] { complete_class(*cd, cls); });
      }
    for (auto& [cd, cls] : class_defs_) declare_methods(*cd, cls);
    declare_method_files(in);
    for (auto& f : files_)
      for (const auto& fd : f->functions) declare_free_function(*f, fd);
    for (auto& [fn, def] : to_compile_) compile_function(ctx_, *fn);
    reject_recursion();
  }

 private:
  template <class F>
  void guarded(const ast::SourceLoc& loc, F&& f) {
    try {
      f();
    } catch (const CompileError& e) {
      ctx_.report(e);
    } catch (const Error& e) {
      ctx_.report(CompileError{Problem::Kind::Error, e.what(), loc, false});
    }
  }

  void parse_all(const CodeInput& in) {
    for (const auto& [path, text] : in.code) {
      if (path.size() < 3 || path.compare(path.size() - 3, 3, ".py") != 0) continue;
      try {
        files_.push_back(ast::parse_file(path, text));
      } catch (const Error& e) {
        ctx_.cu.problems.push_back(Problem{Problem::Kind::Error, e.what(), path});
      }
    }
  }

  void declare_classes() {
    for (auto& f : files_)
      for (const auto& cd : f->classes) {
        std::string qn = f->module + "." + cd.name;
        if (!defined_classes_.insert(qn).second) {
          ctx_.report(CompileError{Problem::Kind::Error, "class '" + qn + "' is defined twice", cd.loc, false});
          continue;
        }
        ClassTypePtr cls = ctx_.find_class(qn);
        if (!cls) {
          cls = std::make_shared<ClassType>();
          cls->qualname = qn;
          ctx_.cu.classes[qn] = cls;
        }
        cls->kind = kind_from_bases(cd);
        class_defs_.emplace_back(&cd, cls);
      }
  }

  void complete_class(const ast::ClassDef& cd, const ClassTypePtr& cls) {
    for (const auto& st : cd.body) {
      guarded(st->loc, [&] { class_statement(*st, cls); });
    }
    if (cls->kind == ClassKind::NamedTuple) {
      std::vector<TypePtr> fields;
      for (const auto& a : cls->attributes) fields.push_back(a.type ? a.type : Type::get(TypeKind::Any));
      ctx_.cu.named_tuple_types[cls.get()] = Type::tuple(std::move(fields), cls);
    }
    if (cls->kind == ClassKind::Interface || cls->kind == ClassKind::ModuleInterface) {
      cls->interface_methods.clear();
      for (const auto& m : cd.methods) cls->interface_methods.push_back(m.name);
    }
  }

  void class_statement(const ast::Stmt& st, const ClassTypePtr& cls) {
    using K = ast::StmtKind;
    if (st.kind == K::Assign && st.targets.size() == 1 && st.value) {
      const ast::Expr& t = *st.targets[0];
      if (t.kind == ast::ExprKind::Name && (t.name == "__parameters__" || t.name == "__buffers__")) {
        bool param = t.name == "__parameters__";
        for (const auto& n : string_list(*st.value)) {
          auto& a = cls->attributes[static_cast<size_t>(cls->add_attribute(n))];
          (param ? a.is_parameter : a.is_buffer) = true;
        }
        return;
      }
      if (t.kind == ast::ExprKind::Subscript && t.base && dotted_name(*t.base) == "__annotations__" &&
          t.items.size() == 1 && t.items[0]->kind == ast::ExprKind::Str) {
        set_attribute(cls, t.items[0]->name, ctx_.resolve_type(*st.value));
        return;
      }
      if (t.kind == ast::ExprKind::Name && cls->kind == ClassKind::Enum) {
        auto ev = std::make_shared<EnumValue>();
        ev->type = cls;
        ev->name = t.name;
        ev->value = eval_literal(*st.value, nullptr);
        set_constant(cls, t.name, Value(ev));
        return;
      }
      if (t.kind == ast::ExprKind::Name && t.name == "__constants__") return;
      // `__annotations__ = []` opens the per-name declarations below it (ParameterList's "0", ...).
      if (t.kind == ast::ExprKind::Name && t.name == "__annotations__") return;
    }
    if (st.kind == K::AnnAssign && st.targets.size() == 1 && st.targets[0]->kind == ast::ExprKind::Name &&
        st.annotation) {
      const std::string& name = st.targets[0]->name;
      const ast::Expr& ann = *st.annotation;
      bool final = ann.kind == ast::ExprKind::Subscript && ann.base && dotted_name(*ann.base) == "Final";
      TypePtr type = ctx_.resolve_type(ann);
      if (final) {
        if (!st.value) compile_fail(st.loc, "Final attribute '" + name + "' without a value");
        set_constant(cls, name, eval_literal(*st.value, type));
        return;
      }
      set_attribute(cls, name, type);
      return;
    }
    if (st.kind == K::Pass) return;
    compile_fail(st.loc, "unsupported statement in a class body", Problem::Kind::Unsupported);
  }

  static void set_attribute(const ClassTypePtr& cls, const std::string& name, TypePtr type) {
    cls->attributes[static_cast<size_t>(cls->add_attribute(name))].type = std::move(type);
  }

  static void set_constant(const ClassTypePtr& cls, const std::string& name, Value v) {
    for (auto& [n, p] : cls->constants)
      if (n == name) {
        p = std::make_shared<Value>(std::move(v));
        return;
      }
    cls->constants.emplace_back(name, std::make_shared<Value>(std::move(v)));
  }

  std::shared_ptr<Function> declare(const ast::FunctionDef& fd, const std::string& qualname, const ClassTypePtr& owner,
                                    const std::string& file) {
    auto fn = std::make_shared<Function>();
    fn->name = fd.name;
    fn->qualname = qualname;
    fn->owner = owner;
    fn->file = file;
    fn->line = fd.loc.line;
    bool ok = true;
    for (size_t i = 0; i < fd.params.size(); ++i) {
      const ast::Param& p = fd.params[i];
      Function::Param fp;
      fp.name = p.name;
      fp.kwarg_only = p.kwarg_only;
      try {
        if (p.type) fp.type = ctx_.resolve_type(*p.type);
        else if (i == 0 && owner) fp.type = ctx_.cu.type_of(owner);
        else fp.type = Type::get(TypeKind::Tensor);
        if (p.default_value) fp.default_value = eval_literal(*p.default_value, fp.type);
      } catch (const CompileError& e) {
        ctx_.report(e);
        ok = false;
        fp.type = Type::get(TypeKind::Any);
      }
      fn->params.push_back(std::move(fp));
    }
    try {
      fn->return_type = fd.return_type ? ctx_.resolve_type(*fd.return_type) : Type::get(TypeKind::None);
    } catch (const CompileError& e) {
      ctx_.report(e);
      ok = false;
      fn->return_type = Type::get(TypeKind::Any);
    }
    ctx_.defs[fn.get()] = &fd;
    if (ok) to_compile_.emplace_back(fn, &fd);
    return fn;
  }

  // TorchScript rejects recursive calls when it compiles, so PyTorch never saves one; a file with
  // one is hostile (the interpreter would follow it until its stack ran out). Every
  // cycle of the static call graph (direct calls of functions and methods) is reported at the
  // call that closes it.
  void reject_recursion() {
    struct Site {
      const Function* callee;
      ast::SourceLoc loc;
    };
    std::map<const Function*, std::vector<Site>> calls;
    for (auto& [fn, def] : to_compile_) {
      if (!fn->graph) continue;
      auto& out = calls[fn.get()];
      std::vector<const ir::Block*> blocks{fn->graph->top()};
      while (!blocks.empty()) {
        const ir::Block* b = blocks.back();
        blocks.pop_back();
        for (const ir::Node* n : b->nodes) {
          // Interface calls are left out: their dispatch lists every class with a matching
          // method, which need not be a real cycle; the interpreter's call-depth bound covers them.
          if ((n->kind == ir::NodeKind::CallFunction || n->kind == ir::NodeKind::CallMethod) && n->fn)
            out.push_back({n->fn, n->loc});
          for (const ir::Block* inner : n->blocks) blocks.push_back(inner);
        }
      }
    }
    // Iterative depth-first search: 0 unvisited, 1 on the current path, 2 done.
    std::map<const Function*, int> state;
    for (auto& [root, unused] : calls) {
      if (state[root]) continue;
      std::vector<std::pair<const Function*, size_t>> path{{root, 0}};
      state[root] = 1;
      while (!path.empty()) {
        auto& [f, next] = path.back();
        auto it = calls.find(f);
        if (it == calls.end() || next >= it->second.size()) {
          state[f] = 2;
          path.pop_back();
          continue;
        }
        const Site& site = it->second[next++];
        int& st = state[site.callee];
        if (st == 1) {
          std::string cycle;
          bool on = false;
          for (const auto& [g, unused2] : path) {
            on = on || g == site.callee;
            if (on) cycle += g->qualname + " -> ";
          }
          ctx_.report(CompileError{Problem::Kind::Unsupported,
                                   "recursive call " + cycle + site.callee->qualname +
                                       " (TorchScript does not support recursion)",
                                   site.loc, false});
        } else if (st == 0) {
          st = 1;
          path.emplace_back(site.callee, 0);
        }
      }
    }
  }

  void declare_methods(const ast::ClassDef& cd, const ClassTypePtr& cls) {
    bool iface = cls->kind == ClassKind::Interface || cls->kind == ClassKind::ModuleInterface;
    const std::string file = cd.loc.file ? *cd.loc.file : std::string();
    std::set<std::string> seen;
    for (const auto& m : cd.methods) {
      // A second definition would replace a Function the compile queue still refers to; PyTorch
      // never prints one, so it is a problem in the file.
      if (!seen.insert(m.name).second) {
        ctx_.report(CompileError{Problem::Kind::Error,
                                 "method '" + m.name + "' of class '" + cls->qualname + "' is defined twice",
                                 m.loc, false});
        continue;
      }
      auto fn = declare(m, cls->qualname + "." + m.name, cls, file);
      if (iface) to_compile_.erase(std::remove_if(to_compile_.begin(), to_compile_.end(),
                                                  [&](const auto& p) { return p.first == fn; }),
                                   to_compile_.end());
      bool replaced = false;
      for (auto& [n, f] : cls->methods)
        if (n == m.name) {
          f = fn;
          replaced = true;
        }
      if (!replaced) cls->methods.emplace_back(m.name, fn);
    }
  }

  // model.json archives: each module's file of bare `def`s become that class's methods.
  void declare_method_files(const CodeInput& in) {
    for (const auto& [qualname, mf] : in.class_methods) {
      ClassTypePtr cls = ctx_.find_class(qualname);
      if (!cls) {
        ctx_.cu.problems.push_back(Problem{Problem::Kind::UnknownClass, "no class '" + qualname + "' for its methods", mf.path});
        continue;
      }
      std::unique_ptr<ast::File> file;
      try {
        file = ast::parse_file(mf.path, mf.text);
      } catch (const Error& e) {
        ctx_.cu.problems.push_back(Problem{Problem::Kind::Error, e.what(), mf.path});
        continue;
      }
      for (const auto& cd : file->classes)
        ctx_.report(CompileError{Problem::Kind::Unsupported,
                                 "class '" + cd.name + "' in a module's method file (it holds methods only)", cd.loc, false});
      // PyTorch's LEGACY_import_methods reads `op_version_set = N`, imports and defs, nothing else.
      for (const auto& st : file->other)
        if (st->kind != ast::StmtKind::Import)
          ctx_.report(CompileError{Problem::Kind::Unsupported, "a statement outside any def in a module's method file",
                                   st->loc, false});
      std::set<std::string> seen;
      for (const auto& fd : file->functions) {
        if (!seen.insert(fd.name).second || cls->find_method(fd.name)) {
          ctx_.report(CompileError{Problem::Kind::Error,
                                   "method '" + fd.name + "' of class '" + cls->qualname + "' is defined twice", fd.loc, false});
          continue;
        }
        cls->methods.emplace_back(fd.name, declare(fd, cls->qualname + "." + fd.name, cls, mf.path));
      }
      method_files_.push_back(std::move(file));
    }
  }

  void declare_free_function(const ast::File& f, const ast::FunctionDef& fd) {
    std::string qn = f.module + "." + fd.name;
    if (ctx_.cu.functions.count(qn)) {
      ctx_.report(CompileError{Problem::Kind::Error, "function '" + qn + "' is defined twice", fd.loc, false});
      return;
    }
    ctx_.cu.functions[qn] = declare(fd, qn, nullptr, f.path);
  }

  Context& ctx_;
  std::vector<std::unique_ptr<ast::File>> files_;
  std::vector<std::unique_ptr<ast::File>> method_files_;  // keep the ASTs the compile queue points into
  std::vector<std::pair<const ast::ClassDef*, ClassTypePtr>> class_defs_;
  // Owning: the queue keeps every declared Function alive until it is compiled.
  std::vector<std::pair<std::shared_ptr<Function>, const ast::FunctionDef*>> to_compile_;
  std::set<std::string> defined_classes_;
};

}  // namespace

std::shared_ptr<CompilationUnit> compile_code(const CodeInput& input) {
  auto cu = std::make_shared<CompilationUnit>();
  cu->format_version = input.format_version;
  cu->classes = input.classes;
  Context ctx{*cu, ops::Registry::global(), {}, {}};
  if (input.constants.is_tuple()) ctx.constants = input.constants.to_tuple()->items;
  Driver(ctx).run(input);
  return cu;
}

}  // namespace ember::script
