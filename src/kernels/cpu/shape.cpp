// shape.cpp — views (new sizes/strides over the same storage) and copying shape ops.
#include "kernels/cpu/shape.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/impl.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {
Tensor make_view(const Tensor& t, Shape sizes, Shape strides, int64_t offset) {
  return t.as_strided(std::move(sizes), std::move(strides), offset);
}

// Strides that view `t` as `shape` without copying, when they exist (PyTorch's computeStride).
std::optional<Shape> view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& shape) {
  const auto nd = static_cast<int64_t>(shape.size());
  Shape strides(shape.size(), 1);
  if (old_shape.empty()) return strides;
  if (checked_numel(old_shape) == 0) {
    if (old_shape == shape) return old_strides;
    return contiguous_strides(shape);
  }
  int64_t view_d = nd - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = static_cast<int64_t>(old_shape.size()) - 1; td >= 0; --td) {
    const auto u = static_cast<size_t>(td);
    tensor_numel *= old_shape[u];
    if (td == 0 || (old_shape[u - 1] != 1 && old_strides[u - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[static_cast<size_t>(view_d)] == 1)) {
        strides[static_cast<size_t>(view_d)] = view_numel * chunk_base_stride;
        view_numel *= shape[static_cast<size_t>(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (td > 0) {
        chunk_base_stride = old_strides[u - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}
}  // namespace

Shape infer_size(std::span<const int64_t> shape, int64_t numel) {
  Shape out(shape.begin(), shape.end());
  int64_t known = 1;
  std::optional<size_t> infer;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer) fail("only one dimension can be inferred");
      infer = i;
    } else if (out[i] < 0) {
      fail("invalid shape dimension ", out[i]);
    } else {
      known *= out[i];
    }
  }
  if (infer) {
    if (known == 0 || numel % known != 0) fail("shape '", shape_string(shape), "' is invalid for input of size ", numel);
    out[*infer] = numel / known;
  } else if (known != numel) {
    fail("shape '", shape_string(shape), "' is invalid for input of size ", numel);
  }
  return out;
}

Tensor view(const Tensor& t, std::span<const int64_t> shape) {
  Shape sizes = infer_size(shape, t.numel());
  auto st = view_strides(t.sizes(), t.strides(), sizes);
  if (!st)
    fail("view size is not compatible with input tensor's size and stride (at least one dimension spans "
         "across two contiguous subspaces). Use .reshape(...) instead.");
  return make_view(t, std::move(sizes), std::move(*st), t.offset());
}

Tensor reshape(const Tensor& t, std::span<const int64_t> shape) {
  Shape sizes = infer_size(shape, t.numel());
  if (auto st = view_strides(t.sizes(), t.strides(), sizes)) return make_view(t, std::move(sizes), std::move(*st), t.offset());
  Tensor c = t.clone();
  return make_view(c, sizes, contiguous_strides(sizes), 0);
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  const int64_t nd = t.dim();
  const int64_t s = wrap_dim(start_dim, nd), e = wrap_dim(end_dim, nd);
  if (s > e) fail("flatten() has invalid args: start_dim cannot come after end_dim");
  if (nd == 0) return reshape(t, Shape{1});
  if (s == e) return t;
  Shape sizes(t.sizes().begin(), t.sizes().begin() + s);
  int64_t n = 1;
  for (int64_t i = s; i <= e; ++i) n *= t.sizes()[static_cast<size_t>(i)];
  sizes.push_back(n);
  sizes.insert(sizes.end(), t.sizes().begin() + e + 1, t.sizes().end());
  return reshape(t, sizes);
}

Tensor unflatten(const Tensor& t, int64_t dim, std::span<const int64_t> sizes) {
  const int64_t d = wrap_dim(dim, t.dim());
  if (sizes.empty()) fail("unflatten: sizes must be non-empty");
  Shape inner = infer_size(sizes, t.dim() ? t.size(d) : 1);
  Shape shape(t.sizes().begin(), t.sizes().begin() + d);
  shape.insert(shape.end(), inner.begin(), inner.end());
  if (t.dim()) shape.insert(shape.end(), t.sizes().begin() + d + 1, t.sizes().end());
  return view(t, shape);
}

Tensor permute(const Tensor& t, std::span<const int64_t> dims) {
  const int64_t nd = t.dim();
  if (static_cast<int64_t>(dims.size()) != nd)
    fail("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
         "desired ordering of dimensions i.e. input.dim() = ", nd, " is not equal to len(dims) = ", dims.size());
  std::vector<bool> seen(static_cast<size_t>(nd), false);
  Shape sizes(static_cast<size_t>(nd)), strides(static_cast<size_t>(nd));
  for (size_t i = 0; i < dims.size(); ++i) {
    const auto d = static_cast<size_t>(wrap_dim(dims[i], nd));
    if (seen[d]) fail("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sizes[i] = t.sizes()[d];
    strides[i] = t.strides()[d];
  }
  return make_view(t, std::move(sizes), std::move(strides), t.offset());
}

Tensor transpose(const Tensor& t, int64_t d0, int64_t d1) {
  const int64_t nd = t.dim();
  const auto a = static_cast<size_t>(wrap_dim(d0, nd)), b = static_cast<size_t>(wrap_dim(d1, nd));
  Shape sizes = t.sizes(), strides = t.strides();
  if (nd > 0) {
    std::swap(sizes[a], sizes[b]);
    std::swap(strides[a], strides[b]);
  }
  return make_view(t, std::move(sizes), std::move(strides), t.offset());
}

Tensor t(const Tensor& x) {
  if (x.dim() > 2) fail("t() expects a tensor with <= 2 dimensions, but self is ", x.dim(), "D");
  return x.dim() < 2 ? alias(x) : transpose(x, 0, 1);
}

Tensor matrix_transpose(const Tensor& x) {
  if (x.dim() < 2) fail("tensor.mT is only supported on matrices or batches of matrices. Got ", x.dim(), "-D tensor.");
  return transpose(x, -2, -1);
}

Tensor squeeze(const Tensor& x) {
  Shape sizes, strides;
  for (int64_t i = 0; i < x.dim(); ++i)
    if (x.sizes()[static_cast<size_t>(i)] != 1) {
      sizes.push_back(x.sizes()[static_cast<size_t>(i)]);
      strides.push_back(x.strides()[static_cast<size_t>(i)]);
    }
  return make_view(x, std::move(sizes), std::move(strides), x.offset());
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  const auto d = static_cast<size_t>(wrap_dim(dim, x.dim()));
  if (x.dim() == 0 || x.sizes()[d] != 1) return alias(x);
  Shape sizes = x.sizes(), strides = x.strides();
  sizes.erase(sizes.begin() + static_cast<ptrdiff_t>(d));
  strides.erase(strides.begin() + static_cast<ptrdiff_t>(d));
  return make_view(x, std::move(sizes), std::move(strides), x.offset());
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  const auto d = static_cast<size_t>(wrap_dim(dim, x.dim() + 1));
  Shape sizes = x.sizes(), strides = x.strides();
  const int64_t st = d < sizes.size() ? sizes[d] * strides[d] : 1;
  sizes.insert(sizes.begin() + static_cast<ptrdiff_t>(d), 1);
  strides.insert(strides.begin() + static_cast<ptrdiff_t>(d), st);
  return make_view(x, std::move(sizes), std::move(strides), x.offset());
}

Tensor expand(const Tensor& x, std::span<const int64_t> sizes) { return expand_to(x, sizes); }

Tensor repeat(const Tensor& x, std::span<const int64_t> repeats) {
  const auto nr = static_cast<int64_t>(repeats.size());
  if (nr < x.dim())
    fail("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  // View x as [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...], then copy and fold pairs.
  Shape padded(static_cast<size_t>(nr - x.dim()), 1);
  padded.insert(padded.end(), x.sizes().begin(), x.sizes().end());
  Tensor xp = reshape(x, padded);
  Shape big, target, final_shape;
  for (size_t i = 0; i < repeats.size(); ++i) {
    if (repeats[i] < 0) fail("Trying to create tensor with negative dimension ", repeats[i], ": ", shape_string(repeats));
    big.push_back(1);
    big.push_back(padded[i]);
    target.push_back(repeats[i]);
    target.push_back(padded[i]);
    final_shape.push_back(repeats[i] * padded[i]);
  }
  Tensor expanded = expand_to(view(xp, big), target);
  Tensor out = Tensor::empty(target, x.dtype());
  copy_into(out, expanded);
  return view(out, final_shape);
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  if (x.dim() == 0) fail("select() cannot be applied to a 0-dim tensor.");
  const auto d = static_cast<size_t>(wrap_dim(dim, x.dim()));
  const int64_t size = x.sizes()[d];
  if (index < -size || index >= size)
    fail("select(): index ", index, " out of range for tensor of size ", shape_string(x.sizes()), " at dimension ", d);
  if (index < 0) index += size;
  Shape sizes = x.sizes(), strides = x.strides();
  const int64_t offset = x.offset() + index * strides[d];
  sizes.erase(sizes.begin() + static_cast<ptrdiff_t>(d));
  strides.erase(strides.begin() + static_cast<ptrdiff_t>(d));
  return make_view(x, std::move(sizes), std::move(strides), offset);
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start_opt, std::optional<int64_t> end_opt,
             int64_t step) {
  if (x.dim() == 0) fail("slice() cannot be applied to a 0-dim tensor.");
  if (step <= 0) fail("slice step must be positive");
  const auto d = static_cast<size_t>(wrap_dim(dim, x.dim()));
  const int64_t size = x.sizes()[d];
  int64_t start = start_opt.value_or(0), end = end_opt.value_or(INT64_MAX);
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Shape sizes = x.sizes(), strides = x.strides();
  const int64_t offset = x.offset() + start * strides[d];
  sizes[d] = end == start ? 0 : 1 + (end - start - 1) / step;  // no overflow for any step
  // A stride only matters when the dim has two or more elements; then it is checked.
  if (sizes[d] > 1 && __builtin_mul_overflow(strides[d], step, &strides[d]))
    fail("slice step ", step, " overflows the stride of dim ", dim);
  return make_view(x, std::move(sizes), std::move(strides), offset);
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  if (x.dim() == 0) fail("narrow() cannot be applied to a 0-dim tensor.");
  const auto d = static_cast<size_t>(wrap_dim(dim, x.dim()));
  const int64_t size = x.sizes()[d];
  if (start < -size || start > size)
    fail("start out of range (expected to be in range of [", -size, ", ", size, "], but got ", start, ")");
  if (start < 0) start += size;
  if (length < 0 || start > size - length)
    fail("start (", start, ") + length (", length, ") exceeds dimension size (", size, ").");
  return slice(x, static_cast<int64_t>(d), start, start + length, 1);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  if (x.dim() == 0) fail("split expects at least a 1-dimensional tensor");
  if (split_size < 0) fail("split expects split_size be non-negative, but got split_size=", split_size);
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t size = x.size(d);
  if (split_size == 0 && size != 0)
    fail("split_size can only be 0 if dimension size is 0, but got dimension size of ", size);
  const int64_t n = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t start = i * split_size;
    out.push_back(narrow(x, d, start, std::min(split_size, size - start)));
  }
  return out;
}

std::vector<Tensor> split_with_sizes(const Tensor& x, std::span<const int64_t> sizes, int64_t dim) {
  if (x.dim() == 0) fail("split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t size = x.size(d);
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) fail("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=", shape_string(sizes));
    total += s;
  }
  if (total != size)
    fail("split_with_sizes expects split_sizes to sum exactly to ", size, " (input tensor's size at dimension ", d,
         "), but got split_sizes=", shape_string(sizes));
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  if (x.dim() == 0) fail("chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0) fail("chunk expects `chunks` to be greater than 0, got: ", chunks);
  const int64_t size = x.size(wrap_dim(dim, x.dim()));
  const int64_t split_size = (size + chunks - 1) / chunks;
  if (split_size == 0 && size == 0) {
    Shape sizes(static_cast<size_t>(chunks), 0);
    return split_with_sizes(x, sizes, dim);
  }
  return split(x, split_size, dim);
}

std::vector<Tensor> tensor_split(const Tensor& x, int64_t sections, int64_t dim) {
  if (x.dim() == 0) fail("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  if (sections <= 0) fail("number of sections must be larger than 0, got ", sections);
  const int64_t d = wrap_dim(dim, x.dim());
  const int64_t size = x.size(d);
  const int64_t min_size = size / sections, extra = size % sections;
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t i = 0; i < sections; ++i) {
    const int64_t len = min_size + (i < extra ? 1 : 0);
    out.push_back(slice(x, d, start, start + len, 1));
    start += len;
  }
  return out;
}

std::vector<Tensor> tensor_split_indices(const Tensor& x, std::span<const int64_t> indices, int64_t dim) {
  if (x.dim() == 0) fail("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  const int64_t d = wrap_dim(dim, x.dim());
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t idx : indices) {
    out.push_back(slice(x, d, start, idx, 1));
    start = idx;
  }
  out.push_back(slice(x, d, start, std::nullopt, 1));
  return out;
}

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) fail("Dimension specified as 0 but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, x.dim());
  std::vector<Tensor> out;
  for (int64_t i = 0; i < x.size(d); ++i) out.push_back(select(x, d, i));
  return out;
}

Tensor cat(std::span<const Tensor> tensors, int64_t dim) {
  if (tensors.empty()) fail("torch.cat(): expected a non-empty list of Tensors");
  // Legacy rule: 1-d empty tensors (shape [0]) are skipped whatever the other shapes are.
  std::vector<const Tensor*> parts;
  for (const Tensor& t : tensors) {
    if (t.dim() == 0) fail("zero-dimensional tensor (at position ", &t - tensors.data(), ") cannot be concatenated");
    if (!(t.dim() == 1 && t.size(0) == 0)) parts.push_back(&t);
  }
  DType dtype = tensors[0].dtype();
  for (const Tensor& t : tensors) dtype = promote_types(dtype, t.dtype());
  if (parts.empty()) return Tensor::empty(tensors[0].sizes(), dtype);
  const Tensor& ref = *parts[0];
  const int64_t d = wrap_dim(dim, ref.dim());
  Shape out_shape = ref.sizes();
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = *parts[i];
    if (t.dim() != ref.dim())
      fail("Tensors must have same number of dimensions: got ", ref.dim(), " and ", t.dim());
    for (int64_t k = 0; k < ref.dim(); ++k)
      if (k != d && t.size(k) != ref.size(k))
        fail("Sizes of tensors must match except in dimension ", d, ". Expected size ", ref.size(k), " but got size ",
             t.size(k), " for tensor number ", i, " in the list.");
    total += t.size(d);
  }
  out_shape[static_cast<size_t>(d)] = total;
  Tensor out = Tensor::empty(out_shape, dtype);
  int64_t start = 0;
  for (const Tensor* t : parts) {
    copy_into(narrow(out, d, start, t->size(d)), *t);
    start += t->size(d);
  }
  return out;
}

Tensor stack(std::span<const Tensor> tensors, int64_t dim) {
  if (tensors.empty()) fail("stack expects a non-empty TensorList");
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1);
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].sizes() != tensors[0].sizes())
      fail("stack expects each tensor to be equal size, but got ", shape_string(tensors[0].sizes()),
           " at entry 0 and ", shape_string(tensors[i].sizes()), " at entry ", i);
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
  return cat(parts, d);
}

