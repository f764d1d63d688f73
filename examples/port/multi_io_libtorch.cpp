// A scripted model with a rich signature, called from libtorch:
//   forward(x: Tensor, k: int, extra: List[Tensor], bias: Optional[Tensor]) -> (Tensor, Dict[str, Tensor])
//   multi_io_libtorch MODEL.pt
#include <torch/script.h>

#include "print_util.h"

namespace {
void print_tensor(const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kFloat64).contiguous();
  std::vector<double> v(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  print_values(name, t.sizes().vec(), v);
}

void print_output(const std::string& tag, const torch::IValue& out) {
  auto tuple = out.toTuple();
  print_tensor(tag + ".h", tuple->elements()[0].toTensor());
  c10::Dict<c10::IValue, c10::IValue> d = tuple->elements()[1].toGenericDict();
  print_tensor(tag + ".values", d.at("values").toTensor());
  print_tensor(tag + ".indices", d.at("indices").toTensor());
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
    torch::Tensor x = torch::arange(8, torch::kFloat32).reshape({2, 4}) / 10.0 - 0.3;
    torch::Tensor e1 = torch::full({2, 3}, 0.25);
    torch::Tensor e2 = torch::ones({2, 3}) * -0.5;
    torch::Tensor bias = torch::tensor({0.5, -0.5, 0.25});

    std::vector<torch::jit::IValue> inputs{x, int64_t{2}, std::vector<torch::Tensor>{e1, e2}, bias};
    print_output("full", model.forward(inputs));
    print_output("no_bias", model.forward({x, int64_t{3}, std::vector<torch::Tensor>{}, torch::jit::IValue()}));
    print_output("default_bias", model.forward({x, int64_t{1}, std::vector<torch::Tensor>{e1}}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
