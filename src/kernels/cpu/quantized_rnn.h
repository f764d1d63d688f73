// quantized_rnn.h — dynamic-quantized recurrent layers: aten::quantized_lstm / quantized_gru as
// torch.ao.nn.quantized.dynamic.LSTM / GRU run them, and the single-step
// quantized::quantized_{lstm,gru,rnn_tanh,rnn_relu}_cell_dynamic ops.
//
// Each cell's two products (x W_ih^T + b_ih, h W_hh^T + b_hh) run as quantized::linear_dynamic
// does (int8 weights, the input quantized per call over its own [min, max]) or with weights
// rounded to float16 and computed in float32 (the fp16 form). As in PyTorch's RNN.cpp on CPU,
// a layer's input product is one call over the whole sequence (every time step quantized
// together; the layer's whole packed data for packed sequences), and the hidden product is one
// call per time step over the rows still running. The gate arithmetic is the float layers'
// (kernels/cpu/rnn.h). Layer l > 0 reads the concatenated [forward, reverse] outputs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <tuple>

#include "ember/tensor.h"
#include "kernels/cpu/quantized.h"
#include "kernels/cpu/rnn.h"

namespace ember::cpu {

// One product of a cell: exactly one of `int8` or `fp16` is set (views of what the packed
// parameters own, which outlive the call).
struct DynamicLinearWeight {
  const QuantizedWeight* int8 = nullptr;     // qint8 weight [N, K] and float bias
  const Tensor* fp16 = nullptr;              // float32 values rounded to float16 [N, K]
  const std::optional<Tensor>* fp16_bias = nullptr;
  bool reduce_range = false;                 // int8 only: activations over [0, 127]
  int64_t out_features() const;
  int64_t in_features() const;
  // x [rows, K] float32 → [rows, N] float32.
  Tensor apply(const Tensor& x) const;
};

struct DynamicCellWeights {
  DynamicLinearWeight ih, hh;
};

struct QuantizedRnnOptions {
  RnnMode mode = RnnMode::Lstm;
  int64_t num_layers = 1;
  bool bidirectional = false;
  double dropout = 0;
  bool train = false;
};

// Dense input [T, B, I] ([B, T, I] when batch_first); hx = {h0} (GRU) or {h0, c0} (LSTM), each
// [L*D, B, H]; cells: one per (layer, direction), forward first. Returns (output [T, B, D*H]
// (batch-first when batch_first), h_n, c_n (LSTM only)).
std::tuple<Tensor, Tensor, Tensor> quantized_rnn(const Tensor& input, std::span<const Tensor> hx,
                                                 std::span<const DynamicCellWeights> cells,
                                                 const QuantizedRnnOptions& opt, bool batch_first);
// Packed sequence: data [sum(batch_sizes), I], batch_sizes non-increasing → (packed output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> quantized_rnn_packed(const Tensor& data, const Tensor& batch_sizes,
                                                        std::span<const Tensor> hx,
                                                        std::span<const DynamicCellWeights> cells,
                                                        const QuantizedRnnOptions& opt);
// One step: input [B, I], hx = {h} or {h, c} [B, H] → (h', c' (LSTM only)).
std::tuple<Tensor, Tensor> quantized_rnn_cell(RnnMode mode, const Tensor& input, std::span<const Tensor> hx,
                                              const DynamicCellWeights& cell);

}  // namespace ember::cpu
