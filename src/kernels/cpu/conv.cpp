#include "kernels/cpu/conv.h"
#include "kernels/cpu/vec_math.h"
#include "tensor/iterator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/file_pages.h"
#include "kernels/cpu/dnnl_util.h"
#include "kernels/cpu/nn_util.h"
#include "kernels/cpu/shape.h"
#include "core/check.h"

namespace ember::cpu {
namespace {

std::string join_x(std::span<const int64_t> v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " x " : "") + std::to_string(v[i]);
  return s;
}

const Shape& pad_end(const ConvParams& p) {
  return p.padding_end.empty() ? p.padding : p.padding_end;
}

int64_t output_padding_at(const ConvParams& p, size_t i) {
  return p.output_padding.empty() ? 0 : p.output_padding[i];
}

// Spatial geometry padded to three dimensions (leading size-1 dimensions), so one loop nest
// serves 1-D, 2-D and 3-D convolutions.
struct Geometry {
  int64_t n = 0, groups = 1, cin_g = 0, cout_g = 0;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, k{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0},
      dil{1, 1, 1};
};

Geometry geometry(const Tensor& input, const Tensor& weight, const Shape& out_sizes,
                  const ConvParams& p) {
  Geometry g;
  const size_t sp = static_cast<size_t>(input.dim()) - 2;
  g.n = input.size(0);
  g.groups = p.groups;
  g.cin_g = input.size(1) / p.groups;
  g.cout_g = out_sizes[1] / p.groups;
  for (size_t i = 0; i < sp; ++i) {
    size_t j = 3 - sp + i;
    g.in[j] = input.size(static_cast<int64_t>(i) + 2);
    g.out[j] = out_sizes[i + 2];
    g.k[j] = weight.size(static_cast<int64_t>(i) + 2);
    g.stride[j] = p.stride[i];
    g.pad[j] = p.padding[i];
    g.dil[j] = p.dilation[i];
  }
  return g;
}

template <class T>
void conv_forward_ref(const T* x, const T* w, const T* b, T* y, const Geometry& g) {
  const int64_t cin = g.cin_g * g.groups, cout = g.cout_g * g.groups;
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_plane = g.out[0] * g.out[1] * g.out[2];
  const int64_t k_plane = g.k[0] * g.k[1] * g.k[2];
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oc = 0; oc < cout; ++oc) {
      const int64_t grp = oc / g.cout_g;
      T* yp = y + (n * cout + oc) * out_plane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            double acc = b ? static_cast<double>(b[oc]) : 0.0;
            for (int64_t icg = 0; icg < g.cin_g; ++icg) {
              const T* xp = x + (n * cin + grp * g.cin_g + icg) * in_plane;
              const T* wp = w + (oc * g.cin_g + icg) * k_plane;
              for (int64_t kd = 0; kd < g.k[0]; ++kd) {
                const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
                if (id < 0 || id >= g.in[0]) continue;
                for (int64_t kh = 0; kh < g.k[1]; ++kh) {
                  const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dil[1];
                  if (ih < 0 || ih >= g.in[1]) continue;
                  for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                    const int64_t iw = ow * g.stride[2] - g.pad[2] + kw * g.dil[2];
                    if (iw < 0 || iw >= g.in[2]) continue;
                    acc += static_cast<double>(xp[(id * g.in[1] + ih) * g.in[2] + iw]) *
                           static_cast<double>(wp[(kd * g.k[1] + kh) * g.k[2] + kw]);
                  }
                }
              }
            }
            yp[(od * g.out[1] + oh) * g.out[2] + ow] = static_cast<T>(acc);
          }
    }
}

// Transposed convolution as the scatter it is defined by: every input element adds
// x * w[kernel offset] at output position in*stride - pad + k*dilation.
template <class T>
void conv_transposed_ref(const T* x, const T* w, const T* b, T* y, const Geometry& g) {
  const int64_t cin = g.cin_g * g.groups, cout = g.cout_g * g.groups;
  const int64_t in_plane = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_plane = g.out[0] * g.out[1] * g.out[2];
  const int64_t k_plane = g.k[0] * g.k[1] * g.k[2];
  std::vector<double> acc(static_cast<size_t>(out_plane));
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oc = 0; oc < cout; ++oc) {
      const int64_t grp = oc / g.cout_g, ocg = oc % g.cout_g;
      std::fill(acc.begin(), acc.end(), b ? static_cast<double>(b[oc]) : 0.0);
      for (int64_t icg = 0; icg < g.cin_g; ++icg) {
        const int64_t ic = grp * g.cin_g + icg;
        const T* xp = x + (n * cin + ic) * in_plane;
        const T* wp = w + (ic * g.cout_g + ocg) * k_plane;
        for (int64_t id = 0; id < g.in[0]; ++id)
          for (int64_t ih = 0; ih < g.in[1]; ++ih)
            for (int64_t iw = 0; iw < g.in[2]; ++iw) {
              const double v = static_cast<double>(xp[(id * g.in[1] + ih) * g.in[2] + iw]);
              for (int64_t kd = 0; kd < g.k[0]; ++kd) {
                const int64_t od = id * g.stride[0] - g.pad[0] + kd * g.dil[0];
                if (od < 0 || od >= g.out[0]) continue;
                for (int64_t kh = 0; kh < g.k[1]; ++kh) {
                  const int64_t oh = ih * g.stride[1] - g.pad[1] + kh * g.dil[1];
                  if (oh < 0 || oh >= g.out[1]) continue;
                  for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                    const int64_t ow = iw * g.stride[2] - g.pad[2] + kw * g.dil[2];
                    if (ow < 0 || ow >= g.out[2]) continue;
                    acc[static_cast<size_t>((od * g.out[1] + oh) * g.out[2] + ow)] +=
                        v * static_cast<double>(wp[(kd * g.k[1] + kh) * g.k[2] + kw]);
                  }
                }
              }
            }
      }
      T* yp = y + (n * cout + oc) * out_plane;
      for (int64_t i = 0; i < out_plane; ++i) yp[i] = static_cast<T>(acc[static_cast<size_t>(i)]);
    }
}

// Runs `f` on float32 copies of half/bfloat16 operands and converts the result back.
template <class F>
Tensor via_float(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                 F&& f) {
  std::optional<Tensor> b;
  if (bias) b = bias->to(DType::Float32);
  return f(input.to(DType::Float32), weight.to(DType::Float32), b).to(input.dtype());
}

