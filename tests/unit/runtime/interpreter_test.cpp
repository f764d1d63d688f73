// interpreter_test.cpp — hand-built IR lowered and run, without the parser or archive: loops with
// carried values, ifs whose outputs swap values (parallel moves), tuples, and error locations.
#include <gtest/gtest.h>

#include "ir/function.h"
#include "ir/graph.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"
#include "runtime/code.h"

namespace ember {
namespace {

using ir::NodeKind;

struct Ops {
  ops::Registry reg;
  const ops::Operator* add;
  const ops::Operator* lt;
  const ops::Operator* boom;
  Ops() {
    add = &reg.add("test::add(int a, int b) -> int", ops::wrap([](int64_t a, int64_t b) { return a + b; }));
    lt = &reg.add("test::lt(int a, int b) -> bool", ops::wrap([](int64_t a, int64_t b) { return a < b; }));
    boom = &reg.add("test::boom(int a) -> int", ops::wrap([](int64_t) -> int64_t { fail("kernel exploded"); }));
  }
};

SourceLoc loc(int line) {
  SourceLoc l;
  l.file = std::make_shared<const std::string>("code/__torch__/t.py");
  l.line = line;
  return l;
}

TypePtr int_t() { return Type::get(TypeKind::Int); }

std::unique_ptr<Function> make_fn(std::unique_ptr<ir::Graph> g, int n_params) {
  auto fp = std::make_unique<Function>();
  Function& f = *fp;
  f.name = "f";
  f.qualname = "__torch__.f";
  for (int i = 0; i < n_params; ++i) f.params.push_back({"p" + std::to_string(i), int_t(), std::nullopt, false});
  f.return_type = Type::get(TypeKind::Any);
  f.code = std::make_unique<runtime::Code>(runtime::lower(*g));
  f.graph = std::move(g);
  return fp;
}

// sum = 0; for i in range(n): sum = sum + i; return sum
TEST(InterpreterTest, LoopCarriesValues) {
  Ops o;
  auto g = std::make_unique<ir::Graph>();
  ir::Value* n = g->add_param(g->top(), int_t(), "n");
  ir::Value* zero = g->constant(g->top(), Value(int64_t{0}), int_t(), loc(1));
  ir::Value* yes = g->constant(g->top(), Value(true), Type::get(TypeKind::Bool), loc(1));
  ir::Node* lp = g->append(g->top(), NodeKind::Loop, {n, yes, zero}, {int_t()}, loc(2));
  ir::Block* body = g->new_block(lp);
  ir::Value* i = g->add_param(body, int_t(), "i");
  ir::Value* acc = g->add_param(body, int_t(), "sum");
  ir::Node* a = g->append(body, NodeKind::Call, {acc, i}, {int_t()}, loc(3));
  a->op = o.add;
  body->returns = {yes, a->outputs[0]};
  g->top()->returns = {lp->outputs[0]};
  auto f = make_fn(std::move(g), 1);
  EXPECT_EQ(f->run({Value(int64_t{5})}).to_int(), 10);
  EXPECT_EQ(f->run({Value(int64_t{0})}).to_int(), 0);
}

// a, b = (x, y); while a < b-ish: swap a and b in a loop twice (the body returns (b, a)): a parallel
// move must not clobber one with the other.
TEST(InterpreterTest, LoopSwapUsesParallelMoves) {
  Ops o;
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->add_param(g->top(), int_t(), "x");
  ir::Value* y = g->add_param(g->top(), int_t(), "y");
  ir::Value* three = g->constant(g->top(), Value(int64_t{3}), int_t(), loc(1));
  ir::Value* yes = g->constant(g->top(), Value(true), Type::get(TypeKind::Bool), loc(1));
  ir::Node* lp = g->append(g->top(), NodeKind::Loop, {three, yes, x, y}, {int_t(), int_t()}, loc(2));
  ir::Block* body = g->new_block(lp);
  g->add_param(body, int_t(), "i");
  ir::Value* a = g->add_param(body, int_t(), "a");
  ir::Value* b = g->add_param(body, int_t(), "b");
  body->returns = {yes, b, a};
  TypePtr tt = Type::tuple({int_t(), int_t()});
  ir::Node* tup = g->append(g->top(), NodeKind::TupleConstruct, {lp->outputs[0], lp->outputs[1]}, {tt}, loc(3));
  tup->type = tt;
  g->top()->returns = {tup->outputs[0]};
  auto f = make_fn(std::move(g), 2);
  Value r = f->run({Value(int64_t{1}), Value(int64_t{2})});
  // Three swaps: (2, 1).
  EXPECT_EQ(r.to_tuple()->items[0].to_int(), 2);
  EXPECT_EQ(r.to_tuple()->items[1].to_int(), 1);
}

// if x < y: (r, s) = (y, x) else: (r, s) = (x, y)  -> max first
TEST(InterpreterTest, IfOutputs) {
  Ops o;
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->add_param(g->top(), int_t(), "x");
  ir::Value* y = g->add_param(g->top(), int_t(), "y");
  ir::Node* c = g->append(g->top(), NodeKind::Call, {x, y}, {Type::get(TypeKind::Bool)}, loc(1));
  c->op = o.lt;
  ir::Node* n = g->append(g->top(), NodeKind::If, {c->outputs[0]}, {}, loc(2));
  ir::Block* t = g->new_block(n);
  ir::Block* e = g->new_block(n);
  t->returns = {y, x};
  e->returns = {x, y};
  g->add_output(n, int_t());
  g->add_output(n, int_t());
  TypePtr tt = Type::tuple({int_t(), int_t()});
  ir::Node* tup = g->append(g->top(), NodeKind::TupleConstruct, n->outputs, {tt}, loc(3));
  tup->type = tt;
  g->top()->returns = {tup->outputs[0]};
  auto f = make_fn(std::move(g), 2);
  Value r = f->run({Value(int64_t{1}), Value(int64_t{9})});
  EXPECT_EQ(r.to_tuple()->items[0].to_int(), 9);
  r = f->run({Value(int64_t{9}), Value(int64_t{1})});
  EXPECT_EQ(r.to_tuple()->items[0].to_int(), 9);
  EXPECT_EQ(r.to_tuple()->items[1].to_int(), 1);
}

TEST(InterpreterTest, KernelErrorsNameTheSourceLineOnce) {
  Ops o;
  auto g = std::make_unique<ir::Graph>();
  ir::Value* x = g->add_param(g->top(), int_t(), "x");
  ir::Node* b = g->append(g->top(), NodeKind::Call, {x}, {int_t()}, loc(42));
  b->op = o.boom;
  g->top()->returns = {b->outputs[0]};
  auto f = make_fn(std::move(g), 1);
  try {
    f->run({Value(int64_t{1})});
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("kernel exploded"), std::string::npos) << msg;
    EXPECT_NE(msg.find("code/__torch__/t.py:42"), std::string::npos) << msg;
    EXPECT_NE(msg.find("__torch__.f"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace ember
