// quantized_classes.cpp — torch.classes.quantized.* packed parameters rebuilt from their saved
// state, in every layout PyTorch has written (aten/src/ATen/native/quantized/cpu/
// conv_serialization.h and the linear params' def_pickle):
//   Conv{2,3}dPackedParamsBase
//     v1 (1.4-1.6): (weight, bias, stride: Tensor[], padding: Tensor[], dilation: Tensor[], groups: Tensor)
//     v2 (1.7-2.x): ("2", [config int16 tensor, weight], [bias]) with config = [spatial, stride...,
//                   padding..., dilation..., output_padding..., groups, transpose]
//     v3:           (3, config: int[], [None, weight, bias]) with config's last entry a flag mask
//                   (bit 0: transpose)
//   LinearPackedParamsBase: (weight, bias): a qint8 weight, or a float one for the fp16 form.
//   rnn.CellParamsBase (aten/src/ATen/native/RNN.cpp, CellParamsSerializationType):
//     (kind: str, tensors: Tensor[], doubles: float[], longs: int[], packed: LinearPackedParamsBase[])
//     "quantized_dynamic": tensors [b_ih, b_hh] (the products use the biases packed with their
//                          weights), longs [reduce_range] (may be empty), packed [w_ih, w_hh] int8
//     "quantized_fp16":    packed [w_ih, w_hh] fp16, the rest empty
//     "quantized":         torch.jit.quantized's fbgemm cells (weights with explicit scales and
//                          column offsets): not supported
//   EmbeddingPackedParamsBase: (version 1, [weight], [], [bit_rate]) with weight quint8 (8) or
//     quint4x2 (4), per_channel_affine_float_qparams along rows.
#include "ops/custom_class.h"
#include "ops/quantized_params.h"
#include "tensor/convert.h"

