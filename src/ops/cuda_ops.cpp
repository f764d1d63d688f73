// cuda_ops.cpp — the ops' CUDA kernels (Backend::CUDA paths) beyond the elementwise table, which
// aten_elementwise.cpp registers itself: convolution (cuDNN), products (cuBLAS), normalisation,
// pooling, softmax, reductions, embedding, activations with parameters, cat, and the shape ops
// whose CPU kernels only make views or call contiguous()/clone() (which device tensors do).
//
// Each kernel takes what its GPU code handles (float32 tensors on one CUDA device, the common
// argument forms) and otherwise declines: the call then runs on the CPU with copies, exactly as
// an op with no CUDA path does (ops/device_dispatch.h), so a model never fails for a form the
// GPU kernels leave out. `ember check --device cuda` lists the ops without a CUDA path.
#include <optional>
#include <string>
#include <vector>

#include "ember/error.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/nn.h"
#include "ops/aten_util.h"
#include "ops/device_dispatch.h"
#include "tensor/elementwise.h"

namespace ember::ops {

namespace {

using OptTensor = std::optional<Tensor>;
using OptScalar = std::optional<Scalar>;
using IntList = std::vector<int64_t>;

// Thrown by a CUDA kernel, before it has made anything, for a call its GPU code does not handle.
struct Decline {};

// The call's device: the first tensor argument not in host memory.
Device call_device(std::span<const Value> args) {
  for (const Value& v : args) {
    if (v.is_tensor() && v.to_tensor().defined() && !v.to_tensor().is_cpu()) return v.to_tensor().device();
    if (v.is_list())
      for (const Value& x : v.to_list()->items)
        if (x.is_tensor() && x.to_tensor().defined() && !x.to_tensor().is_cpu()) return x.to_tensor().device();
  }
  return Device{DeviceType::CUDA, 0};
}

// A CUDA path of `op`: runs `k`, and on Decline runs the op's CPU kernel with copies instead.
void path(Registry& r, const std::string& name, const std::string& overload, Kernel k) {
  const Operator* op = r.find(name, overload);
  if (!op) fail("internal: no op ", name, overload.empty() ? "" : ".", overload, " to give a CUDA kernel");
  const size_t n = op->schema.arguments.size();
  r.add_path(name, overload, Backend::CUDA, [op, n, k](Stack& s) {
    const std::vector<Value> saved(s.end() - static_cast<std::ptrdiff_t>(n), s.end());
    const size_t base = s.size() - n;
    try {
      k(s);
    } catch (const Decline&) {
      s.resize(base);
      s.insert(s.end(), saved.begin(), saved.end());
      host_copies(*op, call_device(saved))(s);
    }
  }, cuda_kernels_ready);
}

bool f32(const Tensor& t) { return t.defined() && t.dtype() == DType::Float32 && !t.is_cpu(); }
bool f32_or_none(const OptTensor& t) { return !t || !t->defined() || f32(*t); }
Tensor or_empty(const OptTensor& t) { return t ? *t : Tensor(); }
void need(bool ok) {
  if (!ok) throw Decline{};
}

std::array<int64_t, 2> pair(const IntList& v, int64_t fallback) {
  if (v.empty()) return {fallback, fallback};
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() != 2) throw Decline{};
  return {v[0], v[1]};
}

Tensor conv(const Tensor& x, const Tensor& w, const OptTensor& b, const IntList& stride, const IntList& pad,
            const IntList& dil, int64_t groups) {
  need(f32(x) && f32(w) && f32_or_none(b) && w.dim() == x.dim() && (x.dim() == 4 || x.dim() == 3));
  if (x.dim() == 3) {  // conv1d: a 2-d convolution of height 1
    need(stride.size() <= 1 && pad.size() <= 1 && dil.size() <= 1);
    const Tensor x4 = x.as_strided({x.size(0), x.size(1), 1, x.size(2)}, {x.stride(0), x.stride(1), 0, x.stride(2)},
                                   x.offset());
    const Tensor w4 = w.contiguous().as_strided({w.size(0), w.size(1), 1, w.size(2)},
                                                {w.size(1) * w.size(2), w.size(2), w.size(2), 1}, 0);
    const int64_t s = stride.empty() ? 1 : stride[0], p = pad.empty() ? 0 : pad[0], d = dil.empty() ? 1 : dil[0];
    Tensor y = cuda::conv2d(x4.contiguous(), w4, or_empty(b), {1, s}, {0, p}, {1, d}, groups);
    return y.as_strided({y.size(0), y.size(1), y.size(3)}, {y.size(1) * y.size(3), y.size(3), 1}, 0);
  }
  return cuda::conv2d(x, w, or_empty(b), pair(stride, 1), pair(pad, 0), pair(dil, 1), groups);
}

Tensor reduce(const Tensor& x, const std::optional<IntList>& dims, bool keepdim, const std::optional<DType>& dtype,
              bool mean) {
  need(f32(x) && (!dtype || *dtype == DType::Float32) && x.dim() > 0);
  std::vector<int64_t> ds;
  std::vector<bool> seen(static_cast<size_t>(x.dim()), false);
  if (!dims || dims->empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) ds.push_back(d);
  } else {
    for (int64_t d : *dims) {
      if (d < -x.dim() || d >= x.dim()) throw Decline{};  // the CPU kernel gives PyTorch's message
      const int64_t w = d < 0 ? d + x.dim() : d;
      if (seen[static_cast<size_t>(w)]) throw Decline{};
      seen[static_cast<size_t>(w)] = true;
      ds.push_back(w);
    }
  }
  return cuda::reduce_sum(x, ds, keepdim, mean);
}

}  // namespace

