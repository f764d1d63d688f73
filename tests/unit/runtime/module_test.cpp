// module_test.cpp — the Module API (parameters, buffers, methods, attributes) and load-time
// problem reporting, against archives from tests/fixtures/gen_lang.py.
#include <gtest/gtest.h>

#include <fstream>

#include "../fixtures.h"
#include "ember/ember.h"

namespace ember {
namespace {

// PyTorch's named_parameters()/named_buffers() of the scripted Params module, as gen_lang.py
// recorded them: own tensors first, then each submodule's, a tensor shared under two names once.
TEST(ModuleTest, NamedParametersAndBuffersInPyTorchOrder) {
  Module m = load(ember::testing::fixture("lang/params.pt"));
  std::vector<std::string> want_params, want_buffers;
  std::ifstream in(ember::testing::fixture("lang/params.names"));
  std::string kind, name;
  while (in >> kind >> name) (kind == "param" ? want_params : want_buffers).push_back(name);
  ASSERT_EQ(want_params.size(), 5u);
  std::vector<std::string> got;
  for (const auto& [n, t] : m.named_parameters()) got.push_back(n);
  EXPECT_EQ(got, want_params);
  got.clear();
  for (const auto& [n, t] : m.named_buffers()) got.push_back(n);
  EXPECT_EQ(got, want_buffers);
}

TEST(ModuleTest, MethodsAttributesAndRoot) {
  Module m = load(ember::testing::fixture("lang/threshold.pt"));
  EXPECT_EQ(m.type_name(), "__torch__.gen_lang.Threshold");
  EXPECT_TRUE(m.has_method("forward"));
  EXPECT_FALSE(m.has_method("backward"));
  auto methods = m.methods();
  ASSERT_EQ(methods.size(), 1u);
  EXPECT_EQ(methods[0].signature, "forward(self, x: Tensor) -> Tuple[Tensor, bool]");
  EXPECT_EQ(m.attr("threshold").to_double(), 0.25);
  EXPECT_EQ(m.attr("count").to_int(), 3);
  EXPECT_TRUE(m.root().is_object());
  EXPECT_THROW(m.attr("nope"), Error);
  EXPECT_THROW(m.run_method("nope", {}), Error);
}

// unsupported.pt is IntOnly with three call sites edited: an unknown aten op (line 8), an op in an
// unknown namespace (line 9) and a known op with no matching overload (line 10). Loading fails
// once and names all three.
TEST(ModuleTest, LoadFailsListingEveryProblem) {
  std::string path = ember::testing::fixture("lang/unsupported.pt");
  try {
    load(path);
    FAIL() << "load succeeded";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("3 problems"), std::string::npos) << msg;
    EXPECT_NE(msg.find("aten::frobnicate at code/__torch__/gen_lang.py:8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("acme::twiddle at code/__torch__/gen_lang.py:9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no matching overload for aten::sub(int, int, int, int)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("code/__torch__/gen_lang.py:10"), std::string::npos) << msg;
  }
  CheckReport r = check(path);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.problems.size(), 3u);
}

TEST(ModuleTest, CheckListsOpsUsed) {
  CheckReport r = check(ember::testing::fixture("lang/int_math.pt"));
  EXPECT_TRUE(r.ok());
  auto has = [&](const std::string& op) {
    return std::find(r.ops_used.begin(), r.ops_used.end(), op) != r.ops_used.end();
  };
  EXPECT_TRUE(has("aten::floordiv.int"));
  EXPECT_TRUE(has("aten::remainder.int"));
  EXPECT_TRUE(std::is_sorted(r.ops_used.begin(), r.ops_used.end()));
}

}  // namespace
}  // namespace ember
