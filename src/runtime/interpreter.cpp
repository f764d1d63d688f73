// interpreter.cpp — runs lowered code: one register file per call, kernels through the bound
// operator pointers, method calls recursively.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/registry.h"
#include "runtime/code.h"
#include "runtime/deadline_poll.h"
#include "runtime/function.h"
#include "runtime/located_error.h"

namespace ember {

Function::Function() = default;
Function::~Function() = default;

std::string Function::signature() const {
  std::string s = name + "(";
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    if (i) s += ", ";
    s += p.name;
    if (!(i == 0 && owner)) s += ": " + p.type->str();
    if (p.default_value) s += "=" + p.default_value->repr();
  }
  return s + ") -> " + (return_type ? return_type->str() : "NoneType");
}

Value Function::run(std::vector<Value> args) const {
  EMBER_ASSERT(code, "function ", qualname, " was not compiled");
  return runtime::execute(*this, *code, std::move(args));
}

Value Function::call(std::vector<Value> args, const Value* self) const {
  size_t first = owner ? 1 : 0;
  size_t n_user = params.size() - first;
  if (args.size() > n_user)
    fail(name, "() takes ", n_user, " argument", n_user == 1 ? "" : "s", " but ", args.size(),
         args.size() == 1 ? " was" : " were", " given. Declaration: ", signature());
  std::vector<Value> full;
  full.reserve(params.size());
  if (owner) {
    EMBER_ASSERT(self, "method called without self");
    full.push_back(*self);
  }
  for (size_t i = 0; i < n_user; ++i) {
    const Param& p = params[first + i];
    if (i < args.size()) {
      if (!runtime::value_matches(args[i], *p.type))
        fail(name, "() expected argument '", p.name, "' of type ", p.type->str(), " but got ",
             args[i].type()->str());
      full.push_back(runtime::typed_as(std::move(args[i]), p.type));
    } else if (p.default_value) {
      full.push_back(*p.default_value);
    } else {
      fail(name, "() is missing value for argument '", p.name, "'. Declaration: ", signature());
    }
  }
  return run(std::move(full));
}

