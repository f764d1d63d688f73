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

// Runs every model listed in <folder>/models.txt; returns how many ran.
int run_models(const std::string& folder) {
  std::ifstream in(fixture(folder + "/models.txt"));
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
      const std::string path = fixture(folder + "/" + name + "." + variant + ".pt");
      const CheckReport report = check(path);
      std::string problems;
      for (const auto& p : report.problems) problems += "\n  " + p;
      EXPECT_TRUE(report.ok()) << problems;
      const Module m = load(path);
      std::vector<Value> inputs;
      for (int i = 0; i < nins; ++i)
        inputs.emplace_back(archive::load_npy(fixture(folder + "/" + name + ".in" + std::to_string(i) + ".npy")));
      const Value out = m.forward(inputs);
      std::vector<Value> outs;
      flatten(out, outs);
      EXPECT_EQ(static_cast<int>(outs.size()), nouts);
      if (static_cast<int>(outs.size()) != nouts) continue;
      double worst = 0;
      for (int k = 0; k < nouts; ++k) {
        if (!outs[k].is_tensor()) {
          ADD_FAILURE() << "output " << k << " is a " << outs[k].tag_name();
          continue;
        }
        const std::string err = compare_within(
            outs[k].to_tensor(), archive::load_npy(fixture(folder + "/" + name + ".out" + std::to_string(k) + ".npy")), atol,
            &worst);
        EXPECT_TRUE(err.empty()) << "output " << k << ": " << err;
      }
      std::cout << name << "." << variant << ": worst error " << worst / atol << " of tolerance\n";
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  return ran;
}

TEST(QuantModels, MatchTorch) { EXPECT_GE(run_models("quant"), 38); }

// tests/fixtures/gen_quant2.py: QAT models saved before convert, the fake-quantize ops, the
// normalisation / activation / pooling / packing ops one by one, 2.x fused ops in hand-written
// code, a chain of the eager quantized modules that call them, and resnet18 under the onednn and
// x86 qconfigs.
TEST(QuantModels, MoreMatchTorch) { EXPECT_GE(run_models("quant2"), 17); }

}  // namespace
}  // namespace ember
