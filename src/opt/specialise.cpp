// specialise.cpp — copies a method's graph for one known `self`, inlining calls, freezing
// attributes and folding what the constants decide, in a single walk.
//
// Copying rather than editing in place keeps the original functions intact (they still serve
// every other object of the class and the unoptimised path), and lets one walk do all three
// passes: once `self` is a constant, a GetAttr on it is a constant, an inlined submodule's
// `self` is that constant, its `if self.training:` folds, and so on down the module tree.
#include <optional>
#include <unordered_map>

#include "ir/function.h"
#include "ops/registry.h"
#include "opt/passes.h"
#include "script/compiler.h"
#include "values/value_match.h"
#include "core/check.h"

namespace ember::opt {

namespace {

void collect_assigned(const ir::Block* b, AssignedAttrs& out) {
  for (const ir::Node* n : b->nodes) {
    if (n->kind == ir::NodeKind::SetAttr) {
      const TypePtr& t = n->inputs[0]->type;
      out.emplace(t && t->cls ? t->cls.get() : nullptr, n->index);
    }
    for (const ir::Block* sub : n->blocks) collect_assigned(sub, out);
  }
}

// Values whose contents can never change: folding an op over them is safe at load.
bool immutable_scalar(const Value& v) {
  return v.is_none() || v.is_int() || v.is_double() || v.is_bool() || v.is_string() || v.is_device();
}

bool foldable_op(const ops::Operator& op) {
  const ops::FunctionSchema& s = op.schema;
  if (s.is_vararg || s.is_varret || s.returns.empty()) return false;
  for (const auto& a : s.arguments)
    if (a.alias.find('!') != std::string::npos) return false;
  return true;
}

// True when `v` cannot hold None: its type, seen through Optional casts, has no None in it.
bool never_none(const ir::Value* v) {
  while (v->producer && v->producer->kind == ir::NodeKind::Cast) v = v->producer->inputs[0];
  switch (v->type->kind) {
    case TypeKind::None:
    case TypeKind::Optional:
    case TypeKind::Union:
    case TypeKind::Any:
    case TypeKind::Var: return false;
    default: return true;
  }
}

constexpr int kMaxInlineDepth = 64;

class Specialiser {
 public:
  Specialiser(const AssignedAttrs& assigned, const PassSet& passes, ir::Graph& g)
      : assigned_(assigned),
        inline_(passes.on("inline")),
        freeze_(passes.on("freeze")),
        fold_(passes.on("fold-constants")),
        g_(g) {}

  void run(const Function& method, const Value& self) {
    const ir::Graph& src = *method.graph;
    Scope scope;
    for (size_t i = 0; i < src.top()->params.size(); ++i) {
      const ir::Value* p = src.top()->params[i];
      ir::Value* np = g_.add_param(g_.top(), p->type, p->debug_name);
      // `self` is known: reads through it see the constant object (the parameter stays, unused,
      // so the calling convention is unchanged).
      scope[p] = (i == 0 && freeze_) ? g_.constant(g_.top(), self, p->type, {}) : np;
    }
    stack_.push_back(&method);
    copy_block(src.top(), g_.top(), scope);
    stack_.pop_back();
    for (const ir::Value* r : src.top()->returns) g_.top()->returns.push_back(look(scope, r));
  }

 private:
  using Scope = std::unordered_map<const ir::Value*, ir::Value*>;

  static ir::Value* look(const Scope& s, const ir::Value* v) {
    auto it = s.find(v);
    EMBER_ASSERT(it != s.end(), "specialise: value %", v->id, " (", v->debug_name, ", made by ",
                 v->producer ? ir::node_kind_name(v->producer->kind) : "a block parameter", ") used before it is defined");
    return it->second;
  }
  std::vector<ir::Value*> look_all(const Scope& s, const std::vector<ir::Value*>& vs) {
    std::vector<ir::Value*> out;
    out.reserve(vs.size());
    for (const ir::Value* v : vs) out.push_back(look(s, v));
    return out;
  }

  void copy_block(const ir::Block* from, ir::Block* to, Scope& s) {
    for (const ir::Node* n : from->nodes) copy_node(n, to, s);
  }

  ir::Value* constant(ir::Block* b, Value v, TypePtr t, const SourceLoc& loc) {
    return g_.constant(b, std::move(v), std::move(t), loc);
  }

