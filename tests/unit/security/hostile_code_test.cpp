// Hostile code/ in an archive: every case must end in an ember::Error (or run correctly), never a
// crash, an abort, a hang or undefined behaviour. The archives are generated here.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#include "error_text.h"
#include "ember/ember.h"
#include "hostile_files.h"

namespace ember {
namespace {

using testing::class_source;
using testing::module_archive;

std::string load_error(const std::string& path, const LoadOptions& options = {}) {
  try {
    load(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

std::string forward_source(const std::string& params, const std::string& ret, const std::string& body,
                           const std::string& more = "") {
  return class_source("", "  def forward(self: __torch__.M" + params + ") -> " + ret + ":\n" + body + more);
}

TEST(HostileCode, MethodDefinedTwice) {
  std::string code = forward_source(", x: Tensor", "Tensor", "    return x\n",
                                    "  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    return torch.neg(x)\n");
  EXPECT_HAS(load_error(module_archive("dup_method.pt", code)), "method 'forward' of class '__torch__.M' is defined twice");
}

TEST(HostileCode, ClassDefinedTwice) {
  std::string one = forward_source(", x: Tensor", "Tensor", "    return x\n");
  EXPECT_HAS(load_error(module_archive("dup_class.pt", one + one)), "class '__torch__.M' is defined twice");
}

TEST(HostileCode, FunctionDefinedTwice) {
  std::string fn = "def f(x: Tensor) -> Tensor:\n  return x\n";
  std::string code = forward_source(", x: Tensor", "Tensor", "    return __torch__.f(x)\n") + fn + fn;
  EXPECT_HAS(load_error(module_archive("dup_fn.pt", code)), "function '__torch__.f' is defined twice");
}

TEST(HostileCode, ReturnInsideCompoundStatements) {
  const char* bodies[] = {
      "    if bool(torch.gt(torch.sum(x), 0)):\n      return x\n    else:\n      pass\n    return torch.neg(x)\n",
      "    for i in range(3):\n      return x\n    return x\n",
      "    while True:\n      return x\n    return x\n",
  };
  for (const char* body : bodies) {
    std::string msg = load_error(module_archive("ret_in_block.pt", forward_source(", x: Tensor", "Tensor", body)));
    EXPECT_HAS(msg, "a return before the end of a function is not supported");
  }
}

std::string setstate_archive(const std::string& name, const std::string& setstate) {
  using namespace testing;
  // BUILD with a non-dict state (an int): load runs M.__setstate__(state).
  std::string pkl = pk::proto() + pk::global("__torch__", "M") + ")\x81" + pk::integer(7) + "b" + pk::stop();
  std::string code = forward_source(", x: Tensor", "Tensor", "    return x\n", setstate);
  return module_archive(name, code, pkl);
}

TEST(HostileCode, SetstateWithWrongArity) {
  EXPECT_HAS(load_error(setstate_archive("setstate1.pt",
                                         "  def __setstate__(self: __torch__.M) -> None:\n    self.training = False\n    return None\n")),
             "__setstate__ must take (self, state)");
  EXPECT_HAS(load_error(setstate_archive("setstate3.pt",
                                         "  def __setstate__(self: __torch__.M, a: int, b: int) -> None:\n"
                                         "    self.training = False\n    return None\n")),
             "__setstate__ must take (self, state)");
  EXPECT_HAS(load_error(setstate_archive("setstate_type.pt",
                                         "  def __setstate__(self: __torch__.M, a: str) -> None:\n"
                                         "    self.training = False\n    return None\n")),
             "expected argument 'a' of type str but got int");
  // The well-formed one loads and runs.
  Module m = load(setstate_archive("setstate_ok.pt",
                                   "  def __setstate__(self: __torch__.M, a: int) -> None:\n"
                                   "    self.training = False\n    return None\n"));
  EXPECT_FALSE(m.attr("training").to_bool());
}

TEST(HostileCode, RecursionIsRejectedWhenCompiling) {
  std::string self_rec = forward_source(", x: Tensor", "Tensor", "    return (self).forward(x, )\n");
  EXPECT_HAS(load_error(module_archive("rec.pt", self_rec)),
             "recursive call __torch__.M.forward -> __torch__.M.forward");
  std::string mutual = forward_source(", x: Tensor", "Tensor", "    return (self).a(x, )\n",
                                      "  def a(self: __torch__.M, x: Tensor) -> Tensor:\n    return (self).b(x, )\n"
                                      "  def b(self: __torch__.M, x: Tensor) -> Tensor:\n    return (self).a(x, )\n");
  EXPECT_HAS(load_error(module_archive("mutual.pt", mutual)), "__torch__.M.a -> __torch__.M.b -> __torch__.M.a");
  std::string fn = "def f(x: Tensor) -> Tensor:\n  return __torch__.g(x)\ndef g(x: Tensor) -> Tensor:\n  return __torch__.f(x)\n";
  EXPECT_HAS(load_error(module_archive("mutual_fn.pt", forward_source(", x: Tensor", "Tensor", "    return __torch__.f(x)\n") + fn)),
             "TorchScript does not support recursion");
  EXPECT_HAS(load_error(setstate_archive("setstate_rec.pt",
                                         "  def __setstate__(self: __torch__.M, a: int) -> None:\n"
                                         "    _0 = (self).__setstate__(a, )\n    return None\n")),
             "recursive call __torch__.M.__setstate__");
}

TEST(HostileCode, LongCallChainHitsTheCallDepthBound) {
  // forward -> f0 -> f1 -> ... -> f999: no recursion, but deeper than the interpreter allows.
  std::string methods;
  const int n = 1000;
  for (int i = 0; i < n; ++i)
    methods += "  def f" + std::to_string(i) + "(self: __torch__.M, x: Tensor) -> Tensor:\n    return " +
               (i + 1 < n ? "(self).f" + std::to_string(i + 1) + "(x, )\n" : "x\n");
  std::string code = forward_source(", x: Tensor", "Tensor", "    return (self).f0(x, )\n", methods);
  std::string path = module_archive("chain.pt", code);
  Module m = load(path, LoadOptions{{"all"}});
  try {
    m.forward({Value(Tensor::empty({2}, DType::Float32))});
    FAIL() << "ran 1000 nested calls";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "calls nest more than");
  }
  // With the load-time passes on, the chain is inlined or refused; either way no crash.
  try {
    Module o = load(path);
    o.forward({Value(Tensor::empty({2}, DType::Float32))});
  } catch (const Error&) {
  }
}

TEST(HostileCode, LeftDeepChainsAreRefusedByTheParser) {
  std::string neg = "    return x";
  for (int i = 0; i < 10000; ++i) neg += ".neg()";
  EXPECT_HAS(load_error(module_archive("neg_chain.pt", forward_source(", x: Tensor", "Tensor", neg + "\n"))),
             "expression nested too deeply");
  std::string slices = "    return x";
  for (int i = 0; i < 10000; ++i) slices += "[0:]";
  EXPECT_HAS(load_error(module_archive("slice_chain.pt", forward_source(", x: Tensor", "Tensor", slices + "\n"))),
             "expression nested too deeply");
  std::string sum = "    return x";
  for (int i = 0; i < 100000; ++i) sum += " + x";
  EXPECT_HAS(load_error(module_archive("add_chain.pt", forward_source(", x: Tensor", "Tensor", sum + "\n"))),
             "expression nested too deeply");
  // Chains within the bound still compile and run.
  std::string ok = "    return x";
  for (int i = 0; i < 50; ++i) ok += ".neg()";
  Module m = load(module_archive("neg_ok.pt", forward_source(", x: Tensor", "Tensor", ok + "\n")));
  Tensor t = Tensor::empty({1}, DType::Float32);
  *t.data<float>() = 2.0f;
  EXPECT_EQ(m.forward({Value(t)}).to_tensor().at_double(0), 2.0);
}

TEST(HostileCode, LongComparisonChainCompilesInLinearTime) {
  std::string cmp = "    return 0";
  for (int i = 0; i < 100000; ++i) cmp += " < x";
  // Either refused or compiled; the test's time limit catches quadratic work.
  std::string msg = load_error(module_archive("cmp_chain.pt", forward_source(", x: int", "bool", cmp + "\n")));
  EXPECT_TRUE(msg == "<no error>" || msg.find("too") != std::string::npos) << msg;
}

Value run_forward(const std::string& name, const std::string& params, const std::string& ret, const std::string& body,
                  std::vector<Value> args) {
  Module m = load(module_archive(name, forward_source(params, ret, body)));
  return m.forward(std::move(args));
}

TEST(HostileCode, IntegerEdgeCasesAreDefined) {
  const int64_t lo = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(run_forward("gcd.pt", ", a: int, b: int", "int", "    return torch.gcd(a, b)\n", {Value(lo), Value(int64_t{-1})})
                .to_int(),
            1);
  EXPECT_EQ(run_forward("gcd0.pt", ", a: int, b: int", "int", "    return torch.gcd(a, b)\n", {Value(lo), Value(int64_t{0})})
                .to_int(),
            lo);  // |INT64_MIN| wraps, as in PyTorch
  Tensor a = Tensor::empty({3}, DType::Int64), b = Tensor::empty({3}, DType::Int64);
  a.data<int64_t>()[0] = lo;
  a.data<int64_t>()[1] = lo;
  a.data<int64_t>()[2] = std::numeric_limits<int64_t>::max();
  for (int i = 0; i < 3; ++i) b.data<int64_t>()[i] = -1;
  const char* ops[] = {"torch.floor_divide(x, y)", "torch.div(x, y, rounding_mode=\"trunc\")",
                       "torch.div(x, y, rounding_mode=\"floor\")", "torch.remainder(x, y)", "torch.fmod(x, y)",
                       "torch.mul(x, y)", "torch.add(x, x)", "torch.sub(y, x)", "torch.neg(x)"};
  for (const char* op : ops) {
    Value r = run_forward("intdiv.pt", ", x: Tensor, y: Tensor", "Tensor", std::string("    return ") + op + "\n",
                          {Value(a), Value(b)});
    EXPECT_EQ(r.to_tensor().numel(), 3) << op;
  }
  Value q = run_forward("intdiv2.pt", ", x: Tensor, y: Tensor", "Tensor", "    return torch.floor_divide(x, y)\n",
                        {Value(a), Value(b)});
  EXPECT_EQ(q.to_tensor().data<int64_t>()[0], lo);  // wraps, as PyTorch's does
  EXPECT_EQ(run_forward("range_len.pt", ", a: int", "int",
                        "    n = 0\n    for i in range(-9223372036854775808, a, 4611686018427387904):\n      n = torch.add(n, 1)\n"
                        "    return n\n",
                        {Value(std::numeric_limits<int64_t>::max())})
                .to_int(),
            4);
}

TEST(HostileCode, SliceAndDiagonalExtremes) {
  Tensor x = Tensor::empty({5}, DType::Float32);
  Value r = run_forward("slice.pt", ", x: Tensor", "Tensor",
                        "    return torch.slice(x, 0, 0, 9223372036854775807, 9223372036854775807)\n", {Value(x)});
  EXPECT_EQ(r.to_tensor().sizes(), (Shape{1}));
  Value r2 = run_forward("slice2.pt", ", x: Tensor", "Tensor",
                         "    return torch.slice(x, 0, -9223372036854775808, -9223372036854775808, 1)\n", {Value(x)});
  EXPECT_EQ(r2.to_tensor().sizes(), (Shape{0}));
  for (const char* k : {"-9223372036854775808", "9223372036854775807"}) {
    try {
      run_forward("diag.pt", ", x: Tensor", "Tensor", std::string("    return torch.diag(x, ") + k + ")\n", {Value(x)});
      ADD_FAILURE() << "diag with offset " << k << " succeeded";
    } catch (const Error& e) {
      EXPECT_HAS(e.what(), "out of range");
    }
  }
  Tensor m = Tensor::empty({3, 3}, DType::Float32);
  Value d = run_forward("diag2.pt", ", x: Tensor", "Tensor", "    return torch.diag(x, -9223372036854775808)\n", {Value(m)});
  EXPECT_EQ(d.to_tensor().numel(), 0);
}

TEST(HostileCode, MillionObjectChainBuiltInForward) {
  std::string code =
      "class Node(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
      "  next : Optional[__torch__.Node]\n"
      "  def __init__(self: __torch__.Node, next: Optional[__torch__.Node]) -> None:\n"
      "    self.next = next\n    return None\n" +
      forward_source(", x: Tensor, n: int", "Tensor",
                     "    head = __torch__.Node.__new__(__torch__.Node)\n    _0 = (head).__init__(None, )\n"
                     "    for i in range(n):\n      m = __torch__.Node.__new__(__torch__.Node)\n"
                     "      _1 = (m).__init__(head, )\n      head = m\n    return x\n");
  Module m = load(module_archive("chain_objects.pt", code));
  Value r = m.forward({Value(Tensor::empty({1}, DType::Float32)), Value(int64_t{1000000})});
  EXPECT_TRUE(r.is_tensor());
}

TEST(HostileCode, DeadlineStopsEndlessLoops) {
  const char* bodies[] = {
      "    n = 0\n    while True:\n      n = torch.add(n, 1)\n    return x\n",
      "    n = 0\n    for i in range(9223372036854775807):\n      n = torch.add(n, 1)\n    return x\n",
  };
  for (const char* body : bodies) {
    Module m = load(module_archive("endless.pt", forward_source(", x: Tensor", "Tensor", body)));
    const auto t0 = std::chrono::steady_clock::now();
    try {
      Deadline limit(std::chrono::milliseconds(100));
      m.forward({Value(Tensor::empty({1}, DType::Float32))});
      FAIL() << "endless loop returned";
    } catch (const Cancelled& e) {
      EXPECT_HAS(e.what(), "deadline");
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  }
  // Cancelled from another thread through a flag.
  Module m = load(module_archive("endless2.pt", forward_source(", x: Tensor", "Tensor", bodies[0])));
  std::atomic<bool> stop{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
  });
  try {
    Deadline limit(std::chrono::nanoseconds(0), &stop);
    m.forward({Value(Tensor::empty({1}, DType::Float32))});
    ADD_FAILURE() << "endless loop returned";
  } catch (const Cancelled& e) {
    EXPECT_HAS(e.what(), "cancelled");
  }
  canceller.join();
  // Without a deadline the same thread runs normally afterwards.
  Module ok = load(module_archive("finite.pt", forward_source(", x: Tensor", "Tensor", "    return x\n")));
  EXPECT_TRUE(ok.forward({Value(Tensor::empty({1}, DType::Float32))}).is_tensor());
}

}  // namespace
}  // namespace ember
