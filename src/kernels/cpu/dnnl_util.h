// dnnl_util.h — the small layer between ember tensors and oneDNN (Debian libdnnl 2.6).
//
// One CPU engine per process and one stream per thread. Tensors are handed to oneDNN in their
// plain row-major layout (nchw, oihw, ...) without copying; callers make them contiguous first.
// Primitives are created per call for now: each op builds its primitive descriptor in one
// function of the shapes, so a cache keyed by those shapes can be put in front of it later.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <span>
#include <string_view>
#include <unordered_map>

#include "ember/tensor.h"

namespace ember::cpu::dnnl_util {

dnnl::engine& engine();
// The calling thread's stream (oneDNN streams are not meant to be shared between threads).
dnnl::stream& stream();

dnnl::memory::dims dims(std::span<const int64_t> sizes);
// The plain row-major format tag for `ndims` dimensions (a, ab, abc, ...).
dnnl::memory::format_tag plain_tag(size_t ndims);
// float32 only for now; fails for other dtypes.
dnnl::memory::data_type data_type(DType dtype);

// A row-major memory descriptor for the tensor's sizes (or `sizes` when given: a reshape of a
// contiguous tensor).
dnnl::memory::desc plain_desc(const Tensor& t);
dnnl::memory::desc plain_desc(std::span<const int64_t> sizes, DType dtype);
// Wraps a contiguous tensor's bytes as oneDNN memory described by `md` (no copy).
dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& md);
dnnl::memory wrap(const Tensor& t);

// Runs `p` on this thread's stream and waits; oneDNN errors become ember::Error naming `what`.
void execute(std::string_view what, const dnnl::primitive& p,
             const std::unordered_map<int, dnnl::memory>& args);

// Converts a dnnl::error thrown while building a primitive into an ember::Error.
[[noreturn]] void rethrow(std::string_view what, const dnnl::error& e);

}  // namespace ember::cpu::dnnl_util