void check_dtypes(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  if (input.dtype() != weight.dtype())
    fail("convolution: input type (", dtype_name(input.dtype()), ") and weight type (",
         dtype_name(weight.dtype()), ") should be the same");
  if (bias && bias->dtype() != input.dtype())
    fail("convolution: input type (", dtype_name(input.dtype()), ") and bias type (",
         dtype_name(bias->dtype()), ") should be the same");
}

// ---- oneDNN ----------------------------------------------------------------------------------

using dnnl::memory;

// Everything a (de)convolution primitive descriptor depends on. src/dst/weights are the plain
// layouts of ember's tensors.
struct DnnlConvDesc {
  memory::desc src, weights, bias, dst;
  memory::dims strides, dilates, pad_l, pad_r;
  bool has_bias = false;
};

DnnlConvDesc dnnl_conv_desc(std::span<const int64_t> in_sizes, std::span<const int64_t> weight_sizes, bool has_bias,
                            const Shape& out_sizes, const ConvParams& p) {
  const size_t sp = in_sizes.size() - 2;
  DnnlConvDesc d;
  d.src = dnnl_util::plain_desc(in_sizes, DType::Float32);
  d.dst = dnnl_util::plain_desc(out_sizes, DType::Float32);
  const int64_t cout = out_sizes[1], cin = in_sizes[1], g = p.groups;
  memory::dims w{cout / g, cin / g};
  for (size_t i = 0; i < sp; ++i) w.push_back(weight_sizes[i + 2]);
  if (g > 1) w.insert(w.begin(), g);
  using tag = memory::format_tag;
  tag wtag = dnnl_util::plain_tag(w.size());
  if (p.transposed) {
    // PyTorch stores transposed weights input-channel first: [G*IC/G, OC/G, K] is (g, i, o, k)
    // in memory while oneDNN's logical order is (g, o, i, k).
    static constexpr tag plain_t[] = {tag::bac, tag::bacd, tag::bacde};
    static constexpr tag grouped_t[] = {tag::acbd, tag::acbde, tag::acbdef};
    wtag = g > 1 ? grouped_t[sp - 1] : plain_t[sp - 1];
  }
  d.weights = memory::desc(w, memory::data_type::f32, wtag);
  d.has_bias = has_bias;
  if (has_bias) d.bias = memory::desc({cout}, memory::data_type::f32, tag::a);
  const Shape& pe = pad_end(p);
  for (size_t i = 0; i < sp; ++i) {
    d.strides.push_back(p.stride[i]);
    d.dilates.push_back(p.dilation[i] - 1);  // oneDNN counts the gaps, PyTorch the spacing
    d.pad_l.push_back(p.padding[i]);
    // A transposed output grows by output_padding at the end: less padding cropped there.
    d.pad_r.push_back(pe[i] - (p.transposed ? output_padding_at(p, i) : 0));
  }
  return d;
}

// A built (de)convolution with the layouts it chose and the reorders between those and ember's
// plain tensors (empty when a layout is plain already).
struct ConvPrimitive {
  dnnl::primitive prim;
  memory::desc src, weights, dst;  // what the primitive wants
  dnnl::reorder src_in, dst_out;  // plain src → src, dst → plain dst
  dnnl::reorder residual_in;      // plain residual → dst (sum post-op), blocked dst only
  bool reorder_src = false, reorder_dst = false;
};

// The part of an epilogue a primitive is built for (the residual's values are an argument).
struct FusedOps {
  ConvEpilogue::Act act = ConvEpilogue::Act::None;
  float lo = 0.0f, hi = 0.0f;
  bool residual = false;
  bool affine = false;  // per-channel scale and shift (binary mul and add post-ops)
};

dnnl::algorithm eltwise_algorithm(ConvEpilogue::Act act) {
  using A = ConvEpilogue::Act;
  using dnnl::algorithm;
  switch (act) {
    case A::Relu: return algorithm::eltwise_relu;
    case A::Clamp: return algorithm::eltwise_clip_v2;
    case A::Silu: return algorithm::eltwise_swish;
    case A::Sigmoid: return algorithm::eltwise_logistic;
    case A::HardSwish: return algorithm::eltwise_hardswish;
    case A::Tanh: return algorithm::eltwise_tanh;
    case A::Gelu: return algorithm::eltwise_gelu_erf;
    case A::None: break;
  }
  EMBER_ASSERT(false, "no eltwise algorithm for Act::None");
  return algorithm::undef;
}

// The scale and shift operands of the affine post-ops: [1, C, 1, ...] for an output of `out_dims`.
memory::desc per_channel_desc(const memory::dims& out_dims) {
  memory::dims per_channel(out_dims.size(), 1);
  per_channel[1] = out_dims[1];
  return memory::desc(per_channel, memory::data_type::f32, dnnl_util::plain_tag(per_channel.size()));
}

// Channel scale and shift, then the residual, so the activation sees what PyTorch's unfused
// batch_norm, add and activation would. `out_dims` shapes the per-channel operands.
dnnl::primitive_attr fused_attr(const FusedOps& f, const memory::dims& out_dims) {
  dnnl::post_ops ops;
  if (f.affine) {
    const memory::desc md = per_channel_desc(out_dims);
    ops.append_binary(dnnl::algorithm::binary_mul, md);
    ops.append_binary(dnnl::algorithm::binary_add, md);
  }
  if (f.residual) ops.append_sum(1.0f);
  if (f.act != ConvEpilogue::Act::None) {
    float alpha = 0.0f, beta = 0.0f;
    if (f.act == ConvEpilogue::Act::Clamp) alpha = f.lo, beta = f.hi;
    if (f.act == ConvEpilogue::Act::Silu) alpha = 1.0f;  // swish(x) = x * sigmoid(alpha x)
    ops.append_eltwise(1.0f, eltwise_algorithm(f.act), alpha, beta);
  }
  dnnl::primitive_attr attr = dnnl_util::attr();
  attr.set_post_ops(ops);
  return attr;
}

