// archive.cpp — ties the zip reader and the unpickler into archive and torch.save loading.
#include "archive/archive.h"

#include <sys/mman.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "archive/legacy_archive.h"
#include "archive/unpickler.h"
#include "archive/zip_reader.h"

namespace ember::archive {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  return s;
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

std::shared_ptr<Storage> normalised_bools(std::shared_ptr<Storage> s) {
  // A bool holding any byte but 0 or 1 is undefined behaviour in C++; a file may hold any byte.
  const auto* p = static_cast<const uint8_t*>(s->data());
  const size_t n = s->nbytes();
  size_t i = 0;
  while (i < n && p[i] <= 1) ++i;
  if (i == n) return s;
  auto copy = Storage::allocate_uninitialized(n);
  auto* q = static_cast<uint8_t*>(copy->data());
  for (size_t k = 0; k < n; ++k) q[k] = p[k] != 0;
  return copy;
}

namespace {

// Storages of one pickle, loaded from `<prefix><dir><key>` and counted once each.
struct StorageLoader {
  const ZipReader& zip;
  std::string dir;
  std::unordered_set<const Storage*>* counted;
  uint64_t* total;

  std::shared_ptr<Storage> operator()(const std::string& key, DType dtype) const {
    const std::string rel = dir + key;
    // The unpickler prefixes "<path>: <pickle>: " to errors raised here.
    const ZipEntry* e = zip.find(rel);
    if (!e) fail("missing storage entry '", rel, "'");
    std::shared_ptr<Storage> s;
    try {
      s = zip.storage(*e, element_size(dtype));
    } catch (const Error& err) {
      std::string msg = err.what();
      const std::string own = zip.path() + ": ";
      throw Error(msg.rfind(own, 0) == 0 ? msg.substr(own.size()) : msg);
    }
    if (dtype == DType::Bool) s = normalised_bools(std::move(s));
    if (counted->insert(s.get()).second) *total += s->nbytes();
    return s;
  }
};

Value read_pickle(const ZipReader& zip, const std::string& name, const std::string& storage_dir,
                  std::function<ClassTypePtr(const std::string&)> resolve,
                  std::unordered_set<const Storage*>* counted, uint64_t* total, const ArchiveLimits& limits) {
  const std::string bytes = zip.read(name);
  UnpickleContext ctx;
  ctx.max_items = limits.max_pickle_items;
  ctx.label = zip.path() + ": " + name;
  ctx.storage_dir = storage_dir;
  ctx.load_storage = StorageLoader{zip, storage_dir, counted, total};
  ctx.resolve_class = std::move(resolve);
  return unpickle(bytes_of(bytes), ctx);
}

// traced_inputs.pkl holds {method: [inputs]} with tensors whose data newer writers leave out:
// each storage is an untouched, unreserved anonymous mapping of the size the pickle claims, so the
// tensors can be rebuilt (sizes, strides, dtype) without reading or committing any memory. A claim
// past `kMaxBytes` makes the record unreadable (a hint is not worth it).
std::map<std::string, std::vector<TracedInput>> read_traced_inputs(const ZipReader& zip, const ArchiveLimits& limits) {
  constexpr uint64_t kMaxBytes = uint64_t{1} << 32;
  std::map<std::string, std::vector<TracedInput>> out;
  try {
    const std::string bytes = zip.read("traced_inputs.pkl");
    UnpickleContext ctx;
    ctx.max_items = limits.max_pickle_items;
    ctx.label = zip.path() + ": traced_inputs.pkl";
    ctx.storage_dir = "traced_inputs/";
    uint64_t claimed = 0;
    ctx.load_storage_sized = [&claimed](uint64_t nbytes) -> std::shared_ptr<Storage> {
      claimed += nbytes;
      if (nbytes > kMaxBytes || claimed > kMaxBytes) fail("traced inputs claim ", claimed, " bytes");
      const size_t n = std::max<size_t>(static_cast<size_t>(nbytes), 1);
      void* p = mmap(nullptr, n, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) fail("cannot reserve ", n, " bytes of address space");
      std::shared_ptr<const void> owner(p, [n](const void* q) { munmap(const_cast<void*>(q), n); });
      return std::make_shared<Storage>(p, static_cast<size_t>(nbytes), std::move(owner));
    };
    Value v = unpickle(bytes_of(bytes), ctx);
    if (!v.is_dict()) return out;
    for (const auto& [key, value] : v.to_dict()->items()) {
      if (!key.is_string() || !value.is_list()) continue;
      std::vector<TracedInput> inputs;
      bool all_tensors = true;
      for (const Value& x : value.to_list()->items) {
        if (!x.is_tensor() || !x.to_tensor().defined()) {
          all_tensors = false;
          break;
        }
        const Tensor& t = x.to_tensor();
        inputs.push_back({std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), t.dtype()});
      }
      if (all_tensors) out.emplace(key.to_string(), std::move(inputs));
    }
  } catch (const Error&) {
    out.clear();
  }
  return out;
}

void collect_extra(const ZipReader& zip, ArchiveContents& out) {
  for (const ZipEntry& e : zip.entries()) {
    std::string rel = zip.relative_name(e);
    if (rel.rfind("extra/", 0) == 0 && rel.size() > 6) out.extra_files.emplace(rel.substr(6), e.uncompressed_size);
  }
}

void check_byteorder(const ZipReader& zip, std::string* out) {
  if (!zip.has("byteorder")) return;
  *out = std::string(trim(zip.read("byteorder")));
  if (*out == "big")
    fail(zip.path(), ": the archive was written on a big-endian machine; ember reads little-endian archives only");
  if (*out != "little") fail(zip.path(), ": unknown byteorder '", *out, "'");
}

}  // namespace