void register_cuda_ops(Registry& r) {
  // ---- convolution (cuDNN) ----
  const auto convolution = [](const Tensor& x, const Tensor& w, OptTensor b, IntList stride, IntList pad, IntList dil,
                              bool transposed, IntList, int64_t groups) {
    need(!transposed);
    return conv(x, w, b, stride, pad, dil, groups);
  };
  path(r, "aten::_convolution", "",
       wrap([convolution](const Tensor& x, const Tensor& w, OptTensor b, IntList s, IntList p, IntList d, bool t, IntList op,
                          int64_t g, bool, bool, bool, bool) { return convolution(x, w, b, s, p, d, t, op, g); }));
  path(r, "aten::_convolution", "deprecated",
       wrap([convolution](const Tensor& x, const Tensor& w, OptTensor b, IntList s, IntList p, IntList d, bool t, IntList op,
                          int64_t g, bool, bool, bool) { return convolution(x, w, b, s, p, d, t, op, g); }));
  path(r, "aten::conv2d", "",
       wrap([](const Tensor& x, const Tensor& w, OptTensor b, IntList s, IntList p, IntList d, int64_t g) {
         need(x.dim() == 4);
         return conv(x, w, b, s, p, d, g);
       }));
  path(r, "aten::conv1d", "",
       wrap([](const Tensor& x, const Tensor& w, OptTensor b, IntList s, IntList p, IntList d, int64_t g) {
         need(x.dim() == 3);
         return conv(x, w, b, s, p, d, g);
       }));

  // ember::conv_fused (the fold-batch-norm and fuse-conv passes): cuDNN's convolution, then one
  // epilogue pass for the folded batch norm, the residual and the activation.
  path(r, "ember::conv_fused", "",
       wrap([](const Tensor& x, const Tensor& w, OptTensor b, IntList s, IntList p, IntList d, int64_t g, int64_t act,
               double lo, double hi, OptTensor residual, OptTensor scale, OptTensor shift, bool channels_last) {
         need(!channels_last && act >= 0 && act <= 7 && x.dim() == 4 && f32_or_none(residual) && f32_or_none(scale) &&
              f32_or_none(shift));
         Tensor y = conv(x, w, b, s, p, d, g);
         if (residual && residual->defined()) need(residual->sizes() == y.sizes());
         cuda::conv_epilogue(y, or_empty(scale), or_empty(shift), or_empty(residual), static_cast<int>(act),
                             static_cast<float>(std::max(lo, -3.4e38)), static_cast<float>(std::min(hi, 3.4e38)));
         return y;
       }));

  // ---- products (cuBLAS) ----
  path(r, "aten::linear", "", wrap([](const Tensor& x, const Tensor& w, OptTensor b) {
         need(f32(x) && f32(w) && f32_or_none(b) && w.dim() == 2 && x.dim() >= 1 && (!b || !b->defined() || b->dim() <= 1));
         return cuda::linear(x, w, or_empty(b));
       }));
  path(r, "aten::addmm", "", wrap([](const Tensor& c, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
         need(f32(c) && f32(a) && f32(b) && a.dim() == 2 && b.dim() == 2 && !beta.is_complex() && !alpha.is_complex());
         return cuda::mm(a, b, c, beta.to_double(), alpha.to_double());
       }));
  path(r, "aten::mm", "", wrap([](const Tensor& a, const Tensor& b) {
         need(f32(a) && f32(b) && a.dim() == 2 && b.dim() == 2);
         return cuda::mm(a, b);
       }));
  path(r, "aten::bmm", "", wrap([](const Tensor& a, const Tensor& b) {
         need(f32(a) && f32(b) && a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0));
         return cuda::matmul(a, b);
       }));
  path(r, "aten::matmul", "", wrap([](const Tensor& a, const Tensor& b) {
         need(f32(a) && f32(b) && a.dim() >= 1 && b.dim() >= 1);
         return cuda::matmul(a, b);
       }));

  // ---- normalisation, pooling, softmax ----
  path(r, "aten::batch_norm", "",
       wrap([](const Tensor& x, OptTensor w, OptTensor b, OptTensor mean, OptTensor var, bool training, double,
               double eps, bool) {
         need(f32(x) && !training && mean && var && f32(*mean) && f32(*var) && f32_or_none(w) && f32_or_none(b) &&
              x.dim() >= 2);
         return cuda::batch_norm(x, or_empty(w), or_empty(b), *mean, *var, eps);
       }));
  path(r, "aten::layer_norm", "", wrap([](const Tensor& x, IntList shape, OptTensor w, OptTensor b, double eps, bool) {
         need(f32(x) && f32_or_none(w) && f32_or_none(b) && !shape.empty() &&
              static_cast<int64_t>(shape.size()) <= x.dim());
         for (size_t i = 0; i < shape.size(); ++i)
           need(x.size(x.dim() - static_cast<int64_t>(shape.size()) + static_cast<int64_t>(i)) == shape[i]);
         return cuda::layer_norm(x, static_cast<int64_t>(shape.size()), or_empty(w), or_empty(b), eps);
       }));
  path(r, "aten::max_pool2d", "",
       wrap([](const Tensor& x, IntList k, IntList s, IntList p, IntList d, bool ceil_mode) {
         need(f32(x) && (x.dim() == 3 || x.dim() == 4) && !k.empty());
         const auto kk = pair(k, 1);
         const auto ss = s.empty() ? kk : pair(s, 1);
         need(kk[0] > 0 && kk[1] > 0 && ss[0] > 0 && ss[1] > 0);
         const auto pp = pair(p, 0), dd = pair(d, 1);
         need(pp[0] >= 0 && pp[1] >= 0 && pp[0] * 2 <= kk[0] && pp[1] * 2 <= kk[1] && dd[0] > 0 && dd[1] > 0);
         return cuda::max_pool2d(x, kk, ss, pp, dd, ceil_mode);
       }));
  path(r, "aten::avg_pool2d", "",
       wrap([](const Tensor& x, IntList k, IntList s, IntList p, bool ceil_mode, bool include_pad,
               std::optional<int64_t> divisor) {
         need(f32(x) && (x.dim() == 3 || x.dim() == 4) && !k.empty() && (!divisor || *divisor != 0));
         const auto kk = pair(k, 1);
         const auto ss = s.empty() ? kk : pair(s, 1);
         const auto pp = pair(p, 0);
         need(kk[0] > 0 && kk[1] > 0 && ss[0] > 0 && ss[1] > 0 && pp[0] >= 0 && pp[1] >= 0 && pp[0] * 2 <= kk[0] &&
              pp[1] * 2 <= kk[1]);
         return cuda::avg_pool2d(x, kk, ss, pp, ceil_mode, include_pad, divisor);
       }));
  path(r, "aten::adaptive_avg_pool2d", "", wrap([](const Tensor& x, IntList out) {
         need(f32(x) && (x.dim() == 3 || x.dim() == 4) && x.size(-1) > 0 && x.size(-2) > 0);
         const auto o = pair(out, 1);
         need(o[0] > 0 && o[1] > 0);
         return cuda::adaptive_avg_pool2d(x, o);
       }));
  for (const bool log : {false, true})
    path(r, log ? "aten::log_softmax" : "aten::softmax", "int",
         wrap([log](const Tensor& x, int64_t dim, std::optional<DType> dtype) {
           need(f32(x) && (!dtype || *dtype == DType::Float32));
           const int64_t nd = std::max<int64_t>(x.dim(), 1);
           need(dim >= -nd && dim < nd);
           return cuda::softmax(x, dim, log);
         }));

  // ---- reductions ----
  path(r, "aten::mean", "dim",
       wrap([](const Tensor& x, std::optional<IntList> dims, bool keepdim, std::optional<DType> dtype) {
         return reduce(x, dims, keepdim, dtype, true);
       }));
  path(r, "aten::sum", "dim_IntList",
       wrap([](const Tensor& x, std::optional<IntList> dims, bool keepdim, std::optional<DType> dtype) {
         return reduce(x, dims, keepdim, dtype, false);
       }));
  path(r, "aten::mean", "", wrap([](const Tensor& x, std::optional<DType> dtype) {
         return reduce(x, std::nullopt, false, dtype, true);
       }));
  path(r, "aten::sum", "", wrap([](const Tensor& x, std::optional<DType> dtype) {
         return reduce(x, std::nullopt, false, dtype, false);
       }));

  // ---- gathers, activations with parameters ----
  path(r, "aten::embedding", "", wrap([](const Tensor& w, const Tensor& idx, int64_t, bool, bool) {
         need(f32(w) && w.dim() == 2 && !idx.is_cpu() && (idx.dtype() == DType::Int64 || idx.dtype() == DType::Int32));
         return cuda::embedding(w, idx);
       }));
  path(r, "aten::gelu", "", wrap([](const Tensor& x, std::string approximate) {
         need(f32(x) && (approximate == "none" || approximate == "tanh"));
         return cuda::gelu(x, approximate == "tanh");
       }));
  path(r, "aten::hardtanh", "", wrap([](const Tensor& x, Scalar lo, Scalar hi) {
         need(f32(x) && !lo.is_complex() && !hi.is_complex());
         return cuda::clamp(x, lo.to_double(), hi.to_double());
       }));
  path(r, "aten::hardtanh_", "", wrap([](const Tensor& x, Scalar lo, Scalar hi) {
         need(f32(x) && !lo.is_complex() && !hi.is_complex());
         copy_into(x, cuda::clamp(x, lo.to_double(), hi.to_double()));
         return x;
       }));
  path(r, "aten::relu6", "", wrap([](const Tensor& x) {
         need(f32(x));
         return cuda::clamp(x, 0.0, 6.0);
       }));
  path(r, "aten::clamp", "", wrap([](const Tensor& x, OptScalar lo, OptScalar hi) {
         need(f32(x) && (lo || hi) && !(lo && lo->is_complex()) && !(hi && hi->is_complex()));
         return cuda::clamp(x, lo ? std::optional<double>(lo->to_double()) : std::nullopt,
                            hi ? std::optional<double>(hi->to_double()) : std::nullopt);
       }));
  path(r, "aten::clamp_", "", wrap([](const Tensor& x, OptScalar lo, OptScalar hi) {
         need(f32(x) && (lo || hi) && !(lo && lo->is_complex()) && !(hi && hi->is_complex()));
         copy_into(x, cuda::clamp(x, lo ? std::optional<double>(lo->to_double()) : std::nullopt,
                                  hi ? std::optional<double>(hi->to_double()) : std::nullopt));
         return x;
       }));
  path(r, "aten::dropout", "", wrap([](const Tensor& x, double, bool train) {
         need(!train);
         return x;
       }));

  // ---- creation like an input: made on its device ----
  for (const char* which : {"empty_like", "zeros_like", "ones_like"}) {
    const int64_t value = std::string(which) == "ones_like" ? 1 : 0;
    path(r, std::string("aten::") + which, "",
         wrap([value](const Tensor& self, std::optional<DType> dt, Value layout, std::optional<Device> dev, Value pin,
                      Value) {
           const DType dtype = dt.value_or(self.dtype());
           need(!self.is_cpu() && cuda::has_cuda_type(dtype) && layout.is_none() && pin.is_none() &&
                (!dev || *dev == self.device() || (dev->type == DeviceType::CUDA && dev->index < 0)));
           Tensor out = Tensor::empty(self.sizes(), dtype, self.device());  // zero-filled
           if (value) cuda::fill(out, Scalar(value));
           return out;
         }));
  }
  path(r, "aten::full_like", "",
       wrap([](const Tensor& self, Scalar fill, std::optional<DType> dt, Value layout, std::optional<Device> dev,
               Value pin, Value) {
         need(!self.is_cpu() && !fill.is_complex() && layout.is_none() && pin.is_none() &&
              (!dev || *dev == self.device() || (dev->type == DeviceType::CUDA && dev->index < 0)));
         // The result dtype is self's unless given (PyTorch's full_like).
         const DType dtype = dt.value_or(self.dtype());
         need(cuda::has_cuda_type(dtype));
         Tensor out = Tensor::empty(self.sizes(), dtype, self.device());
         cuda::fill(out, fill);
         return out;
       }));

  // ---- cat: each input copied into its slice of the result ----
  path(r, "aten::cat", "", wrap([](std::vector<Tensor> ts, int64_t dim) {
         need(!ts.empty());
         const Tensor* first = nullptr;
         for (const Tensor& t : ts)
           if (!(t.dim() == 1 && t.size(0) == 0)) {  // legacy empty inputs are skipped, as in PyTorch
             first = &t;
             break;
           }
         need(first != nullptr);
         const int64_t nd = first->dim();
         need(nd > 0 && dim >= -nd && dim < nd);
         const int64_t d = dim < 0 ? dim + nd : dim;
         int64_t total = 0;
         for (const Tensor& t : ts) {
           if (t.dim() == 1 && t.size(0) == 0) continue;
           need(!t.is_cpu() && t.device() == first->device() && t.dtype() == first->dtype() && t.dim() == nd);
           for (int64_t i = 0; i < nd; ++i) need(i == d || t.size(i) == first->size(i));
           total += t.size(d);
         }
         Shape sz(first->sizes().begin(), first->sizes().end());
         sz[static_cast<size_t>(d)] = total;
         Tensor out = Tensor::empty_uninitialized(sz, first->dtype(), first->device());
         const Shape st = contiguous_strides(sz);
         int64_t at = 0;
         for (const Tensor& t : ts) {
           if (t.dim() == 1 && t.size(0) == 0) continue;
           Shape part(sz);
           part[static_cast<size_t>(d)] = t.size(d);
           if (t.numel() > 0) copy_into(out.as_strided(part, st, at * st[static_cast<size_t>(d)]), t);
           at += t.size(d);
         }
         return out;
       }));

  // ---- shape ops whose CPU kernels make views or call contiguous()/clone()/to(dtype) ----
  for (const auto& [name, overload] : std::vector<std::pair<const char*, const char*>>{
           {"aten::contiguous", ""}, {"aten::reshape", ""}, {"aten::flatten", "using_ints"}, {"aten::to", "dtype"},
           {"aten::to", "prim_dtype"},
           // rsub is the table's sub with its operands swapped (tensor/elementwise_meta.h's runners)
           {"aten::rsub", "Tensor"}, {"aten::rsub", "Scalar"},
           // copy_ is copy_into, which copies on the device (and between devices)
           {"aten::copy_", ""}, {"aten::copy_", "Tensor"}})
    if (const Operator* op = r.find(name, overload))
      r.add_path(name, overload, Backend::CUDA, op->kernel, cuda_kernels_ready);
}

}  // namespace ember::ops