// oneDNN's gemm-based convolution on plain nchw is as fast as anything for 1x1 kernels without
// groups (it is one GEMM over the channels), while spatial and grouped (depthwise) kernels run
// markedly faster in its blocked layouts, reorders to and from them included.
bool prefer_blocked(const Tensor& weight, const ConvParams& p) {
  if (p.transposed) return false;
  if (p.groups > 1) return true;
  for (int64_t i = 2; i < weight.dim(); ++i)
    if (weight.size(i) > 1) return true;
  return false;
}

// Whether the plain gemm-based kernel runs a convolution: a 1x1 ungrouped weight (see
// prefer_blocked) with everything around it plain NCHW. A channels-last input or output, or a
// residual in another layout, takes the layout-choosing (blocked) kernels.
bool plain_gemm_fits(const Tensor& weight, const ConvParams& p, bool input_channels_last, bool keep_channels_last,
                     const Tensor* residual) {
  return !prefer_blocked(weight, p) && !input_channels_last && !keep_channels_last &&
         (!residual || residual->is_contiguous());
}

dnnl_util::PrimitiveKey conv_key(const DnnlConvDesc& d, bool transposed, bool blocked,
                                 const FusedOps& f, bool src_channels_last) {
  dnnl_util::PrimitiveKey k(transposed ? "deconvolution" : "convolution");
  k.add(static_cast<int64_t>(src_channels_last));
  k.add(d.src.dims()).add(d.weights.dims()).add(d.dst.dims());
  k.add(static_cast<int64_t>(d.has_bias)).add(static_cast<int64_t>(blocked));
  k.add(d.strides).add(d.dilates).add(d.pad_l).add(d.pad_r);
  k.add(static_cast<int64_t>(f.act)).add(static_cast<int64_t>(f.residual)).add(static_cast<int64_t>(f.affine));
  k.add(static_cast<double>(f.lo)).add(static_cast<double>(f.hi));
  return k;
}

// The (de)convolution primitive descriptor for `d` reading `src` and writing `dst` (either may be
// `any`), the weight layout left to the kernel.
dnnl::primitive_desc conv_primitive_desc(const DnnlConvDesc& d, bool transposed, const memory::desc& src,
                                         const memory::desc& dst, const dnnl::primitive_attr& attr) {
  using namespace dnnl;
  const memory::desc any_w(d.weights.dims(), memory::data_type::f32, memory::format_tag::any);
  const engine& eng = dnnl_util::engine();
  if (transposed) {
    auto desc = d.has_bias ? deconvolution_forward::desc(prop_kind::forward_inference, algorithm::deconvolution_direct,
                                                         src, any_w, d.bias, dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                           : deconvolution_forward::desc(prop_kind::forward_inference, algorithm::deconvolution_direct,
                                                         src, any_w, dst, d.strides, d.dilates, d.pad_l, d.pad_r);
    return deconvolution_forward::primitive_desc(desc, attr, eng);
  }
  auto desc = d.has_bias ? convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                                     src, any_w, d.bias, dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                         : convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                                     src, any_w, dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  return convolution_forward::primitive_desc(desc, attr, eng);
}

memory::desc any_layout(const memory::desc& md) { return memory::desc(md.dims(), memory::data_type::f32, memory::format_tag::any); }

std::shared_ptr<const ConvPrimitive> build_conv(const DnnlConvDesc& d, bool transposed, bool blocked,
                                                const FusedOps& f) {
  using namespace dnnl;
  const memory::desc src = blocked ? any_layout(d.src) : d.src;
  const memory::desc dst = blocked ? any_layout(d.dst) : d.dst;
  auto cp = std::make_shared<ConvPrimitive>();
  const engine& eng = dnnl_util::engine();
  // Post-ops only on forward convolutions (the transposed ones get their epilogue applied after).
  const primitive_desc pd =
      conv_primitive_desc(d, transposed, src, dst, transposed ? dnnl_util::attr() : fused_attr(f, d.dst.dims()));
  cp->prim = primitive(pd);
  cp->src = pd.src_desc(0), cp->weights = pd.weights_desc(0), cp->dst = pd.dst_desc(0);
  cp->reorder_src = cp->src != d.src;
  cp->reorder_dst = cp->dst != d.dst;
  if (cp->reorder_src) cp->src_in = reorder(reorder::primitive_desc(eng, d.src, eng, cp->src));
  if (cp->reorder_dst) cp->dst_out = reorder(reorder::primitive_desc(eng, cp->dst, eng, d.dst));
  if (cp->reorder_dst && f.residual)
    cp->residual_in = reorder(reorder::primitive_desc(eng, d.dst, eng, cp->dst));
  return cp;
}

// The weight layout the (de)convolution for `d` chooses (blocked source and destination, no
// post-ops), without building the primitive itself.
memory::desc probe_weights(const DnnlConvDesc& d, bool transposed) {
  return conv_primitive_desc(d, transposed, any_layout(d.src), any_layout(d.dst), dnnl_util::attr()).weights_desc(0);
}

}  // namespace

// ---- call-site state -------------------------------------------------------------------------

struct ConvSite::State {
  // The weight in one layout a primitive reads, packed from the prepared weight.
  struct Packed {
    memory::desc layout;
    std::shared_ptr<Storage> bytes;  // from ember's allocator
    dnnl::memory mem;
  };
  mutable std::mutex mu;  // guards `packed`
  std::optional<Tensor> weight;  // the tensor prepared for (kept alive: the packing is of it)
  std::vector<Packed> packed;
  // Primitives by geometry key; a site meets few input sizes, the bound keeps one fed ever-new
  // sizes from growing without end.
  dnnl_util::LruCache<ConvPrimitive> primitives{16};

  // `w` (contiguous, described by `plain`) as memory in the layout `wanted`, with the storage
  // that backs it when that is a copy made for this call only.
  dnnl::memory weights(const Tensor& w, const memory::desc& plain, const memory::desc& wanted,
                       std::shared_ptr<Storage>& keep) {
    if (wanted == plain) return dnnl_util::wrap(w, plain);
    const bool prepared = weight && weight->storage() == w.storage() && weight->offset() == w.offset() &&
                          weight->sizes() == w.sizes() && weight->strides() == w.strides();
    if (!prepared) return pack(w, plain, wanted, keep);
    std::lock_guard<std::mutex> lock(mu);
    for (const Packed& pk : packed)
      if (pk.layout == wanted) return pk.mem;
    Packed pk;
    pk.layout = wanted;
    pk.mem = pack(w, plain, wanted, pk.bytes);
    packed.push_back(pk);
    // Weights read straight from an mmap'd archive are now held twice; let the file's copy
    // leave the resident set (it faults back in from the page cache if anything reads it).
    if (w.storage()->borrowed()) release_file_pages(w.raw_data(), w.nbytes());
    return pk.mem;
  }

