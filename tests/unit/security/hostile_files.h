// hostile_files.h — builds hostile archives, pickles and torch.save files inside a test, so that no
// bomb is committed: a stored-only zip writer, pickle opcodes and a one-class TorchScript module.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ember::testing {

inline uint32_t crc32_of(const std::string& s) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

inline void put16(std::string& o, uint32_t v) {
  o += static_cast<char>(v & 0xff);
  o += static_cast<char>((v >> 8) & 0xff);
}
inline void put32(std::string& o, uint32_t v) {
  put16(o, v & 0xffff);
  put16(o, v >> 16);
}

struct ZipItem {
  std::string name;
  std::string data;  // the bytes as stored in the file (deflated when method is 8)
  uint16_t method = 0;
  uint32_t uncompressed_size = 0;  // method 8: what the header claims
  uint32_t crc = 0;                // method 8: the CRC-32 of the inflated bytes
};

// A zip of stored (uncompressed) entries, each at a 64-byte aligned offset as PyTorch writes them.
inline std::string zip_of(const std::vector<ZipItem>& items) {
  std::string out, cd;
  for (const auto& it : items) {
    const bool stored = it.method == 0;
    const uint32_t crc = stored ? crc32_of(it.data) : it.crc;
    const uint32_t usize = stored ? static_cast<uint32_t>(it.data.size()) : it.uncompressed_size;
    // Pad with an extra field so the data starts 64-byte aligned.
    size_t header_end = out.size() + 30 + it.name.size();
    size_t pad = (64 - (header_end + 4) % 64) % 64;
    const uint32_t offset = static_cast<uint32_t>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);
    put16(out, it.method);
    put32(out, 0);
    put32(out, crc);
    put32(out, static_cast<uint32_t>(it.data.size()));
    put32(out, usize);
    put16(out, static_cast<uint32_t>(it.name.size()));
    put16(out, static_cast<uint32_t>(pad + 4));
    out += it.name;
    put16(out, 0xcafe);
    put16(out, static_cast<uint32_t>(pad));
    out.append(pad, '\0');
    out += it.data;
    put32(cd, 0x02014b50);
    put16(cd, 20);
    put16(cd, 20);
    put16(cd, 0);
    put16(cd, it.method);
    put32(cd, 0);
    put32(cd, crc);
    put32(cd, static_cast<uint32_t>(it.data.size()));
    put32(cd, usize);
    put16(cd, static_cast<uint32_t>(it.name.size()));
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, offset);
    cd += it.name;
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += cd;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint32_t>(items.size()));
  put16(out, static_cast<uint32_t>(items.size()));
  put32(out, static_cast<uint32_t>(cd.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

// Pickle protocol 2 pieces.
namespace pk {
inline std::string proto() { return std::string("\x80\x02", 2); }
inline std::string global(const std::string& mod, const std::string& name) { return "c" + mod + "\n" + name + "\n"; }
inline std::string str(const std::string& s) {
  std::string o = "X";
  put32(o, static_cast<uint32_t>(s.size()));
  return o + s;
}
inline std::string integer(int32_t v) {
  std::string o = "J";
  put32(o, static_cast<uint32_t>(v));
  return o;
}
inline std::string binput(uint8_t i) { return std::string("q") + static_cast<char>(i); }
inline std::string binget(uint8_t i) { return std::string("h") + static_cast<char>(i); }
// A tuple nested `depth` levels deep: ((((),),),)...
inline std::string deep_tuple(size_t depth) {
  std::string o = ")";
  o.append(depth, '\x85');
  return o;
}
// `__torch__.M` with {'training': False} and any extra state items (already pickled key/value
// pairs) as its attributes.
inline std::string module_object(const std::string& items = "") {
  return global("__torch__", "M") + ")\x81}(" + str("training") + "\x89" + items + "ub";
}
inline std::string stop() { return "."; }
}  // namespace pk

inline std::string class_source(const std::string& attrs, const std::string& methods) {
  return "class M(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n" + attrs + methods;
}

inline std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ember_security_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

inline std::string write_bytes(const std::string& name, const std::string& bytes) {
  std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// A TorchScript archive: code/__torch__.py holds `code`, data.pkl `data_pkl` (by default one M
// object), plus any other entries (names relative to the archive's top folder).
inline std::string module_archive(const std::string& name, const std::string& code,
                                  const std::string& data_pkl = pk::proto() + pk::module_object() + pk::stop(),
                                  std::vector<ZipItem> extra = {}) {
  std::vector<ZipItem> items{{"m/data.pkl", data_pkl}, {"m/code/__torch__.py", code}, {"m/version", "3\n"}};
  for (auto& e : extra) {
    e.name = "m/" + e.name;
    items.push_back(std::move(e));
  }
  return write_bytes(name, zip_of(items));
}

}  // namespace ember::testing
