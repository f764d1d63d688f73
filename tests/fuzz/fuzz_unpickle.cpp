// fuzz_unpickle.cpp — the unpickler with tensors and TorchScript classes allowed, as data.pkl is
// read.
#include <map>

#include "archive/unpickler.h"
#include "fuzz_util.h"

EMBER_FUZZ_STRUCTURED_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, ember::ClassTypePtr> classes;
  ember::archive::UnpickleContext ctx;
  ctx.label = "fuzz.pkl";
  ctx.storage_dir = "data/";
  ctx.max_items = 1 << 20;
  ctx.load_storage = [](const std::string&, ember::DType) { return ember::Storage::allocate(256); };
  ctx.resolve_class = [&](const std::string& q) {
    auto& c = classes[q];
    if (!c) {
      c = std::make_shared<ember::ClassType>();
      c->qualname = q;
    }
    return c;
  };
  try {
    ember::Value v = ember::archive::unpickle({data, size}, ctx);
    (void)v.repr();
  } catch (const ember::Error&) {
  }
  return 0;
}
