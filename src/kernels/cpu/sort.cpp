#include "kernels/cpu/sort.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/index.h"
#include "kernels/cpu/shape.h"
#include "tensor/elementwise.h"
#include "tensor/broadcast.h"
#include "tensor/dispatch.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

template <class A>
bool is_nan(A v) {
  if constexpr (std::is_floating_point_v<A>) return std::isnan(v);
  else return false;
}
// Orders with NaN above every number.
template <class A>
bool less_nan(A a, A b) {
  return (!is_nan(a) && is_nan(b)) || a < b;
}
template <class A>
bool greater_nan(A a, A b) {
  return (is_nan(a) && !is_nan(b)) || a > b;
}

// x with `dim` moved last, contiguous, so each lane along dim is one row.
Tensor to_rows(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) return reshape(x, Shape{1}).contiguous();
  const int64_t src = dim, dst = -1;
  return movedim(x, std::span<const int64_t>(&src, 1), std::span<const int64_t>(&dst, 1)).contiguous();
}

// Inverse of to_rows for a result laid out as rows (its last dim may differ in length).
Tensor from_rows(const Tensor& rows, int64_t dim, int64_t ndim) {
  if (ndim == 0) return reshape(rows, Shape{});
  const int64_t src = -1, dst = dim;
  return movedim(rows, std::span<const int64_t>(&src, 1), std::span<const int64_t>(&dst, 1)).contiguous();
}

Shape with_last(Shape s, int64_t n) {
  s.back() = n;
  return s;
}

// A reduction result laid out as rows of one element, back in x's dims (keepdim or not).
Tensor reduced_from_rows(const Tensor& rows, int64_t dim, const Tensor& x, bool keepdim) {
  Tensor t = from_rows(rows, dim, x.dim());
  return keepdim || x.dim() == 0 ? t : squeeze(t, dim);
}

int64_t lane_size(const Tensor& x, int64_t dim) { return x.dim() == 0 ? 1 : x.sizes()[static_cast<size_t>(dim)]; }

// C. A. R. Hoare's selection with a median-of-three pivot, in the variant of Sedgewick (1978)
// that PyTorch's kthvalue runs: the same swaps over the same data give the same tie order.
template <class T, class Gt, class Swap>
void quickselect(const T* a, int64_t n, int64_t k, Gt gt, Swap swap) {
  int64_t lo = 0, hi = n - 1;
  while (hi > lo) {
    if (hi == lo + 1) {
      if (gt(a[lo], a[hi])) swap(lo, hi);
      return;
    }
    swap((lo + hi) >> 1, lo + 1);
    if (gt(a[lo + 1], a[hi])) swap(lo + 1, hi);
    if (gt(a[lo], a[hi])) swap(lo, hi);
    if (gt(a[lo + 1], a[lo])) swap(lo + 1, lo);
    int64_t i = lo + 1, j = hi;
    const T pivot = a[lo];
    while (true) {
      do ++i;
      while (gt(pivot, a[i]));
      do --j;
      while (gt(a[j], pivot));
      if (j < i) break;
      swap(i, j);
    }
    swap(lo, j);
    if (j <= k) lo = i;
    if (j >= k) hi = j - 1;
  }
}

std::tuple<Tensor, Tensor> cum_extreme(const Tensor& x, int64_t dim, bool want_max, const char* op) {
  const int64_t d = wrap_dim(dim, x.dim());
  Tensor r = to_rows(x, d);
  Tensor vals = Tensor::empty(r.sizes(), x.dtype()), idx = Tensor::empty(r.sizes(), DType::Int64);
  const int64_t n = lane_size(x, d);
  if (r.numel() > 0) {
    dispatch_real(x.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      using A = opmath_t<T>;
      const T* src = r.data<T>();
      T* vo = vals.data<T>();
      int64_t* io = idx.data<int64_t>();
      for (int64_t row = 0; row < r.numel() / n; ++row) {
        const T* s = src + row * n;
        A best = static_cast<A>(s[0]);
        int64_t at = 0;
        for (int64_t i = 0; i < n; ++i) {
          const A v = static_cast<A>(s[i]);
          // Ties move the index forward; a NaN sticks until the next NaN.
          if (is_nan(v) || (!is_nan(best) && (want_max ? v >= best : v <= best))) {
            best = v;
            at = i;
          }
          vo[row * n + i] = scalar_cast<T>(best);
          io[row * n + i] = at;
        }
      }
    });
  }
  return {from_rows(vals, d, x.dim()), from_rows(idx, d, x.dim())};
}

