// aten_rnn.cpp — schemas of the recurrent layers and cells bound to kernels/cpu/rnn.h. Dense
// (`.input`) and packed-sequence (`.data`) overloads are both registered: a scripted nn.LSTM /
// nn.GRU / nn.RNN compiles a forward for PackedSequence inputs too, so loading needs both.
#include <optional>
#include <tuple>
#include <vector>

#include "kernels/cpu/rnn.h"
#include "ops/kernel_util.h"

namespace ember::ops {
namespace {

using OptTensor = std::optional<Tensor>;
using Tensors = std::vector<Tensor>;

cpu::RnnOptions options(cpu::RnnMode mode, bool has_biases, int64_t num_layers, double dropout,
                        bool train, bool bidirectional) {
  cpu::RnnOptions o;
  o.mode = mode;
  o.has_biases = has_biases;
  o.num_layers = num_layers;
  o.dropout = dropout;
  o.train = train;
  o.bidirectional = bidirectional;
  return o;
}

void register_rnn(Registry& r, cpu::RnnMode mode, const char* input_schema, const char* data_schema) {
  r.add(input_schema,
        wrap([mode](const Tensor& input, const Tensor& hx, Tensors params, bool has_biases,
                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                    bool batch_first) {
          return cpu::rnn(input, hx, params,
                          options(mode, has_biases, num_layers, dropout, train, bidirectional),
                          batch_first);
        }));
  r.add(data_schema,
        wrap([mode](const Tensor& data, const Tensor& batch_sizes, const Tensor& hx, Tensors params,
                    bool has_biases, int64_t num_layers, double dropout, bool train,
                    bool bidirectional) {
          return cpu::rnn_packed(data, batch_sizes, hx, params,
                                 options(mode, has_biases, num_layers, dropout, train, bidirectional));
        }));
}

}  // namespace

void register_rnn_ops(Registry& r) {
  using cpu::RnnMode;
  r.add("aten::lstm.input(Tensor input, Tensor[] hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& input, Tensors hx, Tensors params, bool has_biases, int64_t num_layers,
                double dropout, bool train, bool bidirectional, bool batch_first) {
          return cpu::lstm(input, hx, params,
                           options(RnnMode::Lstm, has_biases, num_layers, dropout, train, bidirectional),
                           batch_first);
        }));
  r.add("aten::lstm.data(Tensor data, Tensor batch_sizes, Tensor[] hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& data, const Tensor& batch_sizes, Tensors hx, Tensors params,
                bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional) {
          return cpu::lstm_packed(data, batch_sizes, hx, params,
                                  options(RnnMode::Lstm, has_biases, num_layers, dropout, train, bidirectional));
        }));
  register_rnn(r, RnnMode::Gru,
               "aten::gru.input(Tensor input, Tensor hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first) -> (Tensor, Tensor)",
               "aten::gru.data(Tensor data, Tensor batch_sizes, Tensor hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional) -> (Tensor, Tensor)");
  register_rnn(r, RnnMode::RnnTanh,
               "aten::rnn_tanh.input(Tensor input, Tensor hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first) -> (Tensor, Tensor)",
               "aten::rnn_tanh.data(Tensor data, Tensor batch_sizes, Tensor hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional) -> (Tensor, Tensor)");
  register_rnn(r, RnnMode::RnnRelu,
               "aten::rnn_relu.input(Tensor input, Tensor hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first) -> (Tensor, Tensor)",
               "aten::rnn_relu.data(Tensor data, Tensor batch_sizes, Tensor hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional) -> (Tensor, Tensor)");

  r.add("aten::lstm_cell(Tensor input, Tensor[] hx, Tensor w_ih, Tensor w_hh, Tensor? b_ih=None, Tensor? b_hh=None) -> (Tensor, Tensor)",
        wrap([](const Tensor& input, Tensors hx, const Tensor& w_ih, const Tensor& w_hh, OptTensor b_ih,
                OptTensor b_hh) { return cpu::lstm_cell(input, hx, w_ih, w_hh, b_ih, b_hh); }));
  auto cell = [](RnnMode mode) {
    return wrap([mode](const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                       OptTensor b_ih, OptTensor b_hh) {
      return cpu::rnn_cell(mode, input, hx, w_ih, w_hh, b_ih, b_hh);
    });
  };
  r.add("aten::gru_cell(Tensor input, Tensor hx, Tensor w_ih, Tensor w_hh, Tensor? b_ih=None, Tensor? b_hh=None) -> Tensor",
        cell(RnnMode::Gru));
  r.add("aten::rnn_tanh_cell(Tensor input, Tensor hx, Tensor w_ih, Tensor w_hh, Tensor? b_ih=None, Tensor? b_hh=None) -> Tensor",
        cell(RnnMode::RnnTanh));
  r.add("aten::rnn_relu_cell(Tensor input, Tensor hx, Tensor w_ih, Tensor w_hh, Tensor? b_ih=None, Tensor? b_hh=None) -> Tensor",
        cell(RnnMode::RnnRelu));
}

}  // namespace ember::ops