namespace runtime {

Value typed_as(Value v, const TypePtr& t) {
  const Type* ty = t.get();
  if (ty->kind == TypeKind::Optional) {
    if (v.is_none()) return v;
    ty = ty->contained[0].get();
  }
  if (ty->kind == TypeKind::List && v.is_list() && v.to_list()->elem_type->kind == TypeKind::Any &&
      ty->contained[0]->kind != TypeKind::Any) {
    std::vector<Value> items;
    for (const auto& x : v.to_list()->items) items.push_back(typed_as(x, ty->contained[0]));
    return Value(make_list(ty->contained[0], std::move(items)));
  }
  if (ty->kind == TypeKind::Dict && v.is_dict()) {
    const auto& d = *v.to_dict();
    const bool any_key = !d.key_type || d.key_type->kind == TypeKind::Any;
    const bool any_value = !d.value_type || d.value_type->kind == TypeKind::Any;
    if (!any_key && !any_value) return v;
    auto out = std::make_shared<Dict>();
    out->key_type = ty->contained[0];
    out->value_type = ty->contained[1];
    d.for_each([&](const Value& k, const Value& x) { out->set(k, typed_as(x, ty->contained[1])); });
    return Value(std::move(out));
  }
  if (ty->kind == TypeKind::Tuple && !ty->cls && v.is_tuple() && v.to_tuple()->items.size() == ty->contained.size()) {
    const auto& in = v.to_tuple()->items;
    std::vector<Value> items;
    bool changed = false;
    for (size_t i = 0; i < ty->contained.size(); ++i) {
      items.push_back(typed_as(in[i], ty->contained[i]));
      changed = changed || (items.back().is_list() && items.back().to_list() != in[i].to_list()) ||
                (items.back().is_dict() && items.back().to_dict() != in[i].to_dict()) ||
                (items.back().is_tuple() && items.back().to_tuple() != in[i].to_tuple());
    }
    if (changed) return Value(make_tuple(std::move(items)));
  }
  return v;
}

bool value_matches(const Value& v, const Type& t) {
  switch (t.kind) {
    case TypeKind::Any:
    case TypeKind::Var: return true;
    case TypeKind::None: return v.is_none();
    case TypeKind::Optional: return v.is_none() || value_matches(v, *t.contained[0]);
    case TypeKind::Union:
      for (const auto& m : t.contained)
        if (value_matches(v, *m)) return true;
      return false;
    case TypeKind::Bool: return v.is_bool();
    case TypeKind::Int:
    case TypeKind::ScalarType:
    case TypeKind::Layout:
    case TypeKind::MemoryFormat: return v.is_int();
    case TypeKind::Float: return v.is_double();
    case TypeKind::Complex: return v.is_complex();
    case TypeKind::Number: return v.is_int() || v.is_double() || v.is_complex();
    case TypeKind::Str: return v.is_string();
    case TypeKind::Tensor: return v.is_tensor();
    case TypeKind::Device: return v.is_device();
    case TypeKind::Capsule: return v.is_capsule();
    case TypeKind::AnyList: return v.is_list();
    case TypeKind::AnyTuple: return v.is_tuple();
    case TypeKind::AnyClass: return v.is_object();
    case TypeKind::AnyEnum: return v.is_enum();
    case TypeKind::List: {
      if (!v.is_list()) return false;
      const auto& l = *v.to_list();
      if (l.elem_type->kind != TypeKind::Any) return l.elem_type->is_subtype_of(*t.contained[0]);
      for (const auto& x : l.items)
        if (!value_matches(x, *t.contained[0])) return false;
      return true;
    }
    case TypeKind::Dict: {
      if (!v.is_dict()) return false;
      const auto& d = *v.to_dict();
      const bool any_key = d.key_type && d.key_type->kind == TypeKind::Any;
      const bool any_value = d.value_type && d.value_type->kind == TypeKind::Any;
      if (any_key || any_value) {  // read from a pickle (torch.save): check the entries
        bool ok = true;
        d.for_each([&](const Value& k, const Value& x) {
          ok = ok && (!any_key || value_matches(k, *t.contained[0])) && (!any_value || value_matches(x, *t.contained[1]));
        });
        return ok && (any_key || d.key_type->is_subtype_of(*t.contained[0])) &&
               (any_value || d.value_type->is_subtype_of(*t.contained[1]));
      }
      return (!d.key_type || d.key_type->is_subtype_of(*t.contained[0])) &&
             (!d.value_type || d.value_type->is_subtype_of(*t.contained[1]));
    }
    case TypeKind::Tuple: {
      if (!v.is_tuple()) return false;
      const auto& tu = *v.to_tuple();
      if (t.cls) {
        if (!tu.type || !tu.type->cls) return false;
        return tu.type->cls == t.cls || tu.type->cls->qualname == t.cls->qualname;
      }
      if (tu.items.size() != t.contained.size()) return false;
      for (size_t i = 0; i < tu.items.size(); ++i)
        if (!value_matches(tu.items[i], *t.contained[i])) return false;
      return true;
    }
    case TypeKind::Future: return v.is_future();
    case TypeKind::Class:
      return v.is_object() && (v.to_object()->type == t.cls || v.to_object()->type->qualname == t.cls->qualname);
    case TypeKind::Enum:
      return v.is_enum() && (v.to_enum()->type == t.cls || v.to_enum()->type->qualname == t.cls->qualname);
    case TypeKind::Interface: {
      if (!v.is_object()) return false;
      for (const auto& m : t.cls->interface_methods)
        if (!v.to_object()->type->find_method(m)) return false;
      return true;
    }
    case TypeKind::Generator:
    case TypeKind::Storage:
    case TypeKind::Stream: return false;
  }
  return false;
}

namespace {

// EMBER_PROFILE=1: time spent in each operator, summed over the process and printed to stderr
// at exit (slowest first), for finding where a model's time goes.
class OpProfile {
 public:
  static OpProfile* get() {
    static OpProfile* p = std::getenv("EMBER_PROFILE") && std::string(std::getenv("EMBER_PROFILE")) != "0" ? new OpProfile : nullptr;
    return p;
  }
  void add(const ops::Operator* op, double ms) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& e = totals_[op];
    e.first += ms;
    ++e.second;
  }

