// The replay harness (issue 13): every recorded aten case line (tests/unit/case_file.h's format,
// from gen_kernels.py, gen_creation.py, gen_gaps.py, gen_extra_ops.py and gen_paths.py) whose op
// has more than one implementation runs through each of them — the CPU kernel, the reference path
// (ops::Backend::CPUReference) and any later backend's — and each result is compared with what
// PyTorch 1.13 returned (or checked to raise where it raised) and with the CPU kernel's result,
// with case_file.h's tolerances (integers exactly, floats to 1e-4 of the output's magnitude, 1e-2
// for 16-bit floats). A backend of another device (CUDA) gets each case's tensors on its device
// and its results are copied back. The suite also fails when an op has a registered path that no
// case reaches, so a path cannot go untested silently; gen_paths.py records cases for the ops
// models otherwise reach only as a whole (convolutions, pooling, norms, products, softmax,
// attention).
//
// ggml's test-backend-ops and ncnn's layer tests do the same for their backends.
#include <gtest/gtest.h>

#include "ember/module.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../case_file.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"
#include "tensor/device_memory.h"

namespace ember {
namespace {

using testing::case_file::Format;
using testing::case_file::ParsedCase;


// One case file's lines, its blob and its list dialect.
struct CaseSource {
  std::string area, manifest, blob;
  Format format;
};

struct OpTally {
  int cases = 0;                                // case lines naming the op
  std::array<int, ops::kNumBackends> runs{};    // of those, how many ran through each backend
  std::array<int, ops::kNumBackends> skipped{}; // and how many could not: the backend's device is absent
  int paths = 0;                                // backends the op has a kernel for
};

struct ReplayReport {
  std::map<std::string, OpTally> per_op;  // "aten::mm" or "aten::conv2d.padding"
  std::vector<std::string> failures;      // one per (case, path) that disagreed, with the case line
  int lines = 0;                          // case lines read
  int replayed = 0;                       // lines whose op has more than its CPU kernel
};

std::string op_key(const ops::Operator& op) {
  return op.schema.qualified_name() + (op.schema.overload.empty() ? "" : "." + op.schema.overload);
}

// The backends `op` has a kernel for, the CPU first (Backend's values are 0 .. kNumBackends - 1).
std::vector<ops::Backend> backends_of(const ops::Operator& op) {
  std::vector<ops::Backend> out;
  for (size_t i = 0; i < ops::kNumBackends; ++i)
    if (op.kernel_for(static_cast<ops::Backend>(i))) out.push_back(static_cast<ops::Backend>(i));
  return out;
}

// The device a backend's kernels take their tensors on; the CPU for the CPU's two paths.
Device device_of(ops::Backend b) { return b == ops::Backend::CUDA ? Device::parse("cuda") : Device{}; }

// `v` with its tensors (directly or in a list or tuple) moved to `to`.
Value moved(const Value& v, Device to) {
  if (v.is_tensor()) return v.to_tensor().defined() ? Value(v.to_tensor().to(to)) : v;
  if (v.is_list() || v.is_tuple()) {
    std::vector<Value> items;
    for (const Value& x : v.is_list() ? v.to_list()->items : v.to_tuple()->items) items.push_back(moved(x, to));
    return v.is_list() ? Value(make_list(v.to_list()->elem_type, std::move(items))) : Value(make_tuple(std::move(items)));
  }
  return v;
}

// Runs every line of `sources` whose op (in `registry`) has a path besides its CPU kernel through
// every backend it has a kernel for. A backend of another device gets the case's tensors on its
// device and its results are copied back; when this process has no such device (no DeviceMemory
// registered for it: a machine without a GPU), its runs are counted as skipped, not failed.
ReplayReport replay_paths(const ops::Registry& registry, const std::vector<CaseSource>& sources) {
  ReplayReport report;
  for (const CaseSource& src : sources) {
    std::istringstream lines(src.manifest);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      ++report.lines;
      std::istringstream words(line);
      std::string tag, id, name, overload;
      words >> tag >> id >> name >> overload;
      const ops::Operator* op = registry.find(name, overload == "-" ? "" : overload);
      if (!op || op->paths.empty()) continue;  // one implementation: its own suite replays it
      ++report.replayed;
      OpTally& tally = report.per_op[op_key(*op)];
      ++tally.cases;
      const std::string where = src.area + ": " + line.substr(0, 200);
      // Each path gets the case afresh; the CPU kernel's returns are what the others must match.
      std::optional<ops::Stack> cpu_returns;
      for (ops::Backend b : backends_of(*op)) {
        const Device device = device_of(b);
        if (!device.is_cpu() && !find_device_memory(device.type)) {
          ++tally.skipped[static_cast<size_t>(b)];
          continue;
        }
        ++tally.runs[static_cast<size_t>(b)];
        const ops::Kernel& kernel = *op->kernel_for(b);
        std::string err;
        ParsedCase c;
        try {
          c = testing::case_file::parse_case(line, src.blob, src.format, registry);
          if (device.is_cpu()) {
            err = testing::case_file::check_case(c, kernel);
          } else {
            for (Value& v : c.stack) v = moved(v, device);
            err = testing::case_file::check_case(c, [&](ops::Stack& s) {
              kernel(s);
              for (Value& v : s) v = moved(v, Device{});
            });
          }
        } catch (const std::exception& e) {
          err = std::string("harness error: ") + e.what();
        }
        if (!err.empty()) {
          report.failures.push_back(where + "\n  -> " + std::string(ops::backend_name(b)) + " vs PyTorch: " + err);
          continue;
        }
        if (c.expect_error) continue;  // every path raised, as PyTorch did
        if (b == ops::Backend::CPU) {
          cpu_returns = c.stack;
        } else if (cpu_returns) {
          std::string diff;
          if (c.stack.size() != cpu_returns->size()) diff = "a different number of returns";
          for (size_t i = 0; diff.empty() && i < c.stack.size(); ++i) {
            diff = testing::case_file::compare_values(c.stack[i], (*cpu_returns)[i]);
            if (!diff.empty()) diff = "return " + std::to_string(i) + ": " + diff;
          }
          if (!diff.empty())
            report.failures.push_back(where + "\n  -> " + std::string(ops::backend_name(b)) + " vs cpu: " + diff);
        }
      }
    }
  }
  for (auto& [key, tally] : report.per_op) {
    tally.paths = 0;
    for (int n : tally.runs) tally.paths += n > 0 ? 1 : 0;
  }
  return report;
}

// Every (op, backend) of `registry` with a kernel other than the CPU one that no case ran
// through (for a backend whose device this process lacks: that no case names): read from the
// registry, not from the report, so an op no case names is listed too.
std::vector<std::string> untested_paths(const ops::Registry& registry, const ReplayReport& report) {
  std::vector<std::string> out;
  for (const ops::Operator* op : registry.all()) {
    if (op->paths.empty()) continue;
    const auto it = report.per_op.find(op_key(*op));
    for (ops::Backend b : backends_of(*op)) {
      const OpTally none;
      const OpTally& t = it == report.per_op.end() ? none : it->second;
      const bool present = device_of(b).is_cpu() || find_device_memory(device_of(b).type);
      if ((present ? t.runs[static_cast<size_t>(b)] : t.cases) == 0) out.push_back(op_key(*op) + " (" + std::string(ops::backend_name(b)) + ")");
    }
  }
  return out;
}

std::vector<CaseSource> recorded_sources() {
  using testing::case_file::CaseFile;
  std::vector<CaseSource> out;
  // gen_kernels.py writes untyped lists; the other generators spell the element type.
  for (const auto& [area, typed] : std::vector<std::pair<std::string, bool>>{
           {"kernels", false}, {"creation", true}, {"gaps", true}, {"extra_ops", true}, {"paths", true}}) {
    const CaseFile f = CaseFile::load(area);
    EXPECT_FALSE(f.manifest.empty()) << area << "/cases.txt is empty or missing";
    out.push_back({area, f.manifest, f.blob, Format{typed, 200}});
  }
  return out;
}

TEST(Replay, EveryPathOfEveryOpMatchesPyTorchAndTheCpuKernel) {
  // On a machine with a GPU this registers its memory, and the CUDA paths run; elsewhere they are
  // skipped (and said so).
  std::string no_gpu;
  device_available(Device::parse("cuda"), &no_gpu);
  const ops::Registry& registry = ops::Registry::global();
  const ReplayReport report = replay_paths(registry, recorded_sources());
  for (const std::string& f : report.failures) ADD_FAILURE() << f;

  // What ran: per op, its cases and the paths they went through.
  std::cout << "op                                   cases  paths  runs (";
  for (size_t i = 0; i < ops::kNumBackends; ++i) std::cout << (i ? "/" : "") << ops::backend_name(static_cast<ops::Backend>(i));
  std::cout << ")\n";
  int runs = 0;
  std::array<int, ops::kNumBackends> skipped{};
  for (const auto& [key, t] : report.per_op) {
    std::cout << std::left << std::setw(36) << key << std::right << std::setw(6) << t.cases << std::setw(7) << t.paths
              << "  ";
    for (size_t i = 0; i < t.runs.size(); ++i) std::cout << (i ? "/" : "") << t.runs[i];
    std::cout << "\n";
    for (int n : t.runs) runs += n;
    for (size_t i = 0; i < t.skipped.size(); ++i) skipped[i] += t.skipped[i];
  }
  for (size_t i = 0; i < skipped.size(); ++i)
    if (skipped[i])
      std::cout << ops::backend_name(static_cast<ops::Backend>(i)) << ": no such device in this process, " << skipped[i]
                << " case runs skipped\n";
  std::cout << report.replayed << " of " << report.lines << " recorded cases name an op with several paths; " << runs
            << " runs, " << report.failures.size() << " disagreements\n";

  // An op with a registered path that no case reaches fails the suite.
  for (const std::string& p : untested_paths(registry, report)) ADD_FAILURE() << "no recorded case reaches " << p;
  // And the check above is not vacuous: paths are registered, and every one of their ops ran.
  size_t ops_with_paths = 0;
  for (const ops::Operator* op : registry.all()) ops_with_paths += op->paths.empty() ? 0 : 1;
  EXPECT_GE(ops_with_paths, 46u) << "the reference paths are gone";
  EXPECT_EQ(report.per_op.size(), ops_with_paths);
  EXPECT_GT(report.replayed, 700);
}

// Device memory that is host memory marked as cuda:0 (as tests/unit/runtime/device_test.cpp's).
class StandInDeviceMemory : public DeviceMemory {
 public:
  std::shared_ptr<Storage> allocate(size_t nbytes, Device device, bool /*zero*/) override {
    std::shared_ptr<void> block(std::calloc(nbytes ? nbytes : 1, 1), std::free);
    if (!block) fail("stand-in device: out of memory");
    return std::make_shared<Storage>(block.get(), nbytes, block, false, device);
  }
  void copy(void* dst, const void* src, size_t n, Direction, Device) override { std::memcpy(dst, src, n); }
};

// The harness itself, on a registry of its own: a path that disagrees with PyTorch or with the CPU
// kernel fails, an op whose path no case reaches is named, and a CUDA path runs on its device.
TEST(Replay, CatchesAWrongPathAndAnUntestedOne) {
  ops::Registry r;
  auto neg = [](double factor) {
    return ops::wrap([factor](const Tensor& x) {
      Tensor y = Tensor::empty(x.sizes(), DType::Float32);
      for (int64_t i = 0; i < x.numel(); ++i) y.data<float>()[i] = static_cast<float>(-factor * x.at_double(i));
      return y;
    });
  };
  r.add("aten::neg(Tensor self) -> Tensor", neg(1));
  r.add_path("aten::neg", "", ops::Backend::CPUReference, neg(1.001));  // off by 1e-3 relative
  r.add("aten::abs(Tensor self) -> Tensor", neg(-1));
  r.add_path("aten::abs", "", ops::Backend::CPUReference, neg(-1));
  r.add("aten::relu(Tensor self) -> Tensor", neg(-1));  // one implementation: not replayed

  // neg([1, -2, 3]) = [-1, 2, -3]: float32 [3] at blob offset 0, the result at offset 16.
  std::string blob(32, '\0');
  const float in[3] = {1, -2, 3}, out[3] = {-1, 2, -3};
  std::memcpy(blob.data(), in, sizeof in);
  std::memcpy(blob.data() + 16, out, sizeof out);
  const std::string manifest =
      "case 0 aten::neg - 1 T 6 1 3 1 0 0 3 0 -> T 6 1 3 1 0 16 3\n"
      "case 1 aten::relu - 1 T 6 1 3 1 0 0 3 0 -> T 6 1 3 1 0 0 3\n";
  const std::vector<CaseSource> source{{"synthetic", manifest, blob, Format{true, 200}}};
  const ReplayReport report = replay_paths(r, source);

  EXPECT_EQ(report.lines, 2);
  EXPECT_EQ(report.replayed, 1);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].find("cpu-reference vs PyTorch"), std::string::npos) << report.failures[0];
  ASSERT_EQ(report.per_op.count("aten::neg"), 1u);
  EXPECT_EQ(report.per_op.at("aten::neg").runs[0], 1);
  EXPECT_EQ(report.per_op.at("aten::neg").runs[1], 1);
  EXPECT_EQ(report.per_op.at("aten::neg").paths, 2);
  EXPECT_EQ(untested_paths(r, report), (std::vector<std::string>{"aten::abs (cpu)", "aten::abs (cpu-reference)"}));

  // Each within 1e-4 of PyTorch's answer, but 1.6e-4 apart: the paths disagree with each other.
  r.wrap_kernel("aten::neg", "", [&](const ops::Kernel&) { return neg(1.00008); });
  r.add_path("aten::neg", "", ops::Backend::CPUReference, neg(0.99992));
  const ReplayReport apart = replay_paths(r, source);
  ASSERT_EQ(apart.failures.size(), 1u);
  EXPECT_NE(apart.failures[0].find("cpu-reference vs cpu"), std::string::npos) << apart.failures[0];

  // With a correct reference the same case passes.
  r.wrap_kernel("aten::neg", "", [&](const ops::Kernel&) { return neg(1); });
  r.add_path("aten::neg", "", ops::Backend::CPUReference, neg(1));
  EXPECT_TRUE(replay_paths(r, source).failures.empty());

  // A CUDA path gets the case on the device, here a stand-in (host memory registered as cuda:0).
  // Without the device (no memory registered for it) its runs are skipped, not failed.
  bool saw_device_input = false;
  auto neg_on_device = [&](double factor) {
    return ops::wrap([factor, &saw_device_input](const Tensor& x) {
      saw_device_input = x.device().type == DeviceType::CUDA;
      if (!x.is_contiguous()) fail("stand-in kernel: contiguous inputs only");
      Tensor y = Tensor::empty(x.sizes(), DType::Float32, x.device());
      const float* in = static_cast<const float*>(x.device_data());
      for (int64_t i = 0; i < x.numel(); ++i) static_cast<float*>(y.device_data())[i] = static_cast<float>(-factor * in[i]);
      return y;
    });
  };
  r.add_path("aten::neg", "", ops::Backend::CUDA, neg_on_device(1));
  // (A real CUDA backend registered earlier in the process is set aside and put back after.)
  struct PutBack {
    DeviceMemory* real;
    ~PutBack() { register_device_memory(DeviceType::CUDA, real); }
  } put_back{find_device_memory(DeviceType::CUDA)};
  register_device_memory(DeviceType::CUDA, nullptr);
  const ReplayReport no_memory = replay_paths(r, source);
  EXPECT_TRUE(no_memory.failures.empty());
  EXPECT_EQ(no_memory.per_op.at("aten::neg").skipped[static_cast<size_t>(ops::Backend::CUDA)], 1);
  EXPECT_EQ(no_memory.per_op.at("aten::neg").runs[static_cast<size_t>(ops::Backend::CUDA)], 0);
  EXPECT_EQ(untested_paths(r, no_memory), (std::vector<std::string>{"aten::abs (cpu)", "aten::abs (cpu-reference)"}));
  StandInDeviceMemory memory;
  register_device_memory(DeviceType::CUDA, &memory);
  const ReplayReport on_device = replay_paths(r, source);
  EXPECT_TRUE(on_device.failures.empty()) << on_device.failures.front();
  EXPECT_TRUE(saw_device_input);
  EXPECT_EQ(on_device.per_op.at("aten::neg").runs[static_cast<size_t>(ops::Backend::CUDA)], 1);
  EXPECT_EQ(on_device.per_op.at("aten::neg").paths, 3);
  r.add_path("aten::neg", "", ops::Backend::CUDA, neg_on_device(1.001));
  const ReplayReport wrong = replay_paths(r, source);
  ASSERT_EQ(wrong.failures.size(), 1u);
  EXPECT_NE(wrong.failures[0].find("cuda vs PyTorch"), std::string::npos) << wrong.failures[0];
}

}  // namespace
}  // namespace ember
