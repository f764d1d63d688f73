// copy.cpp — copy_into (broadcasting, converting, writing through views) and scalar tensors.
#include <cstring>
#include <type_traits>

#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/scalar.h"

namespace ember {

namespace {
// True when the byte ranges two tensors can reach intersect.
bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage() || a.numel() == 0 || b.numel() == 0) return false;
  auto range = [](const Tensor& t, int64_t& lo, int64_t& hi) {
    lo = hi = t.offset();
    for (int64_t i = 0; i < t.dim(); ++i) {
      const int64_t span = t.strides()[static_cast<size_t>(i)] * (t.sizes()[static_cast<size_t>(i)] - 1);
      if (span >= 0) hi += span; else lo += span;
    }
  };
  int64_t alo, ahi, blo, bhi;
  range(a, alo, ahi);
  range(b, blo, bhi);
  const auto ea = static_cast<int64_t>(a.element_size()), eb = static_cast<int64_t>(b.element_size());
  return alo * ea < (bhi + 1) * eb && blo * eb < (ahi + 1) * ea;
}
}  // namespace

void copy_into(const Tensor& dst, const Tensor& src) {
  if (!broadcastable_to(src.sizes(), dst.sizes()))
    fail("The size of tensor a (", dst.dim() ? dst.sizes().back() : 1, ") must match the size of tensor b (",
         src.dim() ? src.sizes().back() : 1, "): cannot copy a tensor of shape ", shape_string(src.sizes()),
         " into one of shape ", shape_string(dst.sizes()));
  if (dst.is_same(src)) return;
  Tensor s = src;
  if (may_overlap(dst, src)) {
    if (dst.storage() == src.storage() && dst.offset() == src.offset() && dst.sizes() == src.sizes() &&
        dst.strides() == src.strides() && dst.dtype() == src.dtype())
      return;
    s = src.clone();
  }
  if (dst.dtype() == s.dtype() && dst.is_contiguous() && s.is_contiguous() && dst.sizes() == s.sizes()) {
    if (dst.numel() > 0) std::memcpy(dst.raw_data(), s.raw_data(), dst.nbytes());
    return;
  }
  TensorIterator it;
  it.add_output(dst, dst.dtype()).add_input(s).declare_shape(dst.sizes()).build();
  visit_dtype(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    visit_dtype(s.dtype(), [&](auto stag) {
      using S = decltype(stag);
      it.parallel_for_each([](char** data, const int64_t* strides, int64_t n) {
        // Unit-stride runs (permuted copies keep their innermost dim contiguous) copy as blocks
        // or convert in a loop the compiler vectorises.
        if (strides[0] == int64_t{sizeof(D)} && strides[1] == int64_t{sizeof(S)}) {
          if constexpr (std::is_same_v<D, S>) {
            std::memcpy(data[0], data[1], static_cast<size_t>(n) * sizeof(D));
          } else {
            D* d = reinterpret_cast<D*>(data[0]);
            const S* src = reinterpret_cast<const S*>(data[1]);
            for (int64_t j = 0; j < n; ++j) d[j] = scalar_cast<D>(src[j]);
          }
          return;
        }
        for (int64_t j = 0; j < n; ++j) {
          S v;
          std::memcpy(&v, data[1] + j * strides[1], sizeof(S));
          *reinterpret_cast<D*>(data[0] + j * strides[0]) = scalar_cast<D>(v);
        }
      });
    });
  });
}

Tensor scalar_to_tensor(const Scalar& s, DType dtype) {
  Tensor t = Tensor::empty({}, dtype);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    *static_cast<T*>(t.raw_data()) = s.to<T>();
  });
  return t;
}

}  // namespace ember
