// quantized_embedding.cpp — see quantized_embedding.h.
#include "kernels/cpu/quantized_embedding.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ember/error.h"
#include "tensor/quantized.h"

namespace ember::cpu {

RowwiseTable rowwise_from_quantized(const Tensor& weight, int bits) {
  const DType want = bits == 8 ? DType::QUInt8 : DType::QUInt4x2;
  if (weight.dtype() != want)
    fail("a ", bits, "-bit embedding table must be ", dtype_name(want), ", got ", dtype_name(weight.dtype()));
  if (weight.dim() != 2) fail("an embedding table must be 2-D, got ", shape_string(weight.sizes()));
  const QuantParams& p = qparams(weight);
  if (p.scheme != QScheme::PerChannelAffineFloatQParams || p.axis != 0)
    fail("an embedding table must be quantized per row with float qparams (per_channel_affine_float_qparams, axis 0)");
  RowwiseTable t;
  t.bits = bits;
  t.q = int_repr_view(weight).contiguous();
  const int64_t rows = weight.size(0);
  t.scale.resize(static_cast<size_t>(rows));
  t.bias.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const auto scale = static_cast<float>(p.channel_scale(r));
    const float bias = static_cast<float>(p.channel_zero_point(r)) * scale * -1.0f;
    t.scale[static_cast<size_t>(r)] = bits == 4 ? static_cast<float>(Half(scale)) : scale;
    t.bias[static_cast<size_t>(r)] = bits == 4 ? static_cast<float>(Half(bias)) : bias;
  }
  return t;
}

RowwiseTable rowwise_from_fused(const Tensor& packed, int bits) {
  if (packed.dtype() != DType::UInt8) fail("a fused ", bits, "-bit embedding table must be uint8, got ", dtype_name(packed.dtype()));
  if (packed.dim() != 2) fail("a fused embedding table must be 2-D, got ", shape_string(packed.sizes()));
  const int64_t rows = packed.size(0), width = packed.size(1);
  const int64_t tail = bits == 8 ? 8 : 4;
  if (width < tail) fail("fused ", bits, "-bit embedding rows need at least ", tail, " bytes for the scale and bias, got ", width);
  const int64_t dim = bits == 8 ? width - tail : (width - tail) * 2;
  const Tensor src = packed.contiguous();
  const auto* base = static_cast<const uint8_t*>(src.raw_data());
  RowwiseTable t;
  t.bits = bits;
  const int64_t sizes[] = {rows, dim};
  t.q = Tensor::empty_uninitialized(sizes, DType::UInt8);
  auto* q = static_cast<uint8_t*>(t.q.raw_data());
  t.scale.resize(static_cast<size_t>(rows));
  t.bias.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = base + r * width;
    if (bits == 8) {
      std::memcpy(q + r * dim, row, static_cast<size_t>(dim));
      float sb[2];
      std::memcpy(sb, row + dim, sizeof sb);
      t.scale[static_cast<size_t>(r)] = sb[0];
      t.bias[static_cast<size_t>(r)] = sb[1];
    } else {
      for (int64_t j = 0; j < dim; ++j) q[r * dim + j] = static_cast<uint8_t>((row[j / 2] >> (4 * (j % 2))) & 0xF);
      Half sb[2];
      std::memcpy(sb, row + dim / 2, sizeof sb);
      t.scale[static_cast<size_t>(r)] = static_cast<float>(sb[0]);
      t.bias[static_cast<size_t>(r)] = static_cast<float>(sb[1]);
    }
  }
  return t;
}