  void copy_node(const ir::Node* n, ir::Block* b, Scope& s) {
    switch (n->kind) {
      case ir::NodeKind::GetAttr:
        if (freeze_ && try_freeze(n, b, s)) return;
        break;
      case ir::NodeKind::If:
        if (fold_) {
          const Value* c = constant_of(look(s, n->inputs[0]));
          // A taken branch that always raises is kept with its sibling: the compiler lets names
          // the other branch assigns flow past such an If directly, so code after it (dead, but
          // still compiled) may read them.
          const ir::Block* taken = c && c->is_bool() ? n->blocks[c->to_bool() ? 0 : 1] : nullptr;
          if (taken && !taken->terminates) {
            copy_block(taken, b, s);
            for (size_t i = 0; i < n->outputs.size(); ++i) s[n->outputs[i]] = look(s, taken->returns[i]);
            return;
          }
        }
        copy_if(n, b, s);
        return;
      case ir::NodeKind::Loop: copy_loop(n, b, s); return;
      case ir::NodeKind::CallMethod:
      case ir::NodeKind::CallFunction:
        if (inline_ && try_inline(n, b, s)) return;
        break;
      case ir::NodeKind::IsNone:
        if (fold_) {
          const ir::Value* v = look(s, n->inputs[0]);
          std::optional<bool> none;
          if (const Value* c = constant_of(v)) none = c->is_none();
          else if (never_none(v)) none = false;
          if (none) {
            s[n->outputs[0]] = constant(b, Value(*none != (n->index != 0)), n->outputs[0]->type, n->loc);
            return;
          }
        }
        break;
      case ir::NodeKind::IsInstance:
        if (fold_) {
          if (const Value* c = constant_of(look(s, n->inputs[0]))) {
            bool yes = false;
            for (const auto& t : n->types) yes = yes || value_matches(*c, *t);
            s[n->outputs[0]] = constant(b, Value(yes), n->outputs[0]->type, n->loc);
            return;
          }
        }
        break;
      case ir::NodeKind::Cast:
        if (fold_) {
          if (const Value* c = constant_of(look(s, n->inputs[0]))) {
            s[n->outputs[0]] = constant(b, *c, n->outputs[0]->type, n->loc);
            return;
          }
        }
        break;
      case ir::NodeKind::TupleIndex:
        if (fold_) {
          const Value* c = constant_of(look(s, n->inputs[0]));
          if (c && c->is_tuple() && n->index >= 0 && static_cast<size_t>(n->index) < c->to_tuple()->items.size()) {
            s[n->outputs[0]] = constant(b, c->to_tuple()->items[static_cast<size_t>(n->index)], n->outputs[0]->type, n->loc);
            return;
          }
        }
        break;
      case ir::NodeKind::TupleUnpack:
        if (fold_) {
          const Value* c = constant_of(look(s, n->inputs[0]));
          if (c && c->is_tuple() && c->to_tuple()->items.size() == n->outputs.size()) {
            for (size_t i = 0; i < n->outputs.size(); ++i)
              s[n->outputs[i]] = constant(b, c->to_tuple()->items[i], n->outputs[i]->type, n->loc);
            return;
          }
        }
        break;
      case ir::NodeKind::Call:
        if (fold_ && try_fold_call(n, b, s)) return;
        break;
      default: break;
    }
    copy_plain(n, b, s);
  }

  ir::Node* copy_plain(const ir::Node* n, ir::Block* b, Scope& s) {
    std::vector<TypePtr> types;
    for (const ir::Value* o : n->outputs) types.push_back(o->type);
    ir::Node* c = g_.append(b, n->kind, look_all(s, n->inputs), types, n->loc);
    c->constant = n->constant;
    c->op = n->op;
    c->fn = n->fn;
    c->type = n->type;
    c->types = n->types;
    c->index = n->index;
    c->ints = n->ints;
    c->name = n->name;
    c->dispatch = n->dispatch;
    for (size_t i = 0; i < n->outputs.size(); ++i) {
      c->outputs[i]->debug_name = n->outputs[i]->debug_name;
      s[n->outputs[i]] = c->outputs[i];
    }
    return c;
  }

