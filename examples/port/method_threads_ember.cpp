// method_threads_libtorch.cpp ported to ember.   method_threads_ember MODEL.pt
#include <ember/ember.h>

#include <atomic>
#include <thread>

#include "print_util.h"

namespace {
void print_tensor(const std::string& name, const ember::Tensor& t) {
  ember::Tensor c = t.to(ember::DType::Float64).contiguous();
  std::vector<double> v(c.data<double>(), c.data<double>() + c.numel());
  print_values(name, t.sizes(), v);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.pt\n", argv[0]);
    return 2;
  }
  try {
    ember::Module model = ember::load(argv[1]);
    model.eval();
    ember::Tensor x = ember::reshape(ember::linspace(-1.0, 1.0, 8), {2, 4});

    ember::Method score = model.get_method("score");
    print_tensor("score", score({x}).to_tensor());
    print_tensor("score_kw", score({x}, {{"power", 3}, {"shift", 0.5}}).to_tensor());

    std::printf("scale: %.6g\n", model.attr("scale").to_double());
    ember::Module child = model.child("child");
    std::printf("child.gain: %.6g\n", child.attr("gain").to_double());
    print_tensor("child.lin.bias", child.child("lin").attr("bias").to_tensor());
    for (const auto& [name, c] : model.named_children()) std::printf("child: %s\n", name.c_str());

    model.set_attr("scale", 2.0);
    std::vector<ember::Value> inputs{x, int64_t{2}, ember::list_value(std::vector<ember::Tensor>{}), ember::Value()};
    ember::Tensor expected = model.forward(inputs).to_tuple()->items[0].to_tensor();
    print_tensor("scaled_h", expected);

    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 25; ++i) {
          ember::Tensor h = model.forward(inputs).to_tuple()->items[0].to_tensor();
          if (!ember::allclose(h, expected)) ++mismatches;
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
