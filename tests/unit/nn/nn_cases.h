// nn_cases.h — reads the cases tests/fixtures/gen_nn.py wrote (out/nn/cases.txt and one .npy
// file per tensor) and compares kernel outputs with PyTorch's.
//
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "archive/npy.h"
#include "ember/tensor.h"
#include "../fixtures.h"

namespace ember::testing::nn {

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
  std::optional<int64_t> opt_i(const std::string& key) const {
    if (is_none(key)) return std::nullopt;
    return i(key);
  }
  Shape ints(const std::string& key) const {
    Shape out;
    const std::string& s = str(key);
    if (s == "[]") return out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(std::stoll(item));
    return out;
  }
  std::vector<double> floats(const std::string& key) const {
    std::vector<double> out;
    std::stringstream ss(str(key));
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(std::stod(item));
    return out;
  }

  std::string path(const std::string& role) const {
    return (std::filesystem::path(std::getenv("EMBER_FIXTURES") ? std::getenv("EMBER_FIXTURES")
                                                                 : "fixtures") /
            "nn" / (name + "." + role + ".npy"))
        .string();
  }
  bool has_tensor(const std::string& role) const { return std::filesystem::exists(path(role)); }
  Tensor tensor(const std::string& role) const {
    return archive::load_npy(fixture("nn/" + name + "." + role + ".npy"));
  }
  std::optional<Tensor> opt_tensor(const std::string& role) const {
    if (!has_tensor(role)) return std::nullopt;
    return tensor(role);
  }
  // The logical input: a transposed view over the stored array when t_input=1.
  Tensor input() const {
    Tensor t = tensor("input");
    if (params.count("t_input") == 0 || !b("t_input")) return t;
    Shape sizes = t.sizes(), strides = t.strides();
    const size_t n = sizes.size();
    std::swap(sizes[n - 1], sizes[n - 2]);
    std::swap(strides[n - 1], strides[n - 2]);
    Tensor v = t.as_strided(sizes, strides, t.offset());
    EXPECT_FALSE(v.is_contiguous()) << name;
    return v;
  }
};

// Every case of `kind` in cases.txt; fails the test when there are none.
inline std::vector<Case> load_cases(const std::string& kind) {
  std::vector<Case> out;
  std::ifstream in(fixture("nn/cases.txt"));
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    Case c;
    ss >> c.name >> c.kind;
    if (c.kind != kind) continue;
    std::string kv;
    while (ss >> kv) {
      size_t eq = kv.find('=');
      c.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(c));
  }
  EXPECT_FALSE(out.empty()) << "no '" << kind << "' cases in nn/cases.txt";
  return out;
}

// fp32 tolerance from the task: max abs error <= 1e-4 * max(1, max|want|); integers exact.
inline void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what;
  ASSERT_EQ(shape_string(got.sizes()), shape_string(want.sizes())) << what;
  ASSERT_EQ(dtype_name(got.dtype()), dtype_name(want.dtype())) << what;
  const int64_t n = want.numel();
  double max_want = 0, max_err = 0;
  int64_t worst = -1;
  for (int64_t i = 0; i < n; ++i) max_want = std::max(max_want, std::abs(want.at_double(i)));
  for (int64_t i = 0; i < n; ++i) {
    const double g = got.at_double(i), w = want.at_double(i);
    const double err = (std::isnan(g) != std::isnan(w)) ? INFINITY : (std::isnan(w) ? 0 : std::abs(g - w));
    if (err > max_err || (worst < 0 && err > 0)) max_err = err, worst = i;
  }
  const double tol = is_floating(want.dtype()) ? 1e-4 * std::max(1.0, max_want) : 0.0;
  EXPECT_LE(max_err, tol) << what << ": worst element " << worst << " got "
                          << (worst >= 0 ? got.at_double(worst) : 0) << " want "
                          << (worst >= 0 ? want.at_double(worst) : 0);
}

// Compares f() with `want`, reporting an ember::Error from f as a failure of this case only.
template <class F>
void expect_close_to(F&& f, const Tensor& want, const std::string& what) {
  try {
    expect_close(f(), want, what);
  } catch (const Error& e) {
    ADD_FAILURE() << what << ": " << e.what();
  }
}

}  // namespace ember::testing::nn
