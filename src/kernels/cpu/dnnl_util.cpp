#include "kernels/cpu/dnnl_util.h"
#include "core/check.h"

#include <cstddef>
#include <vector>

#include <algorithm>
#include <cstdlib>
#include <cstring>


namespace ember::cpu::dnnl_util {

namespace {

dnnl::engine make_engine() {
  // oneDNN registers every kernel it generates with VTune's JIT API by default, a cost paid on
  // each primitive creation (so on first calls) for a profiler that is rarely attached. An
  // explicit ONEDNN_JIT_PROFILE / DNNL_JIT_PROFILE setting still wins.
  if (!std::getenv("ONEDNN_JIT_PROFILE") && !std::getenv("DNNL_JIT_PROFILE"))
    dnnl::set_jit_profiling_flags(0);
  return dnnl::engine(dnnl::engine::kind::cpu, 0);
}

}  // namespace

dnnl::engine& engine() {
  static dnnl::engine eng = make_engine();
  return eng;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dnnl::memory::dims dims(std::span<const int64_t> sizes) {
  return dnnl::memory::dims(sizes.begin(), sizes.end());
}

dnnl::memory::format_tag plain_tag(size_t ndims) {
  using tag = dnnl::memory::format_tag;
  switch (ndims) {
    case 1: return tag::a;
    case 2: return tag::ab;
    case 3: return tag::abc;
    case 4: return tag::abcd;
    case 5: return tag::abcde;
    case 6: return tag::abcdef;
    default: break;
  }
  fail("oneDNN kernels take 1 to 6 dimensions, got ", ndims);
}

dnnl::memory::data_type data_type(DType dtype) {
  if (dtype == DType::Float32) return dnnl::memory::data_type::f32;
  fail("oneDNN path supports float32 only, got ", dtype_name(dtype));
}

dnnl::memory::desc plain_desc(std::span<const int64_t> sizes, DType dtype) {
  return dnnl::memory::desc(dims(sizes), data_type(dtype), plain_tag(sizes.size()));
}

dnnl::memory::desc plain_desc(const Tensor& t) { return plain_desc(t.sizes(), t.dtype()); }

dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& md) {
  EMBER_ASSERT(t.is_contiguous(), "oneDNN memory over a non-contiguous tensor");
  EMBER_ASSERT(md.get_size() <= t.nbytes() || t.numel() == 0, "memory desc larger than tensor");
  return dnnl::memory(md, engine(), t.raw_data());
}

dnnl::memory wrap(const Tensor& t) { return wrap(t, plain_desc(t)); }

void rethrow(std::string_view what, const dnnl::error& e) {
  fail(what, ": oneDNN failed: ", e.what());
}

dnnl::primitive_attr attr() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

void add_scratchpad(const dnnl::primitive& p, std::unordered_map<int, dnnl::memory>& args) {
  const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(p.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  if (!md) return;
  const dnnl::memory::desc desc(*md);
  const size_t bytes = desc.get_size();
  if (bytes == 0) return;
  thread_local std::vector<std::byte> buffer;
  if (buffer.size() < bytes) buffer.resize(bytes);
  args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(desc, engine(), buffer.data());
}

void execute(std::string_view what, const dnnl::primitive& p, std::unordered_map<int, dnnl::memory> args) {
  try {
    add_scratchpad(p, args);
    p.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& e) {
    rethrow(what, e);
  }
}

dnnl::memory reordered(dnnl::memory src, const dnnl::memory::desc& wanted, std::shared_ptr<Storage>& bytes) {
  bytes = Storage::allocate_uninitialized(wanted.get_size());
  dnnl::memory dst(wanted, engine(), bytes->data());
  dnnl::reorder(src, dst).execute(stream(), src, dst);
  stream().wait();
  return dst;
}

void add_desc(PrimitiveKey& key, const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  const auto n = static_cast<size_t>(d.ndims);
  key.add(static_cast<int64_t>(d.ndims)).add(static_cast<int64_t>(d.data_type));
  key.add(static_cast<int64_t>(d.format_kind)).add(static_cast<int64_t>(d.offset0));
  key.add(std::span<const int64_t>(d.dims, n)).add(std::span<const int64_t>(d.padded_dims, n));
  key.add(std::span<const int64_t>(d.padded_offsets, n));
  key.add(static_cast<int64_t>(d.extra.flags));
  if (d.format_kind == dnnl_blocked) {
    const dnnl_blocking_desc_t& b = d.format_desc.blocking;
    const auto nb = static_cast<size_t>(b.inner_nblks);
    key.add(std::span<const int64_t>(b.strides, n));
    key.add(std::span<const int64_t>(b.inner_blks, nb)).add(std::span<const int64_t>(b.inner_idxs, nb));
  }
}

}  // namespace ember::cpu::dnnl_util
