// conv.h — convolution and transposed convolution over 1 to 3 spatial dimensions (NC[D][H]W).
//
// `convolution` has aten::convolution's meaning and checks; the conv1d/2d/3d and
// conv_transpose1d/2d/3d entry points add what the functional forms add (unbatched inputs,
// padding="same"/"valid"). float32 runs on oneDNN; float64 runs the reference kernel, which is
// also the oracle the tests compare oneDNN against; float16/bfloat16 are computed in float32.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "ember/tensor.h"

namespace ember::cpu {

struct ConvParams {
  // One entry per spatial dimension.
  Shape stride, padding, dilation;
  // Padding after the data when it differs from `padding` (padding="same" with an even
  // effective kernel pads one more at the end); empty means the same as `padding`.
  Shape padding_end;
  bool transposed = false;
  Shape output_padding;  // transposed only; empty means zeros
  int64_t groups = 1;
};

// What one convolution call site keeps between calls, made at load by the op's prepare step:
// the weight tensor the site was prepared for, packed once into the layout oneDNN's kernels read
// (a layout that does not depend on the input's size), and the primitive built for each input
// geometry the site has met. Convolutions running on a thread while a site is active there
// (ConvSite::Active, for the duration of one op's kernel) use it; a weight other than the
// prepared one (one computed at run time) is packed for that call only, and without an active
// site every call builds what it needs. Safe to use from several threads at once.
class ConvSite {
 public:
  ConvSite();
  ~ConvSite();
  ConvSite(const ConvSite&) = delete;
  ConvSite& operator=(const ConvSite&) = delete;

  // Binds the site to `weight`, a constant of the call site, and packs it for the kernels a
  // float32 convolution with these parameters runs on an input of typical size. `blocked`: the
  // call's epilogue or layout takes the blocked kernels even where plain ones would fit (a 1x1
  // weight). Does nothing for weights the oneDNN path does not take (other dtypes).
  void prepare(const Tensor& weight, bool has_bias, const ConvParams& p, bool blocked);
  // How many packed copies of the prepared weight the site holds, and how many primitives.
  size_t packed_count() const;
  size_t primitive_count() const;

  // Makes `site` the one convolutions on this thread use while this object lives.
  class Active {
   public:
    explicit Active(ConvSite& site);
    ~Active();
    Active(const Active&) = delete;
    Active& operator=(const Active&) = delete;

   private:
    ConvSite* outer_;
  };

  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// Expands per-dimension lists given with 1 or `spatial` entries and checks their values.
ConvParams make_conv_params(size_t spatial, std::span<const int64_t> stride,
                            std::span<const int64_t> padding, std::span<const int64_t> dilation,
                            bool transposed, std::span<const int64_t> output_padding,
                            int64_t groups);

// Output sizes [N, C_out, *S_out] after checking input/weight/bias against each other the way
// PyTorch does (channel counts, groups, kernel not larger than the padded input).
Shape conv_output_sizes(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, const ConvParams& p);

// input [N, C_in, *S]; weight [C_out, C_in/groups, *K], or [C_in, C_out/groups, *K] when
// transposed; bias [C_out] or none. Dispatches on dtype (see the header comment).
Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   const ConvParams& p);
// Direct loops with a double accumulator; float32 and float64.
Tensor convolution_reference(const Tensor& input, const Tensor& weight,
                             const std::optional<Tensor>& bias, const ConvParams& p);
// oneDNN (de)convolution in plain layouts; float32 only.
Tensor convolution_dnnl(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, const ConvParams& p);

// What runs on a convolution's output before it is stored:
//   y = act((conv(x, w) + bias) * scale[c] + shift[c] + residual)
// (scale/shift: an eval batch-norm folded in by the load-time passes, per output channel).
struct ConvEpilogue {
  enum class Act : uint8_t { None, Relu, Clamp /* min(max(y, lo), hi): hardtanh, relu6 */, Silu, Sigmoid, HardSwish, Tanh, Gelu /* exact erf */ };
  Act act = Act::None;
  float lo = 0.0f, hi = 0.0f;          // Clamp bounds
  const Tensor* residual = nullptr;    // optional, float32, exactly the output's sizes (any strides)
  const Tensor* scale = nullptr;       // optional, both or neither: float32 [C_out] each
  const Tensor* shift = nullptr;
  // The caller feeds the result only to other convolutions: a 2-D float32 result may come back
  // channels-last (NCHW sizes, NHWC strides), the layout oneDNN's fast kernels read and write,
  // so no layout conversion runs between the two. Channels-last inputs are always accepted.
  bool channels_last = false;
};
// convolution() followed by the epilogue, in one oneDNN primitive where possible (post-ops:
// sum or binary-add for the residual, eltwise for the activation); float32 forward (not
// transposed) convolutions only; other cases compute convolution() and apply the epilogue
// after with the same semantics.
Tensor convolution_fused(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                         const ConvParams& p, const ConvEpilogue& e);
// Applies `e` in place to `out` (a fresh contiguous convolution output) the way PyTorch's
// unfused `out + residual` then the activation would, rounding to out's dtype after each step.
// The residual must have out's sizes and dtype.
void apply_conv_epilogue(Tensor& out, const ConvEpilogue& e);

// The kernel the entry points below run: `convolution` (the ops' CPU kernels) or
// `convolution_reference` (their reference paths, which the replay harness compares with them).
using ConvKernel = Tensor (*)(const Tensor& input, const Tensor& weight,
                              const std::optional<Tensor>& bias, const ConvParams& p);

// The explicit padding that padding="same" (stride 1 only) or "valid" means for this weight.
ConvParams conv_mode_params(const Tensor& weight, std::span<const int64_t> stride,
                            std::string_view padding, std::span<const int64_t> dilation,
                            int64_t groups);
// aten::_convolution_mode / conv*d.padding.
Tensor convolution_mode(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, std::span<const int64_t> stride,
                        std::string_view padding, std::span<const int64_t> dilation,
                        int64_t groups, ConvKernel conv = convolution);

// aten::conv{1,2,3}d: also accepts an unbatched input (one dimension fewer).
Tensor conv_nd(size_t spatial, const Tensor& input, const Tensor& weight,
               const std::optional<Tensor>& bias, std::span<const int64_t> stride,
               std::span<const int64_t> padding, std::span<const int64_t> dilation,
               int64_t groups, ConvKernel conv = convolution);
// aten::conv{1,2,3}d.padding.
Tensor conv_nd_mode(size_t spatial, const Tensor& input, const Tensor& weight,
                    const std::optional<Tensor>& bias, std::span<const int64_t> stride,
                    std::string_view padding, std::span<const int64_t> dilation, int64_t groups,
                    ConvKernel conv = convolution);
// aten::conv_transpose{1,2,3}d: also accepts an unbatched input.
Tensor conv_transpose_nd(size_t spatial, const Tensor& input, const Tensor& weight,
                         const std::optional<Tensor>& bias, std::span<const int64_t> stride,
                         std::span<const int64_t> padding,
                         std::span<const int64_t> output_padding, int64_t groups,
                         std::span<const int64_t> dilation, ConvKernel conv = convolution);

}  // namespace ember::cpu
