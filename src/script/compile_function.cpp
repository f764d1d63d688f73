// compile_function.cpp — one function body: AST → structured SSA IR → flat code.
//
// Python variables become SSA values through scopes: each block (function body, if branch, loop
// body) has a scope mapping names to what they hold now. An `if` turns the names either branch
// reassigned into If outputs (types unified, None + T → Optional[T]); a loop turns the names its
// body assigns that already existed into loop-carried values. Names may also hold things that are
// not values (a namespace such as `torch`, a class, a function, a fork closure); those are
// "sugared" and only make sense as the callee or base of an attribute.
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "ir/graph.h"
#include "ops/registry.h"
#include "script/compiler_impl.h"
#include "core/check.h"

namespace ember::script {

namespace {

using ast::Expr;
using ast::ExprKind;
using ast::SourceLoc;
using ast::Stmt;
using ast::StmtKind;

TypePtr T(TypeKind k) { return Type::get(k); }

struct Sugared {
  enum class Kind { Value, Namespace, Class, NewOf, Func, Closure, Builtin, Method };
  Kind kind = Kind::Value;
  ir::Value* v = nullptr;
  std::string path;  // Namespace path, Builtin name, Method name
  ClassTypePtr cls;
  const Function* fn = nullptr;
  const ast::FunctionDef* def = nullptr;

  static Sugared val(ir::Value* v) {
    Sugared s;
    s.v = v;
    return s;
  }
};

struct Scope {
  Scope* parent = nullptr;
  ir::Block* block = nullptr;
  std::vector<std::string> order;  // names assigned in this scope, first assignment first
  std::unordered_map<std::string, Sugared> vars;
  bool terminated = false;  // every path through the scope raises

  const Sugared* find(const std::string& n) const {
    for (const Scope* s = this; s; s = s->parent) {
      auto it = s->vars.find(n);
      if (it != s->vars.end()) return &it->second;
    }
    return nullptr;
  }
  void set(const std::string& n, Sugared v) {
    if (!vars.count(n)) order.push_back(n);
    vars[n] = std::move(v);
  }
};

struct Refinement {
  std::string name;
  TypePtr if_true;   // null: no refinement on that side
  TypePtr if_false;
};

const std::unordered_map<std::string, std::string>& builtin_ops() {
  static const std::unordered_map<std::string, std::string> m = {
      {"int", "aten::Int"},       {"float", "aten::Float"},   {"bool", "aten::Bool"},
      {"str", "aten::str"},       {"len", "aten::len"},       {"print", "prim::Print"},
      {"sorted", "aten::sorted"}, {"complex", "aten::Complex"}, {"list", "aten::list"},
      {"dict", "aten::dict"},     {"ord", "aten::ord"},       {"chr", "aten::chr"},
      {"abs", "prim::abs"},       {"min", "prim::min"},       {"max", "prim::max"},
      {"round", "aten::round"},   {"sum", "aten::sum"},       {"any", "aten::any"},
      {"all", "aten::all"},       {"divmod", "aten::divmod"}, {"hash", "aten::hash"}};
  return m;
}

const std::unordered_set<std::string>& compiler_builtins() {
  static const std::unordered_set<std::string> s = {"annotate", "unchecked_cast", "uninitialized", "isinstance",
                                                    "getattr",  "hasattr",        "fork",          "range"};
  return s;
}

std::string binop_name(const std::string& op) {
  static const std::unordered_map<std::string, std::string> m = {
      {"+", "aten::add"},       {"-", "aten::sub"},       {"*", "aten::mul"},     {"/", "aten::div"},
      {"//", "aten::floordiv"}, {"%", "aten::remainder"}, {"**", "aten::pow"},    {"@", "aten::matmul"},
      {"&", "aten::__and__"},   {"|", "aten::__or__"},    {"^", "aten::__xor__"}, {"<<", "aten::__lshift__"},
      {">>", "aten::__rshift__"}, {"<", "aten::lt"},      {"<=", "aten::le"},     {">", "aten::gt"},
      {">=", "aten::ge"},       {"==", "aten::eq"},       {"!=", "aten::ne"}};
  auto it = m.find(op);
  return it == m.end() ? std::string() : it->second;
}

// Names a statement list assigns (recursively), in order: the candidates for loop-carried values.
void collect_assigned_expr(const Expr& t, std::vector<std::string>& out) {
  if (t.kind == ExprKind::Name) out.push_back(t.name);
  else if (t.kind == ExprKind::Tuple || t.kind == ExprKind::List)
    for (const auto& it : t.items) collect_assigned_expr(*it, out);
  else if (t.kind == ExprKind::Starred && !t.items.empty())
    collect_assigned_expr(*t.items[0], out);
}
void collect_assigned(const std::vector<ast::StmtPtr>& body, std::vector<std::string>& out) {
  for (const auto& s : body) {
    switch (s->kind) {
      case StmtKind::Assign:
      case StmtKind::AnnAssign:
      case StmtKind::AugAssign:
      case StmtKind::For:
      case StmtKind::With:
        for (const auto& t : s->targets) collect_assigned_expr(*t, out);
        break;
      default: break;
    }
    if (s->kind == StmtKind::Def && s->def_) out.push_back(s->def_->name);
    collect_assigned(s->body, out);
    collect_assigned(s->orelse, out);
  }
}

class FunctionCompiler {
 public:
  FunctionCompiler(Context& ctx, Function& fn, const ast::FunctionDef& def)
      : ctx_(ctx), fn_(fn), def_(def), g_(*(fn.graph = std::make_unique<ir::Graph>())) {}

  void compile() {
    Scope top;
    top.block = g_.top();
    for (const auto& p : fn_.params) top.set(p.name, Sugared::val(g_.add_param(g_.top(), p.type, p.name)));
    ir::Value* ret = nullptr;
    bool has_ret = false;
    stmts(def_.body, top, &ret, &has_ret);
    try {
      if (!has_ret) {
        if (top.terminated) ret = uninitialized(top, fn_.return_type, def_.loc);
        else if (fn_.return_type->kind == TypeKind::None) ret = constant(top, Value(), T(TypeKind::None), def_.loc);
        else compile_fail(def_.loc, fn_.name + "() does not end with a return statement");
      }
      if (ret && !ret->type->is_subtype_of(*fn_.return_type) && !poisoned_.count(ret))
        compile_fail(def_.loc, fn_.name + "() returns " + ret->type->str() + " but is declared to return " +
                                   fn_.return_type->str());
    } catch (const CompileError& e) {
      problem(e);
    }
    if (problems_) return;
    g_.top()->returns = {ret};
  }

 private:
  // ---- small builders --------------------------------------------------------------------------

  ir::Node* append(Scope& sc, ir::NodeKind k, std::vector<ir::Value*> in, std::vector<TypePtr> out,
                   const SourceLoc& loc) {
    return g_.append(sc.block, k, std::move(in), std::move(out), loc);
  }
  ir::Value* constant(Scope& sc, Value v, TypePtr t, const SourceLoc& loc) {
    if (!t) t = v.type();
    return g_.constant(sc.block, std::move(v), std::move(t), loc);
  }
  ir::Value* uninitialized(Scope& sc, TypePtr t, const SourceLoc& loc) {
    ir::Node* n = append(sc, ir::NodeKind::Uninitialized, {}, {t}, loc);
    n->type = t;
    return n->outputs[0];
  }
  ir::Value* cast(Scope& sc, ir::Value* v, TypePtr t, const SourceLoc& loc) {
    if (v->type->equals(*t)) return v;
    ir::Node* n = append(sc, ir::NodeKind::Cast, {v}, {t}, loc);
    n->type = t;
    return n->outputs[0];
  }
  static bool const_bool(const ir::Value* v, bool* out) {
    if (v->producer && v->producer->kind == ir::NodeKind::Constant && v->producer->constant.is_bool()) {
      *out = v->producer->constant.to_bool();
      return true;
    }
    return false;
  }
  static const Value* const_value(const ir::Value* v) {
    if (v->producer && v->producer->kind == ir::NodeKind::Constant) return &v->producer->constant;
    return nullptr;
  }

  void problem(const CompileError& e) {
    if (!e.silent) ctx_.report(e);
    problems_ = true;
  }

  // ---- statements ------------------------------------------------------------------------------

  // `ret`/`has_ret`: where a `return` at the end of this list goes (null: returns are not allowed).
  void stmts(const std::vector<ast::StmtPtr>& list, Scope& sc, ir::Value** ret, bool* has_ret) {
    for (size_t i = 0; i < list.size(); ++i) {
      const Stmt& s = *list[i];
      try {
        if (s.kind == StmtKind::Return) {
          if (!ret || i + 1 != list.size())
            compile_fail(s.loc, "a return before the end of a function is not supported (PyTorch never prints one)",
                         Problem::Kind::Unsupported);
          *ret = s.value ? expr(*s.value, sc, fn_.return_type) : constant(sc, Value(), T(TypeKind::None), s.loc);
          *has_ret = true;
          continue;
        }
        stmt(s, sc);
      } catch (const CompileError& e) {
        problem(e);
        poison_targets(s, sc);
        if (s.kind == StmtKind::Return && ret) {  // null: a return where none may stand (reported)
          *ret = poison(sc, s.loc);
          *has_ret = true;
        }
      }
    }
  }

  ir::Value* poison(Scope& sc, const SourceLoc& loc) {
    ir::Value* v = uninitialized(sc, T(TypeKind::Any), loc);
    poisoned_.insert(v);
    return v;
  }
  void poison_targets(const Stmt& s, Scope& sc) {
    std::vector<std::string> names;
    for (const auto& t : s.targets) collect_assigned_expr(*t, names);
    collect_assigned(s.body, names);
    collect_assigned(s.orelse, names);
    for (const auto& n : names) sc.set(n, Sugared::val(poison(sc, s.loc)));
  }

