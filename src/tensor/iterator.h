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
#pragma once

#include <cstdint>
#include <vector>

#include "ember/tensor.h"

namespace ember {

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

  template <class Loop>
  void for_each(Loop&& loop) const;

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

}  // namespace ember
