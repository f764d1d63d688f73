// tensor.cpp — Tensor construction, geometry checks, copies and printing.
#include "ember/tensor.h"

#include <cstdlib>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <cstring>
#include <limits>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "tensor/convert.h"
#include "tensor/device_memory.h"
#include "tensor/impl.h"
#include "tensor/elementwise.h"

namespace ember {

namespace {
struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
}  // namespace

namespace {

// Large tensor buffers are recycled by exact size instead of going back to malloc: a model run
// with fixed shapes asks for the same sizes on every call, and fresh large blocks (mmap'd by
// malloc) cost a page fault per 4 KiB on first touch, which profiles showed as a quarter of a
// mobilenet_v2 forward. Blocks are zero-filled on reuse unless taken uninitialised; the cache
// holds at most kMaxCachedBytes and never a single block over kMaxBlockBytes.
class BlockCache {
 public:
  static constexpr size_t kMinBlockBytes = size_t{64} << 10;
  static constexpr size_t kMaxBlockBytes = size_t{256} << 20;
  static constexpr size_t kMaxCachedBytes = size_t{512} << 20;

  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(bytes);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= bytes;
    return p;
  }
  void give(void* p, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_ + bytes <= kMaxCachedBytes) {
        free_[bytes].push_back(p);
        cached_ += bytes;
        return;
      }
    }
    release_block(p, bytes);
  }

  // Large blocks come straight from the kernel, populated: one call maps and zeroes every page
  // instead of one page fault per 4 KiB on first touch (a model's first call touches every
  // activation and packed-weight buffer for the first time).
  static void* fresh_block(size_t bytes) {
#if defined(__linux__)
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
#else
    return std::aligned_alloc(64, bytes);
#endif
  }
  static void release_block(void* p, size_t bytes) {
#if defined(__linux__)
    munmap(p, bytes);
#else
    (void)bytes;
    std::free(p);
#endif
  }

 private:
  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

// Never destroyed: storages may be released from static destructors after it would be.
BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache;
  return *cache;
}

}  // namespace

namespace {
constexpr uint64_t kMaxStorageBytes = uint64_t{1} << 62;

std::shared_ptr<Storage> allocate_block(size_t nbytes, bool zero) {
  size_t rounded = (nbytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  const bool cacheable = rounded >= BlockCache::kMinBlockBytes && rounded <= BlockCache::kMaxBlockBytes;
  if (cacheable) rounded = (rounded + 4095) / 4096 * 4096;  // whole pages (mapped directly)
  void* p = cacheable ? block_cache().take(rounded) : nullptr;
  bool fresh_zeroed = false;
  if (!p && cacheable) fresh_zeroed = (p = BlockCache::fresh_block(rounded)) != nullptr;
  if (!p && !cacheable) p = std::aligned_alloc(64, rounded);
  if (!p) fail("out of memory allocating ", nbytes, " bytes");
  if (zero && !fresh_zeroed) std::memset(p, 0, rounded);
  std::shared_ptr<void> owner;
  if (cacheable)
    owner = std::shared_ptr<void>(p, [rounded](void* q) { block_cache().give(q, rounded); });
  else
    owner = std::shared_ptr<void>(p, AlignedFree{});
  return std::make_shared<Storage>(p, nbytes, std::move(owner), false);
}
}  // namespace

namespace {
std::shared_ptr<Storage> allocate_on(size_t nbytes, Device device, bool zero) {
  if (nbytes > kMaxStorageBytes) fail("cannot allocate ", nbytes, " bytes: more than a tensor may hold");
  if (device.is_cpu()) return allocate_block(nbytes, zero);
  device = resolve_device(device);
  auto storage = device_memory(device).allocate(nbytes, device, zero);
  if (!storage || storage->device() != device || storage->nbytes() < nbytes)
    fail("internal: the ", device_type_name(device.type), " backend returned a wrong block for ", nbytes,
         " bytes on ", device.str());
  return storage;
}
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) { return allocate_on(nbytes, device, true); }
std::shared_ptr<Storage> Storage::allocate_uninitialized(size_t nbytes, Device device) {
  return allocate_on(nbytes, device, false);
}

int64_t checked_numel(std::span<const int64_t> sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    if (s < 0) fail("invalid tensor size ", shape_string(sizes), ": negative dimension");
    if (s != 0 && n > (int64_t{1} << 62) / s)
      fail("invalid tensor size ", shape_string(sizes), ": element count overflows");
    n *= s;
  }
  return n;
}