  void stmt(const Stmt& s, Scope& sc) {
    switch (s.kind) {
      case StmtKind::Expr: {
        raised_ = false;
        sugared(*s.value, sc, nullptr);
        if (raised_) sc.terminated = true;
        return;
      }
      case StmtKind::Assign: {
        const Expr& value = *s.value;
        for (const auto& t : s.targets) {
          if ((t->kind == ExprKind::Tuple || t->kind == ExprKind::List) && value.kind == ExprKind::Tuple &&
              t->items.size() == value.items.size()) {
            // `a, b = x, y`: evaluate every right-hand value before binding any name.
            std::vector<ir::Value*> vs;
            for (const auto& it : value.items) vs.push_back(expr(*it, sc, nullptr));
            for (size_t i = 0; i < vs.size(); ++i) assign(*t->items[i], vs[i], sc);
            continue;
          }
          if (t->kind == ExprKind::Name) {
            Sugared v = sugared(value, sc, nullptr);
            if (v.kind == Sugared::Kind::Value && v.v->debug_name.empty()) v.v->debug_name = t->name;
            sc.set(t->name, v);
            continue;
          }
          assign(*t, expr(value, sc, nullptr), sc);
        }
        return;
      }
      case StmtKind::AnnAssign: {
        TypePtr ty = ctx_.resolve_type(*s.annotation);
        if (!s.value) return;
        ir::Value* v = expr(*s.value, sc, ty);
        if (!v->type->is_subtype_of(*ty))
          compile_fail(s.loc, "cannot assign a value of type " + v->type->str() + " to a variable annotated " + ty->str());
        assign(*s.targets[0], cast(sc, v, ty, s.loc), sc);
        return;
      }
      case StmtKind::AugAssign: {
        ir::Value* cur = expr(*s.targets[0], sc, nullptr);
        ir::Value* rhs = expr(*s.value, sc, nullptr);
        std::string op = binop_name(s.op);
        if (op.empty()) compile_fail(s.loc, "unsupported augmented assignment '" + s.op + "='", Problem::Kind::Unsupported);
        assign(*s.targets[0], single(op_call(op, {cur, rhs}, {}, sc, s.loc), sc, s.loc), sc);
        return;
      }
      case StmtKind::If: return if_stmt(s, sc);
      case StmtKind::For: return for_stmt(s, sc);
      case StmtKind::While: return while_stmt(s, sc);
      case StmtKind::Pass:
      case StmtKind::Del:
      case StmtKind::Import: return;
      case StmtKind::Raise: return raise_stmt(s, sc);
      case StmtKind::Assert: return assert_stmt(s, sc);
      case StmtKind::With: return with_stmt(s, sc);
      case StmtKind::Def: {
        Sugared c;
        c.kind = Sugared::Kind::Closure;
        c.def = s.def_.get();
        sc.set(s.def_->name, c);
        return;
      }
      case StmtKind::Return: break;
      case StmtKind::Break:
      case StmtKind::Continue:
      case StmtKind::Global: break;
    }
    static const char* names[] = {"expression", "assignment", "annotated assignment", "augmented assignment",
                                  "if", "for", "while", "return", "pass", "break", "continue", "raise",
                                  "assert", "with", "def", "del", "import", "global"};
    compile_fail(s.loc, std::string("unsupported statement '") + names[static_cast<int>(s.kind)] +
                            "' (PyTorch lowers it before printing)", Problem::Kind::Unsupported);
  }

  void assign(const Expr& t, ir::Value* v, Scope& sc) {
    switch (t.kind) {
      case ExprKind::Name:
        if (v->debug_name.empty()) v->debug_name = t.name;
        sc.set(t.name, Sugared::val(v));
        return;
      case ExprKind::Tuple:
      case ExprKind::List: {
        if (v->type->kind == TypeKind::List) {
          std::vector<TypePtr> types(t.items.size(), v->type->contained[0]);
          ir::Node* n = append(sc, ir::NodeKind::ListUnpack, {v}, types, t.loc);
          for (size_t i = 0; i < t.items.size(); ++i) assign(*t.items[i], n->outputs[i], sc);
          return;
        }
        if (v->type->kind != TypeKind::Tuple)
          compile_fail(t.loc, "cannot unpack a value of type " + v->type->str());
        if (v->type->contained.size() != t.items.size())
          compile_fail(t.loc, "cannot unpack a tuple of " + std::to_string(v->type->contained.size()) +
                                  " elements into " + std::to_string(t.items.size()) + " names");
        ir::Node* n = append(sc, ir::NodeKind::TupleUnpack, {v}, v->type->contained, t.loc);
        for (size_t i = 0; i < t.items.size(); ++i) assign(*t.items[i], n->outputs[i], sc);
        return;
      }
      case ExprKind::Attribute: {
        ir::Value* obj = expr(*t.base, sc, nullptr);
        if (obj->type->kind != TypeKind::Class)
          compile_fail(t.loc, "cannot set attribute '" + t.name + "' on a value of type " + obj->type->str());
        const ClassTypePtr& cls = obj->type->cls;
        int slot = cls->find_attribute(t.name);
        if (slot < 0) slot = cls->add_attribute(t.name, v->type);
        const TypePtr& at = cls->attributes[static_cast<size_t>(slot)].type;
        if (at && !v->type->is_subtype_of(*at))
          compile_fail(t.loc, "cannot assign " + v->type->str() + " to attribute '" + t.name + "' of type " + at->str());
        ir::Node* n = append(sc, ir::NodeKind::SetAttr, {obj, v}, {}, t.loc);
        n->index = slot;
        n->name = t.name;
        return;
      }
      case ExprKind::Subscript: {
        if (t.items.size() != 1) compile_fail(t.loc, "unsupported subscript assignment", Problem::Kind::Unsupported);
        ir::Value* base = expr(*t.base, sc, nullptr);
        ir::Value* idx = expr(*t.items[0], sc, nullptr);
        op_call("aten::_set_item", {base, idx, v}, {}, sc, t.loc);
        return;
      }
      default: compile_fail(t.loc, "unsupported assignment target", Problem::Kind::Unsupported);
    }
  }

  // A condition as a bool value (TorchScript converts Tensors and numbers with bool()).
  ir::Value* cond_value(const Expr& e, Scope& sc) {
    ir::Value* v = expr(e, sc, nullptr);
    if (v->type->kind == TypeKind::Bool) return v;
    if (v->type->kind == TypeKind::Tensor || v->type->kind == TypeKind::Int || v->type->kind == TypeKind::Float) {
      ir::Value* b = single(op_call("aten::Bool", {v}, {}, sc, e.loc), sc, e.loc);
      return b;
    }
    compile_fail(e.loc, "expected a bool condition but got " + v->type->str());
  }

  void apply_refinement(const ir::Value* cond, bool branch, Scope& sc, const SourceLoc& loc) {
    auto it = refinements_.find(cond);
    if (it == refinements_.end()) return;
    const Refinement& r = it->second;
    const TypePtr& t = branch ? r.if_true : r.if_false;
    if (!t) return;
    const Sugared* cur = sc.find(r.name);
    if (!cur || cur->kind != Sugared::Kind::Value) return;
    ir::Value* c = cast(sc, cur->v, t, loc);
    if (c != cur->v) refinement_casts_[c] = cur->v;
    sc.set(r.name, Sugared::val(c));
  }

  // Merges the names the two branches of `n` assigned into If outputs bound in `sc`.
  void merge_if(ir::Node* n, Scope& ts, Scope& es, Scope& sc, const SourceLoc& loc) {
    n->blocks[0]->terminates = ts.terminated;
    n->blocks[1]->terminates = es.terminated;
    if (ts.terminated && es.terminated) {
      sc.terminated = true;
      return;
    }
    std::vector<std::string> names = ts.order;
    for (const auto& nm : es.order)
      if (!ts.vars.count(nm)) names.push_back(nm);
    for (const auto& name : names) {
      const Sugared* tv = ts.find(name);
      const Sugared* ev = es.find(name);
      if (ts.terminated) tv = ev;
      if (es.terminated) ev = tv;
      if (!tv || !ev) continue;
      if (tv->kind != Sugared::Kind::Value || ev->kind != Sugared::Kind::Value) {
        if (tv->kind == ev->kind && tv->def == ev->def && tv->fn == ev->fn) sc.set(name, *tv);
        continue;
      }
      ir::Value* t = unrefined(tv->v);
      ir::Value* e = unrefined(ev->v);
      const Sugared* outer = sc.find(name);
      if (t == e) {
        if (!outer || outer->kind != Sugared::Kind::Value || outer->v != t) sc.set(name, Sugared::val(t));
        continue;
      }
      if (poisoned_.count(t) || poisoned_.count(e)) {
        sc.set(name, Sugared::val(poison(sc, loc)));
        continue;
      }
      TypePtr ty = unify_types(t->type, e->type);
      if (!ty) {
        // TorchScript rejects such a variable only where it is used afterwards.
        ir::Value* p = poison(sc, loc);
        conflicts_[p] = "variable '" + name + "' is " + t->type->str() + " in one branch and " + e->type->str() +
                        " in the other";
        sc.set(name, Sugared::val(p));
        continue;
      }
      ir::Value* out = g_.add_output(n, ty);
      out->debug_name = name;
      n->blocks[0]->returns.push_back(ts.terminated ? uninitialized(ts, ty, loc) : t);
      n->blocks[1]->returns.push_back(es.terminated ? uninitialized(es, ty, loc) : e);
      sc.set(name, Sugared::val(out));
    }
  }

  ir::Value* unrefined(ir::Value* v) const {
    auto it = refinement_casts_.find(v);
    return it == refinement_casts_.end() ? v : it->second;
  }

  void if_stmt(const Stmt& s, Scope& sc) {
    ir::Value* c = cond_value(*s.cond, sc);
    bool k;
    if (const_bool(c, &k)) {
      // Statically decided (e.g. folded `is None` checks): the other branch may not even type-check.
      Scope inner;
      inner.parent = &sc;
      inner.block = sc.block;
      apply_refinement(c, k, inner, s.loc);
      stmts(k ? s.body : s.orelse, inner, nullptr, nullptr);
      for (const auto& n : inner.order) {
        const Sugared& v = inner.vars[n];
        // The condition's own refinement of a name stays inside; a refined value the branch
        // assigned to a name (`size7 = size0` where `size0 is None`) is a definition and leaves.
        if (v.kind == Sugared::Kind::Value) {
          auto cast = refinement_casts_.find(v.v);
          const Sugared* outer = sc.find(n);
          if (cast != refinement_casts_.end() && outer && outer->kind == Sugared::Kind::Value && outer->v == cast->second) continue;
        }
        sc.set(n, v);
      }
      if (inner.terminated) sc.terminated = true;
      return;
    }
    ir::Node* n = append(sc, ir::NodeKind::If, {c}, {}, s.loc);
    Scope ts, es;
    ts.parent = es.parent = &sc;
    ts.block = g_.new_block(n);
    es.block = g_.new_block(n);
    apply_refinement(c, true, ts, s.loc);
    apply_refinement(c, false, es, s.loc);
    stmts(s.body, ts, nullptr, nullptr);
    stmts(s.orelse, es, nullptr, nullptr);
    merge_if(n, ts, es, sc, s.loc);
  }