// PyTorch counts bools instead of hashing them: false comes first whether or not `sorted` is set.
std::tuple<Tensor, Tensor, Tensor> unique_bool(const Tensor& flat, const Shape& sizes, bool return_inverse,
                                               bool return_counts) {
  const bool* p = flat.data<bool>();
  const int64_t n = flat.numel();
  const auto trues = static_cast<int64_t>(std::count(p, p + n, true));
  const int64_t falses = n - trues;
  std::vector<bool> present;
  if (falses > 0) present.push_back(false);
  if (trues > 0) present.push_back(true);
  const auto m = static_cast<int64_t>(present.size());
  Tensor values = Tensor::empty(Shape{m}, DType::Bool);
  for (int64_t i = 0; i < m; ++i) values.data<bool>()[i] = present[static_cast<size_t>(i)];
  Tensor inverse = Tensor::empty(Shape{0}, DType::Int64), counts = Tensor::empty(Shape{0}, DType::Int64);
  if (return_inverse || return_counts) {
    inverse = Tensor::empty(sizes, DType::Int64);
    for (int64_t i = 0; i < n; ++i) inverse.data<int64_t>()[i] = p[i] && falses > 0 ? 1 : 0;
  }
  if (return_counts) {
    counts = Tensor::empty(Shape{m}, DType::Int64);
    int64_t at = 0;
    if (falses > 0) counts.data<int64_t>()[at++] = falses;
    if (trues > 0) counts.data<int64_t>()[at] = trues;
  }
  return {values, inverse, counts};
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  const int64_t d = wrap_dim(dim, x.dim());
  Tensor r = to_rows(x, d);
  Tensor vals = Tensor::empty(r.sizes(), x.dtype()), idx = Tensor::empty(r.sizes(), DType::Int64);
  const int64_t n = lane_size(x, d);
  if (r.numel() > 0) {
    dispatch_real(x.dtype(), "sort", [&](auto tag) {
      using T = decltype(tag);
      using A = opmath_t<T>;
      const T* src = r.data<T>();
      T* vo = vals.data<T>();
      int64_t* io = idx.data<int64_t>();
      using Elem = std::pair<A, int64_t>;
      std::vector<Elem> e(static_cast<size_t>(n));
      auto before = [descending](const Elem& a, const Elem& b) {
        return descending ? greater_nan(a.first, b.first) : less_nan(a.first, b.first);
      };
      for (int64_t row = 0; row < r.numel() / n; ++row) {
        const T* s = src + row * n;
        for (int64_t i = 0; i < n; ++i) e[static_cast<size_t>(i)] = {static_cast<A>(s[i]), i};
        // The unstable path is std::sort on purpose: it orders ties exactly as PyTorch's does.
        if (stable) std::stable_sort(e.begin(), e.end(), before);
        else std::sort(e.begin(), e.end(), before);
        for (int64_t i = 0; i < n; ++i) {
          vo[row * n + i] = s[e[static_cast<size_t>(i)].second];
          io[row * n + i] = e[static_cast<size_t>(i)].second;
        }
      }
    });
  }
  return {from_rows(vals, d, x.dim()), from_rows(idx, d, x.dim())};
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = lane_size(x, d);
  if (k < 0 || k > n) fail("selected index k out of range");
  Tensor r = to_rows(x, d);
  const Shape out_shape = with_last(r.sizes(), k);
  Tensor vals = Tensor::empty(out_shape, x.dtype()), idx = Tensor::empty(out_shape, DType::Int64);
  // A 0-dim input gives 0-dim results whatever k (0 or 1) is, as in PyTorch.
  if (x.dim() == 0) return {x.clone(), Tensor::zeros({}, DType::Int64)};
  if (k > 0 && r.numel() > 0) {
    dispatch_numeric(x.dtype(), "topk_cpu", [&](auto tag) {
      using T = decltype(tag);
      using A = opmath_t<T>;
      using Elem = std::pair<A, int64_t>;
      const T* src = r.data<T>();
      T* vo = vals.data<T>();
      int64_t* io = idx.data<int64_t>();
      std::vector<Elem> q(static_cast<size_t>(n));
      auto before = [largest](const Elem& a, const Elem& b) {
        return largest ? greater_nan(a.first, b.first) : less_nan(a.first, b.first);
      };
      for (int64_t row = 0; row < r.numel() / n; ++row) {
        for (int64_t j = 0; j < n; ++j) q[static_cast<size_t>(j)] = {static_cast<A>(src[row * n + j]), j};
        // PyTorch's choice of algorithm decides the order of ties, so it is kept: a partial sort
        // when k is small against n, else nth_element and (when sorted) a sort of the first k-1.
        if (k * 64 <= n) {
          std::partial_sort(q.begin(), q.begin() + k, q.end(), before);
        } else {
          std::nth_element(q.begin(), q.begin() + k - 1, q.end(), before);
          if (sorted) std::sort(q.begin(), q.begin() + k - 1, before);
        }
        for (int64_t j = 0; j < k; ++j) {
          vo[row * k + j] = scalar_cast<T>(q[static_cast<size_t>(j)].first);
          io[row * k + j] = q[static_cast<size_t>(j)].second;
        }
      }
    });
  }
  return {from_rows(vals, d, x.dim()), from_rows(idx, d, x.dim())};
}

