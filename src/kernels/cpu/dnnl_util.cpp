#include "kernels/cpu/dnnl_util.h"

namespace ember::cpu::dnnl_util {

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
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

void execute(std::string_view what, const dnnl::primitive& p,
             const std::unordered_map<int, dnnl::memory>& args) {
  try {
    p.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& e) {
    rethrow(what, e);
  }
}

}  // namespace ember::cpu::dnnl_util