  // An If producing one value: `then_fn`/`else_fn` compile each side into the given scope.
  ir::Value* if_value(ir::Value* c, const std::function<ir::Value*(Scope&)>& then_fn,
                      const std::function<ir::Value*(Scope&)>& else_fn, Scope& sc, const SourceLoc& loc) {
    bool k;
    if (const_bool(c, &k)) return k ? then_fn(sc) : else_fn(sc);
    ir::Node* n = append(sc, ir::NodeKind::If, {c}, {}, loc);
    Scope ts, es;
    ts.parent = es.parent = &sc;
    ts.block = g_.new_block(n);
    es.block = g_.new_block(n);
    apply_refinement(c, true, ts, loc);
    apply_refinement(c, false, es, loc);
    ir::Value* tv = then_fn(ts);
    ir::Value* ev = else_fn(es);
    TypePtr ty = unify_types(tv->type, ev->type);
    if (!ty) compile_fail(loc, "the two branches have types " + tv->type->str() + " and " + ev->type->str());
    n->blocks[0]->returns.push_back(tv);
    n->blocks[1]->returns.push_back(ev);
    return g_.add_output(n, ty);
  }

  // Builds a Loop; `bind` defines the loop target in the body scope from the iteration value.
  void loop(const Stmt& s, ir::Value* trip, ir::Value* start_cond, const std::function<void(Scope&, ir::Value*)>& bind,
            const Expr* while_cond, Scope& sc) {
    std::vector<std::string> assigned;
    for (const auto& t : s.targets) collect_assigned_expr(*t, assigned);
    collect_assigned(s.body, assigned);
    std::vector<std::string> carried;
    std::unordered_set<std::string> seen;
    for (const auto& n : assigned) {
      if (!seen.insert(n).second) continue;
      const Sugared* v = sc.find(n);
      if (v && v->kind == Sugared::Kind::Value) carried.push_back(n);
    }
    std::vector<ir::Value*> inputs{trip, start_cond};
    for (const auto& n : carried) inputs.push_back(unrefined(sc.find(n)->v));
    ir::Node* node = append(sc, ir::NodeKind::Loop, inputs, {}, s.loc);
    Scope bs;
    bs.parent = &sc;
    bs.block = g_.new_block(node);
    ir::Value* iter = g_.add_param(bs.block, T(TypeKind::Int), "i");
    for (size_t i = 0; i < carried.size(); ++i) {
      ir::Value* p = g_.add_param(bs.block, inputs[i + 2]->type, carried[i]);
      if (poisoned_.count(inputs[i + 2])) poisoned_.insert(p);
      bs.set(carried[i], Sugared::val(p));
    }
    // Names the body defines fresh shadow nothing outside, so the scope sees only carried ones.
    bs.order.clear();
    bind(bs, iter);
    stmts(s.body, bs, nullptr, nullptr);
    bs.block->terminates = bs.terminated;
    ir::Value* c;
    if (bs.terminated) c = constant(bs, Value(false), T(TypeKind::Bool), s.loc);
    else if (while_cond) c = cond_value(*while_cond, bs);
    else c = constant(bs, Value(true), T(TypeKind::Bool), s.loc);
    bs.block->returns.push_back(c);
    for (size_t i = 0; i < carried.size(); ++i) {
      TypePtr pt = inputs[i + 2]->type;
      const Sugared* v = bs.find(carried[i]);
      ir::Value* r;
      if (bs.terminated) r = uninitialized(bs, pt, s.loc);
      else {
        if (!v || v->kind != Sugared::Kind::Value) compile_fail(s.loc, "loop variable '" + carried[i] + "' changes kind");
        r = unrefined(v->v);
        if (!poisoned_.count(r) && !r->type->is_subtype_of(*pt))
          compile_fail(s.loc, "variable '" + carried[i] + "' is " + pt->str() + " before the loop and " +
                                  r->type->str() + " inside it");
        r = cast(bs, r, pt, s.loc);
      }
      bs.block->returns.push_back(r);
      ir::Value* out = g_.add_output(node, pt);
      out->debug_name = carried[i];
      if (poisoned_.count(inputs[i + 2]) || poisoned_.count(r)) poisoned_.insert(out);
      sc.set(carried[i], Sugared::val(out));
    }
  }

  void for_stmt(const Stmt& s, Scope& sc) {
    const Expr& target = *s.targets[0];
    const Expr& it = *s.value;
    ir::Value* true_c = constant(sc, Value(true), T(TypeKind::Bool), s.loc);
    if (it.kind == ExprKind::Call && it.base && it.base->kind == ExprKind::Name && it.base->name == "range" &&
        !sc.find("range")) {
      if (it.items.size() == 1) {
        ir::Value* n = expr(*it.items[0], sc, T(TypeKind::Int));
        loop(s, n, true_c, [&](Scope& bs, ir::Value* i) { assign(target, i, bs); }, nullptr, sc);
        return;
      }
      if (it.items.size() == 2 || it.items.size() == 3) {
        ir::Value* start = expr(*it.items[0], sc, nullptr);
        ir::Value* stop = expr(*it.items[1], sc, nullptr);
        ir::Value* step = it.items.size() == 3 ? expr(*it.items[2], sc, nullptr)
                                               : constant(sc, Value(int64_t{1}), T(TypeKind::Int), s.loc);
        ir::Value* n = single(op_call("aten::__range_length", {start, stop, step}, {}, sc, s.loc), sc, s.loc);
        loop(s, n, true_c, [&](Scope& bs, ir::Value* i) {
          assign(target, single(op_call("aten::__derive_index", {i, start, step}, {}, bs, s.loc), bs, s.loc), bs);
        }, nullptr, sc);
        return;
      }
      compile_fail(it.loc, "range() takes 1 to 3 arguments");
    }
    ir::Value* seq = expr(it, sc, nullptr);
    switch (seq->type->kind) {
      case TypeKind::Tuple: {
        // Elements may differ in type, so the loop is unrolled.
        for (size_t k = 0; k < seq->type->contained.size(); ++k) {
          ir::Node* n = append(sc, ir::NodeKind::TupleIndex, {seq}, {seq->type->contained[k]}, s.loc);
          n->index = static_cast<int64_t>(k);
          assign(target, n->outputs[0], sc);
          stmts(s.body, sc, nullptr, nullptr);
        }
        return;
      }
      case TypeKind::Dict:
        seq = single(op_call("aten::keys", {seq}, {}, sc, s.loc), sc, s.loc);
        [[fallthrough]];
      case TypeKind::List:
      case TypeKind::Str:
      case TypeKind::Tensor: {
        ir::Value* n = single(op_call("aten::len", {seq}, {}, sc, s.loc), sc, s.loc);
        bool tensor = seq->type->kind == TypeKind::Tensor;
        loop(s, n, true_c, [&](Scope& bs, ir::Value* i) {
          ir::Value* el;
          if (tensor) {
            ir::Value* zero = constant(bs, Value(int64_t{0}), T(TypeKind::Int), s.loc);
            el = single(op_call("aten::select", {seq, zero, i}, {}, bs, s.loc), bs, s.loc);
          } else {
            el = single(op_call("aten::__getitem__", {seq, i}, {}, bs, s.loc), bs, s.loc);
          }
          assign(target, el, bs);
        }, nullptr, sc);
        return;
      }
      default: compile_fail(it.loc, "cannot iterate over a value of type " + seq->type->str(), Problem::Kind::Unsupported);
    }
  }

  void while_stmt(const Stmt& s, Scope& sc) {
    ir::Value* c = cond_value(*s.cond, sc);
    ir::Value* trip = constant(sc, Value(std::numeric_limits<int64_t>::max()), T(TypeKind::Int), s.loc);
    loop(s, trip, c, [](Scope&, ir::Value*) {}, s.cond.get(), sc);
  }

  void raise(ir::Value* msg, ir::Value* cls, Scope& sc, const SourceLoc& loc) {
    std::vector<ir::Value*> in{msg};
    if (cls) in.push_back(cls);
    append(sc, ir::NodeKind::Raise, in, {}, loc);
    raised_ = true;
    sc.terminated = true;
  }

  void raise_stmt(const Stmt& s, Scope& sc) {
    ir::Value* msg;
    ir::Value* cls = nullptr;
    if (s.value && s.value->kind == ExprKind::Call && s.value->base && s.value->base->kind == ExprKind::Name) {
      msg = s.value->items.empty() ? constant(sc, Value(std::string()), T(TypeKind::Str), s.loc)
                                   : expr(*s.value->items[0], sc, nullptr);
      cls = constant(sc, Value("builtins." + s.value->base->name), T(TypeKind::Str), s.loc);
    } else if (s.value) {
      msg = expr(*s.value, sc, nullptr);
    } else {
      msg = constant(sc, Value(std::string("Exception")), T(TypeKind::Str), s.loc);
    }
    raise(msg, cls, sc, s.loc);
  }

  void assert_stmt(const Stmt& s, Scope& sc) {
    ir::Value* c = cond_value(*s.cond, sc);
    ir::Node* n = append(sc, ir::NodeKind::If, {c}, {}, s.loc);
    Scope ts, es;
    ts.parent = es.parent = &sc;
    ts.block = g_.new_block(n);
    es.block = g_.new_block(n);
    ir::Value* msg;
    if (!s.value) msg = constant(es, Value(std::string("AssertionError: ")), T(TypeKind::Str), s.loc);
    else if (s.value->kind == ExprKind::Str) msg = constant(es, Value("AssertionError: " + s.value->name), T(TypeKind::Str), s.loc);
    else {
      ir::Value* m = expr(*s.value, es, nullptr);
      ir::Value* head = constant(es, Value(std::string("AssertionError: ")), T(TypeKind::Str), s.loc);
      msg = single(op_call("aten::add", {head, m}, {}, es, s.loc), es, s.loc);
    }
    raise(msg, nullptr, es, s.loc);
    merge_if(n, ts, es, sc, s.loc);
  }

  void with_stmt(const Stmt& s, Scope& sc) {
    ir::Value* obj = expr(*s.value, sc, nullptr);
    ir::Value* entered = method_call(obj, "__enter__", {}, {}, sc, s.loc);
    if (!s.targets.empty()) assign(*s.targets[0], entered, sc);
    stmts(s.body, sc, nullptr, nullptr);
    ir::Value* none = constant(sc, Value(), T(TypeKind::None), s.loc);
    method_call(obj, "__exit__", {none, none, none}, {}, sc, s.loc);
  }

