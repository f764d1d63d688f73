// aten_loss.cpp — schemas of the loss functions bound to kernels/cpu/loss.h. The `reduction`
// argument is PyTorch's enum as an int (0 none, 1 mean, 2 sum), which is how TorchScript's
// F.*_loss code passes it after `_Reduction.get_enum`.
#include "kernels/cpu/loss.h"
#include "ops/aten_util.h"

namespace ember::ops {

namespace {

using OptTensor = std::optional<Tensor>;
using cpu::to_reduction;

}  // namespace

void register_loss_ops(Registry& r) {
  r.add("aten::l1_loss(Tensor self, Tensor target, int reduction=1) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y, int64_t red) { return cpu::l1_loss(x, y, to_reduction(red)); }));
  r.add("aten::mse_loss(Tensor self, Tensor target, int reduction=1) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y, int64_t red) { return cpu::mse_loss(x, y, to_reduction(red)); }));
  r.add("aten::smooth_l1_loss(Tensor self, Tensor target, int reduction=1, float beta=1.) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y, int64_t red, double beta) {
          return cpu::smooth_l1_loss(x, y, to_reduction(red), beta);
        }));
  r.add("aten::huber_loss(Tensor self, Tensor target, int reduction=1, float delta=1.) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y, int64_t red, double delta) {
          return cpu::huber_loss(x, y, to_reduction(red), delta);
        }));
  r.add("aten::binary_cross_entropy(Tensor self, Tensor target, Tensor? weight=None, int reduction=1) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y, OptTensor w, int64_t red) {
          return cpu::binary_cross_entropy(x, y, w, to_reduction(red));
        }));
  r.add("aten::binary_cross_entropy_with_logits(Tensor self, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, int reduction=1) -> Tensor",
        wrap([](const Tensor& x, const Tensor& y, OptTensor w, OptTensor pw, int64_t red) {
          return cpu::binary_cross_entropy_with_logits(x, y, w, pw, to_reduction(red));
        }));
  auto nll = [](cpu::NllForm form) {
    return wrap([form](const Tensor& x, const Tensor& t, OptTensor w, int64_t red, int64_t ignore) {
      return cpu::nll_loss(form, x, t, w, to_reduction(red), ignore);
    });
  };
  r.add("aten::nll_loss(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100) -> Tensor",
        nll(cpu::NllForm::Flat));
  r.add("aten::nll_loss2d(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100) -> Tensor",
        nll(cpu::NllForm::Spatial2d));
  r.add("aten::nll_loss_nd(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100) -> Tensor",
        nll(cpu::NllForm::Nd));
  r.add("aten::cross_entropy_loss(Tensor self, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100, float label_smoothing=0.) -> Tensor",
        wrap([](const Tensor& x, const Tensor& t, OptTensor w, int64_t red, int64_t ignore, double ls) {
          return cpu::cross_entropy_loss(x, t, w, to_reduction(red), ignore, ls);
        }));
}

}  // namespace ember::ops
