// linalg.cpp — reference matrix products over contiguous copies of the operands.
#include "kernels/cpu/linalg.h"

#include <type_traits>
#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/dispatch.h"
#include "tensor/elementwise.h"

namespace ember::cpu {

namespace {

void check_same_dtype(const Tensor& a, const Tensor& b, const char* na, const char* nb) {
  if (a.dtype() != b.dtype())
    fail("expected ", na, " and ", nb, " to have the same dtype, but got: ", dtype_name(a.dtype()), " != ",
         dtype_name(b.dtype()));
}

// out[batch] = a[batch] @ b[batch] for contiguous [batch, n, k] and [batch, k, m].
Tensor batched_gemm(const Tensor& a, const Tensor& b, int64_t batch, int64_t n, int64_t k, int64_t m) {
  Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor out = Tensor::empty(Shape{batch, n, m}, a.dtype());
  dispatch_numeric(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      fail_dtype("matmul", DType::Bool);
    } else {
    using A = std::conditional_t<std::is_integral_v<T>, T, opmath_t<T>>;
    const T* ap = static_cast<const T*>(ac.raw_data());
    const T* bp = static_cast<const T*>(bc.raw_data());
    T* op = static_cast<T*>(out.raw_data());
    std::vector<A> row(static_cast<size_t>(m));
    for (int64_t bi = 0; bi < batch; ++bi) {
      const T* A0 = ap + bi * n * k;
      const T* B0 = bp + bi * k * m;
      T* C0 = op + bi * n * m;
      for (int64_t i = 0; i < n; ++i) {
        std::fill(row.begin(), row.end(), A(0));
        for (int64_t p = 0; p < k; ++p) {
          const A av = static_cast<A>(A0[i * k + p]);
          const T* brow = B0 + p * m;
          for (int64_t j = 0; j < m; ++j) row[static_cast<size_t>(j)] += av * static_cast<A>(brow[j]);
        }
        for (int64_t j = 0; j < m; ++j) C0[i * m + j] = scalar_cast<T>(row[static_cast<size_t>(j)]);
      }
    }
    }
  });
  return out;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  if (a.dim() != 2) fail("self must be a matrix");
  if (b.dim() != 2) fail("mat2 must be a matrix");
  if (a.size(1) != b.size(0))
    fail("mat1 and mat2 shapes cannot be multiplied (", a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
  check_same_dtype(a, b, "mat1", "mat2");
  return view(batched_gemm(a, b, 1, a.size(0), a.size(1), b.size(1)), Shape{a.size(0), b.size(1)});
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  if (a.dim() != 3) fail("batch1 must be a 3D tensor");
  if (b.dim() != 3) fail("batch2 must be a 3D tensor");
  if (a.size(0) != b.size(0)) fail("batch1 and batch2 must have same number of batches, got ", a.size(0), " and ", b.size(0));
  if (a.size(2) != b.size(1))
    fail("Expected size for first two dimensions of batch2 tensor to be: [", a.size(0), ", ", a.size(2), "] but got: [",
         b.size(0), ", ", b.size(1), "].");
  check_same_dtype(a, b, "batch1", "batch2");
  return batched_gemm(a, b, a.size(0), a.size(1), a.size(2), b.size(2));
}

Tensor dot(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1 || b.dim() != 1)
    fail("1D tensors expected, but got ", a.dim(), "D and ", b.dim(), "D tensors");
  if (a.size(0) != b.size(0))
    fail("inconsistent tensor size, expected tensor [", a.size(0), "] and src [", b.size(0),
         "] to have the same number of elements, but got ", a.size(0), " and ", b.size(0), " elements respectively");
  check_same_dtype(a, b, "self", "other");
  return view(batched_gemm(view(a.contiguous(), Shape{1, a.size(0)}), view(b.contiguous(), Shape{b.size(0), 1}), 1, 1,
                           a.size(0), 1),
              Shape{});
}

