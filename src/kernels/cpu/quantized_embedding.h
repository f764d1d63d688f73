// quantized_embedding.h — row-wise quantized embedding tables and their lookups: the
// quantized::embedding_{byte,4bit} and embedding_bag_{byte,4bit}[_rowwise_offsets] ops that
// nn.quantized.Embedding / EmbeddingBag and embedding_bag_*_prepack'ed tables run.
//
// A table row r holds 8-bit or 4-bit integers q with a float scale and bias; its value at column
// j is scale[r] * q[r][j] + bias[r]. From a quantized weight (per_channel_affine_float_qparams
// along rows) the bias is -zero_point * scale, as PyTorch's prepack stores it; 4-bit tables keep
// scale and bias rounded to float16, as PyTorch's fused 4-bit rows do. A bag accumulates
// fma(scale * w, q, out + bias * w) per row (w the per-sample weight, 1 without), and mean bags
// then multiply by 1 / length, as PyTorch's reference lookup does.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ember/tensor.h"

namespace ember::cpu {

struct RowwiseTable {
  Tensor q;                  // uint8 [rows, dim], one value per byte (4-bit values in 0..15)
  std::vector<float> scale;  // [rows]
  std::vector<float> bias;   // [rows]
  int bits = 8;
  int64_t rows() const { return q.size(0); }
  int64_t dim() const { return q.size(1); }
};

// From a 2-D quint8 (bits 8) or quint4x2 (bits 4) tensor quantized per row with float qparams.
RowwiseTable rowwise_from_quantized(const Tensor& weight, int bits);
// From the fused rows embedding_bag_{byte,4bit}_prepack write: uint8 [rows, dim + 8] with a
// float32 scale and bias after the values (bits 8), or [rows, dim / 2 + 4] with two values per
// byte (low nibble first) and float16 scale and bias (bits 4).
RowwiseTable rowwise_from_fused(const Tensor& packed, int bits);
// embedding_bag_byte_prepack / embedding_bag_4bit_prepack (without optimized qparams): a float
// [rows, dim] table to fused rows. 8-bit: scale = (max - min) / 255, bias = min,
// q = nearbyint((x - min) * (255 / (range + 1e-8))). 4-bit: min rounded to float16 first,
// scale = float16(range / 15) (1 for a zero or unusable scale), q clamped to [0, 15].
Tensor fused_rowwise_prepack(const Tensor& weight, int bits);
// The table's values as float32 [rows, dim] (embedding_bag_*_unpack).
Tensor rowwise_values(const RowwiseTable& t);

enum class BagMode : int64_t { Sum = 0, Mean = 1, Max = 2 };

struct BagArgs {
  std::optional<Tensor> offsets;
  BagMode mode = BagMode::Sum;
  bool pruned_weights = false;
  std::optional<Tensor> per_sample_weights;
  std::optional<Tensor> compressed_indices_mapping;
  bool include_last_offset = false;
};

// embedding_bag_*: indices 1-D with offsets (bag b is indices[offsets[b] : offsets[b + 1]]), or
// 2-D [B, L] without → float32 [B, dim].
Tensor rowwise_embedding_bag(const RowwiseTable& t, const Tensor& indices, const BagArgs& args, const char* op);
// embedding_byte / embedding_4bit: one row per index → float32 [indices..., dim].
Tensor rowwise_embedding(const RowwiseTable& t, const Tensor& indices, bool pruned_weights, const char* op);

}  // namespace ember::cpu
