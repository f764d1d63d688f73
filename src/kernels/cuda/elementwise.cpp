// elementwise.cpp — the elementwise table's rows, strided copies and fills as NVRTC kernels.
#include "kernels/cuda/elementwise.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ember/error.h"
#include "kernels/cuda/nvrtc.h"
#include "kernels/cuda/prelude.h"
#include "tensor/elementwise_ops.h"

namespace ember::cuda {

namespace {

// The scalar column of each row, as written in the table.
#define EMBER_CUDA_BINARY_TEXT(E, name, kind, dtypes, checks, vec, schemas, scalar) #scalar,
#define EMBER_CUDA_UNARY_TEXT(E, name, kind, dtypes, vec, in_place, names, scalar) #scalar,
const char* const kBinaryText[] = {EMBER_BINARY_OPS(EMBER_CUDA_BINARY_TEXT)};
const char* const kUnaryText[] = {EMBER_UNARY_OPS(EMBER_CUDA_UNARY_TEXT)};
#undef EMBER_CUDA_BINARY_TEXT
#undef EMBER_CUDA_UNARY_TEXT

// The row's lambda for the GPU: `std::` math becomes the prelude's `ewm::`.
std::string device_lambda(const char* text) {
  std::string s(text);
  for (size_t at = s.find("std::"); at != std::string::npos; at = s.find("std::", at + 5)) s.replace(at, 5, "ewm::");
  return s;
}

const char* cuda_type(DType t) {
  switch (t) {
    case DType::Float32: return "float";
    case DType::Float64: return "double";
    case DType::Float16: return "em_half";
    case DType::BFloat16: return "em_bf16";
    case DType::Int64: return "long long";
    case DType::Int32: return "int";
    case DType::Int16: return "short";
    case DType::Int8: return "signed char";
    case DType::UInt8: return "unsigned char";
    case DType::Bool: return "bool";
    default: return nullptr;
  }
}

bool is_float_type(DType t) {
  return t == DType::Float32 || t == DType::Float64 || t == DType::Float16 || t == DType::BFloat16;
}

// Programs by a short key (what the source is generated from), made once per process; the source
// is generated only the first time a key is seen.
template <class MakeSource>
CUfunction function_for(const std::string& key, Device device, MakeSource make_source) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Program>> programs;
  Program* p;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = programs[key];
    if (!slot) slot = std::make_unique<Program>(make_source());
    p = slot.get();
  }
  return p->function(device, "ember_ew");
}

// The kernel's host-scalar parameters: a value as double and as int64 (the kernel reads the one
// its dtype needs).
struct ScalarArg {
  double f = 0;
  long long i = 0;
};

ScalarArg host_scalar(const Tensor& t) {
  ScalarArg a;
  if (is_float_type(t.dtype())) {
    a.f = t.item_double();
  } else {
    a.i = t.item_int();
    a.f = static_cast<double>(a.i);
  }
  return a;
}

// Fills `g` from the iterator; false when it has more dims than the kernel takes. Operands in
// host memory (0-dim CPU tensors) get no pointer: their values travel as `scalars`.
bool make_geo(const TensorIterator& it, Geo& g, bool* host, ScalarArg* scalars) {
  const auto& shape = it.iter_shape();
  if (shape.size() > static_cast<size_t>(kMaxGeoDims) || it.ntensors() > 3) return false;
  g.n = it.numel();
  g.nd = static_cast<int32_t>(shape.size());
  g.nt = it.ntensors();
  for (int k = 0; k < it.ntensors(); ++k) {
    const Tensor& t = it.output(k);
    host[k] = t.is_cpu();
    if (host[k]) {
      if (k == 0 || t.numel() != 1) return false;
      scalars[k] = host_scalar(t);
      continue;
    }
    g.data[k] = reinterpret_cast<uint64_t>(t.device_data());
    const auto& st = it.iter_strides(k);
    for (size_t d = 0; d < shape.size(); ++d) g.strides[k][d] = st[d];
  }
  for (size_t d = 0; d < shape.size(); ++d) g.shape[d] = shape[d];
  return true;
}

std::string operand(int k, bool host, DType t) {
  if (host) return is_float_type(t) ? "(A)s" + std::to_string(k) + "f" : "(A)s" + std::to_string(k) + "i";
  return "load_as<A>((const T*)(g.data[" + std::to_string(k) + "] + off[" + std::to_string(k) + "]))";
}

std::string kernel_source(const std::string& lambda, int inputs, DType in, DType out, const bool* host) {
  std::string s = prelude();
  s += "typedef " + std::string(cuda_type(in)) + " T;\ntypedef " + cuda_type(out) +
       " O;\ntypedef opmath<T>::type A;\n";
  s += "extern \"C\" __global__ void ember_ew(Geo g, double s1f, long long s1i, double s2f, long long s2i, double alf, "
       "long long ali) {\n";
  s += is_float_type(in) ? "  const A alpha = (A)alf;\n" : "  const A alpha = (A)ali;\n";
  s += "  (void)alpha; (void)s1f; (void)s1i; (void)s2f; (void)s2i;\n";
  s += "  auto f = " + lambda + ";\n";
  s += "  EMBER_GRID_LOOP(i, g.n) {\n    i64 off[3];\n    geo_offsets(g, i, off);\n";
  s += "    const A x = " + operand(1, host[1], in) + ";\n";
  if (inputs == 2) {
    s += "    const A y = " + operand(2, host[2], in) + ";\n";
    s += "    store_as((O*)(g.data[0] + off[0]), f(x, y, alpha));\n";
  } else {
    s += "    store_as((O*)(g.data[0] + off[0]), f(x));\n";
  }
  s += "  }\n}\n";
  return s;
}

