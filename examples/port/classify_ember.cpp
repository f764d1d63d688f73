// classify_libtorch.cpp ported to ember: the same lines with ember's spellings (docs/api.md).
//   classify_ember MODEL.pt IMAGE.u8 HEIGHT WIDTH
#include <ember/ember.h>

#include <fstream>
#include <iterator>

#include "print_util.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s MODEL.pt IMAGE.u8 HEIGHT WIDTH\n", argv[0]);
    return 2;
  }
  try {
    ember::Module model = ember::load(argv[1]);
    model.eval();
    std::ifstream in(argv[2], std::ios::binary);
    std::vector<uint8_t> pixels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int64_t h = std::stoll(argv[3]), w = std::stoll(argv[4]);
    // (no NoGradGuard: ember never records gradients)
    ember::Tensor image = ember::Tensor::from_blob(pixels.data(), {h, w}, ember::DType::UInt8);
    ember::Tensor x = image.to(ember::DType::Float32) / 255.0;
    x = ember::reshape(x, {1, 1, h, w});
    ember::Tensor logits = model.forward({x}).to_tensor();
    ember::Tensor probs = ember::softmax(logits, 1);
    auto [top_p, top_i] = ember::topk(probs, 5);
    std::vector<double> p, i;
    for (int64_t k = 0; k < 5; ++k) {
      p.push_back(ember::select(top_p, 1, k).item_double());
      i.push_back(static_cast<double>(ember::select(top_i, 1, k).item_int()));
    }
    print_values("top5_prob", {5}, p);
    print_values("top5_class", {5}, i);
    std::printf("predicted: %lld\n", static_cast<long long>(ember::argmax(logits, 1).item_int()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
