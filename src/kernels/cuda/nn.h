// nn.h — network ops on NVIDIA GPUs: NVRTC kernels (normalisation, pooling, softmax, reductions,
// gathers, activations with parameters), cuBLAS products (blas.cpp) and cuDNN convolution
// (dnn.cpp). Float32 tensors on one CUDA device; the ops layer (ops/cuda_ops.cpp) checks that
// before calling and runs anything else on the CPU with copies. Results are new contiguous
// tensors on the input's device.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ember/tensor.h"

namespace ember::cuda {

// The CUDA C++ of the kernels below (one NVRTC program), for tests/cuda_source's compile check.
std::string nn_source();

// Whether cuBLAS / cuDNN load here (EMBER_CUDA_LIBS, then the system's search path); `why` says
// what was tried when not.
bool blas_ready(std::string* why);
bool dnn_ready(std::string* why);

// Batch norm with running statistics (inference): per channel (dim 1).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                  double eps);
Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> pad, std::array<int64_t, 2> dilation, bool ceil_mode);
Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> pad, bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor);
Tensor adaptive_avg_pool2d(const Tensor& x, std::array<int64_t, 2> out);
// softmax / log_softmax over `dim`.
Tensor softmax(const Tensor& x, int64_t dim, bool log);
// Normalises over the last `normalized_dims` dims; weight/bias optional (undefined).
Tensor layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& weight, const Tensor& bias, double eps);
// Rows of `weight` ([num, dim]) picked by integer `indices` (any shape): [..., dim]. Fails with
// PyTorch's message when an index is out of range.
Tensor embedding(const Tensor& weight, const Tensor& indices);
Tensor gelu(const Tensor& x, bool tanh_approximation);
// min(max(x, lo), hi) with NaN kept (clamp, hardtanh, relu6).
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi);
// Sum or mean over `dims` (already normalised, distinct), keeping them as size 1 when keepdim.
Tensor reduce_sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool mean);

// out = a @ b for 2-d a [M, K], b [K, N] (any strides), plus beta * c broadcast when c is defined.
Tensor mm(const Tensor& a, const Tensor& b, const Tensor& c = Tensor(), double beta = 1.0, double alpha = 1.0);
// torch.matmul's rules for any ranks >= 1 (batch dims broadcast).
Tensor matmul(const Tensor& a, const Tensor& b);
// x @ weight.T + bias over x's last dim.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// 2-d convolution (cuDNN), NCHW: weight [K, C / groups, kh, kw], bias optional.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
              std::array<int64_t, 2> pad, std::array<int64_t, 2> dilation, int64_t groups);

// ember::conv_fused's epilogue, in place over contiguous NCHW y: act(y * scale[c] + shift[c] +
// residual) with cpu::ConvEpilogue::Act's codes; scale, shift and residual may be undefined.
void conv_epilogue(const Tensor& y, const Tensor& scale, const Tensor& shift, const Tensor& residual, int act, float lo,
                   float hi);

}  // namespace ember::cuda