 private:
  OpProfile() {
    std::atexit([] { get()->print(); });
  }
  void print() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<double, std::string>> rows;
    double all = 0;
    for (const auto& [op, e] : totals_) {
      all += e.first;
      rows.emplace_back(e.first, op->schema.qualified_name() + (op->schema.overload.empty() ? "" : "." + op->schema.overload) +
                                     " x" + std::to_string(e.second));
    }
    std::sort(rows.rbegin(), rows.rend());
    std::fprintf(stderr, "ember op profile (%.1f ms in operators):\n", all);
    for (const auto& [ms, name] : rows) std::fprintf(stderr, "  %9.2f ms  %5.1f%%  %s\n", ms, 100 * ms / all, name.c_str());
  }
  std::mutex mu_;
  std::map<const ops::Operator*, std::pair<double, int64_t>> totals_;
};

[[noreturn]] void rethrow_located(const Function& fn, const Code& code, const Instr& in) {
  try {
    throw;
  } catch (const Cancelled&) {
    throw;  // keeps its type: callers tell a stopped run from a failed one
  } catch (const LocatedError&) {
    throw;
  } catch (const std::exception& e) {
    const auto& loc = code.locs[in.loc];
    std::string where = loc.file ? loc.str() : fn.file + ":" + std::to_string(fn.line);
    throw LocatedError(std::string(e.what()) + "\n  at " + where + " in " + fn.qualname);
  }
}

std::string exception_message(const Value& msg, const Value* cls) {
  // PyTorch's wording: "<qualified exception class>: <message>", RuntimeError when none is given
  // (assertions arrive as "AssertionError: ..." messages without a class).
  std::string text = msg.is_string() ? msg.to_string() : msg.repr();
  std::string name = cls && cls->is_string() ? cls->to_string() : std::string("RuntimeError");
  return name + ": " + text;
}

// Calls nest at most this deep on one thread. Recursion is refused when compiling, so only a long
// static chain of calls can come near it; the bound keeps such a file from exhausting the stack.
constexpr int kMaxCallDepth = 400;
thread_local int call_depth = 0;

struct CallDepth {
  explicit CallDepth(const Function& fn) {
    if (++call_depth > kMaxCallDepth) {
      --call_depth;
      fail("calls nest more than ", kMaxCallDepth, " deep (entering ", fn.qualname, ")");
    }
  }
  ~CallDepth() { --call_depth; }
  CallDepth(const CallDepth&) = delete;
  CallDepth& operator=(const CallDepth&) = delete;
};

}  // namespace