  // ---- expressions -----------------------------------------------------------------------------

  ir::Value* expr(const Expr& e, Scope& sc, const TypePtr& hint) {
    Sugared s = sugared(e, sc, hint);
    if (s.kind == Sugared::Kind::Value) return s.v;
    compile_fail(e.loc, "'" + (s.path.empty() ? dotted_name(e) : s.path) + "' is not a value");
  }

  ir::Value* single(const std::vector<ir::Value*>& outs, Scope& sc, const SourceLoc& loc) {
    if (outs.size() == 1) return outs[0];
    if (outs.empty()) return constant(sc, Value(), T(TypeKind::None), loc);
    std::vector<TypePtr> types;
    for (auto* o : outs) types.push_back(o->type);
    TypePtr tt = Type::tuple(types);
    ir::Node* n = append(sc, ir::NodeKind::TupleConstruct, outs, {tt}, loc);
    n->type = tt;
    return n->outputs[0];
  }

  Sugared sugared(const Expr& e, Scope& sc, const TypePtr& hint) {
    switch (e.kind) {
      case ExprKind::Name: return name(e, sc);
      case ExprKind::Int: return Sugared::val(constant(sc, Value(e.int_value), T(TypeKind::Int), e.loc));
      case ExprKind::Float: return Sugared::val(constant(sc, Value(e.float_value), T(TypeKind::Float), e.loc));
      case ExprKind::Imag:
        return Sugared::val(constant(sc, Value(std::complex<double>(0.0, e.float_value)), T(TypeKind::Complex), e.loc));
      case ExprKind::Str: return Sugared::val(constant(sc, Value(e.name), T(TypeKind::Str), e.loc));
      case ExprKind::Bool: return Sugared::val(constant(sc, Value(e.bool_value), T(TypeKind::Bool), e.loc));
      case ExprKind::None: return Sugared::val(constant(sc, Value(), T(TypeKind::None), e.loc));
      case ExprKind::Attribute: return attribute(e, sc);
      case ExprKind::Call: return Sugared::val(call(e, sc, hint));
      case ExprKind::Subscript: return Sugared::val(subscript(e, sc));
      case ExprKind::Tuple: {
        std::vector<ir::Value*> items;
        std::vector<TypePtr> types;
        for (size_t i = 0; i < e.items.size(); ++i) {
          TypePtr h = hint && hint->kind == TypeKind::Tuple && i < hint->contained.size() ? hint->contained[i] : nullptr;
          items.push_back(expr(*e.items[i], sc, h));
          types.push_back(items.back()->type);
        }
        check_not_poisoned(items, e.loc);
        TypePtr tt = Type::tuple(types);
        ir::Node* n = append(sc, ir::NodeKind::TupleConstruct, items, {tt}, e.loc);
        n->type = tt;
        return Sugared::val(n->outputs[0]);
      }
      case ExprKind::List: return Sugared::val(list_literal(e, sc, hint));
      case ExprKind::Dict: return Sugared::val(dict_literal(e, sc, hint));
      case ExprKind::BinOp: {
        std::string op = binop_name(e.name);
        if (op.empty()) compile_fail(e.loc, "unsupported operator '" + e.name + "'", Problem::Kind::Unsupported);
        ir::Value* a = expr(*e.items[0], sc, nullptr);
        ir::Value* b = expr(*e.items[1], sc, nullptr);
        return Sugared::val(single(op_call(op, {a, b}, {}, sc, e.loc), sc, e.loc));
      }
      case ExprKind::UnaryOp: {
        const Expr& x = *e.items[0];
        if (e.name == "-" && (x.kind == ExprKind::Int || x.kind == ExprKind::Float ||
                              (x.kind == ExprKind::Name && (x.name == "inf" || x.name == "nan") && !sc.find(x.name))))
          return Sugared::val(constant(sc, eval_literal(e, nullptr), nullptr, e.loc));
        ir::Value* v = expr(x, sc, nullptr);
        if (e.name == "+") return Sugared::val(v);
        const char* op = e.name == "-" ? "aten::neg" : e.name == "not" ? "aten::__not__" : e.name == "~" ? "aten::bitwise_not" : nullptr;
        if (!op) compile_fail(e.loc, "unsupported unary operator '" + e.name + "'", Problem::Kind::Unsupported);
        if (e.name == "not" && v->type->kind != TypeKind::Bool) v = cond_value(x, sc);
        ir::Value* out = single(op_call(op, {v}, {}, sc, e.loc), sc, e.loc);
        if (e.name == "not") negate_refinement(v, out);
        return Sugared::val(out);
      }
      case ExprKind::BoolOp: {
        bool is_and = e.name == "and";
        ir::Value* acc = cond_value(*e.items[0], sc);
        for (size_t i = 1; i < e.items.size(); ++i) {
          const Expr& next = *e.items[i];
          auto rhs = [&](Scope& s) { return cond_value(next, s); };
          auto lit = [&](Scope& s) { return constant(s, Value(!is_and), T(TypeKind::Bool), e.loc); };
          acc = is_and ? if_value(acc, rhs, lit, sc, e.loc) : if_value(acc, lit, rhs, sc, e.loc);
        }
        return Sugared::val(acc);
      }
      case ExprKind::Compare: return Sugared::val(compare(e, sc));
      case ExprKind::IfExp: {
        ir::Value* c = cond_value(*e.items[0], sc);
        return Sugared::val(if_value(
            c, [&](Scope& s) { return expr(*e.items[1], s, hint); }, [&](Scope& s) { return expr(*e.items[2], s, hint); },
            sc, e.loc));
      }
      default: break;
    }
    compile_fail(e.loc, "unsupported expression (PyTorch lowers it before printing)", Problem::Kind::Unsupported);
  }

  void negate_refinement(const ir::Value* in, const ir::Value* out) {
    auto it = refinements_.find(in);
    if (it == refinements_.end()) return;
    Refinement r = it->second;
    std::swap(r.if_true, r.if_false);
    refinements_[out] = r;
  }

  Sugared name(const Expr& e, Scope& sc) {
    if (const Sugared* s = sc.find(e.name)) {
      if (s->kind == Sugared::Kind::Value && poisoned_.count(s->v)) {
        auto c = conflicts_.find(s->v);
        if (c != conflicts_.end()) compile_fail(e.loc, c->second);
        throw CompileError{Problem::Kind::Error, "", e.loc, true};
      }
      return *s;
    }
    static const std::unordered_set<std::string> namespaces = {"torch", "ops", "__torch__", "CONSTANTS", "math", "typing"};
    Sugared s;
    if (namespaces.count(e.name)) {
      s.kind = Sugared::Kind::Namespace;
      s.path = e.name;
      return s;
    }
    if (e.name == "inf") return Sugared::val(constant(sc, Value(std::numeric_limits<double>::infinity()), T(TypeKind::Float), e.loc));
    if (e.name == "nan") return Sugared::val(constant(sc, Value(std::numeric_limits<double>::quiet_NaN()), T(TypeKind::Float), e.loc));
    if (e.name == "True" || e.name == "False") return Sugared::val(constant(sc, Value(e.name == "True"), T(TypeKind::Bool), e.loc));
    if (e.name == "None") return Sugared::val(constant(sc, Value(), T(TypeKind::None), e.loc));
    if (builtin_ops().count(e.name) || compiler_builtins().count(e.name)) {
      s.kind = Sugared::Kind::Builtin;
      s.path = e.name;
      return s;
    }
    if (auto c = ctx_.find_class(e.name)) {
      s.kind = Sugared::Kind::Class;
      s.cls = c;
      return s;
    }
    compile_fail(e.loc, "undefined name '" + e.name + "'");
  }

  Sugared attribute(const Expr& e, Scope& sc) {
    Sugared base = sugared(*e.base, sc, nullptr);
    Sugared s;
    switch (base.kind) {
      case Sugared::Kind::Namespace: {
        std::string path = base.path + "." + e.name;
        if (base.path == "CONSTANTS") {
          size_t idx = 0;
          if (e.name.size() < 2 || e.name[0] != 'c' || (idx = std::stoul(e.name.substr(1))) >= ctx_.constants.size())
            compile_fail(e.loc, "unknown constant '" + path + "'");
          const Value& v = ctx_.constants[idx];
          return Sugared::val(constant(sc, v, v.type(), e.loc));
        }
        if (base.path.rfind("__torch__", 0) == 0) {
          if (auto c = ctx_.find_class(path)) {
            s.kind = Sugared::Kind::Class;
            s.cls = c;
            return s;
          }
          if (const Function* f = ctx_.find_function(path)) {
            s.kind = Sugared::Kind::Func;
            s.fn = f;
            return s;
          }
        }
        s.kind = Sugared::Kind::Namespace;
        s.path = path;
        return s;
      }
      case Sugared::Kind::Class: {
        if (e.name == "__new__") {
          s.kind = Sugared::Kind::NewOf;
          s.cls = base.cls;
          return s;
        }
        if (const Value* c = base.cls->find_constant(e.name)) return Sugared::val(constant(sc, *c, c->type(), e.loc));
        compile_fail(e.loc, "class '" + base.cls->qualname + "' has no member '" + e.name + "'");
      }
      case Sugared::Kind::Value: return value_attribute(base.v, e.name, sc, e.loc);
      default: break;
    }
    compile_fail(e.loc, "'" + dotted_name(*e.base) + "' has no attribute '" + e.name + "'");
  }

