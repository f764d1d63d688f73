// The elementwise table (tensor/elementwise_ops.h) and what is generated from it: every row's
// schemas (binary) and names (unary, with their in-place forms) are registered, a row has a
// Backend::CPUReference kernel exactly when it has a vector kernel, and on float32 operands the
// CPU kernel (vector kernel on unit-stride runs) and the reference kernel (the scalar form alone)
// give the same bits: contiguous lengths that leave vector tails, strided views, broadcast rows,
// Python-scalar operands, in place, over ±0, ±inf, NaN, subnormals and ordinary values. Also the
// shared meta step's dtypes and messages for a few rows.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "ops/registry.h"
#include "tensor/elementwise_meta.h"

namespace ember {
namespace {

using ops::Backend;
using ops::Operator;
using ops::Registry;

#define EMBER_LIST_STR(...) std::vector<std::string>{__VA_ARGS__}

struct Row {
  std::vector<std::string> names;  // qualified "aten::x.overload" (binary) or "x" (unary)
  bool vector;
  bool in_place;  // unary only
};

std::vector<Row> binary_rows() {
#define VEC(k) true
#define NOVEC false
#define EMBER_ROW(E, name, kind, dtypes, checks, vector, schemas, ...) \
  rows.push_back({EMBER_LIST_STR(EMBER_LIST schemas), vector, false});
  std::vector<Row> rows;
  EMBER_BINARY_OPS(EMBER_ROW)
#undef EMBER_ROW
  return rows;
}

std::vector<Row> unary_rows() {
#define EMBER_ROW(E, error_name, kind, dtypes, vector, in_place, names, ...) \
  rows.push_back({EMBER_LIST_STR(EMBER_LIST names), vector, in_place});
  std::vector<Row> rows;
  EMBER_UNARY_OPS(EMBER_ROW)
#undef EMBER_ROW
#undef VEC
#undef NOVEC
  return rows;
}

const Operator* find_schema(const std::string& schema) {
  const ops::FunctionSchema s = ops::parse_schema(schema);
  return Registry::global().find(s.qualified_name(), s.overload);
}

TEST(ElementwiseTable, EveryRowIsRegisteredWithReferenceForVectorRows) {
  int references = 0;
  for (const Row& r : binary_rows())
    for (const std::string& schema : r.names) {
      const Operator* op = find_schema(schema);
      ASSERT_NE(op, nullptr) << schema;
      EXPECT_EQ(op->schema.str(), ops::parse_schema(schema).str());
      EXPECT_EQ(op->kernel_for(Backend::CPUReference) != nullptr, r.vector) << schema;
      references += r.vector;
    }
  for (const Row& r : unary_rows())
    for (const std::string& n : r.names)
      for (const std::string& name : {n, n + "_"}) {
        if (name.back() == '_' && !r.in_place) {
          EXPECT_EQ(Registry::global().find("aten::" + name, ""), nullptr) << name;
          continue;
        }
        const Operator* op = Registry::global().find("aten::" + name, "");
        ASSERT_NE(op, nullptr) << name;
        EXPECT_EQ(op->kernel_for(Backend::CPUReference) != nullptr, r.vector) << name;
        references += r.vector;
      }
  EXPECT_GE(references, 30);
}

// Special values first, then a spread of ordinary ones, n in all.
Tensor float_values(int64_t n, uint32_t seed) {
  const float inf = std::numeric_limits<float>::infinity();
  const float special[] = {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(), 1e-40f, -1e-40f,
                           1.0f, -1.0f, 3.0f, -3.0f, 88.7f, -104.5f, 1e30f, -1e30f, 0.5f};
  Tensor t = Tensor::empty({n}, DType::Float32);
  float* p = t.data<float>();
  uint32_t s = seed;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    const float u = static_cast<float>(s >> 8) / static_cast<float>(1u << 24);  // [0, 1)
    p[i] = i < 16 && seed == 1 ? special[i] : (u - 0.5f) * 16.0f;
  }
  return t;
}

bool same_bits(const Tensor& a, const Tensor& b, std::string* why) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) {
    *why = "dtype or shape differs";
    return false;
  }
  const Tensor x = a.contiguous(), y = b.contiguous();
  if (std::memcmp(x.raw_data(), y.raw_data(), static_cast<size_t>(x.numel()) * element_size(x.dtype())) == 0)
    return true;
  if (x.dtype() == DType::Float32)
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float u = x.data<float>()[i], v = y.data<float>()[i];
      if (std::bit_cast<uint32_t>(u) != std::bit_cast<uint32_t>(v) && !(u != u && v != v)) {
        *why = "element " + std::to_string(i) + ": " + std::to_string(u) + " vs " + std::to_string(v);
        return false;
      }
    }
  return true;
}

