// npy.cpp — the .npy header dictionary and the data that follows it.
#include "archive/npy.h"

#include <charconv>
#include <cstring>
#include <fstream>

#include "archive/zip_reader.h"

namespace ember::archive {

namespace {

struct NpyType {
  const char* descr;  // without the byte-order character
  DType dtype;
};
constexpr NpyType kTypes[] = {
    {"b1", DType::Bool},    {"u1", DType::UInt8},   {"i1", DType::Int8},      {"i2", DType::Int16},
    {"i4", DType::Int32},   {"i8", DType::Int64},   {"f2", DType::Float16},   {"f4", DType::Float32},
    {"f8", DType::Float64}, {"c8", DType::Complex64}, {"c16", DType::Complex128},
};

// A tiny reader for the Python dict literal in the header.
struct HeaderParser {
  std::string_view s;
  const std::string& path;
  size_t pos = 0;

  [[noreturn]] void bad(const std::string& why) const {
    fail(path, ": invalid .npy header: ", why);
  }
  void space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\t')) ++pos;
  }
  bool eat(char c) {
    space();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) bad(std::string("expected '") + c + "'");
  }
  std::string str() {
    space();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"')) bad("expected a string");
    const char q = s[pos++];
    size_t end = s.find(q, pos);
    if (end == std::string_view::npos) bad("unterminated string");
    std::string out(s.substr(pos, end - pos));
    pos = end + 1;
    return out;
  }
  bool boolean() {
    space();
    if (s.substr(pos, 4) == "True") {
      pos += 4;
      return true;
    }
    if (s.substr(pos, 5) == "False") {
      pos += 5;
      return false;
    }
    bad("expected True or False");
  }
  int64_t integer() {
    space();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), v);
    if (ec != std::errc() || v < 0) bad("expected a non-negative dimension");
    pos = static_cast<size_t>(p - s.data());
    if (pos < s.size() && s[pos] == 'L') ++pos;
    return v;
  }
  Shape shape() {
    Shape out;
    expect('(');
    if (eat(')')) return out;
    while (true) {
      out.push_back(integer());
      if (out.size() > 64) bad("too many dimensions");
      if (eat(')')) return out;
      expect(',');
      if (eat(')')) return out;
    }
  }
};

}  // namespace

Tensor load_npy(const std::string& path) {
  auto file = MappedFile::open(path);
  const uint8_t* p = file->data();
  const size_t size = file->size();
  if (size < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) fail(path, ": not a .npy file");
  const int major = p[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<size_t>(p[8] | (p[9] << 8));
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(path, ": truncated .npy header");
    header_len = static_cast<size_t>(p[8]) | (static_cast<size_t>(p[9]) << 8) |
                 (static_cast<size_t>(p[10]) << 16) | (static_cast<size_t>(p[11]) << 24);
    header_start = 12;
  } else {
    fail(path, ": unsupported .npy format version ", major, ".", static_cast<int>(p[7]));
  }
  if (header_len > size - header_start) fail(path, ": truncated .npy header");
  HeaderParser h{std::string_view(reinterpret_cast<const char*>(p + header_start), header_len), path};

  std::string descr;
  bool fortran = false, have_descr = false, have_order = false, have_shape = false;
  Shape shape;
  h.expect('{');
  while (!h.eat('}')) {
    std::string key = h.str();
    h.expect(':');
    if (key == "descr") {
      descr = h.str();
      have_descr = true;
    } else if (key == "fortran_order") {
      fortran = h.boolean();
      have_order = true;
    } else if (key == "shape") {
      shape = h.shape();
      have_shape = true;
    } else {
      h.bad("unexpected key '" + key + "'");
    }
    if (!h.eat(',')) {
      h.expect('}');
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) h.bad("missing descr, fortran_order or shape");

  if (descr.size() < 3) fail(path, ": unsupported .npy dtype '", descr, "'");
  const char order = descr[0];
  const std::string code = descr.substr(1);
  const NpyType* type = nullptr;
  for (const auto& t : kTypes)
    if (code == t.descr) type = &t;
  if (!type) fail(path, ": unsupported .npy dtype '", descr, "'");
  const size_t esize = element_size(type->dtype);
  if (order == '>' && esize > 1) fail(path, ": big-endian .npy data ('", descr, "') is not supported");
  if (order != '<' && order != '|' && order != '=' && !(order == '>' && esize == 1))
    fail(path, ": unsupported .npy dtype '", descr, "'");

  int64_t numel = 0;
  uint64_t need = 0;
  try {
    numel = checked_numel(shape);
    need = checked_nbytes(numel, type->dtype);
  } catch (const Error&) {
    fail(path, ": .npy shape ", shape_string(shape), " overflows");
  }
  const size_t data_start = header_start + header_len;
  if (need > size - data_start)
    fail(path, ": truncated .npy data: shape ", shape_string(shape), " of ", descr, " needs ", need,
         " bytes but the file holds ", size - data_start);
  auto storage = Storage::allocate(static_cast<size_t>(need));
  if (need) std::memcpy(storage->data(), p + data_start, static_cast<size_t>(need));
  if (type->dtype == DType::Bool)  // any byte but 0/1 in a C++ bool is undefined behaviour
    for (auto* b = static_cast<uint8_t*>(storage->data()), *e = b + need; b != e; ++b) *b = *b != 0;

  Shape strides(shape.size());
  if (fortran) {
    int64_t st = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      strides[i] = st;
      st *= std::max<int64_t>(shape[i], 1);
    }
  } else {
    strides = contiguous_strides(shape);
  }
  return Tensor::from_storage(std::move(storage), type->dtype, std::move(shape), std::move(strides), 0);
}

void save_npy(const std::string& path, const Tensor& t) {
  const char* code = nullptr;
  for (const auto& nt : kTypes)
    if (nt.dtype == t.dtype()) code = nt.descr;
  if (!code) fail(path, ": ", dtype_name(t.dtype()), " has no .npy dtype");
  const char order = t.element_size() == 1 ? '|' : '<';
  std::string dict = std::string("{'descr': '") + order + code + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.sizes().size(); ++i) dict += (i ? ", " : "") + std::to_string(t.sizes()[i]);
  if (t.sizes().size() == 1) dict += ",";  // Python's one-element tuple
  dict += "), }";
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with a newline.
  const bool v2 = dict.size() + 12 + 64 > 65535;
  const size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + dict.size() + 1;
  total = (total + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::string head("\x93NUMPY", 6);
  head += static_cast<char>(v2 ? 2 : 1);
  head += '\0';
  const size_t n = dict.size();
  head += static_cast<char>(n & 0xff);
  head += static_cast<char>((n >> 8) & 0xff);
  if (v2) {
    head += static_cast<char>((n >> 16) & 0xff);
    head += static_cast<char>((n >> 24) & 0xff);
  }
  Tensor c = t.contiguous();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(path, ": cannot open for writing");
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  out.write(static_cast<const char*>(c.raw_data()), static_cast<std::streamsize>(c.nbytes()));
  if (!out) fail(path, ": write failed");
}

}  // namespace ember::archive