  static dnnl::memory pack(const Tensor& w, const memory::desc& plain, const memory::desc& wanted,
                           std::shared_ptr<Storage>& bytes) {
    return dnnl_util::reordered(dnnl_util::wrap(w, plain), wanted, bytes);
  }
};

namespace {

// The site convolutions on this thread use (ConvSite::Active), or null.
thread_local ConvSite* active_site = nullptr;

}  // namespace

ConvSite::ConvSite() : state_(std::make_unique<State>()) {}
ConvSite::~ConvSite() = default;

ConvSite::Active::Active(ConvSite& site) : outer_(active_site) { active_site = &site; }
ConvSite::Active::~Active() { active_site = outer_; }

size_t ConvSite::packed_count() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->packed.size();
}

size_t ConvSite::primitive_count() const { return state_->primitives.size(); }

void ConvSite::prepare(const Tensor& weight, bool has_bias, const ConvParams& p, bool blocked) {
  if (weight.dtype() != DType::Float32 || weight.dim() < 3 || weight.dim() > 5 || weight.numel() == 0 || p.groups <= 0)
    return;
  const size_t sp = static_cast<size_t>(weight.dim()) - 2;
  if (p.stride.size() != sp || p.padding.size() != sp || p.dilation.size() != sp) return;
  Tensor w = weight.contiguous();
  state_->weight = w;
  // The layout is chosen for a typical input: one image of 32 (2-D; 64 in 1-D, 16 in 3-D) per
  // side, grown to fit the kernel. Kernels choose weight layouts by channel counts and kernel
  // shape, so the call almost always wants this one; a call that wants another packs it then.
  const int64_t side = sp == 1 ? 64 : sp == 2 ? 32 : 16;
  const int64_t cin = p.transposed ? w.size(0) : w.size(1) * p.groups;
  const int64_t cout = p.transposed ? w.size(1) * p.groups : w.size(0);
  Shape in{1, cin}, out{1, cout};
  const Shape& pe = pad_end(p);
  for (size_t i = 0; i < sp; ++i) {
    const int64_t ek = p.dilation[i] * (w.size(static_cast<int64_t>(i) + 2) - 1) + 1;
    const int64_t n = std::max(side, ek);
    in.push_back(n);
    out.push_back(p.transposed ? (n - 1) * p.stride[i] - p.padding[i] - pe[i] + ek + output_padding_at(p, i)
                               : (n + p.padding[i] + pe[i] - ek) / p.stride[i] + 1);
    if (out.back() <= 0) return;
  }
  const bool use_blocked = blocked || p.transposed || prefer_blocked(w, p);
  if (!use_blocked) return;  // the plain kernels read the weight as it is
  DnnlConvDesc d = dnnl_conv_desc(in, w.sizes(), has_bias, out, p);
  for (size_t i = 0; i < d.pad_r.size(); ++i) d.pad_r[i] = std::max<int64_t>(d.pad_r[i], 0);
  try {
    const memory::desc wanted = probe_weights(d, p.transposed);
    std::shared_ptr<Storage> keep;
    state_->weights(w, d.weights, wanted, keep);
  } catch (const dnnl::error&) {
    // No kernel for this geometry at the probe size: the first call decides.
  }
}

namespace {

// Copies `covered` [N, C, *S'] into the leading corner of `out` [N, C, *S] (S' <= S) and fills
// the rest of each plane with the channel's bias (or zero).
void place_covered(const Tensor& covered, const Tensor& out, const std::optional<Tensor>& bias) {
  const size_t sp = static_cast<size_t>(out.dim()) - 2;
  std::array<int64_t, 3> in{1, 1, 1}, os{1, 1, 1};
  for (size_t i = 0; i < sp; ++i) {
    in[3 - sp + i] = covered.size(static_cast<int64_t>(i) + 2);
    os[3 - sp + i] = out.size(static_cast<int64_t>(i) + 2);
  }
  const int64_t C = out.size(1), planes = out.size(0) * C;
  const float* src = covered.data<float>();
  float* dst = out.data<float>();
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float fill = bias ? bias->data<float>()[pl % C] : 0.0f;
    float* o = dst + pl * os[0] * os[1] * os[2];
    std::fill(o, o + os[0] * os[1] * os[2], fill);
    const float* c = src + pl * in[0] * in[1] * in[2];
    for (int64_t a = 0; a < in[0]; ++a)
      for (int64_t b = 0; b < in[1]; ++b)
        std::copy(c + (a * in[1] + b) * in[2], c + (a * in[1] + b + 1) * in[2],
                  o + (a * os[1] + b) * os[2]);
  }
}

}  // namespace

ConvParams make_conv_params(size_t spatial, std::span<const int64_t> stride,
                            std::span<const int64_t> padding, std::span<const int64_t> dilation,
                            bool transposed, std::span<const int64_t> output_padding,
                            int64_t groups) {
  ConvParams p;
  p.stride = expand_param(stride, spatial, "convolution", "stride");
  p.padding = expand_param(padding, spatial, "convolution", "padding");
  p.dilation = expand_param(dilation, spatial, "convolution", "dilation");
  p.transposed = transposed;
  if (transposed || !output_padding.empty())
    p.output_padding = output_padding.empty()
                           ? Shape(spatial, 0)
                           : expand_param(output_padding, spatial, "convolution", "output_padding");
  p.groups = groups;
  return p;
}

