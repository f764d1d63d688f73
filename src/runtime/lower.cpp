// lower.cpp — structured IR → flat instructions over registers.
#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "ir/function.h"
#include "ir/graph.h"
#include "ops/device_dispatch.h"
#include "ops/registry.h"
#include "runtime/code.h"
#include "core/check.h"

namespace ember::runtime {

namespace {

// When each value can be dropped: after the node of its own block that reads it last (a read
// inside a nested block counts for the node holding that block). Values read past their block
// (block returns, and names the compiler lets flow out of an If whose other branch raises) are
// never dropped early; registers are overwritten or freed with the frame then.
class Liveness {
 public:
  explicit Liveness(const ir::Graph& g) {
    walk(g.top());
    for (const auto& [v, at] : last_) {
      // Loop-body parameters are rewritten by the loop itself (the iteration counter is read
      // by LoopCheck and IncInt): only the function's own parameters may be dropped.
      if (escapes_.count(v) || (v->param_of && v->param_of != g.top())) continue;
      drop_after_[at].push_back(v->id);
    }
    for (auto& [n, regs] : drop_after_) std::sort(regs.begin(), regs.end());
  }
  // Registers to clear after `n` runs.
  const std::vector<uint32_t>* after(const ir::Node* n) const {
    auto it = drop_after_.find(n);
    return it == drop_after_.end() ? nullptr : &it->second;
  }

 private:
  static const ir::Block* def_block(const ir::Value* v) { return v->producer ? v->producer->owner : v->param_of; }

  void read(const ir::Value* v) {
    const ir::Block* home = def_block(v);
    for (auto it = open_.rbegin(); it != open_.rend(); ++it)
      if (it->first->owner == home) {
        last_[v] = it->first;  // nodes are visited in order: the latest reader wins
        return;
      }
    escapes_.insert(v);
  }
  void walk(const ir::Block* b) {
    for (const ir::Node* n : b->nodes) {
      open_.emplace_back(n, b);
      for (const ir::Value* v : n->inputs) read(v);
      for (const ir::Block* sub : n->blocks) walk(sub);
      open_.pop_back();
      for (const ir::Value* o : n->outputs)
        if (!last_.count(o)) last_[o] = n;  // unread: dropped at once (a later read overrides)
    }
    for (const ir::Value* v : b->returns) read(v);
  }

  std::vector<std::pair<const ir::Node*, const ir::Block*>> open_;  // enclosing nodes, outermost first
  std::unordered_map<const ir::Value*, const ir::Node*> last_;
  std::unordered_set<const ir::Value*> escapes_;
  std::unordered_map<const ir::Node*, std::vector<uint32_t>> drop_after_;
};

class Lowerer {
 public:
  Lowerer(Code& code, const ir::Graph& g, PreparedSites* sites)
      : code_(code), live_(g), sites_(sites), device_(sites->device()) {
    code_.num_regs = static_cast<uint32_t>(g.num_values());
  }

  void lower_block(const ir::Block* b) {
    for (const ir::Node* n : b->nodes) {
      lower_node(n);
      if (const auto* regs = live_.after(n)) emit(OpCode::Clear, *regs, {}, nullptr);
    }
  }

  Instr& emit(OpCode op, const std::vector<uint32_t>& ins, const std::vector<uint32_t>& outs,
              const SourceLoc* loc) {
    Instr in;
    in.op = op;
    in.in = static_cast<uint32_t>(code_.operands.size());
    in.n_in = static_cast<uint32_t>(ins.size());
    code_.operands.insert(code_.operands.end(), ins.begin(), ins.end());
    in.out = static_cast<uint32_t>(code_.operands.size());
    in.n_out = static_cast<uint32_t>(outs.size());
    code_.operands.insert(code_.operands.end(), outs.begin(), outs.end());
    in.loc = loc ? add_loc(*loc) : 0;
    code_.instrs.push_back(in);
    return code_.instrs.back();
  }

  uint32_t new_reg() { return code_.num_regs++; }

