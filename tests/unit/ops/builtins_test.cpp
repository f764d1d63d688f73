// Builtins against what TorchScript itself computes: tests/fixtures/gen_ops_builtins.py scripts
// each expression with PyTorch 1.13 and records the op it compiled to, its inputs and the result;
// here the same op runs through ember's registry (resolution included) and must agree.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "ember/error.h"
#include "../fixtures.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"
#include "values/type_parser.h"

namespace ember::ops {

void register_scalar_ops(Registry& r);
void register_list_ops(Registry& r);
void register_dict_ops(Registry& r);
void register_str_ops(Registry& r);
void register_meta_ops(Registry& r);

namespace {

// Decoder for the fixture's value encoding (see gen_ops_builtins.py).
class Decoder {
 public:
  explicit Decoder(std::string_view s) : s_(s) {}
  bool done() const { return p_ >= s_.size(); }
  char peek() const { return s_[p_]; }

  Value value() {
    char tag = s_.at(p_++);
    switch (tag) {
      case 'N': return Value();
      case 'T': return Value(true);
      case 'F': return Value(false);
      case 'i': return Value(static_cast<int64_t>(std::stoll(until(';'))));
      case 'f': return Value(std::strtod(until(';').c_str(), nullptr));
      case 'c': {
        double re = value().to_double();
        double im = value().to_double();
        return Value(std::complex<double>(re, im));
      }
      case 's':
      case 'E': return Value(unhex(until(';')));
      case 'L': {
        TypePtr elem = ember::parse_type_string(until(';'));
        size_t n = std::stoul(until(';'));
        auto l = make_list(elem);
        for (size_t i = 0; i < n; ++i) l->items.push_back(value());
        return Value(l);
      }
      case 'D': {
        auto d = std::make_shared<Dict>();
        d->key_type = ember::parse_type_string(until(';'));
        d->value_type = ember::parse_type_string(until(';'));
        size_t n = std::stoul(until(';'));
        for (size_t i = 0; i < n; ++i) {
          Value k = value();
          d->set(k, value());
        }
        return Value(d);
      }
      case 'U': {
        size_t n = std::stoul(until(';'));
        std::vector<Value> items;
        for (size_t i = 0; i < n; ++i) items.push_back(value());
        return Value(make_tuple(std::move(items)));
      }
      default: throw std::runtime_error("bad fixture encoding at " + std::string(s_.substr(p_ - 1)));
    }
  }

 private:
  std::string until(char c) {
    size_t e = s_.find(c, p_);
    std::string out(s_.substr(p_, e - p_));
    p_ = e + 1;
    return out;
  }
  static std::string unhex(const std::string& h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
  }
  std::string_view s_;
  size_t p_ = 0;
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, '\t');) out.push_back(f);
  return out;
}

TEST(Builtins, MatchTorchScript) {
  std::ifstream in(ember::testing::fixture("ops/builtins.txt"));
  ASSERT_TRUE(in);
  const Registry& reg = Registry::global();
  size_t cases = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto f = split_tabs(line);
    ASSERT_EQ(f.size(), 5u) << line;
    const std::string& op = f[0];
    const std::string& overload = f[1];
    const std::string& expr = f[2];
    SCOPED_TRACE(expr + "  [" + f[3] + "]");
    ++cases;
    std::vector<Value> args;
    for (Decoder d(f[3]); !d.done();) args.push_back(d.value());
    const Value first = args.empty() ? Value() : args[0];

    // Resolution lands on the overload TorchScript picked.
    std::vector<TypePtr> types;
    for (const auto& a : args) types.push_back(a.type());
    std::string why;
    auto m = reg.resolve(op, types, {}, &why);
    ASSERT_TRUE(m) << why;
    EXPECT_EQ(m->op->schema.overload, overload) << m->op->schema.str();

    if (f[4][0] == 'E') {
      std::string msg = Decoder(f[4]).value().to_string();
      EXPECT_THROW(reg.call(op, args), Error) << "TorchScript: " << msg;
      continue;
    }
    Decoder d(f[4]);
    Value expected = d.value();
    std::vector<Value> got;
    try {
      got = reg.call(op, args);
    } catch (const Error& e) {
      ADD_FAILURE() << "ember failed: " << e.what();
      continue;
    }
    bool no_result = expected.is_none() || (expected.is_tuple() && expected.to_tuple()->items.empty());
    if (no_result && expr.find("] = ") != std::string::npos) {
      // `a[b] = c` is a statement; only its effect on `a` is compared.
    } else if (expected.is_tuple() && expected.to_tuple()->items.empty()) {
      EXPECT_TRUE(got.empty()) << "ember returned " << got.size() << " values";
    } else {
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].repr(), expected.repr());
      EXPECT_EQ(got[0].tag(), expected.tag()) << got[0].repr();
    }
    if (d.peek() != '-') {
      Value after = d.value();
      EXPECT_EQ(first.repr(), after.repr()) << "first argument after the call";
    }
  }
  EXPECT_GT(cases, 200u);
}