Shape conv_output_sizes(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, const ConvParams& p) {
  const int64_t dim = input.dim();
  if (weight.dim() < 3) fail("convolution: weight should have at least three dimensions");
  if (dim != weight.dim())
    fail("convolution: expected ", weight.dim(), "-dimensional input for ", weight.dim(),
         "-dimensional weight ", shape_string(weight.sizes()), ", but got ", dim,
         "-dimensional input of size ", shape_string(input.sizes()), " instead");
  if (dim > 5) fail("convolution: at most 3 spatial dimensions are supported, got ", dim - 2);
  const size_t sp = static_cast<size_t>(dim) - 2;
  if (p.stride.size() != sp || p.padding.size() != sp || p.dilation.size() != sp ||
      (!p.padding_end.empty() && p.padding_end.size() != sp) ||
      (!p.output_padding.empty() && p.output_padding.size() != sp))
    fail("convolution: expected stride, padding and dilation with ", sp, " elements");
  if (p.groups <= 0) fail("convolution: non-positive groups is not supported");
  const Shape& pe = pad_end(p);
  for (size_t i = 0; i < sp; ++i) {
    if (p.stride[i] <= 0) fail("convolution: non-positive stride is not supported");
    if (p.padding[i] < 0 || pe[i] < 0) fail("convolution: negative padding is not supported");
    if (p.dilation[i] <= 0) fail("convolution: dilation should be greater than zero");
    const int64_t op = output_padding_at(p, i);
    if (op < 0) fail("convolution: negative output_padding is not supported");
    if (p.transposed && op >= p.stride[i] && op >= p.dilation[i])
      fail("convolution: output padding must be smaller than either stride or dilation, but got "
           "output_padding ", op, " with stride ", p.stride[i], " and dilation ", p.dilation[i]);
  }
  const int64_t cin = input.size(1);
  int64_t cout;
  if (!p.transposed) {
    if (weight.size(0) % p.groups != 0)
      fail("convolution: given groups=", p.groups, ", expected weight to be divisible by ",
           p.groups, " at dimension 0, but got weight of size ", shape_string(weight.sizes()));
    if (cin != weight.size(1) * p.groups)
      fail("convolution: given groups=", p.groups, ", weight of size ",
           shape_string(weight.sizes()), ", expected input", shape_string(input.sizes()),
           " to have ", weight.size(1) * p.groups, " channels, but got ", cin,
           " channels instead");
    cout = weight.size(0);
  } else {
    if (cin != weight.size(0))
      fail("convolution: given transposed=1, weight of size ", shape_string(weight.sizes()),
           ", expected input", shape_string(input.sizes()), " to have ", weight.size(0),
           " channels, but got ", cin, " channels instead");
    if (weight.size(0) % p.groups != 0)
      fail("convolution: given groups=", p.groups, ", expected weight to be divisible by ",
           p.groups, " at dimension 0, but got weight of size ", shape_string(weight.sizes()));
    cout = weight.size(1) * p.groups;
  }
  if (bias && (bias->dim() != 1 || bias->size(0) != cout))
    fail("convolution: given weight of size ", shape_string(weight.sizes()),
         ", expected bias to be 1-dimensional with ", cout, " elements, but got bias of size ",
         shape_string(bias->sizes()), " instead");
  Shape out{input.size(0), cout};
  Shape padded, kernel;
  bool too_small = false;
  for (size_t i = 0; i < sp; ++i) {
    const int64_t in = input.size(static_cast<int64_t>(i) + 2);
    const int64_t k = weight.size(static_cast<int64_t>(i) + 2);
    const int64_t ek = p.dilation[i] * (k - 1) + 1;
    if (!p.transposed) {
      padded.push_back(in + p.padding[i] + pe[i]);
      kernel.push_back(ek);
      if (padded.back() < ek) too_small = true;
      out.push_back((in + p.padding[i] + pe[i] - ek) / p.stride[i] + 1);
    } else {
      const int64_t o = (in - 1) * p.stride[i] - p.padding[i] - pe[i] + ek + output_padding_at(p, i);
      if (o <= 0)
        fail("convolution: transposed convolution output size ", o, " is too small for input ",
             shape_string(input.sizes()));
      out.push_back(o);
    }
  }
  if (too_small)
    fail("convolution: calculated padded input size per channel: (", join_x(padded),
         "). Kernel size: (", join_x(kernel), "). Kernel size can't be greater than actual input size");
  return out;
}

Tensor convolution_reference(const Tensor& input_, const Tensor& weight_,
                             const std::optional<Tensor>& bias_, const ConvParams& p) {
  check_dtypes(input_, weight_, bias_);
  const Shape out_sizes = conv_output_sizes(input_, weight_, bias_, p);
  Tensor input = input_.contiguous(), weight = weight_.contiguous();
  std::optional<Tensor> bias;
  if (bias_) bias = bias_->contiguous();
  if (is_reduced_float(input.dtype()))
    return via_float(input, weight, bias, [&](const Tensor& x, const Tensor& w,
                                              const std::optional<Tensor>& b) {
      return convolution_reference(x, w, b, p);
    });
  Tensor out = Tensor::empty(out_sizes, input.dtype());
  const Geometry g = geometry(input, weight, out_sizes, p);
  visit_floating(input.dtype(), "convolution", [&](auto t) {
    using T = decltype(t);
    const T* b = bias ? bias->data<T>() : nullptr;
    if (p.transposed)
      conv_transposed_ref(input.data<T>(), weight.data<T>(), b, out.data<T>(), g);
    else
      conv_forward_ref(input.data<T>(), weight.data<T>(), b, out.data<T>(), g);
  });
  return out;
}

