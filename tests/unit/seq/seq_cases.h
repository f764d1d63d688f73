// seq_cases.h — reads the cases tests/fixtures/gen_seq.py wrote (out/seq/cases.txt and one .npy
// per tensor), calls ops through a registry the way the interpreter does (defaults filled from the
// schema), and compares with PyTorch's outputs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../fixtures.h"
#include "archive/npy.h"
#include "ember/tensor.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::testing::seq {

struct Case {
  std::string name, kind;
  std::map<std::string, std::string> params;

  const std::string& str(const std::string& key) const {
    auto it = params.find(key);
    if (it == params.end()) {
      ADD_FAILURE() << name << ": no parameter " << key;
      static const std::string none = "none";
      return none;
    }
    return it->second;
  }
  bool is_none(const std::string& key) const { return str(key) == "none"; }
  int64_t i(const std::string& key) const { return std::stoll(str(key)); }
  double f(const std::string& key) const { return std::stod(str(key)); }
  bool b(const std::string& key) const { return str(key) == "1"; }
  Value opt_int(const std::string& key) const { return is_none(key) ? Value() : Value(i(key)); }

  std::string path(const std::string& role) const {
    const char* dir = std::getenv("EMBER_FIXTURES");
    return (std::filesystem::path(dir ? dir : "fixtures") / "seq" / (name + "." + role + ".npy"))
        .string();
  }
  bool has(const std::string& role) const { return std::filesystem::exists(path(role)); }
  Tensor tensor(const std::string& role) const {
    return archive::load_npy(fixture("seq/" + name + "." + role + ".npy"));
  }
  // The tensor as a Value, None when the case has no such tensor.
  Value opt(const std::string& role) const { return has(role) ? Value(tensor(role)) : Value(); }
};

// Every case of `kind` in cases.txt; fails the test when there are none.
inline std::vector<Case> load_cases(const std::string& kind) {
  std::vector<Case> out;
  std::ifstream in(fixture("seq/cases.txt"));
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    Case c;
    ss >> c.name >> c.kind;
    if (c.kind != kind) continue;
    std::string kv;
    while (ss >> kv) {
      const size_t eq = kv.find('=');
      c.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(c));
  }
  EXPECT_FALSE(out.empty()) << "no '" << kind << "' cases in seq/cases.txt";
  return out;
}

// fp32 tolerance from the task: max abs error <= 1e-4 * max(1, max|want|); NaN must match NaN;
// integers exact.
inline void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what;
  ASSERT_EQ(shape_string(got.sizes()), shape_string(want.sizes())) << what;
  ASSERT_EQ(dtype_name(got.dtype()), dtype_name(want.dtype())) << what;
  const int64_t n = want.numel();
  double max_want = 0, max_err = 0;
  int64_t worst = -1;
  for (int64_t i = 0; i < n; ++i) {
    const double w = want.at_double(i);
    if (!std::isnan(w)) max_want = std::max(max_want, std::abs(w));
  }
  for (int64_t i = 0; i < n; ++i) {
    const double g = got.at_double(i), w = want.at_double(i);
    const double err = (std::isnan(g) != std::isnan(w)) ? INFINITY : (std::isnan(w) ? 0 : std::abs(g - w));
    if (err > max_err) max_err = err, worst = i;
  }
  const double tol = is_floating(want.dtype()) ? 1e-4 * std::max(1.0, max_want) : 0.0;
  EXPECT_LE(max_err, tol) << what << ": worst element " << worst << " got "
                          << (worst >= 0 ? got.at_double(worst) : 0) << " want "
                          << (worst >= 0 ? want.at_double(worst) : 0);
}

// Calls ns::name.overload from `r` with `args` followed by the schema's defaults; checks that
// the kernel pushed as many values as the schema returns.
inline ops::Stack call(const ops::Registry& r, const std::string& name, const std::string& overload,
                       std::vector<Value> args) {
  const ops::Operator* op = r.find(name, overload);
  EXPECT_NE(op, nullptr) << name << "." << overload;
  if (!op) return {};
  const auto& params = op->schema.arguments;
  EXPECT_LE(args.size(), params.size()) << name;
  for (size_t i = args.size(); i < params.size(); ++i) {
    EXPECT_TRUE(params[i].default_value.has_value()) << name << ": no default for " << params[i].name;
    args.push_back(params[i].default_value.value_or(Value()));
  }
  ops::Stack s = std::move(args);
  op->kernel(s);
  EXPECT_EQ(s.size(), op->schema.returns.size()) << name;
  return s;
}

inline Value tensors(std::vector<Tensor> ts) { return ops::to_value(std::move(ts)); }

}  // namespace ember::testing::seq
