// detection.cpp — see detection.h. Arithmetic runs in the input's type in the same order as
// torchvision's kernels, so boxes right at the IoU threshold are decided the same way.
#include "kernels/cpu/detection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ember/error.h"

namespace ember::cpu {
namespace {

template <class T>
Tensor nms_impl(const Tensor& dets_in, const Tensor& scores_in, double iou_threshold) {
  const Tensor dets = dets_in.contiguous(), scores = scores_in.contiguous();
  const int64_t n = dets.size(0);
  const T* d = dets.data<T>();
  const T* s = scores.data<T>();
  std::vector<T> area(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) area[i] = (d[i * 4 + 2] - d[i * 4]) * (d[i * 4 + 3] - d[i * 4 + 1]);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Descending and stable; NaN scores sort first, as torch.sort(descending=True) puts them.
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const bool na = std::isnan(s[a]), nb = std::isnan(s[b]);
    if (na || nb) return na && !nb;
    return s[a] > s[b];
  });
  std::vector<char> suppressed(static_cast<size_t>(n), 0);
  std::vector<int64_t> keep;
  const auto thr = static_cast<T>(iou_threshold);
  for (int64_t oi = 0; oi < n; ++oi) {
    const int64_t i = order[oi];
    if (suppressed[i]) continue;
    keep.push_back(i);
    const T ix1 = d[i * 4], iy1 = d[i * 4 + 1], ix2 = d[i * 4 + 2], iy2 = d[i * 4 + 3];
    for (int64_t oj = oi + 1; oj < n; ++oj) {
      const int64_t j = order[oj];
      if (suppressed[j]) continue;
      const T xx1 = std::max(ix1, d[j * 4]), yy1 = std::max(iy1, d[j * 4 + 1]);
      const T xx2 = std::min(ix2, d[j * 4 + 2]), yy2 = std::min(iy2, d[j * 4 + 3]);
      const T w = std::max(static_cast<T>(0), xx2 - xx1);
      const T h = std::max(static_cast<T>(0), yy2 - yy1);
      const T inter = w * h;
      const T ovr = inter / (area[i] + area[j] - inter);
      if (ovr > thr) suppressed[j] = 1;
    }
  }
  const int64_t sizes[] = {static_cast<int64_t>(keep.size())};
  Tensor out = Tensor::empty(sizes, DType::Int64);
  std::copy(keep.begin(), keep.end(), out.data<int64_t>());
  return out;
}

// Where one sample point reads the feature map: four corners and their bilinear weights.
template <class T>
struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  T w[4] = {0, 0, 0, 0};
};

template <class T>
Sample<T> bilinear_sample(int64_t height, int64_t width, T y, T x) {
  Sample<T> s;
  if (y < -1.0 || y > static_cast<T>(height) || x < -1.0 || x > static_cast<T>(width)) return s;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  auto y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<T>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<T>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const T ly = y - static_cast<T>(y_low), lx = x - static_cast<T>(x_low);
  const T hy = static_cast<T>(1) - ly, hx = static_cast<T>(1) - lx;
  s.pos[0] = y_low * width + x_low;
  s.pos[1] = y_low * width + x_high;
  s.pos[2] = y_high * width + x_low;
  s.pos[3] = y_high * width + x_high;
  s.w[0] = hy * hx;
  s.w[1] = hy * lx;
  s.w[2] = ly * hx;
  s.w[3] = ly * lx;
  return s;
}

