// copy.cpp — copy_into (broadcasting, converting, writing through views) and scalar tensors.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tensor/broadcast.h"
#include "tensor/device_memory.h"
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
// Copies each 2-D slice (dims row_dim x last) of src into contiguous dst in 32 x 32 tiles, which
// keep both the strided reads and the contiguous writes in L1.
template <class E>
void copy_tiles(const Tensor& dst, const Tensor& src, size_t row_dim) {
  const size_t nd = static_cast<size_t>(dst.dim()), last = nd - 1;
  const int64_t rows = dst.sizes()[row_dim], cols = dst.sizes()[last];
  const int64_t src_cs = src.strides()[last], dst_rs = dst.strides()[row_dim];
  Shape outer, src_st, dst_st;
  for (size_t d = 0; d < last; ++d)
    if (d != row_dim) {
      outer.push_back(dst.sizes()[d]);
      src_st.push_back(src.strides()[d]);
      dst_st.push_back(dst.strides()[d]);
    }
  const E* x0 = static_cast<const E*>(src.raw_data());
  E* y0 = static_cast<E*>(dst.raw_data());
  const int64_t blocks = checked_numel(outer);
  parallel_range(blocks, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, rows * cols)),
                 [&](int64_t b0, int64_t b1) {
                   for (int64_t b = b0; b < b1; ++b) {
                     const E* x = x0;
                     E* y = y0;
                     int64_t rem = b;
                     for (size_t k = outer.size(); k-- > 0;) {
                       const int64_t i = rem % outer[k];
                       rem /= outer[k];
                       x += i * src_st[k];
                       y += i * dst_st[k];
                     }
                     constexpr int64_t kTile = 32;
                     for (int64_t r0 = 0; r0 < rows; r0 += kTile)
                       for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
                         const int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
                         for (int64_t r = r0; r < r1; ++r)
                           for (int64_t c = c0; c < c1; ++c) y[r * dst_rs + c] = x[r + c * src_cs];
                       }
                   }
                 });
}

// Same-dtype copy of a view whose unit-stride dim is not the last one (a transpose, or a permute
// that moves the innermost dim such as NCHW -> NHWC) into contiguous dst of 4- or 8-byte
// elements, where the element-wise path would read with a large stride for every element.
// Returns false when the layout is not of that form.
bool copy_transposed(const Tensor& dst, const Tensor& src) {
  const size_t es = dst.element_size();
  if (dst.dtype() != src.dtype() || (es != 4 && es != 8) || dst.dim() < 2 || dst.sizes() != src.sizes() ||
      !dst.is_contiguous() || dst.numel() < 1024)
    return false;
  const size_t last = static_cast<size_t>(dst.dim()) - 1;
  if (src.sizes()[last] < 2 || src.strides()[last] == 1) return false;
  for (size_t d = 0; d < last; ++d)
    if (src.strides()[d] == 1 && src.sizes()[d] > 1) {
      if (es == 4) copy_tiles<uint32_t>(dst, src, d);
      else copy_tiles<uint64_t>(dst, src, d);
      return true;
    }
  return false;
}
}  // namespace

namespace {

// copy_into where either tensor is on a device: the source goes to the destination's device (one
// transfer of its bytes), then the backend copies elements there, broadcasting and converting.
void copy_into_device(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  Tensor s = src;
  if (s.device() != dst.device() && !(s.is_cpu() && s.dim() == 0 && !dst.is_cpu())) s = s.to(dst.device());
  if (dst.is_cpu()) {  // s is now in host memory too
    copy_into(dst, s);
    return;
  }
  if (s.device() == dst.device() && may_overlap(dst, s)) s = s.clone();
  // Broadcast: leading dims added, size-1 dims stretched with stride 0.
  Shape strides(dst.sizes().size(), 0);
  const size_t lead = dst.sizes().size() - s.sizes().size();
  for (size_t i = 0; i < s.sizes().size(); ++i)
    strides[lead + i] = s.sizes()[i] == dst.sizes()[lead + i] ? s.strides()[i] : 0;
  const Tensor b = s.dim() == 0 ? s : s.as_strided(dst.sizes(), strides, s.offset());
  if (dst.is_same(b)) return;
  if (dst.dtype() == b.dtype() && dst.is_contiguous() && b.is_contiguous() && dst.sizes() == b.sizes() &&
      b.device() == dst.device()) {
    device_memory(dst.device())
        .copy(dst.device_data(), b.device_data(), dst.nbytes(), DeviceMemory::Direction::DeviceToDevice, dst.device());
    return;
  }
  if (!device_memory(dst.device()).copy_elements(dst, b))
    fail("copying into a tensor on ", dst.device().str(), " needs ", device_type_name(dst.device().type),
         " kernels");
}

}  // namespace

void copy_into(const Tensor& dst, const Tensor& src) {
  if (!broadcastable_to(src.sizes(), dst.sizes()))
    fail("The size of tensor a (", dst.dim() ? dst.sizes().back() : 1, ") must match the size of tensor b (",
         src.dim() ? src.sizes().back() : 1, "): cannot copy a tensor of shape ", shape_string(src.sizes()),
         " into one of shape ", shape_string(dst.sizes()));
  if (dst.is_same(src)) return;
  if (!dst.is_cpu() || !src.is_cpu()) {
    copy_into_device(dst, src);
    return;
  }
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
  if (copy_transposed(dst, s)) return;
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
