// quantized_ops.cpp — quantized tensors: quantize/dequantize and their parameters, the
// quantized:: ops of eager, FX and dynamic quantization, the packed-parameter prepack/unpack ops,
// and the aten ops that accept quantized tensors (extended here, after every family registered
// them, so that a quantized argument runs the quantized path and anything else the original).
#include <algorithm>
#include <cmath>

#include "kernels/cpu/quantized.h"
#include "kernels/cpu/linalg.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/quantized_embedding.h"
#include "kernels/cpu/quantized_norm.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/quantized_rnn.h"
#include "kernels/cpu/shape.h"
#include "ops/aten_util.h"
#include "ops/custom_class.h"
#include "ops/kernel_util.h"
#include "ops/quantized_params.h"
#include "tensor/impl.h"
#include "tensor/quantized.h"

namespace ember::ops {

namespace {

bool is_quantized_tensor(const Value& v) { return v.is_tensor() && v.to_tensor().defined() && is_quantized(v.to_tensor().dtype()); }

bool holds_quantized(const Value& v) {
  if (is_quantized_tensor(v)) return true;
  if (v.is_list() && !v.to_list()->items.empty()) return is_quantized_tensor(v.to_list()->items[0]);
  return false;
}

const PackedConvParams& conv_params_of(const Value& v, bool three_d = false) {
  return custom_payload<PackedConvParams>(v, three_d ? kConv3dParams : kConv2dParams);
}
const PackedLinearParams& linear_params_of(const Value& v) { return custom_payload<PackedLinearParams>(v, kLinearParams); }

// The result of a float kernel run on a quantized tensor's stored integers (as exact float32
// values), rounded back to integers with the input's parameters: exact for ops that only pick
// or move values (max pooling, nearest upsampling), PyTorch's integer rounding for averages.
Tensor requantize_ints(const Tensor& like, const Tensor& float_result) {
  const DType qd = like.dtype();
  Tensor f = float_result.contiguous();
  Tensor out = Tensor::empty_uninitialized(f.sizes(), underlying_dtype(qd));
  const float* src = f.data<float>();
  const float lo = static_cast<float>(quant_min(qd)), hi = static_cast<float>(quant_max(qd));
  const int64_t n = f.numel();
  switch (qd) {
    case DType::QUInt8:
      for (int64_t i = 0; i < n; ++i) static_cast<uint8_t*>(out.raw_data())[i] = static_cast<uint8_t>(std::clamp(std::nearbyint(src[i]), lo, hi));
      break;
    case DType::QInt8:
      for (int64_t i = 0; i < n; ++i) static_cast<int8_t*>(out.raw_data())[i] = static_cast<int8_t>(std::clamp(std::nearbyint(src[i]), lo, hi));
      break;
    case DType::QInt32:
      for (int64_t i = 0; i < n; ++i) static_cast<int32_t*>(out.raw_data())[i] = static_cast<int32_t>(std::clamp<double>(std::nearbyint(src[i]), lo, hi));
      break;
    default: fail("quantized ops are not implemented for ", dtype_name(qd));
  }
  return make_quantized(out, qd, like.unsafe_impl()->qparams);
}

Tensor per_tensor_input(const Tensor& q, const char* op) {
  if (qparams(q).per_channel()) fail(op, " on a per-channel quantized tensor is not supported");
  return q;
}

// Max pooling of a quantized tensor: the 8-bit 2-D kernel on the stored integers where it
// applies, else the float kernel on the integers (exact either way).
Tensor quantized_max_pool(int spatial, const Tensor& q, const std::vector<int64_t>& k, const std::vector<int64_t>& st,
                          const std::vector<int64_t>& pad, const std::vector<int64_t>& dil, bool ceil) {
  const size_t sp = static_cast<size_t>(spatial);
  const cpu::PoolParams params = cpu::make_pool_params(sp, k, st, pad, dil, ceil);
  if (spatial == 2)
    if (auto fast = cpu::quantized_max_pool2d(q, params)) return *fast;
  return requantize_ints(q, cpu::max_pool(sp, int_repr_view(q).to(DType::Float32), params));
}

// Extends `name.overload` (registered by another family) to quantized inputs: when argument 0 is
// a quantized tensor (or a list of them), `quantized` runs on the same stack instead.
void extend(Registry& r, std::string_view name, std::string_view overload, Kernel quantized) {
  const Operator* op = r.find(name, overload);
  if (!op) fail("quantized ops extend ", name, ".", overload, ", which is not registered");
  const size_t n = op->schema.arguments.size();
  r.wrap_kernel(name, overload, [n, quantized](Kernel original) -> Kernel {
    return [n, quantized, original](Stack& s) {
      if (holds_quantized(peek(s, 0, n))) quantized(s);
      else original(s);
    };
  });
}

// Extends an op whose result on the integers is the result on the values (see requantize_ints).
void extend_through_ints(Registry& r, std::string_view name, std::string_view overload) {
  const Operator* op = r.find(name, overload);
  if (!op) fail("quantized ops extend ", name, ".", overload, ", which is not registered");
  const size_t n = op->schema.arguments.size();
  const std::string qname(name);
  r.wrap_kernel(name, overload, [n, qname](Kernel original) -> Kernel {
    return [n, qname, original](Stack& s) {
      Value& arg = peek(s, 0, n);
      if (!is_quantized_tensor(arg)) return original(s);
      const Tensor q = per_tensor_input(arg.to_tensor(), qname.c_str());
      arg = Value(int_repr_view(q).to(DType::Float32));
      original(s);
      Value result = pop(s);
      s.push_back(Value(requantize_ints(q, result.to_tensor())));
    };
  });
}

Tensor qrelu(const Tensor& q, bool inplace) {
  const QuantParams& p = qparams(per_tensor_input(q, "relu"));
  Tensor out = inplace ? q : q.clone();
  Tensor ints = int_repr_view(out);
  const int64_t zp = p.zero_point;
  Tensor c = ints.contiguous();
  switch (q.dtype()) {
    case DType::QUInt8: { auto* d = static_cast<uint8_t*>(c.raw_data()); for (int64_t i = 0; i < c.numel(); ++i) d[i] = static_cast<uint8_t>(std::max<int64_t>(d[i], zp)); break; }
    case DType::QInt8: { auto* d = static_cast<int8_t*>(c.raw_data()); for (int64_t i = 0; i < c.numel(); ++i) d[i] = static_cast<int8_t>(std::max<int64_t>(d[i], zp)); break; }
    case DType::QInt32: { auto* d = static_cast<int32_t*>(c.raw_data()); for (int64_t i = 0; i < c.numel(); ++i) d[i] = static_cast<int32_t>(std::max<int64_t>(d[i], zp)); break; }
    default: fail("relu is not implemented for ", dtype_name(q.dtype()));
  }
  if (!c.is_same(ints)) copy_into(ints, c);
  return out;
}

// Elementwise functions of the dequantized values, requantized with the given parameters.
template <class F>
Tensor qmap(const Tensor& q, double scale, int64_t zp, F f) {
  Tensor x = cpu::dequantize(q);
  float* p = x.data<float>();
  for (int64_t i = 0, n = x.numel(); i < n; ++i) p[i] = f(p[i]);
  return cpu::quantize_per_tensor(x, scale, zp, q.dtype());
}

float hardswish_value(float x) { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
float sigmoid_value(float x) { return 1.0f / (1.0f + std::exp(-x)); }

Tensor qcat(const std::vector<Tensor>& xs, int64_t dim, std::optional<double> scale, std::optional<int64_t> zp, bool relu) {
  if (xs.empty()) fail("quantized cat needs at least one tensor");
  const QuantParams& first = qparams(per_tensor_input(xs[0], "cat"));
  const double s = scale.value_or(first.scale);
  const int64_t z = zp.value_or(first.zero_point);
  std::vector<Tensor> ints;
  for (const Tensor& x : xs) {
    if (!is_quantized(x.dtype()) || x.dtype() != xs[0].dtype()) fail("cat: every tensor must be ", dtype_name(xs[0].dtype()));
    Tensor q = cpu::requantize(per_tensor_input(x, "cat"), s, z);
    ints.push_back(int_repr_view(q));
  }
  Tensor out = make_quantized(cpu::cat(ints, dim), xs[0].dtype(), per_tensor_params(s, z));
  return relu ? qrelu(out, true) : out;
}

Tensor run_conv(const Tensor& qx, const PackedConvParams& p, double scale, int64_t zp, bool relu, int64_t spatial_in) {
  if (!is_quantized(qx.dtype())) fail("quantized convolution expects a quantized input, got ", dtype_name(qx.dtype()));
  if (spatial_in == 1) {
    // Conv1d runs as a 2-d convolution over [N, C, 1, L], as PyTorch packs it.
    if (qx.dim() != 3) fail("quantized::conv1d expects a 3-d input, got ", shape_string(qx.sizes()));
    if (p.spatial != 2) fail("quantized::conv1d needs 2-d packed parameters");
    Tensor x4 = cpu::unsqueeze(qx, 2);
    return cpu::squeeze(cpu::quantized_conv(x4, p.weight, p.conv_params(), scale, zp, relu), 2);
  }
  if (qx.dim() != p.spatial + 2)
    fail("quantized convolution expects a ", p.spatial + 2, "-d input, got ", shape_string(qx.sizes()));
  return cpu::quantized_conv(qx, p.weight, p.conv_params(), scale, zp, relu);
}

Value conv_prepack(int64_t spatial_in, const Tensor& weight, const std::optional<Tensor>& bias, Shape stride,
                   Shape padding, Shape output_padding, Shape dilation, int64_t groups, bool transpose) {
  const int64_t spatial = spatial_in == 1 ? 2 : spatial_in;
  Tensor w = weight;
  auto expand = [&](Shape v, int64_t fill) {
    if (v.size() == 1 && spatial_in > 1) v.assign(static_cast<size_t>(spatial_in), v[0]);
    if (spatial_in == 1) v.insert(v.begin(), fill);
    return v;
  };
  if (spatial_in == 1) {
    if (weight.dim() != 3) fail("quantized::conv1d_prepack expects a 3-d weight, got ", shape_string(weight.sizes()));
    w = cpu::unsqueeze(weight, 2);
  }
  if (output_padding.empty()) output_padding.assign(static_cast<size_t>(spatial_in), 0);
  auto packed = make_packed_conv(spatial, w, bias, expand(std::move(stride), 1), expand(std::move(padding), 0),
                                 expand(std::move(dilation), 1), expand(std::move(output_padding), 0), groups, transpose);
  const char* cls = spatial == 3 ? kConv3dParams : kConv2dParams;
  return make_custom_object(cls, payload_value(cls, packed));
}

Value prepack_linear(const Tensor& w, const std::optional<Tensor>& b, bool fp16) {
  return make_custom_object(kLinearParams, payload_value(kLinearParams, make_packed_linear(w, b, fp16)));
}

std::tuple<Tensor, std::optional<Tensor>> unpack_conv(const Value& v, bool three_d, bool one_d) {
  const PackedConvParams& p = conv_params_of(v, three_d);
  Tensor w = one_d ? cpu::squeeze(p.weight.weight, 2) : p.weight.weight;
  return {w, p.weight.bias};
}

// ---- dynamic-quantized recurrent layers and quantized embeddings

std::shared_ptr<const PackedCellParams> cell_params_of(const Value& v) {
  const Value& state = custom_class_state(v, kCellParams);
  if (!state.is_capsule() || state.to_capsule()->type_name != kCellParams) fail("the ", kCellParams, " object holds no parameters");
  return std::static_pointer_cast<const PackedCellParams>(state.to_capsule()->payload);
}

// The cells' weights, kept alive by `owners` for the call.
std::vector<cpu::DynamicCellWeights> cell_weights(const std::vector<Value>& params,
                                                  std::vector<std::shared_ptr<const PackedCellParams>>& owners) {
  std::vector<cpu::DynamicCellWeights> out;
  for (const Value& v : params) {
    owners.push_back(cell_params_of(v));
    out.push_back(owners.back()->weights());
  }
  return out;
}

cpu::QuantizedRnnOptions rnn_options(cpu::RnnMode mode, bool has_biases, int64_t num_layers, double dropout, bool train,
                                     bool bidirectional, std::optional<DType> dtype) {
  const char* op = mode == cpu::RnnMode::Lstm ? "quantized_lstm" : "quantized_gru";
  if (mode == cpu::RnnMode::Lstm && !has_biases) fail(op, ": quantized LSTM requires biases");
  if (dtype && *dtype != DType::Int8 && *dtype != DType::QInt8 && *dtype != DType::Float16)
    fail(op, ": dtype ", dtype_name(*dtype), " is not supported (qint8 or float16)");
  cpu::QuantizedRnnOptions o;
  o.mode = mode;
  o.num_layers = num_layers;
  o.dropout = dropout;
  o.train = train;
  o.bidirectional = bidirectional;
  return o;
}

// A cell op's weights: its own LinearPackedParamsBase pair (biases inside, as PyTorch's CPU cells
// use them; the separate bias arguments only serve other devices). PyTorch 1.13's cell ops
// quantize their inputs with reduce_range (activations over [0, 127]); fp16 weights ignore it.
cpu::DynamicCellWeights op_cell(const Value& w_ih, const Value& w_hh, std::shared_ptr<const PackedCellParams>& owner) {
  const auto ih = shared_linear_params(w_ih), hh = shared_linear_params(w_hh);
  owner = make_packed_cell(ih, hh, true, ih->fp16);
  return owner->weights();
}

const PackedEmbeddingParams& embedding_params_of(const Value& v) {
  return custom_payload<PackedEmbeddingParams>(v, kEmbeddingParams);
}

void check_table_bits(const PackedEmbeddingParams& p, int bits, const char* op) {
  if (p.table.bits != bits) fail(op, " needs ", bits, "-bit embedding parameters, these are ", p.table.bits, "-bit");
}

cpu::BagArgs bag_args(std::optional<Tensor> offsets, bool scale_grad_by_freq, int64_t mode, bool pruned,
                      std::optional<Tensor> psw, std::optional<Tensor> mapping, bool include_last_offset, const char* op) {
  if (scale_grad_by_freq) fail(op, ": scale_grad_by_freq is not supported");
  if (mode < 0 || mode > 2) fail(op, ": mode must be 0 (sum), 1 (mean) or 2 (max), got ", mode);
  cpu::BagArgs a;
  a.offsets = std::move(offsets);
  a.mode = static_cast<cpu::BagMode>(mode);
  a.pruned_weights = pruned;
  a.per_sample_weights = std::move(psw);
  a.compressed_indices_mapping = std::move(mapping);
  a.include_last_offset = include_last_offset;
  return a;
}

void register_quantized_rnn_ops(Registry& r) {
  using cpu::RnnMode;
  using Tensors = std::vector<Tensor>;
  using Values = std::vector<Value>;
  r.add("aten::quantized_lstm.input(Tensor input, Tensor[] hx, __torch__.torch.classes.rnn.CellParamsBase[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first, *, ScalarType? dtype=None, bool use_dynamic=False) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& input, Tensors hx, Values params, bool has_biases, int64_t num_layers, double dropout, bool train,
                bool bidirectional, bool batch_first, std::optional<DType> dtype, bool) {
          std::vector<std::shared_ptr<const PackedCellParams>> owners;
          const auto cells = cell_weights(params, owners);
          return cpu::quantized_rnn(input, hx, cells,
                                    rnn_options(RnnMode::Lstm, has_biases, num_layers, dropout, train, bidirectional, dtype),
                                    batch_first);
        }));
  r.add("aten::quantized_lstm.data(Tensor data, Tensor batch_sizes, Tensor[] hx, __torch__.torch.classes.rnn.CellParamsBase[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, *, ScalarType? dtype=None, bool use_dynamic=False) -> (Tensor, Tensor, Tensor)",
        wrap([](const Tensor& data, const Tensor& batch_sizes, Tensors hx, Values params, bool has_biases, int64_t num_layers,
                double dropout, bool train, bool bidirectional, std::optional<DType> dtype, bool) {
          std::vector<std::shared_ptr<const PackedCellParams>> owners;
          const auto cells = cell_weights(params, owners);
          return cpu::quantized_rnn_packed(
              data, batch_sizes, hx, cells,
              rnn_options(RnnMode::Lstm, has_biases, num_layers, dropout, train, bidirectional, dtype));
        }));
  r.add("aten::quantized_gru.input(Tensor input, Tensor hx, __torch__.torch.classes.rnn.CellParamsBase[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional, bool batch_first) -> (Tensor, Tensor)",
        wrap([](const Tensor& input, const Tensor& hx, Values params, bool has_biases, int64_t num_layers, double dropout,
                bool train, bool bidirectional, bool batch_first) {
          std::vector<std::shared_ptr<const PackedCellParams>> owners;
          const auto cells = cell_weights(params, owners);
          auto [out, hn, cn] = cpu::quantized_rnn(
              input, std::span<const Tensor>(&hx, 1), cells,
              rnn_options(RnnMode::Gru, has_biases, num_layers, dropout, train, bidirectional, std::nullopt), batch_first);
          return std::tuple<Tensor, Tensor>{out, hn};
        }));
  r.add("aten::quantized_gru.data(Tensor data, Tensor batch_sizes, Tensor hx, __torch__.torch.classes.rnn.CellParamsBase[] params, bool has_biases, int num_layers, float dropout, bool train, bool bidirectional) -> (Tensor, Tensor)",
        wrap([](const Tensor& data, const Tensor& batch_sizes, const Tensor& hx, Values params, bool has_biases,
                int64_t num_layers, double dropout, bool train, bool bidirectional) {
          std::vector<std::shared_ptr<const PackedCellParams>> owners;
          const auto cells = cell_weights(params, owners);
          auto [out, hn, cn] = cpu::quantized_rnn_packed(
              data, batch_sizes, std::span<const Tensor>(&hx, 1), cells,
              rnn_options(RnnMode::Gru, has_biases, num_layers, dropout, train, bidirectional, std::nullopt));
          return std::tuple<Tensor, Tensor>{out, hn};
        }));
  r.add("quantized::make_quantized_cell_params_dynamic(__torch__.torch.classes.quantized.LinearPackedParamsBase w_ih, __torch__.torch.classes.quantized.LinearPackedParamsBase w_hh, Tensor bias_ih, Tensor bias_hh, bool reduce_range=False) -> __torch__.torch.classes.rnn.CellParamsBase",
        wrap([](const Value& w_ih, const Value& w_hh, const Tensor&, const Tensor&, bool reduce_range) {
          return make_custom_object(kCellParams, payload_value(kCellParams, make_packed_cell(shared_linear_params(w_ih),
                                                                                            shared_linear_params(w_hh),
                                                                                            reduce_range, false)));
        }));
  r.add("quantized::make_quantized_cell_params_fp16(__torch__.torch.classes.quantized.LinearPackedParamsBase w_ih, __torch__.torch.classes.quantized.LinearPackedParamsBase w_hh) -> __torch__.torch.classes.rnn.CellParamsBase",
        wrap([](const Value& w_ih, const Value& w_hh) {
          return make_custom_object(kCellParams, payload_value(kCellParams, make_packed_cell(shared_linear_params(w_ih),
                                                                                            shared_linear_params(w_hh),
                                                                                            false, true)));
        }));
  r.add("quantized::quantized_lstm_cell_dynamic(Tensor input, Tensor[] hx, __torch__.torch.classes.quantized.LinearPackedParamsBase w_ih, __torch__.torch.classes.quantized.LinearPackedParamsBase w_hh, Tensor bias_ih, Tensor bias_hh) -> (Tensor, Tensor)",
        wrap([](const Tensor& input, Tensors hx, const Value& w_ih, const Value& w_hh, const Tensor&, const Tensor&) {
          std::shared_ptr<const PackedCellParams> owner;
          return cpu::quantized_rnn_cell(RnnMode::Lstm, input, hx, op_cell(w_ih, w_hh, owner));
        }));
  // Plain variables, not structured bindings: the lambdas below capture them (clang 14, the
  // sanitizer build's compiler, cannot capture a structured binding).
  for (const auto& entry : {std::pair{"gru", RnnMode::Gru}, std::pair{"rnn_tanh", RnnMode::RnnTanh},
                            std::pair{"rnn_relu", RnnMode::RnnRelu}}) {
    const char* name = entry.first;
    const RnnMode mode = entry.second;
    r.add(std::string("quantized::quantized_") + name +
              "_cell_dynamic(Tensor input, Tensor hx, __torch__.torch.classes.quantized.LinearPackedParamsBase w_ih, __torch__.torch.classes.quantized.LinearPackedParamsBase w_hh, Tensor b_ih, Tensor b_hh) -> Tensor",
          wrap([mode](const Tensor& input, const Tensor& hx, const Value& w_ih, const Value& w_hh, const Tensor&, const Tensor&) {
            std::shared_ptr<const PackedCellParams> owner;
            return std::get<0>(cpu::quantized_rnn_cell(mode, input, std::span<const Tensor>(&hx, 1), op_cell(w_ih, w_hh, owner)));
          }));
  }
}

void register_quantized_embedding_ops(Registry& r) {
  const std::string params = "__torch__.torch.classes.quantized.EmbeddingPackedParamsBase";
  const std::string bag_tail =
      "Tensor indices, Tensor? offsets=None, bool scale_grad_by_freq=False, int mode=0, bool pruned_weights=False, Tensor? per_sample_weights=None, Tensor? compressed_indices_mapping=None, bool include_last_offset=False) -> Tensor";
  for (int bits : {8, 4}) {
    const std::string sfx = bits == 8 ? "byte" : "4bit";
    const std::string name = "quantized::embedding_" + sfx;
    r.add(name + "(" + params + " weight, Tensor indices, bool pruned_weights=False) -> Tensor",
          wrap([bits, name](const Value& w, const Tensor& indices, bool pruned) {
            const PackedEmbeddingParams& p = embedding_params_of(w);
            check_table_bits(p, bits, name.c_str());
            return cpu::rowwise_embedding(p.table, indices, pruned, name.c_str());
          }));
    const std::string bag = "quantized::embedding_bag_" + sfx;
    r.add(bag + "(" + params + " weight, " + bag_tail,
          wrap([bits, bag](const Value& w, const Tensor& indices, std::optional<Tensor> offsets, bool sgbf, int64_t mode,
                           bool pruned, std::optional<Tensor> psw, std::optional<Tensor> mapping, bool last) {
            const PackedEmbeddingParams& p = embedding_params_of(w);
            check_table_bits(p, bits, bag.c_str());
            return cpu::rowwise_embedding_bag(
                p.table, indices, bag_args(offsets, sgbf, mode, pruned, psw, mapping, last, bag.c_str()), bag.c_str());
          }));
    // PyTorch 1.13 runs these with mode 0 whatever the argument says (qembeddingbag.cpp passes a
    // literal 0 to the _out kernel): every bag is a sum.
    const std::string fused = bag + "_rowwise_offsets";
    r.add(fused + "(Tensor weight, " + bag_tail,
          wrap([bits, fused](const Tensor& w, const Tensor& indices, std::optional<Tensor> offsets, bool sgbf, int64_t,
                             bool pruned, std::optional<Tensor> psw, std::optional<Tensor> mapping, bool last) {
            return cpu::rowwise_embedding_bag(cpu::rowwise_from_fused(w, bits), indices,
                                              bag_args(offsets, sgbf, 0, pruned, psw, mapping, last, fused.c_str()),
                                              fused.c_str());
          }));
    r.add("quantized::embedding_bag_" + sfx + "_unpack(Tensor weight) -> Tensor",
          wrap([bits](const Tensor& w) { return cpu::rowwise_values(cpu::rowwise_from_fused(w, bits)); }));
  }
  r.add("quantized::embedding_bag_byte_prepack(Tensor weight) -> Tensor",
        wrap([](const Tensor& w) { return cpu::fused_rowwise_prepack(w, 8); }));
  r.add("quantized::embedding_bag_4bit_prepack(Tensor weight, bool optimized_qparams=False, int nbins=200, float ratio=0.16) -> Tensor",
        wrap([](const Tensor& w, bool optimized, int64_t, double) {
          if (optimized) fail("quantized::embedding_bag_4bit_prepack with optimized_qparams=True is not supported");
          return cpu::fused_rowwise_prepack(w, 4);
        }));
  r.add("quantized::embedding_bag_prepack(Tensor weight) -> " + params + " W_prepack",
        wrap([](const Tensor& w) { return make_custom_object(kEmbeddingParams, payload_value(kEmbeddingParams, make_packed_embedding(w))); }));
  r.add("quantized::embedding_bag_unpack(" + params + " W_prepack) -> Tensor W_origin",
        wrap([](const Value& v) { return embedding_params_of(v).weight; }));
}

}  // namespace

