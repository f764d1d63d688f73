// fuzz_archive.cpp — a whole archive: check, load, and one run of every root method whose
// arguments it can make (tensors, ints, floats, bools), under a short deadline.
#include <chrono>

#include "ember/ember.h"
#include "fuzz_util.h"
#include "ir/function.h"

EMBER_FUZZ_STRUCTURED_MUTATOR

namespace {

bool make_argument(const ember::TypePtr& t, std::vector<ember::Value>& args) {
  switch (t->kind) {
    case ember::TypeKind::Tensor:
      args.push_back(ember::Value(ember::Tensor::empty({2, 3}, ember::DType::Float32)));
      return true;
    case ember::TypeKind::Int: args.push_back(ember::Value(int64_t{2})); return true;
    case ember::TypeKind::Float: args.push_back(ember::Value(0.5)); return true;
    case ember::TypeKind::Bool: args.push_back(ember::Value(true)); return true;
    case ember::TypeKind::Optional: args.push_back(ember::Value()); return true;
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      ember::fuzz::scratch_file(nullptr, 0, ".pt");  // the name; contents below
  const std::string zip = ember::testing::zip_of(ember::fuzz::decode_entries(data, size));
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(zip.data(), static_cast<std::streamsize>(zip.size()));
  try {
    (void)ember::check(path);
  } catch (const ember::Error&) {
  }
  ember::LoadOptions options;
  options.max_inflated_bytes = uint64_t{64} << 20;
  options.max_pickle_items = 1 << 20;
  try {
    ember::Module m = ember::load(path, options);
    const auto& cls = m.root().to_object()->type;
    for (const auto& [name, fn] : cls->methods) {
      if (name.rfind("__", 0) == 0) continue;  // __setstate__ and friends ran at load
      std::vector<ember::Value> args;
      bool ok = true;
      for (size_t i = 1; i < fn->params.size() && ok; ++i) ok = make_argument(fn->params[i].type, args);
      if (!ok) continue;
      try {
        ember::Deadline limit(std::chrono::milliseconds(200));
        (void)m.run_method(name, std::move(args));
      } catch (const ember::Error&) {
      }
    }
  } catch (const ember::Error&) {
  }
  return 0;
}
