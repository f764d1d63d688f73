// graph.cpp — building and printing the IR.
#include "ir/graph.h"

#include <sstream>

#include "ops/registry.h"
#include "core/check.h"

namespace ember::ir {

const char* node_kind_name(NodeKind k) {
  switch (k) {
#define EMBER_NODE_KIND_NAME(name) \
  case NodeKind::name: return #name;
    EMBER_FORALL_NODE_KINDS(EMBER_NODE_KIND_NAME)
#undef EMBER_NODE_KIND_NAME
  }
  return "?";
}

Graph::Graph() { top_ = new_block(nullptr); }

Block* Graph::new_block(Node* owner) {
  blocks_.push_back(std::make_unique<Block>());
  Block* b = blocks_.back().get();
  b->owner = owner;
  if (owner) owner->blocks.push_back(b);
  return b;
}

Value* Graph::add_param(Block* b, TypePtr type, std::string debug_name) {
  values_.push_back(std::make_unique<Value>());
  Value* v = values_.back().get();
  v->type = std::move(type);
  v->param_of = b;
  v->id = static_cast<uint32_t>(values_.size() - 1);
  v->debug_name = std::move(debug_name);
  b->params.push_back(v);
  return v;
}

Node* Graph::append(Block* b, NodeKind kind, std::vector<Value*> inputs, std::vector<TypePtr> out_types,
                    const SourceLoc& loc) {
  nodes_.push_back(std::make_unique<Node>());
  Node* n = nodes_.back().get();
  n->kind = kind;
  n->inputs = std::move(inputs);
  n->owner = b;
  n->loc = loc;
  for (auto& t : out_types) {
    EMBER_ASSERT(t, "node output without a type");
    values_.push_back(std::make_unique<Value>());
    Value* v = values_.back().get();
    v->type = std::move(t);
    v->producer = n;
    v->id = static_cast<uint32_t>(values_.size() - 1);
    n->outputs.push_back(v);
  }
  b->nodes.push_back(n);
  return n;
}

Value* Graph::add_output(Node* n, TypePtr type) {
  EMBER_ASSERT(type, "node output without a type");
  values_.push_back(std::make_unique<Value>());
  Value* v = values_.back().get();
  v->type = std::move(type);
  v->producer = n;
  v->id = static_cast<uint32_t>(values_.size() - 1);
  n->outputs.push_back(v);
  return v;
}

Value* Graph::constant(Block* b, ember::Value v, TypePtr type, const SourceLoc& loc) {
  Node* n = append(b, NodeKind::Constant, {}, {std::move(type)}, loc);
  n->constant = std::move(v);
  return n->outputs[0];
}

namespace {
void print_values(std::ostream& out, const std::vector<Value*>& vs) {
  for (size_t i = 0; i < vs.size(); ++i) out << (i ? ", " : "") << "%" << vs[i]->id;
}

void print_block(std::ostream& out, const Block* b, int indent) {
  std::string pad(static_cast<size_t>(indent) * 2, ' ');
  for (const Node* n : b->nodes) {
    out << pad;
    for (size_t i = 0; i < n->outputs.size(); ++i)
      out << (i ? ", " : "") << "%" << n->outputs[i]->id << " : " << n->outputs[i]->type->str();
    if (!n->outputs.empty()) out << " = ";
    out << node_kind_name(n->kind);
    switch (n->kind) {
      case NodeKind::Constant: out << "[" << n->constant.repr() << "]"; break;
      case NodeKind::Call: out << "[" << n->op->schema.qualified_name()
                               << (n->op->schema.overload.empty() ? "" : "." + n->op->schema.overload) << "]"; break;
      case NodeKind::GetAttr:
      case NodeKind::SetAttr:
      case NodeKind::CallInterface: out << "[" << n->name << "]"; break;
      case NodeKind::TupleIndex: out << "[" << n->index << "]"; break;
      case NodeKind::Cast:
      case NodeKind::CreateObject:
      case NodeKind::Uninitialized: out << "[" << n->type->str() << "]"; break;
      default: break;
    }
    out << "(";
    print_values(out, n->inputs);
    out << ")\n";
    for (const Block* sub : n->blocks) {
      out << pad << " block(";
      print_values(out, sub->params);
      out << "):\n";
      print_block(out, sub, indent + 2);
      out << pad << "   -> (";
      print_values(out, sub->returns);
      out << ")\n";
    }
  }
}
}  // namespace

std::string Graph::str() const {
  std::ostringstream out;
  out << "graph(";
  print_values(out, top_->params);
  out << "):\n";
  print_block(out, top_, 1);
  out << "  return (";
  print_values(out, top_->returns);
  out << ")\n";
  return out.str();
}

}  // namespace ember::ir
