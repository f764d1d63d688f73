// zip_reader.cpp — zip/ZIP64 central directory parsing, local header checks, inflate.
#include "archive/zip_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace ember::archive {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
// Deflate cannot expand data by more than about 1032:1; a larger claim is a corrupt header.
constexpr uint64_t kMaxDeflateRatio = 1100;

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t rd64(const uint8_t* p) { return rd32(p) | (static_cast<uint64_t>(rd32(p + 4)) << 32); }

}  // namespace

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; anything but a regular
  // file is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) fail(path, ": cannot open: ", std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fail(path, ": cannot stat: ", std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, ": not a regular file");
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* p = mmap(nullptr, f->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      fail(path, ": cannot map ", f->size_, " bytes: ", std::strerror(err));
    }
    f->data_ = static_cast<uint8_t*>(p);
  }
  ::close(fd);
  return f;
}

MappedFile::~MappedFile() {
  if (data_) munmap(data_, size_);
}

ZipReader::ZipReader(const std::string& path) : path_(path), file_(MappedFile::open(path)) {
  index();
}

void ZipReader::bad(const std::string& what) const { fail(path_, ": ", what); }

void ZipReader::index() {
  const uint8_t* base = file_->data();
  const uint64_t size = file_->size();
  if (size < 4 || rd32(base) != kLocalHeaderSig) {
    if (size >= kEndSize && rd32(base) == kEndSig) bad("empty zip archive");
    // _save_for_lite_interpreter(..., _use_flatbuffer=True) writes a FlatBuffer tagged "PTMF".
    if (size >= 8 && std::memcmp(base + 4, "PTMF", 4) == 0)
      bad("a FlatBuffer lite-interpreter file (mobile bytecode only, no TorchScript source); ember runs zip "
          "archives with code/: save the model with torch.jit.save (a .pt file) to run it here");
    bad("not a zip archive");
  }
  if (size < kEndSize) bad("truncated zip: no end of central directory record");

  // The end record sits in the last 22 + 65535 (comment) bytes; search backwards.
  uint64_t end_pos = std::numeric_limits<uint64_t>::max();
  const uint64_t lowest = size > kEndSize + 0xffff ? size - kEndSize - 0xffff : 0;
  for (uint64_t pos = size - kEndSize + 1; pos-- > lowest;) {
    if (rd32(base + pos) == kEndSig && pos + kEndSize + rd16(base + pos + 20) <= size) {
      end_pos = pos;
      break;
    }
  }
  if (end_pos == std::numeric_limits<uint64_t>::max())
    bad("truncated zip: no end of central directory record");
  const uint8_t* end = base + end_pos;
  if (rd16(end + 4) != 0 || rd16(end + 6) != 0) bad("multi-disk zip archives are not supported");
  uint64_t count = rd16(end + 10);
  uint64_t cd_size = rd32(end + 12);
  uint64_t cd_offset = rd32(end + 16);
  uint64_t cd_limit = end_pos;  // the directory must end before the record that describes it

  if (end_pos >= kZip64LocatorSize && rd32(end - kZip64LocatorSize) == kZip64LocatorSig) {
    const uint8_t* loc = end - kZip64LocatorSize;
    uint64_t z64_pos = rd64(loc + 8);
    if (z64_pos > end_pos - kZip64LocatorSize || end_pos - kZip64LocatorSize - z64_pos < kZip64EndSize)
      bad("corrupt zip: ZIP64 end of central directory record lies outside the file");
    const uint8_t* z64 = base + z64_pos;
    if (rd32(z64) != kZip64EndSig) bad("corrupt zip: bad ZIP64 end of central directory signature");
    count = rd64(z64 + 32);
    cd_size = rd64(z64 + 40);
    cd_offset = rd64(z64 + 48);
    cd_limit = z64_pos;
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) {
    if (cd_offset <= size && cd_size <= size - cd_offset)
      bad("corrupt zip: central directory overlaps its end record");
    bad("truncated zip: central directory ends past end of file");
  }
  if (count > cd_size / kCentralHeaderSize)
    bad("corrupt zip: " + std::to_string(count) + " entries cannot fit in a central directory of " +
        std::to_string(cd_size) + " bytes");

  entries_.reserve(static_cast<size_t>(count));
  uint64_t pos = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (cd_end - pos < kCentralHeaderSize) bad("corrupt zip: central directory entry runs past its end");
    const uint8_t* h = base + pos;
    if (rd32(h) != kCentralHeaderSig)
      bad("corrupt zip: bad central directory entry signature at offset " + std::to_string(pos));
    const uint16_t flags = rd16(h + 8);
    ZipEntry e;
    e.method = rd16(h + 10);
    e.crc32 = rd32(h + 16);
    e.compressed_size = rd32(h + 20);
    e.uncompressed_size = rd32(h + 24);
    const uint64_t name_len = rd16(h + 28), extra_len = rd16(h + 30), comment_len = rd16(h + 32);
    uint64_t local_offset = rd32(h + 42);
    if (cd_end - pos - kCentralHeaderSize < name_len + extra_len + comment_len)
      bad("corrupt zip: central directory entry runs past its end");
    e.name.assign(reinterpret_cast<const char*>(h + kCentralHeaderSize), static_cast<size_t>(name_len));
    if (flags & 1) bad("encrypted zip entry '" + e.name + "' is not supported");

    // ZIP64 extended information: present fields replace the 0xffffffff placeholders, in order.
    const uint8_t* x = h + kCentralHeaderSize + name_len;
    const uint8_t* x_end = x + extra_len;
    while (x_end - x >= 4) {
      const uint16_t id = rd16(x), len = rd16(x + 2);
      if (static_cast<uint64_t>(x_end - x - 4) < len) bad("corrupt zip: extra field of '" + e.name + "' runs past its end");
      if (id == 0x0001) {
        const uint8_t* f = x + 4;
        const uint8_t* f_end = f + len;
        auto take = [&](uint64_t& field) {
          if (field != 0xffffffffu) return;
          if (f_end - f < 8) bad("corrupt zip: short ZIP64 extra field for '" + e.name + "'");
          field = rd64(f);
          f += 8;
        };
        take(e.uncompressed_size);
        take(e.compressed_size);
        take(local_offset);
      }
      x += 4 + len;
    }

    // The local header must agree with the directory and the data must lie before the directory.
    if (local_offset > cd_offset || cd_offset - local_offset < kLocalHeaderSize)
      bad("corrupt zip: local header of '" + e.name + "' lies outside the file");
    const uint8_t* l = base + local_offset;
    if (rd32(l) != kLocalHeaderSig) bad("corrupt zip: bad local header signature for '" + e.name + "'");
    const uint64_t l_name_len = rd16(l + 26), l_extra_len = rd16(l + 28);
    if (cd_offset - local_offset - kLocalHeaderSize < l_name_len + l_extra_len)
      bad("corrupt zip: local header of '" + e.name + "' runs past the data area");
    if (l_name_len != name_len || std::memcmp(l + kLocalHeaderSize, e.name.data(), name_len) != 0)
      bad("corrupt zip: local header name does not match central directory entry '" + e.name + "'");
    if (rd16(l + 8) != e.method)
      bad("corrupt zip: local header of '" + e.name + "' disagrees on the compression method");
    e.data_offset = local_offset + kLocalHeaderSize + l_name_len + l_extra_len;
    if (e.compressed_size > cd_offset - e.data_offset)
      bad("truncated zip: data of '" + e.name + "' (" + std::to_string(e.compressed_size) +
          " bytes) runs past the data area");
    if (e.method == 0 && e.compressed_size != e.uncompressed_size)
      bad("corrupt zip: stored entry '" + e.name + "' has different compressed and uncompressed sizes");
    if (e.method == 8 && e.uncompressed_size > e.compressed_size * kMaxDeflateRatio + 64)
      bad("corrupt zip: deflated entry '" + e.name + "' claims an impossible size of " +
          std::to_string(e.uncompressed_size) + " bytes");

    if (i == 0) {
      size_t slash = e.name.find('/');
      prefix_ = slash == std::string::npos ? "" : e.name.substr(0, slash + 1);
    }
    by_name_.emplace(e.name, entries_.size());
    entries_.push_back(std::move(e));
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
}

