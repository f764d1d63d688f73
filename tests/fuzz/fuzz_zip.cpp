// fuzz_zip.cpp — the zip reader: index, then read every entry as bytes and as a storage.
#include "archive/zip_reader.h"
#include "fuzz_util.h"

EMBER_FUZZ_STRUCTURED_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ember::fuzz::scratch_file(data, size, ".zip");
  try {
    ember::archive::ZipReader zip(path);
    zip.set_inflate_limit(uint64_t{64} << 20);
    for (const auto& e : zip.entries()) {
      try {
        (void)zip.read(e);
        (void)zip.storage(e, 4);
      } catch (const ember::Error&) {
      }
    }
  } catch (const ember::Error&) {
  }
  return 0;
}
