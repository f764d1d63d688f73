// torch.classes.rnn.CellParamsBase and torch.classes.quantized.EmbeddingPackedParamsBase below
// the model level: their saved states restored (every malformed or truncated state an
// ember::Error naming what is wrong), the float16 cell kind (which Debian's PyTorch cannot make:
// it lacks fbgemm) run through aten::quantized_lstm / quantized_gru against the float layers on
// float16-rounded weights, the fused embedding rows of embedding_bag_*_rowwise_offsets against
// values worked out by hand, and quint4x2 tensor records (unpacked when read, sizes checked).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "archive/unpickler.h"
#include "kernels/cpu/quantized.h"
#include "kernels/cpu/rnn.h"
#include "ops/custom_class.h"
#include "ops/registry.h"
#include "tensor/quantized.h"

namespace ember {
namespace {

constexpr const char* kCell = "__torch__.torch.classes.rnn.CellParamsBase";
constexpr const char* kEmbedding = "__torch__.torch.classes.quantized.EmbeddingPackedParamsBase";

Tensor ramp(Shape sizes, float step, float start = -1.0f) {
  Tensor t = Tensor::empty(sizes, DType::Float32);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = start + step * static_cast<float>((i * 7) % 23);
  return t;
}

std::shared_ptr<List> list_of(std::vector<Value> items, TypePtr elem) { return make_list(std::move(elem), std::move(items)); }

Value tensors(std::vector<Value> v) { return Value(list_of(std::move(v), Type::get(TypeKind::Tensor))); }
Value ints(std::vector<Value> v) { return Value(list_of(std::move(v), Type::get(TypeKind::Int))); }
Value doubles() { return Value(list_of({}, Type::get(TypeKind::Float))); }
// A list typed by its first object's class (as the unpickler types a restored List[CellParamsBase]).
Value objects(std::vector<Value> v) {
  TypePtr elem = !v.empty() && v[0].is_object() ? Type::of_class(v[0].to_object()->type) : Type::get(TypeKind::Any);
  return Value(list_of(std::move(v), std::move(elem)));
}

Value linear_packed(const Tensor& w, const Tensor& b, bool fp16) {
  auto& r = ops::Registry::global();
  const Tensor weight = fp16 ? w : cpu::quantize_per_tensor(w, 0.02, 0, DType::QInt8);
  return r.call(fp16 ? "quantized::linear_prepack_fp16" : "quantized::linear_prepack", {Value(weight), Value(b)})[0];
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(QuantRnnState, MalformedCellStatesAreErrors) {
  ops::Registry::global();
  const auto* cell = ops::find_custom_class(kCell);
  ASSERT_TRUE(cell);
  const Value ih = linear_packed(ramp({8, 4}, 0.1f), ramp({8}, 0.05f), false);
  const Value hh = linear_packed(ramp({8, 2}, 0.1f), ramp({8}, 0.05f), false);
  const Value bias = Value(ramp({8}, 0.05f));
  auto state = [&](std::string kind, Value t, Value l, Value p) {
    return Value(make_tuple({Value(std::move(kind)), std::move(t), doubles(), std::move(l), std::move(p)}));
  };
  // Well formed: restores.
  EXPECT_NO_THROW((*cell)(state("quantized_dynamic", tensors({bias, bias}), ints({Value(int64_t{1})}), objects({ih, hh}))));
  EXPECT_NO_THROW((*cell)(state("quantized_dynamic", tensors({bias, bias}), ints({}), objects({ih, hh}))));
  // Truncated tuple, wrong field types, wrong counts, unknown and unsupported kinds.
  EXPECT_NE(error_of([&] { (*cell)(Value(make_tuple({Value(std::string("quantized_dynamic"))}))); }).find("5 fields"), std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(Value(int64_t{3})); }).find("must be a tuple"), std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(state("quantized_dynamic", tensors({bias}), ints({}), objects({ih, hh}))); }).find("2 tensors"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(state("quantized_dynamic", tensors({bias, bias}), ints({}), objects({ih}))); }).find("2 packed"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(state("quantized_dynamic", tensors({bias, bias}), ints({}), objects({ih, bias}))); })
                .find("LinearPackedParamsBase"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(state("lstm_of_the_future", tensors({}), ints({}), objects({ih, hh}))); }).find("unknown cell"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(state("quantized", tensors({}), ints({}), objects({}))); }).find("not supported"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (*cell)(state("quantized_fp16", tensors({}), ints({}), objects({ih, hh}))); }).find("fp16 linear"),
            std::string::npos);
  // w_ih and w_hh with different gate rows.
  const Value hh_bad = linear_packed(ramp({6, 2}, 0.1f), ramp({6}, 0.05f), false);
  EXPECT_NE(error_of([&] { (*cell)(state("quantized_dynamic", tensors({bias, bias}), ints({}), objects({ih, hh_bad}))); }).find("rows"),
            std::string::npos);
}

