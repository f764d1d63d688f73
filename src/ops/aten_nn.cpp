// aten_nn.cpp — schemas of the neural-network ops bound to kernels/cpu/{conv,pool,norm,
// upsample,pad}.h, plus dropout (kernels/cpu/random.h).
#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/pad.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/upsample.h"
#include "ops/kernel_util.h"

namespace ember::ops {
namespace {

using OptTensor = std::optional<Tensor>;
using Ints = std::vector<int64_t>;
using OptInts = std::optional<std::vector<int64_t>>;
using OptFloats = std::optional<std::vector<double>>;
using OptDouble = std::optional<double>;

void register_conv(Registry& r) {
  // Every convolution op runs cpu::convolution (oneDNN for float32) and has a reference path
  // running cpu::convolution_reference (direct loops) through the same argument handling.
  auto conv = [&r](std::string_view schema, auto make) {
    add_with_reference(r, schema, cpu::ConvKernel{cpu::convolution}, cpu::ConvKernel{cpu::convolution_reference}, make);
  };
  // The functional forms: unbatched inputs allowed, padding as numbers or "same"/"valid".
  auto nd = [](size_t sp) {
    return [sp](cpu::ConvKernel k) {
      return wrap([sp, k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, Ints p, Ints d, int64_t g) {
        return cpu::conv_nd(sp, x, w, b, s, p, d, g, k);
      });
    };
  };
  auto nd_mode = [](size_t sp) {
    return [sp](cpu::ConvKernel k) {
      return wrap([sp, k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, std::string p, Ints d, int64_t g) {
        return cpu::conv_nd_mode(sp, x, w, b, s, p, d, g, k);
      });
    };
  };
  auto transpose_nd = [](size_t sp) {
    return [sp](cpu::ConvKernel k) {
      return wrap([sp, k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, Ints p, Ints op, int64_t g, Ints d) {
        return cpu::conv_transpose_nd(sp, x, w, b, s, p, op, g, d, k);
      });
    };
  };
  conv("aten::conv1d(Tensor input, Tensor weight, Tensor? bias=None, int[1] stride=[1], int[1] padding=[0], int[1] dilation=[1], int groups=1) -> Tensor", nd(1));
  conv("aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] dilation=1, int groups=1) -> Tensor", nd(2));
  conv("aten::conv3d(Tensor input, Tensor weight, Tensor? bias=None, int[3] stride=1, int[3] padding=0, int[3] dilation=1, int groups=1) -> Tensor", nd(3));
  conv("aten::conv1d.padding(Tensor input, Tensor weight, Tensor? bias=None, int[1] stride=[1], str padding=\"valid\", int[1] dilation=[1], int groups=1) -> Tensor", nd_mode(1));
  conv("aten::conv2d.padding(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, str padding=\"valid\", int[2] dilation=1, int groups=1) -> Tensor", nd_mode(2));
  conv("aten::conv3d.padding(Tensor input, Tensor weight, Tensor? bias=None, int[3] stride=1, str padding=\"valid\", int[3] dilation=1, int groups=1) -> Tensor", nd_mode(3));
  conv("aten::conv_transpose1d(Tensor input, Tensor weight, Tensor? bias=None, int[1] stride=[1], int[1] padding=[0], int[1] output_padding=[0], int groups=1, int[1] dilation=[1]) -> Tensor", transpose_nd(1));
  conv("aten::conv_transpose2d.input(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] output_padding=0, int groups=1, int[2] dilation=1) -> Tensor", transpose_nd(2));
  conv("aten::conv_transpose3d.input(Tensor input, Tensor weight, Tensor? bias=None, int[3] stride=1, int[3] padding=0, int[3] output_padding=0, int groups=1, int[3] dilation=1) -> Tensor", transpose_nd(3));
  // What traced graphs call: batched input, explicit lists; the backend flags change nothing.
  auto generic = [](cpu::ConvKernel k, const Tensor& x, const Tensor& w, const OptTensor& b, const Ints& s,
                    const Ints& p, const Ints& d, bool transposed, const Ints& op, int64_t g) {
    if (w.dim() < 3) fail("convolution: weight should have at least three dimensions");
    const auto sp = static_cast<size_t>(w.dim()) - 2;
    return k(x, w, b, cpu::make_conv_params(sp, s, p, d, transposed, op, g));
  };
  conv("aten::convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, bool transposed, int[] output_padding, int groups) -> Tensor",
       [generic](cpu::ConvKernel k) {
         return wrap([generic, k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, Ints p, Ints d, bool t, Ints op, int64_t g) {
           return generic(k, x, w, b, s, p, d, t, op, g);
         });
       });
  conv("aten::_convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, bool transposed, int[] output_padding, int groups, bool benchmark, bool deterministic, bool cudnn_enabled, bool allow_tf32) -> Tensor",
       [generic](cpu::ConvKernel k) {
         return wrap([generic, k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, Ints p, Ints d, bool t, Ints op, int64_t g, bool, bool, bool, bool) {
           return generic(k, x, w, b, s, p, d, t, op, g);
         });
       });
  conv("aten::_convolution.deprecated(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, bool transposed, int[] output_padding, int groups, bool benchmark, bool deterministic, bool cudnn_enabled) -> Tensor",
       [generic](cpu::ConvKernel k) {
         return wrap([generic, k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, Ints p, Ints d, bool t, Ints op, int64_t g, bool, bool, bool) {
           return generic(k, x, w, b, s, p, d, t, op, g);
         });
       });
  conv("aten::_convolution_mode(Tensor input, Tensor weight, Tensor? bias, int[] stride, str padding, int[] dilation, int groups) -> Tensor",
       [](cpu::ConvKernel k) {
         return wrap([k](const Tensor& x, const Tensor& w, OptTensor b, Ints s, std::string p, Ints d, int64_t g) {
           return cpu::convolution_mode(x, w, b, s, p, d, g, k);
         });
       });
}

void register_pool(Registry& r) {
  // Max and average pooling run oneDNN for float32 where its semantics coincide with PyTorch's;
  // their reference paths always run the direct loops.
  using PoolKernel = Tensor (*)(size_t, const Tensor&, const cpu::PoolParams&);
  auto pool = [&r](std::string_view schema, PoolKernel fast, PoolKernel reference, auto make) {
    add_with_reference(r, schema, fast, reference, make);
  };
  auto max_pool = [](size_t sp) {
    return [sp](PoolKernel k) {
      return wrap([sp, k](const Tensor& x, Ints ks, Ints s, Ints p, Ints d, bool ceil) {
        return k(sp, x, cpu::make_pool_params(sp, ks, s, p, d, ceil));
      });
    };
  };
  auto max_pool_idx = [](size_t sp) {
    return wrap([sp](const Tensor& x, Ints k, Ints s, Ints p, Ints d, bool ceil) {
      auto [v, i] = cpu::max_pool_with_indices(sp, x, cpu::make_pool_params(sp, k, s, p, d, ceil));
      return std::make_tuple(v, i);
    });
  };
  pool("aten::max_pool1d(Tensor self, int[1] kernel_size, int[1] stride=[], int[1] padding=[0], int[1] dilation=[1], bool ceil_mode=False) -> Tensor", cpu::max_pool, cpu::max_pool_reference, max_pool(1));
  pool("aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor", cpu::max_pool, cpu::max_pool_reference, max_pool(2));
  pool("aten::max_pool3d(Tensor self, int[3] kernel_size, int[3] stride=[], int[3] padding=0, int[3] dilation=1, bool ceil_mode=False) -> Tensor", cpu::max_pool, cpu::max_pool_reference, max_pool(3));
  // With indices: the direct loops are the only kernel.
  r.add("aten::max_pool1d_with_indices(Tensor self, int[1] kernel_size, int[1] stride=[], int[1] padding=[0], int[1] dilation=[1], bool ceil_mode=False) -> (Tensor, Tensor)", max_pool_idx(1));
  r.add("aten::max_pool2d_with_indices(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)", max_pool_idx(2));
  r.add("aten::max_pool3d_with_indices(Tensor self, int[3] kernel_size, int[3] stride=[], int[3] padding=0, int[3] dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)", max_pool_idx(3));

  pool("aten::avg_pool1d(Tensor self, int[1] kernel_size, int[1] stride=[], int[1] padding=[0], bool ceil_mode=False, bool count_include_pad=True) -> Tensor",
       cpu::avg_pool, cpu::avg_pool_reference, [](PoolKernel k) {
         return wrap([k](const Tensor& x, Ints ks, Ints s, Ints p, bool ceil, bool incl) {
           cpu::PoolParams pp = cpu::make_pool_params(1, ks, s, p, {}, ceil);
           pp.count_include_pad = incl;
           return k(1, x, pp);
         });
       });
  auto avg_pool = [](size_t sp) {
    return [sp](PoolKernel k) {
      return wrap([sp, k](const Tensor& x, Ints ks, Ints s, Ints p, bool ceil, bool incl, std::optional<int64_t> div) {
        cpu::PoolParams pp = cpu::make_pool_params(sp, ks, s, p, {}, ceil);
        pp.count_include_pad = incl;
        pp.divisor_override = div;
        return k(sp, x, pp);
      });
    };
  };
  pool("aten::avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None) -> Tensor", cpu::avg_pool, cpu::avg_pool_reference, avg_pool(2));
  pool("aten::avg_pool3d(Tensor self, int[3] kernel_size, int[3] stride=[], int[3] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None) -> Tensor", cpu::avg_pool, cpu::avg_pool_reference, avg_pool(3));

  using AdaptiveKernel = Tensor (*)(size_t, const Tensor&, std::span<const int64_t>);
  // aten::adaptive_avg_pool{1,2,3}d with an all-ones output size is, in PyTorch, the mean over the
  // spatial dims, which an empty input passes (NaN, or an empty result) where the kernel and
  // _adaptive_avg_pool{2,3}d raise; non-empty inputs take the kernel either way.
  auto adaptive_avg = [](size_t sp, bool mean_when_empty = true) {
    return [sp, mean_when_empty](AdaptiveKernel k) {
      return wrap([sp, mean_when_empty, k](const Tensor& x, Ints o) {
        if (mean_when_empty && x.numel() == 0 && o.size() == sp && std::all_of(o.begin(), o.end(), [](int64_t v) { return v == 1; }) &&
            x.dim() >= static_cast<int64_t>(sp)) {
          Ints dims;
          for (size_t i = 0; i < sp; ++i) dims.push_back(-1 - static_cast<int64_t>(i));
          return cpu::mean(x, std::span<const int64_t>(dims), true, std::nullopt);
        }
        return k(sp, x, o);
      });
    };
  };
  auto adaptive = [&r](std::string_view schema, auto make) {
    add_with_reference(r, schema, AdaptiveKernel{cpu::adaptive_avg_pool}, AdaptiveKernel{cpu::adaptive_avg_pool_reference}, make);
  };
  auto adaptive_max = [](size_t sp) {
    return wrap([sp](const Tensor& x, Ints o) {
      auto [v, i] = cpu::adaptive_max_pool(sp, x, o);
      return std::make_tuple(v, i);
    });
  };
  adaptive("aten::adaptive_avg_pool1d(Tensor self, int[1] output_size) -> Tensor", adaptive_avg(1));
  adaptive("aten::adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor", adaptive_avg(2));
  adaptive("aten::adaptive_avg_pool3d(Tensor self, int[3] output_size) -> Tensor", adaptive_avg(3));
  adaptive("aten::_adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor", adaptive_avg(2, false));
  adaptive("aten::_adaptive_avg_pool3d(Tensor self, int[3] output_size) -> Tensor", adaptive_avg(3, false));
  r.add("aten::adaptive_max_pool1d(Tensor self, int[1] output_size) -> (Tensor, Tensor)", adaptive_max(1));
  r.add("aten::adaptive_max_pool2d(Tensor self, int[2] output_size) -> (Tensor, Tensor)", adaptive_max(2));
  r.add("aten::adaptive_max_pool3d(Tensor self, int[3] output_size) -> (Tensor, Tensor)", adaptive_max(3));
}

void register_norm(Registry& r) {
  // Batch norm in eval mode and layer norm have a float32 kernel beside the reference one
  // (double arithmetic); the reference paths run the latter for every dtype.
  using BatchNorm = std::tuple<Tensor, Tensor, Tensor> (*)(const Tensor&, const OptTensor&, const OptTensor&,
                                                           const OptTensor&, const OptTensor&, bool, double, double);
  const BatchNorm bn_fast = cpu::native_batch_norm, bn_ref = cpu::native_batch_norm_reference;
  add_with_reference(r, "aten::batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps, bool cudnn_enabled) -> Tensor",
                     bn_fast, bn_ref, [](BatchNorm k) {
                       return wrap([k](const Tensor& x, OptTensor w, OptTensor b, OptTensor rm, OptTensor rv, bool training, double momentum, double eps, bool) {
                         return std::get<0>(k(x, w, b, rm, rv, training, momentum, eps));
                       });
                     });
  add_with_reference(r, "aten::native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps) -> (Tensor, Tensor, Tensor)",
                     bn_fast, bn_ref, [](BatchNorm k) {
                       return wrap([k](const Tensor& x, OptTensor w, OptTensor b, OptTensor rm, OptTensor rv, bool training, double momentum, double eps) {
                         return k(x, w, b, rm, rv, training, momentum, eps);
                       });
                     });
  // Index 0 is PyTorch's native implementation; the reserve tensor is empty for it.
  add_with_reference(r, "aten::_batch_norm_impl_index(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps, bool cudnn_enabled) -> (Tensor, Tensor, Tensor, Tensor, int)",
                     bn_fast, bn_ref, [](BatchNorm k) {
                       return wrap([k](const Tensor& x, OptTensor w, OptTensor b, OptTensor rm, OptTensor rv, bool training, double momentum, double eps, bool) {
                         auto [y, mean, invstd] = k(x, w, b, rm, rv, training, momentum, eps);
                         return std::make_tuple(y, mean, invstd, Tensor::empty(Shape{0}, DType::UInt8), int64_t{0});
                       });
                     });
  using LayerNorm = std::tuple<Tensor, Tensor, Tensor> (*)(const Tensor&, std::span<const int64_t>, const OptTensor&,
                                                           const OptTensor&, double);
  const LayerNorm ln_fast = cpu::native_layer_norm, ln_ref = cpu::layer_norm_reference;
  add_with_reference(r, "aten::layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float eps=1.0000000000000001e-05, bool cudnn_enable=True) -> Tensor",
                     ln_fast, ln_ref, [](LayerNorm k) {
                       return wrap([k](const Tensor& x, Ints shape, OptTensor w, OptTensor b, double eps, bool) {
                         return std::get<0>(k(x, shape, w, b, eps));
                       });
                     });
  add_with_reference(r, "aten::native_layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight, Tensor? bias, float eps) -> (Tensor, Tensor, Tensor)",
                     ln_fast, ln_ref, [](LayerNorm k) {
                       return wrap([k](const Tensor& x, Ints shape, OptTensor w, OptTensor b, double eps) {
                         return k(x, shape, w, b, eps);
                       });
                     });
  r.add("aten::group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, float eps=1.0000000000000001e-05, bool cudnn_enabled=True) -> Tensor",
        wrap([](const Tensor& x, int64_t groups, OptTensor w, OptTensor b, double eps, bool) {
          return cpu::group_norm(x, groups, w, b, eps);
        }));
  r.add("aten::native_group_norm(Tensor input, Tensor? weight, Tensor? bias, SymInt N, SymInt C, SymInt HxW, int group, float eps) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& x, OptTensor w, OptTensor b, int64_t n, int64_t c, int64_t hxw, int64_t groups, double eps) {
          if (x.dim() < 2 || x.size(0) != n || x.size(1) != c || x.numel() != n * c * hxw)
            fail("native_group_norm: input of size ", shape_string(x.sizes()),
                 " does not match N=", n, ", C=", c, ", HxW=", hxw);
          return cpu::native_group_norm(x, w, b, groups, eps);
        }));
  r.add("aten::instance_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool use_input_stats, float momentum, float eps, bool cudnn_enabled) -> Tensor",
        wrap([](const Tensor& x, OptTensor w, OptTensor b, OptTensor rm, OptTensor rv, bool use_stats, double momentum, double eps, bool) {
          return cpu::instance_norm(x, w, b, rm, rv, use_stats, momentum, eps);
        }));
}

