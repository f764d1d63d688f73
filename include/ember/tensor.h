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

#include "ember/device.h"
#include "ember/dtype.h"
#include "ember/error.h"

namespace ember {

using Shape = std::vector<int64_t>;

// Bytes of `numel` elements of `dtype`; fails past 2^62 bytes.
size_t checked_nbytes(int64_t numel, DType dtype);

class Storage {
 public:
  // Borrows `data` (an address on `device`); `owner` (may be null) is kept alive as long as the
  // storage is.
  Storage(void* data, size_t nbytes, std::shared_ptr<const void> owner, bool borrowed = true,
          Device device = Device{})
      : data_(data), nbytes_(nbytes), owner_(std::move(owner)), borrowed_(borrowed), device_(device) {}
  // A new zero-filled allocation (64-byte aligned on the CPU). A device other than the CPU
  // allocates through its backend (an ember::Error when none is available).
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device = Device{});
  // The same without zero-filling (the bytes are whatever the block held): only for buffers
  // that are written in full before anything reads them.
  static std::shared_ptr<Storage> allocate_uninitialized(size_t nbytes, Device device = Device{});

  // The first byte's address on the storage's device (not dereferenceable on the CPU unless
  // the device is the CPU).
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  const Device& device() const { return device_; }
  // True when the bytes belong to something else (an mmap'd file or a caller's buffer).
  bool borrowed() const { return borrowed_; }

 private:
  void* data_;
  size_t nbytes_;
  std::shared_ptr<const void> owner_;
  bool borrowed_ = true;
  Device device_;
};

// The tensor's header (storage, dtype, sizes, strides, offset and the internal tags quantized and
// nested tensors carry). Defined in src/tensor/impl.h: not part of the public API.
struct TensorImpl;

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
  // The same on `device` (zero-filled; ember::Error when no backend serves the device).
  static Tensor empty(std::span<const int64_t> sizes, DType dtype, Device device);
  static Tensor empty(std::initializer_list<int64_t> sizes, DType dtype, Device device) {
    return empty(std::span<const int64_t>(sizes.begin(), sizes.size()), dtype, device);
  }
  // A new contiguous tensor whose memory is not zero-filled: for results a kernel overwrites
  // entirely (skips a memset pass over every fresh output).
  static Tensor empty_uninitialized(std::span<const int64_t> sizes, DType dtype);
  static Tensor empty_uninitialized(std::initializer_list<int64_t> sizes, DType dtype) {
    return empty_uninitialized(std::span<const int64_t>(sizes.begin(), sizes.size()), dtype);
  }
  static Tensor empty_uninitialized(std::span<const int64_t> sizes, DType dtype, Device device);
  static Tensor empty_uninitialized(std::initializer_list<int64_t> sizes, DType dtype, Device device) {
    return empty_uninitialized(std::span<const int64_t>(sizes.begin(), sizes.size()), dtype, device);
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

  // Every accessor below fails with ember::Error on an undefined tensor.
  bool defined() const { return impl_ != nullptr; }
  DType dtype() const;
  const Shape& sizes() const;
  const Shape& strides() const;
  int64_t size(int64_t dim) const;    // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t offset() const;
  int64_t dim() const;
  int64_t numel() const;
  size_t element_size() const { return ember::element_size(dtype()); }
  size_t nbytes() const { return checked_nbytes(numel(), dtype()); }
  bool is_contiguous() const;
  bool requires_grad() const;

  const std::shared_ptr<Storage>& storage() const;
  // The device its storage lives on.
  Device device() const;
  bool is_cpu() const { return device().is_cpu(); }
  // Address of element 0 (storage start + offset) in host memory; ember::Error for a tensor on
  // another device, whose bytes the CPU cannot read (copy it with to(Device) first).
  void* raw_data() const;
  // Address of element 0 on the tensor's device, whatever the device (for backends' kernels).
  void* device_data() const;
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
  // On `device`: this tensor when already there, else a contiguous copy made there (same dtype,
  // sizes and quantization parameters). Copies to or from a device go through its backend.
  Tensor to(Device device) const;
  // Element i in row-major logical order, converted to double (slow; for printing and tests).
  double at_double(int64_t flat_index) const;

  // Shows dtype, shape and up to `max_items` leading values.
  std::string summary(int64_t max_items = 8) const;

  // The header itself, for ember's own code (src/tensor/impl.h); opaque to users. Also an
  // identity: two handles alias one tensor exactly when these pointers are equal.
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  TensorImpl& impl() const;
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
