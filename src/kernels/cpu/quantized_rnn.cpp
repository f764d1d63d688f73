// quantized_rnn.cpp — see quantized_rnn.h.
#include "kernels/cpu/quantized_rnn.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/check.h"
#include "ember/error.h"

namespace ember::cpu {

int64_t DynamicLinearWeight::out_features() const {
  return int8 ? int8->centered.size(0) : fp16->size(0);
}

int64_t DynamicLinearWeight::in_features() const {
  return int8 ? int8->centered.size(1) : fp16->size(1);
}

Tensor DynamicLinearWeight::apply(const Tensor& x) const {
  EMBER_ASSERT((int8 != nullptr) != (fp16 != nullptr), "a dynamic linear weight needs exactly one form");
  Tensor y = int8 ? quantized_linear_dynamic(x, *int8, reduce_range, false)
                  : linear_fp16_weight(x, *fp16, fp16_bias ? *fp16_bias : std::nullopt, false);
  return y.contiguous();
}

namespace {

const char* op_name(RnnMode mode) {
  switch (mode) {
    case RnnMode::Lstm: return "quantized_lstm";
    case RnnMode::Gru: return "quantized_gru";
    case RnnMode::RnnTanh: return "quantized_rnn_tanh";
    case RnnMode::RnnRelu: return "quantized_rnn_relu";
  }
  return "quantized_rnn";
}

struct Seq {
  std::vector<int64_t> sizes, offsets;
  int64_t rows = 0;
};

Seq make_seq(const std::string& op, std::vector<int64_t> sizes) {
  Seq s;
  s.sizes = std::move(sizes);
  if (s.sizes.empty()) fail(op, ": expected a sequence length larger than 0");
  for (size_t t = 0; t < s.sizes.size(); ++t) {
    if (s.sizes[t] < 1) fail(op, ": batch_sizes must be positive, got ", s.sizes[t]);
    if (t > 0 && s.sizes[t] > s.sizes[t - 1])
      fail(op, ": batch_sizes must be non-increasing (a packed sequence sorted by length), got ", s.sizes[t - 1],
           " then ", s.sizes[t]);
    s.offsets.push_back(s.rows);
    s.rows += s.sizes[t];
  }
  return s;
}

void check_state(const std::string& op, const Tensor& t, const char* what, int64_t d0, int64_t d1, int64_t d2) {
  if (t.dtype() != DType::Float32) fail(op, ": ", what, " must be float32, got ", dtype_name(t.dtype()));
  const Shape want{d0, d1, d2};
  if (t.sizes() != want) fail(op, ": expected ", what, " of shape ", shape_string(want), ", got ", shape_string(t.sizes()));
}

// Checks every cell's products against the layer geometry; returns the hidden size.
int64_t check_cells(const std::string& op, RnnMode mode, std::span<const DynamicCellWeights> cells,
                    const QuantizedRnnOptions& opt, int64_t input_size) {
  if (opt.num_layers < 1) fail(op, ": num_layers must be positive, got ", opt.num_layers);
  const int64_t dirs = opt.bidirectional ? 2 : 1;
  if (static_cast<int64_t>(cells.size()) != opt.num_layers * dirs)
    fail(op, ": expected ", opt.num_layers * dirs, " cell parameter objects for ", opt.num_layers, " layer(s) and ",
         dirs, " direction(s), got ", cells.size());
  const int64_t G = rnn_gate_count(mode);
  const int64_t H = cells[0].hh.in_features();
  for (int64_t l = 0; l < opt.num_layers; ++l)
    for (int64_t d = 0; d < dirs; ++d) {
      const DynamicCellWeights& c = cells[static_cast<size_t>(l * dirs + d)];
      const std::string where = " of layer " + std::to_string(l) + (d ? " (reverse)" : "");
      const int64_t in = l == 0 ? input_size : dirs * H;
      if (c.ih.out_features() != G * H || c.ih.in_features() != in)
        fail(op, ": w_ih", where, " is [", c.ih.out_features(), ", ", c.ih.in_features(), "], expected [", G * H, ", ",
             in, "]");
      if (c.hh.out_features() != G * H || c.hh.in_features() != H)
        fail(op, ": w_hh", where, " is [", c.hh.out_features(), ", ", c.hh.in_features(), "], expected [", G * H, ", ",
             H, "]");
    }
  return H;
}

// data [rows, I] float32 contiguous → (output [rows, D*H], h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> run(RnnMode mode, const Tensor& data, const Seq& seq, std::span<const Tensor> hx,
                                       std::span<const DynamicCellWeights> cells, const QuantizedRnnOptions& opt) {
  const std::string op = op_name(mode);
  if (data.dtype() != DType::Float32) fail(op, ": expected a float32 input, got ", dtype_name(data.dtype()));
  if (data.size(0) != seq.rows) fail(op, ": batch_sizes add up to ", seq.rows, " but the data has ", data.size(0), " rows");
  if (opt.train && opt.dropout > 0 && opt.num_layers > 1)
    fail(op, ": dropout between layers in training mode is not supported (ember runs models in eval mode)");
  const bool lstm = mode == RnnMode::Lstm;
  if (hx.size() != (lstm ? 2u : 1u)) fail(op, ": expected ", lstm ? 2 : 1, " hidden state tensor(s), got ", hx.size());
  const int64_t H = check_cells(op, mode, cells, opt, data.size(1));
  const int64_t dirs = opt.bidirectional ? 2 : 1, B = seq.sizes.front(), GH = rnn_gate_count(mode) * H;
  check_state(op, hx[0], "hx", opt.num_layers * dirs, B, H);
  Tensor hn = hx[0].contiguous().clone(), cn;
  if (lstm) {
    check_state(op, hx[1], "cx", opt.num_layers * dirs, B, H);
    cn = hx[1].contiguous().clone();
  }
  Tensor layer_in = data.contiguous();
  Tensor out;
  const auto nsteps = static_cast<int64_t>(seq.sizes.size());
  for (int64_t l = 0; l < opt.num_layers; ++l) {
    const int64_t width = dirs * H;
    const int64_t out_sizes[] = {seq.rows, width};
    out = Tensor::empty(out_sizes, DType::Float32);
    float* y = out.data<float>();
    for (int64_t d = 0; d < dirs; ++d) {
      const DynamicCellWeights& cell = cells[static_cast<size_t>(l * dirs + d)];
      const Tensor xg = cell.ih.apply(layer_in);  // one quantization over every step
      const int64_t state = (l * dirs + d) * B * H;
      float* h = hn.data<float>() + state;
      float* c = lstm ? cn.data<float>() + state : nullptr;
      for (int64_t s = 0; s < nsteps; ++s) {
        const auto t = static_cast<size_t>(d == 1 ? nsteps - 1 - s : s);
        const int64_t b = seq.sizes[t];
        const Tensor rows = hn.as_strided({b, H}, {H, 1}, hn.offset() + state);
        const Tensor hg = cell.hh.apply(rows);
        rnn_gate_rows(mode, xg.data<float>() + seq.offsets[t] * GH, hg.data<float>(), b, H, h, c);
        for (int64_t r = 0; r < b; ++r) std::copy(h + r * H, h + (r + 1) * H, y + (seq.offsets[t] + r) * width + d * H);
      }
    }
    layer_in = out;
  }
  return {out, hn, cn};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> quantized_rnn(const Tensor& input, std::span<const Tensor> hx,
                                                 std::span<const DynamicCellWeights> cells,
                                                 const QuantizedRnnOptions& opt, bool batch_first) {
  const std::string op = op_name(opt.mode);
  const Tensor rows = dense_rows(op, input, batch_first);
  const int64_t T = input.size(batch_first ? 1 : 0), B = input.size(batch_first ? 0 : 1);
  if (B < 1) fail(op, ": expected a batch of at least one sequence");
  auto [out, hn, cn] = run(opt.mode, rows, make_seq(op, std::vector<int64_t>(static_cast<size_t>(T), B)), hx, cells, opt);
  return {dense_output(out, T, B, batch_first), hn, cn};
}

std::tuple<Tensor, Tensor, Tensor> quantized_rnn_packed(const Tensor& data, const Tensor& batch_sizes,
                                                        std::span<const Tensor> hx,
                                                        std::span<const DynamicCellWeights> cells,
                                                        const QuantizedRnnOptions& opt) {
  const std::string op = op_name(opt.mode);
  if (data.dim() != 2) fail(op, ": expected packed data of 2 dimensions, got ", data.dim());
  if (batch_sizes.dim() != 1 || !is_integral(batch_sizes.dtype(), false))
    fail(op, ": batch_sizes must be a 1-D integer tensor");
  const Tensor b = batch_sizes.to(DType::Int64).contiguous();
  const int64_t* p = b.data<int64_t>();
  return run(opt.mode, data, make_seq(op, std::vector<int64_t>(p, p + b.numel())), hx, cells, opt);
}

std::tuple<Tensor, Tensor> quantized_rnn_cell(RnnMode mode, const Tensor& input, std::span<const Tensor> hx,
                                              const DynamicCellWeights& cell) {
  const std::string op = std::string(op_name(mode)) + "_cell_dynamic";
  const bool lstm = mode == RnnMode::Lstm;
  if (hx.size() != (lstm ? 2u : 1u)) fail(op, ": expected ", lstm ? 2 : 1, " hidden state tensor(s), got ", hx.size());
  if (input.dim() != 2) fail(op, ": expected a 2-D input (batch, feature), got ", input.dim(), " dimensions");
  if (input.dtype() != DType::Float32) fail(op, ": expected a float32 input, got ", dtype_name(input.dtype()));
  const int64_t B = input.size(0), H = cell.hh.in_features(), GH = rnn_gate_count(mode) * H;
  if (cell.ih.out_features() != GH || cell.ih.in_features() != input.size(1) || cell.hh.out_features() != GH)
    fail(op, ": the weights are [", cell.ih.out_features(), ", ", cell.ih.in_features(), "] and [",
         cell.hh.out_features(), ", ", H, "], expected [", GH, ", ", input.size(1), "] and [", GH, ", ", H, "]");
  for (size_t i = 0; i < hx.size(); ++i) {
    if (hx[i].dtype() != DType::Float32) fail(op, ": the hidden state must be float32, got ", dtype_name(hx[i].dtype()));
    if (hx[i].sizes() != Shape{B, H})
      fail(op, ": expected hidden state ", i, " of shape ", shape_string(Shape{B, H}), ", got ", shape_string(hx[i].sizes()));
  }
  const Tensor xg = cell.ih.apply(input);
  const Tensor hg = cell.hh.apply(hx[0]);
  Tensor h = hx[0].contiguous().clone(), c;
  if (lstm) c = hx[1].contiguous().clone();
  rnn_gate_rows(mode, xg.data<float>(), hg.data<float>(), B, H, h.data<float>(), lstm ? c.data<float>() : nullptr);
  return {h, c};
}

}  // namespace ember::cpu