  Sugared value_attribute(ir::Value* v, const std::string& attr, Scope& sc, const SourceLoc& loc) {
    const Type& t = *v->type;
    Sugared s;
    if (t.kind == TypeKind::Class) {
      const ClassTypePtr& cls = t.cls;
      int slot = cls->find_attribute(attr);
      if (slot >= 0) {
        const TypePtr& at = cls->attributes[static_cast<size_t>(slot)].type;
        if (!at) compile_fail(loc, "attribute '" + attr + "' of '" + cls->qualname + "' has no declared type");
        ir::Node* n = append(sc, ir::NodeKind::GetAttr, {v}, {at}, loc);
        n->index = slot;
        n->name = attr;
        n->outputs[0]->debug_name = attr;
        return Sugared::val(n->outputs[0]);
      }
      if (const Value* c = cls->find_constant(attr)) return Sugared::val(constant(sc, *c, c->type(), loc));
      if (cls->find_method(attr) || cls->qualname.rfind("__torch__.torch.classes.", 0) == 0) {
        // (methods of native torch.classes.* compile to ops in method_call)
        s.kind = Sugared::Kind::Method;
        s.v = v;
        s.path = attr;
        return s;
      }
      compile_fail(loc, "'" + cls->qualname + "' object has no attribute '" + attr + "'");
    }
    if (t.kind == TypeKind::Tuple && t.cls) {
      for (size_t i = 0; i < t.cls->attributes.size(); ++i)
        if (t.cls->attributes[i].name == attr) {
          ir::Node* n = append(sc, ir::NodeKind::TupleIndex, {v}, {t.contained[i]}, loc);
          n->index = static_cast<int64_t>(i);
          return Sugared::val(n->outputs[0]);
        }
    }
    if (t.kind == TypeKind::Enum && (attr == "name" || attr == "value")) {
      if (attr == "name") return Sugared::val(append(sc, ir::NodeKind::EnumName, {v}, {T(TypeKind::Str)}, loc)->outputs[0]);
      TypePtr vt = T(TypeKind::Any);
      if (!t.cls->constants.empty()) vt = t.cls->constants[0].second->to_enum()->value.type();
      return Sugared::val(append(sc, ir::NodeKind::EnumValue, {v}, {vt}, loc)->outputs[0]);
    }
    s.kind = Sugared::Kind::Method;
    s.v = v;
    s.path = attr;
    return s;
  }

  void check_not_poisoned(const std::vector<ir::Value*>& vs, const SourceLoc& loc) {
    for (auto* v : vs)
      if (poisoned_.count(v)) throw CompileError{Problem::Kind::Error, "", loc, true};
  }

