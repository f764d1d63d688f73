// legacy_ops.cpp — ops that archives from PyTorch 1.0–1.4 (op_version_set = 1 code) call and
// later exporters stopped writing: the aten::_cast_<Type> conversions traced code used for
// `.long()`/`.float()`, prim::data / aten::data (Variable.data), and aten::cpu / aten::cuda (every
// ember tensor lives on the CPU, so both are the identity; see ops/code_device.h).
#include "kernels/cpu/shape.h"
#include "ops/kernel_util.h"

namespace ember::ops {

void register_legacy_ops(Registry& r) {
  struct Cast { const char* name; DType dtype; };
  const Cast casts[] = {{"Byte", DType::UInt8},    {"Char", DType::Int8},   {"Double", DType::Float64},
                        {"Float", DType::Float32}, {"Half", DType::Float16}, {"Int", DType::Int32},
                        {"Long", DType::Int64},    {"Short", DType::Int16}};
  for (const Cast& c : casts) {
    const DType dtype = c.dtype;
    r.add("aten::_cast_" + std::string(c.name) + "(Tensor self, bool non_blocking=False) -> Tensor",
          wrap([dtype](const Tensor& x, bool) { return cpu::to_dtype(x, dtype, false); }));
  }
  r.add("aten::cpu(Tensor(a) self) -> Tensor(b|a)", wrap([](const Tensor& x) { return x; }));
  // x.cuda() in code written on a GPU: CUDA in code means the CPU (ops/code_device.h).
  r.add("aten::cuda(Tensor(a) self) -> Tensor(b|a)", wrap([](const Tensor& x) { return x; }));
  // Variable.data: the same data without autograd history; ember keeps none, so an alias.
  r.add("prim::data(Tensor(a) a) -> Tensor(a)", wrap([](const Tensor& x) { return cpu::alias(x); }));
  r.add("aten::data(Tensor self) -> Tensor", wrap([](const Tensor& x) { return cpu::alias(x); }));
}

}  // namespace ember::ops
