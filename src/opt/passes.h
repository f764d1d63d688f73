// passes.h — the individual graph passes optimize.cpp strings together, and the small graph
// utilities they share. Internal to src/opt.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "opt/optimize.h"

namespace ember::opt {

// (class, slot) pairs some code in the archive assigns with SetAttr: never frozen.
using AssignedAttrs = std::set<std::pair<const ClassType*, int64_t>>;
AssignedAttrs assigned_attributes(const script::CompilationUnit& cu);

// Builds `out` (empty) as a copy of `method`'s graph with `self` bound to the given object,
// applying inline / freeze / fold-constants as they are enabled in `passes`.
void specialise_graph(const Function& method, const Value& self, const AssignedAttrs& assigned,
                      const PassSet& passes, ir::Graph& out);

// Folds eval batch-norm into convolutions and fuses residual adds and activations into them.
void fuse_convolutions(ir::Graph& g, const PassSet& passes);

// Removes nodes without side effects whose outputs nothing reads.
void eliminate_dead_code(ir::Graph& g);

// ---- utilities ----------------------------------------------------------------------------------

// Every node reading each value (a node reading a value twice is listed twice); block returns
// count as a read by the block's owner (nullptr for the graph's own return).
using Uses = std::unordered_map<const ir::Value*, std::vector<ir::Node*>>;
Uses collect_uses(ir::Graph& g);
// Removes `n` from its block (its outputs must be unused).
void remove_node(ir::Node* n);

// The constant a value holds when a Constant node produces it.
const Value* constant_of(const ir::Value* v);
// An int list known at load: a Constant list or a ListConstruct of int constants.
std::optional<std::vector<int64_t>> constant_int_list(const ir::Value* v);

}  // namespace ember::opt
