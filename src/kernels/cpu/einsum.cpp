#include "kernels/cpu/einsum.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <vector>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/linalg.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/shape.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"
#include "tensor/promotion.h"

namespace ember::cpu {

namespace {

constexpr int kEllipsisBase = 52;  // label ids: letters 0..51, ellipsis dims from 52 on

int letter_id(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  fail("einsum(): invalid subscript given at index: operand subscripts must be in [a-zA-Z] but got '", c, "'");
}
char id_letter(int id) { return static_cast<char>(id < 26 ? 'A' + id : 'a' + (id - 26)); }

// One term of the equation: letter ids in order, -1 standing for `...`.
std::vector<int> parse_term(const std::string& term) {
  std::vector<int> out;
  bool seen_ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      if (term.compare(i, 3, "...") != 0 || seen_ellipsis)
        fail("einsum(): found '.' for operand that is not part of any ellipsis");
      seen_ellipsis = true;
      out.push_back(-1);
      i += 2;
    } else {
      out.push_back(letter_id(term[i]));
    }
  }
  return out;
}

Tensor sum_keep(const Tensor& t, const std::vector<int64_t>& dims) {
  if (dims.empty()) return t;
  return sum(t, std::span<const int64_t>(dims.data(), dims.size()), true, t.dtype());
}

// Contracts two operands laid out over the same labels; keep[p] says label p is still needed.
Tensor contract(Tensor a, Tensor b, const std::vector<bool>& keep) {
  const auto n = static_cast<int64_t>(keep.size());
  std::vector<int64_t> batch, left, right, summed, sum_a, sum_b, rest;
  for (int64_t p = 0; p < n; ++p) {
    const int64_t sa = a.size(p), sb = b.size(p);
    // Size-1 dims broadcast; anything else (0 included) is a real extent.
    const bool in_a = sa != 1, in_b = sb != 1;
    if (!keep[static_cast<size_t>(p)]) {
      if (in_a && in_b) summed.push_back(p);
      else if (in_a) sum_a.push_back(p);
      else if (in_b) sum_b.push_back(p);
      else rest.push_back(p);
    } else {
      if (in_a && in_b) batch.push_back(p);
      else if (in_a) left.push_back(p);
      else if (in_b) right.push_back(p);
      else rest.push_back(p);
    }
  }
  a = sum_keep(a, sum_a);
  b = sum_keep(b, sum_b);
  rest.insert(rest.end(), sum_a.begin(), sum_a.end());
  rest.insert(rest.end(), sum_b.begin(), sum_b.end());
  auto prod = [](const Tensor& t, const std::vector<int64_t>& dims) {
    int64_t s = 1;
    for (int64_t d : dims) s *= t.size(d);
    return s;
  };
  const int64_t nb = prod(a, batch), nm = prod(a, left), nk = prod(a, summed), nn = prod(b, right);
  auto cat = [](std::initializer_list<const std::vector<int64_t>*> parts) {
    std::vector<int64_t> out;
    for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
  };
  // Dims of size 1 in both (rest) and the leftover summed-away ones ride along at the end.
  const std::vector<int64_t> perm_a = cat({&batch, &left, &summed, &right, &rest});
  const std::vector<int64_t> perm_b = cat({&batch, &summed, &right, &left, &rest});
  Tensor a3 = reshape(permute(a, perm_a), Shape{nb, nm, nk});
  Tensor b3 = reshape(permute(b, perm_b), Shape{nb, nk, nn});
  Tensor c = bmm(a3, b3);
  // Back to the shared label order: batch, left, right carry their sizes, everything else is 1.
  const std::vector<int64_t> order = cat({&batch, &left, &right, &summed, &rest});
  Shape sizes;
  for (int64_t p : order) {
    const bool big = std::find(summed.begin(), summed.end(), p) == summed.end() &&
                     std::find(rest.begin(), rest.end(), p) == rest.end();
    sizes.push_back(big ? (a.size(p) != 1 ? a.size(p) : b.size(p)) : 1);
  }
  c = reshape(c, sizes);
  std::vector<int64_t> inverse(static_cast<size_t>(n));
  for (size_t i = 0; i < order.size(); ++i) inverse[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
  return permute(c, inverse);
}

Tensor vector_component(const Tensor& t, int64_t dim, int64_t i) { return select(t, dim, i); }

}  // namespace

