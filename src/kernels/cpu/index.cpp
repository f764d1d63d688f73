// index.cpp — index-driven gathers and scatters. Each op restrides its operands so that one
// TensorIterator walk visits (destination, source, index) triples; the indexed dimension gets
// stride 0 and the index value supplies the offset.
#include "kernels/cpu/index.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

void check_index_dtype(const Tensor& index, const char* op) {
  if (index.dtype() != DType::Int64 && index.dtype() != DType::Int32)
    fail(op, "(): Expected dtype int64 for index");
}

int64_t read_index(const char* p, DType dt) {
  return dt == DType::Int64 ? *reinterpret_cast<const int64_t*>(p) : *reinterpret_cast<const int32_t*>(p);
}

int64_t checked_index(int64_t i, int64_t size, int64_t dim) {
  if (i < -size || i >= size) fail("index ", i, " is out of bounds for dimension ", dim, " with size ", size);
  return i < 0 ? i + size : i;
}

// t seen with `sizes`, keeping t's strides except along `dim` (stride 0) and dims where t is
// smaller than sizes is allowed only when t covers them (checked by the caller).
Tensor restride(const Tensor& t, const Shape& sizes, int64_t dim) {
  Shape strides = t.dim() == 0 ? Shape(sizes.size(), 0) : t.strides();
  if (!strides.empty()) strides[static_cast<size_t>(dim)] = 0;
  return t.as_strided(sizes, strides, t.offset());
}

// The common driver of gather/scatter: visits every index element with pointers into the three
// operands; f(char* self_elem_at_dim0, char* other_elem, int64_t idx).
template <class F>
void walk_index(const Tensor& self, const Tensor& index, const Tensor* other, int64_t dim, const char* op, F&& f) {
  const int64_t nd = std::max<int64_t>(self.dim(), 1);
  if (index.dim() != self.dim() && !(index.dim() <= 1 && self.dim() <= 1))
    fail("Index tensor must have the same number of dimensions as ", op, " tensor");
  if (index.numel() == 0) return;
  Shape sizes = index.dim() == 0 ? Shape{1} : index.sizes();
  for (int64_t d = 0; d < index.dim(); ++d) {
    if (d != dim && index.size(d) > (self.dim() ? self.size(d) : 1))
      fail("Size does not match at dimension ", d, " expected index ", shape_string(index.sizes()),
           " to be smaller than self ", shape_string(self.sizes()), " apart from dimension ", dim);
    if (other && index.size(d) > (other->dim() ? other->size(d) : 1))
      fail("Size does not match at dimension ", d, " expected index ", shape_string(index.sizes()),
           " to be smaller than src ", shape_string(other->sizes()));
  }
  Tensor self1 = self.dim() == 0 ? self.as_strided(Shape{1}, Shape{1}, self.offset()) : self;
  Tensor index1 = index.dim() == 0 ? index.as_strided(Shape{1}, Shape{1}, index.offset()) : index;
  const int64_t size = self1.size(dim);
  const int64_t stride_bytes = self1.stride(dim) * static_cast<int64_t>(self.element_size());
  TensorIterator it;
  it.add_input(restride(self1, sizes, dim));
  if (other) {
    Tensor o = other->dim() == 0 ? other->as_strided(Shape{1}, Shape{1}, other->offset()) : *other;
    it.add_input(o.as_strided(sizes, o.strides(), o.offset()));
  }
  it.add_input(index1);
  it.declare_shape(sizes);
  it.build();
  const DType idt = index.dtype();
  const int k = other ? 2 : 1;
  (void)nd;
  it.for_each([&](char** data, const int64_t* strides, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      // gather/scatter take no negative indices, unlike advanced indexing.
      const int64_t i = read_index(data[k] + j * strides[k], idt);
      if (i < 0 || i >= size) fail("index ", i, " is out of bounds for dimension ", dim, " with size ", size);
      f(data[0] + j * strides[0] + i * stride_bytes, other ? data[1] + j * strides[1] : nullptr);
    }
  });
}

}  // namespace

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  check_index_dtype(index, "index_select");
  if (index.dim() > 1) fail("index_select(): Index is supposed to be a vector");
  const int64_t d = wrap_dim(dim, self.dim());
  const int64_t n = index.numel();
  Shape out_shape = self.sizes();
  if (self.dim() > 0) out_shape[static_cast<size_t>(d)] = n;
  Tensor out = Tensor::empty(out_shape, self.dtype());
  Tensor idx = index.contiguous();
  const int64_t size = self.dim() > 0 ? self.size(d) : 1;
  if (d == 0 && self.dim() > 0 && self.is_contiguous()) {
    // Row gather (embeddings): whole rows are contiguous bytes.
    const size_t row = static_cast<size_t>(self.numel() / std::max<int64_t>(size, 1)) * self.element_size();
    const char* src = static_cast<const char*>(self.raw_data());
    char* dst = static_cast<char*>(out.raw_data());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = read_index(static_cast<const char*>(idx.raw_data()) + i * static_cast<int64_t>(idx.element_size()), idx.dtype());
      if (k < 0 || k >= size) fail("index out of range in self");
      std::memcpy(dst + static_cast<size_t>(i) * row, src + static_cast<size_t>(k) * row, row);
    }
    return out;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = read_index(static_cast<const char*>(idx.raw_data()) + i * static_cast<int64_t>(idx.element_size()), idx.dtype());
    if (k < 0 || k >= size) fail("index out of range in self");
    if (self.dim() == 0) {
      copy_into(out, self);
    } else {
      copy_into(select(out, d, i), select(self, d, k));
    }
  }
  return out;
}

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  check_index_dtype(index, "gather");
  const int64_t d = wrap_dim(dim, self.dim());
  Tensor out = Tensor::empty(index.sizes(), self.dtype());
  dispatch_all(self.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    walk_index(self, index, &out, d, "input", [](char* s, char* o) { *reinterpret_cast<T*>(o) = *reinterpret_cast<const T*>(s); });
  });
  return out;
}

