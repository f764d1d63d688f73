// rnn.cpp — see rnn.h. Each (layer, direction) projects every time step's input through w_ih in
// one product, then walks the steps multiplying the running hidden state by w_hh.
#include "kernels/cpu/rnn.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ember/error.h"
#include "kernels/cpu/linalg.h"
#include "core/check.h"

namespace ember::cpu {

namespace {

const char* mode_name(RnnMode m) {
  switch (m) {
    case RnnMode::Lstm: return "lstm";
    case RnnMode::Gru: return "gru";
    case RnnMode::RnnTanh: return "rnn_tanh";
    case RnnMode::RnnRelu: return "rnn_relu";
  }
  return "rnn";
}

int64_t gate_count(RnnMode m) {
  switch (m) {
    case RnnMode::Lstm: return 4;
    case RnnMode::Gru: return 3;
    default: return 1;
  }
}

template <class T>
T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

// Pointers into one (layer, direction)'s weights; biases and projection may be absent.
template <class T>
struct DirWeights {
  const T* w_ih = nullptr;
  const T* w_hh = nullptr;
  const T* b_ih = nullptr;
  const T* b_hh = nullptr;
  const T* w_hr = nullptr;
  int64_t in = 0, hidden = 0, out = 0;
};

// A packed sequence's geometry: batch_sizes[t] rows at row offset offsets[t].
struct Steps {
  std::vector<int64_t> sizes, offsets;
  int64_t rows = 0;
};

Steps make_steps(std::vector<int64_t> sizes) {
  Steps s;
  s.sizes = std::move(sizes);
  for (size_t t = 0; t < s.sizes.size(); ++t) {
    if (s.sizes[t] < 0) fail("rnn: negative batch size in batch_sizes");
    if (t > 0 && s.sizes[t] > s.sizes[t - 1])
      fail("rnn: batch_sizes must be non-increasing (a packed sequence sorted by length), got ",
           s.sizes[t - 1], " then ", s.sizes[t]);
    s.offsets.push_back(s.rows);
    s.rows += s.sizes[t];
  }
  return s;
}

void add_bias_rows(float* x, const float* b, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) x[r * n + j] += b[j];
}
void add_bias_rows(double* x, const double* b, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) x[r * n + j] += b[j];
}

// One batch row of one step: xr and hr are the row's input and hidden products (biases added),
// G*H wide in gate order. Updates h (GRU / Elman) or c and writes the new hidden state into
// lstm_out (LSTM; h itself, or the pre-projection buffer). PyTorch's LSTMCell / GRUCell /
// SimpleCell arithmetic on CPU.
template <class T>
void gate_row(RnnMode mode, const T* xr, const T* hr, int64_t H, T* h, T* c, T* lstm_out) {
  switch (mode) {
    case RnnMode::Lstm:
      for (int64_t j = 0; j < H; ++j) {
        const T i_gate = sigmoid(xr[j] + hr[j]);
        const T f_gate = sigmoid(xr[H + j] + hr[H + j]);
        const T g_gate = std::tanh(xr[2 * H + j] + hr[2 * H + j]);
        const T o_gate = sigmoid(xr[3 * H + j] + hr[3 * H + j]);
        const T cy = f_gate * c[j] + i_gate * g_gate;
        c[j] = cy;
        lstm_out[j] = o_gate * std::tanh(cy);
      }
      break;
    case RnnMode::Gru:
      for (int64_t j = 0; j < H; ++j) {
        const T r_gate = sigmoid(xr[j] + hr[j]);
        const T z_gate = sigmoid(xr[H + j] + hr[H + j]);
        const T n_gate = std::tanh(xr[2 * H + j] + r_gate * hr[2 * H + j]);
        h[j] = (h[j] - n_gate) * z_gate + n_gate;
      }
      break;
    case RnnMode::RnnTanh:
      for (int64_t j = 0; j < H; ++j) h[j] = std::tanh(xr[j] + hr[j]);
      break;
    case RnnMode::RnnRelu:
      for (int64_t j = 0; j < H; ++j) h[j] = std::max(xr[j] + hr[j], T(0));
      break;
  }
}

