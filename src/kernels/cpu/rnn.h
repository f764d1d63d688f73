// rnn.h — recurrent layers (LSTM, GRU, Elman RNN with tanh/relu) and their single-step cells,
// with PyTorch's weight layout and gate order.
//
// Weights come as PyTorch's flat list (nn.LSTM's `_flat_weights`): for each layer, for each
// direction (forward, then reverse), w_ih [G*H, in], w_hh [G*H, out], then b_ih [G*H] and b_hh
// [G*H] when has_biases, then w_hr [out, H] when an LSTM has a projection (proj_size > 0, where
// out = proj_size; otherwise out = H). Gates stack as i, f, g, o (LSTM), r, z, n (GRU, with the
// n gate's hidden bias inside r * (...)), G = 1 for the Elman RNN. Layer l > 0 reads the
// concatenated [forward, reverse] outputs of layer l - 1. Dense inputs run as a packed sequence
// whose batch size never changes, so the packed (`.data`) overloads share all the math.
// Computation is in float32 (oneDNN sgemm for the products) or float64; dropout only applies in
// training, which ember does not run: train=True with dropout > 0 between layers is an error.
#pragma once

#include <cstdint>
#include <string>
#include <optional>
#include <span>
#include <tuple>

#include "ember/tensor.h"

namespace ember::cpu {

enum class RnnMode { Lstm, Gru, RnnTanh, RnnRelu };

struct RnnOptions {
  RnnMode mode = RnnMode::Lstm;
  bool has_biases = true;
  int64_t num_layers = 1;
  double dropout = 0;
  bool train = false;
  bool bidirectional = false;
};

// aten::lstm.input: input [T, B, I] ([B, T, I] when batch_first), hx = {h0 [L*D, B, out],
// c0 [L*D, B, H]} → (output [T, B, D*out] (batch-first view when batch_first), h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, std::span<const Tensor> hx,
                                        std::span<const Tensor> params, const RnnOptions& opt,
                                        bool batch_first);
// aten::lstm.data: data [sum(batch_sizes), I] packed time-major, batch_sizes int64 [T]
// non-increasing → (packed output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm_packed(const Tensor& data, const Tensor& batch_sizes,
                                               std::span<const Tensor> hx,
                                               std::span<const Tensor> params,
                                               const RnnOptions& opt);
// aten::gru.input / rnn_tanh.input / rnn_relu.input (opt.mode says which) → (output, h_n).
std::tuple<Tensor, Tensor> rnn(const Tensor& input, const Tensor& hx,
                               std::span<const Tensor> params, const RnnOptions& opt,
                               bool batch_first);
// The packed `.data` overloads of gru / rnn_tanh / rnn_relu.
std::tuple<Tensor, Tensor> rnn_packed(const Tensor& data, const Tensor& batch_sizes,
                                      const Tensor& hx, std::span<const Tensor> params,
                                      const RnnOptions& opt);

// One time step: input [B, I], hidden [B, H] (LSTM: hx = {h, c}).
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, std::span<const Tensor> hx,
                                     const Tensor& w_ih, const Tensor& w_hh,
                                     const std::optional<Tensor>& b_ih,
                                     const std::optional<Tensor>& b_hh);
// mode is Gru, RnnTanh or RnnRelu.
Tensor rnn_cell(RnnMode mode, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                const std::optional<Tensor>& b_hh);

// The gate nonlinearities of one step for `rows` batch rows, shared with the quantized layers
// (kernels/cpu/quantized_rnn.h): xg and hg [rows, G*H] hold the input and hidden products with
// their biases; h [rows, H] (and c [rows, H] for an LSTM) are updated in place.
void rnn_gate_rows(RnnMode mode, const float* xg, const float* hg, int64_t rows, int64_t hidden,
                   float* h, float* c);
// G: 4 for LSTM, 3 for GRU, 1 for the Elman RNN.
int64_t rnn_gate_count(RnnMode mode);
// A dense [T, B, I] input ([B, T, I] when batch_first) as time-major contiguous [T*B, I] rows,
// failing (named `op`) on another rank; and [T*B, W] result rows back as [T, B, W], a [B, T, W]
// view when batch_first. Shared with the quantized layers.
Tensor dense_rows(const std::string& op, const Tensor& input, bool batch_first);
Tensor dense_output(const Tensor& rows, int64_t seq_len, int64_t batch, bool batch_first);

}  // namespace ember::cpu