size_t checked_nbytes(int64_t numel, DType dtype) {
  const auto esize = static_cast<int64_t>(ember::element_size(dtype));
  int64_t bytes = 0;
  if (numel < 0 || __builtin_mul_overflow(numel, esize, &bytes) || static_cast<uint64_t>(bytes) > kMaxStorageBytes)
    fail("invalid tensor size: ", numel, " elements of ", dtype_name(dtype), " are more than 2^62 bytes");
  return static_cast<size_t>(bytes);
}

int64_t checked_extent(std::span<const int64_t> sizes, std::span<const int64_t> strides, int64_t offset) {
  if (sizes.size() != strides.size())
    fail("tensor has ", sizes.size(), " sizes but ", strides.size(), " strides");
  if (offset < 0) fail("tensor has negative storage offset ", offset);
  if (checked_numel(sizes) == 0) return 0;
  int64_t hi = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t span = 0;
    if (strides[i] < 0) fail("negative strides are not supported (", shape_string(strides), ")");
    if (__builtin_mul_overflow(strides[i], sizes[i] - 1, &span) || __builtin_add_overflow(hi, span, &hi) ||
        hi >= (int64_t{1} << 62))
      fail("tensor of size ", shape_string(sizes), " with strides ", shape_string(strides),
           " reaches past 2^62 elements");
  }
  return hi + 1;
}

Shape contiguous_strides(std::span<const int64_t> sizes) {
  checked_numel(sizes);
  Shape strides(sizes.size());
  int64_t st = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = st;
    st *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

std::string shape_string(std::span<const int64_t> sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  return s + "]";
}

namespace {
Tensor new_contiguous(std::span<const int64_t> sizes, DType dtype, bool zero, Device device = Device{}) {
  auto impl = std::make_shared<TensorImpl>();
  impl->strides = contiguous_strides(sizes);
  const size_t nbytes = checked_nbytes(checked_numel(sizes), dtype);
  impl->storage = zero ? Storage::allocate(nbytes, device) : Storage::allocate_uninitialized(nbytes, device);
  impl->dtype = dtype;
  impl->sizes.assign(sizes.begin(), sizes.end());
  return Tensor(std::move(impl));
}
}  // namespace

Tensor Tensor::empty(std::span<const int64_t> sizes, DType dtype) { return new_contiguous(sizes, dtype, true); }
Tensor Tensor::empty_uninitialized(std::span<const int64_t> sizes, DType dtype) {
  return new_contiguous(sizes, dtype, false);
}
Tensor Tensor::empty(std::span<const int64_t> sizes, DType dtype, Device device) {
  return new_contiguous(sizes, dtype, true, device);
}
Tensor Tensor::empty_uninitialized(std::span<const int64_t> sizes, DType dtype, Device device) {
  return new_contiguous(sizes, dtype, false, device);
}

Tensor Tensor::from_blob(void* data, std::span<const int64_t> sizes, DType dtype,
                         std::span<const int64_t> strides) {
  Shape st = strides.empty() ? contiguous_strides(sizes) : Shape(strides.begin(), strides.end());
  if (st.size() != sizes.size())
    fail("from_blob: ", sizes.size(), " sizes but ", st.size(), " strides");
  // The span a strided layout reaches, so the storage knows its extent.
  const int64_t extent = checked_extent(sizes, st);
  auto storage = std::make_shared<Storage>(data, checked_nbytes(extent, dtype), nullptr, true);
  return from_storage(std::move(storage), dtype, Shape(sizes.begin(), sizes.end()), std::move(st), 0);
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, DType dtype, Shape sizes,
                            Shape strides, int64_t offset) {
  if (sizes.size() != strides.size())
    fail("tensor has ", sizes.size(), " sizes but ", strides.size(), " strides");
  if (offset < 0) fail("tensor has negative storage offset ", offset);
  int64_t n = checked_numel(sizes);
  const int64_t esize = static_cast<int64_t>(ember::element_size(dtype));
  const int64_t capacity = static_cast<int64_t>(storage->nbytes()) / esize;
  if (n > 0) {
    int64_t lo = offset, hi = offset;
    for (size_t i = 0; i < sizes.size(); ++i) {
      int64_t span = 0;
      if (__builtin_mul_overflow(strides[i], sizes[i] - 1, &span) ||
          (span >= 0 ? __builtin_add_overflow(hi, span, &hi) : __builtin_add_overflow(lo, span, &lo)))
        fail("tensor of size ", shape_string(sizes), " with strides ", shape_string(strides), " and offset ", offset,
             " reaches past the range of 64-bit indices");
    }
    if (lo < 0 || hi >= capacity)
      fail("tensor of size ", shape_string(sizes), " with strides ", shape_string(strides),
           " and offset ", offset, " needs storage elements ", lo, "..", hi, " but the storage holds ",
           capacity, " elements of ", dtype_name(dtype));
  }
  // An empty tensor reads no element, so, as in PyTorch (a zero-element tensor needs zero storage
  // bytes), its offset may lie anywhere: x[1:] of a [1, 0] tensor has offset 1 in an empty storage.
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->dtype = dtype;
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->offset = offset;
  return Tensor(std::move(impl));
}

static int64_t wrap_dim(int64_t dim, int64_t ndim) {
  int64_t d = dim < 0 ? dim + ndim : dim;
  if (d < 0 || d >= ndim)
    fail("Dimension out of range (expected to be in range of [", -ndim, ", ", ndim - 1, "], but got ", dim, ")");
  return d;
}

TensorImpl& Tensor::impl() const {
  if (!impl_) fail("use of an undefined tensor (a default-constructed ember::Tensor holds no data)");
  return *impl_;
}
DType Tensor::dtype() const { return impl().dtype; }
const Shape& Tensor::sizes() const { return impl().sizes; }
const Shape& Tensor::strides() const { return impl().strides; }
int64_t Tensor::offset() const { return impl().offset; }
int64_t Tensor::dim() const { return static_cast<int64_t>(impl().sizes.size()); }
bool Tensor::requires_grad() const { return impl().requires_grad; }
const std::shared_ptr<Storage>& Tensor::storage() const { return impl().storage; }

int64_t Tensor::size(int64_t d) const { return sizes()[static_cast<size_t>(wrap_dim(d, dim()))]; }
int64_t Tensor::stride(int64_t d) const { return strides()[static_cast<size_t>(wrap_dim(d, dim()))]; }

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes()) n *= s;
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  const Shape& sz = sizes();
  const Shape& st = strides();
  for (size_t i = sz.size(); i-- > 0;) {
    if (sz[i] == 0) return true;
    if (sz[i] == 1) continue;
    if (st[i] != expected) return false;
    expected *= sz[i];
  }
  return true;
}