const ZipEntry* ZipReader::find(std::string_view rel) const {
  std::string full = prefix_;
  full += rel;
  auto it = by_name_.find(full);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

std::string ZipReader::relative_name(const ZipEntry& e) const {
  if (e.name.compare(0, prefix_.size(), prefix_) == 0) return e.name.substr(prefix_.size());
  return e.name;
}

void ZipReader::charge_inflate(const ZipEntry& e) const {
  // Checked against the header's claim before anything is allocated; the stream must then
  // inflate to exactly that size.
  const uint64_t before = inflated_.fetch_add(e.uncompressed_size);
  if (before + e.uncompressed_size > inflate_limit_)
    bad("deflated entries inflate to more than " + std::to_string(inflate_limit_) + " bytes in all (at '" + e.name +
        "', which claims " + std::to_string(e.uncompressed_size) + "); LoadOptions::max_inflated_bytes raises the limit");
}

void ZipReader::inflate_chunks(const ZipEntry& e, const std::function<void(const uint8_t*, size_t)>& sink) const {
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) bad("cannot initialise zlib");
  const uint8_t* in = file_->data() + e.data_offset;
  uint64_t in_left = e.compressed_size, out_left = e.uncompressed_size;
  std::vector<uint8_t> chunk(size_t{1} << 16);
  int rc = Z_OK;
  // Output goes through a small buffer: memory grows with the bytes that really arrive, not with
  // the size the header claims.
  while (true) {
    const uInt in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
    const uInt out_chunk = static_cast<uInt>(std::min<uint64_t>(out_left, chunk.size()));
    zs.next_in = const_cast<Bytef*>(in);
    zs.avail_in = in_chunk;
    zs.next_out = chunk.data();
    zs.avail_out = out_chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    const uInt used_in = in_chunk - zs.avail_in, used_out = out_chunk - zs.avail_out;
    in += used_in;
    in_left -= used_in;
    out_left -= used_out;
    if (used_out) {
      try {
        sink(chunk.data(), used_out);
      } catch (...) {
        inflateEnd(&zs);
        throw;
      }
    }
    if (rc == Z_STREAM_END || rc != Z_OK) break;
    if (used_in == 0 && used_out == 0) {
      rc = Z_BUF_ERROR;
      break;
    }
  }
  const std::string zmsg = zs.msg ? std::string(" (") + zs.msg + ")" : std::string();
  inflateEnd(&zs);
  if (rc == Z_STREAM_END && out_left == 0) return;
  if (rc == Z_STREAM_END)
    bad("corrupt zip: deflated entry '" + e.name + "' inflates to fewer bytes than its header says");
  if (rc == Z_BUF_ERROR && out_left == 0)
    bad("corrupt zip: deflated entry '" + e.name + "' inflates to more bytes than its header says");
  bad("corrupt zip: deflate stream of '" + e.name + "' is invalid" + zmsg);
}

