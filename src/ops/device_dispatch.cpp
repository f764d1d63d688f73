// device_dispatch.cpp — kernels for call sites placed on a device other than the CPU.
#include "ops/device_dispatch.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ember/error.h"
#include "ember/value.h"
#include "kernels/cuda/nvrtc.h"
#include "tensor/device_memory.h"

namespace ember::ops {

bool backend_of(DeviceType type, Backend* backend) {
  if (type == DeviceType::CUDA) {
    *backend = Backend::CUDA;
    return true;
  }
  return false;
}

namespace {

// Ops whose CPU kernels only read or make tensor metadata. Views share their input's storage and
// never touch its bytes, so they are correct on any device; an op that may copy (reshape of a
// non-contiguous tensor, flatten, contiguous) is not listed.
const std::unordered_set<std::string>& no_data_ops() {
  static const std::unordered_set<std::string> names = {
      "aten::size", "aten::sizes", "aten::dim", "aten::numel", "aten::len", "aten::stride", "prim::device",
      "prim::dtype", "prim::layout", "prim::shape", "prim::is_cuda", "prim::is_quantized", "prim::requires_grad",
      "aten::is_floating_point", "aten::is_complex", "aten::__is__", "aten::__isnot__", "aten::view",
      "aten::view_as", "aten::squeeze", "aten::unsqueeze", "aten::permute", "aten::transpose", "aten::t",
      "aten::expand", "aten::expand_as", "aten::slice", "aten::select", "aten::narrow", "aten::as_strided",
      "aten::alias", "aten::detach", "aten::unbind", "aten::split", "aten::chunk", "aten::movedim",
      "aten::swapaxes", "aten::swapdims", "aten::unfold", "aten::diagonal",
  };
  return names;
}

// Ops that write into arguments their 1.13 schemas do not annotate: batch and instance norm in
// training mode update the running statistics.
const std::unordered_map<std::string, std::vector<std::string>>& writes_without_annotation() {
  static const std::unordered_map<std::string, std::vector<std::string>> ops = {
      {"aten::batch_norm", {"running_mean", "running_var"}},
      {"aten::instance_norm", {"running_mean", "running_var"}},
      {"aten::_batch_norm_impl_index", {"running_mean", "running_var"}},
      {"aten::native_batch_norm", {"running_mean", "running_var"}},
  };
  return ops;
}

bool is_tensor_type(const TypePtr& t) {
  switch (t->kind) {
    case TypeKind::Tensor: return true;
    case TypeKind::Optional:
    case TypeKind::List: return !t->contained.empty() && is_tensor_type(t->contained[0]);
    default: return false;
  }
}

bool touches_tensors(const FunctionSchema& s) {
  for (const Argument& a : s.arguments)
    if (is_tensor_type(a.type)) return true;
  for (const Argument& a : s.returns)
    if (is_tensor_type(a.type)) return true;
  return false;
}

}  // namespace

Value to_device(const Value& v, Device device) {
  const auto elsewhere = [&](const Value& x) {
    return x.is_tensor() && x.to_tensor().defined() && x.to_tensor().device() != device;
  };
  if (v.is_tensor()) return elsewhere(v) ? Value(v.to_tensor().to(device)) : v;
  const auto rebuilt = [&](auto in) -> Value {
    if (std::none_of(in->items.begin(), in->items.end(), elsewhere)) return v;
    auto out = std::make_shared<typename decltype(in)::element_type>(*in);
    for (Value& x : out->items) x = to_device(x, device);
    return Value(std::move(out));
  };
  if (v.is_list()) return rebuilt(v.to_list());
  if (v.is_tuple()) return rebuilt(v.to_tuple());
  return v;
}

bool cuda_kernels_ready() { return cuda::kernels_ready(nullptr); }

bool reads_no_tensor_data(const Operator& op) { return no_data_ops().count(op.schema.qualified_name()) > 0; }

DeviceKernel kernel_for_device(const Operator& op, Device device) {
  if (device.is_cpu()) return {op.kernel, DeviceKernelKind::Native};
  Backend b{};
  if (backend_of(device.type, &b))
    if (const KernelPath* p = op.path_for(b); p && (!p->ready || p->ready())) return {p->kernel, DeviceKernelKind::Native};
  if (!touches_tensors(op.schema) || reads_no_tensor_data(op)) return {op.kernel, DeviceKernelKind::AnyDevice};
  if (op.schema.is_vararg) return {op.kernel, DeviceKernelKind::AnyDevice};  // Print, format: copy what they show

  return {host_copies(op, device), DeviceKernelKind::HostCopies};
}

Kernel host_copies(const Operator& op, Device device) {
  const size_t nargs = op.schema.arguments.size();
  std::vector<bool> convert(nargs), written(nargs);
  const auto& unannotated = writes_without_annotation();
  const auto extra = unannotated.find(op.schema.qualified_name());
  for (size_t i = 0; i < nargs; ++i) {
    const Argument& a = op.schema.arguments[i];
    convert[i] = is_tensor_type(a.type);
    const bool single = a.type->kind == TypeKind::Tensor ||
                        (a.type->kind == TypeKind::Optional && a.type->contained[0]->kind == TypeKind::Tensor);
    written[i] = convert[i] && single &&
                 (a.alias.find('!') != std::string::npos ||
                  (extra != unannotated.end() && std::find(extra->second.begin(), extra->second.end(), a.name) !=
                                                     extra->second.end()));
  }
  const Operator* opp = &op;
  return [opp, device, nargs, convert, written](Stack& s) {
    if (s.size() < nargs) fail("internal: ", opp->schema.str(), " called with ", s.size(), " values");
    const size_t base = s.size() - nargs;
    // (host copy, device tensor) of each argument the op writes.
    std::vector<std::pair<Tensor, Tensor>> writes;
    for (size_t i = 0; i < nargs; ++i) {
      if (!convert[i]) continue;
      Value& v = s[base + i];
      if (written[i] && v.is_tensor() && v.to_tensor().defined() && !v.to_tensor().is_cpu()) {
        Tensor host = v.to_tensor().to(Device{});
        writes.emplace_back(host, v.to_tensor());
        v = Value(host);
      } else {
        v = to_device(v, Device{});
      }
    }
    opp->kernel(s);
    // What the op wrote into host copies goes back into the device tensors.
    for (const auto& [host, dev] : writes) {
      if (dev.numel() == 0) continue;
      if (!dev.is_contiguous())
        fail(opp->schema.qualified_name(), " writes into a strided tensor on ", dev.device().str(),
             ", which needs a kernel of that device's backend");
      const Tensor src = host.contiguous();
      device_memory(dev.device())
          .copy(dev.device_data(), src.raw_data(), dev.nbytes(), DeviceMemory::Direction::HostToDevice, dev.device());
    }
    for (size_t r = base; r < s.size(); ++r) {
      Value& v = s[r];
      bool is_written = false;
      if (v.is_tensor())
        for (const auto& [host, dev] : writes)
          if (v.to_tensor().is_same(host)) {
            v = Value(dev);  // an in-place op returns its (device) argument
            is_written = true;
            break;
          }
      if (!is_written) v = to_device(v, device);
    }
  };
}

}  // namespace ember::ops