TEST(QuantRnnState, MalformedEmbeddingStatesAreErrors) {
  ops::Registry::global();
  const auto* emb = ops::find_custom_class(kEmbedding);
  ASSERT_TRUE(emb);
  const Tensor scales = ramp({5}, 0.01f, 0.05f).to(DType::Float64);
  const Tensor zps = ramp({5}, 0.5f, 1.0f);
  const Tensor w8 = cpu::quantize_per_channel(ramp({5, 4}, 0.1f), scales, zps.to(DType::Int64), 0, DType::QInt8);
  auto state = [](Value version, Value t, Value l) { return Value(make_tuple({std::move(version), std::move(t), doubles(), std::move(l)})); };
  const Value v1(int64_t{1});
  EXPECT_NE(error_of([&] { (*emb)(Value(make_tuple({v1}))); }).find("4 fields"), std::string::npos);
  EXPECT_NE(error_of([&] { (*emb)(state(Value(int64_t{2}), tensors({Value(w8)}), ints({Value(int64_t{8})}))); }).find("version 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (*emb)(state(v1, tensors({}), ints({Value(int64_t{8})}))); }).find("1 tensor"), std::string::npos);
  EXPECT_NE(error_of([&] { (*emb)(state(v1, tensors({Value(w8)}), ints({}))); }).find("bit rate"), std::string::npos);
  EXPECT_NE(error_of([&] { (*emb)(state(v1, tensors({Value(w8)}), ints({Value(int64_t{2})}))); }).find("bit rate 2"),
            std::string::npos);
  // A qint8 table (embeddings are quint8 or quint4x2 with float qparams per row).
  EXPECT_NE(error_of([&] { (*emb)(state(v1, tensors({Value(w8)}), ints({Value(int64_t{8})}))); }).find("8-bit embedding"),
            std::string::npos);
  // A float weight.
  EXPECT_NE(error_of([&] { (*emb)(state(v1, tensors({Value(ramp({5, 4}, 0.1f))}), ints({Value(int64_t{8})}))); })
                .find("embedding"),
            std::string::npos);
}

// aten::quantized_lstm / quantized_gru on float16 cells (state kind "quantized_fp16") against the
// float layers run on the weights rounded to float16.
TEST(QuantRnnState, Fp16CellsMatchTheFloatLayersOnRoundedWeights) {
  auto& r = ops::Registry::global();
  const auto* cell = ops::find_custom_class(kCell);
  ASSERT_TRUE(cell);
  for (const auto mode : {cpu::RnnMode::Lstm, cpu::RnnMode::Gru}) {
    const bool lstm = mode == cpu::RnnMode::Lstm;
    const int64_t G = lstm ? 4 : 3, H = 5, I = 3, T = 4, B = 2;
    const Tensor w_ih = ramp({G * H, I}, 0.0371f, -0.4f), w_hh = ramp({G * H, H}, 0.0293f, -0.3f);
    const Tensor b_ih = ramp({G * H}, 0.013f, -0.1f), b_hh = ramp({G * H}, 0.011f, -0.12f);
    const Value state = Value(make_tuple({Value(std::string("quantized_fp16")), tensors({}), doubles(), ints({}),
                                          objects({linear_packed(w_ih, b_ih, true), linear_packed(w_hh, b_hh, true)})}));
    const Value restored = ops::make_custom_object(kCell, (*cell)(state));
    const Tensor x = ramp({T, B, I}, 0.09f);
    const Tensor h0 = ramp({1, B, H}, 0.05f, -0.2f), c0 = ramp({1, B, H}, 0.04f, -0.3f);
    const Value params = objects({restored});
    std::vector<Value> out;
    if (lstm) {
      out = r.call("aten::quantized_lstm", {Value(x), tensors({Value(h0), Value(c0)}), params, Value(true), Value(int64_t{1}),
                                            Value(0.0), Value(false), Value(false), Value(false)});
    } else {
      out = r.call("aten::quantized_gru", {Value(x), Value(h0), params, Value(true), Value(int64_t{1}), Value(0.0), Value(false),
                                           Value(false), Value(false)});
    }
    const std::vector<Tensor> flat = {w_ih.to(DType::Float16).to(DType::Float32), w_hh.to(DType::Float16).to(DType::Float32),
                                      b_ih, b_hh};
    cpu::RnnOptions o;
    o.mode = mode;
    Tensor want_out, want_h;
    if (lstm) {
      const Tensor hx[] = {h0, c0};
      std::tie(want_out, want_h, std::ignore) = cpu::lstm(x, hx, flat, o, false);
    } else {
      std::tie(want_out, want_h) = cpu::rnn(x, h0, flat, o, false);
    }
    const Tensor got = out[0].to_tensor().contiguous(), want = want_out.contiguous();
    ASSERT_EQ(got.sizes(), want.sizes());
    for (int64_t i = 0; i < got.numel(); ++i) EXPECT_NEAR(got.at_double(i), want.at_double(i), 1e-5) << i;
    for (int64_t i = 0; i < want_h.numel(); ++i) EXPECT_NEAR(out[1].to_tensor().at_double(i), want_h.at_double(i), 1e-5) << i;
    // The weights really are rounded: the unrounded float layer differs.
    const std::vector<Tensor> unrounded = {w_ih, w_hh, b_ih, b_hh};
    Tensor exact = lstm ? std::get<0>(cpu::lstm(x, std::vector<Tensor>{h0, c0}, unrounded, o, false))
                        : std::get<0>(cpu::rnn(x, h0, unrounded, o, false));
    double diff = 0;
    exact = exact.contiguous();
    for (int64_t i = 0; i < got.numel(); ++i) diff = std::max(diff, std::abs(got.at_double(i) - exact.at_double(i)));
    EXPECT_GT(diff, 1e-6);
  }
}

TEST(QuantRnnState, QuantizedLstmChecksItsArguments) {
  auto& r = ops::Registry::global();
  const Value ih = linear_packed(ramp({8, 3}, 0.1f), ramp({8}, 0.05f), false);
  const Value hh = linear_packed(ramp({8, 2}, 0.1f), ramp({8}, 0.05f), false);
  const Value cellv = r.call("quantized::make_quantized_cell_params_dynamic",
                             {ih, hh, Value(ramp({8}, 0.1f)), Value(ramp({8}, 0.1f)), Value(true)})[0];
  const Tensor x = ramp({4, 1, 3}, 0.1f);
  const Tensor h = Tensor::empty({1, 1, 2}, DType::Float32);
  auto run = [&](const Tensor& input, Value params, int64_t layers) {
    return r.call("aten::quantized_lstm", {Value(input), tensors({Value(h), Value(h)}), std::move(params), Value(true),
                                           Value(layers), Value(0.0), Value(false), Value(false), Value(false)});
  };
  EXPECT_NO_THROW(run(x, objects({cellv}), 1));
  EXPECT_NE(error_of([&] { run(x, objects({cellv}), 2); }).find("2 cell parameter objects"), std::string::npos);
  EXPECT_NE(error_of([&] { run(ramp({4, 1, 5}, 0.1f), objects({cellv}), 1); }).find("w_ih of layer 0"), std::string::npos);
  EXPECT_NE(error_of([&] { run(ramp({4, 3}, 0.1f), objects({cellv}), 1); }).find("3-D input"), std::string::npos);
  EXPECT_NE(error_of([&] {
              r.call("aten::quantized_lstm", {Value(ramp({4, 3}, 0.1f)), Value(Tensor::empty({2}, DType::Int64)),
                                                   tensors({Value(h), Value(h)}), objects({cellv}), Value(true), Value(int64_t{1}),
                                                   Value(0.0), Value(false), Value(false)});
            }).find("batch_sizes must be positive"),
            std::string::npos);
}

// A quint4x2 record by hand: _rebuild_qtensor(storage '0', offset, sizes, strides,
// (torch.per_tensor_affine, 0.5, 0), False, OrderedDict()). The storage's bytes pack two values
// each, low nibble first; ember unpacks them to one per byte, checking the claimed sizes against
// the bytes there are.
std::string quint4x2_pickle(int offset, const std::string& sizes, const std::string& strides) {
  auto str = [](const std::string& x) {
    std::string out = "X";
    for (int i = 0; i < 4; ++i) out += static_cast<char>((x.size() >> (8 * i)) & 0xff);
    return out + x;
  };
  const std::string half = std::string("G\x3f\xe0", 3) + std::string(6, '\0');  // 0.5, big-endian double
  return std::string("\x80\x02" "ctorch._utils\n_rebuild_qtensor\n" "(" "(") + str("storage") + "ctorch\nQUInt4x2Storage\n" +
         str("0") + str("cpu") + "K\x02" "tQ" "K" + std::string(1, static_cast<char>(offset)) + "(" + sizes + "t(" + strides +
         "t" "(" "ctorch\nper_tensor_affine\n" + half + std::string("K\0", 2) + "t" "\x89" "ccollections\nOrderedDict\n)R" "tR.";
}

TEST(QuantEmbedding, Quint4x2RecordsUnpackAndCheckTheirBytes) {
  auto storage = Storage::allocate(2);
  auto* b = static_cast<uint8_t*>(storage->data());
  b[0] = 0x21;
  b[1] = 0xF3;
  archive::UnpickleContext ctx;
  ctx.label = "t.pt: data.pkl";
  ctx.storage_dir = "data/";
  ctx.load_storage = [&](const std::string&, DType dtype) {
    EXPECT_EQ(dtype, DType::QUInt4x2);
    return storage;
  };
  auto load = [&](const std::string& bytes) {
    return archive::unpickle({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, ctx);
  };
  const Tensor t = load(quint4x2_pickle(0, "K\x02K\x02", "K\x02K\x01")).to_tensor();
  ASSERT_EQ(t.dtype(), DType::QUInt4x2);
  ASSERT_EQ(t.sizes(), (Shape{2, 2}));
  const Tensor values = cpu::dequantize(t);
  const float want[] = {0.5f, 1.0f, 1.5f, 7.5f};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(values.at_double(i), want[i]) << i;
  // 5 values need 3 bytes; a view, an offset: errors naming the record.
  EXPECT_NE(error_of([&] { load(quint4x2_pickle(0, "K\x05", "K\x01")); }).find("needs 3"), std::string::npos);
  EXPECT_NE(error_of([&] { load(quint4x2_pickle(0, "K\x02K\x02", "K\x01K\x02")); }).find("contiguous"), std::string::npos);
  EXPECT_NE(error_of([&] { load(quint4x2_pickle(1, "K\x02", "K\x01")); }).find("offset 0"), std::string::npos);
  EXPECT_NE(error_of([&] { load(quint4x2_pickle(0, "J\xff\xff\xff\x7fJ\xff\xff\xff\x7fJ\xff\xff\xff\x7f", "K\x01K\x01K\x01")); })
                .find("overflows"),
            std::string::npos);
}

// embedding_bag_byte_rowwise_offsets / 4bit on fused rows written here by hand.
TEST(QuantEmbedding, FusedRowsLookUpAsTheirScaleAndBiasSay) {
  auto& r = ops::Registry::global();
  // 8-bit: 2 rows of 3 values, then float scale and bias.
  Tensor t8 = Tensor::empty({2, 11}, DType::UInt8);
  auto* p = static_cast<uint8_t*>(t8.raw_data());
  const uint8_t q8[2][3] = {{0, 10, 255}, {7, 8, 9}};
  const float sb8[2][2] = {{0.5f, -1.0f}, {0.25f, 2.0f}};
  for (int row = 0; row < 2; ++row) {
    std::memcpy(p + row * 11, q8[row], 3);
    std::memcpy(p + row * 11 + 3, sb8[row], 8);
  }
  Tensor indices = Tensor::empty({3}, DType::Int64);
  indices.data<int64_t>()[0] = 1;
  indices.data<int64_t>()[1] = 0;
  indices.data<int64_t>()[2] = 1;
  Tensor offsets = Tensor::empty({2}, DType::Int64);
  offsets.data<int64_t>()[1] = 1;
  Tensor y = r.call("quantized::embedding_bag_byte_rowwise_offsets", {Value(t8), Value(indices), Value(offsets)})[0].to_tensor();
  ASSERT_EQ(y.sizes(), (Shape{2, 3}));
  // bag 0 = row 1; bag 1 = row 0 + row 1.
  for (int j = 0; j < 3; ++j) {
    const float row0 = 0.5f * q8[0][j] - 1.0f, row1 = 0.25f * q8[1][j] + 2.0f;
    EXPECT_NEAR(y.at_double(j), row1, 1e-6) << j;
    EXPECT_NEAR(y.at_double(3 + j), row0 + row1, 1e-5) << j;
  }
  // 4-bit: 1 row of 4 values (2 bytes, low nibble first), then float16 scale and bias.
  Tensor t4 = Tensor::empty({1, 6}, DType::UInt8);
  auto* p4 = static_cast<uint8_t*>(t4.raw_data());
  p4[0] = 0x21;  // values 1, 2
  p4[1] = 0xF3;  // values 3, 15
  const Half sb4[2] = {Half(0.5f), Half(-0.25f)};
  std::memcpy(p4 + 2, sb4, 4);
  Tensor one = Tensor::empty({1}, DType::Int64);
  Tensor zero = Tensor::empty({1}, DType::Int64);
  Tensor y4 = r.call("quantized::embedding_bag_4bit_rowwise_offsets", {Value(t4), Value(one), Value(zero)})[0].to_tensor();
  const float want4[] = {0.25f, 0.75f, 1.25f, 7.25f};
  ASSERT_EQ(y4.sizes(), (Shape{1, 4}));
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(y4.at_double(j), want4[j], 1e-6) << j;
  // Out-of-range indices and bad offsets are errors, not reads past the table.
  indices.data<int64_t>()[2] = 2;
  EXPECT_NE(error_of([&] { r.call("quantized::embedding_bag_byte_rowwise_offsets", {Value(t8), Value(indices), Value(offsets)}); })
                .find("out of range"),
            std::string::npos);
  indices.data<int64_t>()[2] = 1;
  offsets.data<int64_t>()[1] = 5;
  EXPECT_NE(error_of([&] { r.call("quantized::embedding_bag_byte_rowwise_offsets", {Value(t8), Value(indices), Value(offsets)}); })
                .find("offsets"),
            std::string::npos);
  EXPECT_NE(error_of([&] { r.call("quantized::embedding_bag_byte_rowwise_offsets", {Value(Tensor::empty({2, 5}, DType::UInt8)), Value(indices), Value(zero)}); })
                .find("at least 8 bytes"),
            std::string::npos);
}

}  // namespace
}  // namespace ember
