#include "kernels/cpu/nested.h"

#include <algorithm>
#include <memory>

#include "tensor/elementwise.h"
#include "tensor/impl.h"
#include "tensor/scalar.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

void check_mask_args(const char* op, const Tensor& t, const Tensor& mask) {
  if (mask.dtype() != DType::Bool) fail(op, ": Expected mask to be of type bool, got ", dtype_name(mask.dtype()));
  if (mask.dim() != 2) fail(op, ": Padding mask should be 2D");
  if (t.dim() != 3) fail(op, ": Input should be a 3D tensor, N * L * D");
  if (t.size(0) != mask.size(0) || t.size(1) != mask.size(1)) fail(op, ": Mask size should match input size");
}

// Per row: the index of the first False (the row length when there is none) and the True count.
void mask_runs(const Tensor& mask, std::vector<int64_t>& lengths, int64_t& trues) {
  const Tensor m = mask.contiguous();
  const bool* p = m.data<bool>();
  const int64_t rows = m.size(0), cols = m.size(1);
  lengths.assign(static_cast<size_t>(rows), 0);
  trues = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const bool* row = p + r * cols;
    lengths[static_cast<size_t>(r)] = std::find(row, row + cols, false) - row;
    trues += std::count(row, row + cols, true);
  }
}

// Marks a freshly made [B, T, ...] tensor as nested and zeroes the rows past each length.
Tensor mark_nested(Tensor dense, std::vector<int64_t> lengths) {
  EMBER_ASSERT(dense.dim() >= 2 && static_cast<size_t>(dense.size(0)) == lengths.size(),
               "nested data of shape ", shape_string(dense.sizes()), " for ", lengths.size(), " lengths");
  for (int64_t b = 0; b < dense.size(0); ++b) {
    const int64_t len = lengths[static_cast<size_t>(b)];
    if (len >= dense.size(1)) continue;
    Shape sizes = dense.sizes(), strides = dense.strides();
    sizes.erase(sizes.begin());
    strides.erase(strides.begin());
    sizes[0] -= len;
    const Tensor rows = dense.as_strided(sizes, strides, dense.offset() + b * dense.stride(0) + len * dense.stride(1));
    copy_into(rows, scalar_to_tensor(Scalar(0.0), dense.dtype()));
  }
  dense.unsafe_impl()->nested_lengths = std::make_shared<const std::vector<int64_t>>(std::move(lengths));
  return dense;
}

}  // namespace

bool is_nested(const Tensor& t) { return t.defined() && t.unsafe_impl()->nested_lengths != nullptr; }

const std::vector<int64_t>& nested_lengths(const Tensor& t) {
  if (!is_nested(t)) fail("expected a nested tensor, got a dense tensor of shape ", shape_string(t.sizes()));
  return *t.unsafe_impl()->nested_lengths;
}

Tensor nested_tensor_from_mask(const Tensor& t, const Tensor& mask, bool mask_check) {
  check_mask_args("_nested_tensor_from_mask", t, mask);
  std::vector<int64_t> lengths;
  int64_t trues = 0;
  mask_runs(mask, lengths, trues);
  int64_t kept = 0;
  for (int64_t l : lengths) kept += l;
  if (mask_check && kept != trues) fail("_nested_tensor_from_mask: Mask must be left-aligned without gaps");
  return mark_nested(t.clone(), std::move(lengths));
}

bool nested_tensor_from_mask_left_aligned(const Tensor& t, const Tensor& mask) {
  check_mask_args("_nested_tensor_from_mask_left_aligned", t, mask);
  std::vector<int64_t> lengths;
  int64_t trues = 0;
  mask_runs(mask, lengths, trues);
  int64_t kept = 0;
  for (int64_t l : lengths) kept += l;
  return kept == trues;
}

Tensor to_padded_tensor(const Tensor& t, double padding, const std::optional<Shape>& output_size) {
  if (!is_nested(t))
    fail("to_padded_tensor: expected a nested tensor (made by _nested_tensor_from_mask), got a dense "
         "tensor of shape ", shape_string(t.sizes()));
  const std::vector<int64_t>& lengths = nested_lengths(t);
  const int64_t max_len = lengths.empty() ? 0 : *std::max_element(lengths.begin(), lengths.end());
  if (!lengths.empty() && (max_len == 0 || t.numel() == 0))
    fail("to_padded_tensor: at least one constituent tensor should have non-zero numel");
  Shape sizes = t.sizes();
  sizes[1] = max_len;
  if (output_size) {
    if (output_size->size() != sizes.size())
      fail("Length of output_size does not match NestedTensor dims. Broadcasting is not supported.");
    for (size_t i = 0; i < sizes.size(); ++i) {
      if ((*output_size)[i] < sizes[i])
        fail("Value in output_size is less than NestedTensor padded size. Truncation is not supported.");
      sizes[i] = (*output_size)[i];
    }
  }
  Tensor out = Tensor::empty(sizes, t.dtype());
  copy_into(out, scalar_to_tensor(Scalar(padding), t.dtype()));
  for (int64_t b = 0; b < t.size(0); ++b) {
    const int64_t len = lengths[static_cast<size_t>(b)];
    if (len == 0) continue;
    Shape part = t.sizes();
    part.erase(part.begin());
    part[0] = len;
    Shape src_strides = t.strides(), dst_strides = out.strides();
    src_strides.erase(src_strides.begin());
    dst_strides.erase(dst_strides.begin());
    copy_into(out.as_strided(part, dst_strides, out.offset() + b * out.stride(0)),
              t.as_strided(part, src_strides, t.offset() + b * t.stride(0)));
  }
  return out;
}

Tensor nested_padding_mask(const Tensor& t) {
  const std::vector<int64_t>& lengths = nested_lengths(t);
  const int64_t rows = t.size(0), cols = t.size(1);
  Tensor mask = Tensor::empty({rows, cols}, DType::Bool);
  bool* p = mask.data<bool>();
  for (int64_t b = 0; b < rows; ++b)
    for (int64_t j = 0; j < cols; ++j) p[b * cols + j] = j >= lengths[static_cast<size_t>(b)];
  return mask;
}

Tensor nested_like(const Tensor& dense, const Tensor& like) {
  if (dense.dim() < 2 || dense.size(0) != like.size(0) || dense.size(1) != like.size(1))
    fail("nested result of shape ", shape_string(dense.sizes()), " does not match its nested input ",
         shape_string(like.sizes()));
  // A new handle so that marking never touches a tensor other code holds.
  Tensor own = dense.as_strided(dense.sizes(), dense.strides(), dense.offset());
  return mark_nested(own, nested_lengths(like));
}

}  // namespace ember::cpu
