// torchvision::nms and torchvision::roi_align (ops/torchvision_ops.cpp → kernels/cpu/detection.h)
// against torchvision 0.14: overlapping, duplicated and tied boxes; roi_align aligned both ways,
// sampling_ratio 0 (adaptive) and 2, boxes partly outside the feature map, float64.
#include <gtest/gtest.h>

#include "seq_cases.h"

namespace ember::ops {

void register_torchvision_ops(Registry& r);

namespace {

using testing::seq::Case;
using testing::seq::expect_close;
using testing::seq::load_cases;

class SeqDetection : public ::testing::Test {
 protected:
  void SetUp() override { register_torchvision_ops(r); }
  Registry r;
};

TEST_F(SeqDetection, NmsMatchesTorchvision) {
  int ran = 0;
  for (const Case& c : load_cases("nms")) {
    SCOPED_TRACE(c.name);
    try {
      // Resolved like a call site in printed code: ops.torchvision.nms(boxes, scores, 0.5).
      std::vector<Value> out =
          r.call("torchvision::nms", {c.tensor("boxes"), c.tensor("scores"), Value(c.f("iou"))});
      ASSERT_EQ(out.size(), 1u);
      expect_close(out[0].to_tensor(), c.tensor("out"), "kept indices");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 6);
  const Case c = load_cases("nms")[0];
  EXPECT_THROW(r.call("torchvision::nms", {c.tensor("scores"), c.tensor("scores"), Value(0.5)}), Error);
  EXPECT_THROW(r.call("torchvision::nms", {c.tensor("boxes"), c.tensor("scores").to(DType::Float64),
                                           Value(0.5)}),
               Error);
}

TEST_F(SeqDetection, RoiAlignMatchesTorchvision) {
  int ran = 0;
  for (const Case& c : load_cases("roi_align")) {
    SCOPED_TRACE(c.name);
    try {
      std::vector<Value> out = r.call(
          "torchvision::roi_align",
          {c.tensor("input"), c.tensor("rois"), Value(c.f("scale")), Value(c.i("pooled_h")),
           Value(c.i("pooled_w")), Value(c.i("sampling_ratio")), Value(c.b("aligned"))});
      ASSERT_EQ(out.size(), 1u);
      expect_close(out[0].to_tensor(), c.tensor("out"), "output");
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 6);
  const Case c = load_cases("roi_align")[0];
  Tensor bad_rois = c.tensor("rois").clone();
  bad_rois.data<float>()[0] = 7;  // batch index beyond the input's 2 images
  EXPECT_THROW(r.call("torchvision::roi_align", {c.tensor("input"), bad_rois, Value(1.0),
                                                 Value(int64_t{2}), Value(int64_t{2}),
                                                 Value(int64_t{0}), Value(false)}),
               Error);
}

}  // namespace
}  // namespace ember::ops
