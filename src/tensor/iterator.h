// iterator.h — the strided n-d iterator every elementwise kernel runs on.
//
// TensorIterator takes outputs and inputs, broadcasts the inputs to one shape, allocates the
// outputs that were not given (in the memory order the inputs share, as PyTorch does, so
// `x.t() * 2` stays transposed), reorders and merges dimensions so the innermost run is as long
// as possible, and then hands a 1-d loop runs of elements:
//
//   loop(char** data, const int64_t* strides, int64_t n)
//
// where operand k's j-th element of the run is at data[k] + j * strides[k] (bytes; outputs come
// first). Empty tensors run no loop; 0-dim ones run one loop of one element. Kernels never see
// shapes, strides or dtypes: see elementwise.h for the typed layer on top.
//
// parallel_for_each splits the elements (in iteration order) into one contiguous range per
// thread when there are enough of them; the loop must then be safe to call concurrently on
// disjoint elements. Each element is still computed by exactly the same code, so results do not
// depend on the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ember/tensor.h"
#include "core/check.h"

namespace ember {

// Below this many elements an elementwise pass runs on the calling thread alone.
inline constexpr int64_t kParallelGrain = 32768;

// Calls body(begin, end) over [0, n): on the calling thread when n < grain, one thread is set or
// we are already inside a parallel region; otherwise over the OpenMP pool in contiguous ranges of
// ceil(n / threads) (one per thread, fixed by n and the thread count). An exception thrown by
// body on any thread is rethrown on the calling thread once all ranges have finished.
void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

// A new tensor of `sizes` laid out with `strides` (elements; a permutation of a dense layout) and
// `dtype`, on the device of the first operand not in host memory (the CPU when all are: a 0-dim
// CPU tensor, a wrapped scalar, may join tensors of a device, as in PyTorch): every output the
// iterator allocates for an elementwise op comes from here, so where results live is decided once.
Tensor allocate_like_operands(std::span<const Tensor> operands, std::span<const int64_t> sizes, Shape strides,
                              DType dtype);

// Fails as PyTorch does when `out` (a tensor an op writes) overlaps itself (a broadcast dim) or
// partly overlaps one of `inputs` (the same view is fine: in-place ops). TensorIterator::build
// checks every output given to it.
void check_no_overlap(const Tensor& out, std::span<const Tensor> inputs);

class TensorIterator {
 public:
  // An output: undefined means "allocate one of `dtype`"; a defined tensor (in-place ops, out=
  // arguments, views being written) must already have the broadcast shape and `dtype`.
  TensorIterator& add_output(const Tensor& out, DType dtype);
  TensorIterator& add_input(const Tensor& in);
  // Iterate over this shape (inputs must broadcast to it) instead of the inputs' broadcast shape.
  TensorIterator& declare_shape(Shape shape);
  // Resolves shapes and layouts and allocates outputs; call once, after adding operands.
  TensorIterator& build();

  const Shape& shape() const { return shape_; }  // the broadcast shape, in logical order
  int64_t numel() const { return numel_; }
  const Tensor& output(int i = 0) const { return tensors_[static_cast<size_t>(i)]; }
  int ntensors() const { return static_cast<int>(tensors_.size()); }

  // The iteration geometry after reordering and merging (dim 0 innermost, strides in bytes, one
  // row per operand, outputs first), for a backend that runs the loop on its own device.
  const std::vector<int64_t>& iter_shape() const { return iter_shape_; }
  const std::vector<int64_t>& iter_strides(int operand) const { return iter_strides_[static_cast<size_t>(operand)]; }

  template <class Loop>
  void for_each(Loop&& loop) const;
  // The elements with iteration-order index in [begin, end).
  template <class Loop>
  void for_each_range(int64_t begin, int64_t end, Loop&& loop) const;
  template <class Loop>
  void parallel_for_each(Loop&& loop, int64_t grain = kParallelGrain) const {
    parallel_range(numel_, grain, [&](int64_t b, int64_t e) { for_each_range(b, e, loop); });
  }

