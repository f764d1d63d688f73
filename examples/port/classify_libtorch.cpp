// An image classifier as deployed with libtorch: raw 8-bit pixels in, top-5 classes out.
//   classify_libtorch MODEL.pt IMAGE.u8 HEIGHT WIDTH
#include <torch/script.h>

#include <fstream>
#include <iterator>

#include "print_util.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.pt IMAGE.u8 HEIGHT WIDTH\n", argv[0]);
    return 2;
  }
  try {
    torch::jit::script::Module model = torch::jit::load(argv[1]);
    model.eval();
    std::ifstream in(argv[2], std::ios::binary);
    std::vector<uint8_t> pixels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int64_t h = std::stoll(argv[3]), w = std::stoll(argv[4]);
    torch::NoGradGuard no_grad;
    torch::Tensor image = torch::from_blob(pixels.data(), {h, w}, torch::kUInt8);
    torch::Tensor x = image.to(torch::kFloat32) / 255.0;
    x = x.reshape({1, 1, h, w});
    torch::Tensor logits = model.forward({x}).toTensor();
    torch::Tensor probs = torch::softmax(logits, 1);
    auto [top_p, top_i] = torch::topk(probs, 5);
    std::vector<double> p, i;
    for (int64_t k = 0; k < 5; ++k) {
      p.push_back(top_p[0][k].item<double>());
      i.push_back(static_cast<double>(top_i[0][k].item<int64_t>()));
    }
    print_values("top5_prob", {5}, p);
    print_values("top5_class", {5}, i);
    std::printf("predicted: %lld\n", static_cast<long long>(torch::argmax(logits, 1).item<int64_t>()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
