// Archives shaped like the ones people ship, run through ember::load and compared with PyTorch
// 1.13's outputs (tests/fixtures/gen_compat.py): the five public samples of ../shared/wild-samples
// (skipped, saying so, when that folder is absent, as in a user's clone) and the models built
// with PyTorch for each compatibility class. A case with several calls runs them in order on one
// loaded module, so a stateful model's updates must carry over.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../case_file.h"
#include "../fixtures.h"
#include "archive/archive.h"
#include "ember/module.h"

namespace ember {
namespace {

namespace cf = testing::case_file;

// Runs every case line of <fixtures>/<group>/cases.txt; returns how many archives ran.
int run_group(const std::string& group) {
  const std::string dir = testing::fixture(group);
  const std::string blob = cf::read_file(dir + "/data.bin");
  std::ifstream in(dir + "/cases.txt");
  EXPECT_TRUE(in.good()) << "missing " << dir << "/cases.txt";
  std::string line;
  int ran = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    cf::Parser p(line, blob, cf::Format{true, 200});
    std::string tag = p.word(), archive = p.word(), method = p.word();
    if (tag != "model") continue;
    if (!archive.empty() && archive[0] != '/') archive = dir + "/" + archive;
    const int64_t calls = p.integer();
    SCOPED_TRACE(archive + " " + method);
    try {
      const Module m = load(archive);
      for (int64_t c = 0; c < calls; ++c) {
        SCOPED_TRACE("call " + std::to_string(c));
        const int64_t nargs = p.integer();
        std::vector<Value> args;
        for (int64_t i = 0; i < nargs; ++i) args.push_back(p.value());
        EXPECT_EQ(p.word(), "->");
        const Value want = p.value();
        const Value got = m.run_method(method, args);
        const std::string err = cf::compare_values(got, want);
        EXPECT_TRUE(err.empty()) << err;
      }
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  return ran;
}

TEST(WildSamples, MatchTorch) {
  const char* dir = std::getenv("EMBER_FIXTURES");
  const std::filesystem::path absent = std::filesystem::path(dir ? dir : "fixtures") / "compat/wild/absent";
  if (std::filesystem::exists(absent)) {
    std::ifstream f(absent);
    std::string why;
    std::getline(f, why);
    GTEST_SKIP() << "the public sample archives are not here (" << why
                 << "); they live in ../shared/wild-samples beside the repository";
  }
  EXPECT_EQ(run_group("compat/wild"), 6);
  // deeplog_lstm.pt is a PyTorch 2.0-era trace: its traced_inputs.pkl records forward's input.
  std::ifstream cases(testing::fixture("compat/wild/cases.txt"));
  for (std::string word; cases >> word;) {
    if (!word.ends_with("/deeplog_lstm.pt")) continue;
    const auto traced = archive::load_archive(word).traced_inputs;
    ASSERT_EQ(traced.count("forward"), 1u);
    ASSERT_EQ(traced.at("forward").size(), 1u);
    EXPECT_EQ(traced.at("forward")[0].sizes, (std::vector<int64_t>{1, 10, 1}));
    EXPECT_EQ(traced.at("forward")[0].dtype, DType::Float32);
    return;
  }
  ADD_FAILURE() << "deeplog_lstm.pt is not among the wild cases";
}

// Stateful forward, float64, Optional[Tuple] arguments with nested tuple results, List[Tensor]
// in and List[Dict[str, Tensor]] out, and a CUDA-traced archive loaded for the CPU.
TEST(CompatModels, ExporterHabits) { EXPECT_EQ(run_group("compat/habits"), 7); }

// A .ptl holding bytecode.pkl but no code/ fails saying so.
TEST(CompatModels, BytecodeOnlyLiteFileIsAClearError) {
  const std::string path = testing::fixture("compat/habits/bytecode_only.ptl");
  try {
    load(path);
    ADD_FAILURE() << "loaded a file without code/";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bytecode only"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("torch.jit.save"), std::string::npos) << e.what();
  }
}

// optimize_for_mobile output saved as .pt and .ptl (tests/fixtures/gen_mobile.py).
TEST(CompatModels, MobileOptimized) { EXPECT_EQ(run_group("mobile"), 11); }

// PyTorch 2.x ops in hand-written code/ (scaled_dot_product_attention with every argument,
// rms_norm) against their documented formulas, and glu / isclose against PyTorch 1.13
// (tests/fixtures/gen_recent.py).
TEST(CompatModels, RecentOps) { EXPECT_EQ(run_group("recent"), 10); }

// Audio front ends: stft/istft/torch.fft with the complex ops around them, scripted and traced
// by 1.13, and the aten::stft.center form 2.x archives call (tests/fixtures/gen_spectral.py).
TEST(CompatModels, SpectralOps) { EXPECT_EQ(run_group("spectral"), 23); }

}  // namespace
}  // namespace ember