Tensor mv(const Tensor& a, const Tensor& v) {
  if (a.dim() != 2 || v.dim() != 1)
    fail("vector + matrix @ vector expected, got ", a.dim(), ", ", v.dim());
  if (a.size(1) != v.size(0))
    fail("size mismatch, got input (", a.size(0), "), mat (", a.size(0), "x", a.size(1), "), vec (", v.size(0), ")");
  return squeeze(mm(a, unsqueeze(v, 1)), 1);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a.dim(), db = b.dim();
  if (da == 0 || db == 0)
    fail("both arguments to matmul need to be at least 1D, but they are ", da, "D and ", db, "D");
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) return squeeze(mm(unsqueeze(a, 0), b), 0);
  if (da == 2 && db == 2) return mm(a, b);
  check_same_dtype(a, b, "self", "other");
  // Batched: lift 1-D operands to matrices, broadcast the batch dims, multiply, drop lifted dims.
  Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;
  Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
  const int64_t n = a2.size(-2), k = a2.size(-1), k2 = b2.size(-2), m = b2.size(-1);
  if (k != k2)
    fail("mat1 and mat2 shapes cannot be multiplied (", checked_numel(a2.sizes()) / std::max<int64_t>(k, 1), "x", k,
         " and ", k2, "x", m, ")");
  Shape ba(a2.sizes().begin(), a2.sizes().end() - 2), bb(b2.sizes().begin(), b2.sizes().end() - 2);
  Shape batch = broadcast_shapes(ba, bb);
  const int64_t nb = checked_numel(batch);
  Shape ea = batch, eb = batch;
  ea.insert(ea.end(), {n, k});
  eb.insert(eb.end(), {k, m});
  Tensor A = reshape(expand_to(a2, ea).contiguous(), Shape{nb, n, k});
  Tensor B = reshape(expand_to(b2, eb).contiguous(), Shape{nb, k, m});
  Tensor C = batched_gemm(A, B, nb, n, k, m);
  Shape out = batch;
  if (da > 1) out.push_back(n);
  if (db > 1) out.push_back(m);
  return view(C, out);
}

Tensor addmm(const Tensor& self, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  Tensor prod = mm(m1, m2);
  if (!broadcastable_to(self.sizes(), prod.sizes()))
    fail("The expanded size of the tensor (", prod.size(-1), ") must match the existing size (",
         self.dim() ? self.size(-1) : 1, ") at non-singleton dimension 1.  Target sizes: ", shape_string(prod.sizes()),
         ".  Tensor sizes: ", shape_string(self.sizes()));
  return dispatch_numeric(prod.dtype(), "addmm", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A be = beta.to<A>(), al = alpha.to<A>();
    if (be == A(0)) return map<T, T>({prod}, [al](A p) { return static_cast<A>(al * p); });
    return map<T, T, T>({expand_to(self, prod.sizes()), prod}, [be, al](A s, A p) { return static_cast<A>(be * s + al * p); });
  });
}

Tensor baddbmm(const Tensor& self, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  Tensor prod = bmm(b1, b2);
  if (!broadcastable_to(self.sizes(), prod.sizes()))
    fail("baddbmm: self of shape ", shape_string(self.sizes()), " cannot be broadcast to ", shape_string(prod.sizes()));
  return dispatch_numeric(prod.dtype(), "baddbmm", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    const A be = beta.to<A>(), al = alpha.to<A>();
    if (be == A(0)) return map<T, T>({prod}, [al](A p) { return static_cast<A>(al * p); });
    return map<T, T, T>({expand_to(self, prod.sizes()), prod}, [be, al](A s, A p) { return static_cast<A>(be * s + al * p); });
  });
}

Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias) {
  if (weight.dim() != 2 && weight.dim() != 1) fail("linear: weight must be 1-D or 2-D, got ", weight.dim(), "-D");
  Tensor y = matmul(x, weight.dim() == 2 ? t(weight) : weight);
  if (!bias) return y;
  return binary(BinaryOp::Add, y, *bias);
}

}  // namespace ember::cpu