  // dst[i] = src[i] for all i at once: goes through temporaries when a destination is also read.
  void parallel_move(const std::vector<uint32_t>& dst, const std::vector<uint32_t>& src) {
    EMBER_ASSERT(dst.size() == src.size());
    std::unordered_set<uint32_t> dsts;
    bool conflict = false;
    for (size_t i = 0; i < dst.size(); ++i)
      if (dst[i] != src[i]) dsts.insert(dst[i]);
    for (size_t i = 0; i < src.size(); ++i)
      if (dst[i] != src[i] && dsts.count(src[i])) conflict = true;
    if (!conflict) {
      for (size_t i = 0; i < dst.size(); ++i)
        if (dst[i] != src[i]) emit(OpCode::Move, {src[i]}, {dst[i]}, nullptr);
      return;
    }
    std::vector<uint32_t> tmp;
    for (size_t i = 0; i < src.size(); ++i) {
      tmp.push_back(new_reg());
      emit(OpCode::Move, {src[i]}, {tmp.back()}, nullptr);
    }
    for (size_t i = 0; i < dst.size(); ++i) emit(OpCode::Move, {tmp[i]}, {dst[i]}, nullptr);
  }

 private:
  static std::vector<uint32_t> regs(const std::vector<ir::Value*>& vs) {
    std::vector<uint32_t> r;
    r.reserve(vs.size());
    for (const ir::Value* v : vs) r.push_back(v->id);
    return r;
  }

  ops::CallState* prepare_site(const ir::Node* n) {
    std::shared_ptr<ops::CallState> state = sites_->get(n);
    if (!state) return nullptr;
    code_.states.push_back(std::move(state));
    return code_.states.back().get();
  }

  uint32_t add_loc(const SourceLoc& loc) {
    code_.locs.push_back(loc);
    return static_cast<uint32_t>(code_.locs.size() - 1);
  }
  uint32_t add_type(TypePtr t) {
    code_.types.push_back(std::move(t));
    return static_cast<uint32_t>(code_.types.size() - 1);
  }
  size_t here() const { return code_.instrs.size(); }

