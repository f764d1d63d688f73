// dnnl_util.h — the small layer between ember tensors and oneDNN (Debian libdnnl 2.6).
//
// One CPU engine per process and one stream per thread. Tensors are handed to oneDNN in their
// plain row-major layout (nchw, oihw, ...) without copying; callers make them contiguous first.
// Primitives are built once per distinct geometry and kept in bounded LRU caches keyed by
// everything their descriptor depends on (PrimitiveKey). Weights are never cached here: a call
// site packs its own (ConvSite in conv.h).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ember/tensor.h"

namespace ember::cpu::dnnl_util {

dnnl::engine& engine();
// The calling thread's stream (oneDNN streams are not meant to be shared between threads).
dnnl::stream& stream();

dnnl::memory::dims dims(std::span<const int64_t> sizes);
// The plain row-major format tag for `ndims` dimensions (a, ab, abc, ...).
dnnl::memory::format_tag plain_tag(size_t ndims);
// float32 only for now; fails for other dtypes.
dnnl::memory::data_type data_type(DType dtype);

// A row-major memory descriptor for the tensor's sizes (or `sizes` when given: a reshape of a
// contiguous tensor).
dnnl::memory::desc plain_desc(const Tensor& t);
dnnl::memory::desc plain_desc(std::span<const int64_t> sizes, DType dtype);
// Wraps a contiguous tensor's bytes as oneDNN memory described by `md` (no copy).
dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& md);
dnnl::memory wrap(const Tensor& t);

// Attributes every cached primitive is built with: a user-managed scratchpad. A cached
// primitive may run on several threads at once (a model called from two threads, products one
// per thread); the library's own scratchpad is one per primitive and races then, so each
// thread brings its own (add_scratchpad; execute does it).
dnnl::primitive_attr attr();
// Adds this thread's scratchpad for `p` to `args` when `p` needs one.
void add_scratchpad(const dnnl::primitive& p, std::unordered_map<int, dnnl::memory>& args);

// Runs `p` on this thread's stream and waits; oneDNN errors become ember::Error naming `what`.
void execute(std::string_view what, const dnnl::primitive& p, std::unordered_map<int, dnnl::memory> args);

// Converts a dnnl::error thrown while building a primitive into an ember::Error.
[[noreturn]] void rethrow(std::string_view what, const dnnl::error& e);

// The bytes of every value a primitive descriptor depends on, appended in a fixed order; the
// first value names the primitive kind so different kinds never share a key.
class PrimitiveKey {
 public:
  explicit PrimitiveKey(std::string_view kind) : bytes_(kind) { bytes_.push_back('\0'); }
  PrimitiveKey& add(int64_t v) {
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  PrimitiveKey& add(std::span<const int64_t> v) {
    add(static_cast<int64_t>(v.size()));
    for (int64_t x : v) add(x);
    return *this;
  }
  PrimitiveKey& add(double v) {
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// A thread-safe map from key bytes to shared values that keeps the `capacity` most recently
// used entries. `make` runs outside the lock: two threads missing the same key at once both
// build it and the later insert wins, which is harmless for immutable values.
template <class V>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const V> get_or_make(const std::string& key,
                                       const std::function<std::shared_ptr<const V>()>& make) {
    if (auto v = find(key)) return v;
    std::shared_ptr<const V> v = make();
    insert(key, v);
    return v;
  }
  std::shared_ptr<const V> find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }
  void insert(const std::string& key, std::shared_ptr<const V> v) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      it->second->second = std::move(v);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(key, std::move(v));
    index_.emplace(key, order_.begin());
    while (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }
  // Drops the entries `dead` says are stale.
  void erase_if(const std::function<bool(const V&)>& dead) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = order_.begin(); it != order_.end();) {
      if (dead(*it->second)) {
        index_.erase(it->first);
        it = order_.erase(it);
      } else {
        ++it;
      }
    }
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return order_.size();
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    order_.clear();
    index_.clear();
  }

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const V>>;
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

// A copy of `src` reordered into the layout `wanted` (weights packed for a primitive), in memory
// from ember's allocator that `bytes` keeps alive.
dnnl::memory reordered(dnnl::memory src, const dnnl::memory::desc& wanted, std::shared_ptr<Storage>& bytes);

// Appends everything that distinguishes one memory layout from another (dims, data type,
// padding, blocking) to `key`.
void add_desc(PrimitiveKey& key, const dnnl::memory::desc& md);

}  // namespace ember::cpu::dnnl_util