// Runs one direction over the packed steps. x [rows, in]; h [B, out] holds h0 on entry and the
// final states on exit (a sequence that ends early keeps its last state); c likewise [B, H] for
// LSTM. Writes each step's hidden state into y (row stride ldy).
template <class T>
void run_direction(RnnMode mode, const DirWeights<T>& w, const T* x, const Steps& steps,
                   bool reverse, T* h, T* c, T* y, int64_t ldy) {
  const int64_t H = w.hidden, O = w.out, GH = gate_count(mode) * H;
  const int64_t batch = steps.sizes.empty() ? 0 : steps.sizes.front();
  std::vector<T> xg(static_cast<size_t>(steps.rows * GH));
  gemm(false, true, steps.rows, GH, w.in, T(1), x, w.in, w.w_ih, w.in, T(0), xg.data(), GH);
  if (w.b_ih) add_bias_rows(xg.data(), w.b_ih, steps.rows, GH);
  std::vector<T> hg(static_cast<size_t>(batch * GH));
  std::vector<T> cell_out(w.w_hr ? static_cast<size_t>(batch * H) : 0);

  const auto nsteps = static_cast<int64_t>(steps.sizes.size());
  for (int64_t s = 0; s < nsteps; ++s) {
    const auto t = static_cast<size_t>(reverse ? nsteps - 1 - s : s);
    const int64_t b = steps.sizes[t];
    const T* xs = xg.data() + steps.offsets[t] * GH;
    gemm(false, true, b, GH, O, T(1), h, O, w.w_hh, O, T(0), hg.data(), GH);
    if (w.b_hh) add_bias_rows(hg.data(), w.b_hh, b, GH);
    for (int64_t r = 0; r < b; ++r) {
      T* hrow = h + r * O;
      gate_row<T>(mode, xs + r * GH, hg.data() + r * GH, H, hrow, c ? c + r * H : nullptr,
                  w.w_hr ? cell_out.data() + r * H : hrow);
    }
    if (w.w_hr) gemm(false, true, b, O, H, T(1), cell_out.data(), H, w.w_hr, H, T(0), h, O);
    if (y)
      for (int64_t r = 0; r < b; ++r)
        std::copy(h + r * O, h + (r + 1) * O, y + (steps.offsets[t] + r) * ldy);
  }
}

void check_float(const Tensor& t, DType dtype, const std::string& op, const std::string& what) {
  if (t.dtype() != dtype)
    fail(op, ": ", what, " has dtype ", dtype_name(t.dtype()), " but the input has ",
         dtype_name(dtype));
}

void check_shape(const Tensor& t, std::initializer_list<int64_t> want, const std::string& op,
                 const std::string& what) {
  Shape w(want);
  if (t.sizes() != w)
    fail(op, ": expected ", what, " of shape ", shape_string(w), ", got ", shape_string(t.sizes()));
}

struct LayerShapes {
  int64_t hidden = 0, out = 0, per_dir = 0;
  bool proj = false;
};

// Reads the hidden/projection sizes from the flat list and checks its length and every shape.
LayerShapes check_params(const std::string& op, RnnMode mode, std::span<const Tensor> params,
                         const RnnOptions& opt, int64_t input_size, DType dtype) {
  if (opt.num_layers < 1) fail(op, ": num_layers must be positive, got ", opt.num_layers);
  const int64_t dirs = opt.bidirectional ? 2 : 1;
  const int64_t base = opt.has_biases ? 4 : 2;
  const auto n = static_cast<int64_t>(params.size());
  LayerShapes ls;
  if (n == opt.num_layers * dirs * base) {
    ls.per_dir = base;
  } else if (mode == RnnMode::Lstm && n == opt.num_layers * dirs * (base + 1)) {
    ls.per_dir = base + 1;
    ls.proj = true;
  } else {
    fail(op, ": expected ", opt.num_layers * dirs * base, " weight tensors for ", opt.num_layers,
         " layer(s), ", dirs, " direction(s)", opt.has_biases ? " with" : " without",
         " biases, got ", n);
  }
  const Tensor& w_hh0 = params[1];
  if (w_hh0.dim() != 2) fail(op, ": w_hh must be 2-D, got ", shape_string(w_hh0.sizes()));
  const int64_t G = gate_count(mode);
  if (w_hh0.size(0) % G != 0)
    fail(op, ": w_hh has ", w_hh0.size(0), " rows, not a multiple of ", G, " gates");
  ls.hidden = w_hh0.size(0) / G;
  ls.out = ls.proj ? params[static_cast<size_t>(base)].size(0) : ls.hidden;
  for (int64_t l = 0; l < opt.num_layers; ++l) {
    const int64_t in = l == 0 ? input_size : dirs * ls.out;
    for (int64_t d = 0; d < dirs; ++d) {
      const auto k = static_cast<size_t>((l * dirs + d) * ls.per_dir);
      const std::string where = " of layer " + std::to_string(l) + (d ? " (reverse)" : "");
      for (size_t i = 0; i < static_cast<size_t>(ls.per_dir); ++i)
        check_float(params[k + i], dtype, op, "weight " + std::to_string(k + i));
      check_shape(params[k], {G * ls.hidden, in}, op, "w_ih" + where);
      check_shape(params[k + 1], {G * ls.hidden, ls.out}, op, "w_hh" + where);
      if (opt.has_biases) {
        check_shape(params[k + 2], {G * ls.hidden}, op, "b_ih" + where);
        check_shape(params[k + 3], {G * ls.hidden}, op, "b_hh" + where);
      }
      if (ls.proj) check_shape(params[k + static_cast<size_t>(base)], {ls.out, ls.hidden}, op, "w_hr" + where);
    }
  }
  return ls;
}