bool run(bool binary, int op, int inputs, const ElementwiseCall& call, const Scalar& alpha) {
  if (!cuda_type(call.in_dtype) || !cuda_type(call.out_dtype)) return false;
  const TensorIterator& it = call.iter;
  if (it.output().is_cpu()) return false;
  Geo g;
  bool host[3] = {false, false, false};
  ScalarArg scalars[3];
  if (!make_geo(it, g, host, scalars)) return false;
  if (g.n == 0) return true;
  const Device device = it.output().device();
  const std::string key = std::string(binary ? "b" : "u") + std::to_string(op) + ":" +
                          std::to_string(static_cast<int>(call.in_dtype)) + ":" +
                          std::to_string(static_cast<int>(call.out_dtype)) + ":" + (host[1] ? "h" : "d") +
                          (host[2] ? "h" : "d");
  CUfunction f = function_for(key, device, [&] {
    const char* text = binary ? kBinaryText[static_cast<size_t>(op)] : kUnaryText[static_cast<size_t>(op)];
    return kernel_source(device_lambda(text), inputs, call.in_dtype, call.out_dtype, host);
  });
  double alf = alpha.is_complex() ? 0.0 : alpha.to_double();
  long long ali = alpha.is_integral(true) ? alpha.to_int() : static_cast<long long>(alf);
  launch(device, f, launch_for(g.n),
         {&g, &scalars[1].f, &scalars[1].i, &scalars[2].f, &scalars[2].i, &alf, &ali});
  return true;
}

}  // namespace

bool has_cuda_type(DType t) { return cuda_type(t) != nullptr; }

std::string copy_source(DType dst, DType src, bool host_scalar) {
  // The source's values in the destination's opmath type (bool: nonzero), or a host scalar.
  std::string s = prelude();
  s += "typedef " + std::string(cuda_type(src)) + " T;\ntypedef " + cuda_type(dst) + " O;\n";
  s += "typedef opmath<O>::type A;\n";
  s += "extern \"C\" __global__ void ember_ew(Geo g, double s1f, long long s1i) {\n  EMBER_GRID_LOOP(i, g.n) {\n"
       "    i64 off[3];\n    geo_offsets(g, i, off);\n";
  if (host_scalar)
    s += std::string("    store_as((O*)(g.data[0] + off[0]), ") + (is_float_type(src) ? "s1f" : "s1i") + ");\n";
  else if (dst == DType::Bool)
    s += "    store_as((O*)(g.data[0] + off[0]), load_as<opmath<T>::type>((const T*)(g.data[1] + off[1])) != 0);\n";
  else
    s += "    store_as((O*)(g.data[0] + off[0]), load_as<A>((const T*)(g.data[1] + off[1])));\n";
  s += "  }\n}\n";
  return s;
}

std::string binary_source(BinaryOp op, DType in, DType out) {
  const bool host[3] = {false, false, false};
  return kernel_source(device_lambda(kBinaryText[static_cast<size_t>(op)]), 2, in, out, host);
}

std::string unary_source(UnaryOp op, DType in, DType out) {
  const bool host[3] = {false, false, false};
  return kernel_source(device_lambda(kUnaryText[static_cast<size_t>(op)]), 1, in, out, host);
}

bool run_binary(BinaryOp op, const ElementwiseCall& call, const Scalar& alpha) {
  return run(true, static_cast<int>(op), 2, call, alpha);
}

bool run_unary(UnaryOp op, const ElementwiseCall& call) {
  return run(false, static_cast<int>(op), 1, call, Scalar(int64_t{1}));
}

void copy_elements(const Tensor& dst, const Tensor& src) {
  if (!cuda_type(dst.dtype()) || !cuda_type(src.dtype()))
    fail("copying ", dtype_name(src.dtype()), " into ", dtype_name(dst.dtype()), " on ", dst.device().str(),
         " is not supported on CUDA");
  TensorIterator it;
  it.add_output(dst, dst.dtype()).add_input(src).declare_shape(dst.sizes()).build();
  Geo g;
  bool host[3] = {false, false, false};
  ScalarArg scalars[3];
  if (!make_geo(it, g, host, scalars))
    fail("a strided copy on ", dst.device().str(), " with more than ", kMaxGeoDims,
         " dimensions left after merging is not supported");
  if (g.n == 0) return;
  const Device device = dst.device();
  const std::string key = "c" + std::to_string(static_cast<int>(dst.dtype())) + ":" +
                          std::to_string(static_cast<int>(src.dtype())) + (host[1] ? "h" : "d");
  CUfunction f = function_for(key, device, [&] { return copy_source(dst.dtype(), src.dtype(), host[1]); });
  launch(device, f, launch_for(g.n), {&g, &scalars[1].f, &scalars[1].i});
}

void fill(const Tensor& dst, const Scalar& v) {
  if (!cuda_type(dst.dtype())) fail("filling a ", dtype_name(dst.dtype()), " tensor is not supported on CUDA");
  if (dst.numel() == 0) return;
  Tensor value = Tensor::empty({}, is_float_type(dst.dtype()) ? DType::Float64 : DType::Int64);
  if (is_float_type(dst.dtype())) *value.data<double>() = v.to_double();
  else *value.data<int64_t>() = v.is_bool() ? (v.to_int() != 0) : v.to_int();
  copy_elements(dst, value);
}

}  // namespace ember::cuda