Device Tensor::device() const { return storage()->device(); }

void* Tensor::raw_data() const {
  const Storage& s = *storage();
  if (!s.device().is_cpu())
    fail("this needs a tensor in CPU memory, but the tensor is on ", s.device().str(), " (copy it with .to(cpu))");
  return static_cast<char*>(s.data()) + offset() * static_cast<int64_t>(element_size());
}

void* Tensor::device_data() const {
  return static_cast<char*>(storage()->data()) + offset() * static_cast<int64_t>(element_size());
}

double Tensor::at_double(int64_t flat_index) const {
  const Shape& sz = sizes();
  const Shape& st = strides();
  int64_t pos = offset();
  int64_t rem = flat_index;
  for (size_t i = sz.size(); i-- > 0;) {
    pos += (rem % sz[i]) * st[i];
    rem /= sz[i];
  }
  if (!is_cpu()) return to(Device{}).at_double(flat_index);
  const char* base = static_cast<const char*>(storage()->data());
  return visit_dtype(dtype(), [&](auto tag) -> double {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, base + pos * static_cast<int64_t>(sizeof(T)), sizeof(T));
    return scalar_cast<double>(v);
  });
}

double Tensor::item_double() const {
  if (numel() != 1)
    fail("a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return at_double(0);
}

int64_t Tensor::item_int() const {
  if (numel() != 1)
    fail("a Tensor with ", numel(), " elements cannot be converted to Scalar");
  const char* base = static_cast<const char*>(raw_data());
  return visit_dtype(dtype(), [&](auto tag) -> int64_t {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, base, sizeof(T));
    return scalar_cast<int64_t>(v);
  });
}

Tensor Tensor::as_strided(Shape sizes, Shape strides, int64_t offset) const {
  Tensor t = from_storage(storage(), dtype(), std::move(sizes), std::move(strides), offset);
  t.impl_->requires_grad = requires_grad();
  t.impl_->qparams = impl().qparams;
  return t;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  if (is_cpu()) return to(dtype());
  // On a device, the bytes of a contiguous tensor are copied there; a strided copy is the
  // backend's (DeviceMemory::copy_elements).
  Tensor out = empty_uninitialized(sizes(), dtype(), device());
  out.impl_->qparams = impl().qparams;
  if (!is_contiguous()) {
    if (!device_memory(device()).copy_elements(out, *this))
      fail("a strided copy of a tensor on ", device().str(), " needs ", device_type_name(device().type),
           " kernels (aten::contiguous), not a plain clone");
    return out;
  }
  if (out.numel() > 0)
    device_memory(device()).copy(out.device_data(), device_data(), nbytes(), DeviceMemory::Direction::DeviceToDevice,
                                 device());
  return out;
}