// The shared driver: data [rows, I] contiguous, h0 [L*D, B, out], c0 [L*D, B, H] (LSTM only).
// Returns (output [rows, D*out], h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> run_packed(const std::string& op, RnnMode mode,
                                              const Tensor& data_in, const Steps& steps,
                                              const Tensor& h0, const Tensor* c0,
                                              std::span<const Tensor> params,
                                              const RnnOptions& opt) {
  if (data_in.dim() != 2) fail(op, ": expected packed data of 2 dimensions, got ", data_in.dim());
  const DType dtype = data_in.dtype();
  if (dtype != DType::Float32 && dtype != DType::Float64)
    fail(op, ": not implemented for ", dtype_name(dtype), " (float32 and float64 only)");
  if (opt.train && opt.dropout > 0 && opt.num_layers > 1)
    fail(op, ": dropout between layers in training mode is not supported (ember runs models in "
             "eval mode)");
  if (steps.rows != data_in.size(0))
    fail(op, ": batch_sizes add up to ", steps.rows, " but the data has ", data_in.size(0), " rows");
  const LayerShapes ls = check_params(op, mode, params, opt, data_in.size(1), dtype);
  const int64_t dirs = opt.bidirectional ? 2 : 1;
  const int64_t batch = steps.sizes.empty() ? 0 : steps.sizes.front();
  check_float(h0, dtype, op, "hx");
  check_shape(h0, {opt.num_layers * dirs, batch, ls.out}, op, "hx");
  Tensor hn = h0.clone(), cn;
  if (c0) {
    check_float(*c0, dtype, op, "cx");
    check_shape(*c0, {opt.num_layers * dirs, batch, ls.hidden}, op, "cx");
    cn = c0->clone();
  }
  std::vector<Tensor> weights;
  weights.reserve(params.size());
  for (const Tensor& p : params) weights.push_back(p.contiguous());

  Tensor layer_in = data_in.contiguous();
  Tensor out;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    for (int64_t l = 0; l < opt.num_layers; ++l) {
      const int64_t width = dirs * ls.out;
      const int64_t out_sizes[] = {steps.rows, width};
      out = Tensor::empty(out_sizes, dtype);
      for (int64_t d = 0; d < dirs; ++d) {
        const auto k = static_cast<size_t>((l * dirs + d) * ls.per_dir);
        DirWeights<T> w;
        w.w_ih = weights[k].data<T>();
        w.w_hh = weights[k + 1].data<T>();
        if (opt.has_biases) {
          w.b_ih = weights[k + 2].data<T>();
          w.b_hh = weights[k + 3].data<T>();
        }
        if (ls.proj) w.w_hr = weights[k + (opt.has_biases ? 4 : 2)].data<T>();
        w.in = layer_in.size(1);
        w.hidden = ls.hidden;
        w.out = ls.out;
        T* h = hn.data<T>() + (l * dirs + d) * batch * ls.out;
        T* c = cn.defined() ? cn.data<T>() + (l * dirs + d) * batch * ls.hidden : nullptr;
        run_direction<T>(mode, w, layer_in.data<T>(), steps, d == 1, h, c,
                         out.data<T>() + d * ls.out, width);
      }
      layer_in = out;
    }
  };
  if (dtype == DType::Float32) run(float{});
  else run(double{});
  return {out, hn, cn};
}

Steps dense_steps(int64_t seq_len, int64_t batch) {
  return make_steps(std::vector<int64_t>(static_cast<size_t>(seq_len), batch));
}


std::vector<int64_t> read_batch_sizes(const std::string& op, const Tensor& batch_sizes) {
  if (batch_sizes.dim() != 1 || is_floating(batch_sizes.dtype()) || batch_sizes.dtype() == DType::Bool)
    fail(op, ": batch_sizes must be a 1-D integer tensor");
  const Tensor b = batch_sizes.to(DType::Int64).contiguous();
  const int64_t* p = b.data<int64_t>();
  return std::vector<int64_t>(p, p + b.numel());
}

}  // namespace