template <class T>
Tensor roi_align_impl(const Tensor& input_in, const Tensor& rois_in, double spatial_scale_d,
                      int64_t ph_n, int64_t pw_n, int64_t sampling_ratio, bool aligned) {
  const Tensor input = input_in.contiguous(), rois = rois_in.contiguous();
  const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const int64_t K = rois.size(0);
  const int64_t out_sizes[] = {K, C, ph_n, pw_n};
  Tensor out = Tensor::empty(out_sizes, input.dtype());
  const T* in = input.data<T>();
  const T* r = rois.data<T>();
  T* o = out.data<T>();
  const auto spatial_scale = static_cast<T>(spatial_scale_d);
  const T offset = aligned ? static_cast<T>(0.5) : static_cast<T>(0);
  std::vector<Sample<T>> samples;
  for (int64_t k = 0; k < K; ++k) {
    const T* roi = r + k * 5;
    const auto b = static_cast<int64_t>(roi[0]);
    if (b < 0 || b >= N) fail("roi_align: roi ", k, " has batch index ", b, " outside [0, ", N, ")");
    const T start_w = roi[1] * spatial_scale - offset, start_h = roi[2] * spatial_scale - offset;
    const T end_w = roi[3] * spatial_scale - offset, end_h = roi[4] * spatial_scale - offset;
    T roi_w = end_w - start_w, roi_h = end_h - start_h;
    if (!aligned) {
      roi_w = std::max(roi_w, static_cast<T>(1));
      roi_h = std::max(roi_h, static_cast<T>(1));
    }
    const T bin_h = roi_h / static_cast<T>(ph_n), bin_w = roi_w / static_cast<T>(pw_n);
    const int64_t grid_h = sampling_ratio > 0 ? sampling_ratio
                                              : static_cast<int64_t>(std::ceil(roi_h / static_cast<T>(ph_n)));
    const int64_t grid_w = sampling_ratio > 0 ? sampling_ratio
                                              : static_cast<int64_t>(std::ceil(roi_w / static_cast<T>(pw_n)));
    const T count = static_cast<T>(std::max<int64_t>(grid_h * grid_w, 1));
    // The sample positions are the same for every channel.
    samples.clear();
    for (int64_t ph = 0; ph < ph_n; ++ph)
      for (int64_t pw = 0; pw < pw_n; ++pw)
        for (int64_t iy = 0; iy < grid_h; ++iy) {
          const T yy = start_h + static_cast<T>(ph) * bin_h +
                       static_cast<T>(static_cast<float>(iy) + .5f) * bin_h / static_cast<T>(grid_h);
          for (int64_t ix = 0; ix < grid_w; ++ix) {
            const T xx = start_w + static_cast<T>(pw) * bin_w +
                         static_cast<T>(static_cast<float>(ix) + .5f) * bin_w / static_cast<T>(grid_w);
            samples.push_back(bilinear_sample<T>(H, W, yy, xx));
          }
        }
    const int64_t per_bin = std::max<int64_t>(grid_h, 0) * std::max<int64_t>(grid_w, 0);
    for (int64_t c = 0; c < C; ++c) {
      const T* plane = in + (b * C + c) * H * W;
      T* dst = o + (k * C + c) * ph_n * pw_n;
      for (int64_t bin = 0; bin < ph_n * pw_n; ++bin) {
        T acc = 0;
        for (int64_t i = 0; i < per_bin; ++i) {
          const Sample<T>& s = samples[static_cast<size_t>(bin * per_bin + i)];
          acc += s.w[0] * plane[s.pos[0]] + s.w[1] * plane[s.pos[1]] + s.w[2] * plane[s.pos[2]] +
                 s.w[3] * plane[s.pos[3]];
        }
        dst[bin] = acc / count;
      }
    }
  }
  return out;
}

}  // namespace

Tensor nms(const Tensor& dets, const Tensor& scores, double iou_threshold) {
  if (dets.dim() != 2 || dets.size(1) != 4)
    fail("nms: boxes should have shape [N, 4], got ", shape_string(dets.sizes()));
  if (scores.dim() != 1) fail("nms: scores should be 1-D, got ", shape_string(scores.sizes()));
  if (scores.size(0) != dets.size(0))
    fail("nms: boxes and scores should have the same number of elements in dimension 0, got ",
         dets.size(0), " and ", scores.size(0));
  if (dets.dtype() != scores.dtype())
    fail("nms: boxes (", dtype_name(dets.dtype()), ") and scores (", dtype_name(scores.dtype()),
         ") should have the same type");
  switch (dets.dtype()) {
    case DType::Float32: return nms_impl<float>(dets, scores, iou_threshold);
    case DType::Float64: return nms_impl<double>(dets, scores, iou_threshold);
    default: fail("\"nms_kernel\" not implemented for '", dtype_name(dets.dtype()), "'");
  }
}

Tensor roi_align(const Tensor& input, const Tensor& rois, double spatial_scale,
                 int64_t pooled_height, int64_t pooled_width, int64_t sampling_ratio,
                 bool aligned) {
  if (input.dim() != 4) fail("roi_align: input should be 4-D [N, C, H, W], got ", shape_string(input.sizes()));
  if (rois.dim() != 2 || rois.size(1) != 5)
    fail("roi_align: rois should have shape [K, 5], got ", shape_string(rois.sizes()));
  if (input.dtype() != rois.dtype())
    fail("roi_align: input (", dtype_name(input.dtype()), ") and rois (", dtype_name(rois.dtype()),
         ") should have the same type");
  if (pooled_height <= 0 || pooled_width <= 0)
    fail("roi_align: pooled size must be positive, got ", pooled_height, "x", pooled_width);
  switch (input.dtype()) {
    case DType::Float32:
      return roi_align_impl<float>(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned);
    case DType::Float64:
      return roi_align_impl<double>(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned);
    default: fail("\"roi_align_forward_kernel\" not implemented for '", dtype_name(input.dtype()), "'");
  }
}

}  // namespace ember::cpu