Tensor hstack(std::span<const Tensor> tensors) {
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(t.dim() == 0 ? reshape(t, Shape{1}) : t);
  if (parts.empty()) fail("hstack expects a non-empty TensorList");
  return cat(parts, parts[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(std::span<const Tensor> tensors) {
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(t.dim() == 0 ? reshape(t, Shape{1, 1}) : t.dim() == 1 ? unsqueeze(t, 0) : t);
  return cat(parts, 0);
}

Tensor flip(const Tensor& x, std::span<const int64_t> dims) {
  std::vector<bool> mask = dim_mask(dims, x.dim());
  Shape strides = x.strides();
  int64_t offset = x.offset();
  for (size_t i = 0; i < mask.size(); ++i)
    if (mask[i] && x.sizes()[i] > 0) {
      offset += (x.sizes()[i] - 1) * strides[i];
      strides[i] = -strides[i];
    }
  Tensor reversed = make_view(x, x.sizes(), std::move(strides), offset);
  Tensor out = Tensor::empty(x.sizes(), x.dtype());
  copy_into(out, reversed);
  return out;
}

Tensor roll(const Tensor& x, std::span<const int64_t> shifts, std::span<const int64_t> dims) {
  if (dims.empty()) {
    if (shifts.size() != 1) fail("`shifts` required");
    Tensor flat = reshape(x.contiguous(), Shape{x.numel()});
    const int64_t zero = 0;
    return view(roll(flat, shifts, std::span<const int64_t>(&zero, 1)), x.sizes());
  }
  if (shifts.size() != dims.size())
    fail("shifts and dimensions must align. shifts: ", shifts.size(), ", dims:", dims.size());
  Tensor cur = x;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], x.dim());
    const int64_t n = x.size(d);
    Tensor out = Tensor::empty(x.sizes(), x.dtype());
    if (n == 0) return out;
    const int64_t s = ((shifts[i] % n) + n) % n;
    // out[s:] = cur[:n-s]; out[:s] = cur[n-s:]
    copy_into(slice(out, d, s, n, 1), slice(cur, d, 0, n - s, 1));
    copy_into(slice(out, d, 0, s, 1), slice(cur, d, n - s, n, 1));
    cur = out;
  }
  return cur;
}

