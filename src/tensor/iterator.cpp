// iterator.cpp — shape resolution, output layout and dimension merging for TensorIterator.
#include "tensor/iterator.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <numeric>

#include "tensor/broadcast.h"
#include "core/check.h"

namespace ember {

void parallel_range(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  if (n <= 0) return;
  const int threads = omp_get_max_threads();
  if (n < grain || threads < 2 || omp_in_parallel()) {
    body(0, n);
    return;
  }
  // Chunks of ceil(n / wanted); that chunk may cover n in fewer parts (n = 10 over 8 threads is
  // 5 chunks of 2), and every part must get a non-empty range inside [0, n).
  const int64_t wanted = std::min<int64_t>(threads, (n + grain - 1) / grain);
  const int64_t chunk = (n + wanted - 1) / wanted;
  const int64_t parts = (n + chunk - 1) / chunk;
  // Exceptions must not cross the OpenMP region's boundary.
  std::vector<std::exception_ptr> errors(static_cast<size_t>(parts));
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t p = 0; p < parts; ++p) {
    try {
      body(p * chunk, std::min(n, (p + 1) * chunk));
    } catch (...) {
      errors[static_cast<size_t>(p)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

TensorIterator& TensorIterator::add_output(const Tensor& out, DType dtype) {
  EMBER_ASSERT(tensors_.size() == noutputs_, "outputs must be added before inputs");
  tensors_.push_back(out);
  out_dtypes_.push_back(dtype);
  ++noutputs_;
  return *this;
}

TensorIterator& TensorIterator::add_input(const Tensor& in) {
  EMBER_ASSERT(in.defined(), "undefined input tensor");
  tensors_.push_back(in);
  return *this;
}

TensorIterator& TensorIterator::declare_shape(Shape shape) {
  shape_ = std::move(shape);
  have_declared_shape_ = true;
  return *this;
}

namespace {
// Strides (bytes) of `t` seen through the broadcast to `shape`: stretched dims get stride 0.
std::vector<int64_t> broadcast_strides(const Tensor& t, const Shape& shape) {
  const size_t nd = shape.size();
  const size_t lead = nd - static_cast<size_t>(t.dim());
  const auto es = static_cast<int64_t>(t.element_size());
  std::vector<int64_t> st(nd, 0);
  for (size_t i = lead; i < nd; ++i) {
    const int64_t sz = t.sizes()[i - lead];
    st[i] = (sz == 1 && shape[i] != 1) ? 0 : t.strides()[i - lead] * es;
  }
  return st;
}
}  // namespace

namespace {

// A written-to tensor's elements may not share memory with each other, nor partly with an input's
// (an input that is the very same view is fine: in-place ops). PyTorch's TensorIterator raises for
// what it can tell (has_internal_overlap / get_overlap_status): a broadcast (stride 0) dim, and
// two dense layouts whose spans of the same storage intersect without being the same view.
bool non_overlapping_and_dense(const Tensor& t) {
  int64_t span = 1;
  for (size_t d = 0; d < t.sizes().size(); ++d) {
    if (t.sizes()[d] == 1) continue;
    if (t.strides()[d] <= 0) return false;
    span += (t.sizes()[d] - 1) * t.strides()[d];
  }
  if (span != t.numel()) return false;
  // Dense in some order also needs no two dims on the same stride step; sorting the strides and
  // checking each is the product of the sizes before it settles it.
  std::vector<std::pair<int64_t, int64_t>> dims;
  for (size_t d = 0; d < t.sizes().size(); ++d)
    if (t.sizes()[d] != 1) dims.emplace_back(t.strides()[d], t.sizes()[d]);
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

}  // namespace

void check_no_overlap(const Tensor& out, std::span<const Tensor> inputs) {
  if (out.numel() <= 1 || !out.storage()) return;
  for (size_t d = 0; d < out.sizes().size(); ++d)
    if (out.sizes()[d] > 1 && out.strides()[d] == 0)
      fail("unsupported operation: more than one element of the written-to tensor refers to a single memory "
           "location. Please clone() the tensor before performing the operation.");
  for (const Tensor& in : inputs) {
    if (!in.defined() || in.numel() == 0 || in.storage() != out.storage()) continue;
    if (in.offset() == out.offset() && in.sizes() == out.sizes() && in.strides() == out.strides() &&
        in.dtype() == out.dtype())
      continue;  // the same view: in place
    if (!non_overlapping_and_dense(in) || !non_overlapping_and_dense(out)) continue;  // too hard to tell
    const int64_t ib = in.offset() * static_cast<int64_t>(in.element_size());
    const int64_t ie = ib + in.numel() * static_cast<int64_t>(in.element_size());
    const int64_t ob = out.offset() * static_cast<int64_t>(out.element_size());
    const int64_t oe = ob + out.numel() * static_cast<int64_t>(out.element_size());
    if (ib < oe && ob < ie)
      fail("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
           "memory location. Please clone() the tensor before performing the operation.");
  }
}

TensorIterator& TensorIterator::build() {
  EMBER_ASSERT(!built_, "TensorIterator built twice");
  built_ = true;
  if (!have_declared_shape_) {
    shape_.clear();
    for (size_t k = noutputs_; k < tensors_.size(); ++k)
      shape_ = broadcast_shapes(shape_, tensors_[k].sizes());
    if (tensors_.size() == noutputs_)
      for (size_t k = 0; k < noutputs_; ++k)
        if (tensors_[k].defined()) shape_ = tensors_[k].sizes();
  } else {
    for (size_t k = noutputs_; k < tensors_.size(); ++k)
      if (!broadcastable_to(tensors_[k].sizes(), shape_))
        fail("shape ", shape_string(tensors_[k].sizes()), " cannot be broadcast to ", shape_string(shape_));
  }
  numel_ = checked_numel(shape_);
  for (size_t k = 0; k < noutputs_; ++k) {
    const Tensor& o = tensors_[k];
    if (!o.defined()) continue;
    if (o.sizes() != shape_)
      fail("output with shape ", shape_string(o.sizes()), " doesn't match the broadcast shape ",
           shape_string(shape_));
    EMBER_ASSERT(o.dtype() == out_dtypes_[k], "output dtype ", dtype_name(o.dtype()), " but the kernel writes ",
                 dtype_name(out_dtypes_[k]));
    check_no_overlap(o, std::span<const Tensor>(tensors_).subspan(noutputs_));
  }

  const size_t nd = shape_.size();
  const size_t nt = tensors_.size();
  // Byte strides of every operand that already exists, in logical dim order.
  std::vector<std::vector<int64_t>> strides(nt);
  bool all_contiguous = true;
  for (size_t k = 0; k < nt; ++k) {
    if (!tensors_[k].defined()) continue;
    strides[k] = broadcast_strides(tensors_[k], shape_);
    if (!tensors_[k].is_contiguous() || tensors_[k].sizes() != shape_) all_contiguous = false;
  }

  // perm[0] is the fastest-moving logical dim. Contiguous operands keep row-major order;
  // otherwise PyTorch's insertion sort by stride (first operand that decides wins; broadcast
  // dims abstain) picks the order, which new outputs then follow.
  std::vector<size_t> perm(nd);
  for (size_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  if (!all_contiguous) {
    auto should_swap = [&](size_t d0, size_t d1) -> int {
      for (size_t k = 0; k < nt; ++k) {
        if (strides[k].empty()) continue;
        const int64_t s0 = strides[k][d0], s1 = strides[k][d1];
        if (s0 == 0 || s1 == 0) continue;
        if (s0 < s1) return -1;
        if (s0 > s1) return 1;
        if (shape_[d0] > shape_[d1]) return 1;
      }
      return 0;
    };
    for (size_t i = 1; i < nd; ++i) {
      size_t d1 = i;
      for (size_t d0 = i; d0-- > 0;) {
        const int c = should_swap(perm[d0], perm[d1]);
        if (c > 0) {
          std::swap(perm[d0], perm[d1]);
          d1 = d0;
        } else if (c < 0) {
          break;
        }
      }
    }
  }

  for (size_t k = 0; k < noutputs_; ++k) {
    if (tensors_[k].defined()) continue;
    Shape st(nd);
    int64_t next = 1;
    for (size_t i = 0; i < nd; ++i) {
      st[perm[i]] = next;
      next *= std::max<int64_t>(shape_[perm[i]], 1);
    }
    tensors_[k] = allocate_like_operands(std::span<const Tensor>(tensors_).subspan(noutputs_), shape_,
                                         std::move(st), out_dtypes_[k]);
    strides[k] = broadcast_strides(tensors_[k], shape_);
  }

  // Permute to iteration order, then merge dims that are laid out back to back in every operand.
  iter_shape_.resize(nd);
  iter_strides_.assign(nt, std::vector<int64_t>(nd));
  for (size_t i = 0; i < nd; ++i) {
    iter_shape_[i] = shape_[perm[i]];
    for (size_t k = 0; k < nt; ++k) iter_strides_[k][i] = strides[k][perm[i]];
  }
  if (nd > 1) {
    size_t prev = 0;
    for (size_t d = 1; d < nd; ++d) {
      bool can = iter_shape_[prev] == 1 || iter_shape_[d] == 1;
      if (!can) {
        can = true;
        for (size_t k = 0; k < nt; ++k)
          if (iter_shape_[prev] * iter_strides_[k][prev] != iter_strides_[k][d]) can = false;
      }
      if (can) {
        if (iter_shape_[prev] == 1)
          for (size_t k = 0; k < nt; ++k) iter_strides_[k][prev] = iter_strides_[k][d];
        iter_shape_[prev] *= iter_shape_[d];
      } else {
        ++prev;
        if (prev != d) {
          for (size_t k = 0; k < nt; ++k) iter_strides_[k][prev] = iter_strides_[k][d];
          iter_shape_[prev] = iter_shape_[d];
        }
      }
    }
    iter_shape_.resize(prev + 1);
    for (auto& s : iter_strides_) s.resize(prev + 1);
  }
  return *this;
}

Tensor allocate_like_operands(std::span<const Tensor> operands, std::span<const int64_t> sizes, Shape strides,
                              DType dtype) {
  Device device;  // the CPU when no operand is a tensor
  for (const Tensor& t : operands)
    if (t.defined() && !t.is_cpu()) {
      device = t.device();
      break;
    }
  // The op writes every element, so the buffer need not be zeroed first.
  return Tensor::empty_uninitialized(sizes, dtype, device)
      .as_strided(Shape(sizes.begin(), sizes.end()), std::move(strides), 0);
}

}  // namespace ember
