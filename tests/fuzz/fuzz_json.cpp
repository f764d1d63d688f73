// fuzz_json.cpp — the model.json of PyTorch 1.0-1.2 archives, through the bounded JSON reader
// (the archive target reaches the rest of the model.json loader).
#include <string_view>

#include "archive/json.h"
#include "ember/error.h"
#include "fuzz_util.h"

EMBER_FUZZ_STRUCTURED_MUTATOR

namespace {

size_t count(const ember::archive::Json& j) {
  size_t n = 1;
  for (const auto& x : j.items) n += count(x);
  for (const auto& [k, x] : j.members) n += count(x) + k.size();
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto j = ember::archive::parse_json(std::string_view(reinterpret_cast<const char*>(data), size), "model.json");
    (void)count(j);
  } catch (const ember::Error&) {
  }
  return 0;
}
