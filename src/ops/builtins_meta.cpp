// builtins_meta.cpp — ops that only read tensor metadata (sizes, dtype, device) and devices.
#include "ember/error.h"
#include "ops/code_device.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

namespace {
int64_t wrap_dim(int64_t dim, int64_t rank) {
  int64_t r = std::max<int64_t>(rank, 1);  // a 0-dim tensor accepts dims -1 and 0
  if (dim < -r || dim >= r)
    fail("Dimension out of range (expected to be in range of [", -r, ", ", r - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + r : dim;
}
}  // namespace

void register_meta_ops(Registry& r) {
  r.add("aten::dim(Tensor self) -> int", wrap([](const Tensor& t) { return t.dim(); }));
  r.add("aten::size(Tensor self) -> int[]", wrap([](const Tensor& t) { return t.sizes(); }));
  r.add("aten::size.int(Tensor self, int dim) -> int", wrap([](const Tensor& t, int64_t d) {
          if (t.dim() == 0) fail("dimension specified as ", d, " but tensor has no dimensions");
          return t.sizes()[static_cast<size_t>(wrap_dim(d, t.dim()))];
        }));
  r.add("aten::numel(Tensor self) -> int", wrap([](const Tensor& t) { return t.numel(); }));
  r.add("aten::len.Tensor(Tensor t) -> int", wrap([](const Tensor& t) {
          if (t.dim() == 0) fail("len() of a 0-d tensor");
          return t.sizes()[0];
        }));
  r.add("prim::dtype(Tensor a) -> int", wrap([](const Tensor& t) { return static_cast<int64_t>(t.dtype()); }));
  r.add("prim::device(Tensor a) -> Device", wrap([](const Tensor&) { return Device{DeviceType::CPU, -1}; }));
  r.add("prim::is_cuda(Tensor a) -> bool", wrap([](const Tensor&) { return false; }));
  r.add("prim::layout(Tensor a) -> Layout", wrap([](const Tensor&) { return int64_t{0}; }));  // strided
  r.add("aten::is_floating_point(Tensor self) -> bool", wrap([](const Tensor& t) { return is_floating(t.dtype()); }));
  r.add("aten::is_complex(Tensor self) -> bool", wrap([](const Tensor& t) { return is_complex(t.dtype()); }));
  r.add("aten::device(str a) -> Device", wrap([](const std::string& s) { return code_device(s); }));
  r.add("prim::type(Device self) -> str", wrap([](const Device& d) { return Device{d.type, -1}.str(); }));
  r.add("prim::index(Device self) -> int?", wrap([](const Device& d) {
          return d.index < 0 ? std::optional<int64_t>() : std::optional<int64_t>(d.index);
        }));
}

}  // namespace ember::ops
