// broadcast.cpp — broadcasting and dim wrapping.
#include "tensor/broadcast.h"

#include <algorithm>

namespace ember {

Shape broadcast_shapes(std::span<const int64_t> a, std::span<const int64_t> b) {
  const size_t na = a.size(), nb = b.size();
  const size_t n = std::max(na, nb);
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    // Aligned from the right; a missing dim acts as size 1.
    const ptrdiff_t ia = static_cast<ptrdiff_t>(na) - 1 - static_cast<ptrdiff_t>(i);
    const ptrdiff_t ib = static_cast<ptrdiff_t>(nb) - 1 - static_cast<ptrdiff_t>(i);
    const int64_t sa = ia >= 0 ? a[static_cast<size_t>(ia)] : 1;
    const int64_t sb = ib >= 0 ? b[static_cast<size_t>(ib)] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      fail("The size of tensor a (", sa, ") must match the size of tensor b (", sb,
           ") at non-singleton dimension ", n - 1 - i);
    out[n - 1 - i] = sa == 1 ? sb : sa;
  }
  return out;
}

bool broadcastable_to(std::span<const int64_t> from, std::span<const int64_t> to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  return true;
}

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  const int64_t n = ndim == 0 ? 1 : ndim;
  if (dim < -n || dim >= n)
    fail("Dimension out of range (expected to be in range of [", -n, ", ", n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

std::vector<bool> dim_mask(std::span<const int64_t> dims, int64_t ndim) {
  std::vector<bool> mask(static_cast<size_t>(std::max<int64_t>(ndim, 1)), false);
  for (int64_t d : dims) {
    const auto w = static_cast<size_t>(wrap_dim(d, ndim));
    if (mask[w]) fail("dim ", w, " appears multiple times in the list of dims");
    mask[w] = true;
  }
  mask.resize(static_cast<size_t>(ndim));
  return mask;
}

Tensor expand_to(const Tensor& t, std::span<const int64_t> sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd < t.dim())
    fail("expand(size=", shape_string(sizes), "): the number of sizes provided (", nd,
         ") must be greater or equal to the number of dimensions in the tensor (", t.dim(), ")");
  Shape out_sizes(sizes.begin(), sizes.end());
  Shape out_strides(sizes.size());
  const int64_t lead = nd - t.dim();
  for (int64_t i = nd - 1; i >= 0; --i) {
    const auto ui = static_cast<size_t>(i);
    if (i < lead) {
      if (sizes[ui] < 0)
        fail("The expanded size of the tensor (", sizes[ui], ") isn't allowed in a leading, non-existing dimension ", i);
      out_strides[ui] = 0;
      continue;
    }
    const int64_t have = t.sizes()[static_cast<size_t>(i - lead)];
    const int64_t stride = t.strides()[static_cast<size_t>(i - lead)];
    int64_t want = sizes[ui];
    if (want == -1) want = have;
    out_sizes[ui] = want;
    if (have == want) {
      out_strides[ui] = stride;
    } else if (have == 1) {
      out_strides[ui] = 0;
    } else {
      fail("The expanded size of the tensor (", want, ") must match the existing size (", have,
           ") at non-singleton dimension ", i, ".  Target sizes: ", shape_string(sizes),
           ".  Tensor sizes: ", shape_string(t.sizes()));
    }
  }
  return t.as_strided(std::move(out_sizes), std::move(out_strides), t.offset());
}

}  // namespace ember
