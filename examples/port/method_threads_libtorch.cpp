// An exported method with keyword arguments, attribute access and four threads on one module,
// with libtorch.   method_threads_libtorch MODEL.pt
#include <torch/script.h>

#include <atomic>
#include <thread>

#include "print_util.h"

namespace {
void print_tensor(const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kFloat64).contiguous();
  std::vector<double> v(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  print_values(name, t.sizes().vec(), v);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.pt\n", argv[0]);
    return 2;
  }
  try {
    torch::jit::script::Module model = torch::jit::load(argv[1]);
    model.eval();
    torch::NoGradGuard no_grad;
    torch::Tensor x = torch::linspace(-1.0, 1.0, 8).reshape({2, 4});

    torch::jit::Method score = model.get_method("score");
    print_tensor("score", score({x}).toTensor());
    print_tensor("score_kw", score({x}, {{"power", 3}, {"shift", 0.5}}).toTensor());

    std::printf("scale: %.6g\n", model.attr("scale").toDouble());
    torch::jit::script::Module child = model.attr("child").toModule();
    std::printf("child.gain: %.6g\n", child.attr("gain").toDouble());
    print_tensor("child.lin.bias", child.attr("lin").toModule().attr("bias").toTensor());
    for (const auto& c : model.named_children()) std::printf("child: %s\n", c.name.c_str());

    model.setattr("scale", 2.0);
    std::vector<torch::jit::IValue> inputs{x, int64_t{2}, std::vector<torch::Tensor>{}, torch::jit::IValue()};
    torch::Tensor expected = model.forward(inputs).toTuple()->elements()[0].toTensor();
    print_tensor("scaled_h", expected);

    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        torch::NoGradGuard guard;
        for (int i = 0; i < 25; ++i) {
          torch::Tensor h = model.forward(inputs).toTuple()->elements()[0].toTensor();
          if (!torch::allclose(h, expected)) ++mismatches;
        }
      });
    for (auto& th : threads) th.join();
    std::printf("threads: 4 x 25 calls, %d mismatches\n", mismatches.load());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
