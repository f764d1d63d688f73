// shape.h — views and shape ops. Ops PyTorch documents as views return tensors sharing the
// input's storage (writing one shows in the other); the rest (cat, flip, repeat...) copy.
#pragma once

#include <optional>
#include <vector>

#include "ember/tensor.h"
#include "tensor/scalar.h"

namespace ember::cpu {

// Fills one -1 and checks the element count ("shape '[2, 5]' is invalid for input of size 6").
Shape infer_size(std::span<const int64_t> shape, int64_t numel);
Tensor view(const Tensor& t, std::span<const int64_t> shape);
// A view when the strides allow it, else a contiguous copy.
Tensor reshape(const Tensor& t, std::span<const int64_t> shape);
Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim);
Tensor unflatten(const Tensor& t, int64_t dim, std::span<const int64_t> sizes);
Tensor permute(const Tensor& t, std::span<const int64_t> dims);
Tensor transpose(const Tensor& t, int64_t d0, int64_t d1);
Tensor t(const Tensor& t);            // 0-2 dims only
Tensor matrix_transpose(const Tensor& t);  // mT: swaps the last two dims
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor expand(const Tensor& t, std::span<const int64_t> sizes);
Tensor repeat(const Tensor& t, std::span<const int64_t> repeats);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim);
std::vector<Tensor> split_with_sizes(const Tensor& t, std::span<const int64_t> sizes, int64_t dim);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim);
std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim);
std::vector<Tensor> tensor_split_indices(const Tensor& t, std::span<const int64_t> indices, int64_t dim);
std::vector<Tensor> unbind(const Tensor& t, int64_t dim);
Tensor cat(std::span<const Tensor> tensors, int64_t dim);
Tensor stack(std::span<const Tensor> tensors, int64_t dim);
Tensor hstack(std::span<const Tensor> tensors);
Tensor vstack(std::span<const Tensor> tensors);
Tensor flip(const Tensor& t, std::span<const int64_t> dims);
Tensor roll(const Tensor& t, std::span<const int64_t> shifts, std::span<const int64_t> dims);
Tensor tril(const Tensor& t, int64_t diagonal);
Tensor triu(const Tensor& t, int64_t diagonal);
Tensor movedim(const Tensor& t, std::span<const int64_t> src, std::span<const int64_t> dst);
// A new tensor handle on the same data (detach, alias).
Tensor alias(const Tensor& t);
// The tensor in `dtype`: the same tensor when nothing changes and copy is false.
Tensor to_dtype(const Tensor& t, DType dtype, bool copy);
// Reinterprets the bytes as another dtype of the same size (view.dtype).
Tensor view_dtype(const Tensor& t, DType dtype);

// In-place geometry changes on the handle itself (squeeze_, unsqueeze_, t_, transpose_).
Tensor set_geometry_(const Tensor& self, const Tensor& like);
// aten::resize_: the handle takes `sizes` with contiguous strides; its storage grows (contents
// kept, new elements uninitialised) when too small. Views made before a growth keep the old storage.
Tensor resize_(const Tensor& self, std::span<const int64_t> sizes);

}  // namespace ember::cpu
