// npy.h — NumPy .npy files in and out, for test data and the CLI's inputs and outputs.
//
// Reads format versions 1.0-3.0 with little-endian (or byte-order-free) bool, int8/16/32/64,
// uint8, float16/32/64 and complex64/128 data, in C order or Fortran order (returned as a strided
// view over the file's bytes in memory), including 0-d arrays. Writes version 1.0 (2.0 when the
// header needs it) in C order.
#pragma once

#include <string>

#include "ember/tensor.h"

namespace ember::archive {

// Fails with "<path>: <problem>" on malformed headers, unsupported dtypes, big-endian data or a
// file shorter than its header promises.
Tensor load_npy(const std::string& path);

// Writes `t` (any layout) as a C-order array; bfloat16 has no .npy dtype and is an error.
void save_npy(const std::string& path, const Tensor& t);

}  // namespace ember::archive
