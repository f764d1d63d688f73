// index.h — gathering and scattering by index: index_select, gather/scatter, masks, nonzero,
// advanced indexing (x[idx], x[mask], x[:, idx] = v) and embedding lookups.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
// reduce: "" (assign), "add" or "multiply". scatter_ writes into self; scatter copies first.
Tensor scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce);
Tensor scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, const std::string& reduce);
Tensor masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor masked_fill_(const Tensor& self, const Tensor& mask, const Tensor& value);
// Out-of-place forms broadcast self with the mask first, as PyTorch does.
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor masked_select(const Tensor& self, const Tensor& mask);
// [n, ndim] int64 coordinates of the non-zero elements, in row-major order.
Tensor nonzero(const Tensor& self);
// self[indices]: undefined entries stand for ':'; bool/uint8 entries are masks.
Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices);
Tensor index_put_(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                  bool accumulate);
Tensor embedding(const Tensor& weight, const Tensor& indices);

}  // namespace ember::cpu