Tensor einsum(const std::string& equation_in, std::span<const Tensor> operands) {
  std::string eq;
  for (char c : equation_in)
    if (!std::isspace(static_cast<unsigned char>(c))) eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::vector<int>> terms;
  {
    size_t start = 0;
    while (true) {
      const size_t comma = lhs.find(',', start);
      terms.push_back(parse_term(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (operands.empty()) fail("einsum(): must provide at least one operand");
  if (terms.size() != operands.size())
    fail("einsum(): more operands were provided than specified in the equation");

  // Ellipsis dims line up from the right across operands.
  int64_t ell = 0;
  std::vector<int64_t> ell_of(operands.size(), 0);
  for (size_t i = 0; i < terms.size(); ++i) {
    const auto letters = static_cast<int64_t>(std::count_if(terms[i].begin(), terms[i].end(), [](int x) { return x >= 0; }));
    const bool has_ell = std::find(terms[i].begin(), terms[i].end(), -1) != terms[i].end();
    const int64_t nd = operands[i].dim();
    if (has_ell ? nd < letters : nd != letters)
      fail("einsum(): the number of subscripts in the equation (", letters,
           ") does not match the number of dimensions (", nd, ") for operand ", i,
           has_ell ? "" : " and no ellipsis was given");
    ell_of[i] = has_ell ? nd - letters : 0;
    ell = std::max(ell, ell_of[i]);
  }
  // Each operand's dims as label ids.
  std::vector<std::vector<int>> ids(operands.size());
  std::map<int, int64_t> count;
  bool any_ellipsis = false;
  for (size_t i = 0; i < terms.size(); ++i) {
    for (int x : terms[i]) {
      if (x >= 0) {
        ids[i].push_back(x);
        ++count[x];
      } else {
        any_ellipsis = true;
        for (int64_t j = 0; j < ell_of[i]; ++j) ids[i].push_back(kEllipsisBase + static_cast<int>(ell - ell_of[i] + j));
      }
    }
  }
  std::vector<int> out_ids;
  if (arrow != std::string::npos) {
    const std::vector<int> out_term = parse_term(eq.substr(arrow + 2));
    for (int x : out_term) {
      if (x < 0) {
        for (int64_t j = 0; j < ell; ++j) out_ids.push_back(kEllipsisBase + static_cast<int>(j));
        continue;
      }
      if (!count.count(x))
        fail("einsum(): output subscript ", id_letter(x), " does not appear in the equation for any input operand");
      if (std::find(out_ids.begin(), out_ids.end(), x) != out_ids.end())
        fail("einsum(): output subscript ", id_letter(x), " appears more than once in the output");
      out_ids.push_back(x);
    }
  } else {
    if (any_ellipsis)
      for (int64_t j = 0; j < ell; ++j) out_ids.push_back(kEllipsisBase + static_cast<int>(j));
    for (const auto& [x, c] : count)  // ids order uppercase before lowercase, as PyTorch sorts
      if (c == 1) out_ids.push_back(x);
  }

  // The shared label order: output labels first, then the rest as they appear.
  std::vector<int> labels = out_ids;
  for (const auto& v : ids)
    for (int x : v)
      if (std::find(labels.begin(), labels.end(), x) == labels.end()) labels.push_back(x);
  const size_t nl = labels.size();
  auto pos = [&](int id) { return static_cast<size_t>(std::find(labels.begin(), labels.end(), id) - labels.begin()); };

  DType dt = operands[0].dtype();
  for (const Tensor& t : operands) dt = promote_types(dt, t.dtype());
  std::vector<Shape> label_size(operands.size());
  std::vector<Tensor> views;
  Shape full(nl, 1);
  for (size_t i = 0; i < operands.size(); ++i) {
    const Tensor t = operands[i].dtype() == dt ? operands[i] : operands[i].to(dt);
    Shape sizes(nl, 1), strides(nl, 0);
    std::vector<bool> seen(nl, false);
    for (size_t d = 0; d < ids[i].size(); ++d) {
      const size_t p = pos(ids[i][d]);
      const int64_t s = t.sizes()[d];
      if (seen[p]) {
        if (sizes[p] != s)
          fail("einsum(): subscript ", id_letter(ids[i][d]), " is repeated for operand ", i,
               " but the sizes don't match, ", sizes[p], " != ", s);
        strides[p] += t.strides()[d];
      } else {
        seen[p] = true;
        sizes[p] = s;
        strides[p] = t.strides()[d];
      }
    }
    for (size_t p = 0; p < nl; ++p) {
      if (sizes[p] == 1) continue;
      if (full[p] != 1 && full[p] != sizes[p])
        fail("einsum(): operands do not broadcast with remapped shapes (original->remapped): size ", sizes[p],
             " of operand ", i, " does not match size ", full[p], " seen before");
      full[p] = sizes[p];
    }
    views.push_back(t.as_strided(sizes, strides, t.offset()));
  }

  // needed[i][p]: label p appears in the output or in an operand after i.
  std::vector<bool> keep(nl, false);
  for (int x : out_ids) keep[pos(x)] = true;
  std::vector<std::vector<bool>> needed_after(operands.size(), keep);
  for (size_t i = operands.size(); i-- > 1;) {
    needed_after[i - 1] = needed_after[i];
    for (int x : ids[i]) needed_after[i - 1][pos(x)] = true;
  }
  Tensor cur = views[0];
  for (size_t i = 1; i < views.size(); ++i) cur = contract(cur, views[i], needed_after[i]);
  std::vector<int64_t> drop;
  for (size_t p = out_ids.size(); p < nl; ++p) drop.push_back(static_cast<int64_t>(p));
  cur = sum_keep(cur, drop);
  Shape out_shape;
  for (size_t p = 0; p < out_ids.size(); ++p) out_shape.push_back(full[p]);
  return reshape(cur, out_shape).contiguous();
}

Tensor outer(const Tensor& a, const Tensor& b) {
  if (a.dim() != 1) fail("outer: Expected 1-D argument self, but got ", a.dim(), "-D");
  if (b.dim() != 1) fail("outer: Expected 1-D argument vec2, but got ", b.dim(), "-D");
  return binary(BinaryOp::Mul, reshape(a, Shape{a.numel(), 1}), b);
}

Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim) {
  const Shape shape = broadcast_shapes(a.sizes(), b.sizes());
  Tensor x = expand(a, shape), y = expand(b, shape);
  const auto nd = static_cast<int64_t>(shape.size());
  int64_t d = -1;
  if (dim) {
    d = wrap_dim(*dim, nd);
  } else {
    for (int64_t i = 0; i < nd && d < 0; ++i)
      if (shape[static_cast<size_t>(i)] == 3) d = i;
    if (d < 0) fail("no dimension of size 3 in input");
  }
  if (nd == 0 || shape[static_cast<size_t>(d)] != 3)
    fail("linalg.cross: inputs dimension ", d, " must have length 3. Got ", a.dim() ? a.size(d) : 0, " and ",
         b.dim() ? b.size(d) : 0);
  auto c = [&](const Tensor& t, int64_t i) { return vector_component(t, d, i); };
  auto term = [&](int64_t i, int64_t j) {
    return binary(BinaryOp::Sub, binary(BinaryOp::Mul, c(x, i), c(y, j)), binary(BinaryOp::Mul, c(x, j), c(y, i)));
  };
  const Tensor parts[] = {term(1, 2), term(2, 0), term(0, 1)};
  return stack(parts, d);
}

Tensor diagonal(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t d1 = wrap_dim(dim1, x.dim()), d2 = wrap_dim(dim2, x.dim());
  if (d1 == d2) fail("diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t s1 = x.size(d1), s2 = x.size(d2);
  int64_t n, start = x.offset();
  if (offset >= 0) {
    n = std::max<int64_t>(0, std::min(s1, s2 - offset));
    if (n > 0) start += offset * x.stride(d2);
  } else {
    n = std::max<int64_t>(0, std::min(s1 + offset, s2));
    if (n > 0) start -= offset * x.stride(d1);
  }
  Shape sizes, strides;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i == d1 || i == d2) continue;
    sizes.push_back(x.size(i));
    strides.push_back(x.stride(i));
  }
  sizes.push_back(n);
  strides.push_back(x.stride(d1) + x.stride(d2));
  return x.as_strided(sizes, strides, start);
}

namespace {
// n + |k|, the side of the square a diagonal of n elements at offset k needs, checked.
int64_t diag_side(int64_t n, int64_t k) {
  int64_t side = 0;
  if (k == std::numeric_limits<int64_t>::min() || __builtin_add_overflow(n, k < 0 ? -k : k, &side))
    fail("diagonal offset ", k, " is out of range");
  return side;
}
}  // namespace

Tensor diag_embed(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t nd = x.dim() + 1;
  const int64_t d1 = wrap_dim(dim1, nd), d2 = wrap_dim(dim2, nd);
  if (d1 == d2) fail("diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t n = diag_side(x.dim() ? x.sizes().back() : 1, offset);
  Shape sizes(x.sizes().begin(), x.dim() ? x.sizes().end() - 1 : x.sizes().end());
  // Insert the two new dims in increasing position order.
  const int64_t lo = std::min(d1, d2), hi = std::max(d1, d2);
  sizes.insert(sizes.begin() + lo, n);
  sizes.insert(sizes.begin() + hi, n);
  Tensor out = Tensor::zeros(sizes, x.dtype());
  copy_into(diagonal(out, offset, d1, d2), x);
  return out;
}

Tensor diag(const Tensor& x, int64_t k) {
  if (x.dim() == 1) {
    const int64_t n = diag_side(x.numel(), k);
    Tensor out = Tensor::zeros(Shape{n, n}, x.dtype());
    copy_into(diagonal(out, k, 0, 1), x);
    return out;
  }
  if (x.dim() == 2) return diagonal(x, k, 0, 1).clone();
  fail("diag(): Supports 1D or 2D tensors. Got ", x.dim(), "D");
}

}  // namespace ember::cpu