  ir::Value* list_literal(const Expr& e, Scope& sc, const TypePtr& hint) {
    TypePtr lt = hint;
    if (lt && lt->kind == TypeKind::Optional) lt = lt->contained[0];
    TypePtr elem = lt && lt->kind == TypeKind::List ? lt->contained[0] : nullptr;
    std::vector<ir::Value*> items;
    for (const auto& it : e.items) items.push_back(expr(*it, sc, elem));
    check_not_poisoned(items, e.loc);
    TypePtr value_type;
    if (elem) {
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i]->type->is_subtype_of(*elem))
          compile_fail(e.items[i]->loc, "list element of type " + items[i]->type->str() + " in a List[" + elem->str() + "]");
        items[i] = cast(sc, items[i], elem, e.loc);
      }
    } else if (items.empty()) {
      // Unannotated `[]`: TorchScript's default List[Tensor] at run time; the registry sees
      // AnyList so it can give the literal whatever list type the argument wants.
      elem = T(TypeKind::Tensor);
      value_type = T(TypeKind::AnyList);
    } else {
      elem = items[0]->type;
      for (size_t i = 1; i < items.size(); ++i) {
        elem = unify_types(elem, items[i]->type);
        if (!elem) compile_fail(e.loc, "list elements have different types; annotate the list");
      }
      for (auto*& it : items) it = cast(sc, it, elem, e.loc);
    }
    TypePtr ty = Type::list(elem);
    ir::Node* n = append(sc, ir::NodeKind::ListConstruct, items, {value_type ? value_type : ty}, e.loc);
    n->type = ty;
    return n->outputs[0];
  }

  ir::Value* dict_literal(const Expr& e, Scope& sc, const TypePtr& hint) {
    TypePtr dt = hint;
    if (dt && dt->kind == TypeKind::Optional) dt = dt->contained[0];
    TypePtr kt = dt && dt->kind == TypeKind::Dict ? dt->contained[0] : nullptr;
    TypePtr vt = dt && dt->kind == TypeKind::Dict ? dt->contained[1] : nullptr;
    std::vector<ir::Value*> items;
    for (size_t i = 0; i < e.items.size(); ++i) items.push_back(expr(*e.items[i], sc, i % 2 ? vt : kt));
    check_not_poisoned(items, e.loc);
    if (!kt) {
      if (items.empty()) {
        kt = T(TypeKind::Str);
        vt = T(TypeKind::Tensor);
      } else {
        kt = items[0]->type;
        vt = items[1]->type;
        for (size_t i = 2; i + 1 < items.size(); i += 2) {
          kt = unify_types(kt, items[i]->type);
          vt = unify_types(vt, items[i + 1]->type);
          if (!kt || !vt) compile_fail(e.loc, "dict entries have different types; annotate the dict");
        }
      }
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const TypePtr& want = i % 2 ? vt : kt;
      if (!items[i]->type->is_subtype_of(*want))
        compile_fail(e.loc, "dict entry of type " + items[i]->type->str() + " where " + want->str() + " is expected");
      items[i] = cast(sc, items[i], want, e.loc);
    }
    TypePtr ty = Type::dict(kt, vt);
    ir::Node* n = append(sc, ir::NodeKind::DictConstruct, items, {ty}, e.loc);
    n->type = ty;
    return n->outputs[0];
  }

  static bool literal_int(const Expr& e, int64_t* out) {
    if (e.kind == ExprKind::Int) {
      *out = e.int_value;
      return true;
    }
    if (e.kind == ExprKind::UnaryOp && e.name == "-" && e.items.size() == 1 && e.items[0]->kind == ExprKind::Int) {
      *out = -e.items[0]->int_value;
      return true;
    }
    return false;
  }

  ir::Value* subscript(const Expr& e, Scope& sc) {
    ir::Value* base = expr(*e.base, sc, nullptr);
    if (e.items.size() != 1) compile_fail(e.loc, "unsupported multi-dimensional subscript", Problem::Kind::Unsupported);
    const Expr& ix = *e.items[0];
    const Type& bt = *base->type;
    if (bt.kind == TypeKind::Tuple) {
      auto n_el = static_cast<int64_t>(bt.contained.size());
      int64_t k;
      if (literal_int(ix, &k)) {
        if (k < 0) k += n_el;
        if (k < 0 || k >= n_el) compile_fail(e.loc, "tuple index out of range");
        ir::Node* n = append(sc, ir::NodeKind::TupleIndex, {base}, {bt.contained[static_cast<size_t>(k)]}, e.loc);
        n->index = k;
        return n->outputs[0];
      }
      if (ix.kind == ExprKind::Slice) {
        int64_t b = 0, en = n_el;
        auto bound = [&](const ast::ExprPtr& p, int64_t dflt) {
          if (!p) return dflt;
          int64_t v;
          if (!literal_int(*p, &v)) compile_fail(e.loc, "tuple slices need constant bounds", Problem::Kind::Unsupported);
          if (v < 0) v += n_el;
          return std::clamp<int64_t>(v, 0, n_el);
        };
        b = bound(ix.items[0], 0);
        en = bound(ix.items[1], n_el);
        if (ix.items.size() > 2 && ix.items[2]) compile_fail(e.loc, "tuple slices with a step are not supported", Problem::Kind::Unsupported);
        std::vector<TypePtr> el;
        for (int64_t i = b; i < en; ++i) el.push_back(bt.contained[static_cast<size_t>(i)]);
        ir::Node* n = append(sc, ir::NodeKind::TupleSlice, {base}, {Type::tuple(el)}, e.loc);
        n->ints = {b, std::max(b, en)};
        return n->outputs[0];
      }
      compile_fail(e.loc, "tuple index must be a constant", Problem::Kind::Unsupported);
    }
    if (ix.kind == ExprKind::Slice) {
      std::vector<ir::Value*> args{base};
      if (bt.kind == TypeKind::Tensor) args.push_back(constant(sc, Value(int64_t{0}), T(TypeKind::Int), e.loc));
      for (size_t i = 0; i < 3; ++i) {
        if (i < ix.items.size() && ix.items[i]) args.push_back(expr(*ix.items[i], sc, nullptr));
        else args.push_back(i == 2 ? constant(sc, Value(int64_t{1}), T(TypeKind::Int), e.loc)
                                   : constant(sc, Value(), T(TypeKind::None), e.loc));
      }
      return single(op_call("aten::slice", args, {}, sc, e.loc), sc, e.loc);
    }
    ir::Value* idx = expr(ix, sc, nullptr);
    if (bt.kind == TypeKind::Class) return method_call(base, "__getitem__", {idx}, {}, sc, e.loc);
    if (bt.kind == TypeKind::Tensor && idx->type->kind == TypeKind::Int) {
      ir::Value* zero = constant(sc, Value(int64_t{0}), T(TypeKind::Int), e.loc);
      return single(op_call("aten::select", {base, zero, idx}, {}, sc, e.loc), sc, e.loc);
    }
    return single(op_call("aten::__getitem__", {base, idx}, {}, sc, e.loc), sc, e.loc);
  }

  ir::Value* compare(const Expr& e, Scope& sc) {
    std::vector<ir::Value*> vals;
    for (const auto& it : e.items) vals.push_back(expr(*it, sc, nullptr));
    ir::Value* acc = nullptr;
    for (size_t i = 0; i < e.ops.size(); ++i) {
      const std::string& op = e.ops[i];
      ir::Value* a = vals[i];
      ir::Value* b = vals[i + 1];
      ir::Value* r;
      if (op == "is" || op == "is not") r = is_none_check(a, b, op == "is not", e.items[i].get(), e.items[i + 1].get(), sc, e.loc);
      else if (op == "in") r = single(op_call("aten::__contains__", {b, a}, {}, sc, e.loc), sc, e.loc);
      else if (op == "not in") {
        r = single(op_call("aten::__contains__", {b, a}, {}, sc, e.loc), sc, e.loc);
        r = single(op_call("aten::__not__", {r}, {}, sc, e.loc), sc, e.loc);
      } else r = single(op_call(binop_name(op), {a, b}, {}, sc, e.loc), sc, e.loc);
      acc = acc ? single(op_call("aten::__and__", {acc, r}, {}, sc, e.loc), sc, e.loc) : r;
    }
    return acc;
  }

  // `a is b` / `a is not b`: a None check when either side is None, folded when the other side's
  // type decides it, and recorded as a refinement of the variable being checked.
  ir::Value* is_none_check(ir::Value* a, ir::Value* b, bool negate, const Expr* ea, const Expr* eb, Scope& sc,
                           const SourceLoc& loc) {
    if (a->type->kind == TypeKind::None) {
      std::swap(a, b);
      std::swap(ea, eb);
    }
    if (b->type->kind != TypeKind::None)
      return single(op_call(negate ? "aten::__isnot__" : "aten::__is__", {a, b}, {}, sc, loc), sc, loc);
    TypeKind k = a->type->kind;
    if (k == TypeKind::None) return constant(sc, Value(!negate), T(TypeKind::Bool), loc);
    if (k != TypeKind::Optional && k != TypeKind::Any && k != TypeKind::Union)
      return constant(sc, Value(negate), T(TypeKind::Bool), loc);
    ir::Node* n = append(sc, ir::NodeKind::IsNone, {a}, {T(TypeKind::Bool)}, loc);
    n->index = negate ? 1 : 0;
    if (ea && ea->kind == ExprKind::Name && k == TypeKind::Optional) {
      Refinement r{ea->name, a->type->contained[0], T(TypeKind::None)};
      if (!negate) std::swap(r.if_true, r.if_false);
      refinements_[n->outputs[0]] = r;
    }
    return n->outputs[0];
  }

  // ---- calls -----------------------------------------------------------------------------------

  struct Args {
    std::vector<ir::Value*> pos;
    std::vector<std::pair<std::string, ir::Value*>> kw;
  };

  Args eval_args(const Expr& call, Scope& sc) {
    Args a;
    for (const auto& it : call.items) {
      if (it->kind == ExprKind::Starred) compile_fail(it->loc, "starred arguments are not supported", Problem::Kind::Unsupported);
      a.pos.push_back(expr(*it, sc, nullptr));
    }
    for (const auto& kw : call.kwargs) a.kw.emplace_back(kw.name, expr(*kw.value, sc, nullptr));
    return a;
  }

  ir::Value* call(const Expr& e, Scope& sc, const TypePtr& hint) {
    Sugared callee = sugared(*e.base, sc, nullptr);
    switch (callee.kind) {
      case Sugared::Kind::Namespace: {
        const std::string& p = callee.path;
        std::string op;
        if (p.rfind("torch.", 0) == 0 && p.find('.', 6) == std::string::npos) op = "aten::" + p.substr(6);
        else if (p.rfind("math.", 0) == 0 && p.find('.', 5) == std::string::npos) op = "aten::" + p.substr(5);
        else if (p.rfind("ops.", 0) == 0) {
          size_t dot = p.find('.', 4);
          if (dot != std::string::npos && p.find('.', dot + 1) == std::string::npos)
            op = p.substr(4, dot - 4) + "::" + p.substr(dot + 1);
        } else if (p == "torch.jit.annotate") {
          return builtin("annotate", e, sc, hint);
        }
        if (op.empty()) compile_fail(e.loc, "unknown function '" + p + "'", Problem::Kind::UnknownOp);
        return named_op_call(op, e, sc);
      }
      case Sugared::Kind::Class: return construct(callee.cls, e, sc);
      case Sugared::Kind::NewOf: {
        const ClassTypePtr& cls = callee.cls;
        TypePtr ct = ctx_.cu.type_of(cls);
        ir::Node* n = append(sc, ir::NodeKind::CreateObject, {}, {ct}, e.loc);
        n->type = ct;
        return n->outputs[0];
      }
      case Sugared::Kind::Func: {
        Args a = eval_args(e, sc);
        return user_call(*callee.fn, nullptr, a, sc, e.loc);
      }
      case Sugared::Kind::Builtin: return builtin(callee.path, e, sc, hint);
      case Sugared::Kind::Method: {
        Args a = eval_args(e, sc);
        if (callee.path == "tolist" && callee.v->type->kind == TypeKind::Tensor) return tolist(callee.v, a, hint, sc, e.loc);
        return method_call(callee.v, callee.path, a.pos, a.kw, sc, e.loc);
      }
      case Sugared::Kind::Closure: compile_fail(e.loc, "nested functions can only be passed to fork()", Problem::Kind::Unsupported);
      case Sugared::Kind::Value: break;
    }
    compile_fail(e.loc, "a value of type " + callee.v->type->str() + " is not callable");
  }

  ir::Value* construct(const ClassTypePtr& cls, const Expr& e, Scope& sc) {
    Args a = eval_args(e, sc);
    TypePtr ct = ctx_.cu.type_of(cls);
    if (cls->kind == ClassKind::NamedTuple) {
      std::vector<ir::Value*> fields(cls->attributes.size(), nullptr);
      if (a.pos.size() > fields.size()) compile_fail(e.loc, cls->qualname + "() takes " + std::to_string(fields.size()) + " fields");
      for (size_t i = 0; i < a.pos.size(); ++i) fields[i] = a.pos[i];
      for (auto& [n, v] : a.kw) {
        int i = cls->find_attribute(n);
        if (i < 0) compile_fail(e.loc, cls->qualname + "() has no field '" + n + "'");
        fields[static_cast<size_t>(i)] = v;
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        if (!fields[i]) compile_fail(e.loc, cls->qualname + "() is missing field '" + cls->attributes[i].name + "'");
        const TypePtr& ft = ct->contained[i];
        fields[i] = coerce(fields[i], ft, sc, e.loc, "field '" + cls->attributes[i].name + "'");
      }
      ir::Node* n = append(sc, ir::NodeKind::TupleConstruct, fields, {ct}, e.loc);
      n->type = ct;
      return n->outputs[0];
    }
    if (cls->kind != ClassKind::Class) compile_fail(e.loc, "cannot construct '" + cls->qualname + "' here", Problem::Kind::Unsupported);
    ir::Node* n = append(sc, ir::NodeKind::CreateObject, {}, {ct}, e.loc);
    n->type = ct;
    ir::Value* obj = n->outputs[0];
    if (cls->find_method("__init__")) method_call(obj, "__init__", a.pos, a.kw, sc, e.loc);
    return obj;
  }

  // Makes `v` acceptable where `want` is expected (empty list literals take the wanted type).
  ir::Value* coerce(ir::Value* v, const TypePtr& want, Scope& sc, const SourceLoc& loc, const std::string& what) {
    if (v->type->is_subtype_of(*want)) return cast(sc, v, want, loc);
    TypePtr lt = want->kind == TypeKind::Optional ? want->contained[0] : want;
    if (v->type->kind == TypeKind::AnyList && lt->kind == TypeKind::List) {
      ir::Node* n = append(sc, ir::NodeKind::ListConstruct, {}, {lt}, loc);
      n->type = lt;
      return n->outputs[0];
    }
    compile_fail(loc, "expected " + what + " of type " + want->str() + " but got " + v->type->str());
  }

  ir::Value* user_call(const Function& fn, ir::Value* self, const Args& a, Scope& sc, const SourceLoc& loc,
                       ir::NodeKind kind = ir::NodeKind::CallFunction) {
    check_not_poisoned(a.pos, loc);
    if (self) check_not_poisoned({self}, loc);
    for (const auto& [k, v] : a.kw) check_not_poisoned({v}, loc);
    size_t first = fn.owner ? 1 : 0;
    std::vector<ir::Value*> in;
    if (fn.owner) in.push_back(self);
    size_t n_user = fn.params.size() - first;
    if (a.pos.size() > n_user)
      compile_fail(loc, fn.name + "() takes " + std::to_string(n_user) + " arguments but " + std::to_string(a.pos.size()) +
                            " were given");
    std::vector<bool> used(a.kw.size(), false);
    for (size_t i = 0; i < n_user; ++i) {
      const Function::Param& p = fn.params[first + i];
      ir::Value* v = nullptr;
      if (i < a.pos.size()) v = a.pos[i];
      for (size_t k = 0; k < a.kw.size(); ++k)
        if (a.kw[k].first == p.name) {
          if (v) compile_fail(loc, fn.name + "() got multiple values for argument '" + p.name + "'");
          v = a.kw[k].second;
          used[k] = true;
        }
      if (!v) {
        if (!p.default_value) compile_fail(loc, fn.name + "() is missing value for argument '" + p.name + "'");
        v = constant(sc, *p.default_value, p.type, loc);
      }
      in.push_back(coerce(v, p.type, sc, loc, "argument '" + p.name + "' of " + fn.name + "()"));
    }
    for (size_t k = 0; k < a.kw.size(); ++k)
      if (!used[k]) compile_fail(loc, fn.name + "() got an unexpected keyword argument '" + a.kw[k].first + "'");
    ir::Node* n = append(sc, kind, in, {fn.return_type}, loc);
    n->fn = const_cast<Function*>(&fn);
    return n->outputs[0];
  }

  // `t.tolist()` has no schema of its own: TorchScript reads the list type from the enclosing
  // annotation (`annotate(List[List[float]], t.tolist())`) and calls prim::tolist(t, depth, kind).
  ir::Value* tolist(ir::Value* self, const Args& a, const TypePtr& hint, Scope& sc, const SourceLoc& loc) {
    if (!a.pos.empty() || !a.kw.empty()) compile_fail(loc, "tolist() takes no arguments");
    if (!hint || hint->kind != TypeKind::List)
      compile_fail(loc, "tolist() needs its result type annotated, e.g. annotate(List[float], t.tolist())");
    int64_t depth = 0;
    TypePtr elem = hint;
    while (elem->kind == TypeKind::List) {
      ++depth;
      elem = elem->contained[0];
    }
    int64_t kind = elem->kind == TypeKind::Int ? 0 : elem->kind == TypeKind::Float ? 1 : elem->kind == TypeKind::Bool ? 2
                 : elem->kind == TypeKind::Complex ? 3 : -1;
    if (kind < 0) compile_fail(loc, "tolist() cannot produce lists of " + elem->str());
    auto ops = ctx_.registry.overloads("prim::tolist");
    if (ops.empty()) compile_fail(loc, "prim::tolist", Problem::Kind::UnknownOp);
    ir::Value* d = constant(sc, Value(depth), T(TypeKind::Int), loc);
    ir::Value* k = constant(sc, Value(kind), T(TypeKind::Int), loc);
    ir::Node* n = append(sc, ir::NodeKind::Call, {self, d, k}, {hint}, loc);
    n->op = ops[0];
    ctx_.cu.ops_used.insert("prim::tolist");
    return n->outputs[0];
  }

  ir::Value* method_call(ir::Value* self, const std::string& method, const std::vector<ir::Value*>& pos,
                         const std::vector<std::pair<std::string, ir::Value*>>& kw, Scope& sc, const SourceLoc& loc) {
    const Type& t = *self->type;
    Args a{pos, kw};
    if (t.kind == TypeKind::Class) {
      const Function* f = t.cls->find_method(method);
      if (!f && t.cls->qualname.rfind("__torch__.torch.classes.", 0) == 0) {
        // torch.classes.* are C++ classes without code: their methods are ops named
        // "torch.classes.<ns>.<Class>::<method>" taking the object first (src/ops/custom_class.h).
        std::vector<ir::Value*> all{self};
        all.insert(all.end(), pos.begin(), pos.end());
        return single(op_call(t.cls->qualname.substr(10) + "::" + method, all, kw, sc, loc), sc, loc);
      }
      if (!f) compile_fail(loc, "'" + t.cls->qualname + "' has no method '" + method + "'");
      return user_call(*f, self, a, sc, loc, ir::NodeKind::CallMethod);
    }
    if (t.kind == TypeKind::Interface) {
      const Function* f = t.cls->find_method(method);
      if (!f) compile_fail(loc, "interface '" + t.cls->qualname + "' has no method '" + method + "'");
      ir::Value* out = user_call(*f, self, a, sc, loc, ir::NodeKind::CallInterface);
      ir::Node* n = out->producer;
      n->fn = nullptr;
      n->name = method;
      for (const auto& [qn, cls] : ctx_.cu.classes) {
        if (cls->kind == ClassKind::Interface || cls->kind == ClassKind::ModuleInterface) continue;
        if (const Function* impl = cls->find_method(method)) n->dispatch.emplace_back(cls.get(), impl);
      }
      return out;
    }
    // Builtin methods on values (`l.append(x)`, `s.split(",")`): the op with the receiver first.
    std::vector<ir::Value*> all{self};
    all.insert(all.end(), pos.begin(), pos.end());
    return single(op_call("aten::" + method, all, kw, sc, loc), sc, loc);
  }

  ir::Value* named_op_call(const std::string& op, const Expr& e, Scope& sc) {
    if (op == "prim::RaiseException") {
      Args a = eval_args(e, sc);
      if (a.pos.empty() || a.pos.size() > 2) compile_fail(e.loc, "RaiseException takes a message and an optional class name");
      raise(a.pos[0], a.pos.size() > 1 ? a.pos[1] : nullptr, sc, e.loc);
      return constant(sc, Value(), T(TypeKind::None), e.loc);
    }
    if (op == "aten::wait") {
      Args a = eval_args(e, sc);
      if (a.pos.size() != 1 || a.pos[0]->type->kind != TypeKind::Future) compile_fail(e.loc, "wait() expects a Future");
      return append(sc, ir::NodeKind::FutureWait, {a.pos[0]}, {a.pos[0]->type->contained[0]}, e.loc)->outputs[0];
    }
    if ((op == "aten::__is__" || op == "aten::__isnot__") && e.items.size() == 2 && e.kwargs.empty()) {
      ir::Value* a = expr(*e.items[0], sc, nullptr);
      ir::Value* b = expr(*e.items[1], sc, nullptr);
      return is_none_check(a, b, op == "aten::__isnot__", e.items[0].get(), e.items[1].get(), sc, e.loc);
    }
    if (op == "prim::unchecked_cast" || op == "prim::isinstance") return builtin(op.substr(6), e, sc, nullptr);
    if (op == "aten::dict" && e.items.empty() && e.kwargs.empty()) {
      // `dict()`: an empty Dict[str, Tensor], TorchScript's default for an unannotated dict.
      TypePtr ty = Type::dict(T(TypeKind::Str), T(TypeKind::Tensor));
      ir::Node* n = append(sc, ir::NodeKind::DictConstruct, {}, {ty}, e.loc);
      n->type = ty;
      return n->outputs[0];
    }
    Args a = eval_args(e, sc);
    ir::Value* out = single(op_call(op, a.pos, a.kw, sc, e.loc), sc, e.loc);
    if (op == "aten::__not__" && a.pos.size() == 1) negate_refinement(a.pos[0], out);
    return out;
  }

  ir::Value* builtin(const std::string& nm, const Expr& e, Scope& sc, const TypePtr& hint) {
    auto need = [&](size_t n) {
      if (e.items.size() != n) compile_fail(e.loc, nm + "() takes " + std::to_string(n) + " arguments");
    };
    if (nm == "annotate") {
      need(2);
      TypePtr t = ctx_.resolve_type(*e.items[0]);
      ir::Value* v = expr(*e.items[1], sc, t);
      if (v->type->kind == TypeKind::Tensor) {
        // TorchScript converts a Tensor annotated as a scalar implicitly (traced ONNX helpers).
        const char* conv = t->kind == TypeKind::Int ? "aten::IntImplicit" : t->kind == TypeKind::Float ? "aten::FloatImplicit"
                         : t->kind == TypeKind::Number ? "aten::ScalarImplicit" : nullptr;
        if (conv) return single(op_call(conv, {v}, {}, sc, e.loc), sc, e.loc);
      }
      return coerce(v, t, sc, e.loc, "annotate() value");
    }
    if (nm == "unchecked_cast") {
      need(2);
      TypePtr t = ctx_.resolve_type(*e.items[0]);
      ir::Value* v = expr(*e.items[1], sc, nullptr);
      ir::Node* n = append(sc, ir::NodeKind::Cast, {v}, {t}, e.loc);
      n->type = t;
      return n->outputs[0];
    }
    if (nm == "uninitialized") {
      need(1);
      return uninitialized(sc, ctx_.resolve_type(*e.items[0]), e.loc);
    }
    if (nm == "isinstance") {
      need(2);
      ir::Value* v = expr(*e.items[0], sc, nullptr);
      std::vector<TypePtr> types;
      if (e.items[1]->kind == ExprKind::Tuple)
        for (const auto& t : e.items[1]->items) types.push_back(ctx_.resolve_type(*t));
      else types.push_back(ctx_.resolve_type(*e.items[1]));
      return isinstance(v, types, e.items[0].get(), sc, e.loc);
    }
    if (nm == "getattr" || nm == "hasattr") {
      if (e.items.size() < 2 || e.items[1]->kind != ExprKind::Str)
        compile_fail(e.loc, nm + "() needs a constant attribute name");
      ir::Value* obj = expr(*e.items[0], sc, nullptr);
      const std::string& attr = e.items[1]->name;
      if (nm == "hasattr") {
        bool has = obj->type->kind == TypeKind::Class &&
                   (obj->type->cls->find_attribute(attr) >= 0 || obj->type->cls->find_constant(attr) ||
                    obj->type->cls->find_method(attr));
        return constant(sc, Value(has), T(TypeKind::Bool), e.loc);
      }
      Sugared s = value_attribute(obj, attr, sc, e.loc);
      if (s.kind != Sugared::Kind::Value) compile_fail(e.loc, "getattr() of a method is not supported", Problem::Kind::Unsupported);
      return s.v;
    }
    if (nm == "fork") return fork(e, sc);
    if (nm == "range") compile_fail(e.loc, "range() is only supported as a for-loop iterable", Problem::Kind::Unsupported);
    auto it = builtin_ops().find(nm);
    EMBER_ASSERT(it != builtin_ops().end(), "unknown builtin ", nm);
    return named_op_call(it->second, e, sc);
  }

  ir::Value* isinstance(ir::Value* v, const std::vector<TypePtr>& types, const Expr* ve, Scope& sc, const SourceLoc& loc) {
    const Type& vt = *v->type;
    for (const auto& t : types)
      if (vt.is_subtype_of(*t)) return constant(sc, Value(true), T(TypeKind::Bool), loc);
    static const std::unordered_set<TypeKind> open = {TypeKind::Any, TypeKind::Optional, TypeKind::Union,
                                                      TypeKind::Number, TypeKind::Interface, TypeKind::AnyList,
                                                      TypeKind::AnyTuple, TypeKind::AnyClass, TypeKind::AnyEnum};
    if (!open.count(vt.kind)) return constant(sc, Value(false), T(TypeKind::Bool), loc);
    ir::Node* n = append(sc, ir::NodeKind::IsInstance, {v}, {T(TypeKind::Bool)}, loc);
    n->types = types;
    if (ve && ve->kind == ExprKind::Name && types.size() == 1) {
      TypePtr other;
      if (vt.kind == TypeKind::Optional && types[0]->equals(*vt.contained[0])) other = T(TypeKind::None);
      if (vt.kind == TypeKind::Optional && types[0]->kind == TypeKind::None) other = vt.contained[0];
      refinements_[n->outputs[0]] = Refinement{ve->name, types[0], other};
    }
    return n->outputs[0];
  }

  // Forks run eagerly: the closure's body is compiled inline and its result wrapped in a
  // completed Future, which `wait` unwraps.
  ir::Value* fork(const Expr& e, Scope& sc) {
    if (e.items.empty()) compile_fail(e.loc, "fork() needs a function");
    Sugared f = sugared(*e.items[0], sc, nullptr);
    ir::Value* result;
    if (f.kind == Sugared::Kind::Closure) {
      if (!f.def->params.empty() || e.items.size() != 1) compile_fail(e.loc, "fork() of a closure with arguments", Problem::Kind::Unsupported);
      Scope inner;
      inner.parent = &sc;
      inner.block = sc.block;
      ir::Value* ret = nullptr;
      bool has_ret = false;
      bool before = problems_;
      problems_ = false;
      stmts(f.def->body, inner, &ret, &has_ret);
      bool failed = problems_;
      problems_ = before || failed;
      if (failed) throw CompileError{Problem::Kind::Error, "", e.loc, true};
      if (inner.terminated) sc.terminated = true;
      result = has_ret ? ret : constant(sc, Value(), T(TypeKind::None), e.loc);
    } else if (f.kind == Sugared::Kind::Func || f.kind == Sugared::Kind::Method) {
      Args a;
      for (size_t i = 1; i < e.items.size(); ++i) a.pos.push_back(expr(*e.items[i], sc, nullptr));
      for (const auto& kw : e.kwargs) a.kw.emplace_back(kw.name, expr(*kw.value, sc, nullptr));
      result = f.kind == Sugared::Kind::Func ? user_call(*f.fn, nullptr, a, sc, e.loc)
                                             : method_call(f.v, f.path, a.pos, a.kw, sc, e.loc);
    } else {
      compile_fail(e.loc, "fork() needs a function", Problem::Kind::Unsupported);
    }
    return append(sc, ir::NodeKind::FutureWrap, {result}, {Type::future(result->type)}, e.loc)->outputs[0];
  }

  // ---- registry calls --------------------------------------------------------------------------

  std::vector<ir::Value*> op_call(const std::string& name, std::vector<ir::Value*> pos,
                                  std::vector<std::pair<std::string, ir::Value*>> kw, Scope& sc, const SourceLoc& loc) {
    for (auto* v : pos)
      if (poisoned_.count(v)) throw CompileError{Problem::Kind::Error, "", loc, true};
    if (auto up = upgrade(name, pos, kw, sc, loc)) return {up};
    std::vector<TypePtr> pt;
    for (auto* v : pos) pt.push_back(v->type);
    std::vector<std::pair<std::string, TypePtr>> kt;
    for (auto& [n, v] : kw) kt.emplace_back(n, v->type);
    if (ctx_.registry.overloads(name).empty()) compile_fail(loc, name, Problem::Kind::UnknownOp);
    std::string why;
    auto m = ctx_.registry.resolve(name, pt, kt, &why);
    if (!m) {
      std::string sig = name + "(";
      for (size_t i = 0; i < pt.size(); ++i) sig += (i ? ", " : "") + pt[i]->str();
      for (size_t i = 0; i < kt.size(); ++i) sig += ((i || !pt.empty()) ? ", " : "") + kt[i].first + "=" + kt[i].second->str();
      sig += ")";
      compile_fail(loc, "no matching overload for " + sig + (why.empty() ? "" : ":\n" + why),
                   Problem::Kind::NoMatchingOverload);
    }
    const ops::Operator* op = m->op;
    const auto& args = op->schema.arguments;
    std::vector<ir::Value*> in;
    for (size_t j = 0; j < args.size(); ++j) {
      int src = j < m->arg_source.size() ? m->arg_source[j] : -1;
      ops::ArgConversion conv = j < m->conversions.size() ? m->conversions[j] : ops::ArgConversion::None;
      TypePtr at = j < m->arg_types.size() && m->arg_types[j] ? m->arg_types[j] : args[j].type;
      if (conv == ops::ArgConversion::PackVarargs) {
        std::vector<ir::Value*> items;
        TypePtr lt = at->kind == TypeKind::Optional ? at->contained[0] : at;
        for (size_t k = static_cast<size_t>(src); k < pos.size(); ++k) {
          ops::ArgConversion pc = k - static_cast<size_t>(src) < m->packed_conversions.size()
                                      ? m->packed_conversions[k - static_cast<size_t>(src)]
                                      : ops::ArgConversion::None;
          items.push_back(convert(pc, pos[k], lt->contained[0], -1, sc, loc));
        }
        ir::Node* n = append(sc, ir::NodeKind::ListConstruct, items, {lt}, loc);
        n->type = lt;
        in.push_back(n->outputs[0]);
        continue;
      }
      ir::Value* v;
      if (src < 0) {
        if (!args[j].default_value) compile_fail(loc, name + ": no value for argument '" + args[j].name + "'");
        const Value& d = *args[j].default_value;
        TypePtr dt = d.is_none() ? T(TypeKind::None) : at;
        if (d.is_list()) {
          TypePtr lt = at->kind == TypeKind::Optional ? at->contained[0] : at;
          Value copy(make_list(lt->kind == TypeKind::List ? lt->contained[0] : d.to_list()->elem_type, d.to_list()->items));
          v = constant(sc, copy, lt, loc);
        } else {
          v = constant(sc, d, d.is_none() ? dt : d.type(), loc);
        }
      } else {
        v = static_cast<size_t>(src) < pos.size() ? pos[static_cast<size_t>(src)] : kw[static_cast<size_t>(src) - pos.size()].second;
      }
      in.push_back(convert(conv, v, at, args[j].fixed_size, sc, loc));
    }
    for (size_t k = pos.size() - std::min(pos.size(), m->num_varargs); k < pos.size() && m->num_varargs; ++k)
      in.push_back(pos[k]);
    ctx_.cu.ops_used.insert(op->schema.qualified_name() + (op->schema.overload.empty() ? "" : "." + op->schema.overload));
    std::vector<TypePtr> rt = m->return_types;
    for (auto& t : rt)
      if (!t) t = T(TypeKind::Any);
    ir::Node* n = append(sc, ir::NodeKind::Call, in, rt, loc);
    n->op = op;
    return n->outputs;
  }

  ir::Value* convert(ops::ArgConversion c, ir::Value* v, const TypePtr& at, int fixed, Scope& sc, const SourceLoc& loc) {
    using C = ops::ArgConversion;
    auto conv_op = [&](const char* name) { return single(op_call(name, {v}, {}, sc, loc), sc, loc); };
    TypePtr lt = at->kind == TypeKind::Optional ? at->contained[0] : at;
    switch (c) {
      case C::None: return v;
      case C::RepeatToList: {
        std::vector<ir::Value*> items(static_cast<size_t>(std::max(fixed, 1)), v);
        ir::Node* n = append(sc, ir::NodeKind::ListConstruct, items, {lt}, loc);
        n->type = lt;
        return n->outputs[0];
      }
      case C::TupleToList: {
        ir::Node* u = append(sc, ir::NodeKind::TupleUnpack, {v}, v->type->contained, loc);
        std::vector<ir::Value*> items;
        for (auto* o : u->outputs) items.push_back(cast(sc, o, lt->contained[0], loc));
        ir::Node* n = append(sc, ir::NodeKind::ListConstruct, items, {lt}, loc);
        n->type = lt;
        return n->outputs[0];
      }
      case C::EmptyList: {
        ir::Node* n = append(sc, ir::NodeKind::ListConstruct, {}, {lt}, loc);
        n->type = lt;
        return n->outputs[0];
      }
      case C::PackVarargs: break;
      case C::TensorToInt: return conv_op("aten::IntImplicit");
      case C::TensorToFloat: return conv_op("aten::FloatImplicit");
      case C::TensorToComplex: return conv_op("aten::ComplexImplicit");
      case C::TensorToNumber: return conv_op("aten::ScalarImplicit");
      case C::NumberToInt: return conv_op("aten::Int");
      case C::NumberToFloat: return conv_op("aten::Float");
      case C::NumberToComplex: return conv_op("aten::Complex");
      case C::StrToDevice: return conv_op("aten::device");
    }
    compile_fail(loc, "unsupported argument conversion");
  }

  // ---- version upgraders -----------------------------------------------------------------------
  // Archives older than format version 10 recorded ops whose meaning changed since; PyTorch
  // rewrites those call sites when loading, and so does ember.

  ir::Value* upgrade(const std::string& name, std::vector<ir::Value*>& pos,
                     std::vector<std::pair<std::string, ir::Value*>>& kw, Scope& sc, const SourceLoc& loc) {
    int64_t ver = ctx_.cu.format_version;
    auto kwarg = [&](const char* n) -> ir::Value** {
      for (auto& [k, v] : kw)
        if (k == n) return &v;
      return nullptr;
    };
    auto is_none_const = [](const ir::Value* v) {
      const Value* c = const_value(v);
      return c && c->is_none();
    };
    if (name == "aten::div" && ver < 4 && pos.size() == 2 && kw.empty() && pos[0]->type->kind == TypeKind::Tensor &&
        (pos[1]->type->kind == TypeKind::Tensor || pos[1]->type->kind == TypeKind::Int ||
         pos[1]->type->kind == TypeKind::Float || pos[1]->type->kind == TypeKind::Number)) {
      // div before version 4 truncated when both operands were integral (div_Tensor_0_3 /
      // div_Scalar_0_3): floating inputs true-divide, integral ones divide with rounding_mode='trunc'.
      ir::Value* a = pos[0];
      ir::Value* b = pos[1];
      ir::Value* fa = single(op_call("aten::is_floating_point", {a}, {}, sc, loc), sc, loc);
      ir::Value* fb;
      if (b->type->kind == TypeKind::Tensor) fb = single(op_call("aten::is_floating_point", {b}, {}, sc, loc), sc, loc);
      else if (b->type->kind == TypeKind::Number) {
        ir::Node* n = append(sc, ir::NodeKind::IsInstance, {b}, {T(TypeKind::Bool)}, loc);
        n->types = {T(TypeKind::Float)};
        fb = n->outputs[0];
      } else {
        fb = constant(sc, Value(b->type->kind == TypeKind::Float), T(TypeKind::Bool), loc);
      }
      ir::Value* either = single(op_call("aten::__or__", {fa, fb}, {}, sc, loc), sc, loc);
      return if_value(
          either, [&](Scope& s) { return single(op_call("aten::true_divide", {a, b}, {}, s, loc), s, loc); },
          [&](Scope& s) {
            ir::Value* mode = constant(s, Value(std::string("trunc")), T(TypeKind::Str), loc);
            return single(op_call("aten::div", {a, b}, {{"rounding_mode", mode}}, s, loc), s, loc);
          },
          sc, loc);
    }
    if (name == "aten::full" && ver < 5 && pos.size() >= 2) {
      // full_0_4: without a dtype the fill value was taken as a float.
      ir::Value** dt = kwarg("dtype");
      ir::Value* d = dt ? *dt : pos.size() > 2 ? pos[2] : nullptr;
      if ((!d || is_none_const(d)) && pos[1]->type->kind != TypeKind::Float)
        pos[1] = single(op_call("aten::Float", {pos[1]}, {}, sc, loc), sc, loc);
      return nullptr;
    }
    if ((name == "aten::linspace" && ver < 8) || (name == "aten::logspace" && ver < 9)) {
      // linspace_0_7 / logspace_0_8: `steps` was optional and defaulted to 100.
      ir::Value* hundred = constant(sc, Value(int64_t{100}), T(TypeKind::Int), loc);
      if (ir::Value** st = kwarg("steps")) {
        if (is_none_const(*st)) *st = hundred;
      } else if (pos.size() >= 3) {
        if (is_none_const(pos[2])) pos[2] = hundred;
      } else if (pos.size() == 2) {
        pos.push_back(hundred);
      }
      return nullptr;
    }
    // gelu before version 10 had no `approximate`; resolution fills today's default ("none"),
    // which is the old behaviour, so no rewrite is needed.
    return nullptr;
  }

  Context& ctx_;
  Function& fn_;
  const ast::FunctionDef& def_;
  ir::Graph& g_;
  bool problems_ = false;
  bool raised_ = false;
  std::unordered_set<const ir::Value*> poisoned_;
  std::unordered_map<const ir::Value*, std::string> conflicts_;
  std::unordered_map<const ir::Value*, Refinement> refinements_;
  std::unordered_map<const ir::Value*, ir::Value*> refinement_casts_;
};

}  // namespace

void compile_function(Context& ctx, Function& fn) {
  auto it = ctx.defs.find(&fn);
  EMBER_ASSERT(it != ctx.defs.end(), "no AST for ", fn.qualname);
  try {
    FunctionCompiler(ctx, fn, *it->second).compile();
  } catch (const CompileError& e) {
    ctx.report(e);
  } catch (const Error& e) {
    ctx.report(CompileError{Problem::Kind::Error, e.what(), it->second->loc, false});
  }
}

}  // namespace ember::script
