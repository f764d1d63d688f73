// case_file.h — reads the .cases files tests/fixtures/gen_lang.py writes: inputs for a saved
// TorchScript program and what PyTorch returned (or the error it raised), exactly.
#pragma once

#include <string>
#include <vector>

#include "ember/value.h"

namespace ember::testing {

struct LangCase {
  std::string label;
  std::vector<Value> inputs;
  bool raises = false;
  Value expected;         // when !raises
  std::string error;      // when raises: a fragment PyTorch's message had
};

std::vector<LangCase> read_cases(const std::string& path);

// Compares with PyTorch's result: exact for scalars, strings and structure (including the
// NamedTuple name and dict order); tensors by dtype, shape and values (floats to 1e-5 relative).
// Returns an empty string when equal, else what differs and where.
std::string compare_values(const Value& got, const Value& want, const std::string& where = "result");

}  // namespace ember::testing
