// code.h — the flat form a Function runs as: instructions over a register file.
//
// Lowering (lower.cpp) walks the structured IR once and gives every IR value its own register;
// If and Loop become jumps, block params and returns become moves. Each Call instruction keeps a
// pointer to the operator chosen at load, so running never looks anything up by name. Instruction
// operands (registers) live in one shared array to keep instructions small and contiguous.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/source_loc.h"
#include "ember/type.h"
#include "ember/value.h"
#include "ir/function.h"

namespace ember::ops {
struct Operator;
struct CallState;
}
namespace ember::ir {
class Graph;
struct Node;
}

namespace ember::runtime {

enum class OpCode : uint8_t {
  LoadConst,       // out0 = constants[imm]
  Move,            // out0 = in0
  Call,            // outs = op(ins)
  CallVararg,      // like Call, then pushes the number of values pushed (vararg schemas)
  CallFunction,    // out0 = fn(ins)
  CallInterface,   // out0 = dispatch[class of in0](ins)
  Jump,            // pc = imm
  JumpIfFalse,     // if !in0: pc = imm
  LoopCheck,       // if !(in0 < in1 && in2): pc = imm     (iteration, trip count, condition)
  SetInt,          // out0 = imm (int)
  IncInt,          // out0 += 1
  TupleConstruct,  // out0 = tuple(ins), typed by types[aux] when it is a NamedTuple
  TupleUnpack,     // outs = elements of in0
  ListUnpack,      // outs = elements of list in0 (its length must equal n_out)
  TupleIndex,      // out0 = in0[imm]
  TupleSlice,      // out0 = in0[imm:aux]
  ListConstruct,   // out0 = list(ins) with element type types[aux]
  DictConstruct,   // out0 = dict(pairs of ins) typed by types[aux]
  GetAttr,         // out0 = in0.slots[imm]
  SetAttr,         // in0.slots[imm] = in1
  CreateObject,    // out0 = new object of class types[aux]
  Raise,           // throw (in0: message, optional in1: exception class)
  IsInstance,      // out0 = in0 is an instance of any of types[aux .. aux+imm)
  IsNone,          // out0 = (in0 is None) != imm
  FutureWrap,      // out0 = completed future holding in0
  FutureWait,      // out0 = value of future in0
  EnumName,        // out0 = in0.name
  EnumValue,       // out0 = in0.value
  Clear,           // drops the values in ins (their last reader has run)
  Return,          // return in0
};

struct Instr {
  OpCode op;
  uint32_t in = 0, n_in = 0;    // operands[in .. in+n_in)
  uint32_t out = 0, n_out = 0;  // operands[out .. out+n_out)
  int64_t imm = 0;
  uint32_t aux = 0;
  uint32_t loc = 0;            // index into locs
  const void* target = nullptr; // Operator* / Function* / dispatch table, per op
  ops::CallState* state = nullptr;  // Call: the state the op's prepare step made at load, if any
  // Call: the kernel the site runs, chosen at lowering for the code's device (the op's `kernel`
  // on the CPU; see ops/device_dispatch.h for other devices).
  const std::function<void(std::vector<Value>&)>* kernel = nullptr;
};

struct Code final : Executable {
  std::vector<Instr> instrs;
  std::vector<uint32_t> operands;
  std::vector<Value> constants;
  std::vector<TypePtr> types;
  std::vector<SourceLoc> locs;
  std::vector<std::string> names;  // attribute / method names, for messages
  // Interface dispatch tables: per CallInterface, (class, function) pairs known at load.
  std::vector<std::vector<std::pair<const ClassType*, const Function*>>> dispatch;
  // Owns the call sites' prepared states (Instr::state points into it).
  std::vector<std::shared_ptr<ops::CallState>> states;
  // Owns the kernels made for this code's device (Instr::kernel points into it or into an op).
  std::vector<std::unique_ptr<std::function<void(std::vector<Value>&)>>> device_kernels;
  std::vector<uint32_t> param_regs;
  uint32_t num_regs = 0;

  std::string str() const;  // one instruction per line, for debugging
  Value run(const Function& fn, std::vector<Value> args) const override;
};

// The prepared call-site states of one load, shared between the functions lowered with it: two
// call sites of the same op with the same constant arguments (the same weight tensor, say, in
// `forward` and in the `_forward_impl` it inlines) share one state, so a weight is packed once.
class PreparedSites {
 public:
  // For code that runs on `device` (the CPU unless given): on another device call sites bind that
  // device's kernels, and the CPU prepare steps are not run.
  explicit PreparedSites(Device device = Device{}) : device_(device) {}
  const Device& device() const { return device_; }
  // The state for `n` (a Call node whose op has a prepare step): an existing one for the same op
  // and constants, else a new one from the op's prepare step; null when it has none to give.
  std::shared_ptr<ops::CallState> get(const ir::Node* n);

 private:
  std::unordered_map<std::string, std::shared_ptr<ops::CallState>> by_key_;
  Device device_;
};

// Lowers a compiled graph. Interface call nodes carry their dispatch tables already. A register
// is cleared after the node that reads it last, so intermediate tensors are freed (and their
// buffers reused) as soon as nothing needs them, not when the call returns. Each Call of an op
// with a prepare step gets its state from `sites` (or a table of its own when null).
Code lower(const ir::Graph& graph, PreparedSites* sites = nullptr);
// Sets fn.code to the lowered fn.graph (which must be set).
void lower_into(Function& fn, PreparedSites* sites = nullptr);

// Whether running `code` changes nothing but its own values, judged conservatively: no attribute
// writes, no calls out of it (functions, interfaces), no op that prints or draws random numbers
// (dropout only with a constant train=False), and no op writing in place into a tensor that came
// from a constant or an attribute, or a view of one. Load uses it to decide whether a warm-up run
// on example inputs would be invisible to the caller.
bool runs_without_side_effects(const Code& code);

// Runs `code` for `fn` with the given arguments (self first for methods).
Value execute(const Function& fn, const Code& code, std::vector<Value> args);

}  // namespace ember::runtime