// Time-major contiguous [T*B, I] rows of a dense input.
Tensor dense_rows(const std::string& op, const Tensor& input, bool batch_first) {
  if (input.dim() != 3)
    fail(op, ": expected a 3-D input (seq, batch, feature), got ", input.dim(), " dimensions");
  Tensor x = input;
  if (batch_first) {
    Shape s = x.sizes(), st = x.strides();
    std::swap(s[0], s[1]);
    std::swap(st[0], st[1]);
    x = x.as_strided(s, st, x.offset());
  }
  x = x.contiguous();
  const Shape sizes{x.size(0) * x.size(1), x.size(2)};
  return x.as_strided(sizes, contiguous_strides(sizes), x.offset());
}

// [T*B, W] rows back to [T, B, W], as a [B, T, W] view when batch_first.
Tensor dense_output(const Tensor& rows, int64_t seq_len, int64_t batch, bool batch_first) {
  const int64_t w = rows.size(1);
  if (batch_first) return rows.as_strided({batch, seq_len, w}, {w, batch * w, 1}, rows.offset());
  return rows.as_strided({seq_len, batch, w}, {batch * w, w, 1}, rows.offset());
}

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, std::span<const Tensor> hx,
                                        std::span<const Tensor> params, const RnnOptions& opt,
                                        bool batch_first) {
  if (hx.size() != 2) fail("lstm: expected hx to hold 2 tensors (h0, c0), got ", hx.size());
  const Tensor rows = dense_rows("lstm", input, batch_first);
  const int64_t seq = input.size(batch_first ? 1 : 0), batch = input.size(batch_first ? 0 : 1);
  RnnOptions o = opt;
  o.mode = RnnMode::Lstm;
  auto [out, hn, cn] = run_packed("lstm", RnnMode::Lstm, rows, dense_steps(seq, batch), hx[0],
                                  &hx[1], params, o);
  return {dense_output(out, seq, batch, batch_first), hn, cn};
}

std::tuple<Tensor, Tensor, Tensor> lstm_packed(const Tensor& data, const Tensor& batch_sizes,
                                               std::span<const Tensor> hx,
                                               std::span<const Tensor> params,
                                               const RnnOptions& opt) {
  if (hx.size() != 2) fail("lstm: expected hx to hold 2 tensors (h0, c0), got ", hx.size());
  RnnOptions o = opt;
  o.mode = RnnMode::Lstm;
  return run_packed("lstm", RnnMode::Lstm, data,
                    make_steps(read_batch_sizes("lstm", batch_sizes)), hx[0], &hx[1], params, o);
}

std::tuple<Tensor, Tensor> rnn(const Tensor& input, const Tensor& hx,
                               std::span<const Tensor> params, const RnnOptions& opt,
                               bool batch_first) {
  EMBER_ASSERT(opt.mode != RnnMode::Lstm, "rnn() called for an LSTM");
  const std::string op = mode_name(opt.mode);
  const Tensor rows = dense_rows(op, input, batch_first);
  const int64_t seq = input.size(batch_first ? 1 : 0), batch = input.size(batch_first ? 0 : 1);
  auto [out, hn, cn] =
      run_packed(op, opt.mode, rows, dense_steps(seq, batch), hx, nullptr, params, opt);
  return {dense_output(out, seq, batch, batch_first), hn};
}

std::tuple<Tensor, Tensor> rnn_packed(const Tensor& data, const Tensor& batch_sizes,
                                      const Tensor& hx, std::span<const Tensor> params,
                                      const RnnOptions& opt) {
  EMBER_ASSERT(opt.mode != RnnMode::Lstm, "rnn_packed() called for an LSTM");
  const std::string op = mode_name(opt.mode);
  auto [out, hn, cn] = run_packed(op, opt.mode, data, make_steps(read_batch_sizes(op, batch_sizes)),
                                  hx, nullptr, params, opt);
  return {out, hn};
}

