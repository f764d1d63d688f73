// optimize.cpp — the pass pipeline, dead-code elimination and the graph utilities passes share.
#include "opt/optimize.h"

#include <algorithm>

#include "ir/function.h"
#include "ops/registry.h"
#include "opt/passes.h"
#include "script/compiler.h"
#include "core/check.h"

namespace ember::opt {

const std::vector<std::string>& pass_names() {
  static const std::vector<std::string> names{"inline", "freeze", "fold-constants", "fold-batch-norm",
                                              "fuse-conv", "channels-last", "dead-code"};
  return names;
}

PassSet make_pass_set(const std::vector<std::string>& disabled) {
  PassSet p;
  for (const std::string& name : disabled) {
    if (name == "all") {
      p.disabled.insert(pass_names().begin(), pass_names().end());
      continue;
    }
    if (std::find(pass_names().begin(), pass_names().end(), name) == pass_names().end()) {
      std::string known;
      for (const auto& n : pass_names()) known += (known.empty() ? "" : ", ") + n;
      fail("unknown optimisation pass '", name, "' (known: ", known, ", or all)");
    }
    p.disabled.insert(name);
  }
  return p;
}

std::vector<std::pair<std::string, std::unique_ptr<Function>>> specialise_methods(const Value& self,
                                                                                   const script::CompilationUnit& cu,
                                                                                   const PassSet& passes) {
  std::vector<std::pair<std::string, std::unique_ptr<Function>>> out;
  if (std::none_of(pass_names().begin(), pass_names().end(), [&](const std::string& n) { return passes.on(n); }))
    return out;
  const AssignedAttrs assigned = assigned_attributes(cu);
  for (const auto& [name, method] : self.to_object()->type->methods) {
    if (name == "__setstate__" || name == "__getstate__" || !method->graph) continue;
    try {
      auto f = std::make_unique<Function>();
      f->name = method->name;
      f->qualname = method->qualname;
      f->owner = method->owner;
      f->params = method->params;
      f->return_type = method->return_type;
      f->file = method->file;
      f->line = method->line;
      f->graph = std::make_unique<ir::Graph>();
      specialise_graph(*method, self, assigned, passes, *f->graph);
      if (passes.on("dead-code")) eliminate_dead_code(*f->graph);
      fuse_convolutions(*f->graph, passes);
      if (passes.on("dead-code")) eliminate_dead_code(*f->graph);
      out.emplace_back(name, std::move(f));
    } catch (const Error& e) {
      fail("optimising ", method->qualname, " failed: ", e.what());
    }
  }
  return out;
}

// ---- dead code ----------------------------------------------------------------------------------

namespace {

bool has_side_effects(const ir::Node* n) {
  switch (n->kind) {
    case ir::NodeKind::Constant:
    case ir::NodeKind::GetAttr:
    case ir::NodeKind::TupleConstruct:
    case ir::NodeKind::TupleIndex:
    case ir::NodeKind::TupleSlice:
    case ir::NodeKind::TupleUnpack:
    case ir::NodeKind::ListConstruct:
    case ir::NodeKind::DictConstruct:
    case ir::NodeKind::CreateObject:
    case ir::NodeKind::Uninitialized:
    case ir::NodeKind::Cast:
    case ir::NodeKind::IsInstance:
    case ir::NodeKind::IsNone:
    case ir::NodeKind::FutureWrap:
    case ir::NodeKind::EnumName:
    case ir::NodeKind::EnumValue: return false;
    case ir::NodeKind::Call: {
      const ops::FunctionSchema& s = n->op->schema;
      if (s.is_vararg || s.returns.empty()) return true;
      for (const auto& a : s.arguments)
        if (a.alias.find('!') != std::string::npos) return true;
      return false;
    }
    default: return true;
  }
}

void count_reads(const ir::Block* b, std::unordered_map<const ir::Value*, int>& reads) {
  for (const ir::Node* n : b->nodes) {
    for (const ir::Value* v : n->inputs) ++reads[v];
    for (const ir::Block* sub : n->blocks) count_reads(sub, reads);
  }
  for (const ir::Value* v : b->returns) ++reads[v];
}

// Removes dead pure nodes from `b` back to front so a chain of them goes in one sweep; the
// block's node list is compacted once at the end (erasing one by one is quadratic in its length).
bool sweep(ir::Block* b, std::unordered_map<const ir::Value*, int>& reads) {
  bool changed = false;
  std::vector<bool> dead(b->nodes.size(), false);
  for (size_t i = b->nodes.size(); i-- > 0;) {
    ir::Node* n = b->nodes[i];
    for (ir::Block* sub : n->blocks) changed |= sweep(sub, reads);
    if (has_side_effects(n)) continue;
    bool used = std::any_of(n->outputs.begin(), n->outputs.end(), [&](const ir::Value* o) {
      auto it = reads.find(o);
      return it != reads.end() && it->second > 0;
    });
    if (used) continue;
    for (const ir::Value* v : n->inputs) --reads[v];
    dead[i] = true;
    changed = true;
  }
  if (changed) {
    size_t kept = 0;
    for (size_t i = 0; i < b->nodes.size(); ++i)
      if (!dead[i]) b->nodes[kept++] = b->nodes[i];
    b->nodes.resize(kept);
  }
  return changed;
}

void collect_uses_in(ir::Block* b, Uses& uses) {
  for (ir::Node* n : b->nodes) {
    for (const ir::Value* v : n->inputs) uses[v].push_back(n);
    for (ir::Block* sub : n->blocks) collect_uses_in(sub, uses);
  }
  for (const ir::Value* v : b->returns) uses[v].push_back(b->owner);
}


}  // namespace

void eliminate_dead_code(ir::Graph& g) {
  std::unordered_map<const ir::Value*, int> reads;
  count_reads(g.top(), reads);
  while (sweep(g.top(), reads)) {
  }
}

// ---- utilities ----------------------------------------------------------------------------------

Uses collect_uses(ir::Graph& g) {
  Uses uses;
  collect_uses_in(g.top(), uses);
  return uses;
}

void remove_node(ir::Node* n) {
  auto& nodes = n->owner->nodes;
  auto it = std::find(nodes.begin(), nodes.end(), n);
  EMBER_ASSERT(it != nodes.end(), "remove_node: node not in its block");
  nodes.erase(it);
}

const Value* constant_of(const ir::Value* v) {
  if (v && v->producer && v->producer->kind == ir::NodeKind::Constant) return &v->producer->constant;
  return nullptr;
}

std::optional<std::vector<int64_t>> constant_int_list(const ir::Value* v) {
  std::vector<int64_t> out;
  if (const Value* c = constant_of(v)) {
    if (!c->is_list()) return std::nullopt;
    for (const Value& x : c->to_list()->items) {
      if (!x.is_int()) return std::nullopt;
      out.push_back(x.to_int());
    }
    return out;
  }
  if (!v || !v->producer || v->producer->kind != ir::NodeKind::ListConstruct) return std::nullopt;
  for (const ir::Value* in : v->producer->inputs) {
    const Value* c = constant_of(in);
    if (!c || !c->is_int()) return std::nullopt;
    out.push_back(c->to_int());
  }
  return out;
}

}  // namespace ember::opt
