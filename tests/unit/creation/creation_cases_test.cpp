// Replays tests/fixtures/gen_creation.py's cases (creation, sorting/selection, einsum, index
// family) with the reader in tests/unit/case_file.h. Lists carry their TorchScript element type,
// since aten::tensor infers its dtype from it. Integer results and sort/topk indices must match
// exactly; floating results to 1e-4 relative (1e-2 for 16-bit floats).
#include <gtest/gtest.h>

#include <iostream>

#include "../case_file.h"

using ember::testing::case_file::CaseFile;

TEST(CreationCases, MatchPyTorch) {
  const CaseFile cases = CaseFile::load("creation");
  ASSERT_FALSE(cases.manifest.empty());
  const auto tally = cases.replay({/*typed_lists=*/true, /*echo_chars=*/200});
  EXPECT_GT(tally.total, 200);
  std::cout << tally.total - tally.failed << "/" << tally.total << " creation/sort/index cases match PyTorch\n";
}
