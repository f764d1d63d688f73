// The minimal ember program: load a TorchScript model, wrap an input buffer, run, read the result.
//
//   classify_digit examples/digits/digits.pt
//
// The buffer below is an 8x8 handwritten "3" (one of examples/digits/samples), as 0..255 pixels.
#include <ember/ember.h>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIGITS_MODEL.pt\n", argv[0]);
    return 2;
  }
  static const unsigned char pixels[64] = {
      0, 16,  128, 159, 223, 159, 0,   0, 0, 191, 159, 96,  96,  255, 32,  0,
      0, 48,  0,   0,   112, 223, 16,  0, 0, 0,   0,   0,   143, 175, 0,   0,
      0, 0,   0,   0,   32,  255, 16,  0, 0, 0,   0,   0,   0,   128, 191, 0,
      0, 0,   64,  0,   32,  175, 143, 0, 0, 0,   191, 255, 223, 191, 64,  0};
  std::vector<float> input(64);
  for (int i = 0; i < 64; ++i) input[i] = pixels[i] / 255.0f;

  try {
    ember::Module model = ember::load(argv[1]);
    // from_blob borrows our buffer: no copy; it must outlive the call.
    ember::Tensor x = ember::Tensor::from_blob(input.data(), {1, 1, 8, 8}, ember::DType::Float32);
    ember::Tensor logits = model.forward({x}).to_tensor();

    const float* scores = logits.contiguous().data<float>();
    int best = 0;
    for (int i = 0; i < logits.size(-1); ++i) {
      std::printf("class %d: %.4f\n", i, scores[i]);
      if (scores[i] > scores[best]) best = i;
    }
    std::printf("predicted digit: %d\n", best);
  } catch (const ember::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
