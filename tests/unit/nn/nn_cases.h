// nn_cases.h — reads the cases tests/fixtures/gen_nn.py wrote (out/nn/cases.txt and one .npy
// file per tensor) and compares kernel outputs with PyTorch's; the reader and comparison are
// tests/unit/npy_cases.h's, this adds nn's parameter and input accessors.
//
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../npy_cases.h"
#include "ember/tensor.h"

namespace ember::testing::nn {

struct Case : NpyCase {
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

// Every case of `kind` in nn/cases.txt; fails the test when there are none.
inline std::vector<Case> load_cases(const std::string& kind) { return load_npy_cases<Case>("nn", kind); }

using ember::testing::expect_close;

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