Value execute(const Function& fn, const Code& code, std::vector<Value> args) {
  CallDepth depth(fn);
  poll_deadline();
  std::vector<Value> r(code.num_regs);
  if (args.size() != code.param_regs.size())
    fail(fn.qualname, " called with ", args.size(), " arguments, expects ", code.param_regs.size());
  for (size_t i = 0; i < args.size(); ++i) r[code.param_regs[i]] = std::move(args[i]);
  ops::Stack stack;
  const uint32_t* operands = code.operands.data();
  size_t pc = 0;
  const size_t n = code.instrs.size();
  while (pc < n) {
    const Instr& in = code.instrs[pc];
    const uint32_t* ins = operands + in.in;
    const uint32_t* outs = operands + in.out;
    try {
      switch (in.op) {
        case OpCode::LoadConst: r[outs[0]] = code.constants[static_cast<size_t>(in.imm)]; break;
        case OpCode::Move: r[outs[0]] = r[ins[0]]; break;
        case OpCode::Call:
        case OpCode::CallVararg: {
          stack.clear();
          for (uint32_t k = 0; k < in.n_in; ++k) stack.push_back(r[ins[k]]);
          if (in.op == OpCode::CallVararg) stack.push_back(Value(static_cast<int64_t>(in.n_in)));
          if (OpProfile* prof = OpProfile::get()) {
            const auto t0 = std::chrono::steady_clock::now();
            static_cast<const ops::Operator*>(in.target)->kernel(stack);
            prof->add(static_cast<const ops::Operator*>(in.target),
                      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
          } else {
            static_cast<const ops::Operator*>(in.target)->kernel(stack);
          }
          if (stack.size() != in.n_out) {
            const auto* op = static_cast<const ops::Operator*>(in.target);
            fail("internal: ", op->schema.str(), " left ", stack.size(), " values, expected ", in.n_out);
          }
          for (uint32_t k = 0; k < in.n_out; ++k) r[outs[k]] = std::move(stack[k]);
          break;
        }
        case OpCode::CallFunction: {
          std::vector<Value> a(in.n_in);
          for (uint32_t k = 0; k < in.n_in; ++k) a[k] = r[ins[k]];
          Value res = static_cast<const Function*>(in.target)->run(std::move(a));
          if (in.n_out) r[outs[0]] = std::move(res);
          break;
        }
        case OpCode::CallInterface: {
          const Value& self = r[ins[0]];
          const ClassType* cls = self.to_object()->type.get();
          const Function* target = nullptr;
          for (const auto& [c, f] : code.dispatch[static_cast<size_t>(in.imm)])
            if (c == cls) target = f;
          if (!target)
            fail("'", cls->qualname, "' has no method '", code.names[in.aux], "' required by the interface");
          std::vector<Value> a(in.n_in);
          for (uint32_t k = 0; k < in.n_in; ++k) a[k] = r[ins[k]];
          Value res = target->run(std::move(a));
          if (in.n_out) r[outs[0]] = std::move(res);
          break;
        }
        case OpCode::Jump:
          if (static_cast<size_t>(in.imm) <= pc) poll_deadline();  // a loop's back-edge
          pc = static_cast<size_t>(in.imm);
          continue;
        case OpCode::JumpIfFalse:
          if (!r[ins[0]].to_bool()) {
            pc = static_cast<size_t>(in.imm);
            continue;
          }
          break;
        case OpCode::LoopCheck:
          poll_deadline();
          if (!(r[ins[0]].int_unchecked() < r[ins[1]].to_int() && r[ins[2]].to_bool())) {
            pc = static_cast<size_t>(in.imm);
            continue;
          }
          break;
        case OpCode::SetInt: r[outs[0]] = Value(in.imm); break;
        case OpCode::IncInt: r[outs[0]] = Value(r[outs[0]].int_unchecked() + 1); break;
        case OpCode::TupleConstruct: {
          auto t = std::make_shared<Tuple>();
          t->items.reserve(in.n_in);
          for (uint32_t k = 0; k < in.n_in; ++k) t->items.push_back(r[ins[k]]);
          const TypePtr& ty = code.types[in.aux];
          if (ty && ty->cls) t->type = ty;
          r[outs[0]] = Value(std::move(t));
          break;
        }
        case OpCode::TupleUnpack: {
          const auto& t = r[ins[0]].to_tuple();
          if (t->items.size() != in.n_out)
            fail("cannot unpack a tuple of ", t->items.size(), " elements into ", in.n_out, " values");
          auto keep = t;  // an output register may be the input's
          for (uint32_t k = 0; k < in.n_out; ++k) r[outs[k]] = keep->items[k];
          break;
        }
        case OpCode::ListUnpack: {
          auto keep = r[ins[0]].to_list();
          if (keep->items.size() != in.n_out)
            fail("Expected ", in.n_out, " elements in a list but found ", keep->items.size());
          for (uint32_t k = 0; k < in.n_out; ++k) r[outs[k]] = keep->items[k];
          break;
        }
        case OpCode::TupleIndex: {
          const auto& t = r[ins[0]].to_tuple();
          if (in.imm < 0 || static_cast<size_t>(in.imm) >= t->items.size()) fail("tuple index out of range");
          r[outs[0]] = Value(t->items[static_cast<size_t>(in.imm)]);
          break;
        }
        case OpCode::TupleSlice: {
          const auto& t = r[ins[0]].to_tuple();
          auto s = std::make_shared<Tuple>();
          for (int64_t k = in.imm; k < static_cast<int64_t>(in.aux) && k < static_cast<int64_t>(t->items.size()); ++k)
            s->items.push_back(t->items[static_cast<size_t>(k)]);
          r[outs[0]] = Value(std::move(s));
          break;
        }
        case OpCode::ListConstruct: {
          std::vector<Value> items(in.n_in);
          for (uint32_t k = 0; k < in.n_in; ++k) items[k] = r[ins[k]];
          r[outs[0]] = Value(make_list(code.types[in.aux], std::move(items)));
          break;
        }
        case OpCode::DictConstruct: {
          auto d = std::make_shared<Dict>();
          d->key_type = code.types[in.aux]->contained[0];
          d->value_type = code.types[in.aux]->contained[1];
          for (uint32_t k = 0; k + 1 < in.n_in; k += 2) d->set(r[ins[k]], r[ins[k + 1]]);
          r[outs[0]] = Value(std::move(d));
          break;
        }
        case OpCode::GetAttr: {
          const auto& o = r[ins[0]].to_object();
          auto slot = static_cast<size_t>(in.imm);
          if (slot >= o->slots.size())
            fail("'", o->type->short_name(), "' object has no attribute '", code.names[in.aux], "'");
          r[outs[0]] = Value(o->slots[slot]);
          break;
        }
        case OpCode::SetAttr: {
          const auto& o = r[ins[0]].to_object();
          auto slot = static_cast<size_t>(in.imm);
          if (slot >= o->slots.size()) o->slots.resize(o->type->attributes.size() > slot ? o->type->attributes.size() : slot + 1);
          o->slots[slot] = r[ins[1]];
          break;
        }
        case OpCode::CreateObject: {
          auto o = std::make_shared<Object>();
          o->type = code.types[in.aux]->cls;
          o->slots.resize(o->type->attributes.size());
          r[outs[0]] = Value(std::move(o));
          break;
        }
        case OpCode::Raise:
          throw LocatedError(exception_message(r[ins[0]], in.n_in > 1 ? &r[ins[1]] : nullptr) + "\n  at " +
                             code.locs[in.loc].str() + " in " + fn.qualname);
        case OpCode::IsInstance: {
          bool yes = false;
          for (int64_t k = 0; k < in.imm && !yes; ++k)
            yes = value_matches(r[ins[0]], *code.types[in.aux + static_cast<size_t>(k)]);
          r[outs[0]] = Value(yes);
          break;
        }
        case OpCode::IsNone: r[outs[0]] = Value(r[ins[0]].is_none() != (in.imm != 0)); break;
        case OpCode::FutureWrap: {
          auto f = std::make_shared<Future>();
          f->value = r[ins[0]];
          f->completed = true;
          r[outs[0]] = Value(std::move(f));
          break;
        }
        case OpCode::FutureWait: r[outs[0]] = Value(r[ins[0]].to_future()->value); break;
        case OpCode::EnumName: r[outs[0]] = Value(r[ins[0]].to_enum()->name); break;
        case OpCode::EnumValue: r[outs[0]] = Value(r[ins[0]].to_enum()->value); break;
        case OpCode::Clear:
          for (uint32_t k = 0; k < in.n_in; ++k) r[ins[k]] = Value();
          break;
        case OpCode::Return: return std::move(r[ins[0]]);
      }
    } catch (...) {
      rethrow_located(fn, code, in);
    }
    ++pc;
  }
  EMBER_ASSERT(false, fn.qualname, ": code ended without Return");
  return Value();
}

}  // namespace runtime
}  // namespace ember
