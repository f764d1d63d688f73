// Quantized models from tests/fixtures/gen_quant.py (eager static quantization of torchvision's
// quantizable mobilenet_v2 / shufflenet and FX quantization of a small convnet (traced, scripted
// and frozen: unfrozen files rebuild packed parameters in the modules' __setstate__),
// quantize_dynamic of a Linear stack and of LSTMs / a GRU, quantized Embedding / EmbeddingBag
// (traced, scripted, frozen), the quantized-tensor ops one by one, and float16 dynamic ops checked
// against the float16-weight formula), through ember::load → forward, compared with PyTorch
// 1.13's outputs: integer outputs exactly, float outputs within models.txt's tolerance (a few
// steps of the last quantized tensor's scale for statically quantized models, 1e-4 relative
// otherwise).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "../compare_within.h"
#include "../fixtures.h"
#include "archive/npy.h"
#include "ember/module.h"

namespace ember {
namespace {

using testing::compare_within;
using testing::fixture;

// Outputs depth-first, as gen_quant.py flattens PyTorch's.
void flatten(const Value& v, std::vector<Value>& out) {
  if (v.is_tuple()) {
    for (const auto& x : v.to_tuple()->items) flatten(x, out);
  } else if (v.is_list()) {
    for (const auto& x : v.to_list()->items) flatten(x, out);
  } else {
    out.push_back(v);
  }
}

TEST(QuantModels, MatchTorch) {
  std::ifstream in(fixture("quant/models.txt"));
  std::string line;
  int ran = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name, variant;
    double atol = 0;
    int nouts = 0, nins = 1;
    ss >> name >> variant >> atol >> nouts;
    if (!(ss >> nins)) nins = 1;
    if (name.empty()) continue;
    SCOPED_TRACE(name + "." + variant);
    try {
      const std::string path = fixture("quant/" + name + "." + variant + ".pt");
      const CheckReport report = check(path);
      std::string problems;
      for (const auto& p : report.problems) problems += "\n  " + p;
      EXPECT_TRUE(report.ok()) << problems;
      const Module m = load(path);
      std::vector<Value> inputs;
      for (int i = 0; i < nins; ++i)
        inputs.emplace_back(archive::load_npy(fixture("quant/" + name + ".in" + std::to_string(i) + ".npy")));
      const Value out = m.forward(inputs);
      std::vector<Value> outs;
      flatten(out, outs);
      ASSERT_EQ(static_cast<int>(outs.size()), nouts);
      double worst = 0;
      for (int k = 0; k < nouts; ++k) {
        ASSERT_TRUE(outs[k].is_tensor()) << outs[k].tag_name();
        const std::string err = compare_within(
            outs[k].to_tensor(), archive::load_npy(fixture("quant/" + name + ".out" + std::to_string(k) + ".npy")), atol,
            &worst);
        EXPECT_TRUE(err.empty()) << "output " << k << ": " << err;
      }
      std::cout << name << "." << variant << ": worst error " << worst / atol << " of tolerance\n";
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 38);
}

}  // namespace
}  // namespace ember
