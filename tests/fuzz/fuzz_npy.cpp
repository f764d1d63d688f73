// fuzz_npy.cpp — .npy files, as `ember run -i` reads them.
#include "archive/npy.h"
#include "fuzz_util.h"

EMBER_FUZZ_STRUCTURED_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ember::fuzz::scratch_file(data, size, ".npy");
  try {
    ember::Tensor t = ember::archive::load_npy(path);
    (void)t.summary();
  } catch (const ember::Error&) {
  }
  return 0;
}