namespace {
Tensor triangle(const Tensor& x, int64_t diagonal, bool lower) {
  if (x.dim() < 2) fail(lower ? "tril" : "triu", ": input tensor must have at least 2 dimensions");
  Tensor out = x.clone();
  const int64_t rows = x.size(-2), cols = x.size(-1);
  const int64_t batch = rows * cols == 0 ? 0 : out.numel() / (rows * cols);
  dispatch_all(x.dtype(), "tril", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(out.raw_data());
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          const bool keep = lower ? (j - i <= diagonal) : (j - i >= diagonal);
          if (!keep) p[(b * rows + i) * cols + j] = T{};
        }
  });
  return out;
}
}  // namespace

Tensor tril(const Tensor& x, int64_t diagonal) { return triangle(x, diagonal, true); }
Tensor triu(const Tensor& x, int64_t diagonal) { return triangle(x, diagonal, false); }

Tensor movedim(const Tensor& x, std::span<const int64_t> src, std::span<const int64_t> dst) {
  const int64_t nd = x.dim();
  if (src.size() != dst.size())
    fail("movedim: Invalid source or destination dims: source (", shape_string(src), " dims) should contain the same number of dims as destination (", shape_string(dst), " dims)");
  std::vector<bool> ms = dim_mask(src, nd), md = dim_mask(dst, nd);
  Shape order(static_cast<size_t>(nd), -1);
  for (size_t i = 0; i < src.size(); ++i)
    order[static_cast<size_t>(wrap_dim(dst[i], nd))] = wrap_dim(src[i], nd);
  int64_t next_src = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] != -1) continue;
    while (ms[static_cast<size_t>(next_src)]) ++next_src;
    order[i] = next_src++;
  }
  return permute(x, order);
}

