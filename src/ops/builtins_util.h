// builtins_util.h — Python semantics shared by the scalar, list, dict and string builtins:
// integer arithmetic that wraps like PyTorch's int64 (instead of C++ overflow UB), Python's floor
// division and modulo, and the way TorchScript's str()/format print values.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "ember/value.h"

namespace ember::ops {

inline int64_t wrap_add(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }
inline int64_t wrap_sub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
inline int64_t wrap_mul(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }

// Python's a // b on ints (rounds toward -inf); fails on b == 0.
int64_t py_floordiv(int64_t a, int64_t b);
// Python's a % b on ints (sign of the divisor); fails on b == 0.
int64_t py_mod(int64_t a, int64_t b);
// TorchScript's float % float: a - b * floor(a / b) (nan for b == 0, as PyTorch).
inline double py_fmod(double a, double b) { return a - b * std::floor(a / b); }
// float -> int as PyTorch's int(x) does on x86: truncation, INT64_MIN when out of range or nan.
int64_t float_to_int(double d);

// str(x) of a float as TorchScript prints it: integral values below 2^63 as "3.", others with
// 17 significant digits ("0.10000000000000001", "1e+20"), "nan", "inf".
std::string float_str(double d);
// str(x) / "{}".format(x) of any value as TorchScript prints it: strings bare, also inside
// containers (`[a, b]`, `{a: 1}`), bools True/False, devices "cpu".
std::string python_str(const Value& v);

// Index into a container of `size` elements with Python's negative indices; fails with
// `what` ("list index out of range") when outside.
size_t normalize_index(int64_t idx, size_t size, const char* what);

}  // namespace ember::ops