std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, int64_t k, int64_t dim, bool keepdim) {
  const int64_t d = wrap_dim(dim, x.dim());
  if (x.numel() == 0)
    fail("cannot perform reduction function kthvalue on tensor with no elements because the operation does not "
         "have an identity");
  const int64_t n = lane_size(x, d);
  if (k <= 0 || k > n) fail("selected index k out of range");
  Tensor r = to_rows(x, d);
  const Shape out_shape = with_last(r.sizes(), 1);
  Tensor vals = Tensor::empty(out_shape, x.dtype()), idx = Tensor::empty(out_shape, DType::Int64);
  dispatch_numeric(x.dtype(), "kthvalue_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    if constexpr (std::is_same_v<T, bool>) fail_dtype("kthvalue_cpu", x.dtype());
    else {
    std::vector<T> v(static_cast<size_t>(n));
    std::vector<int64_t> at(static_cast<size_t>(n));
    const T* src = r.data<T>();
    for (int64_t row = 0; row < r.numel() / n; ++row) {
      std::copy(src + row * n, src + (row + 1) * n, v.begin());
      std::iota(at.begin(), at.end(), int64_t{0});
      quickselect(
          v.data(), n, k - 1, [](T a, T b) { return greater_nan(static_cast<A>(a), static_cast<A>(b)); },
          [&](int64_t i, int64_t j) {
            std::swap(v[static_cast<size_t>(i)], v[static_cast<size_t>(j)]);
            std::swap(at[static_cast<size_t>(i)], at[static_cast<size_t>(j)]);
          });
      vals.data<T>()[row] = v[static_cast<size_t>(k - 1)];
      idx.data<int64_t>()[row] = at[static_cast<size_t>(k - 1)];
    }
    }
  });
  return {reduced_from_rows(vals, d, x, keepdim), reduced_from_rows(idx, d, x, keepdim)};
}

