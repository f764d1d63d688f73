// torchvision_ops.cpp — torchvision's custom detection ops, declared with the schemas
// torchvision 0.14 registers (`torch.ops.torchvision.nms.default._schema`), through the same
// registry a user adds their own ops to.
#include "kernels/cpu/detection.h"
#include "ops/kernel_util.h"

namespace ember::ops {

void register_torchvision_ops(Registry& r) {
  r.add("torchvision::nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
        wrap([](const Tensor& dets, const Tensor& scores, double iou_threshold) {
          return cpu::nms(dets, scores, iou_threshold);
        }));
  r.add("torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width, int sampling_ratio, bool aligned) -> Tensor",
        wrap([](const Tensor& input, const Tensor& rois, double spatial_scale, int64_t pooled_height,
                int64_t pooled_width, int64_t sampling_ratio, bool aligned) {
          return cpu::roi_align(input, rois, spatial_scale, pooled_height, pooled_width,
                                sampling_ratio, aligned);
        }));
}

}  // namespace ember::ops
