// multi_io_libtorch.cpp ported to ember:
//   forward(x: Tensor, k: int, extra: List[Tensor], bias: Optional[Tensor]) -> (Tensor, Dict[str, Tensor])
//   multi_io_ember MODEL.pt
#include <ember/ember.h>

#include "print_util.h"

namespace {
void print_tensor(const std::string& name, const ember::Tensor& t) {
  ember::Tensor c = t.to(ember::DType::Float64).contiguous();
  std::vector<double> v(c.data<double>(), c.data<double>() + c.numel());
  print_values(name, t.sizes(), v);
}

void print_output(const std::string& tag, const ember::Value& out) {
  print_tensor(tag + ".h", ember::tuple_at(out, 0).to_tensor());
  const ember::Value& d = ember::tuple_at(out, 1);
  print_tensor(tag + ".values", ember::dict_at(d, "values").to_tensor());
  print_tensor(tag + ".indices", ember::dict_at(d, "indices").to_tensor());
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
    ember::Tensor x = ember::reshape(ember::arange(8, ember::DType::Float32), {2, 4}) / 10.0 - 0.3;
    ember::Tensor e1 = ember::full({2, 3}, 0.25);
    ember::Tensor e2 = ember::ones({2, 3}) * -0.5;
    ember::Tensor bias = ember::tensor({0.5, -0.5, 0.25});

    std::vector<ember::Value> inputs{x, int64_t{2}, ember::list_value(std::vector<ember::Tensor>{e1, e2}), bias};
    print_output("full", model.forward(inputs));
    print_output("no_bias", model.forward({x, int64_t{3}, ember::list_value(std::vector<ember::Tensor>{}), ember::Value()}));
    print_output("default_bias", model.forward({x, int64_t{1}, ember::list_value(std::vector<ember::Tensor>{e1})}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