Tensor median(const Tensor& x, bool ignore_nan) {
  // An empty input gives NaN (converted to the dtype), as PyTorch 1.13 does.
  const int64_t n = x.numel();
  Tensor flat = x.contiguous();
  Tensor out = Tensor::empty({}, x.dtype());
  dispatch_numeric(x.dtype(), "median_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    if constexpr (std::is_same_v<T, bool>) fail_dtype("median_cpu", x.dtype());
    else {
    std::vector<A> v;
    v.reserve(static_cast<size_t>(n));
    bool has_nan = false;
    for (int64_t i = 0; i < n; ++i) {
      const A a = static_cast<A>(flat.data<T>()[i]);
      if (is_nan(a)) has_nan = true;
      else v.push_back(a);
    }
    if ((has_nan && !ignore_nan) || v.empty()) {
      *out.data<T>() = scalar_cast<T>(std::numeric_limits<double>::quiet_NaN());
      return;
    }
    auto mid = v.begin() + static_cast<int64_t>(v.size() - 1) / 2;
    std::nth_element(v.begin(), mid, v.end());
    *out.data<T>() = scalar_cast<T>(*mid);
    }
  });
  return out;
}

std::tuple<Tensor, Tensor> median_dim(const Tensor& x, int64_t dim, bool keepdim, bool ignore_nan) {
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = lane_size(x, d);
  if (n == 0)
    fail("median() cannot compute median for a dimension of size 0 because the operation does not have an identity");
  Tensor r = to_rows(x, d);
  const Shape out_shape = with_last(r.sizes(), 1);
  Tensor vals = Tensor::empty(out_shape, x.dtype()), idx = Tensor::empty(out_shape, DType::Int64);
  dispatch_numeric(x.dtype(), ignore_nan ? "nanmedian_cpu" : "median_out", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t row = 0; row < r.numel() / n; ++row) {
      const T* s = r.data<T>() + row * n;
      auto val = [&](int64_t i) { return static_cast<A>(s[i]); };
      int64_t pick = -1;
      if (!ignore_nan) {
        for (int64_t i = 0; i < n && pick < 0; ++i)
          if (is_nan(val(i))) pick = i;
      }
      if (pick < 0) {
        int64_t nans = 0;
        if (ignore_nan)
          for (int64_t i = 0; i < n; ++i) nans += is_nan(val(i)) ? 1 : 0;
        std::iota(order.begin(), order.end(), int64_t{0});
        // Ties break by index, so the result does not depend on the selection algorithm.
        auto nth = order.begin() + (n - nans - 1) / 2;
        std::nth_element(order.begin(), nth, order.end(), [&](int64_t i, int64_t j) {
          const A a = val(i), b = val(j);
          return a < b || (a == b && i < j) || (ignore_nan && is_nan(b) && !is_nan(a));
        });
        pick = *nth;
      }
      vals.data<T>()[row] = s[pick];
      idx.data<int64_t>()[row] = pick;
    }
  });
  return {reduced_from_rows(vals, d, x, keepdim), reduced_from_rows(idx, d, x, keepdim)};
}