Tensor alias(const Tensor& x) { return make_view(x, x.sizes(), x.strides(), x.offset()); }

Tensor to_dtype(const Tensor& x, DType dtype, bool copy) {
  if (x.dtype() == dtype && !copy) return x;
  return x.to(dtype);
}

Tensor view_dtype(const Tensor& x, DType dtype) {
  if (element_size(dtype) != x.element_size())
    fail("Viewing a tensor as a new dtype with a different number of bytes per element is not supported.");
  return Tensor::from_storage(x.storage(), dtype, x.sizes(), x.strides(), x.offset());
}

Tensor set_geometry_(const Tensor& self, const Tensor& like) {
  TensorImpl* impl = self.unsafe_impl();
  impl->sizes = like.sizes();
  impl->strides = like.strides();
  impl->offset = like.offset();
  return self;
}

Tensor resize_(const Tensor& self, std::span<const int64_t> sizes) {
  if (is_quantized(self.dtype())) fail("resize_ of a quantized tensor is not supported");
  if (self.unsafe_impl()->nested_lengths) fail("resize_ of a nested tensor is not supported");
  int64_t numel = 1;
  for (int64_t s : sizes) {
    if (s < 0) fail("Trying to create tensor with negative dimension ", s, ": ", shape_string(sizes));
    numel *= s;
  }
  TensorImpl* impl = self.unsafe_impl();
  const size_t needed = checked_nbytes(numel + impl->offset, impl->dtype);
  if (!impl->storage || impl->storage->nbytes() < needed) {
    auto grown = Storage::allocate(needed);
    if (impl->storage) std::memcpy(grown->data(), impl->storage->data(), impl->storage->nbytes());
    impl->storage = std::move(grown);
  }
  impl->sizes.assign(sizes.begin(), sizes.end());
  impl->strides = contiguous_strides(sizes);
  return self;
}

}  // namespace ember::cpu
