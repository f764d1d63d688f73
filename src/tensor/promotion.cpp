// promotion.cpp — PyTorch's promotion lattice and its three-tier result_type.
#include "tensor/promotion.h"

#include "ember/error.h"
#include "core/check.h"

namespace ember {

namespace {
int float_rank(DType t) {
  switch (t) {
    case DType::Float16: return 1;
    case DType::BFloat16: return 1;
    case DType::Float32: return 2;
    case DType::Float64: return 3;
    default: return 0;
  }
}

DType promote_integral(DType a, DType b) {
  // Signed types sized by bytes; uint8 needs a signed type wider than 8 bits to meet int8.
  if (a == DType::UInt8 && b == DType::UInt8) return a;
  if (a == DType::UInt8) std::swap(a, b);
  if (b == DType::UInt8) return a == DType::Int8 ? DType::Int16 : a;
  return element_size(a) >= element_size(b) ? a : b;
}
}  // namespace

DType to_real(DType t) {
  if (t == DType::Complex64) return DType::Float32;
  if (t == DType::Complex128) return DType::Float64;
  return t;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;  // ops without a quantized kernel reject quantized dtypes when dispatching
  // Quantized integers mean nothing without their parameters: arithmetic on them goes through
  // the quantized ops, never through promotion to a plain dtype.
  if (is_quantized(a) || is_quantized(b))
    fail("this operation does not support quantized tensors (", dtype_name(a), ", ", dtype_name(b),
         "); dequantize() them first");
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  if (is_complex(a) || is_complex(b)) {
    if (is_complex(a) && is_complex(b)) return DType::Complex128;
    DType c = is_complex(a) ? a : b;
    DType r = is_complex(a) ? b : a;
    return (c == DType::Complex128 || r == DType::Float64) ? DType::Complex128 : DType::Complex64;
  }
  if (is_floating(a) || is_floating(b)) {
    if (!is_floating(a)) return b;
    if (!is_floating(b)) return a;
    // float16 and bfloat16 meet in float32.
    if (float_rank(a) == float_rank(b)) return DType::Float32;
    return float_rank(a) > float_rank(b) ? a : b;
  }
  return promote_integral(a, b);
}

bool can_cast(DType from, DType to) {
  if (is_complex(from) && !is_complex(to)) return false;
  if (is_floating(from) && is_integral(to, false)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

static void promote_into(std::optional<DType>& slot, DType t) {
  slot = slot ? promote_types(*slot, t) : t;
}

ResultType& ResultType::add(const Tensor& t) {
  promote_into(t.dim() == 0 ? zero_ : dim_, t.dtype());
  return *this;
}

ResultType& ResultType::add_wrapped(DType t) {
  if (is_floating(t)) t = kDefaultFloat;
  else if (is_complex(t)) t = DType::Complex64;
  promote_into(wrapped_, t);
  return *this;
}

ResultType& ResultType::add(const Scalar& s) { return add_wrapped(s.dtype()); }

// The higher tier keeps its dtype unless the lower tier is a higher category.
static std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_complex(*higher)) return higher;
  if (is_complex(*lower)) {
    if (is_floating(*higher)) return promote_types(*higher, DType::Complex64);
    return lower;
  }
  if (is_floating(*higher)) return higher;
  if (*higher == DType::Bool || is_floating(*lower)) return promote_types(*higher, *lower);
  return higher;
}

DType ResultType::result() const {
  auto r = combine(dim_, combine(zero_, wrapped_));
  EMBER_ASSERT(r.has_value(), "result_type of no operands");
  return *r;
}

DType result_type(const Tensor& a, const Tensor& b) { return ResultType().add(a).add(b).result(); }
DType result_type(const Tensor& a, const Scalar& b) { return ResultType().add(a).add(b).result(); }
DType result_type(const Scalar& a, const Scalar& b) { return ResultType().add(a).add(b).result(); }

void check_can_cast_to_output(DType result, DType out) {
  if (!can_cast(result, out))
    fail("result type ", dtype_name(result), " can't be cast to the desired output type ", dtype_name(out));
}

}  // namespace ember