namespace {

// One step of any cell through run_direction: the batch is one packed step.
template <class T>
void cell_step(RnnMode mode, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh,
               const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh, T* h, T* c) {
  DirWeights<T> w;
  w.w_ih = w_ih.data<T>();
  w.w_hh = w_hh.data<T>();
  if (b_ih) w.b_ih = b_ih->data<T>();
  if (b_hh) w.b_hh = b_hh->data<T>();
  w.in = x.size(1);
  w.hidden = w_hh.size(1);
  w.out = w.hidden;
  run_direction<T>(mode, w, x.data<T>(), dense_steps(1, x.size(0)), false, h, c, nullptr, 0);
}

// Checks a cell's arguments; returns them contiguous (biases may be absent).
struct CellArgs {
  Tensor x, w_ih, w_hh;
  std::optional<Tensor> b_ih, b_hh;
};

CellArgs check_cell(const std::string& op, RnnMode mode, const Tensor& input, const Tensor& hx,
                    const Tensor& w_ih, const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                    const std::optional<Tensor>& b_hh) {
  const DType dtype = input.dtype();
  if (dtype != DType::Float32 && dtype != DType::Float64)
    fail(op, ": not implemented for ", dtype_name(dtype), " (float32 and float64 only)");
  if (input.dim() != 2) fail(op, ": expected a 2-D input (batch, feature), got ", input.dim(), " dimensions");
  if (hx.dim() != 2) fail(op, ": expected a 2-D hidden state (batch, hidden), got ", hx.dim(), " dimensions");
  const int64_t G = gate_count(mode), B = input.size(0), H = hx.size(1);
  check_float(hx, dtype, op, "hx");
  check_float(w_ih, dtype, op, "w_ih");
  check_float(w_hh, dtype, op, "w_hh");
  check_shape(hx, {B, H}, op, "hx");
  check_shape(w_ih, {G * H, input.size(1)}, op, "w_ih");
  check_shape(w_hh, {G * H, H}, op, "w_hh");
  CellArgs a{input.contiguous(), w_ih.contiguous(), w_hh.contiguous(), std::nullopt, std::nullopt};
  if (b_ih) {
    check_float(*b_ih, dtype, op, "b_ih");
    check_shape(*b_ih, {G * H}, op, "b_ih");
    a.b_ih = b_ih->contiguous();
  }
  if (b_hh) {
    check_float(*b_hh, dtype, op, "b_hh");
    check_shape(*b_hh, {G * H}, op, "b_hh");
    a.b_hh = b_hh->contiguous();
  }
  return a;
}

}  // namespace

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, std::span<const Tensor> hx,
                                     const Tensor& w_ih, const Tensor& w_hh,
                                     const std::optional<Tensor>& b_ih,
                                     const std::optional<Tensor>& b_hh) {
  if (hx.size() != 2) fail("lstm_cell: expected hx to hold 2 tensors (h, c), got ", hx.size());
  const CellArgs a = check_cell("lstm_cell", RnnMode::Lstm, input, hx[0], w_ih, w_hh, b_ih, b_hh);
  check_float(hx[1], input.dtype(), "lstm_cell", "cx");
  check_shape(hx[1], {hx[0].size(0), hx[0].size(1)}, "lstm_cell", "cx");
  Tensor h = hx[0].clone(), c = hx[1].clone();
  if (input.dtype() == DType::Float32)
    cell_step<float>(RnnMode::Lstm, a.x, a.w_ih, a.w_hh, a.b_ih, a.b_hh, h.data<float>(), c.data<float>());
  else
    cell_step<double>(RnnMode::Lstm, a.x, a.w_ih, a.w_hh, a.b_ih, a.b_hh, h.data<double>(), c.data<double>());
  return {h, c};
}

Tensor rnn_cell(RnnMode mode, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                const std::optional<Tensor>& b_hh) {
  EMBER_ASSERT(mode != RnnMode::Lstm, "rnn_cell() called for an LSTM");
  const std::string op = std::string(mode_name(mode)) + "_cell";
  const CellArgs a = check_cell(op, mode, input, hx, w_ih, w_hh, b_ih, b_hh);
  Tensor h = hx.clone();
  if (input.dtype() == DType::Float32)
    cell_step<float>(mode, a.x, a.w_ih, a.w_hh, a.b_ih, a.b_hh, h.data<float>(), nullptr);
  else
    cell_step<double>(mode, a.x, a.w_ih, a.w_hh, a.b_ih, a.b_hh, h.data<double>(), nullptr);
  return h;
}

void rnn_gate_rows(RnnMode mode, const float* xg, const float* hg, int64_t rows, int64_t hidden,
                   float* h, float* c) {
  const int64_t GH = gate_count(mode) * hidden;
  for (int64_t r = 0; r < rows; ++r)
    gate_row<float>(mode, xg + r * GH, hg + r * GH, hidden, h + r * hidden, c ? c + r * hidden : nullptr,
                    h + r * hidden);
}

int64_t rnn_gate_count(RnnMode mode) { return gate_count(mode); }

}  // namespace ember::cpu
