// sort.h — sorting and selection along a dim: sort/argsort, topk, kthvalue, median, mode,
// unique, cummax/cummin, searchsorted/bucketize.
//
// NaN counts as larger than every number, as in PyTorch. Where PyTorch's CPU kernels leave the
// order of equal elements to an unstable algorithm (topk's partial sort/nth_element, kthvalue's
// quickselect, mode's sort, unique's hash set), these kernels run the same algorithm over the
// same sequence, so tie indices match PyTorch's rather than merely being valid.
#pragma once

#include <optional>
#include <string>
#include <tuple>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

// stable: equal elements keep their order in both directions; otherwise ties come out in the
// order PyTorch's (introsort) CPU kernel leaves them.
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable);
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted);
std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, int64_t k, int64_t dim, bool keepdim);
// Lower median of all elements; NaN when any element is NaN (nanmedian skips them).
Tensor median(const Tensor& x, bool ignore_nan);
std::tuple<Tensor, Tensor> median_dim(const Tensor& x, int64_t dim, bool keepdim, bool ignore_nan);
std::tuple<Tensor, Tensor> mode(const Tensor& x, int64_t dim, bool keepdim);
// (values, inverse, counts) over the flattened input, as aten::_unique2. inverse has x's shape
// when return_inverse or return_counts is set, else it and counts are empty.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& x, bool sorted, bool return_inverse, bool return_counts);
// Collapses runs of equal elements of the flattened input (dim None only).
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& x, bool return_inverse, bool return_counts);
std::tuple<Tensor, Tensor> cummax(const Tensor& x, int64_t dim);
std::tuple<Tensor, Tensor> cummin(const Tensor& x, int64_t dim);
// Index in the last dim of `sorted_seq` where each value of `values` would be inserted.
Tensor searchsorted(const Tensor& sorted_seq, const Tensor& values, bool out_int32, bool right,
                    const std::optional<std::string>& side, const std::optional<Tensor>& sorter);
Tensor bucketize(const Tensor& values, const Tensor& boundaries, bool out_int32, bool right);

// Placing and taking by index along a dim (the companions of argsort/topk results).
// take_along_dim: gather after broadcasting x and indices in every dim but `dim`; without a dim
// both are flattened.
Tensor take_along_dim(const Tensor& x, const Tensor& indices, std::optional<int64_t> dim);
// Out-of-place forms copy self first; the `_` forms write into self and return it. Indices are
// int64 vectors (or scalars); negative ones count from the end.
Tensor index_fill_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha);
Tensor index_copy_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);

}  // namespace ember::cpu
