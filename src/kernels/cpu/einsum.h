// einsum.h — Einstein summation and the small products and diagonal views that live next to it
// (outer, cross, diag, diagonal, diag_embed).
//
// einsum parses the equation (letters, one `...` per operand, implicit output when `->` is
// absent), lays every operand out over one shared label order (repeated labels within an operand
// become a diagonal view, missing labels size-1 dims), then contracts left to right: labels no
// later operand or the output needs are summed away first, and each pair is one bmm over
// (batch, kept-left, summed) x (batch, summed, kept-right).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "ember/tensor.h"

namespace ember::cpu {

Tensor einsum(const std::string& equation, std::span<const Tensor> operands);
// 1-D a and b: a[i] * b[j].
Tensor outer(const Tensor& a, const Tensor& b);
// Cross product of 3-vectors along `dim` after broadcasting; dim nullopt means the first dim of
// size 3 (torch.cross's deprecated default).
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim);
// 1-D input: a square matrix with it on diagonal `k`; 2-D input: a copy of diagonal `k`.
Tensor diag(const Tensor& x, int64_t k);
// A view of the diagonal of dims (dim1, dim2), appended as the last dim.
Tensor diagonal(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2);
Tensor diag_embed(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2);

}  // namespace ember::cpu
