// detection.h — the torchvision detection ops models call through `torch.ops.torchvision`:
// non-maximum suppression and RoIAlign, with the semantics of torchvision 0.14's CPU kernels
// (a stable descending sort of the scores so tied boxes keep their input order; RoIAlign's
// bilinear sampling grid, its `aligned` half-pixel offset and adaptive sampling_ratio <= 0).
#pragma once

#include <cstdint>

#include "ember/tensor.h"

namespace ember::cpu {

// torchvision::nms: dets [N, 4] as (x1, y1, x2, y2), scores [N] → int64 indices of the kept
// boxes in decreasing score order. A box is dropped when its IoU with a kept, higher-scored box
// is greater than iou_threshold. float32 and float64.
Tensor nms(const Tensor& dets, const Tensor& scores, double iou_threshold);

// torchvision::roi_align: input [N, C, H, W], rois [K, 5] as (batch index, x1, y1, x2, y2) →
// [K, C, pooled_height, pooled_width]. Each bin averages bilinear samples on a regular grid
// (sampling_ratio per side, or ceil(roi size / pooled size) when sampling_ratio <= 0).
Tensor roi_align(const Tensor& input, const Tensor& rois, double spatial_scale,
                 int64_t pooled_height, int64_t pooled_width, int64_t sampling_ratio,
                 bool aligned);

}  // namespace ember::cpu