 private:
  std::vector<Tensor> tensors_;   // outputs first
  std::vector<DType> out_dtypes_;
  size_t noutputs_ = 0;
  bool have_declared_shape_ = false;
  bool built_ = false;
  Shape shape_;
  int64_t numel_ = 0;
  // Iteration geometry after reordering and merging: dim 0 is the innermost (fastest).
  std::vector<int64_t> iter_shape_;
  std::vector<std::vector<int64_t>> iter_strides_;  // [operand][dim], bytes
};

template <class Loop>
void TensorIterator::for_each(Loop&& loop) const {
  EMBER_ASSERT(built_, "TensorIterator used before build()");
  if (numel_ == 0) return;
  const size_t nt = tensors_.size();
  std::vector<char*> ptrs(nt);
  for (size_t k = 0; k < nt; ++k) ptrs[k] = static_cast<char*>(tensors_[k].raw_data());
  const size_t nd = iter_shape_.size();
  std::vector<int64_t> inner(nt, 0);
  if (nd == 0) {
    loop(ptrs.data(), inner.data(), int64_t{1});
    return;
  }
  for (size_t k = 0; k < nt; ++k) inner[k] = iter_strides_[k][0];
  const int64_t n = iter_shape_[0];
  if (nd == 1) {
    loop(ptrs.data(), inner.data(), n);
    return;
  }
  std::vector<int64_t> idx(nd, 0);
  std::vector<char*> cur(ptrs);
  while (true) {
    loop(cur.data(), inner.data(), n);
    size_t d = 1;
    for (; d < nd; ++d) {
      if (++idx[d] < iter_shape_[d]) {
        for (size_t k = 0; k < nt; ++k) cur[k] += iter_strides_[k][d];
        break;
      }
      for (size_t k = 0; k < nt; ++k) cur[k] -= iter_strides_[k][d] * (iter_shape_[d] - 1);
      idx[d] = 0;
    }
    if (d == nd) return;
  }
}

template <class Loop>
void TensorIterator::for_each_range(int64_t begin, int64_t end, Loop&& loop) const {
  EMBER_ASSERT(built_, "TensorIterator used before build()");
  EMBER_ASSERT(begin >= 0 && end <= numel_, "iteration range out of bounds");
  if (begin >= end) return;
  const size_t nt = tensors_.size();
  const size_t nd = iter_shape_.size();
  std::vector<char*> cur(nt);
  for (size_t k = 0; k < nt; ++k) cur[k] = static_cast<char*>(tensors_[k].raw_data());
  std::vector<int64_t> inner(nt, 0);
  if (nd == 0) {
    loop(cur.data(), inner.data(), int64_t{1});
    return;
  }
  for (size_t k = 0; k < nt; ++k) inner[k] = iter_strides_[k][0];
  // The multi-index of `begin` (dim 0 fastest) and the operands' addresses there.
  std::vector<int64_t> idx(nd, 0);
  int64_t rem = begin;
  for (size_t d = 0; d < nd; ++d) {
    idx[d] = rem % iter_shape_[d];
    rem /= iter_shape_[d];
    for (size_t k = 0; k < nt; ++k) cur[k] += idx[d] * iter_strides_[k][d];
  }
  const int64_t n0 = iter_shape_[0];
  int64_t pos = begin;
  while (true) {
    const int64_t n = std::min(n0 - idx[0], end - pos);
    loop(cur.data(), inner.data(), n);
    pos += n;
    if (pos >= end) return;
    // The run ended at the end of dim 0: rewind it and carry into the outer dims.
    for (size_t k = 0; k < nt; ++k) cur[k] -= idx[0] * iter_strides_[k][0];
    idx[0] = 0;
    for (size_t d = 1; d < nd; ++d) {
      for (size_t k = 0; k < nt; ++k) cur[k] += iter_strides_[k][d];
      if (++idx[d] < iter_shape_[d]) break;
      for (size_t k = 0; k < nt; ++k) cur[k] -= iter_strides_[k][d] * iter_shape_[d];
      idx[d] = 0;
    }
  }
}

}  // namespace ember
