#include "kernels/cpu/pad.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/nn_util.h"
#include "tensor/convert.h"

namespace ember::cpu {
namespace {

enum class PadKind { Constant, Reflect, Replicate, Circular };

const char* kind_name(PadKind k) {
  switch (k) {
    case PadKind::Constant: return "constant_pad_nd";
    case PadKind::Reflect: return "reflection_pad";
    case PadKind::Replicate: return "replication_pad";
    case PadKind::Circular: return "circular_pad";
  }
  return "pad";
}

// Output index -> input index (-1: the constant) for one padded dimension.
std::vector<int64_t> index_map(PadKind kind, int64_t in, int64_t before, int64_t after) {
  const int64_t out = in + before + after;
  std::vector<int64_t> map(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t i = o - before;
    switch (kind) {
      case PadKind::Constant:
        if (i < 0 || i >= in) i = -1;
        break;
      case PadKind::Reflect:
        if (i < 0) i = -i;
        if (i >= in) i = 2 * (in - 1) - i;
        break;
      case PadKind::Replicate:
        i = std::clamp<int64_t>(i, 0, in - 1);
        break;
      case PadKind::Circular:
        i = ((i % in) + in) % in;
        break;
    }
    map[static_cast<size_t>(o)] = i;
  }
  return map;
}

// Pads the last pad.size()/2 dimensions of `input` (checks shared by every mode).
Tensor pad_impl(PadKind kind, const Tensor& input, std::span<const int64_t> pad, double value,
                const std::string& op) {
  if (pad.size() % 2 != 0) fail(op, ": length of pad must be even but instead it equals ", pad.size());
  const size_t dim = static_cast<size_t>(input.dim()), np = pad.size() / 2;
  if (np > dim)
    fail(op, ": length of pad should be no more than twice the number of dimensions of the input ",
         shape_string(input.sizes()));
  Shape out_sizes = input.sizes();
  std::vector<std::vector<int64_t>> maps(dim);
  for (size_t k = 0; k < np; ++k) {
    const size_t d = dim - 1 - k;
    const int64_t in = input.size(static_cast<int64_t>(d));
    const int64_t before = pad[2 * k], after = pad[2 * k + 1];
    if (kind == PadKind::Reflect && (before >= in || after >= in))
      fail(op, ": padding size should be less than the corresponding input dimension, but got "
               "padding (", before, ", ", after, ") at dimension ", d, " of input ",
           shape_string(input.sizes()));
    if (kind == PadKind::Circular && (before > in || after > in))
      fail(op, ": padding value causes wrapping around more than once (padding (", before, ", ",
           after, ") at dimension ", d, " of input ", shape_string(input.sizes()), ")");
    if (kind != PadKind::Constant && in == 0 && before + after + in > 0)
      fail(op, ": cannot pad an empty dimension ", d, " of input ", shape_string(input.sizes()));
    out_sizes[d] = in + before + after;
    if (out_sizes[d] < 0 || (kind != PadKind::Constant && out_sizes[d] == 0 && in > 0))
      fail(op, ": the input size ", in, ", plus padding ", before, " and ", after,
           " resulted in an invalid output size ", out_sizes[d], " at dimension ", d);
    maps[d] = index_map(kind, in, before, after);
  }
  Tensor out = Tensor::empty(out_sizes, input.dtype());
  if (out.numel() == 0) return out;
  const size_t es = input.element_size();
  // The fill value's bytes in the input's dtype.
  std::array<unsigned char, 16> fill{};
  visit_dtype(input.dtype(), [&](auto z) {
    using T = decltype(z);
    const T v = scalar_cast<T>(value);
    std::memcpy(fill.data(), &v, sizeof(T));
  });
  const auto* src = static_cast<const unsigned char*>(input.raw_data());
  auto* dst = static_cast<unsigned char*>(out.raw_data());
  const Shape& st = input.strides();
  // Odometer over every output dimension but the last; the last is the inner loop.
  std::vector<int64_t> idx(dim, 0);
  const int64_t inner = dim == 0 ? 1 : out_sizes[dim - 1];
  const int64_t rows = dim == 0 ? 1 : out.numel() / inner;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t base = 0;
    bool constant_row = false;
    for (size_t d = 0; d + 1 < dim; ++d) {
      const int64_t i = maps[d].empty() ? idx[d] : maps[d][static_cast<size_t>(idx[d])];
      if (i < 0) constant_row = true;
      base += i * st[d];
    }
    for (int64_t o = 0; o < inner; ++o, dst += es) {
      int64_t i = dim == 0 ? 0 : (maps[dim - 1].empty() ? o : maps[dim - 1][static_cast<size_t>(o)]);
      if (constant_row || i < 0) {
        std::memcpy(dst, fill.data(), es);
      } else {
        const int64_t off = base + (dim == 0 ? 0 : i * st[dim - 1]);
        std::memcpy(dst, src + off * static_cast<int64_t>(es), es);
      }
    }
    for (size_t d = dim < 2 ? 0 : dim - 1; d-- > 0;) {
      if (++idx[d] < out_sizes[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

void check_spatial_input(size_t spatial, const Tensor& input, std::span<const int64_t> pad,
                         const std::string& op) {
  const auto dim = static_cast<size_t>(input.dim());
  if (dim != spatial + 1 && dim != spatial + 2)
    fail(op, ": expected ", spatial + 1, "D or ", spatial + 2, "D input, but got input of size ",
         shape_string(input.sizes()));
  if (pad.size() != 2 * spatial)
    fail(op, ": padding must have ", 2 * spatial, " elements, got ", pad.size());
}

}  // namespace

Tensor constant_pad_nd(const Tensor& input, std::span<const int64_t> pad, double value) {
  return pad_impl(PadKind::Constant, input, pad, value, "constant_pad_nd");
}

Tensor reflection_pad(size_t spatial, const Tensor& input, std::span<const int64_t> pad) {
  const std::string op = std::string(kind_name(PadKind::Reflect)) + std::to_string(spatial) + "d";
  check_spatial_input(spatial, input, pad, op);
  return pad_impl(PadKind::Reflect, input, pad, 0, op);
}

Tensor replication_pad(size_t spatial, const Tensor& input, std::span<const int64_t> pad) {
  const std::string op = std::string(kind_name(PadKind::Replicate)) + std::to_string(spatial) + "d";
  check_spatial_input(spatial, input, pad, op);
  return pad_impl(PadKind::Replicate, input, pad, 0, op);
}

Tensor circular_pad(const Tensor& input, std::span<const int64_t> pad) {
  return pad_impl(PadKind::Circular, input, pad, 0, kind_name(PadKind::Circular));
}

Tensor pad(const Tensor& input, std::span<const int64_t> pad, std::string_view mode,
           std::optional<double> value) {
  if (mode == "constant") return constant_pad_nd(input, pad, value.value_or(0.0));
  if (value && *value != 0)
    fail("pad: padding mode \"", mode, "\" doesn't take in value argument");
  if (mode == "circular") return circular_pad(input, pad);
  if (mode != "reflect" && mode != "replicate")
    fail("pad: unrecognised padding mode \"", mode,
         "\"; expected constant, reflect, replicate or circular");
  const auto dim = static_cast<size_t>(input.dim());
  const size_t spatial = pad.size() / 2;
  if (pad.size() % 2 != 0 || spatial < 1 || spatial > 3 || (dim != spatial + 1 && dim != spatial + 2))
    fail("pad: only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now "
         "(input ", shape_string(input.sizes()), ", pad of length ", pad.size(), ")");
  return mode == "reflect" ? reflection_pad(spatial, input, pad)
                           : replication_pad(spatial, input, pad);
}

}  // namespace ember::cpu