void ZipReader::inflate_into(const ZipEntry& e, uint8_t* out) const {
  inflate_chunks(e, [&](const uint8_t* p, size_t n) {
    std::memcpy(out, p, n);
    out += n;
  });
}

std::string ZipReader::read(const ZipEntry& e) const {
  if (e.method != 0 && e.method != 8)
    bad("zip entry '" + e.name + "' uses unsupported compression method " + std::to_string(e.method));
  std::string out;
  if (e.method == 0) {
    out.assign(reinterpret_cast<const char*>(file_->data() + e.data_offset), static_cast<size_t>(e.uncompressed_size));
  } else {
    charge_inflate(e);
    inflate_chunks(e, [&](const uint8_t* p, size_t n) { out.append(reinterpret_cast<const char*>(p), n); });
  }
  uLong crc = 0;
  for (size_t done = 0; done < out.size();) {
    const uInt n = static_cast<uInt>(std::min<size_t>(out.size() - done, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + done), n);
    done += n;
  }
  if (crc != e.crc32) bad("corrupt zip: CRC-32 mismatch in '" + e.name + "'");
  return out;
}

std::string ZipReader::read(std::string_view rel) const {
  const ZipEntry* e = find(rel);
  if (!e) bad("missing " + std::string(rel));
  return read(*e);
}

std::shared_ptr<Storage> ZipReader::storage(const ZipEntry& e, size_t alignment) const {
  if (e.method != 0 && e.method != 8)
    bad("zip entry '" + e.name + "' uses unsupported compression method " + std::to_string(e.method));
  uint8_t* p = file_->data() + e.data_offset;
  const size_t n = static_cast<size_t>(e.uncompressed_size);
  if (e.method == 0 && alignment > 0 && reinterpret_cast<uintptr_t>(p) % alignment == 0)
    return std::make_shared<Storage>(p, n, file_, true);
  if (e.method == 8) charge_inflate(e);
  // Filled in full below (or the load fails), so never zero-filled first.
  auto s = Storage::allocate_uninitialized(n);
  if (e.method == 0) {
    if (n) std::memcpy(s->data(), p, n);
  } else {
    inflate_into(e, static_cast<uint8_t*>(s->data()));
  }
  return s;
}

}  // namespace ember::archive
