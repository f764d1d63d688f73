// broadcast.h — shape arithmetic shared by every op: broadcasting and dimension wrapping, with
// PyTorch's error messages.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// The broadcast shape of a and b; fails with "The size of tensor a (3) must match the size of
// tensor b (4) at non-singleton dimension 1".
Shape broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b);
// True when `from` broadcasts to `to` (expand's rule: trailing alignment, 1 stretches).
bool broadcastable_to(std::span<const int64_t> from, std::span<const int64_t> to);

// A dim in [-ndim, ndim) made non-negative; 0-dim tensors accept -1 and 0 like PyTorch.
int64_t wrap_dim(int64_t dim, int64_t ndim);
// Which of ndim dims a dim list names (an empty list names none); fails on repeats with
// "dim 1 appears multiple times in the list of dims".
std::vector<bool> dim_mask(std::span<const int64_t> dims, int64_t ndim);

// A view of t broadcast to `sizes` (stride 0 along stretched dims), like Tensor.expand.
Tensor expand_to(const Tensor& t, std::span<const int64_t> sizes);

}  // namespace ember