void register_quantized_ops(Registry& r) {
  register_quantized_classes();
  register_quantized_rnn_ops(r);
  register_quantized_embedding_ops(r);
  // ---- tensors and their parameters
  r.add("aten::quantize_per_tensor(Tensor self, float scale, int zero_point, ScalarType dtype) -> Tensor",
        wrap([](const Tensor& x, double s, int64_t zp, DType d) { return cpu::quantize_per_tensor(x, s, zp, d); }));
  r.add("aten::quantize_per_tensor.tensor_qparams(Tensor self, Tensor scale, Tensor zero_point, ScalarType dtype) -> Tensor",
        wrap([](const Tensor& x, const Tensor& s, const Tensor& zp, DType d) {
          return cpu::quantize_per_tensor(x, s.item_double(), zp.item_int(), d);
        }));
  r.add("aten::quantize_per_tensor.tensors(Tensor[] tensors, Tensor scales, Tensor zero_points, ScalarType dtype) -> Tensor[]",
        wrap([](const std::vector<Tensor>& xs, const Tensor& s, const Tensor& zp, DType d) {
          if (s.numel() != static_cast<int64_t>(xs.size()) || zp.numel() != static_cast<int64_t>(xs.size()))
            fail("quantize_per_tensor: one scale and zero point per tensor expected");
          std::vector<Tensor> out;
          for (size_t i = 0; i < xs.size(); ++i)
            out.push_back(cpu::quantize_per_tensor(xs[i], s.at_double(static_cast<int64_t>(i)),
                                                   static_cast<int64_t>(zp.at_double(static_cast<int64_t>(i))), d));
          return out;
        }));
  r.add("aten::quantize_per_tensor_dynamic(Tensor self, ScalarType dtype, bool reduce_range) -> Tensor",
        wrap([](const Tensor& x, DType d, bool reduce_range) {
          if (d != DType::QUInt8 && d != DType::QInt8) fail("quantize_per_tensor_dynamic: dtype must be quint8 or qint8");
          Tensor xf = x.to(DType::Float32).contiguous();
          float mn = 0, mx = 0;
          if (xf.numel() > 0) {
            const float* p = xf.data<float>();
            mn = *std::min_element(p, p + xf.numel());
            mx = *std::max_element(p, p + xf.numel());
          }
          int64_t qmin = quant_min(d), qmax = quant_max(d);
          if (reduce_range) qmin /= 2, qmax = d == DType::QUInt8 ? 127 : 63;
          double s;
          int64_t zp;
          cpu::choose_qparams(mn, mx, qmin, qmax, &s, &zp);
          return cpu::quantize_per_tensor(xf, s, zp, d);
        }));
  r.add("aten::quantize_per_channel(Tensor self, Tensor scales, Tensor zero_points, int axis, ScalarType dtype) -> Tensor",
        wrap([](const Tensor& x, const Tensor& s, const Tensor& zp, int64_t axis, DType d) {
          return cpu::quantize_per_channel(x, s, zp, axis, d);
        }));
  auto deq = [](const Tensor& x) { return is_quantized(x.dtype()) ? cpu::dequantize(x) : x; };
  r.add("aten::dequantize.self(Tensor self) -> Tensor", wrap(deq));
  r.add("aten::dequantize.tensor(Tensor qtensor) -> Tensor", wrap(deq));
  auto deq_list = [deq](const std::vector<Tensor>& xs) {
    std::vector<Tensor> out;
    for (const Tensor& x : xs) out.push_back(deq(x));
    return out;
  };
  r.add("aten::dequantize.tensors(Tensor[] tensors) -> Tensor[]", wrap(deq_list));
  r.add("aten::dequantize.list(Tensor[] qtensors) -> Tensor[]", wrap(deq_list));
  r.add("aten::q_scale(Tensor self) -> float", wrap([](const Tensor& x) {
          const QuantParams& q = qparams(x);
          if (q.per_channel()) fail("q_scale: expected a per-tensor quantized tensor");
          return q.scale;
        }));
  r.add("aten::q_zero_point(Tensor self) -> int", wrap([](const Tensor& x) {
          const QuantParams& q = qparams(x);
          if (q.per_channel()) fail("q_zero_point: expected a per-tensor quantized tensor");
          return q.zero_point;
        }));
  r.add("aten::q_per_channel_scales(Tensor self) -> Tensor", wrap([](const Tensor& x) {
          const QuantParams& q = qparams(x);
          if (!q.per_channel()) fail("q_per_channel_scales: expected a per-channel quantized tensor");
          return q.scales.clone();
        }));
  r.add("aten::q_per_channel_zero_points(Tensor self) -> Tensor", wrap([](const Tensor& x) {
          const QuantParams& q = qparams(x);
          if (!q.per_channel()) fail("q_per_channel_zero_points: expected a per-channel quantized tensor");
          return q.zero_points.clone();
        }));
  r.add("aten::q_per_channel_axis(Tensor self) -> int", wrap([](const Tensor& x) {
          const QuantParams& q = qparams(x);
          if (!q.per_channel()) fail("q_per_channel_axis: expected a per-channel quantized tensor");
          return q.axis;
        }));
  r.add("aten::int_repr(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::int_repr(x); }));

  // ---- packed parameters
  using IntList = std::vector<int64_t>;
  r.add("quantized::conv2d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv2dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList dil, int64_t g) {
          return conv_prepack(2, w, b, st, pad, {}, dil, g, false);
        }));
  r.add("quantized::conv1d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv2dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList dil, int64_t g) {
          return conv_prepack(1, w, b, st, pad, {}, dil, g, false);
        }));
  r.add("quantized::conv3d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv3dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList dil, int64_t g) {
          return conv_prepack(3, w, b, st, pad, {}, dil, g, false);
        }));
  r.add("quantized::conv_transpose2d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] output_padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv2dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList op, IntList dil, int64_t g) {
          return conv_prepack(2, w, b, st, pad, op, dil, g, true);
        }));
  r.add("quantized::conv_transpose1d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] output_padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv2dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList op, IntList dil, int64_t g) {
          return conv_prepack(1, w, b, st, pad, op, dil, g, true);
        }));
  r.add("quantized::conv_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv2dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList dil, int64_t g) {
          return conv_prepack(2, w, b, st, pad, {}, dil, g, false);
        }));
  r.add("quantized::conv_transpose3d_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] output_padding, int[] dilation, int groups) -> __torch__.torch.classes.quantized.Conv3dPackedParamsBase",
        wrap([](const Tensor& w, std::optional<Tensor> b, IntList st, IntList pad, IntList op, IntList dil, int64_t g) {
          return conv_prepack(3, w, b, st, pad, op, dil, g, true);
        }));
  r.add("quantized::conv_unpack(__torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, false, false); }));
  r.add("quantized::conv_transpose3d_unpack(__torch__.torch.classes.quantized.Conv3dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, true, false); }));
  // The packed geometry as quantized::<kind>_<field> ops (what older __getstate__ code calls).
  for (const char* kind : {"conv2d", "conv3d", "conv_transpose2d", "conv_transpose3d"}) {
    const bool three_d = std::string_view(kind).ends_with("3d");
    const std::string cls = three_d ? kConv3dParams : kConv2dParams;
    const std::string head = std::string("quantized::") + kind + "_";
    const std::string arg = "(" + cls + " packed_weights)";
    auto params = [three_d](const Value& v) -> const PackedConvParams& { return conv_params_of(v, three_d); };
    r.add(head + "stride" + arg + " -> int[]", wrap([params](const Value& v) { return params(v).stride; }));
    r.add(head + "padding" + arg + " -> int[]", wrap([params](const Value& v) { return params(v).padding; }));
    r.add(head + "output_padding" + arg + " -> int[]", wrap([params](const Value& v) { return params(v).output_padding; }));
    r.add(head + "dilation" + arg + " -> int[]", wrap([params](const Value& v) { return params(v).dilation; }));
    r.add(head + "groups" + arg + " -> int", wrap([params](const Value& v) { return params(v).groups; }));
    r.add(head + "transpose" + arg + " -> int", wrap([params](const Value& v) { return static_cast<int64_t>(params(v).transpose); }));
  }
  r.add("quantized::conv2d_unpack(__torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, false, false); }));
  r.add("quantized::conv1d_unpack(__torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, false, true); }));
  r.add("quantized::conv3d_unpack(__torch__.torch.classes.quantized.Conv3dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, true, false); }));
  r.add("quantized::conv_transpose2d_unpack(__torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, false, false); }));
  r.add("quantized::conv_transpose1d_unpack(__torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weights) -> (Tensor unpacked_weights, Tensor? B_origin)",
        wrap([](const Value& v) { return unpack_conv(v, false, true); }));
  r.add("quantized::linear_prepack(Tensor W, Tensor? B=None) -> __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack",
        wrap([](const Tensor& w, std::optional<Tensor> b) { return prepack_linear(w, b, false); }));
  r.add("quantized::linear_prepack_fp16(Tensor W, Tensor? B=None) -> __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack",
        wrap([](const Tensor& w, std::optional<Tensor> b) { return prepack_linear(w, b, true); }));
  r.add("quantized::linear_unpack(__torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack) -> (Tensor W_origin, Tensor? B_origin)",
        wrap([](const Value& v) {
          const PackedLinearParams& p = linear_params_of(v);
          if (p.fp16) return std::tuple<Tensor, std::optional<Tensor>>{p.weight_fp16, p.bias};
          return std::tuple<Tensor, std::optional<Tensor>>{p.weight.weight, p.weight.bias};
        }));
  r.add("quantized::linear_unpack_fp16(__torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack) -> (Tensor W_origin, Tensor? B_origin)",
        wrap([](const Value& v) {
          const PackedLinearParams& p = linear_params_of(v);
          if (!p.fp16) fail("linear_unpack_fp16 on int8 parameters");
          return std::tuple<Tensor, std::optional<Tensor>>{p.weight_fp16, p.bias};
        }));

  // Methods of the packed-parameter classes that modules' __getstate__ and _weight_bias call.
  for (const char* cls : {kConv2dParams, kConv3dParams}) {
    const bool three_d = std::string_view(cls) == kConv3dParams;
    const std::string c = std::string(cls).substr(10) + "::";
    const std::string self = "(" + std::string(cls) + " self)";
    r.add(c + "unpack" + self + " -> (Tensor, Tensor?)", wrap([three_d](const Value& v) { return unpack_conv(v, three_d, false); }));
    r.add(c + "weight" + self + " -> Tensor", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).weight.weight; }));
    r.add(c + "bias" + self + " -> Tensor?", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).weight.bias; }));
    r.add(c + "stride" + self + " -> int[]", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).stride; }));
    r.add(c + "padding" + self + " -> int[]", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).padding; }));
    r.add(c + "output_padding" + self + " -> int[]", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).output_padding; }));
    r.add(c + "dilation" + self + " -> int[]", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).dilation; }));
    r.add(c + "groups" + self + " -> int", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).groups; }));
    r.add(c + "transpose" + self + " -> bool", wrap([three_d](const Value& v) { return conv_params_of(v, three_d).transpose; }));
  }
  r.add(std::string(kLinearParams).substr(10) + "::unpack(" + kLinearParams + " self) -> (Tensor, Tensor?)",
        wrap([](const Value& v) {
          const PackedLinearParams& p = linear_params_of(v);
          if (p.fp16) return std::tuple<Tensor, std::optional<Tensor>>{p.weight_fp16, p.bias};
          return std::tuple<Tensor, std::optional<Tensor>>{p.weight.weight, p.weight.bias};
        }));

  // ---- convolution and linear
  for (bool relu : {false, true}) {
    const std::string sfx = relu ? "_relu" : "";
    auto conv = [relu](int64_t spatial, bool three_d) {
      return wrap([relu, spatial, three_d](const Tensor& x, const Value& w, double s, int64_t zp) {
        return run_conv(x, conv_params_of(w, three_d), s, zp, relu, spatial);
      });
    };
    auto conv_legacy = [relu](bool three_d) {
      // The pre-1.6 form also passes stride/padding/dilation/groups, which the packed params hold.
      return wrap([relu, three_d](const Tensor& x, const Value& w, IntList, IntList, IntList, int64_t, double s, int64_t zp) {
        return run_conv(x, conv_params_of(w, three_d), s, zp, relu, three_d ? 3 : 2);
      });
    };
    r.add("quantized::conv2d" + sfx + ".new(Tensor qx, __torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weight, float output_scale, int output_zero_point) -> Tensor", conv(2, false));
    r.add("quantized::conv2d" + sfx + "(Tensor qx, __torch__.torch.classes.quantized.Conv2dPackedParamsBase weight, int[] stride, int[] padding, int[] dilation, int groups, float output_scale, int output_zero_point) -> Tensor", conv_legacy(false));
    r.add("quantized::conv3d" + sfx + ".new(Tensor qx, __torch__.torch.classes.quantized.Conv3dPackedParamsBase packed_weight, float output_scale, int output_zero_point) -> Tensor", conv(3, true));
    r.add("quantized::conv3d" + sfx + "(Tensor qx, __torch__.torch.classes.quantized.Conv3dPackedParamsBase weight, int[] stride, int[] padding, int[] dilation, int groups, float output_scale, int output_zero_point) -> Tensor", conv_legacy(true));
    r.add("quantized::conv1d" + sfx + "(Tensor qx, __torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weight, float output_scale, int output_zero_point) -> Tensor", conv(1, false));
    r.add("quantized::linear" + sfx + "(Tensor X, __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack, float Y_scale_i, int Y_zero_point_i) -> Tensor Y",
          wrap([relu](const Tensor& x, const Value& w, double s, int64_t zp) {
            const PackedLinearParams& p = linear_params_of(w);
            if (p.fp16) fail("quantized::linear needs int8 parameters, these are fp16");
            if (!is_quantized(x.dtype())) fail("quantized::linear expects a quantized input, got ", dtype_name(x.dtype()));
            return cpu::quantized_linear(x, p.weight, s, zp, relu);
          }));
    r.add("quantized::linear" + sfx + "_dynamic(Tensor X, __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack, bool reduce_range=False) -> Tensor Y",
          wrap([relu](const Tensor& x, const Value& w, bool reduce_range) {
            const PackedLinearParams& p = linear_params_of(w);
            if (p.fp16) return cpu::linear_fp16_weight(x, p.weight_fp16, p.bias, relu);
            return cpu::quantized_linear_dynamic(x, p.weight, reduce_range, relu);
          }));
    r.add("quantized::linear" + sfx + "_dynamic_fp16(Tensor X, __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack) -> Tensor Y",
          wrap([relu](const Tensor& x, const Value& w) {
            const PackedLinearParams& p = linear_params_of(w);
            if (!p.fp16) fail("quantized::linear_dynamic_fp16 needs fp16 parameters, these are int8");
            return cpu::linear_fp16_weight(x, p.weight_fp16, p.bias, relu);
          }));
  }
  for (const char* name : {"quantized::conv_transpose2d", "quantized::conv_transpose1d"}) {
    const bool one_d = std::string_view(name).back() == '1' || std::string_view(name).ends_with("1d");
    r.add(std::string(name) + "(Tensor qx, __torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weight, float output_scale, int output_zero_point) -> Tensor",
          wrap([one_d](const Tensor& x, const Value& w, double s, int64_t zp) {
            const PackedConvParams& p = conv_params_of(w);
            if (!p.transpose) fail("quantized::conv_transpose needs transposed packed parameters");
            return run_conv(x, p, s, zp, false, one_d ? 1 : 2);
          }));
  }

  for (bool relu : {false, true})
    r.add(std::string("quantized::conv2d_add") + (relu ? "_relu" : "") +
              "(Tensor qx, Tensor qaccum, __torch__.torch.classes.quantized.Conv2dPackedParamsBase packed_weight, float output_scale, int output_zero_point) -> Tensor",
          wrap([relu](const Tensor& x, const Tensor& accum, const Value& w, double s, int64_t zp) {
            const PackedConvParams& p = conv_params_of(w);
            if (p.transpose || p.spatial != 2) fail("quantized::conv2d_add needs 2-d convolution parameters");
            if (!is_quantized(x.dtype()) || x.dim() != 4)
              fail("quantized::conv2d_add expects a 4-d quantized input, got ", dtype_name(x.dtype()), " ", shape_string(x.sizes()));
            return cpu::quantized_conv_add(x, accum, p.weight, p.conv_params(), s, zp, relu);
          }));
  auto linear_act = [](cpu::QLinearActivation act) {
    return [act](const Tensor& x, const Value& w, double s, int64_t zp, double slope) {
      const PackedLinearParams& p = linear_params_of(w);
      if (p.fp16) fail("quantized::linear needs int8 parameters, these are fp16");
      if (!is_quantized(x.dtype())) fail("quantized::linear expects a quantized input, got ", dtype_name(x.dtype()));
      return cpu::quantized_linear_activation(x, p.weight, s, zp, act, slope);
    };
  };
  r.add("quantized::linear_leaky_relu(Tensor X, __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack, float Y_scale_i, int Y_zero_point_i, float negative_slope) -> Tensor Y",
        wrap(linear_act(cpu::QLinearActivation::LeakyRelu)));
  r.add("quantized::linear_tanh(Tensor X, __torch__.torch.classes.quantized.LinearPackedParamsBase W_prepack, float Y_scale_i, int Y_zero_point_i) -> Tensor Y",
        wrap([linear_act](const Tensor& x, const Value& w, double s, int64_t zp) {
          return linear_act(cpu::QLinearActivation::Tanh)(x, w, s, zp, 0.0);
        }));
  r.add("quantized::conv_transpose3d(Tensor qx, __torch__.torch.classes.quantized.Conv3dPackedParamsBase packed_weight, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, const Value& w, double s, int64_t zp) {
          const PackedConvParams& p = conv_params_of(w, true);
          if (!p.transpose) fail("quantized::conv_transpose3d needs transposed packed parameters");
          return run_conv(x, p, s, zp, false, 3);
        }));

  // ---- elementwise
  for (bool relu : {false, true}) {
    const std::string sfx = relu ? "_relu" : "";
    for (const auto& entry : {std::pair{"add", cpu::QBinary::Add}, std::pair{"mul", cpu::QBinary::Mul}}) {
      const char* name = entry.first;
      const cpu::QBinary op = entry.second;  // a plain variable: captured below (see above)
      const std::string base = std::string("quantized::") + name + sfx;
      r.add(base + "(Tensor qa, Tensor qb, float scale, int zero_point) -> Tensor qc",
            wrap([op, relu](const Tensor& a, const Tensor& b, double s, int64_t zp) { return cpu::quantized_binary(op, a, b, s, zp, relu); }));
      auto scalar = wrap([op, relu](const Tensor& a, Scalar b) { return cpu::quantized_binary_scalar(op, a, b.to<double>(), relu); });
      auto scalar_tensor = wrap([op, relu](const Tensor& a, const Tensor& b) { return cpu::quantized_binary_scalar(op, a, b.item_double(), relu); });
      r.add(base + ".Scalar(Tensor qa, Scalar b) -> Tensor qc", scalar);
      r.add(base + ".Scalar2(Scalar b, Tensor qa) -> Tensor qc",
            wrap([op, relu](Scalar b, const Tensor& a) { return cpu::quantized_binary_scalar(op, a, b.to<double>(), relu); }));
      r.add(std::string("quantized::") + name + "_scalar" + sfx + "(Tensor qa, Scalar b) -> Tensor qc", scalar);
      r.add(std::string("quantized::") + name + "_scalar" + sfx + ".Tensor(Tensor qa, Tensor b) -> Tensor qc", scalar_tensor);
    }
  }
  r.add("quantized::cat(Tensor[] qx, int dim, float? scale, int? zero_point) -> Tensor",
        wrap([](const std::vector<Tensor>& xs, int64_t dim, std::optional<double> s, std::optional<int64_t> zp) { return qcat(xs, dim, s, zp, false); }));
  r.add("quantized::cat_relu(Tensor[] qx, int dim, float? scale, int? zero_point) -> Tensor",
        wrap([](const std::vector<Tensor>& xs, int64_t dim, std::optional<double> s, std::optional<int64_t> zp) { return qcat(xs, dim, s, zp, true); }));
  r.add("quantized::hardswish(Tensor input, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, double s, int64_t zp) { return qmap(x, s, zp, hardswish_value); }));
  r.add("quantized::sigmoid(Tensor qx, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, double s, int64_t zp) { return qmap(x, s, zp, sigmoid_value); }));
  r.add("quantized::leaky_relu(Tensor qx, Scalar negative_slope, bool inplace, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, Scalar slope, bool, double s, int64_t zp) {
          const float a = static_cast<float>(slope.to<double>());
          return qmap(x, s, zp, [a](float v) { return v > 0 ? v : v * a; });
        }));
  r.add("quantized::relu6(Tensor qx, bool inplace=False) -> Tensor", wrap([](const Tensor& x, bool) {
          const QuantParams& q = qparams(per_tensor_input(x, "relu6"));
          return qmap(x, q.scale, q.zero_point, [](float v) { return std::min(std::max(v, 0.0f), 6.0f); });
        }));
  // ---- normalisation (kernels/cpu/quantized_norm.h)
  for (const char* name : {"batch_norm", "batch_norm1d", "batch_norm2d", "batch_norm3d"})
    for (bool relu : {false, true}) {
      const int64_t spatial = name[10] == '\0' ? -1 : name[10] - '0';  // batch_norm: any rank
      const std::string op = std::string("quantized::") + name + (relu ? "_relu" : "");
      r.add(op + "(Tensor qx, Tensor? weight, Tensor? bias, Tensor mean, Tensor var, float eps, float output_scale, int output_zero_point) -> Tensor",
            wrap([relu, spatial, op](const Tensor& x, std::optional<Tensor> w, std::optional<Tensor> b, const Tensor& m,
                                     const Tensor& v, double eps, double s, int64_t zp) {
              // batch_norm1d takes [N, C] or [N, C, L]; the others exactly 2 + spatial dims.
              const bool ok = spatial < 0 || x.dim() == spatial + 2 || (spatial == 1 && x.dim() == 2);
              if (!ok) fail(op, ": expected a ", spatial + 2, "-d input, got ", shape_string(x.sizes()));
              return cpu::quantized_batch_norm(x, w, b, m, v, eps, s, zp, relu);
            }));
    }
  r.add("aten::quantized_batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor mean, Tensor var, float eps, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, std::optional<Tensor> w, std::optional<Tensor> b, const Tensor& m, const Tensor& v, double eps,
                double s, int64_t zp) { return cpu::quantized_batch_norm(x, w, b, m, v, eps, s, zp, false); }));
  r.add("quantized::layer_norm(Tensor input, int[] normalized_shape, Tensor? weight, Tensor? bias, float eps, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, IntList shape, std::optional<Tensor> w, std::optional<Tensor> b, double eps, double s, int64_t zp) {
          return cpu::quantized_layer_norm(x, shape, w, b, eps, s, zp);
        }));
  r.add("quantized::group_norm(Tensor input, int num_groups, Tensor? weight, Tensor? bias, float eps, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, int64_t groups, std::optional<Tensor> w, std::optional<Tensor> b, double eps, double s, int64_t zp) {
          return cpu::quantized_group_norm(x, groups, w, b, eps, s, zp);
        }));
  r.add("quantized::instance_norm(Tensor input, Tensor? weight, Tensor? bias, float eps, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, std::optional<Tensor> w, std::optional<Tensor> b, double eps, double s, int64_t zp) {
          if (x.dim() < 2) fail("quantized::instance_norm: expected an input with channels, got ", shape_string(x.sizes()));
          return cpu::quantized_group_norm(x, x.size(1), w, b, eps, s, zp);
        }));

  // ---- more elementwise functions of the dequantized values
  r.add("quantized::elu(Tensor self, float output_scale, int output_zero_point, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor",
        wrap([](const Tensor& x, double s, int64_t zp, Scalar alpha, Scalar scale, Scalar input_scale) {
          const float a = static_cast<float>(alpha.to<double>()), k = static_cast<float>(scale.to<double>()),
                      ki = static_cast<float>(input_scale.to<double>());
          return qmap(x, s, zp, [a, k, ki](float v) { return v >= 0 ? v * k : std::expm1(v * ki) * a * k; });
        }));
  r.add("quantized::celu(Tensor self, float output_scale, int output_zero_point, Scalar alpha=1) -> Tensor",
        wrap([](const Tensor& x, double s, int64_t zp, Scalar alpha) {
          const float a = static_cast<float>(alpha.to<double>());
          if (a == 0) fail("ZeroDivisionError: celu alpha must not be 0");
          const float inv = 1.0f / a;
          return qmap(x, s, zp, [a, inv](float v) { return v >= 0 ? v : std::expm1(v * inv) * a; });
        }));
  r.add("quantized::threshold(Tensor qx, Scalar threshold, Scalar value) -> Tensor qy",
        wrap([](const Tensor& x, Scalar threshold, Scalar value) {
          const QuantParams& q = qparams(per_tensor_input(x, "threshold"));
          const float t = static_cast<float>(threshold.to<double>()), v = static_cast<float>(value.to<double>());
          return qmap(x, q.scale, q.zero_point, [t, v](float a) { return a > t ? a : v; });
        }));
  r.add("quantized::clamp(Tensor qx, Scalar? min=None, Scalar? max=None) -> Tensor qy",
        wrap([](const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
          return cpu::quantized_clamp(x, lo ? std::optional<double>(lo->to<double>()) : std::nullopt,
                                      hi ? std::optional<double>(hi->to<double>()) : std::nullopt);
        }));
  r.add("quantized::dropout(Tensor self, float output_scale, int output_zero_point, Scalar p=0.5, bool training=False) -> Tensor",
        wrap([](const Tensor& x, double, int64_t, Scalar, bool training) {
          if (training) fail("quantized::dropout: dropout in training mode is not supported (ember runs models in eval mode)");
          return x;
        }));
  r.add("quantized::softmax(Tensor qx, int dim, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, int64_t dim, double s, int64_t zp) {
          per_tensor_input(x, "softmax");
          return cpu::quantize_per_tensor(cpu::softmax(cpu::dequantize(x), dim, std::nullopt), s, zp, x.dtype());
        }));
  r.add("quantized::matmul(Tensor qa, Tensor qb, float scale, int zero_point) -> Tensor qc",
        wrap([](const Tensor& a, const Tensor& b, double s, int64_t zp) {
          if (!is_quantized(a.dtype()) || a.dtype() != b.dtype())
            fail("quantized::matmul: both inputs must be quantized tensors of the same dtype, got ", dtype_name(a.dtype()),
                 " and ", dtype_name(b.dtype()));
          per_tensor_input(a, "matmul");
          per_tensor_input(b, "matmul");
          return cpu::quantize_per_tensor(cpu::matmul(cpu::dequantize(a), cpu::dequantize(b)), s, zp, a.dtype());
        }));
  r.add("quantized::prelu(Tensor qx, Tensor weight, float output_scale, int output_zero_point) -> Tensor",
        wrap([](const Tensor& x, const Tensor& weight, double s, int64_t zp) {
          per_tensor_input(x, "prelu");
          if (x.dim() < 1) fail("qprelu: zero-dim input tensor is not allowed.");
          Tensor w = (is_quantized(weight.dtype()) ? cpu::dequantize(weight) : weight.to(DType::Float32)).contiguous();
          const int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
          if (w.numel() != 1 && w.numel() != channels)
            fail("qprelu: the weight has ", w.numel(), " elements for ", channels, " channels");
          Tensor d = cpu::dequantize(x);
          const int64_t inner = x.dim() >= 2 ? d.numel() / std::max<int64_t>(1, x.size(0) * channels) : d.numel();
          float* p = d.data<float>();
          const float* wp = w.data<float>();
          for (int64_t i = 0, n = d.numel(); i < n; ++i) {
            const float a = wp[w.numel() == 1 ? 0 : (i / std::max<int64_t>(1, inner)) % channels];
            p[i] = p[i] >= 0 ? p[i] : p[i] * a;
          }
          return cpu::quantize_per_tensor(d, s, zp, x.dtype());
        }));
  for (int spatial : {1, 2}) {
    auto pool = wrap([spatial](const Tensor& x, IntList k, IntList st, IntList pad, IntList dil, bool ceil) {
      const Tensor q = per_tensor_input(x, "max_pool");
      if (!is_quantized(q.dtype())) fail("quantized max_pool expects a quantized tensor, got ", dtype_name(q.dtype()));
      return quantized_max_pool(spatial, q, k, st, pad, dil, ceil);
    });
    const std::string d = std::to_string(spatial) + "d";
    r.add("quantized::max_pool" + d + "(Tensor qx, int[] kernel_size, int[] stride, int[] padding, int[] dilation, bool ceil_mode) -> Tensor", pool);
    const std::string n = spatial == 1 ? "1" : "2";
    r.add("aten::quantized_max_pool" + d + "(Tensor self, int[" + n + "] kernel_size, int[" + n + "] stride=[], int[" + n +
              "] padding=" + (spatial == 1 ? "[0]" : "0") + ", int[" + n + "] dilation=" + (spatial == 1 ? "[1]" : "1") +
              ", bool ceil_mode=False) -> Tensor",
          pool);
  }

  // ---- aten ops on quantized tensors
  extend(r, "aten::relu", "", wrap([](const Tensor& x) { return qrelu(x, false); }));
  extend(r, "aten::relu_", "", wrap([](const Tensor& x) { return qrelu(x, true); }));
  extend(r, "aten::hardswish", "", wrap([](const Tensor& x) {
           const QuantParams& q = qparams(per_tensor_input(x, "hardswish"));
           return qmap(x, q.scale, q.zero_point, hardswish_value);
         }));
  extend(r, "aten::sigmoid", "", wrap([](const Tensor& x) {
           // PyTorch fixes the output range of a quantized sigmoid to [0, 1).
           const int64_t zp = x.dtype() == DType::QInt8 ? -128 : 0;
           return qmap(x, 1.0 / 256.0, zp, sigmoid_value);
         }));
  extend(r, "aten::clamp", "", wrap([](const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
           return cpu::quantized_clamp(x, lo ? std::optional<double>(lo->to<double>()) : std::nullopt,
                                       hi ? std::optional<double>(hi->to<double>()) : std::nullopt);
         }));
  extend(r, "aten::hardtanh", "", wrap([](const Tensor& x, Scalar lo, Scalar hi) {
           return cpu::quantized_clamp(x, lo.to<double>(), hi.to<double>());
         }));
  extend(r, "aten::cat", "", wrap([](const std::vector<Tensor>& xs, int64_t dim) { return qcat(xs, dim, std::nullopt, std::nullopt, false); }));
  using Ints = std::vector<int64_t>;
  extend(r, "aten::max_pool2d", "", wrap([](const Tensor& x, Ints k, Ints st, Ints pad, Ints dil, bool ceil) {
           return quantized_max_pool(2, per_tensor_input(x, "aten::max_pool2d"), k, st, pad, dil, ceil);
         }));
  for (const char* op : {"aten::max_pool1d", "aten::max_pool3d", "aten::avg_pool2d", "aten::avg_pool3d",
                         "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d", "aten::upsample_nearest2d",
                         "aten::upsample_bilinear2d"})
    if (r.find(op, "")) extend_through_ints(r, op, "");
  for (auto [op, overload] : {std::pair{"aten::upsample_nearest2d", "vec"}, std::pair{"aten::upsample_bilinear2d", "vec"},
                              std::pair{"aten::mean", "dim"}})
    if (r.find(op, overload)) extend_through_ints(r, op, overload);
}

}  // namespace ember::ops