std::string ArchiveContents::read_extra(const std::string& name) const {
  const ZipEntry* e = zip ? zip->find("extra/" + name) : nullptr;
  if (!e) fail(path, ": no extra file '", name, "'");
  return zip->read(*e);
}

ArchiveContents load_archive(const std::string& path, const ArchiveLimits& limits) {
  auto reader = std::make_shared<ZipReader>(path);
  reader->set_inflate_limit(limits.max_inflated_bytes);
  const ZipReader& zip = *reader;
  ArchiveContents out;
  out.path = path;
  out.zip = reader;

  const char* version_name = zip.has(".data/version") ? ".data/version" : zip.has("version") ? "version" : nullptr;
  if (!version_name) fail(path, ": missing version record (neither 'version' nor '.data/version')");
  out.producer.version_record = version_name;
  {
    std::string text = zip.read(version_name);
    std::string_view v = trim(text);
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size())
      fail(path, ": ", version_name, " holds '", v.substr(0, 32), "', not a version number");
    if (n < 1 || n > 10)
      fail(path, ": unsupported archive format version ", n, " (ember reads versions 1 to 10)");
    out.format_version = n;
  }
  check_byteorder(zip, &out.producer.byteorder);
  if (zip.has(".data/serialization_id"))
    out.producer.serialization_id = std::string(trim(zip.read(".data/serialization_id")));
  out.producer.has_traced_inputs = zip.has("traced_inputs.pkl");
  // PyTorch's importer reads any archive holding model.json as a 1.0-1.2 one.
  if (zip.has("model.json")) {
    read_model_json(zip, limits, out);
    collect_extra(zip, out);
    return out;
  }
  if (!zip.has("data.pkl")) fail(path, ": missing data.pkl");

  auto resolve = [&out](const std::string& q) -> ClassTypePtr {
    auto& slot = out.classes[q];
    if (!slot) {
      slot = std::make_shared<ClassType>();
      slot->qualname = q;
    }
    return slot;
  };
  std::unordered_set<const Storage*> counted;
  out.root = read_pickle(zip, "data.pkl", "data/", resolve, &counted, &out.tensor_bytes, limits);
  if (zip.has("constants.pkl")) {
    out.constants = read_pickle(zip, "constants.pkl", "constants/", resolve, &counted, &out.tensor_bytes, limits);
    if (!out.constants.is_tuple()) fail(path, ": constants.pkl does not hold a tuple");
  } else {
    out.constants = Value(make_tuple({}));
  }
  if (out.producer.has_traced_inputs) out.traced_inputs = read_traced_inputs(zip, limits);

  collect_extra(zip, out);
  for (const ZipEntry& e : zip.entries()) {
    std::string rel = zip.relative_name(e);
    if (rel.rfind("code/", 0) == 0) {
      if (rel.size() >= 10 && rel.compare(rel.size() - 10, 10, ".debug_pkl") == 0) out.producer.has_debug_info = true;
      else if (rel.size() > 3 && rel.compare(rel.size() - 3, 3, ".py") == 0) out.code.emplace(rel, zip.read(e));
    }
  }
  // Lite-interpreter files (_save_for_lite_interpreter, .ptl) carry code/ beside bytecode.pkl
  // unless they were saved without it; ember compiles code/, never the bytecode.
  if (out.code.empty() && zip.has("bytecode.pkl"))
    fail(path, ": a lite-interpreter file holding bytecode only (bytecode.pkl, no code/ sources); ember runs the "
               "TorchScript source in code/: save the model with torch.jit.save (a .pt file) to run it here");
  return out;
}

Value load_torch_save(const std::string& path, const ArchiveLimits& limits) {
  ZipReader zip(path);
  zip.set_inflate_limit(limits.max_inflated_bytes);
  if (!zip.has("data.pkl")) fail(path, ": missing data.pkl");
  std::string unused;
  check_byteorder(zip, &unused);
  std::unordered_set<const Storage*> counted;
  uint64_t total = 0;
  return read_pickle(zip, "data.pkl", "data/", nullptr, &counted, &total, limits);
}

}  // namespace ember::archive
