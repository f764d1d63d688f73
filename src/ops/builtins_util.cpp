// builtins_util.cpp — see builtins_util.h.
#include "ops/builtins_util.h"

#include <cstdio>
#include <limits>

#include "ember/error.h"

namespace ember::ops {

int64_t py_floordiv(int64_t a, int64_t b) {
  if (b == 0) fail("ZeroDivisionError: integer division by zero");
  if (a == std::numeric_limits<int64_t>::min() && b == -1) return a;  // wraps, as int64 does
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t py_mod(int64_t a, int64_t b) {
  if (b == 0) fail("ZeroDivisionError: integer modulo by zero");
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

int64_t float_to_int(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

std::string float_str(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == std::floor(d) && std::fabs(d) < 9223372036854775808.0)
    return std::to_string(static_cast<int64_t>(d)) + ".";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string python_str(const Value& v) {
  switch (v.tag()) {
    case ValueTag::None: return "None";
    case ValueTag::Bool: return v.to_bool() ? "True" : "False";
    case ValueTag::Int: return std::to_string(v.to_int());
    case ValueTag::Double: return float_str(v.to_double());
    case ValueTag::Complex: {
      auto c = v.to_complex();
      return float_str(c.real()) + (c.imag() < 0 ? "-" : "+") + float_str(std::fabs(c.imag())) + "j";
    }
    case ValueTag::String: return v.to_string();
    case ValueTag::Device: return v.to_device().str();
    case ValueTag::List: {
      std::string s = "[";
      const auto& items = v.to_list()->items;
      for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + python_str(items[i]);
      return s + "]";
    }
    case ValueTag::Tuple: {
      std::string s = "(";
      const auto& items = v.to_tuple()->items;
      for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + python_str(items[i]);
      return s + (items.size() == 1 ? ",)" : ")");
    }
    case ValueTag::Dict: {
      std::string s = "{";
      bool first = true;
      v.to_dict()->for_each([&](const Value& k, const Value& x) {
        s += (first ? "" : ", ") + python_str(k) + ": " + python_str(x);
        first = false;
      });
      return s + "}";
    }
    default: return v.repr();
  }
}

size_t normalize_index(int64_t idx, size_t size, const char* what) {
  int64_t n = static_cast<int64_t>(size);
  if (idx < 0) idx += n;
  if (idx < 0 || idx >= n) fail(what);
  return static_cast<size_t>(idx);
}

}  // namespace ember::ops