namespace {

// A fresh NCHW-sized tensor laid out NHWC.
Tensor empty_channels_last(const Shape& sizes) {
  Tensor nhwc = Tensor::empty_uninitialized({sizes[0], sizes[2], sizes[3], sizes[1]}, DType::Float32);
  return permute(nhwc, std::array<int64_t, 4>{0, 3, 1, 2});
}

// convolution_dnnl with the fused part of an epilogue: `f` must be empty for transposed
// convolutions; `residual` (the output's sizes, contiguous or channels-last) is given exactly
// when f.residual, scale and shift exactly when f.affine. With keep_channels_last the result
// may come back channels-last (when the primitive writes that layout).
Tensor convolution_dnnl_impl(const Tensor& input_, const Tensor& weight_,
                             const std::optional<Tensor>& bias_, const ConvParams& p,
                             const FusedOps& f, const Tensor* residual, const Tensor* scale = nullptr,
                             const Tensor* shift = nullptr, bool keep_channels_last = false) {
  check_dtypes(input_, weight_, bias_);
  if (input_.dtype() != DType::Float32)
    fail("convolution: the oneDNN kernel takes float32, got ", dtype_name(input_.dtype()));
  EMBER_ASSERT(!p.transposed || (f.act == ConvEpilogue::Act::None && !f.residual),
               "fused epilogue on a transposed convolution");
  EMBER_ASSERT(f.residual == (residual != nullptr), "residual flag without a residual");
  EMBER_ASSERT(f.affine == (scale != nullptr && shift != nullptr), "affine flag without scale and shift");
  const Shape out_sizes = conv_output_sizes(input_, weight_, bias_, p);
  // Every element is written below, except when there is no input to sum over.
  Tensor out = input_.numel() == 0 ? Tensor::empty(out_sizes, DType::Float32)
                                   : Tensor::empty_uninitialized(out_sizes, DType::Float32);
  if (out.numel() == 0) return out;
  if (input_.numel() == 0) {  // no input channels: the sum is empty
    ConvEpilogue e{f.act, f.lo, f.hi, residual, scale, shift};
    if (f.act != ConvEpilogue::Act::None || residual || scale) apply_conv_epilogue(out, e);
    return out;
  }
  // A channels-last input is handed over as it is (oneDNN's acdb); anything else as plain NCHW.
  const bool src_cl = !p.transposed && is_channels_last_2d(input_);
  Tensor input = src_cl ? input_ : input_.contiguous(), weight = weight_.contiguous();
  std::optional<Tensor> bias;
  if (bias_) bias = bias_->contiguous();
  DnnlConvDesc d = dnnl_conv_desc(input.sizes(), weight.sizes(), bias.has_value(), out_sizes, p);
  if (src_cl) d.src = memory::desc(d.src.dims(), memory::data_type::f32, memory::format_tag::acdb);
  // oneDNN rejects negative end padding, which a transposed convolution needs when its
  // output_padding exceeds its padding: those trailing positions receive no input, only bias.
  // Compute the covered part and place it in an output holding the bias elsewhere.
  Shape covered = out_sizes;
  for (size_t i = 0; i < d.pad_r.size(); ++i)
    if (d.pad_r[i] < 0) covered[i + 2] += d.pad_r[i], d.pad_r[i] = 0;
  const bool grown = covered != out_sizes;
  Tensor dst = grown ? Tensor::empty(covered, DType::Float32) : out;
  if (grown) d.dst = dnnl_util::plain_desc(covered, DType::Float32);
  const char* what = p.transposed ? "conv_transpose" : "convolution";
  try {
    // Post-ops other than a lone residual sum would run in a slow reference pass on the gemm
    // path: they take the blocked kernels too (convolution_fused applies them itself instead).
    const bool blocked = !plain_gemm_fits(weight, p, src_cl, keep_channels_last, residual) || f.affine ||
                         f.act != ConvEpilogue::Act::None;
    // Without a call site (a direct call, or a site the prepare step could not make), a site
    // for this call alone: the primitive is built now (oneDNN's own cache makes a repeat cheap)
    // and the weight packed for this call.
    ConvSite::State local;
    ConvSite::State& site = active_site ? active_site->state() : local;
    const dnnl_util::PrimitiveKey key = conv_key(d, p.transposed, blocked, f, src_cl);
    const auto cp = site.primitives.get_or_make(key.bytes(), [&] { return build_conv(d, p.transposed, blocked, f); });
    std::shared_ptr<Storage> call_weights;
    const dnnl::engine& eng = dnnl_util::engine();
    dnnl::stream& s = dnnl_util::stream();
    // The primitive writes channels-last and the caller keeps that layout: the output tensor
    // is that memory, strided, and no reorder runs.
    const bool dst_cl = keep_channels_last && !grown && cp->reorder_dst &&
                        cp->dst == memory::desc(d.dst.dims(), memory::data_type::f32, memory::format_tag::acdb);
    if (dst_cl) out = dst = empty_channels_last(out_sizes);
    dnnl::memory src_plain = src_cl ? dnnl::memory(d.src, eng, const_cast<void*>(static_cast<const void*>(input.raw_data())))
                                    : dnnl_util::wrap(input, d.src);
    dnnl::memory dst_plain = dst_cl ? dnnl::memory() : dnnl_util::wrap(dst, d.dst);
    dnnl::memory src = cp->reorder_src ? dnnl::memory(cp->src, eng) : src_plain;
    dnnl::memory dst_mem = dst_cl ? dnnl::memory(cp->dst, eng, dst.raw_data())
                                  : cp->reorder_dst ? dnnl::memory(cp->dst, eng) : dst_plain;
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_WEIGHTS, site.weights(weight, d.weights, cp->weights, call_weights)},
        {DNNL_ARG_DST, dst_mem}};
    if (bias) args.emplace(DNNL_ARG_BIAS, dnnl_util::wrap(*bias, d.bias));
    if (f.affine) {
      const memory::desc md = per_channel_desc(d.dst.dims());
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, dnnl_util::wrap(*scale, md));
      args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, dnnl_util::wrap(*shift, md));
    }
    if (residual) {
      // The sum post-op adds what dst holds before the convolution runs: the residual goes
      // there in the primitive's layout (a copy when the layouts agree, a reorder otherwise).
      const bool res_cl = is_channels_last_2d(*residual);
      const memory::desc res_md =
          res_cl ? memory::desc(d.dst.dims(), memory::data_type::f32, memory::format_tag::acdb) : d.dst;
      if (res_md == dst_mem.get_desc()) {
        std::memcpy(dst_mem.get_data_handle(), residual->raw_data(), dst.nbytes());
      } else if (!res_cl && cp->reorder_dst) {
        dnnl::memory r = dnnl_util::wrap(*residual, d.dst);
        cp->residual_in.execute(s, r, dst_mem);
      } else {
        dnnl::memory r(res_md, eng, const_cast<void*>(static_cast<const void*>(residual->raw_data())));
        dnnl::reorder(r, dst_mem).execute(s, r, dst_mem);
      }
    }
    if (cp->reorder_src) cp->src_in.execute(s, src_plain, src);
    dnnl_util::add_scratchpad(cp->prim, args);
    cp->prim.execute(s, args);
    if (cp->reorder_dst && !dst_cl) cp->dst_out.execute(s, dst_mem, dst_plain);
    s.wait();
  } catch (const dnnl::error& e) {
    dnnl_util::rethrow(what, e);
  }
  if (grown) place_covered(dst, out, bias);
  return out;
}