  void lower_node(const ir::Node* n) {
    auto ins = regs(n->inputs);
    auto outs = regs(n->outputs);
    const auto* loc = &n->loc;
    switch (n->kind) {
      case ir::NodeKind::Constant: {
        code_.constants.push_back(n->constant);
        emit(OpCode::LoadConst, {}, outs, loc).imm = static_cast<int64_t>(code_.constants.size() - 1);
        break;
      }
      case ir::NodeKind::Call: {
        Instr& i = emit(n->op->schema.is_vararg ? OpCode::CallVararg : OpCode::Call, ins, outs, loc);
        i.target = n->op;
        if (device_.is_cpu()) {
          i.kernel = &n->op->kernel;
          if (n->op->prepare && !n->op->schema.is_vararg) i.state = prepare_site(n);
        } else {
          ops::DeviceKernel k = ops::kernel_for_device(*n->op, device_);
          code_.device_kernels.push_back(std::make_unique<ops::Kernel>(std::move(k.kernel)));
          i.kernel = code_.device_kernels.back().get();
        }
        break;
      }
      case ir::NodeKind::CallFunction:
      case ir::NodeKind::CallMethod:
        emit(OpCode::CallFunction, ins, outs, loc).target = n->fn;
        break;
      case ir::NodeKind::CallInterface: {
        code_.dispatch.push_back(n->dispatch);
        code_.names.push_back(n->name);
        Instr& i = emit(OpCode::CallInterface, ins, outs, loc);
        i.imm = static_cast<int64_t>(code_.dispatch.size() - 1);
        i.aux = static_cast<uint32_t>(code_.names.size() - 1);
        break;
      }
      case ir::NodeKind::If: {
        size_t jf = here();
        emit(OpCode::JumpIfFalse, ins, {}, loc);
        lower_block(n->blocks[0]);
        parallel_move(outs, regs(n->blocks[0]->returns));
        size_t jend = here();
        emit(OpCode::Jump, {}, {}, nullptr);
        code_.instrs[jf].imm = static_cast<int64_t>(here());
        lower_block(n->blocks[1]);
        parallel_move(outs, regs(n->blocks[1]->returns));
        code_.instrs[jend].imm = static_cast<int64_t>(here());
        break;
      }
      case ir::NodeKind::Loop: {
        const ir::Block* body = n->blocks[0];
        auto params = regs(body->params);
        uint32_t iter = params[0];
        uint32_t cond = new_reg();
        emit(OpCode::SetInt, {}, {iter}, loc).imm = 0;
        emit(OpCode::Move, {ins[1]}, {cond}, nullptr);
        std::vector<uint32_t> carried(params.begin() + 1, params.end());
        parallel_move(carried, std::vector<uint32_t>(ins.begin() + 2, ins.end()));
        size_t head = here();
        emit(OpCode::LoopCheck, {iter, ins[0], cond}, {}, loc);
        lower_block(body);
        auto rets = regs(body->returns);
        std::vector<uint32_t> dst{cond};
        dst.insert(dst.end(), carried.begin(), carried.end());
        parallel_move(dst, rets);
        emit(OpCode::IncInt, {}, {iter}, nullptr);
        emit(OpCode::Jump, {}, {}, nullptr).imm = static_cast<int64_t>(head);
        code_.instrs[head].imm = static_cast<int64_t>(here());
        parallel_move(outs, carried);
        break;
      }
      case ir::NodeKind::TupleConstruct:
        emit(OpCode::TupleConstruct, ins, outs, loc).aux = add_type(n->type);
        break;
      case ir::NodeKind::TupleUnpack: emit(OpCode::TupleUnpack, ins, outs, loc); break;
      case ir::NodeKind::ListUnpack: emit(OpCode::ListUnpack, ins, outs, loc); break;
      case ir::NodeKind::TupleIndex: emit(OpCode::TupleIndex, ins, outs, loc).imm = n->index; break;
      case ir::NodeKind::TupleSlice: {
        Instr& i = emit(OpCode::TupleSlice, ins, outs, loc);
        i.imm = n->ints[0];
        i.aux = static_cast<uint32_t>(n->ints[1]);
        break;
      }
      case ir::NodeKind::ListConstruct:
        emit(OpCode::ListConstruct, ins, outs, loc).aux = add_type(n->type->contained[0]);
        break;
      case ir::NodeKind::DictConstruct:
        emit(OpCode::DictConstruct, ins, outs, loc).aux = add_type(n->type);
        break;
      case ir::NodeKind::GetAttr:
      case ir::NodeKind::SetAttr: {
        code_.names.push_back(n->name);
        Instr& i = emit(n->kind == ir::NodeKind::GetAttr ? OpCode::GetAttr : OpCode::SetAttr, ins, outs, loc);
        i.imm = n->index;
        i.aux = static_cast<uint32_t>(code_.names.size() - 1);
        break;
      }
      case ir::NodeKind::CreateObject:
        emit(OpCode::CreateObject, ins, outs, loc).aux = add_type(n->type);
        break;
      case ir::NodeKind::Raise: emit(OpCode::Raise, ins, outs, loc); break;
      case ir::NodeKind::Uninitialized: {
        code_.constants.push_back(Value());
        emit(OpCode::LoadConst, {}, outs, loc).imm = static_cast<int64_t>(code_.constants.size() - 1);
        break;
      }
      case ir::NodeKind::Cast: emit(OpCode::Move, ins, outs, loc); break;
      case ir::NodeKind::IsInstance: {
        uint32_t first = static_cast<uint32_t>(code_.types.size());
        for (const auto& t : n->types) add_type(t);
        Instr& i = emit(OpCode::IsInstance, ins, outs, loc);
        i.aux = first;
        i.imm = static_cast<int64_t>(n->types.size());
        break;
      }
      case ir::NodeKind::IsNone: emit(OpCode::IsNone, ins, outs, loc).imm = n->index; break;
      case ir::NodeKind::FutureWrap: emit(OpCode::FutureWrap, ins, outs, loc); break;
      case ir::NodeKind::FutureWait: emit(OpCode::FutureWait, ins, outs, loc); break;
      case ir::NodeKind::EnumName: emit(OpCode::EnumName, ins, outs, loc); break;
      case ir::NodeKind::EnumValue: emit(OpCode::EnumValue, ins, outs, loc); break;
    }
  }

