// reduce.cpp — reduction dim sets and the merged walk over reduced dims.
#include "tensor/reduce.h"

#include "tensor/broadcast.h"

namespace ember {

std::vector<bool> reduction_mask(const Tensor& x, std::optional<std::span<const int64_t>> dims) {
  if (!dims || dims->empty()) return std::vector<bool>(static_cast<size_t>(x.dim()), true);
  return dim_mask(*dims, x.dim());
}

Shape reduced_shape(const Tensor& x, const std::vector<bool>& mask, bool keepdim) {
  Shape out;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) out.push_back(x.sizes()[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

ReducedRange::ReducedRange(const Tensor& x, const std::vector<bool>& mask) {
  const auto es = static_cast<int64_t>(x.element_size());
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    const int64_t sz = x.sizes()[i], st = x.strides()[i] * es;
    numel_ *= sz;
    if (sz == 1) continue;
    // Merge with the previous dim when it steps exactly over this one.
    if (!sizes_.empty() && strides_.back() == sz * st) {
      sizes_.back() *= sz;
      strides_.back() = st;
    } else {
      sizes_.push_back(sz);
      strides_.push_back(st);
    }
  }
}

}  // namespace ember
