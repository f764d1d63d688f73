// Whole scripted models from tests/fixtures/gen_gaps.py through ember::load → forward, compared
// with PyTorch 1.13's outputs: nn.TransformerEncoder with and without src_key_padding_mask (the
// left-aligned masks take PyTorch's nested-tensor fast path, whose padded output is only as long
// as the longest sequence; a mask with gaps takes the masked slow path) and F.interpolate with
// antialias=True (the `.vec` overloads, sizes and scale factors).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "../fixtures.h"
#include "archive/npy.h"
#include "ember/module.h"

namespace ember {
namespace {

using testing::fixture;

std::string compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype()) return "dtype differs";
  if (got.sizes() != want.sizes()) return "shape " + shape_string(got.sizes()) + " != " + shape_string(want.sizes());
  double scale = 1;
  for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::abs(want.at_double(i)));
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double a = got.at_double(i), b = want.at_double(i);
    if (!(std::abs(a - b) <= 1e-4 * scale))
      return "element " + std::to_string(i) + ": got " + std::to_string(a) + ", want " + std::to_string(b);
  }
  return "";
}

TEST(GapsModels, ScriptedModelsMatchTorch) {
  std::ifstream in(fixture("gaps/models.txt"));
  std::string line;
  int ran = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name;
    int nargs = 0;
    ss >> name >> nargs;
    if (name.empty()) continue;
    SCOPED_TRACE(name);
    try {
      const Module m = load(fixture("gaps/models/" + name + ".pt"));
      std::vector<Value> args;
      for (int k = 0; k < nargs; ++k)
        args.emplace_back(archive::load_npy(fixture("gaps/models/" + name + ".in" + std::to_string(k) + ".npy")));
      const Value out = m.forward(args);
      ASSERT_TRUE(out.is_tensor()) << out.tag_name();
      const std::string err = compare(out.to_tensor(), archive::load_npy(fixture("gaps/models/" + name + ".out0.npy")));
      EXPECT_TRUE(err.empty()) << err;
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 9);
}

}  // namespace
}  // namespace ember
