// opt_cases.h — the cases tests/fixtures/gen_opt.py records in opt/cases.txt: a model saved
// scripted and traced, its inputs (<name>.in_<i>.npy) and PyTorch's output of each consecutive
// call (<name>.out_<k>.npy). The passes' tests and the device tests both replay them.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "fixtures.h"

namespace ember::testing {

struct OptCase {
  std::string name;
  int inputs = 0, calls = 0;
};

inline std::vector<OptCase> opt_cases() {
  std::vector<OptCase> out;
  std::ifstream in(fixture("opt/cases.txt"));
  for (OptCase c; in >> c.name >> c.inputs >> c.calls;) out.push_back(c);
  EXPECT_GE(out.size(), 20u) << "too few cases in opt/cases.txt";
  return out;
}

// opt/<name><suffix>, e.g. opt_file("resblock_traced", ".in_0.npy").
inline std::string opt_file(const std::string& name, const std::string& suffix) {
  return fixture("opt/" + name + suffix);
}

}  // namespace ember::testing