std::tuple<Tensor, Tensor> mode(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t n = lane_size(x, d);
  if (n == 0) fail("mode(): Expected reduction dim ", d, " to have non-zero size.");
  Tensor r = to_rows(x, d);
  const Shape out_shape = with_last(r.sizes(), 1);
  Tensor vals = Tensor::empty(out_shape, x.dtype()), idx = Tensor::empty(out_shape, DType::Int64);
  dispatch_real(x.dtype(), "mode_cpu", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    std::vector<std::pair<A, int64_t>> e(static_cast<size_t>(n));
    for (int64_t row = 0; row < r.numel() / n; ++row) {
      const T* s = r.data<T>() + row * n;
      for (int64_t i = 0; i < n; ++i) e[static_cast<size_t>(i)] = {static_cast<A>(s[i]), i};
      // The sort is unstable on purpose: the index reported for the mode is the last of its run
      // in PyTorch's std::sort order, which this reproduces.
      std::sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      A best{};
      int64_t best_at = 0, run = 0, best_run = 0;
      for (int64_t i = 0; i < n; ++i) {
        ++run;
        const auto& cur = e[static_cast<size_t>(i)];
        if (i == n - 1 || cur.first != e[static_cast<size_t>(i + 1)].first) {
          if (run > best_run) {
            best = cur.first;
            best_at = cur.second;
            best_run = run;
          }
          run = 0;
        }
      }
      vals.data<T>()[row] = scalar_cast<T>(best);
      idx.data<int64_t>()[row] = best_at;
    }
  });
  return {reduced_from_rows(vals, d, x, keepdim), reduced_from_rows(idx, d, x, keepdim)};
}

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& x, bool sorted, bool return_inverse, bool return_counts) {
  Tensor flat = x.contiguous();
  const int64_t n = x.numel();
  Tensor values, inverse = Tensor::empty(Shape{0}, DType::Int64), counts = Tensor::empty(Shape{0}, DType::Int64);
  if (x.dtype() == DType::Bool) return unique_bool(flat, x.sizes(), return_inverse, return_counts);
  dispatch_real(x.dtype(), "unique", [&](auto tag) {
    using T = decltype(tag);
    // 16-bit floats hash as float (std::hash has no overload for them).
    using K = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;
    std::vector<K> in(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) in[static_cast<size_t>(i)] = static_cast<K>(flat.data<T>()[i]);
    // Built from the whole range at once as PyTorch does: the bucket count, and so the unsorted
    // output order, follows from it.
    std::unordered_set<K> set(in.begin(), in.end());
    std::vector<K> out(set.begin(), set.end());
    if (sorted) std::sort(out.begin(), out.end());
    const auto m = static_cast<int64_t>(out.size());
    values = Tensor::empty(Shape{m}, x.dtype());
    for (int64_t i = 0; i < m; ++i) values.data<T>()[i] = scalar_cast<T>(static_cast<K>(out[static_cast<size_t>(i)]));
    if (!return_inverse && !return_counts) return;
    std::unordered_map<K, int64_t> where;
    where.reserve(out.size());
    for (int64_t i = 0; i < m; ++i) where[out[static_cast<size_t>(i)]] = i;
    inverse = Tensor::empty(x.sizes(), DType::Int64);
    std::vector<int64_t> count(static_cast<size_t>(m), 0);
    for (int64_t i = 0; i < n; ++i) {
      auto it = where.find(in[static_cast<size_t>(i)]);
      // NaN finds no entry (NaN != NaN); PyTorch's operator[] then inserts it with index 0.
      const int64_t at = it == where.end() ? 0 : it->second;
      inverse.data<int64_t>()[i] = at;
      if (it != where.end()) ++count[static_cast<size_t>(at)];
    }
    if (return_counts) {
      counts = Tensor::empty(Shape{m}, DType::Int64);
      for (int64_t i = 0; i < m; ++i) counts.data<int64_t>()[i] = count[static_cast<size_t>(i)];
    }
  });
  return {values, inverse, counts};
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& x, bool return_inverse, bool return_counts) {
  Tensor flat = x.contiguous();
  const int64_t n = x.numel();
  Tensor values, inverse = Tensor::empty(Shape{0}, DType::Int64), counts = Tensor::empty(Shape{0}, DType::Int64);
  dispatch_real(x.dtype(), "unique_consecutive", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const T* s = flat.data<T>();
    std::vector<T> out;
    std::vector<int64_t> count, inv(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (i == 0 || static_cast<A>(s[i]) != static_cast<A>(s[i - 1])) {
        out.push_back(s[i]);
        count.push_back(0);
      }
      ++count.back();
      inv[static_cast<size_t>(i)] = static_cast<int64_t>(out.size()) - 1;
    }
    const auto m = static_cast<int64_t>(out.size());
    values = Tensor::empty(Shape{m}, x.dtype());
    std::copy(out.begin(), out.end(), values.data<T>());
    if (return_inverse) {
      inverse = Tensor::empty(x.sizes(), DType::Int64);
      std::copy(inv.begin(), inv.end(), inverse.data<int64_t>());
    }
    if (return_counts) {
      counts = Tensor::empty(Shape{m}, DType::Int64);
      std::copy(count.begin(), count.end(), counts.data<int64_t>());
    }
  });
  return {values, inverse, counts};
}