// Runs `kernel` on the arguments, on a copy of them for in-place ops, and returns its result.
Tensor call(const ops::Kernel& kernel, const std::vector<Value>& args, bool in_place) {
  ops::Stack stack;
  for (const Value& v : args) stack.push_back(in_place && v.is_tensor() ? Value(v.to_tensor().clone()) : v);
  kernel(stack);
  return stack.back().to_tensor();
}

#define EMBER_TEST_UNPAREN(...) __VA_ARGS__
// "ns::name" or "ns::name.overload" of every op the table registers: each binary row's schemas,
// each unary row's names and their in-place forms. Other ops have reference paths too (the
// convolutions, products, norms...: tests/unit/ops/replay_test.cpp); this test is the table's.
std::set<std::string> table_ops() {
  std::set<std::string> out;
  auto key = [](std::string schema) { return schema.substr(0, schema.find('(')); };
#define EMBER_TEST_BINARY(E, name, kind, dtypes, checks, vec, schemas, ...) \
  for (const char* sc : std::initializer_list<const char*>{EMBER_TEST_UNPAREN schemas}) out.insert(key(sc));
#define EMBER_TEST_UNARY(E, error_name, kind, dtypes, vec, in_place, names, ...) \
  for (const char* n : std::initializer_list<const char*>{EMBER_TEST_UNPAREN names}) { \
    out.insert(std::string("aten::") + n);                                        \
    if (in_place) out.insert(std::string("aten::") + n + "_");                    \
  }
  EMBER_BINARY_OPS(EMBER_TEST_BINARY)
  EMBER_UNARY_OPS(EMBER_TEST_UNARY)
#undef EMBER_TEST_BINARY
#undef EMBER_TEST_UNARY
  return out;
}

TEST(ElementwiseTable, ReferenceKernelsGiveTheSameBits) {
  const std::set<std::string> table = table_ops();
  // Operands: contiguous of lengths that leave vector tails, a strided view, a broadcast row.
  const Tensor big = float_values(1000, 1), big2 = float_values(1000, 2);
  const Tensor mat = cpu::reshape(float_values(12 * 37, 3), std::vector<int64_t>{12, 37});
  const Tensor row = cpu::reshape(float_values(37, 4), std::vector<int64_t>{1, 37});
  const Tensor strided = cpu::slice(mat, 1, 1, 37, 3);  // non-unit inner stride
  std::vector<std::pair<Tensor, Tensor>> pairs = {{big, big2}, {mat, row}, {row, mat}, {strided, strided}};
  for (int64_t n : {1, 7, 15, 16, 17, 33})
    pairs.push_back({cpu::slice(big, 0, 3, 3 + n, 1), cpu::slice(big2, 0, 0, n, 1)});
  int compared = 0;
  for (const Operator* op : Registry::global().all()) {
    const ops::Kernel* ref = op->kernel_for(Backend::CPUReference);
    if (!ref || !table.count(op->schema.qualified_name() + (op->schema.overload.empty() ? "" : "." + op->schema.overload)))
      continue;
    const auto& args = op->schema.arguments;
    for (const auto& [a, b] : pairs) {
      std::vector<Value> values;
      for (size_t i = 0; i < args.size(); ++i) {
        if (args[i].type->kind == TypeKind::Tensor) values.emplace_back(i == 0 ? a : b);
        else if (args[i].default_value) values.push_back(*args[i].default_value);  // alpha=1
        else values.emplace_back(i == 0 ? -1.25 : 2.5);                             // a Scalar operand
      }
      const bool in_place = op->schema.is_inplace();
      if (in_place && a.sizes() != broadcast_shapes(a.sizes(), b.sizes())) continue;
      std::string why;
      EXPECT_TRUE(same_bits(call(op->kernel, values, in_place), call(*ref, values, in_place), &why))
          << op->schema.str() << " on " << shape_string(a.sizes()) << ": " << why;
      ++compared;
      // add/sub with alpha other than 1.
      if (args.size() == 3 && args[2].default_value) {
        values[2] = Value(0.75);
        EXPECT_TRUE(same_bits(call(op->kernel, values, in_place), call(*ref, values, in_place), &why))
            << op->schema.str() << " alpha: " << why;
      }
    }
  }
  EXPECT_GT(compared, 200);
}

