// npy_cases.h — reads the `<name> <kind> key=value ...` case lists that tests/fixtures/gen_nn.py
// and gen_seq.py write (out/<area>/cases.txt, one .npy file per tensor of a case, written by
// tests/fixtures/case_writer.py's NpyCases) and compares kernel outputs with PyTorch's.
// tests/unit/nn/nn_cases.h and tests/unit/seq/seq_cases.h add their areas' accessors on top.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "archive/npy.h"
#include "ember/tensor.h"

namespace ember::testing {

struct NpyCase {
  std::string area, name, kind;
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

  // Where the tensor would be; unlike fixture(), a missing file is not a failure.
  std::string path(const std::string& role) const {
    const char* dir = std::getenv("EMBER_FIXTURES");
    return (std::filesystem::path(dir ? dir : "fixtures") / area / (name + "." + role + ".npy")).string();
  }
  bool has_tensor(const std::string& role) const { return std::filesystem::exists(path(role)); }
  Tensor tensor(const std::string& role) const {
    return archive::load_npy(fixture(area + "/" + name + "." + role + ".npy"));
  }
};

// Every case of `kind` in <area>/cases.txt; fails the test when there are none.
template <class C>
std::vector<C> load_npy_cases(const std::string& area, const std::string& kind) {
  std::vector<C> out;
  std::ifstream in(fixture(area + "/cases.txt"));
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    C c;
    c.area = area;
    ss >> c.name >> c.kind;
    if (c.kind != kind) continue;
    std::string kv;
    while (ss >> kv) {
      const size_t eq = kv.find('=');
      c.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(c));
  }
  EXPECT_FALSE(out.empty()) << "no '" << kind << "' cases in " << area << "/cases.txt";
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

}  // namespace ember::testing
