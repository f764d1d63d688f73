// seq_cases.h — reads the cases tests/fixtures/gen_seq.py wrote (out/seq/cases.txt and one .npy
// per tensor; reader and comparison from tests/unit/npy_cases.h), calls ops through a registry
// the way the interpreter does (defaults filled from the schema), and compares with PyTorch's
// outputs.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../npy_cases.h"
#include "ember/tensor.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::testing::seq {

struct Case : NpyCase {
  Value opt_int(const std::string& key) const { return is_none(key) ? Value() : Value(i(key)); }
  bool has(const std::string& role) const { return has_tensor(role); }
  // The tensor as a Value, None when the case has no such tensor.
  Value opt(const std::string& role) const { return has(role) ? Value(tensor(role)) : Value(); }
};

// Every case of `kind` in seq/cases.txt; fails the test when there are none.
inline std::vector<Case> load_cases(const std::string& kind) { return load_npy_cases<Case>("seq", kind); }

using ember::testing::expect_close;

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