Tensor fused_rowwise_prepack(const Tensor& weight, int bits) {
  if (!is_floating(weight.dtype())) fail("embedding_bag prepack expects a float weight, got ", dtype_name(weight.dtype()));
  if (weight.dim() != 2) fail("embedding_bag prepack expects a 2-D weight, got ", shape_string(weight.sizes()));
  const int64_t rows = weight.size(0), dim = weight.size(1);
  if (bits == 4 && dim % 2 != 0) fail("embedding_bag_4bit_prepack needs an even row length, got ", dim);
  const int64_t width = bits == 8 ? dim + 8 : dim / 2 + 4;
  const Tensor w = weight.to(DType::Float32).contiguous();
  const int64_t sizes[] = {rows, width};
  Tensor out = Tensor::empty(sizes, DType::UInt8);
  auto* o = static_cast<uint8_t*>(out.raw_data());
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = w.data<float>() + r * dim;
    uint8_t* row = o + r * width;
    float mn = dim > 0 ? x[0] : 0.0f, mx = mn;
    for (int64_t j = 1; j < dim; ++j) mn = std::min(mn, x[j]), mx = std::max(mx, x[j]);
    if (bits == 8) {
      const float range = mx - mn;
      const float sb[2] = {range / 255.0f, mn};
      const float inv = 255.0f / (range + 1e-8f);
      for (int64_t j = 0; j < dim; ++j) row[j] = static_cast<uint8_t>(std::lrint((x[j] - mn) * inv));
      std::memcpy(row + dim, sb, sizeof sb);
    } else {
      mn = static_cast<float>(Half(mn));
      const float range = mx - mn;
      float scale = static_cast<float>(Half(range == 0 ? 1.0f : range / 15.0f));
      float inv = 1.0f / scale;
      if (scale == 0 || std::isinf(inv)) scale = 1.0f, inv = 1.0f;
      for (int64_t j = 0; j < dim; ++j) {
        const auto q = static_cast<uint8_t>(std::clamp<long>(std::lrint((x[j] - mn) * inv), 0, 15));
        if (j % 2 == 0) row[j / 2] = q;
        else row[j / 2] = static_cast<uint8_t>(row[j / 2] | (q << 4));
      }
      const Half sb[2] = {Half(scale), Half(mn)};
      std::memcpy(row + dim / 2, sb, sizeof sb);
    }
  }
  return out;
}

Tensor rowwise_values(const RowwiseTable& t) {
  const int64_t rows = t.rows(), dim = t.dim();
  const int64_t sizes[] = {rows, dim};
  Tensor out = Tensor::empty_uninitialized(sizes, DType::Float32);
  float* o = out.data<float>();
  const auto* q = static_cast<const uint8_t*>(t.q.raw_data());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < dim; ++j)
      o[r * dim + j] = t.scale[static_cast<size_t>(r)] * static_cast<float>(q[r * dim + j]) + t.bias[static_cast<size_t>(r)];
  return out;
}