std::tuple<Tensor, Tensor> cummax(const Tensor& x, int64_t dim) { return cum_extreme(x, dim, true, "cummax_cpu"); }
std::tuple<Tensor, Tensor> cummin(const Tensor& x, int64_t dim) { return cum_extreme(x, dim, false, "cummin_cpu"); }

Tensor searchsorted(const Tensor& sorted_seq, const Tensor& values, bool out_int32, bool right,
                    const std::optional<std::string>& side, const std::optional<Tensor>& sorter) {
  if (side) {
    if (*side != "left" && *side != "right")
      fail("torch.searchsorted(): side can only be 'left' or 'right' but got ", *side);
    if (*side == "left" && right)
      fail("torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True");
    right = *side == "right";
  }
  if (sorted_seq.dim() == 0)
    fail("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension");
  const bool one_d = sorted_seq.dim() == 1;
  if (!one_d) {
    bool ok = values.dim() == sorted_seq.dim();
    for (int64_t i = 0; ok && i + 1 < sorted_seq.dim(); ++i) ok = values.size(i) == sorted_seq.size(i);
    if (!ok)
      fail("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
           "tensor and input value tensor must match, but we got boundaries tensor ",
           shape_string(sorted_seq.sizes()), " and input value tensor ", shape_string(values.sizes()));
  }
  if (sorter) {
    if (sorter->sizes() != sorted_seq.sizes())
      fail("torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor ",
           shape_string(sorted_seq.sizes()), "and got sorter tensor ", shape_string(sorter->sizes()));
    if (sorter->dtype() != DType::Int64) fail("torch.searchsorted(): sorter must be a tensor of long dtype but got ",
                                               dtype_name(sorter->dtype()));
  }
  const DType common = promote_types(sorted_seq.dtype(), values.dtype());
  Tensor seq = sorted_seq.to(common).contiguous(), vals = values.to(common).contiguous();
  Tensor order = sorter ? sorter->contiguous() : Tensor();
  const int64_t m = sorted_seq.sizes().back();
  const int64_t per_row = one_d ? std::max<int64_t>(vals.numel(), 1) : values.sizes().back();
  Tensor out = Tensor::empty(values.sizes(), DType::Int64);
  if (vals.numel() > 0) {
    dispatch_numeric(common, "searchsorted_out_cpu", [&](auto tag) {
      using T = decltype(tag);
      using A = opmath_t<T>;
      const T* sp = seq.data<T>();
      const int64_t* op = sorter ? order.data<int64_t>() : nullptr;
      for (int64_t i = 0; i < vals.numel(); ++i) {
        const int64_t row = one_d ? 0 : i / per_row;
        const T* s = sp + row * m;
        const int64_t* o = op ? op + row * m : nullptr;
        const A v = static_cast<A>(vals.data<T>()[i]);
        int64_t lo = 0, hi = m;
        while (lo < hi) {
          const int64_t mid = lo + (hi - lo) / 2;
          const int64_t at = o ? o[mid] : mid;
          if (at < 0 || at >= m) fail("torch.searchsorted(): sorter index out of range");
          const A b = static_cast<A>(s[at]);
          // Written as "not (b >= v)" so a NaN value lands past the end, as in PyTorch.
          const bool go_right = right ? !(b > v) : !(b >= v);
          if (go_right) lo = mid + 1;
          else hi = mid;
        }
        out.data<int64_t>()[i] = lo;
      }
    });
  }
  return out_int32 ? out.to(DType::Int32) : out;
}

Tensor bucketize(const Tensor& values, const Tensor& boundaries, bool out_int32, bool right) {
  if (boundaries.dim() != 1)
    fail("boundaries tensor must be 1 dimension, but got dim(", boundaries.dim(), ")");
  return searchsorted(boundaries, values, out_int32, right, std::nullopt, std::nullopt);
}

