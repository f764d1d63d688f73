// reduce.h — reductions (sum, mean, max, var, norm, any...), scans (cumsum, cumprod) and
// softmax. Dim lists follow PyTorch: None or [] reduces every dim; keepdim leaves size-1 dims.
#pragma once

#include <optional>
#include <span>
#include <tuple>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

using DimList = std::optional<std::span<const int64_t>>;

// Integral and bool inputs sum/prod in int64 unless `dtype` says otherwise.
Tensor sum(const Tensor& x, DimList dims, bool keepdim, std::optional<DType> dtype);
Tensor mean(const Tensor& x, DimList dims, bool keepdim, std::optional<DType> dtype);
Tensor prod(const Tensor& x, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype);
Tensor amax(const Tensor& x, DimList dims, bool keepdim);
Tensor amin(const Tensor& x, DimList dims, bool keepdim);
// (values, int64 indices of the first extreme; NaN counts as the extreme).
std::tuple<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim);
std::tuple<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim);
// correction defaults to 1 (Bessel); divides by max(0, N - correction).
Tensor var(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim);
Tensor std(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim);
std::tuple<Tensor, Tensor> var_mean(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim);
std::tuple<Tensor, Tensor> std_mean(const Tensor& x, DimList dims, std::optional<int64_t> correction, bool keepdim);
Tensor any(const Tensor& x, DimList dims, bool keepdim);
Tensor all(const Tensor& x, DimList dims, bool keepdim);
Tensor count_nonzero(const Tensor& x, DimList dims);
// p = 2 by default; 1, inf, -inf, 0 and any other real p.
Tensor norm(const Tensor& x, const Scalar& p, DimList dims, bool keepdim, std::optional<DType> dtype);
Tensor logsumexp(const Tensor& x, DimList dims, bool keepdim);
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype);
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype);
Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype);
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype);
// The same in double with std::exp for every lane (the vectorised float32 rows of the two above
// are not used): the ops' reference paths.
Tensor softmax_reference(const Tensor& x, int64_t dim, std::optional<DType> dtype);
Tensor log_softmax_reference(const Tensor& x, int64_t dim, std::optional<DType> dtype);

}  // namespace ember::cpu
