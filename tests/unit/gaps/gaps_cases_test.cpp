// Replays tests/fixtures/gen_gaps.py's cases: antialiased upsampling, the losses, broadcast_tensors,
// where(cond), unique_dim, the out= overloads and the nested-mask query, each one aten overload
// called through the global registry with the arguments PyTorch 1.13 was given, compared with what
// it returned (floats to 1e-4 relative, integers exactly) or checked to raise when it raised.
// The cases are in gen_creation.py's format, read by tests/unit/case_file.h.
#include <gtest/gtest.h>

#include <iostream>

#include "../case_file.h"

using ember::testing::case_file::CaseFile;

TEST(GapsCases, MatchPyTorch) {
  const CaseFile cases = CaseFile::load("gaps");
  ASSERT_FALSE(cases.manifest.empty());
  auto tally = cases.replay({/*typed_lists=*/true, /*echo_chars=*/200});
  auto& per_op = tally.per_op;
  EXPECT_GT(tally.total, 150);
  for (const char* op : {"aten::_upsample_bilinear2d_aa", "aten::_upsample_bicubic2d_aa", "aten::cross_entropy_loss",
                         "aten::nll_loss2d", "aten::binary_cross_entropy_with_logits", "aten::unique_dim",
                         "aten::div", "aten::where"})
    EXPECT_GT(per_op[op], 0) << op;
  std::cout << tally.total - tally.failed << "/" << tally.total << " gaps cases match PyTorch\n";
}