Tensor Tensor::to(Device dst) const {
  const Device src = device();
  if (dst.is_cpu() && src.is_cpu()) return *this;
  if (!dst.is_cpu()) {
    dst = resolve_device(dst);
    if (dst == src) return *this;
  }
  // A strided tensor leaving a device whose backend cannot copy strided elements comes over as
  // the span of storage it covers, and is made contiguous on the host.
  if (!src.is_cpu() && !is_contiguous() && numel() > 0) {
    Tensor probe = empty_uninitialized(sizes(), dtype(), src);
    if (!device_memory(src).copy_elements(probe, *this)) {
      int64_t last = offset();
      for (size_t d = 0; d < sizes().size(); ++d) last += (sizes()[d] - 1) * strides()[d];
      const int64_t span = last - offset() + 1;
      const size_t esize = element_size();
      Tensor host = empty_uninitialized(Shape{span}, dtype());
      device_memory(src).copy(host.device_data(), static_cast<const char*>(device_data()), static_cast<size_t>(span) * esize,
                              DeviceMemory::Direction::DeviceToHost, src);
      Shape st(strides().begin(), strides().end());
      Tensor view = host.as_strided(sizes(), st, 0).contiguous();
      view.impl_->qparams = impl().qparams;
      return dst.is_cpu() ? view : view.to(dst);
    }
    Tensor out = probe.to(dst);
    out.impl_->requires_grad = impl().requires_grad;
    return out;
  }
  // Contiguous on the source side first, then one transfer of the bytes.
  const Tensor from = contiguous();
  Tensor out = empty_uninitialized(sizes(), dtype(), dst);
  out.impl_->qparams = impl().qparams;
  out.impl_->requires_grad = impl().requires_grad;
  if (out.numel() == 0) return out;
  using Dir = DeviceMemory::Direction;
  if (src.is_cpu())
    device_memory(dst).copy(out.device_data(), from.device_data(), out.nbytes(), Dir::HostToDevice, dst);
  else if (dst.is_cpu())
    device_memory(src).copy(out.device_data(), from.device_data(), out.nbytes(), Dir::DeviceToHost, src);
  else if (src.type == dst.type)
    device_memory(dst).copy(out.device_data(), from.device_data(), out.nbytes(), Dir::DeviceToDevice, dst);
  else
    return from.to(Device{}).to(dst);  // between two backends: through host memory
  return out;
}

Tensor Tensor::to(DType dst) const {
  // copy_into converts with the same scalar_cast, in unit-stride runs (memcpy or tiled transposes
  // where layouts allow) and over threads when large.
  if (is_quantized(dst) != is_quantized(dtype()) || (is_quantized(dst) && dst != dtype()))
    fail("cannot convert a ", dtype_name(dtype()), " tensor to ", dtype_name(dst),
         " (quantized tensors convert through quantize_per_tensor/dequantize)");
  if (!is_cpu()) {
    if (dst == dtype()) return *this;
    Tensor out = empty_uninitialized(sizes(), dst, device());
    if (out.numel() > 0 && !device_memory(device()).copy_elements(out, *this))
      fail("converting a tensor on ", device().str(), " to ", dtype_name(dst), " needs ",
           device_type_name(device().type), " kernels");
    return out;
  }
  Tensor out = empty_uninitialized(sizes(), dst);
  out.impl_->qparams = impl().qparams;
  if (out.numel() > 0) copy_into(out, *this);
  return out;
}

std::string Tensor::summary(int64_t max_items) const {
  if (!defined()) return "Tensor(undefined)";
  std::ostringstream out;
  out << dtype_name(dtype()) << shape_string(sizes());
  int64_t n = numel();
  out << " [";
  int64_t shown = std::min(n, max_items);
  for (int64_t i = 0; i < shown; ++i) {
    if (i) out << ", ";
    double v = at_double(i);
    if (is_floating(dtype()) || is_complex(dtype())) out << v;
    else if (dtype() == DType::Bool) out << (v != 0 ? "True" : "False");
    else out << static_cast<int64_t>(v);
  }
  if (n > shown) out << ", ...";
  out << "]";
  return out.str();
}

}  // namespace ember