Tensor take_along_dim(const Tensor& x, const Tensor& indices, std::optional<int64_t> dim) {
  if (indices.dtype() != DType::Int64)
    fail("torch.take_along_dim(): dtype of indices should be Long but got ", dtype_name(indices.dtype()));
  if (!dim) return gather(reshape(x, Shape{-1}), 0, reshape(indices, Shape{-1}));
  if (x.dim() != indices.dim())
    fail("torch.take_along_dim(): input and indices should have the same number of dimensions, but got ", x.dim(),
         " dimensions for input, and ", indices.dim(), " dimensions for indices");
  const int64_t d = wrap_dim(*dim, x.dim());
  if (x.dim() == 0) return gather(x, 0, indices);
  Shape xs = x.sizes(), is = indices.sizes();
  xs[static_cast<size_t>(d)] = 1;
  is[static_cast<size_t>(d)] = 1;
  Shape b = broadcast_shapes(xs, is);
  Shape bx = b, bi = b;
  bx[static_cast<size_t>(d)] = x.size(d);
  bi[static_cast<size_t>(d)] = indices.size(d);
  return gather(expand(x, bx), d, expand(indices, bi));
}

namespace {

// The index entries as dim positions, checked against the dim's size.
std::vector<int64_t> index_positions(const Tensor& index, int64_t size, const char* op) {
  if (index.dim() > 1) fail(op, "(): Index is supposed to be a vector");
  if (index.dtype() != DType::Int64 && index.dtype() != DType::Int32)
    fail(op, "(): Expected dtype int32/int64 for index");
  Tensor idx = index.to(DType::Int64).contiguous();
  std::vector<int64_t> out(static_cast<size_t>(idx.numel()));
  for (int64_t i = 0; i < idx.numel(); ++i) {
    int64_t v = idx.data<int64_t>()[i];
    if (v < -size || v >= size) fail(op, "(): index ", v, " is out of bounds for dimension with size ", size);
    out[static_cast<size_t>(i)] = v < 0 ? v + size : v;
  }
  return out;
}

// self viewed with at least one dim, so 0-dim tensors take the same path as 1-element vectors.
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? reshape(t, Shape{1}) : t; }

}  // namespace

Tensor index_fill_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  Tensor s = at_least_1d(self);
  const int64_t d = wrap_dim(dim, s.dim());
  for (int64_t i : index_positions(index, s.size(d), "index_fill_")) fill_(select(s, d, i), value);
  return self;
}

Tensor index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  if (self.dtype() != source.dtype()) fail("index_add_(): self and source must have same scalar type");
  Tensor s = at_least_1d(self), src = at_least_1d(source);
  const int64_t d = wrap_dim(dim, s.dim());
  const auto pos = index_positions(index, s.size(d), "index_add_");
  if (src.size(d) != static_cast<int64_t>(pos.size()))
    fail("index_add_(): Number of indices (", pos.size(), ") should be equal to source.size(dim) (", src.size(d), ")");
  for (size_t k = 0; k < pos.size(); ++k) {
    Tensor slot = select(s, d, pos[k]);
    copy_into(slot, binary(BinaryOp::Add, slot, select(src, d, static_cast<int64_t>(k)), alpha));
  }
  return self;
}

Tensor index_copy_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  if (self.dtype() != source.dtype())
    fail("index_copy_(): self and source expected to have the same dtype, but got (self) ", dtype_name(self.dtype()),
         " and (source) ", dtype_name(source.dtype()));
  Tensor s = at_least_1d(self), src = at_least_1d(source);
  const int64_t d = wrap_dim(dim, s.dim());
  const auto pos = index_positions(index, s.size(d), "index_copy_");
  if (src.size(d) != static_cast<int64_t>(pos.size()))
    fail("index_copy_(): Number of indices (", pos.size(), ") should be equal to source.size(dim) (", src.size(d), ")");
  for (size_t k = 0; k < pos.size(); ++k) copy_into(select(s, d, pos[k]), select(src, d, static_cast<int64_t>(k)));
  return self;
}

}  // namespace ember::cpu