  Code& code_;
  Liveness live_;
  PreparedSites* sites_;
  Device device_;
};

const char* opcode_name(OpCode op) {
  switch (op) {
    case OpCode::LoadConst: return "LoadConst";
    case OpCode::Move: return "Move";
    case OpCode::Call: return "Call";
    case OpCode::CallVararg: return "CallVararg";
    case OpCode::CallFunction: return "CallFunction";
    case OpCode::CallInterface: return "CallInterface";
    case OpCode::Jump: return "Jump";
    case OpCode::JumpIfFalse: return "JumpIfFalse";
    case OpCode::LoopCheck: return "LoopCheck";
    case OpCode::SetInt: return "SetInt";
    case OpCode::IncInt: return "IncInt";
    case OpCode::TupleConstruct: return "TupleConstruct";
    case OpCode::TupleUnpack: return "TupleUnpack";
    case OpCode::ListUnpack: return "ListUnpack";
    case OpCode::TupleIndex: return "TupleIndex";
    case OpCode::TupleSlice: return "TupleSlice";
    case OpCode::ListConstruct: return "ListConstruct";
    case OpCode::DictConstruct: return "DictConstruct";
    case OpCode::GetAttr: return "GetAttr";
    case OpCode::SetAttr: return "SetAttr";
    case OpCode::CreateObject: return "CreateObject";
    case OpCode::Raise: return "Raise";
    case OpCode::IsInstance: return "IsInstance";
    case OpCode::IsNone: return "IsNone";
    case OpCode::FutureWrap: return "FutureWrap";
    case OpCode::FutureWait: return "FutureWait";
    case OpCode::EnumName: return "EnumName";
    case OpCode::EnumValue: return "EnumValue";
    case OpCode::Clear: return "Clear";
    case OpCode::Return: return "Return";
  }
  return "?";
}

}  // namespace

namespace {

// The argument values known at load: each input a Constant node produces, null for the others.
std::vector<const ember::Value*> load_time_args(const ir::Node* n) {
  std::vector<const ember::Value*> out;
  out.reserve(n->inputs.size());
  for (const ir::Value* v : n->inputs)
    out.push_back(v->producer && v->producer->kind == ir::NodeKind::Constant ? &v->producer->constant : nullptr);
  return out;
}

// Identifies an op and the load-time arguments its prepare step reads: tensors by identity,
// scalars and lists of them by value; empty (never shared) for other kinds.
std::string site_key(const ir::Node* n, const std::vector<const ember::Value*>& args) {
  std::string key = std::to_string(reinterpret_cast<uintptr_t>(n->op));
  for (size_t i : n->op->prepare_reads) {
    if (i >= args.size()) return {};
    const ember::Value* v = args[i];
    key += '|';
    if (!v) key += '?';
    else if (v->is_tensor()) key += "T" + std::to_string(reinterpret_cast<uintptr_t>(v->to_tensor().unsafe_impl()));
    else if (v->is_none() || v->is_number() || v->is_string() || v->is_list()) key += v->repr();
    else return {};
  }
  return key;
}

}  // namespace

std::shared_ptr<ops::CallState> PreparedSites::get(const ir::Node* n) {
  const std::vector<const ember::Value*> args = load_time_args(n);
  const std::string key = site_key(n, args);
  if (!key.empty()) {
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return it->second;
  }
  // A step that fails leaves the site unprepared: the kernel then meets the same problem, with
  // its usual message, only if the call is ever reached.
  std::shared_ptr<ops::CallState> state;
  try {
    state = n->op->prepare(args);
  } catch (const Error&) {
    return nullptr;
  }
  if (state && !key.empty()) by_key_.emplace(key, state);
  return state;
}

Code lower(const ir::Graph& graph, PreparedSites* sites) {
  Code code;
  PreparedSites own;
  Lowerer l(code, graph, sites ? sites : &own);
  for (const ir::Value* p : graph.top()->params) code.param_regs.push_back(p->id);
  // Location 0 is "unknown" so instructions without one never index out of range.
  code.locs.emplace_back();
  l.lower_block(graph.top());
  EMBER_ASSERT(graph.top()->returns.size() == 1, "a function returns one value");
  l.emit(OpCode::Return, {graph.top()->returns[0]->id}, {}, nullptr);
  return code;
}

void lower_into(Function& fn, PreparedSites* sites) {
  EMBER_ASSERT(fn.graph, "function ", fn.qualname, " has no graph to lower");
  fn.code = std::make_unique<Code>(lower(*fn.graph, sites));
}

namespace {

// Ops that draw from the random generator (their results and the generator's state would differ
// after a warm-up run). Dropout in eval mode (train a constant False) draws nothing.
bool draws_random(const std::string& name) {
  for (const char* word : {"rand", "bernoulli", "normal", "uniform", "multinomial", "poisson", "dropout",
                           "exponential", "geometric", "cauchy", "random"})
    if (name.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

bool runs_without_side_effects(const Code& code) {
  // outside[r]: register r may hold (or alias) a tensor the model keeps: a constant, an attribute,
  // or a view of one. It only grows, so scanning to a fixed point covers values carried around
  // loops. is_false[r]: r is loaded with the constant False.
  std::vector<bool> outside(code.num_regs, false), is_false(code.num_regs, false);
  const uint32_t* operands = code.operands.data();
  for (bool changed = true; changed;) {
    changed = false;
    const auto mark = [&](uint32_t r, bool v) {
      if (v && !outside[r]) outside[r] = changed = true;
    };
    for (const Instr& in : code.instrs) {
      const uint32_t* ins = operands + in.in;
      const uint32_t* outs = operands + in.out;
      bool any_in = false;
      for (uint32_t k = 0; k < in.n_in; ++k) any_in = any_in || outside[ins[k]];
      switch (in.op) {
        case OpCode::LoadConst: {
          const ember::Value& c = code.constants[static_cast<size_t>(in.imm)];
          mark(outs[0], !(c.is_none() || c.is_number() || c.is_string() || c.is_device()));
          is_false[outs[0]] = c.is_bool() && !c.to_bool();
          break;
        }
        case OpCode::GetAttr: mark(outs[0], true); break;
        case OpCode::SetAttr:
        case OpCode::CallFunction:
        case OpCode::CallInterface: return false;
        case OpCode::Call:
        case OpCode::CallVararg: {
          const ops::FunctionSchema& s = static_cast<const ops::Operator*>(in.target)->schema;
          const std::string name = s.qualified_name();
          if (name == "prim::Print" || name == "aten::warn") return false;
          if (draws_random(name)) {
            // dropout(input, p, train) draws nothing when train is the constant False.
            const bool eval_dropout = name.find("dropout") != std::string::npos && s.arguments.size() == 3 &&
                                      s.arguments[2].name == "train" && in.n_in >= 3 && is_false[ins[2]];
            if (!eval_dropout) return false;
          }
          for (size_t a = 0; a < s.arguments.size() && a < in.n_in; ++a)
            if (s.arguments[a].alias.find('!') != std::string::npos && outside[ins[a]]) return false;
          for (uint32_t r = 0; r < in.n_out; ++r)
            mark(outs[r], any_in && (r >= s.returns.size() || !s.returns[r].alias.empty()));
          break;
        }
        default:
          // Moves, containers, unpacking, indexing: results may hold what the inputs held.
          for (uint32_t k = 0; k < in.n_out; ++k) mark(outs[k], any_in);
          break;
      }
    }
  }
  return true;
}

std::string Code::str() const {
  std::ostringstream out;
  for (size_t pc = 0; pc < instrs.size(); ++pc) {
    const Instr& i = instrs[pc];
    out << pc << ": " << opcode_name(i.op);
    if (i.op == OpCode::Call || i.op == OpCode::CallVararg) {
      const auto* op = static_cast<const ops::Operator*>(i.target);
      out << " " << op->schema.qualified_name() << (op->schema.overload.empty() ? "" : "." + op->schema.overload);
    } else if (i.op == OpCode::CallFunction) {
      out << " " << static_cast<const Function*>(i.target)->qualname;
    }
    out << " (";
    for (uint32_t k = 0; k < i.n_in; ++k) out << (k ? " " : "") << "r" << operands[i.in + k];
    out << ") -> (";
    for (uint32_t k = 0; k < i.n_out; ++k) out << (k ? " " : "") << "r" << operands[i.out + k];
    out << ") imm=" << i.imm << "\n";
  }
  return out.str();
}

}  // namespace ember::runtime