void register_upsample(Registry& r) {
  using cpu::InterpMode;
  auto vec = [](InterpMode m, size_t sp) {
    return wrap([m, sp](const Tensor& x, OptInts size, OptFloats scales) {
      return cpu::upsample_vec(m, sp, x, size, false, scales);
    });
  };
  auto vec_ac = [](InterpMode m, size_t sp) {
    return wrap([m, sp](const Tensor& x, OptInts size, bool ac, OptFloats scales) {
      return cpu::upsample_vec(m, sp, x, size, ac, scales);
    });
  };
  auto n1 = [](InterpMode m) {
    return wrap([m](const Tensor& x, Ints size, OptDouble s) {
      const OptDouble scales[] = {s};
      return cpu::upsample(m, 1, x, size, false, scales);
    });
  };
  auto n2 = [](InterpMode m) {
    return wrap([m](const Tensor& x, Ints size, OptDouble sh, OptDouble sw) {
      const OptDouble scales[] = {sh, sw};
      return cpu::upsample(m, 2, x, size, false, scales);
    });
  };
  auto n3 = [](InterpMode m) {
    return wrap([m](const Tensor& x, Ints size, OptDouble sd, OptDouble sh, OptDouble sw) {
      const OptDouble scales[] = {sd, sh, sw};
      return cpu::upsample(m, 3, x, size, false, scales);
    });
  };
  const InterpMode nearest = InterpMode::Nearest, exact = InterpMode::NearestExact;
  r.add("aten::upsample_nearest1d(Tensor self, SymInt[1] output_size, float? scales=None) -> Tensor", n1(nearest));
  r.add("aten::upsample_nearest2d(Tensor self, SymInt[2] output_size, float? scales_h=None, float? scales_w=None) -> Tensor", n2(nearest));
  r.add("aten::upsample_nearest3d(Tensor self, SymInt[3] output_size, float? scales_d=None, float? scales_h=None, float? scales_w=None) -> Tensor", n3(nearest));
  r.add("aten::upsample_nearest1d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) -> Tensor", vec(nearest, 1));
  r.add("aten::upsample_nearest2d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) -> Tensor", vec(nearest, 2));
  r.add("aten::upsample_nearest3d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) -> Tensor", vec(nearest, 3));
  r.add("aten::_upsample_nearest_exact1d(Tensor self, SymInt[1] output_size, float? scales=None) -> Tensor", n1(exact));
  r.add("aten::_upsample_nearest_exact2d(Tensor self, SymInt[2] output_size, float? scales_h=None, float? scales_w=None) -> Tensor", n2(exact));
  r.add("aten::_upsample_nearest_exact3d(Tensor self, SymInt[3] output_size, float? scales_d=None, float? scales_h=None, float? scales_w=None) -> Tensor", n3(exact));
  r.add("aten::_upsample_nearest_exact1d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) -> Tensor", vec(exact, 1));
  r.add("aten::_upsample_nearest_exact2d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) -> Tensor", vec(exact, 2));
  r.add("aten::_upsample_nearest_exact3d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) -> Tensor", vec(exact, 3));

  r.add("aten::upsample_linear1d(Tensor self, SymInt[1] output_size, bool align_corners, float? scales=None) -> Tensor",
        wrap([](const Tensor& x, Ints size, bool ac, OptDouble s) {
          const OptDouble scales[] = {s};
          return cpu::upsample(InterpMode::Linear, 1, x, size, ac, scales);
        }));
  r.add("aten::upsample_bilinear2d(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor",
        wrap([](const Tensor& x, Ints size, bool ac, OptDouble sh, OptDouble sw) {
          const OptDouble scales[] = {sh, sw};
          return cpu::upsample(InterpMode::Linear, 2, x, size, ac, scales);
        }));
  r.add("aten::upsample_trilinear3d(Tensor self, SymInt[3] output_size, bool align_corners, float? scales_d=None, float? scales_h=None, float? scales_w=None) -> Tensor",
        wrap([](const Tensor& x, Ints size, bool ac, OptDouble sd, OptDouble sh, OptDouble sw) {
          const OptDouble scales[] = {sd, sh, sw};
          return cpu::upsample(InterpMode::Linear, 3, x, size, ac, scales);
        }));
  r.add("aten::upsample_bicubic2d(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor",
        wrap([](const Tensor& x, Ints size, bool ac, OptDouble sh, OptDouble sw) {
          const OptDouble scales[] = {sh, sw};
          return cpu::upsample(InterpMode::Cubic, 2, x, size, ac, scales);
        }));
  r.add("aten::upsample_linear1d.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor", vec_ac(InterpMode::Linear, 1));
  r.add("aten::upsample_bilinear2d.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor", vec_ac(InterpMode::Linear, 2));
  r.add("aten::upsample_trilinear3d.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor", vec_ac(InterpMode::Linear, 3));
  r.add("aten::upsample_bicubic2d.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor", vec_ac(InterpMode::Cubic, 2));

  auto aa = [](InterpMode m) {
    return wrap([m](const Tensor& x, Ints size, bool ac, OptDouble sh, OptDouble sw) {
      const OptDouble scales[] = {sh, sw};
      return cpu::upsample_aa(m, x, size, ac, scales);
    });
  };
  auto aa_vec = [](InterpMode m) {
    return wrap([m](const Tensor& x, OptInts size, bool ac, OptFloats scales) {
      return cpu::upsample_aa_vec(m, x, size, ac, scales);
    });
  };
  r.add("aten::_upsample_bilinear2d_aa(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor", aa(InterpMode::Linear));
  r.add("aten::_upsample_bicubic2d_aa(Tensor self, SymInt[2] output_size, bool align_corners, float? scales_h=None, float? scales_w=None) -> Tensor", aa(InterpMode::Cubic));
  r.add("aten::_upsample_bilinear2d_aa.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor", aa_vec(InterpMode::Linear));
  r.add("aten::_upsample_bicubic2d_aa.vec(Tensor input, SymInt[]? output_size, bool align_corners, float[]? scale_factors) -> Tensor", aa_vec(InterpMode::Cubic));
}

