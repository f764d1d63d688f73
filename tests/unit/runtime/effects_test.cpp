// effects_test.cpp — runtime::runs_without_side_effects, the judgement load makes before a warm-up
// run on example inputs (LoadOptions::input_shapes): it must say no for every way a run can
// change what the caller sees later (attribute writes, in-place writes into the model's tensors or
// views of them, random draws, printing, calls it cannot see into), and yes for pure code.
#include <gtest/gtest.h>

#include "archive/archive.h"
#include "ir/function.h"
#include "runtime/code.h"
#include "script/compiler.h"
#include "security/hostile_files.h"

namespace ember {
namespace {

// Compiles a one-class module whose forward has `body` and judges its lowered code.
bool pure(const std::string& body, const std::string& attrs = "  w : Tensor\n  n : int\n") {
  const std::string code = testing::class_source(
      attrs, "  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n" + body);
  archive::ArchiveContents a = archive::load_archive(testing::module_archive("effects.pt", code));
  script::CodeInput in;
  in.code = a.code;
  in.classes = a.classes;
  in.constants = a.constants;
  in.format_version = a.format_version;
  auto cu = script::compile_code(in);
  EXPECT_TRUE(cu->problems.empty()) << body;
  Function* fwd = cu->classes.at("__torch__.M")->find_method("forward");
  runtime::lower_into(*fwd);
  return runtime::runs_without_side_effects(static_cast<const runtime::Code&>(*fwd->code));
}

TEST(SideEffects, PureCodeIsPure) {
  EXPECT_TRUE(pure("    return torch.relu(torch.add(x, self.w))\n"));
  // In-place writes into values the run made, or into its own inputs (the warm-up's zeros).
  EXPECT_TRUE(pure("    y = torch.relu(x)\n    y0 = torch.add_(y, self.w)\n    return torch.relu_(x)\n"));
  EXPECT_TRUE(pure("    return torch.dropout(x, 0.5, False)\n"));
  EXPECT_TRUE(pure("    y = x\n    for i in range(3):\n      y = torch.add(y, self.w)\n    return y\n"));
}

TEST(SideEffects, StateChangesAreSeen) {
  EXPECT_FALSE(pure("    self.n = torch.add(self.n, 1)\n    return x\n"));
  EXPECT_FALSE(pure("    w = torch.add_(self.w, x)\n    return x\n"));
  // Through a view of an attribute, and through a name carried around a loop.
  EXPECT_FALSE(pure("    v = torch.select(self.w, 0, 0)\n    v0 = torch.copy_(v, x)\n    return x\n"));
  EXPECT_FALSE(pure("    y = x\n    for i in range(3):\n      y1 = torch.mul_(y, 2)\n      y = self.w\n    return x\n"));
}

TEST(SideEffects, RandomDrawsAndPrintingAreSeen) {
  EXPECT_FALSE(pure("    return torch.add(x, torch.rand_like(x))\n"));
  EXPECT_FALSE(pure("    return torch.dropout(x, 0.5, True)\n"));
  EXPECT_FALSE(pure("    print(x)\n    return x\n"));
}

}  // namespace
}  // namespace ember
