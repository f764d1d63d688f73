// A user's operator library as it would ship: its own shared object, linked against libember,
// registering the my_ns operators that tests/fixtures/gen_api.py defines with torch.library.
#include <ember/ember.h>

namespace {

// my_ns::scaled_add(Tensor x, Tensor y, float alpha=1.0) -> Tensor: x + alpha * y
ember::Tensor scaled_add(const ember::Tensor& x, const ember::Tensor& y, double alpha) { return x + y * alpha; }

// my_ns::count_above(Tensor x, float threshold) -> int
int64_t count_above(const ember::Tensor& x, double threshold) {
  return ember::sum(x > threshold).item_int();
}

}  // namespace

EMBER_REGISTER_OPS(my_ns) {
  ember::register_op("my_ns::scaled_add(Tensor x, Tensor y, float alpha=1.0) -> Tensor", scaled_add);
  ember::register_op("my_ns::count_above(Tensor x, float threshold) -> int", count_above);
}