void register_pad(Registry& r) {
  r.add("aten::constant_pad_nd(Tensor self, int[] pad, Scalar value=0) -> Tensor",
        wrap([](const Tensor& x, Ints pad, double value) { return cpu::constant_pad_nd(x, pad, value); }));
  r.add("aten::pad(Tensor self, int[] pad, str mode=\"constant\", float? value=None) -> Tensor",
        wrap([](const Tensor& x, Ints pad, std::string mode, OptDouble value) {
          return cpu::pad(x, pad, mode, value);
        }));
  r.add("aten::_pad_circular(Tensor self, int[] pad) -> Tensor",
        wrap([](const Tensor& x, Ints pad) { return cpu::circular_pad(x, pad); }));
  auto reflect = [](size_t sp) {
    return wrap([sp](const Tensor& x, Ints pad) { return cpu::reflection_pad(sp, x, pad); });
  };
  auto replicate = [](size_t sp) {
    return wrap([sp](const Tensor& x, Ints pad) { return cpu::replication_pad(sp, x, pad); });
  };
  r.add("aten::reflection_pad1d(Tensor self, int[2] padding) -> Tensor", reflect(1));
  r.add("aten::reflection_pad2d(Tensor self, int[4] padding) -> Tensor", reflect(2));
  r.add("aten::reflection_pad3d(Tensor self, int[6] padding) -> Tensor", reflect(3));
  r.add("aten::replication_pad1d(Tensor self, int[2] padding) -> Tensor", replicate(1));
  r.add("aten::replication_pad2d(Tensor self, int[4] padding) -> Tensor", replicate(2));
  r.add("aten::replication_pad3d(Tensor self, int[6] padding) -> Tensor", replicate(3));
}