namespace ember::ops {

cpu::ConvParams PackedConvParams::conv_params() const {
  return cpu::make_conv_params(static_cast<size_t>(spatial), stride, padding, dilation, transpose, output_padding,
                               groups);
}

std::shared_ptr<const PackedConvParams> make_packed_conv(int64_t spatial, const Tensor& weight,
                                                         const std::optional<Tensor>& bias, Shape stride,
                                                         Shape padding, Shape dilation, Shape output_padding,
                                                         int64_t groups, bool transpose) {
  if (!is_quantized(weight.dtype())) fail("the convolution weight is ", dtype_name(weight.dtype()), ", not quantized");
  if (weight.dim() != spatial + 2)
    fail("a ", spatial, "-d quantized convolution needs a ", spatial + 2, "-d weight, got ", shape_string(weight.sizes()));
  if (groups < 1) fail("groups must be positive, got ", groups);
  auto p = std::make_shared<PackedConvParams>();
  p->spatial = spatial;
  p->stride = std::move(stride);
  p->padding = std::move(padding);
  p->dilation = std::move(dilation);
  p->output_padding = std::move(output_padding);
  p->groups = groups;
  p->transpose = transpose;
  if (bias && bias->defined() && !is_floating(bias->dtype())) fail("the convolution bias must be float, got ", dtype_name(bias->dtype()));
  const std::optional<Tensor> b = bias && bias->defined() ? bias : std::nullopt;
  int64_t axis = 0;
  if (qparams(weight).per_channel()) {
    axis = qparams(weight).axis;
    if (transpose ? axis != 1 || groups != 1 : axis != 0)
      fail("per-channel convolution weights quantized along dim ", axis, " are not supported");
  }
  p->weight = cpu::prepare_quantized_weight(weight, b, axis);
  p->conv_params();  // checks the geometry now rather than at the first call
  return p;
}

std::shared_ptr<const PackedLinearParams> make_packed_linear(const Tensor& weight, const std::optional<Tensor>& bias,
                                                             bool fp16) {
  if (weight.dim() != 2) fail("a linear weight must be 2-D, got ", shape_string(weight.sizes()));
  const std::optional<Tensor> b = bias && bias->defined() ? bias : std::nullopt;
  if (b && (b->dim() != 1 || b->numel() != weight.size(0) || !is_floating(b->dtype())))
    fail("a linear bias must be a float tensor of ", weight.size(0), " elements");
  auto p = std::make_shared<PackedLinearParams>();
  p->fp16 = fp16;
  if (fp16) {
    if (!is_floating(weight.dtype())) fail("fp16 linear weights must be float, got ", dtype_name(weight.dtype()));
    // Rounded to float16 as linear_prepack_fp16 stores them; computed in float32.
    p->weight_fp16 = weight.to(DType::Float16).to(DType::Float32);
    if (b) p->bias = b->to(DType::Float32).contiguous();
  } else {
    p->weight = cpu::prepare_quantized_weight(weight, b, 0);
  }
  return p;
}

cpu::DynamicCellWeights PackedCellParams::weights() const {
  auto form = [this](const PackedLinearParams& p) {
    cpu::DynamicLinearWeight w;
    if (p.fp16) {
      w.fp16 = &p.weight_fp16;
      w.fp16_bias = &p.bias;
    } else {
      w.int8 = &p.weight;
      w.reduce_range = reduce_range;
    }
    return w;
  };
  return {form(*ih), form(*hh)};
}

std::shared_ptr<const PackedCellParams> make_packed_cell(std::shared_ptr<const PackedLinearParams> ih,
                                                         std::shared_ptr<const PackedLinearParams> hh, bool reduce_range,
                                                         bool fp16) {
  const char* form = fp16 ? "fp16" : "int8";
  if (ih->fp16 != fp16 || hh->fp16 != fp16) fail("cell parameters of the ", form, " kind need ", form, " linear weights");
  auto c = std::make_shared<PackedCellParams>();
  c->ih = std::move(ih);
  c->hh = std::move(hh);
  c->reduce_range = reduce_range;
  const cpu::DynamicCellWeights w = c->weights();
  if (w.ih.out_features() != w.hh.out_features())
    fail("cell parameters: w_ih has ", w.ih.out_features(), " rows but w_hh has ", w.hh.out_features());
  if (w.hh.in_features() < 1 || w.hh.out_features() % w.hh.in_features() != 0)
    fail("cell parameters: w_hh is [", w.hh.out_features(), ", ", w.hh.in_features(),
         "], not [gates * hidden, hidden]");
  return c;
}

std::shared_ptr<const PackedEmbeddingParams> make_packed_embedding(const Tensor& weight) {
  if (weight.dtype() != DType::QUInt8 && weight.dtype() != DType::QUInt4x2)
    fail("embedding weights must be quint8 or quint4x2, got ", dtype_name(weight.dtype()));
  auto p = std::make_shared<PackedEmbeddingParams>();
  p->weight = weight;
  p->table = cpu::rowwise_from_quantized(weight, weight.dtype() == DType::QUInt8 ? 8 : 4);
  return p;
}

std::shared_ptr<const PackedLinearParams> shared_linear_params(const Value& object) {
  const Value& state = custom_class_state(object, kLinearParams);
  if (!state.is_capsule() || state.to_capsule()->type_name != kLinearParams)
    fail("the ", kLinearParams, " object holds no packed parameters");
  return std::static_pointer_cast<const PackedLinearParams>(state.to_capsule()->payload);
}

namespace {

const std::vector<Value>& tuple_items(const Value& v, const char* what) {
  if (!v.is_tuple()) fail(what, " must be a tuple, got ", v.tag_name());
  return v.to_tuple()->items;
}

const std::vector<Value>& list_items(const Value& v, const char* what) {
  if (!v.is_list()) fail(what, " must be a list, got ", v.tag_name());
  return v.to_list()->items;
}

const Tensor& tensor_of(const Value& v, const char* what) {
  if (!v.is_tensor() || !v.to_tensor().defined()) fail(what, " must be a tensor, got ", v.tag_name());
  return v.to_tensor();
}

std::optional<Tensor> optional_tensor(const Value& v, const char* what) {
  if (v.is_none()) return std::nullopt;
  return tensor_of(v, what);
}

int64_t first_int(const Tensor& t, const char* what) {
  if (t.numel() < 1 || !is_integral(t.dtype(), false)) fail(what, " must hold an integer");
  return static_cast<int64_t>(t.at_double(0));
}

std::shared_ptr<const void> restore_conv(const Value& state, int64_t spatial) {
  const auto& e = tuple_items(state, "convolution parameters");
  if (e.empty()) fail("convolution parameters are an empty tuple");
  if (e[0].is_tensor()) {
    // v1
    if (e.size() != 6) fail("version-1 convolution parameters need 6 fields, got ", e.size());
    auto ints = [&](const Value& v, const char* what) {
      Shape out;
      for (const auto& x : list_items(v, what)) out.push_back(first_int(tensor_of(x, what), what));
      if (static_cast<int64_t>(out.size()) != spatial) fail(what, " needs ", spatial, " entries, got ", out.size());
      return out;
    };
    return make_packed_conv(spatial, tensor_of(e[0], "the weight"), optional_tensor(e[1], "the bias"),
                            ints(e[2], "stride"), ints(e[3], "padding"), ints(e[4], "dilation"),
                            Shape(static_cast<size_t>(spatial), 0), first_int(tensor_of(e[5], "groups"), "groups"),
                            false);
  }
  if (e.size() != 3) fail("convolution parameters need 3 fields, got ", e.size());
  std::vector<int64_t> config;
  Tensor weight;
  std::optional<Tensor> bias;
  bool flags_are_mask = false;
  if (e[0].is_string()) {
    if (e[0].to_string() != "2") fail("unknown convolution parameter version '", e[0].to_string(), "'");
    const auto& non_optional = list_items(e[1], "the tensors");
    const auto& optional = list_items(e[2], "the optional tensors");
    if (non_optional.size() != 2 || optional.size() != 1)
      fail("version-2 convolution parameters need [config, weight] and [bias]");
    Tensor cfg = tensor_of(non_optional[0], "the configuration").contiguous();
    if (cfg.dim() != 1 || !is_integral(cfg.dtype(), false)) fail("the configuration must be a 1-D integer tensor");
    for (int64_t i = 0; i < cfg.numel(); ++i) config.push_back(static_cast<int64_t>(cfg.at_double(i)));
    weight = tensor_of(non_optional[1], "the weight");
    bias = optional_tensor(optional[0], "the bias");
  } else if (e[0].is_int()) {
    if (e[0].to_int() != 3) fail("unknown convolution parameter version ", e[0].to_int());
    for (const auto& v : list_items(e[1], "the configuration")) {
      if (!v.is_int()) fail("the configuration must hold ints");
      config.push_back(v.to_int());
    }
    const auto& tensors = list_items(e[2], "the tensors");
    if (tensors.size() != 3) fail("version-3 convolution parameters need 3 tensors, got ", tensors.size());
    weight = tensor_of(tensors[1], "the weight");
    bias = optional_tensor(tensors[2], "the bias");
    flags_are_mask = true;
  } else {
    fail("convolution parameters start with a ", e[0].tag_name(), ", not a version");
  }
  const size_t n = static_cast<size_t>(spatial);
  if (config.size() != 3 + 4 * n || config[0] != spatial)
    fail("the configuration has ", config.size(), " entries for ", config.empty() ? 0 : config[0],
         " spatial dims; expected ", 3 + 4 * n, " for ", spatial);
  auto part = [&](size_t k) { return Shape(config.begin() + 1 + static_cast<long>(k * n), config.begin() + 1 + static_cast<long>((k + 1) * n)); };
  const int64_t flags = config.back();
  if (flags_are_mask ? (flags & ~int64_t{1}) != 0 : (flags != 0 && flags != 1))
    fail("unexpected convolution flags ", flags);
  return make_packed_conv(spatial, weight, bias, part(0), part(1), part(2), part(3), config[config.size() - 2],
                          (flags & 1) != 0);
}

std::shared_ptr<const void> restore_linear(const Value& state) {
  const auto& e = tuple_items(state, "linear parameters");
  if (e.size() != 2) fail("linear parameters need (weight, bias), got ", e.size(), " fields");
  const Tensor& w = tensor_of(e[0], "the weight");
  return make_packed_linear(w, optional_tensor(e[1], "the bias"), !is_quantized(w.dtype()));
}

std::shared_ptr<const void> restore_cell(const Value& state) {
  const auto& e = tuple_items(state, "cell parameters");
  if (e.size() != 5) fail("cell parameters need 5 fields (kind, tensors, doubles, longs, packed weights), got ", e.size());
  if (!e[0].is_string()) fail("cell parameters start with a ", e[0].tag_name(), ", not the kind's name");
  const std::string& kind = e[0].to_string();
  const auto& tensors = list_items(e[1], "the cell's tensors");
  list_items(e[2], "the cell's doubles");
  const auto& longs = list_items(e[3], "the cell's longs");
  const auto& packed = list_items(e[4], "the cell's packed weights");
  if (kind == "quantized")
    fail("cell parameters of kind 'quantized' (torch.jit.quantized's fbgemm cells with explicit weight scales, "
         "written by PyTorch 1.4 and earlier) are not supported; re-export with torch.ao.quantization.quantize_dynamic");
  const bool fp16 = kind == "quantized_fp16";
  if (!fp16 && kind != "quantized_dynamic")
    fail("unknown cell parameter kind '", kind, "' (quantized_dynamic and quantized_fp16 are supported)");
  if (packed.size() != 2) fail("cell parameters of kind '", kind, "' need 2 packed weights (w_ih, w_hh), got ", packed.size());
  bool reduce_range = false;
  if (!fp16) {
    if (tensors.size() != 2) fail("cell parameters of kind 'quantized_dynamic' need 2 tensors (b_ih, b_hh), got ", tensors.size());
    for (const auto& t : tensors) tensor_of(t, "a cell bias");
    if (!longs.empty()) {
      if (!longs[0].is_int()) fail("the cell's reduce_range must be an int, got ", longs[0].tag_name());
      reduce_range = longs[0].to_int() != 0;
    }
  }
  return make_packed_cell(shared_linear_params(packed[0]), shared_linear_params(packed[1]), reduce_range, fp16);
}

std::shared_ptr<const void> restore_embedding(const Value& state) {
  const auto& e = tuple_items(state, "embedding parameters");
  if (e.size() != 4) fail("embedding parameters need 4 fields (version, tensors, doubles, longs), got ", e.size());
  if (!e[0].is_int()) fail("embedding parameters start with a ", e[0].tag_name(), ", not a version");
  if (e[0].to_int() != 1) fail("unknown embedding parameter version ", e[0].to_int(), " (1 is supported)");
  const auto& tensors = list_items(e[1], "the embedding's tensors");
  const auto& longs = list_items(e[3], "the embedding's longs");
  if (tensors.size() != 1) fail("embedding parameters need 1 tensor (the weight), got ", tensors.size());
  if (longs.size() != 1 || !longs[0].is_int()) fail("embedding parameters need the bit rate as their one long");
  const Tensor& w = tensor_of(tensors[0], "the embedding weight");
  const int64_t bits = longs[0].to_int();
  if (bits != 8 && bits != 4) fail("embedding bit rate ", bits, " is not supported (8 and 4 are)");
  if ((bits == 8) != (w.dtype() == DType::QUInt8))
    fail("a ", bits, "-bit embedding cannot hold a ", dtype_name(w.dtype()), " weight");
  return make_packed_embedding(w);
}

}  // namespace

Value payload_value(const char* qualname, std::shared_ptr<const void> payload) {
  auto c = std::make_shared<Capsule>();
  c->type_name = qualname;
  c->payload = std::const_pointer_cast<void>(std::move(payload));
  return Value(std::move(c));
}

const void* payload_of(const Value& object, const char* qualname) {
  const Value& state = custom_class_state(object, qualname);
  if (!state.is_capsule() || state.to_capsule()->type_name != qualname) fail("the ", qualname, " object holds no packed parameters");
  return state.to_capsule()->payload.get();
}

void register_quantized_classes() {
  register_custom_class(kConv2dParams, [](const Value& s) { return payload_value(kConv2dParams, restore_conv(s, 2)); });
  register_custom_class(kConv3dParams, [](const Value& s) { return payload_value(kConv3dParams, restore_conv(s, 3)); });
  register_custom_class(kLinearParams, [](const Value& s) { return payload_value(kLinearParams, restore_linear(s)); });
  register_custom_class(kCellParams, [](const Value& s) { return payload_value(kCellParams, restore_cell(s)); });
  register_custom_class(kEmbeddingParams, [](const Value& s) { return payload_value(kEmbeddingParams, restore_embedding(s)); });
}

}  // namespace ember::ops
