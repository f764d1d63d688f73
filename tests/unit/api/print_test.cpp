// operator<< against PyTorch's str(tensor): tests/fixtures/gen_api.py saves tensors of every
// printing regime (0-dim, int-valued floats, fixed, scientific, non-finite, summarised, wrapped,
// empty, non-default dtypes, complex) with the text PyTorch 1.13 prints for each.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../fixtures.h"
#include "ember/ember.h"

namespace ember {
namespace {

std::vector<std::string> expected_strings(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  std::vector<std::string> out;
  const std::string sep = "\n\x1e\n";
  size_t start = 0;
  for (;;) {
    size_t e = all.find(sep, start);
    if (e == std::string::npos) {
      std::string last = all.substr(start);
      if (!last.empty() && last.back() == '\n') last.pop_back();
      out.push_back(last);
      return out;
    }
    out.push_back(all.substr(start, e - start));
    start = e + sep.size();
  }
}

TEST(TensorPrint, MatchesPyTorchStr) {
  Module m = load(testing::fixture("api/print.pt"));
  std::vector<Tensor> tensors = to_tensor_list(m.forward({}));
  std::vector<std::string> want = expected_strings(testing::fixture("api/print.txt"));
  ASSERT_EQ(tensors.size(), want.size());
  ASSERT_GE(tensors.size(), 30u);
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::ostringstream got;
    got << tensors[i];
    EXPECT_EQ(got.str(), want[i]) << "case " << i;
  }
}

TEST(TensorPrint, UndefinedAndRequiresGrad) {
  EXPECT_EQ(to_string(Tensor()), "[ Tensor (undefined) ]");
  Module m = load(testing::fixture("api/control.pt"));
  for (const auto& [name, p] : m.named_parameters()) {
    EXPECT_NE(to_string(p).find("requires_grad=True"), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace ember
