// device_test.cpp — tensors on a device other than the CPU, and models placed there
// (LoadOptions::device), through a stand-in backend: a DeviceMemory registered for the CUDA device
// type whose blocks are host memory marked as cuda:0. CPU kernels cannot read them (raw_data
// refuses a tensor whose storage is not on the CPU), so every byte a kernel reads must have been
// copied to the host by the dispatch of ops/device_dispatch.h, and the outputs must still be
// PyTorch's: the opt/ fixtures (residual blocks, in-place buffer updates, call counters,
// training-mode batch norm) run on the device over consecutive calls.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "archive/npy.h"
#include "ember/module.h"
#include "fixtures.h"
#include "opt_cases.h"
#include "ops/device_dispatch.h"
#include "ops/registry.h"
#include "tensor/device_memory.h"

namespace ember {
namespace {

class FakeCudaMemory : public DeviceMemory {
 public:
  std::atomic<int> allocations{0}, to_device{0}, to_host{0}, within{0};
  std::shared_ptr<Storage> allocate(size_t nbytes, Device device, bool /*zero*/) override {
    EXPECT_EQ(device.type, DeviceType::CUDA);
    EXPECT_GE(device.index, 0);
    ++allocations;
    std::shared_ptr<void> block(std::calloc(nbytes ? nbytes : 1, 1), std::free);
    if (!block) fail("fake device: out of memory");
    return std::make_shared<Storage>(block.get(), nbytes, block, false, device);
  }
  void copy(void* dst, const void* src, size_t n, Direction d, Device device) override {
    EXPECT_EQ(device.type, DeviceType::CUDA);
    (d == Direction::HostToDevice ? to_device : d == Direction::DeviceToHost ? to_host : within)++;
    std::memcpy(dst, src, n);
  }
};

class DeviceTest : public ::testing::Test {
 protected:
  void SetUp() override { register_device_memory(DeviceType::CUDA, &memory_); }
  void TearDown() override { register_device_memory(DeviceType::CUDA, nullptr); }
  FakeCudaMemory memory_;
  const Device cuda_ = Device::parse("cuda");
};

Tensor arange_f(int64_t n) {
  Tensor t = Tensor::empty({n}, DType::Float32);
  for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = static_cast<float>(i) * 0.5f;
  return t;
}

TEST(Device, NamesParseAndPrint) {
  EXPECT_EQ(Device::parse("cuda:1").str(), "cuda:1");
  EXPECT_EQ(Device::parse("cpu").str(), "cpu");
  EXPECT_TRUE(Device::parse("cpu").is_cpu());
  EXPECT_THROW(Device::parse("tpu"), Error);
  EXPECT_THROW(Device::parse("cuda:-1"), Error);
}

TEST(Device, WithoutABackendTheErrorSaysSo) {
  std::string why;
  if (device_available(Device::parse("cuda"), &why)) GTEST_SKIP() << "this machine has a CUDA driver and device";
  EXPECT_NE(why.find("libcuda.so.1"), std::string::npos) << why;
  ASSERT_EQ(find_device_memory(DeviceType::CUDA), nullptr);
  try {
    Tensor::empty(Shape{2}, DType::Float32, Device::parse("cuda:0"));
    FAIL() << "allocated on a device without a backend";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensors on cuda:0 need ember's cuda backend"), std::string::npos) << e.what();
  }
  LoadOptions options;
  options.device = Device::parse("cuda");
  try {
    load(testing::fixture("opt/resblock_traced.pt"), options);
    FAIL() << "loaded onto a device without a backend";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot place the model on cuda: " + why), std::string::npos) << e.what();
  }
  EXPECT_TRUE(device_available(Device{}));
  EXPECT_FALSE(device_available(Device::parse("mps"), &why));
  EXPECT_EQ(why, "ember has no backend for mps devices");
  EXPECT_THROW(register_device_memory(DeviceType::CPU, nullptr), Error);
}

TEST_F(DeviceTest, TensorsMoveAndComeBack) {
  const Tensor x = arange_f(12).as_strided({3, 2}, {1, 3}, 0);  // not contiguous
  const Tensor d = x.to(cuda_);
  EXPECT_EQ(d.device(), Device::parse("cuda:0"));
  EXPECT_FALSE(d.is_cpu());
  EXPECT_EQ(d.sizes(), x.sizes());
  EXPECT_TRUE(d.is_contiguous());
  EXPECT_EQ(d.to(cuda_).unsafe_impl(), d.unsafe_impl());  // already there: the same tensor
  const Tensor back = d.to(Device{});
  EXPECT_TRUE(back.is_cpu());
  for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(back.at_double(i), x.at_double(i));
  EXPECT_EQ(x.to(Device{}).unsafe_impl(), x.unsafe_impl());
  EXPECT_EQ(memory_.to_device.load(), 1);
  EXPECT_EQ(memory_.to_host.load(), 1);
  // Bytes on the device are not host memory for the CPU's code.
  try {
    (void)d.data<float>();
    FAIL() << "read a device tensor as host memory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("on cuda:0"), std::string::npos) << e.what();
  }
  // A clone stays on the device; printing copies what it shows.
  const Tensor c = d.clone();
  EXPECT_EQ(c.device(), d.device());
  EXPECT_NE(c.storage(), d.storage());
  EXPECT_EQ(memory_.within.load(), 1);
  EXPECT_EQ(d.summary(), x.summary());
  EXPECT_EQ(Tensor::empty(Shape{0}, DType::Int64, cuda_).to(Device{}).numel(), 0);
}

TEST_F(DeviceTest, DispatchChoosesAKernelPerOp) {
  auto& r = ops::Registry::global();
  const ops::Operator* view = r.find("aten::view", "");
  const ops::Operator* len = r.find("aten::len", "t");
  const ops::Operator* mul = r.find("aten::mul", "Tensor");
  ASSERT_TRUE(view && len && mul);
  EXPECT_EQ(ops::kernel_for_device(*view, cuda_).kind, ops::DeviceKernelKind::AnyDevice);
  EXPECT_EQ(ops::kernel_for_device(*len, cuda_).kind, ops::DeviceKernelKind::AnyDevice);
  EXPECT_EQ(ops::kernel_for_device(*mul, cuda_).kind, ops::DeviceKernelKind::HostCopies);
  EXPECT_EQ(ops::kernel_for_device(*mul, Device{}).kind, ops::DeviceKernelKind::Native);

  // A view runs on the device tensor itself and shares its storage.
  const Tensor d = arange_f(6).to(cuda_);
  ops::Stack s{Value(d), Value(std::vector<int64_t>{2, 3})};
  ops::kernel_for_device(*view, cuda_).kernel(s);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].to_tensor().storage(), d.storage());
  EXPECT_EQ(s[0].to_tensor().sizes(), (Shape{2, 3}));

