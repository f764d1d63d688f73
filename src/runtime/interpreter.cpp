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

#include "core/deadline_poll.h"
#include "ir/function.h"
#include "ir/graph.h"
#include "ops/registry.h"
#include "runtime/code.h"
#include "runtime/located_error.h"
#include "values/value_match.h"
#include "core/check.h"

namespace ember::runtime {

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
          const auto* op = static_cast<const ops::Operator*>(in.target);
          const auto run_kernel = [&] {
            if (in.state) op->prepared(stack, *in.state);
            else (*in.kernel)(stack);
          };
          if (OpProfile* prof = OpProfile::get()) {
            const auto t0 = std::chrono::steady_clock::now();
            run_kernel();
            prof->add(op, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
          } else {
            run_kernel();
          }
          if (stack.size() != in.n_out) {
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

Value Code::run(const Function& fn, std::vector<Value> args) const { return execute(fn, *this, std::move(args)); }

}  // namespace ember::runtime
