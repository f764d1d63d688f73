// graph.h — ember's typed intermediate representation of one TorchScript function.
//
// The form is structured SSA, the same shape TorchScript's own IR has, because that is what the
// printed `code/` was generated from and what later passes (inline, constant-fold, DCE, freeze,
// fusion, memory planning) want:
//   * a Graph owns every Node and Value of one function;
//   * a Block is a straight list of Nodes with parameters (values defined on entry) and returns
//     (values handed to the enclosing node when the block finishes);
//   * a Node has typed inputs and outputs; control flow is a Node holding Blocks:
//       If    inputs {cond};  blocks {then, else}, no block params; each block returns one value
//             per If output.
//       Loop  inputs {max_trip_count, start_cond, carried...}; blocks {body} with params
//             {iteration, carried...} and returns {continue_cond, carried...}; outputs {carried...}.
//             The body runs while `iteration < max_trip_count && cond` (TorchScript's prim::Loop).
//   * every Value is defined exactly once (a block param or a node output) and has a static type.
// Calls are bound when the node is built: a Call node points at its ops::Operator (overload
// already chosen, defaults materialised as Constant inputs), a CallMethod/CallFunction node at the
// Function it runs. Nothing is looked up by name later.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/source_loc.h"
#include "ember/type.h"
#include "ember/value.h"

namespace ember::ops {
struct Operator;
}

namespace ember::ir {

#define EMBER_FORALL_NODE_KINDS(_)                                                              \
  _(Constant)        /* outputs {v}; constant holds the value */                                 \
  _(Call)            /* op: bound registry operator; inputs in schema order; outputs its returns */ \
  _(CallFunction)    /* fn: free function; inputs its arguments */                               \
  _(CallMethod)      /* fn: method resolved from the static class; inputs {self, args...} */     \
  _(CallInterface)   /* name: method on an interface-typed self, found per class when first run */ \
  _(If)              /* see header */                                                            \
  _(Loop)            /* see header */                                                            \
  _(TupleConstruct)  /* type: the tuple type (NamedTuple when type->cls) */                       \
  _(TupleUnpack)     /* inputs {tuple}; one output per element */                                 \
  _(ListUnpack)      /* inputs {list}; one output per element, length checked when run */          \
  _(TupleIndex)      /* inputs {tuple}; index */                                                  \
  _(TupleSlice)      /* inputs {tuple}; ints = {start, stop} already normalised */                \
  _(ListConstruct)   /* type: List[T] */                                                          \
  _(DictConstruct)   /* inputs {k0, v0, k1, v1, ...}; type: Dict[K, V] */                         \
  _(GetAttr)         /* inputs {obj}; index: attribute slot; name: attribute name */              \
  _(SetAttr)         /* inputs {obj, value}; index: slot; name */                                 \
  _(CreateObject)    /* type: the class; a fresh object with empty slots */                      \
  _(Raise)           /* inputs {message[, exception class name]}: throws ember::Error */          \
  _(Uninitialized)   /* type: a placeholder for a value on a path that cannot be taken */         \
  _(Cast)            /* inputs {v}; type: the refined type (unchecked_cast, Optional refinement) */ \
  _(IsInstance)      /* inputs {v}; types: the candidates; output bool */                         \
  _(IsNone)          /* inputs {v}; output bool (index 1: is not None) */                         \
  _(FutureWrap)      /* inputs {v}: a completed Future (forks run eagerly) */                     \
  _(FutureWait)      /* inputs {future} */                                                        \
  _(EnumName)        /* inputs {enum} */                                                          \
  _(EnumValue)       /* inputs {enum} */

enum class NodeKind : uint8_t {
#define EMBER_NODE_KIND_ENUM(name) name,
  EMBER_FORALL_NODE_KINDS(EMBER_NODE_KIND_ENUM)
#undef EMBER_NODE_KIND_ENUM
};
const char* node_kind_name(NodeKind k);

struct Node;
struct Block;
class Graph;

struct Value {
  TypePtr type;
  Node* producer = nullptr;   // null for block parameters
  Block* param_of = nullptr;  // set for block parameters
  uint32_t id = 0;            // unique within the graph, dense from 0
  std::string debug_name;     // the source variable it came from, when any
};

struct Node {
  NodeKind kind;
  std::vector<Value*> inputs;
  std::vector<Value*> outputs;
  std::vector<Block*> blocks;
  Block* owner = nullptr;
  SourceLoc loc;

  // Kind-specific payload (see EMBER_FORALL_NODE_KINDS).
  ember::Value constant;
  const ops::Operator* op = nullptr;
  Function* fn = nullptr;
  TypePtr type;
  std::vector<TypePtr> types;
  int64_t index = 0;
  std::vector<int64_t> ints;
  std::string name;
  // CallInterface: every (class, method) pair known at load that the call may dispatch to.
  std::vector<std::pair<const ClassType*, const Function*>> dispatch;
};

struct Block {
  std::vector<Value*> params;
  std::vector<Node*> nodes;
  std::vector<Value*> returns;
  Node* owner = nullptr;  // null for the graph's top block
  // True when the block always ends in a Raise: its returns are placeholders.
  bool terminates = false;
};

class Graph {
 public:
  Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Block* top() { return top_; }
  const Block* top() const { return top_; }

  Block* new_block(Node* owner);
  Value* add_param(Block* b, TypePtr type, std::string debug_name = {});
  // Appends a node to `b` with `n_outputs` fresh outputs typed by `out_types`.
  Node* append(Block* b, NodeKind kind, std::vector<Value*> inputs, std::vector<TypePtr> out_types,
               const SourceLoc& loc);
  // Adds an output to an existing node (If/Loop outputs are known only after their blocks).
  Value* add_output(Node* n, TypePtr type);
  Value* constant(Block* b, ember::Value v, TypePtr type, const SourceLoc& loc);

  size_t num_values() const { return values_.size(); }
  // Readable dump for debugging and tests: "%3 : int = Call[aten::add.int](%1, %2)".
  std::string str() const;

 private:
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Block>> blocks_;
  Block* top_;
};

}  // namespace ember::ir