template <class C>
C activate(ConvEpilogue::Act act, C x, C lo, C hi) {
  using A = ConvEpilogue::Act;
  switch (act) {
    case A::None: return x;
    case A::Relu: return std::isnan(x) || x > 0 ? x : C(0);
    case A::Clamp: return std::min(std::max(x, lo), hi);
    case A::Silu: return x / (C(1) + std::exp(-x));
    case A::Sigmoid: return C(1) / (C(1) + std::exp(-x));
    case A::HardSwish: return x * std::min(std::max(x + C(3), C(0)), C(6)) / C(6);
    case A::Tanh: return std::tanh(x);
    case A::Gelu: return C(0.5) * x * (C(1) + std::erf(x * C(M_SQRT1_2)));
  }
  return x;
}

void check_affine(const ConvEpilogue& e, int64_t channels) {
  if (!e.scale != !e.shift) fail("convolution_fused: scale and shift come together");
  for (const Tensor* t : {e.scale, e.shift})
    if (t && (t->dtype() != DType::Float32 || t->dim() != 1 || t->size(0) != channels || !t->is_contiguous()))
      fail("convolution_fused: scale and shift must be contiguous float32 [", channels, "], got ",
           dtype_name(t->dtype()), shape_string(t->sizes()));
}

// y[n, c, ...] = y * scale[c] + shift[c] in out's dtype (float32 math), rounding once, as an
// eval batch-norm stores it.
void apply_channel_affine(Tensor& out, const Tensor& scale, const Tensor& shift) {
  const int64_t C = out.size(1), plane = out.numel() / std::max<int64_t>(out.size(0) * C, 1);
  const float* s = scale.data<float>();
  const float* t = shift.data<float>();
  const int64_t planes = out.size(0) * C;
  if (out.dtype() == DType::Float32) {
    float* y = out.data<float>();
    parallel_range(planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(plane, 1)), [&](int64_t b, int64_t end) {
      for (int64_t pl = b; pl < end; ++pl) {
        float* row = y + pl * plane;
        const float a = s[pl % C], c = t[pl % C];
        for (int64_t i = 0; i < plane; ++i) row[i] = row[i] * a + c;
      }
    });
    return;
  }
  visit_floating(out.dtype(), "convolution_fused", [&](auto tag) {
    using T = decltype(tag);
    T* y = out.data<T>();
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t i = 0; i < plane; ++i)
        y[pl * plane + i] = static_cast<T>(static_cast<float>(y[pl * plane + i]) * s[pl % C] + t[pl % C]);
  });
}

void check_residual(const Tensor& residual, const Shape& out_sizes, DType dtype) {
  if (residual.sizes() != out_sizes)
    fail("convolution_fused: residual of size ", shape_string(residual.sizes()),
         " does not match the convolution output ", shape_string(out_sizes));
  if (residual.dtype() != dtype)
    fail("convolution_fused: residual type (", dtype_name(residual.dtype()),
         ") differs from the output type (", dtype_name(dtype), ")");
}

}  // namespace

Tensor convolution_dnnl(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, const ConvParams& p) {
  return convolution_dnnl_impl(input, weight, bias, p, FusedOps{}, nullptr);
}

void apply_conv_epilogue(Tensor& out, const ConvEpilogue& e) {
  EMBER_ASSERT(out.is_contiguous(), "epilogue on a non-contiguous output");
  std::optional<Tensor> r;
  if (e.residual) {
    check_residual(*e.residual, out.sizes(), out.dtype());
    r = e.residual->contiguous();
  }
  if (e.scale || e.shift) {
    check_affine(e, out.size(1));
    apply_channel_affine(out, *e.scale, *e.shift);
  }
  if (e.act == ConvEpilogue::Act::None && !r) return;
  if (is_reduced_float(out.dtype())) {
    // Computed in float32 with a rounding to the narrow type after the add, as the unfused ops
    // would store it.
    const DType narrow = out.dtype();
    Tensor y = out.to(DType::Float32);
    if (r) {
      Tensor r32 = r->to(DType::Float32);
      float* py = y.data<float>();
      const float* pr = r32.data<float>();
      for (int64_t i = 0; i < y.numel(); ++i) py[i] += pr[i];
      y = y.to(narrow).to(DType::Float32);
    }
    float* py = y.data<float>();
    for (int64_t i = 0; i < y.numel(); ++i) py[i] = activate<float>(e.act, py[i], e.lo, e.hi);
    out = y.to(narrow);
    return;
  }
  if (out.dtype() == DType::Float32) {
    // Vectorised array kernels, split over the threads in contiguous chunks.
    float* y = out.data<float>();
    const float* res = r ? r->data<float>() : nullptr;
    parallel_range(out.numel(), kParallelGrain, [&](int64_t b, int64_t end) {
      float* yb = y + b;
      const int64_t n = end - b;
      if (res) vec::binary(vec::Binary::Add, yb, 1, res + b, 1, yb, n, 1.0f);
      using A = ConvEpilogue::Act;
      switch (e.act) {
        case A::None: break;
        case A::Relu: vec::unary(vec::Unary::Relu, yb, yb, n); break;
        case A::Clamp: vec::clamp(yb, yb, n, e.lo, e.hi); break;
        case A::Silu: vec::unary(vec::Unary::Silu, yb, yb, n); break;
        case A::Sigmoid: vec::unary(vec::Unary::Sigmoid, yb, yb, n); break;
        case A::HardSwish: vec::unary(vec::Unary::Hardswish, yb, yb, n); break;
        case A::Tanh: vec::unary(vec::Unary::Tanh, yb, yb, n); break;
        case A::Gelu: vec::unary(vec::Unary::GeluErf, yb, yb, n); break;
      }
    });
    return;
  }
  visit_floating(out.dtype(), "convolution_fused", [&](auto t) {
    using T = decltype(t);
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    T* y = out.data<T>();
    const T* res = r ? r->data<T>() : nullptr;
    const C lo = static_cast<C>(e.lo), hi = static_cast<C>(e.hi);
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) {
      T v = y[i];
      if (res) v = static_cast<T>(static_cast<C>(v) + static_cast<C>(res[i]));
      y[i] = static_cast<T>(activate<C>(e.act, static_cast<C>(v), lo, hi));
    }
  });
}

