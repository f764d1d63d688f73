// ember/tensor.h — n-dimensional arrays over shared storage.
//
// A Tensor is a handle: copying it aliases the same TensorImpl, the way a Python reference to a
// torch.Tensor does. Views (slices, transposes, reshapes of contiguous data) share one Storage and
// differ in sizes, strides and offset. A Storage either owns its bytes or borrows them from an
// owner that it keeps alive (a memory-mapped archive, a caller's buffer).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ember/dtype.h"
#include "ember/error.h"

namespace ember {

using Shape = std::vector<int64_t>;

// Bytes of `numel` elements of `dtype`; fails past 2^62 bytes.
size_t checked_nbytes(int64_t numel, DType dtype);

class Storage {
 public:
  // Borrows `data`; `owner` (may be null) is kept alive as long as the storage is.
  Storage(void* data, size_t nbytes, std::shared_ptr<const void> owner, bool borrowed = true)
      : data_(data), nbytes_(nbytes), owner_(std::move(owner)), borrowed_(borrowed) {}
  // A new zero-filled, 64-byte aligned allocation.
  static std::shared_ptr<Storage> allocate(size_t nbytes);
  // The same without zero-filling (the bytes are whatever the block held): only for buffers
  // that are written in full before anything reads them.
  static std::shared_ptr<Storage> allocate_uninitialized(size_t nbytes);

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  // True when the bytes belong to something else (an mmap'd file or a caller's buffer).
  bool borrowed() const { return borrowed_; }

 private:
  void* data_;
  size_t nbytes_;
  std::shared_ptr<const void> owner_;
  bool borrowed_ = true;
};

// The meaning of a quantized tensor's integers (scale, zero point, per-channel parameters);
// defined in src/tensor/quantized.h. Null for every non-quantized tensor.
struct QuantParams;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  DType dtype = DType::Float32;
  Shape sizes;
  Shape strides;        // in elements
  int64_t offset = 0;   // in elements
  bool requires_grad = false;
  // Set on the minimal nested tensors nn.TransformerEncoder's fast path builds (see
  // src/kernels/cpu/nested.h): the data is stored padded as [B, T, ...] and entry b holds
  // nested_lengths[b] valid rows along dim 1. Null for every ordinary tensor; views and results
  // of other ops never carry it.
  std::shared_ptr<const std::vector<int64_t>> nested_lengths;
  // Set exactly when dtype is quantized; views share it.
  std::shared_ptr<const QuantParams> qparams;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new contiguous tensor; `empty` leaves zero-filled memory (allocation zeroes).
  static Tensor empty(std::span<const int64_t> sizes, DType dtype);
  static Tensor empty(std::initializer_list<int64_t> sizes, DType dtype) {
    return empty(std::span<const int64_t>(sizes.begin(), sizes.size()), dtype);
  }
  static Tensor zeros(std::span<const int64_t> sizes, DType dtype) { return empty(sizes, dtype); }
  // A new contiguous tensor whose memory is not zero-filled: for results a kernel overwrites
  // entirely (skips a memset pass over every fresh output).
  static Tensor empty_uninitialized(std::span<const int64_t> sizes, DType dtype);
  static Tensor empty_uninitialized(std::initializer_list<int64_t> sizes, DType dtype) {
    return empty_uninitialized(std::span<const int64_t>(sizes.begin(), sizes.size()), dtype);
  }
  // Wraps caller memory without copying; the caller keeps it alive while the tensor is used.
  // Empty `strides` means contiguous.
  static Tensor from_blob(void* data, std::span<const int64_t> sizes, DType dtype,
                          std::span<const int64_t> strides = {});
  static Tensor from_blob(void* data, std::initializer_list<int64_t> sizes, DType dtype) {
    return from_blob(data, std::span<const int64_t>(sizes.begin(), sizes.size()), dtype);
  }
  // A view over `storage` after checking that every element it reaches lies inside it.
  static Tensor from_storage(std::shared_ptr<Storage> storage, DType dtype, Shape sizes,
                             Shape strides, int64_t offset);
  // 0-dim tensors from a scalar.
  template <class T>
  static Tensor scalar(T v) {
    Tensor t = empty({}, dtype_of<T>::value);
    *t.data<T>() = v;
    return t;
  }

  bool defined() const { return impl_ != nullptr; }
  DType dtype() const { return impl().dtype; }
  const Shape& sizes() const { return impl().sizes; }
  const Shape& strides() const { return impl().strides; }
  int64_t size(int64_t dim) const;    // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t offset() const { return impl().offset; }
  int64_t dim() const { return static_cast<int64_t>(impl().sizes.size()); }
  int64_t numel() const;
  size_t element_size() const { return ember::element_size(dtype()); }
  size_t nbytes() const { return checked_nbytes(numel(), dtype()); }
  bool is_contiguous() const;
  bool requires_grad() const { return impl().requires_grad; }

  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  // Address of element 0 (storage start + offset).
  void* raw_data() const;
  template <class T>
  T* data() const {
    if (dtype_of<T>::value != dtype())
      fail("tensor holds ", dtype_name(dtype()), ", not ", dtype_name(dtype_of<T>::value));
    return static_cast<T*>(raw_data());
  }
  // The single element of a one-element tensor, converted.
  double item_double() const;
  int64_t item_int() const;

  // Same storage, new geometry (checked against the storage bounds).
  Tensor as_strided(Shape sizes, Shape strides, int64_t offset) const;
  // A contiguous copy, or this tensor when already contiguous.
  Tensor contiguous() const;
  // Always a new contiguous copy.
  Tensor clone() const;
  // Converted to dtype (C++ static_cast semantics per element, like torch's .to()).
  Tensor to(DType dtype) const;
  // Element i in row-major logical order, converted to double (slow; for printing and tests).
  double at_double(int64_t flat_index) const;

  // Shows dtype, shape and up to `max_items` leading values.
  std::string summary(int64_t max_items = 8) const;

  TensorImpl* unsafe_impl() const { return impl_.get(); }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  TensorImpl& impl() const {
    if (!impl_) fail("use of an undefined tensor (a default-constructed ember::Tensor holds no data)");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

// Contiguous strides for sizes; fails on negative sizes or element counts over 2^62.
Shape contiguous_strides(std::span<const int64_t> sizes);
// Product of sizes with overflow checks; fails with a clear message on overflow or negatives.
int64_t checked_numel(std::span<const int64_t> sizes);
// Every storage size and view extent goes through checked_nbytes and checked_extent, so no
// product of sizes, strides or element sizes wraps around.
// How many elements a storage needs so that sizes/strides starting at `offset` stay inside it
// (0 for an empty tensor); fails with a clear message when the extent overflows.
int64_t checked_extent(std::span<const int64_t> sizes, std::span<const int64_t> strides, int64_t offset = 0);
std::string shape_string(std::span<const int64_t> sizes);

}  // namespace ember