Tensor scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  check_index_dtype(index, "scatter");
  const int64_t d = wrap_dim(dim, self.dim());
  if (src.dtype() != self.dtype()) fail("scatter(): Expected self.dtype to be equal to src.dtype");
  const Tensor& s = src;
  dispatch_real(self.dtype(), "scatter", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    if (reduce.empty())
      walk_index(self, index, &s, d, "self", [](char* dst, char* v) { *reinterpret_cast<T*>(dst) = *reinterpret_cast<const T*>(v); });
    else if (reduce == "add" || reduce == "sum")
      walk_index(self, index, &s, d, "self", [](char* dst, char* v) {
        T& o = *reinterpret_cast<T*>(dst);
        o = scalar_cast<T>(static_cast<A>(o) + static_cast<A>(*reinterpret_cast<const T*>(v)));
      });
    else if (reduce == "multiply" || reduce == "prod")
      walk_index(self, index, &s, d, "self", [](char* dst, char* v) {
        T& o = *reinterpret_cast<T*>(dst);
        o = scalar_cast<T>(static_cast<A>(o) * static_cast<A>(*reinterpret_cast<const T*>(v)));
      });
    else
      fail("reduce argument must be either add or multiply.");
  });
  return self;
}

Tensor scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, const std::string& reduce) {
  return scatter_(self, dim, index, expand_to(scalar_to_tensor(value, self.dtype()), index.sizes()), reduce);
}

Tensor masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value) {
  if (mask.dtype() != DType::Bool) fail("masked_fill_ only supports boolean masks, but got mask with dtype ", dtype_name(mask.dtype()));
  dispatch_all(self.dtype(), "masked_fill_", [&](auto tag) {
    using T = decltype(tag);
    const T v = value.to<T>();
    TensorIterator it;
    it.add_output(self, self.dtype()).add_input(self).add_input(mask).build();
    it.for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t j = 0; j < n; ++j)
        if (*reinterpret_cast<const bool*>(data[2] + j * strides[2])) *reinterpret_cast<T*>(data[0] + j * strides[0]) = v;
    });
  });
  return self;
}