TEST(ElementwiseTable, MetaStepDtypesAndMessages) {
  const Tensor i = Tensor::empty({3}, DType::Int64), f = Tensor::empty({3}, DType::Float32);
  const Tensor bo = Tensor::empty({3}, DType::Bool);
  EXPECT_EQ(binary_meta(BinaryOp::Div, Tensor(), i, i, Scalar(int64_t{1})).out_dtype, DType::Float32);
  EXPECT_EQ(binary_meta(BinaryOp::Add, Tensor(), i, Scalar(2.5), Scalar(int64_t{1})).out_dtype, DType::Float32);
  EXPECT_EQ(binary_meta(BinaryOp::Add, Tensor(), i, Scalar(int64_t{2}), Scalar(int64_t{1})).out_dtype, DType::Int64);
  EXPECT_EQ(binary_meta(BinaryOp::Lt, Tensor(), i, f, Scalar(int64_t{1})).out_dtype, DType::Bool);
  EXPECT_EQ(binary_meta(BinaryOp::Lt, Tensor(), i, f, Scalar(int64_t{1})).in_dtype, DType::Float32);
  EXPECT_EQ(binary_meta(BinaryOp::LogicalAnd, Tensor(), i, f, Scalar(int64_t{1})).in_dtype, DType::Bool);
  EXPECT_EQ(unary_meta(UnaryOp::Exp, Tensor(), i).out_dtype, DType::Float32);
  EXPECT_EQ(unary_meta(UnaryOp::Abs, Tensor(), Tensor::empty({3}, DType::Complex64)).out_dtype, DType::Float32);
  EXPECT_EQ(unary_meta(UnaryOp::IsNan, Tensor(), i).out_dtype, DType::Bool);
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message([&] { binary_meta(BinaryOp::BitAnd, Tensor(), f, f, Scalar(int64_t{1})); }),
            "\"bitwise_and\" not implemented for 'float32'");
  EXPECT_EQ(message([&] { binary_meta(BinaryOp::Add, Tensor(), i, i, Scalar(0.5)); }),
            "For integral input tensors, argument alpha must not be a floating point number.");
  EXPECT_EQ(message([&] { unary_meta(UnaryOp::Floor, Tensor(), bo); }), "\"round\" not implemented for 'bool'");
  EXPECT_EQ(message([&] { unary_meta(UnaryOp::Silu, Tensor(), i); }), "\"unary float op\" not implemented for 'int64'");
  EXPECT_EQ(message([&] { unary_meta(UnaryOp::Exp, i, i); }),
            "result type float32 can't be cast to the desired output type int64");
}

}  // namespace
}  // namespace ember
