// Replays tests/fixtures/gen_kernels.py's cases with the reader in tests/unit/case_file.h: each
// line names an aten overload, its arguments (tensors point into data.bin with their original
// strides and offsets, so strided and broadcast inputs replay exactly) and what PyTorch 1.13
// returned or that it raised. Lists in this file are untyped (`L <n> items...`).
#include <gtest/gtest.h>

#include <iostream>

#include "../case_file.h"

using ember::testing::case_file::CaseFile;

TEST(KernelCases, MatchPyTorch) {
  const CaseFile cases = CaseFile::load("kernels");
  ASSERT_FALSE(cases.manifest.empty());
  const auto tally = cases.replay({/*typed_lists=*/false, /*echo_chars=*/160});
  EXPECT_GT(tally.total, 1000);
  std::cout << tally.total - tally.failed << "/" << tally.total << " kernel cases match PyTorch\n";
}