Tensor convolution_fused(const Tensor& input, const Tensor& weight,
                         const std::optional<Tensor>& bias, const ConvParams& p,
                         const ConvEpilogue& e) {
  check_dtypes(input, weight, bias);
  if (input.dtype() != DType::Float32 || p.transposed) {
    Tensor out = convolution(input, weight, bias, p);
    if (!out.is_contiguous()) out = out.contiguous();
    apply_conv_epilogue(out, e);
    return out;
  }
  FusedOps f{e.act, e.lo, e.hi, e.residual != nullptr, e.scale != nullptr};
  const Shape out_sizes = conv_output_sizes(input, weight, bias, p);
  check_affine(e, out_sizes[1]);
  std::optional<Tensor> residual;
  if (e.residual) {
    check_residual(*e.residual, out_sizes, DType::Float32);
    residual = is_channels_last_2d(*e.residual) ? *e.residual : e.residual->contiguous();
  }
  const bool keep_cl = e.channels_last && input.dim() == 4;
  // The gemm-based (plain layout) kernel takes a lone residual as a sum post-op for free (the
  // GEMM accumulates into it) but runs other post-ops in a slow separate pass: those are
  // applied after it by vectorised loops instead.
  const bool gemm_path = plain_gemm_fits(weight, p, is_channels_last_2d(input), keep_cl, residual ? &*residual : nullptr);
  if (gemm_path && (e.act != ConvEpilogue::Act::None || e.scale)) {
    const bool sum_in_gemm = !e.scale;  // the residual comes after the channel affine
    FusedOps g;
    g.residual = sum_in_gemm && residual;
    Tensor out = convolution_dnnl_impl(input, weight, bias, p, g, g.residual ? &*residual : nullptr);
    apply_conv_epilogue(out, ConvEpilogue{e.act, e.lo, e.hi, g.residual || !residual ? nullptr : &*residual,
                                          e.scale, e.shift});
    return out;
  }
  return convolution_dnnl_impl(input, weight, bias, p, f, residual ? &*residual : nullptr, e.scale, e.shift, keep_cl);
}

Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   const ConvParams& p) {
  check_dtypes(input, weight, bias);
  if (input.dtype() == DType::Float32) return convolution_dnnl(input, weight, bias, p);
  if (is_reduced_float(input.dtype()))
    return via_float(input, weight, bias, [&](const Tensor& x, const Tensor& w,
                                              const std::optional<Tensor>& b) {
      return convolution_dnnl(x, w, b, p);
    });
  return convolution_reference(input, weight, bias, p);
}

ConvParams conv_mode_params(const Tensor& weight, std::span<const int64_t> stride,
                            std::string_view padding, std::span<const int64_t> dilation,
                            int64_t groups) {
  if (weight.dim() < 3) fail("convolution: weight should have at least three dimensions");
  const size_t sp = static_cast<size_t>(weight.dim()) - 2;
  ConvParams p = make_conv_params(sp, stride, std::array<int64_t, 1>{0}, dilation, false, {},
                                  groups);
  if (padding == "same") {
    for (int64_t s : p.stride)
      if (s != 1) fail("convolution: padding='same' is not supported for strided convolutions");
    p.padding_end = p.padding;
    for (size_t i = 0; i < sp; ++i) {
      const int64_t total = p.dilation[i] * (weight.size(static_cast<int64_t>(i) + 2) - 1);
      p.padding[i] = total / 2;
      p.padding_end[i] = total - total / 2;
    }
  } else if (padding != "valid") {
    fail("convolution: invalid padding string '", padding, "'; expected 'same' or 'valid'");
  }
  return p;
}

Tensor convolution_mode(const Tensor& input, const Tensor& weight,
                        const std::optional<Tensor>& bias, std::span<const int64_t> stride,
                        std::string_view padding, std::span<const int64_t> dilation,
                        int64_t groups, ConvKernel conv) {
  return conv(input, weight, bias, conv_mode_params(weight, stride, padding, dilation, groups));
}

namespace {

// Runs `f` on a batch of one when `input` is unbatched (one dimension fewer than `batched`).
template <class F>
Tensor with_batch(size_t batched_dim, const Tensor& input, std::string_view op, F&& f) {
  const auto dim = static_cast<size_t>(input.dim());
  if (dim == batched_dim) return f(input);
  if (dim + 1 != batched_dim)
    fail("Expected ", batched_dim - 1, "D (unbatched) or ", batched_dim, "D (batched) input to ",
         op, ", but got input of size: ", shape_string(input.sizes()));
  Tensor x = input.contiguous();
  Tensor y = f(reshape_contiguous(x, with_dim_inserted(x.sizes(), 0)));
  return reshape_contiguous(y, with_dim_removed(y.sizes(), 0));
}

std::string conv_name(size_t spatial, bool transposed) {
  return std::string(transposed ? "conv_transpose" : "conv") + std::to_string(spatial) + "d";
}

}  // namespace

Tensor conv_nd(size_t spatial, const Tensor& input, const Tensor& weight,
               const std::optional<Tensor>& bias, std::span<const int64_t> stride,
               std::span<const int64_t> padding, std::span<const int64_t> dilation,
               int64_t groups, ConvKernel conv) {
  const ConvParams p = make_conv_params(spatial, stride, padding, dilation, false, {}, groups);
  return with_batch(spatial + 2, input, conv_name(spatial, false),
                    [&](const Tensor& x) { return conv(x, weight, bias, p); });
}

Tensor conv_nd_mode(size_t spatial, const Tensor& input, const Tensor& weight,
                    const std::optional<Tensor>& bias, std::span<const int64_t> stride,
                    std::string_view padding, std::span<const int64_t> dilation, int64_t groups,
                    ConvKernel conv) {
  return with_batch(spatial + 2, input, conv_name(spatial, false), [&](const Tensor& x) {
    return convolution_mode(x, weight, bias, stride, padding, dilation, groups, conv);
  });
}

Tensor conv_transpose_nd(size_t spatial, const Tensor& input, const Tensor& weight,
                         const std::optional<Tensor>& bias, std::span<const int64_t> stride,
                         std::span<const int64_t> padding,
                         std::span<const int64_t> output_padding, int64_t groups,
                         std::span<const int64_t> dilation, ConvKernel conv) {
  const ConvParams p =
      make_conv_params(spatial, stride, padding, dilation, true, output_padding, groups);
  return with_batch(spatial + 2, input, conv_name(spatial, true),
                    [&](const Tensor& x) { return conv(x, weight, bias, p); });
}

}  // namespace ember::cpu