// Dropout is the identity in eval mode (and for p = 0); in training mode it draws its mask from
// ember's generator (kernels/cpu/random.h), whose stream differs from PyTorch's.
void register_dropout(Registry& r) {
  using cpu::DropoutKind;
  const std::pair<const char*, DropoutKind> kinds[] = {{"dropout", DropoutKind::Plain},
                                                       {"feature_dropout", DropoutKind::Feature},
                                                       {"alpha_dropout", DropoutKind::Alpha},
                                                       {"feature_alpha_dropout", DropoutKind::FeatureAlpha}};
  for (const auto& [name, kind] : kinds) {
    const std::string op = std::string("aten::") + name;
    const DropoutKind k = kind;
    r.add(op + "(Tensor input, float p, bool train) -> Tensor",
          wrap([k](const Tensor& x, double p, bool train) { return cpu::dropout(k, x, p, train, false); }));
    r.add(op + "_(Tensor(a!) self, float p, bool train) -> Tensor(a!)",
          wrap([k](const Tensor& x, double p, bool train) { return cpu::dropout(k, x, p, train, true); }));
  }
}

}  // namespace

void register_nn_ops(Registry& r) {
  register_conv(r);
  register_pool(r);
  register_norm(r);
  register_upsample(r);
  register_pad(r);
  register_dropout(r);
}

}  // namespace ember::ops