Tensor masked_fill_(const Tensor& self, const Tensor& mask, const Tensor& value) {
  if (value.dim() != 0)
    fail("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value.dim(), " dimension(s).");
  return dispatch_all(value.dtype(), "masked_fill_", [&](auto tag) {
    using T = decltype(tag);
    return masked_fill_(self, mask, Scalar(scalar_cast<double>(*static_cast<const T*>(value.raw_data()))));
  });
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  Tensor out = Tensor::empty(broadcast_shapes(self.sizes(), mask.sizes()), self.dtype());
  copy_into(out, self);
  return masked_fill_(out, mask, value);
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  Tensor out = Tensor::empty(broadcast_shapes(self.sizes(), mask.sizes()), self.dtype());
  copy_into(out, self);
  return masked_fill_(out, mask, value);
}

Tensor nonzero(const Tensor& self) {
  Tensor c = self.contiguous();
  const int64_t nd = self.dim(), n = self.numel();
  std::vector<int64_t> hits;
  dispatch_all(self.dtype(), "nonzero", [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(c.raw_data());
    for (int64_t i = 0; i < n; ++i)
      if (scalar_cast<bool>(p[i])) hits.push_back(i);
  });
  Tensor out = Tensor::empty(Shape{static_cast<int64_t>(hits.size()), nd}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  for (size_t h = 0; h < hits.size(); ++h) {
    int64_t rem = hits[h];
    for (int64_t d = nd - 1; d >= 0; --d) {
      const int64_t s = self.sizes()[static_cast<size_t>(d)];
      o[static_cast<int64_t>(h) * nd + d] = rem % s;
      rem /= s;
    }
  }
  return out;
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  if (mask.dtype() != DType::Bool) fail("masked_select: expected BoolTensor for mask");
  const Shape shape = broadcast_shapes(self.sizes(), mask.sizes());
  Tensor s = expand_to(self, shape).contiguous();
  Tensor m = expand_to(mask, shape).contiguous();
  const bool* mp = m.data<bool>();
  int64_t count = 0;
  for (int64_t i = 0; i < m.numel(); ++i) count += mp[i] ? 1 : 0;
  Tensor out = Tensor::empty(Shape{count}, self.dtype());
  dispatch_all(self.dtype(), "masked_select", [&](auto tag) {
    using T = decltype(tag);
    const T* sp = static_cast<const T*>(s.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t i = 0; i < m.numel(); ++i)
      if (mp[i]) *o++ = sp[i];
  });
  return out;
}

namespace {
// Advanced-indexing geometry: the result shape and restrided views of self and every index so
// one iterator walk yields (self element at the indexed dims' origin, index values).
struct AdvancedIndex {
  Shape result_shape;
  Tensor src;                   // self restrided to the result shape (indexed dims stride 0)
  std::vector<Tensor> indices;  // restrided to the result shape
  std::vector<int64_t> dim_sizes, dim_strides;  // of self along each indexed dim

  AdvancedIndex(const Tensor& self, const std::vector<std::optional<Tensor>>& raw) {
    // Masks become one long index per mask dim.
    std::vector<std::optional<Tensor>> idx;
    for (const auto& t : raw) {
      if (t && (t->dtype() == DType::Bool || t->dtype() == DType::UInt8)) {
        const size_t start = idx.size();
        for (int64_t k = 0; k < t->dim(); ++k) {
          const size_t d = start + static_cast<size_t>(k);
          if (static_cast<int64_t>(d) >= self.dim() || t->sizes()[static_cast<size_t>(k)] != self.sizes()[d])
            fail("The shape of the mask ", shape_string(t->sizes()), " at index ", k,
                 " does not match the shape of the indexed tensor ", shape_string(self.sizes()), " at index ", d);
        }
        if (t->dim() == 0) fail("indexing with a 0-dim boolean mask is not supported");
        Tensor nz = nonzero(*t);
        for (int64_t k = 0; k < t->dim(); ++k) idx.push_back(select(nz, 1, k));
      } else {
        if (t && !is_integral(t->dtype(), false))
          fail("tensors used as indices must be long, int, byte or bool tensors");
        idx.push_back(t);
      }
    }
    if (static_cast<int64_t>(idx.size()) > self.dim())
      fail("too many indices for tensor of dimension ", self.dim(), " (got ", idx.size(), ")");
    idx.resize(static_cast<size_t>(self.dim()));
    Shape bshape;
    std::vector<int64_t> indexed;
    bool first = true;
    for (size_t d = 0; d < idx.size(); ++d)
      if (idx[d]) {
        bshape = first ? idx[d]->sizes() : broadcast_shapes(bshape, idx[d]->sizes());
        first = false;
        indexed.push_back(static_cast<int64_t>(d));
      }
    if (indexed.empty()) fail("index: at least one index tensor is required");
    bool adjacent = true;
    for (size_t i = 1; i < indexed.size(); ++i) adjacent = adjacent && indexed[i] == indexed[i - 1] + 1;
    const int64_t insert_at = adjacent ? indexed.front() : 0;
    // Result dims: remaining dims before insert_at, the broadcast block, the rest.
    std::vector<int64_t> remaining;
    for (int64_t d = 0; d < self.dim(); ++d)
      if (!idx[static_cast<size_t>(d)]) remaining.push_back(d);
    Shape src_strides;
    std::vector<int64_t> b_pos;  // positions of the broadcast block in the result
    size_t r = 0;
    auto push_remaining = [&](int64_t d) {
      result_shape.push_back(self.sizes()[static_cast<size_t>(d)]);
      src_strides.push_back(self.strides()[static_cast<size_t>(d)]);
    };
    while (r < remaining.size() && remaining[r] < insert_at) push_remaining(remaining[r++]);
    if (!adjacent) r = 0;
    const size_t block_start = result_shape.size();
    for (int64_t s : bshape) {
      b_pos.push_back(static_cast<int64_t>(result_shape.size()));
      result_shape.push_back(s);
      src_strides.push_back(0);
    }
    for (; r < remaining.size(); ++r) push_remaining(remaining[r]);
    src = self.as_strided(result_shape, src_strides, self.offset());
    for (int64_t d : indexed) {
      Tensor b = expand_to(*idx[static_cast<size_t>(d)], bshape);
      Shape st(result_shape.size(), 0);
      for (size_t k = 0; k < bshape.size(); ++k) st[block_start + k] = b.strides()[k];
      indices.push_back(b.as_strided(result_shape, st, b.offset()));
      dim_sizes.push_back(self.sizes()[static_cast<size_t>(d)]);
      dim_strides.push_back(self.strides()[static_cast<size_t>(d)] * static_cast<int64_t>(self.element_size()));
    }
    indexed_ = indexed;
  }

  // f(char* self_elem, char* other_elem) for every result position; `other` is walked alongside.
  template <class F>
  void walk(const Tensor* other, F&& f) const {
    if (checked_numel(result_shape) == 0) return;
    TensorIterator it;
    it.add_input(src);
    if (other) it.add_input(*other);
    for (const Tensor& t : indices) it.add_input(t);
    it.declare_shape(result_shape);
    it.build();
    const int first_idx = other ? 2 : 1;
    it.for_each([&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t off = 0;
        for (size_t k = 0; k < indices.size(); ++k) {
          const int op = first_idx + static_cast<int>(k);
          const int64_t i = checked_index(read_index(data[op] + j * strides[op], indices[k].dtype()), dim_sizes[k],
                                          indexed_[k]);
          off += i * dim_strides[k];
        }
        f(data[0] + j * strides[0] + off, other ? data[1] + j * strides[1] : nullptr);
      }
    });
  }

  std::vector<int64_t> indexed_;
};
}  // namespace

Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices) {
  AdvancedIndex ai(self, indices);
  Tensor out = Tensor::empty(ai.result_shape, self.dtype());
  dispatch_all(self.dtype(), "index", [&](auto tag) {
    using T = decltype(tag);
    ai.walk(&out, [](char* s, char* o) { *reinterpret_cast<T*>(o) = *reinterpret_cast<const T*>(s); });
  });
  return out;
}

