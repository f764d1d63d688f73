// dnn.cpp — convolution on NVIDIA GPUs through cuDNN's convolution API, loaded at run time (no
// CUDA headers: the entry points, enums and the algorithm-result struct are declared from
// NVIDIA's cuDNN documentation). float32 with FMA math (no TF32, so results match PyTorch with
// torch.backends.cudnn.allow_tf32=False) unless EMBER_CUDA_TF32=1.
#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ember/error.h"
#include "kernels/cuda/driver.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/nn.h"

struct cudnnContext;
struct cudnnTensorStruct;
struct cudnnFilterStruct;
struct cudnnConvolutionStruct;

namespace ember::cuda {

namespace {

using Status = int;
using Handle = ::cudnnContext*;
using TensorDesc = ::cudnnTensorStruct*;
using FilterDesc = ::cudnnFilterStruct*;
using ConvDesc = ::cudnnConvolutionStruct*;
constexpr int kDataFloat = 0, kFormatNCHW = 0, kCrossCorrelation = 1;
constexpr int kDefaultMath = 0, kFmaMath = 3;

// cudnnConvolutionFwdAlgoPerf_t.
struct AlgoPerf {
  int algo;
  Status status;
  float time;
  size_t memory;
  int determinism;
  int math_type;
  int reserved[3];
};

struct Dnn {
  Status (*create)(Handle*) = nullptr;
  const char* (*error_string)(Status) = nullptr;
  Status (*create_tensor)(TensorDesc*) = nullptr;
  Status (*set_tensor4d_ex)(TensorDesc, int, int, int, int, int, int, int, int, int) = nullptr;
  Status (*destroy_tensor)(TensorDesc) = nullptr;
  Status (*create_filter)(FilterDesc*) = nullptr;
  Status (*set_filter4d)(FilterDesc, int, int, int, int, int, int) = nullptr;
  Status (*destroy_filter)(FilterDesc) = nullptr;
  Status (*create_conv)(ConvDesc*) = nullptr;
  Status (*set_conv2d)(ConvDesc, int, int, int, int, int, int, int, int) = nullptr;
  Status (*set_group_count)(ConvDesc, int) = nullptr;
  Status (*set_math_type)(ConvDesc, int) = nullptr;
  Status (*destroy_conv)(ConvDesc) = nullptr;
  Status (*get_algorithm_v7)(Handle, TensorDesc, FilterDesc, ConvDesc, TensorDesc, int, int*, AlgoPerf*) = nullptr;
  Status (*workspace_size)(Handle, TensorDesc, FilterDesc, ConvDesc, TensorDesc, int, size_t*) = nullptr;
  Status (*forward)(Handle, const void*, TensorDesc, const void*, FilterDesc, const void*, ConvDesc, int, void*, size_t,
                    const void*, TensorDesc, void*) = nullptr;
  Status (*add_tensor)(Handle, const void*, TensorDesc, const void*, const void*, TensorDesc, void*) = nullptr;
  bool ok = false;
  std::string why;
};

template <class F>
void sym(void* lib, const char* name, F*& fn, bool& ok) {
  fn = reinterpret_cast<F*>(dlsym(lib, name));
  ok = ok && fn;
}

const Dnn& dnn() {
  static const Dnn d = [] {
    Dnn d;
    std::string tried, ignored;
    // cuDNN 9's libcudnn.so.9 loads its convolution code from sibling libraries by name: opened
    // first (globally), they are found wherever EMBER_CUDA_LIBS points.
    for (const char* part : {"libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9"}) open_library({part}, &ignored);
    void* lib = open_library({"libcudnn.so.9", "libcudnn.so.8", "libcudnn.so"}, &tried);
    if (!lib) {
      d.why = "cuDNN (libcudnn.so.9 or .8) was not found (" + tried + ")";
      return d;
    }
    bool ok = true;
    sym(lib, "cudnnCreate", d.create, ok);
    sym(lib, "cudnnGetErrorString", d.error_string, ok);
    sym(lib, "cudnnCreateTensorDescriptor", d.create_tensor, ok);
    sym(lib, "cudnnSetTensor4dDescriptorEx", d.set_tensor4d_ex, ok);
    sym(lib, "cudnnDestroyTensorDescriptor", d.destroy_tensor, ok);
    sym(lib, "cudnnCreateFilterDescriptor", d.create_filter, ok);
    sym(lib, "cudnnSetFilter4dDescriptor", d.set_filter4d, ok);
    sym(lib, "cudnnDestroyFilterDescriptor", d.destroy_filter, ok);
    sym(lib, "cudnnCreateConvolutionDescriptor", d.create_conv, ok);
    sym(lib, "cudnnSetConvolution2dDescriptor", d.set_conv2d, ok);
    sym(lib, "cudnnSetConvolutionGroupCount", d.set_group_count, ok);
    sym(lib, "cudnnSetConvolutionMathType", d.set_math_type, ok);
    sym(lib, "cudnnDestroyConvolutionDescriptor", d.destroy_conv, ok);
    sym(lib, "cudnnGetConvolutionForwardAlgorithm_v7", d.get_algorithm_v7, ok);
    sym(lib, "cudnnGetConvolutionForwardWorkspaceSize", d.workspace_size, ok);
    sym(lib, "cudnnConvolutionForward", d.forward, ok);
    sym(lib, "cudnnAddTensor", d.add_tensor, ok);
    d.ok = ok;
    if (!ok) d.why = "the cuDNN library found lacks its convolution API (cudnnConvolutionForward and helpers)";
    return d;
  }();
  return d;
}

void check(Status s, const char* what) {
  if (s != 0) fail(what, " failed: ", dnn().error_string ? dnn().error_string(s) : "cuDNN error");
}

Handle handle(Device device) {
  static std::mutex mu;
  static std::vector<Handle> handles;
  const Dnn& d = dnn();
  if (!d.ok) fail("cuDNN is not available: ", d.why);
  make_current(device);
  std::lock_guard<std::mutex> lock(mu);
  const size_t i = static_cast<size_t>(device.index);
  if (handles.size() <= i) handles.resize(i + 1, nullptr);
  if (!handles[i]) check(d.create(&handles[i]), "cudnnCreate");
  return handles[i];
}

int to_int(int64_t v, const char* what) {
  if (v < 0 || v > 0x7fffffff) fail("convolution ", what, " ", v, " is out of cuDNN's range");
  return static_cast<int>(v);
}

// Descriptors made for one call and destroyed with it.
struct Descs {
  TensorDesc x = nullptr, y = nullptr, b = nullptr;
  FilterDesc w = nullptr;
  ConvDesc conv = nullptr;
  ~Descs() {
    const Dnn& d = dnn();
    if (x) d.destroy_tensor(x);
    if (y) d.destroy_tensor(y);
    if (b) d.destroy_tensor(b);
    if (w) d.destroy_filter(w);
    if (conv) d.destroy_conv(conv);
  }
};

void set_tensor(TensorDesc t, const Tensor& v) {
  check(dnn().set_tensor4d_ex(t, kDataFloat, to_int(v.size(0), "size"), to_int(v.size(1), "size"),
                              to_int(v.size(2), "size"), to_int(v.size(3), "size"), to_int(v.stride(0), "stride"),
                              to_int(v.stride(1), "stride"), to_int(v.stride(2), "stride"), to_int(v.stride(3), "stride")),
        "cudnnSetTensor4dDescriptorEx");
}

// One convolution geometry's descriptors and chosen algorithm, kept for the process.
struct Plan {
  Descs d;
  int algo = -1;
  size_t workspace = 0;
};

}  // namespace

bool dnn_ready(std::string* why) {
  if (dnn().ok) return true;
  if (why) *why = dnn().why;
  return false;
}

Tensor conv2d(const Tensor& x_, const Tensor& weight, const Tensor& bias, std::array<int64_t, 2> stride,
              std::array<int64_t, 2> pad, std::array<int64_t, 2> dilation, int64_t groups) {
  const Dnn& d = dnn();
  Handle h = handle(x_.device());
  // cuDNN takes any strides for x, but rejects some (zero strides of expanded inputs): contiguous
  // unless the tensor is already NCHW-dense.
  const Tensor x = x_.contiguous();
  const Tensor w = weight.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t K = w.size(0), kh = w.size(2), kw = w.size(3);
  if (groups <= 0 || C % groups != 0 || w.size(1) * groups != C || K % groups != 0)
    fail("Given groups=", groups, ", weight of size ", shape_string(w.sizes()), ", expected input",
         shape_string(x.sizes()), " to have ", w.size(1) * groups, " channels, but got ", C, " channels instead");
  const int64_t OH = (H + 2 * pad[0] - dilation[0] * (kh - 1) - 1) / stride[0] + 1;
  const int64_t OW = (W + 2 * pad[1] - dilation[1] * (kw - 1) - 1) / stride[1] + 1;
  if (OH <= 0 || OW <= 0) fail("Calculated output size: (", K, "x", OH, "x", OW, "). Output size is too small");
  Tensor y = Tensor::empty_uninitialized({N, K, OH, OW}, DType::Float32, x.device());
  if (y.numel() == 0) return y;
  // Everything about this geometry is made once per process and kept: the descriptors (cuDNN
  // may key its own plan caches on them) and the algorithm its heuristics pick.
  const char* tf32 = std::getenv("EMBER_CUDA_TF32");
  const bool allow_tf32 = tf32 && *tf32 == '1';
  const std::array<int64_t, 16> key = {x_.device().index, N, C, H, W, K, kh, kw, stride[0], stride[1],
                                       pad[0], pad[1], dilation[0], dilation[1], groups, allow_tf32 ? 1 : 0};
  static std::mutex mu;
  static std::map<std::array<int64_t, 16>, std::unique_ptr<Plan>> plans;
  Plan* plan = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu);
    std::unique_ptr<Plan>& slot = plans[key];
    if (!slot) {
      auto made = std::make_unique<Plan>();
      Descs& ds = made->d;
      check(d.create_tensor(&ds.x), "cudnnCreateTensorDescriptor");
      check(d.create_tensor(&ds.y), "cudnnCreateTensorDescriptor");
      check(d.create_tensor(&ds.b), "cudnnCreateTensorDescriptor");
      check(d.create_filter(&ds.w), "cudnnCreateFilterDescriptor");
      check(d.create_conv(&ds.conv), "cudnnCreateConvolutionDescriptor");
      set_tensor(ds.x, x);
      set_tensor(ds.y, y);
      set_tensor(ds.b, Tensor::empty_uninitialized({1, K, 1, 1}, DType::Float32, x.device()));
      check(d.set_filter4d(ds.w, kDataFloat, kFormatNCHW, to_int(K, "size"), to_int(w.size(1), "size"),
                           to_int(kh, "size"), to_int(kw, "size")),
            "cudnnSetFilter4dDescriptor");
      check(d.set_conv2d(ds.conv, to_int(pad[0], "padding"), to_int(pad[1], "padding"), to_int(stride[0], "stride"),
                         to_int(stride[1], "stride"), to_int(dilation[0], "dilation"), to_int(dilation[1], "dilation"),
                         kCrossCorrelation, kDataFloat),
            "cudnnSetConvolution2dDescriptor");
      check(d.set_group_count(ds.conv, to_int(groups, "groups")), "cudnnSetConvolutionGroupCount");
      check(d.set_math_type(ds.conv, allow_tf32 ? kDefaultMath : kFmaMath), "cudnnSetConvolutionMathType");
      AlgoPerf perf[8] = {};
      int found = 0;
      check(d.get_algorithm_v7(h, ds.x, ds.w, ds.conv, ds.y, 8, &found, perf), "cudnnGetConvolutionForwardAlgorithm_v7");
      for (int i = 0; i < found; ++i) {
        if (perf[i].status != 0) continue;
        size_t need = 0;
        if (d.workspace_size(h, ds.x, ds.w, ds.conv, ds.y, perf[i].algo, &need) != 0) continue;
        if (need > (size_t{1} << 30)) continue;
        made->algo = perf[i].algo;
        made->workspace = need;
        break;
      }
      if (made->algo < 0)
        fail("cuDNN has no convolution algorithm for input ", shape_string(x.sizes()), " and weight ",
             shape_string(w.sizes()));
      slot = std::move(made);
    }
    plan = slot.get();
  }
  const Descs& ds = plan->d;
  const int algo = plan->algo;
  const size_t ws = plan->workspace;
  Tensor workspace;
  if (ws > 0) workspace = Tensor::empty_uninitialized({static_cast<int64_t>(ws)}, DType::UInt8, x.device());
  const float one = 1.f, zero = 0.f;
  check(d.forward(h, &one, ds.x, x.device_data(), ds.w, w.device_data(), ds.conv, algo,
                  ws ? workspace.device_data() : nullptr, ws, &zero, ds.y, y.device_data()),
        "cudnnConvolutionForward");
  if (bias.defined()) {
    const Tensor b = bias.contiguous().as_strided({1, K, 1, 1}, {K, 1, 1, 1}, 0);
    check(d.add_tensor(h, &one, ds.b, b.device_data(), &one, ds.y, y.device_data()), "cudnnAddTensor");
  }
  return y;
}

}  // namespace ember::cuda