namespace {

std::vector<int64_t> int_values(const Tensor& t, const char* op, const char* what) {
  if (t.dtype() != DType::Int64 && t.dtype() != DType::Int32) fail(op, ": ", what, " must be int32 or int64, got ", dtype_name(t.dtype()));
  const Tensor c = t.to(DType::Int64).contiguous();
  const int64_t* p = c.data<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

// Adds row `idx` (times w) into out[0, dim).
void accumulate(const RowwiseTable& t, int64_t idx, float w, float* out) {
  const int64_t dim = t.dim();
  const auto* q = static_cast<const uint8_t*>(t.q.raw_data()) + idx * dim;
  const float scale = t.scale[static_cast<size_t>(idx)] * w;
  const float bias = t.bias[static_cast<size_t>(idx)] * w;
  for (int64_t j = 0; j < dim; ++j) out[j] = std::fma(scale, static_cast<float>(q[j]), out[j] + bias);
}

// The table row an index reads, or -1 for a pruned row (compressed_indices_mapping maps it to -1).
int64_t table_row(const RowwiseTable& t, int64_t idx, const std::vector<int64_t>* mapping, const char* op) {
  if (mapping) {
    if (idx < 0 || idx >= static_cast<int64_t>(mapping->size()))
      fail(op, ": index ", idx, " is out of range for the ", mapping->size(), " entries of compressed_indices_mapping");
    idx = (*mapping)[static_cast<size_t>(idx)];
    if (idx == -1) return -1;
  }
  if (idx < 0 || idx >= t.rows()) fail(op, ": index ", idx, " is out of range for a table of ", t.rows(), " rows");
  return idx;
}

}  // namespace

Tensor rowwise_embedding_bag(const RowwiseTable& t, const Tensor& indices, const BagArgs& args, const char* op) {
  if (args.mode != BagMode::Sum && args.mode != BagMode::Mean)
    fail(op, ": mode ", static_cast<int64_t>(args.mode), " is not supported (sum (0) and mean (1) are)");
  const std::vector<int64_t> idx = int_values(indices, op, "indices");
  const auto n = static_cast<int64_t>(idx.size());
  std::vector<int64_t> offsets;
  if (args.offsets) {
    if (indices.dim() != 1) fail(op, ": indices must be 1-D when offsets are given, got ", indices.dim(), " dimensions");
    if (args.offsets->dim() != 1) fail(op, ": offsets must be 1-D, got ", args.offsets->dim(), " dimensions");
    offsets = int_values(*args.offsets, op, "offsets");
  } else {
    if (indices.dim() != 2) fail(op, ": indices must be 2-D [bags, length] when offsets are not given, got ", indices.dim(), " dimensions");
    for (int64_t b = 0; b < indices.size(0); ++b) offsets.push_back(b * indices.size(1));
  }
  if (!args.include_last_offset || !args.offsets) offsets.push_back(n);
  if (offsets.empty()) fail(op, ": include_last_offset needs at least one offset");
  if (offsets.front() != 0) fail(op, ": offsets must start at 0, got ", offsets.front());
  for (size_t b = 1; b < offsets.size(); ++b)
    if (offsets[b] < offsets[b - 1] || offsets[b] > n)
      fail(op, ": offsets must be non-decreasing and at most the ", n, " indices, got ", offsets[b - 1], " then ", offsets[b]);
  std::vector<float> psw;
  if (args.per_sample_weights) {
    if (args.mode != BagMode::Sum) fail(op, ": per_sample_weights are only supported in sum mode");
    const Tensor w = args.per_sample_weights->to(DType::Float32).contiguous();
    if (w.numel() != n) fail(op, ": per_sample_weights has ", w.numel(), " entries for ", n, " indices");
    psw.assign(w.data<float>(), w.data<float>() + n);
  }
  std::vector<int64_t> mapping;
  if (args.pruned_weights) {
    if (!args.compressed_indices_mapping) fail(op, ": pruned weights need compressed_indices_mapping");
    mapping = int_values(*args.compressed_indices_mapping, op, "compressed_indices_mapping");
  }
  const auto bags = static_cast<int64_t>(offsets.size()) - 1;
  const int64_t dim = t.dim();
  const int64_t sizes[] = {bags, dim};
  Tensor out = Tensor::zeros(sizes, DType::Float32);
  float* o = out.data<float>();
  for (int64_t b = 0; b < bags; ++b) {
    float* row = o + b * dim;
    const int64_t begin = offsets[static_cast<size_t>(b)], end = offsets[static_cast<size_t>(b) + 1];
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = table_row(t, idx[static_cast<size_t>(i)], args.pruned_weights ? &mapping : nullptr, op);
      if (r < 0) continue;
      accumulate(t, r, psw.empty() ? 1.0f : psw[static_cast<size_t>(i)], row);
    }
    if (args.mode == BagMode::Mean && end > begin) {
      const float inv = 1.0f / static_cast<float>(end - begin);
      for (int64_t j = 0; j < dim; ++j) row[j] *= inv;
    }
  }
  return out;
}

Tensor rowwise_embedding(const RowwiseTable& t, const Tensor& indices, bool pruned_weights, const char* op) {
  if (pruned_weights) fail(op, ": pruned weights need compressed_indices_mapping, which this op does not take");
  const std::vector<int64_t> idx = int_values(indices, op, "indices");
  const int64_t dim = t.dim();
  Shape sizes = indices.sizes();
  sizes.push_back(dim);
  Tensor out = Tensor::zeros(sizes, DType::Float32);
  float* o = out.data<float>();
  for (size_t i = 0; i < idx.size(); ++i)
    accumulate(t, table_row(t, idx[i], nullptr, op), 1.0f, o + static_cast<int64_t>(i) * dim);
  return out;
}

}  // namespace ember::cpu