  bool try_freeze(const ir::Node* n, ir::Block* b, Scope& s) {
    const Value* obj = constant_of(look(s, n->inputs[0]));
    if (!obj || !obj->is_object()) return false;
    const auto& o = obj->to_object();
    if (n->index < 0 || static_cast<size_t>(n->index) >= o->slots.size()) return false;
    if (assigned_.count({o->type.get(), n->index})) return false;
    // A class whose static type differs from the object's (it cannot for modules, but be safe)
    // may number its slots differently.
    const TypePtr& st = n->inputs[0]->type;
    if (st && st->cls && st->cls.get() != o->type.get()) return false;
    s[n->outputs[0]] = constant(b, o->slots[static_cast<size_t>(n->index)], n->outputs[0]->type, n->loc);
    return true;
  }

  void copy_if(const ir::Node* n, ir::Block* b, Scope& s) {
    std::vector<TypePtr> types;
    ir::Node* c = g_.append(b, ir::NodeKind::If, {look(s, n->inputs[0])}, {}, n->loc);
    for (int k = 0; k < 2; ++k) {
      ir::Block* nb = g_.new_block(c);
      copy_block(n->blocks[static_cast<size_t>(k)], nb, s);
      nb->terminates = n->blocks[static_cast<size_t>(k)]->terminates;
      for (const ir::Value* r : n->blocks[static_cast<size_t>(k)]->returns) nb->returns.push_back(look(s, r));
    }
    for (const ir::Value* o : n->outputs) {
      ir::Value* no = g_.add_output(c, o->type);
      no->debug_name = o->debug_name;
      s[o] = no;
    }
  }

  void copy_loop(const ir::Node* n, ir::Block* b, Scope& s) {
    ir::Node* c = g_.append(b, ir::NodeKind::Loop, look_all(s, n->inputs), {}, n->loc);
    const ir::Block* body = n->blocks[0];
    ir::Block* nb = g_.new_block(c);
    for (const ir::Value* p : body->params) s[p] = g_.add_param(nb, p->type, p->debug_name);
    copy_block(body, nb, s);
    nb->terminates = body->terminates;
    for (const ir::Value* r : body->returns) nb->returns.push_back(look(s, r));
    for (const ir::Value* o : n->outputs) {
      ir::Value* no = g_.add_output(c, o->type);
      no->debug_name = o->debug_name;
      s[o] = no;
    }
  }

  bool try_inline(const ir::Node* n, ir::Block* b, Scope& s) {
    const Function* fn = n->fn;
    if (!fn || !fn->graph || stack_.size() >= kMaxInlineDepth) return false;
    for (const Function* f : stack_)
      if (f == fn) return false;  // recursion stays a call
    const ir::Graph& callee = *fn->graph;
    if (callee.top()->params.size() != n->inputs.size() || callee.top()->returns.size() != 1) return false;
    Scope inner;
    for (size_t i = 0; i < n->inputs.size(); ++i) inner[callee.top()->params[i]] = look(s, n->inputs[i]);
    stack_.push_back(fn);
    copy_block(callee.top(), b, inner);
    stack_.pop_back();
    s[n->outputs[0]] = look(inner, callee.top()->returns[0]);
    return true;
  }

  bool try_fold_call(const ir::Node* n, ir::Block* b, Scope& s) {
    if (!n->op || !foldable_op(*n->op)) return false;
    ops::Stack stack;
    for (const ir::Value* in : n->inputs) {
      const Value* c = constant_of(look(s, in));
      if (!c || !immutable_scalar(*c)) return false;
      stack.push_back(*c);
    }
    try {
      n->op->kernel(stack);
    } catch (const Error&) {
      return false;  // left for run time, where it raises with its location
    }
    if (stack.size() != n->outputs.size()) return false;
    for (const Value& v : stack)
      if (!immutable_scalar(v)) return false;
    for (size_t i = 0; i < n->outputs.size(); ++i) s[n->outputs[i]] = constant(b, stack[i], n->outputs[i]->type, n->loc);
    return true;
  }

  const AssignedAttrs& assigned_;
  bool inline_, freeze_, fold_;
  ir::Graph& g_;
  std::vector<const Function*> stack_;
};

}  // namespace

AssignedAttrs assigned_attributes(const script::CompilationUnit& cu) {
  AssignedAttrs out;
  for (const Function* f : cu.all_functions())
    if (f->graph) collect_assigned(f->graph->top(), out);
  return out;
}

void specialise_graph(const Function& method, const Value& self, const AssignedAttrs& assigned,
                      const PassSet& passes, ir::Graph& out) {
  EMBER_ASSERT(method.graph, "specialise: ", method.qualname, " has no graph");
  Specialiser(assigned, passes, out).run(method, self);
}

}  // namespace ember::opt
