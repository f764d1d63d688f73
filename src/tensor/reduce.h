// reduce.h — geometry for reductions and for ops that work along one dim (scans, softmax).
//
// A reduction splits x's dims into kept and reduced ones. for_each_reduction calls f once per
// output element with pointers to that element in each output and to the first input element of
// its reduced slice; ReducedRange then walks the slice in row-major order. for_each_lane does the
// same for one dim when the outputs keep x's shape (cumsum, softmax): f gets the lane start in
// every operand plus each operand's byte stride along the dim. Both split their outputs (lanes)
// over the thread pool when the input is large, so f must only write its own output elements;
// each output is computed whole by one thread, so results do not depend on the thread count.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "ember/tensor.h"
#include "tensor/iterator.h"
#include "core/check.h"

namespace ember {

// Which dims a reduction covers; an empty or missing list means all of them (PyTorch's rule for
// sum/mean/amax dim=[]).
std::vector<bool> reduction_mask(const Tensor& x, std::optional<std::span<const int64_t>> dims);
// x's shape with reduced dims set to 1 (keepdim) or removed.
Shape reduced_shape(const Tensor& x, const std::vector<bool>& mask, bool keepdim);

class ReducedRange {
 public:
  ReducedRange(const Tensor& x, const std::vector<bool>& mask);
  int64_t numel() const { return numel_; }
  // g(T value) for each reduced element in row-major order.
  template <class T, class G>
  void for_each(const char* base, G&& g) const;

 private:
  std::vector<int64_t> sizes_, strides_;  // merged dims, innermost last; strides in bytes
  int64_t numel_ = 1;
};

template <class T, class G>
void ReducedRange::for_each(const char* base, G&& g) const {
  if (numel_ == 0) return;
  const size_t nd = sizes_.size();
  if (nd == 0) {
    g(*reinterpret_cast<const T*>(base));
    return;
  }
  const int64_t n = sizes_[nd - 1], st = strides_[nd - 1];
  if (nd == 1) {
    if (st == int64_t{sizeof(T)}) {
      const T* p = reinterpret_cast<const T*>(base);
      for (int64_t j = 0; j < n; ++j) g(p[j]);
    } else {
      for (int64_t j = 0; j < n; ++j) g(*reinterpret_cast<const T*>(base + j * st));
    }
    return;
  }
  std::vector<int64_t> idx(nd - 1, 0);
  const char* p = base;
  while (true) {
    for (int64_t j = 0; j < n; ++j) g(*reinterpret_cast<const T*>(p + j * st));
    size_t d = nd - 1;
    while (d-- > 0) {
      if (++idx[d] < sizes_[d]) {
        p += strides_[d];
        break;
      }
      p -= strides_[d] * (sizes_[d] - 1);
      idx[d] = 0;
      if (d == 0) return;
    }
  }
}

// outs: contiguous tensors holding one element per kept position (any keepdim layout).
template <class F>
void for_each_reduction(const Tensor& x, const std::vector<bool>& mask, std::span<const Tensor> outs, F&& f) {
  Shape kept_sizes, kept_strides;
  for (size_t i = 0; i < mask.size(); ++i)
    if (!mask[i]) {
      kept_sizes.push_back(x.sizes()[i]);
      kept_strides.push_back(x.strides()[i]);
    }
  if (checked_numel(kept_sizes) == 0) return;
  // An empty x (reducing over a size-0 dim) has no elements to point at: f gets nullptr and the
  // ReducedRange it walks is empty.
  const bool empty_input = x.numel() == 0;
  TensorIterator it;
  for (const Tensor& o : outs) {
    EMBER_ASSERT(o.is_contiguous() && o.numel() == checked_numel(kept_sizes), "bad reduction output");
    it.add_output(o.as_strided(kept_sizes, contiguous_strides(kept_sizes), o.offset()), o.dtype());
  }
  if (!empty_input) it.add_input(x.as_strided(kept_sizes, kept_strides, x.offset()));
  else it.declare_shape(kept_sizes);
  it.build();
  const size_t nt = outs.size() + 1;
  const size_t nwalk = empty_input ? outs.size() : nt;
  // Output elements are split over threads, each reduced whole by one thread in the same order.
  const int64_t per_out = std::max<int64_t>(1, x.numel() / std::max<int64_t>(1, it.numel()));
  it.parallel_for_each(
      [&](char** data, const int64_t* strides, int64_t n) {
        std::vector<char*> cur(nt, nullptr);
        for (int64_t j = 0; j < n; ++j) {
          for (size_t k = 0; k < nwalk; ++k) cur[k] = data[k] + j * strides[k];
          f(cur.data());
        }
      },
      std::max<int64_t>(1, kParallelGrain / per_out));
}

// outs and x share x's shape; f(char** lane_starts, const int64_t* lane_strides, int64_t n) with
// outputs first, then x.
template <class F>
void for_each_lane(const Tensor& x, int64_t dim, std::span<const Tensor> outs, F&& f) {
  const auto d = static_cast<size_t>(dim);
  const int64_t n = x.dim() == 0 ? 1 : x.sizes()[d];
  std::vector<int64_t> lane_strides;
  std::vector<Tensor> operands(outs.begin(), outs.end());
  operands.push_back(x);
  TensorIterator it;
  for (size_t k = 0; k < operands.size(); ++k) {
    const Tensor& t = operands[k];
    EMBER_ASSERT(t.sizes() == x.sizes(), "lane operands must share x's shape");
    Shape sizes = t.sizes();
    if (t.dim() > 0) {
      lane_strides.push_back(t.strides()[d] * static_cast<int64_t>(t.element_size()));
      sizes[d] = 1;
    } else {
      lane_strides.push_back(0);
    }
    if (checked_numel(sizes) == 0 || n == 0) return;
    Tensor lane = t.as_strided(sizes, t.strides(), t.offset());
    if (k < outs.size()) it.add_output(lane, t.dtype());
    else it.add_input(lane);
  }
  it.build();
  const size_t nt = operands.size();
  // Lanes are split over threads, each lane handled whole by one thread.
  it.parallel_for_each(
      [&](char** data, const int64_t* strides, int64_t m) {
        std::vector<char*> cur(nt);
        for (int64_t j = 0; j < m; ++j) {
          for (size_t k = 0; k < nt; ++k) cur[k] = data[k] + j * strides[k];
          f(cur.data(), lane_strides.data(), n);
        }
      },
      std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, n)));
}

}  // namespace ember