  // Through host copies: the result lands on the device.
  s = {Value(d), Value(d)};
  ops::kernel_for_device(*mul, cuda_).kernel(s);
  ASSERT_EQ(s.size(), 1u);
  const Tensor prod = s[0].to_tensor();
  EXPECT_EQ(prod.device(), d.device());
  EXPECT_EQ(prod.to(Device{}).at_double(5), 2.5 * 2.5);
}

TEST_F(DeviceTest, InPlaceOpsWriteTheDeviceTensor) {
  const ops::Operator* add_ = ops::Registry::global().find("aten::add_", "Tensor");
  ASSERT_TRUE(add_);
  const Tensor d = arange_f(4).to(cuda_);
  const Tensor one = Tensor::scalar<float>(1.0f).to(cuda_);
  ops::Stack s{Value(d), Value(one), Value(int64_t{2})};
  ops::kernel_for_device(*add_, cuda_).kernel(s);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s[0].to_tensor().is_same(d));  // add_ returns self, the device tensor
  const Tensor h = d.to(Device{});
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(h.at_double(i), 0.5 * static_cast<double>(i) + 2.0);
}

using testing::OptCase;
using testing::opt_cases;
using testing::opt_file;

void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  double scale = 1, worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::abs(want.at_double(i)));
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double d = std::abs(got.at_double(i) - want.at_double(i));
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  EXPECT_LE(worst, 1e-4 * scale) << what;
}

TEST_F(DeviceTest, ModelsPlacedOnTheDeviceGivePyTorchsOutputs) {
  // A CUDA kernel for aten::add.Tensor (computed here through host copies, as a stand-in): call
  // sites on the device must bind it instead of the CPU kernel.
  static std::atomic<int> native_adds{0};
  auto& r = ops::Registry::global();
  const ops::Operator* add = r.find("aten::add", "Tensor");
  ASSERT_TRUE(add);
  r.add_path("aten::add", "Tensor", ops::Backend::CUDA, [add](ops::Stack& s) {
    ++native_adds;
    const size_t base = s.size() - 3;
    const Device dev = s[base].to_tensor().device();
    EXPECT_FALSE(dev.is_cpu());
    for (size_t i = base; i < base + 2; ++i) s[i] = Value(s[i].to_tensor().to(Device{}));
    add->kernel(s);
    s.back() = Value(s.back().to_tensor().to(dev));
  });
  for (const char* passes : {"", "all"}) {
    for (const OptCase& c : opt_cases()) {
      SCOPED_TRACE(c.name + (passes[0] ? " without passes" : " with passes"));
      LoadOptions options;
      options.device = cuda_;
      if (passes[0]) options.disabled_passes = {passes};
      Module m = load(opt_file(c.name, ".pt"), options);
      EXPECT_EQ(m.device(), Device::parse("cuda:0"));
      for (const auto& [name, p] : m.named_parameters()) EXPECT_EQ(p.device(), m.device()) << name;
      std::vector<Tensor> inputs;
      for (int i = 0; i < c.inputs; ++i)
        inputs.push_back(archive::load_npy(opt_file(c.name, ".in_" + std::to_string(i) + ".npy")));
      for (int k = 0; k < c.calls; ++k) {
        std::vector<Value> args;
        for (const Tensor& t : inputs) args.emplace_back(t.clone());
        Value y = m.forward(args);
        ASSERT_TRUE(y.is_tensor());
        EXPECT_EQ(y.to_tensor().device(), m.device());
        expect_close(y.to_tensor().to(Device{}),
                     archive::load_npy(opt_file(c.name, ".out_" + std::to_string(k) + ".npy")),
                     "call " + std::to_string(k + 1));
      }
    }
  }
  EXPECT_GT(native_adds.load(), 0);
  EXPECT_GT(memory_.to_device.load(), 0);
  EXPECT_GT(memory_.to_host.load(), 0);
}

}  // namespace
}  // namespace ember