std::set<std::string> file_schemas() {
  std::ifstream in(ember::testing::fixture("schemas/schemas-torch.txt"));
  std::set<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(parse_schema(line).str());
  return out;
}

TEST(Builtins, RegisteredByTheirRealSchemas) {
  // Same names, overloads, argument names and defaults as PyTorch 1.13.
  Registry r;
  register_scalar_ops(r);
  register_list_ops(r);
  register_dict_ops(r);
  register_str_ops(r);
  register_meta_ops(r);
  auto known = file_schemas();
  ASSERT_GT(known.size(), 4000u);
  for (const Operator* op : r.all()) EXPECT_TRUE(known.count(op->schema.str())) << op->schema.str();
  EXPECT_GT(r.size(), 300u);
}

TEST(Builtins, GlobalRegistryBuilds) {
  const Registry& r = Registry::global();
  EXPECT_TRUE(r.find("aten::add", "int"));
  EXPECT_TRUE(r.find("aten::format", ""));
  EXPECT_EQ(&r, &Registry::global());
}

TEST(Builtins, TensorMetadata) {
  // Values as PyTorch reports them for torch.zeros(2, 3, dtype=torch.float64).
  Tensor t = Tensor::zeros(std::vector<int64_t>{2, 3}, DType::Float64);
  const Registry& r = Registry::global();
  EXPECT_EQ(r.call("aten::dim", {Value(t)})[0].to_int(), 2);
  EXPECT_EQ(r.call("aten::size", {Value(t)})[0].repr(), "[2, 3]");
  EXPECT_EQ(r.call("aten::size", {Value(t), Value(-1)})[0].to_int(), 3);
  EXPECT_THROW(r.call("aten::size", {Value(t), Value(2)}), Error);
  EXPECT_EQ(r.call("aten::numel", {Value(t)})[0].to_int(), 6);
  EXPECT_EQ(r.call("aten::len", {Value(t)})[0].to_int(), 2);
  EXPECT_EQ(r.call("prim::dtype", {Value(t)})[0].to_int(), 7);  // torch.float64
  EXPECT_EQ(r.call("prim::device", {Value(t)})[0].to_device().str(), "cpu");
  EXPECT_FALSE(r.call("prim::is_cuda", {Value(t)})[0].to_bool());
  EXPECT_THROW(r.call("aten::len", {Value(Tensor::scalar<double>(1.0))}), Error);

  // item / Int / Float / Bool / implicit conversions; NumToTensor dtypes as in PyTorch:
  // torch.ops.prim.NumToTensor(3).dtype == int64, (2.5) -> float64.
  EXPECT_EQ(r.call("aten::item", {Value(Tensor::scalar<float>(2.5f))})[0].repr(), "2.5");
  EXPECT_EQ(r.call("aten::item", {Value(Tensor::scalar<int32_t>(-4))})[0].repr(), "-4");
  EXPECT_EQ(r.call("aten::Int", {Value(Tensor::scalar<double>(-2.7))})[0].repr(), "-2");
  EXPECT_EQ(r.call("aten::Float", {Value(Tensor::scalar<int64_t>(3))})[0].repr(), "3.0");
  EXPECT_EQ(r.call("aten::Bool", {Value(Tensor::scalar<double>(0.0))})[0].repr(), "False");
  EXPECT_THROW(r.call("aten::Int", {Value(t)}), Error);  // 6 elements
  Tensor n = r.call("prim::NumToTensor", {Value(int64_t{3})})[0].to_tensor();
  EXPECT_EQ(n.dtype(), DType::Int64);
  EXPECT_EQ(n.dim(), 0);
  EXPECT_EQ(r.call("prim::NumToTensor", {Value(2.5)})[0].to_tensor().dtype(), DType::Float64);
  EXPECT_EQ(r.call("aten::IntImplicit", {Value(Tensor::scalar<int64_t>(9))})[0].to_int(), 9);
  EXPECT_THROW(r.call("aten::FloatImplicit", {Value(t)}), Error);  // not 0-dim

  // Implicit conversions applied by call(): a 0-dim tensor where an int is expected.
  EXPECT_EQ(r.call("aten::add", {Value(int64_t{2}), Value(Tensor::scalar<int64_t>(5))})[0].repr(), "7");
}

}  // namespace
}  // namespace ember::ops