Tensor index_put_(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                  bool accumulate) {
  AdvancedIndex ai(self, indices);
  if (!broadcastable_to(values.sizes(), ai.result_shape))
    fail("shape mismatch: value tensor of shape ", shape_string(values.sizes()),
         " cannot be broadcast to indexing result of shape ", shape_string(ai.result_shape));
  Tensor v = expand_to(values.dtype() == self.dtype() ? values : values.to(self.dtype()), ai.result_shape);
  dispatch_real(self.dtype(), "index_put_", [&](auto tag) {
    using T = decltype(tag);
    using A = opmath_t<T>;
    if (accumulate)
      ai.walk(&v, [](char* s, char* val) {
        T& o = *reinterpret_cast<T*>(s);
        o = scalar_cast<T>(static_cast<A>(o) + static_cast<A>(*reinterpret_cast<const T*>(val)));
      });
    else
      ai.walk(&v, [](char* s, char* val) { *reinterpret_cast<T*>(s) = *reinterpret_cast<const T*>(val); });
  });
  return self;
}

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  if (weight.dim() != 2) fail("'weight' must be 2-D");
  check_index_dtype(indices, "embedding");
  Tensor flat = reshape(indices, Shape{-1});
  Tensor rows = index_select(weight, 0, flat);
  Shape shape = indices.sizes();
  shape.push_back(weight.size(1));
  return view(rows, shape);
}

}  // namespace ember::cpu
