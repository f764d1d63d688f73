// tensor_ops.cpp — the public tensor operations (ember/ops.h) over the operator registry.
//
// Each typed function is a call of the registered operator a TorchScript program would compile the
// same expression to (`x + 1` is aten::add.Scalar, `x.topk(5)` aten::topk), through a handle looked
// up once, so C++ and model code share one kernel, one set of checks and one set of messages.
#include <algorithm>
#include <cmath>

#include "ember/ops.h"
#include "ember/threads.h"
#include "ops/registry.h"

namespace ember {

namespace detail {
struct OpHandle {
  std::string name;      // "aten::add"
  std::string overload;  // "Tensor" when the handle names one overload
  std::vector<const ops::Operator*> candidates;
};
}  // namespace detail

namespace {

std::shared_ptr<const detail::OpHandle> find_handle(std::string_view full) {
  auto h = std::make_shared<detail::OpHandle>();
  const ops::Registry& reg = ops::Registry::global();
  size_t sep = full.find("::");
  if (sep == std::string_view::npos || sep == 0 || sep + 2 >= full.size())
    fail("'", full, "' is not an operator name: expected namespace::name, such as aten::topk");
  std::string_view name = full;
  std::string_view overload;
  size_t dot = full.find('.', sep + 2);
  if (dot != std::string_view::npos) {
    name = full.substr(0, dot);
    overload = full.substr(dot + 1);
  }
  h->name = std::string(name);
  if (dot != std::string_view::npos) {
    const ops::Operator* op = reg.find(name, overload == "default" ? std::string_view() : overload);
    if (!op) {
      std::string known;
      for (const ops::Operator* o : reg.overloads(name)) known += "\n  " + o->schema.str();
      fail("unknown operator overload ", full,
           known.empty() ? std::string(" (no operator of that name is registered)") : "; the registered ones are:" + known);
    }
    h->overload = std::string(overload);
    h->candidates.push_back(op);
  } else {
    auto all = reg.overloads(name);
    if (all.empty()) fail("unknown operator ", full, " (no operator of that name is registered)");
    h->candidates.assign(all.begin(), all.end());
  }
  return h;
}

void check_defined(const Value& v, const std::string& op, size_t i) {
  if (v.is_tensor() && !v.to_tensor().defined())
    fail(op, ": argument ", i, " is an undefined tensor");
  if (v.is_list())
    for (const Value& x : v.to_list()->items)
      if (x.is_tensor() && !x.to_tensor().defined()) fail(op, ": argument ", i, " holds an undefined tensor");
}

Value list_of(const Shape& s) {
  std::vector<Value> items(s.begin(), s.end());
  return Value(make_list(Type::get(TypeKind::Int), std::move(items)));
}

Value list_of(const std::vector<Tensor>& ts) {
  std::vector<Value> items(ts.begin(), ts.end());
  return Value(make_list(Type::get(TypeKind::Tensor), std::move(items)));
}

Value dtype_value(std::optional<DType> d) { return d ? Value(static_cast<int64_t>(*d)) : Value(); }

Tensor t1(const Value& v) { return v.to_tensor(); }

std::tuple<Tensor, Tensor> t2(const Value& v) {
  const auto& items = v.to_tuple()->items;
  return {items.at(0).to_tensor(), items.at(1).to_tensor()};
}

// A function-local handle per overload, looked up on first use.
#define EMBER_OP(var, name) \
  static const Op var(name)

}  // namespace

Op::Op(std::string_view name) : h_(find_handle(name)) {}

const std::string& Op::name() const { return h_->name; }

std::vector<std::string> Op::schemas() const {
  std::vector<std::string> out;
  for (const ops::Operator* o : h_->candidates) out.push_back(o->schema.str());
  return out;
}

Value Op::operator()(std::vector<Value> args, Kwargs kwargs) const {
  std::vector<TypePtr> types;
  types.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    check_defined(args[i], h_->name, i);
    types.push_back(args[i].type());
  }
  std::vector<std::pair<std::string, TypePtr>> kw_types;
  std::vector<Value> kw_values;
  for (auto& [k, v] : kwargs) {
    check_defined(v, h_->name, args.size() + kw_values.size());
    kw_types.emplace_back(k, v.type());
    kw_values.push_back(std::move(v));
  }
  std::string why;
  auto m = ops::Registry::global().resolve(h_->name, types, kw_types, &why);
  if (!m) throw Error(why);
  // A handle naming one overload runs only that one: the arguments must make resolution pick it.
  if (!h_->overload.empty() && m->op != h_->candidates[0]) {
    std::string args;
    for (size_t i = 0; i < types.size(); ++i) args += (i ? ", " : "") + types[i]->str();
    for (const auto& [k, t] : kw_types) args += (args.empty() ? "" : ", ") + k + "=" + t->str();
    fail("arguments (", args, ") select ", m->op->schema.str(), ", not the overload this handle names: ",
         h_->candidates[0]->schema.str());
  }
  if (m->op->schema.is_vararg || m->op->schema.is_varret)
    fail(h_->name, " takes a variable number of values and cannot be called from C++");
  ops::Stack stack;
  push_call_args(*m, args, kw_values, stack);
  detail::sync_threads();
  try {
    m->op->kernel(stack);
  } catch (const Error& e) {
    fail(m->op->schema.qualified_name(), ": ", e.what());
  }
  if (stack.empty()) return Value();
  if (stack.size() == 1) return std::move(stack[0]);
  return Value(make_tuple(std::move(stack)));
}

Value call(std::string_view name, std::vector<Value> args, Kwargs kwargs) {
  return Op(name)(std::move(args), std::move(kwargs));
}

bool has_op(std::string_view name) { return !ops::Registry::global().overloads(name).empty(); }

// ---- arithmetic ---------------------------------------------------------------------------------

Tensor operator+(const Tensor& a, const Tensor& b) {
  EMBER_OP(op, "aten::add.Tensor");
  return t1(op({a, b}));
}
Tensor operator+(const Tensor& a, const Scalar& b) {
  EMBER_OP(op, "aten::add.Scalar");
  return t1(op({a, b.value()}));
}
Tensor operator+(const Scalar& a, const Tensor& b) { return b + a; }
Tensor operator-(const Tensor& a, const Tensor& b) {
  EMBER_OP(op, "aten::sub.Tensor");
  return t1(op({a, b}));
}
Tensor operator-(const Tensor& a, const Scalar& b) {
  EMBER_OP(op, "aten::sub.Scalar");
  return t1(op({a, b.value()}));
}
Tensor operator-(const Scalar& a, const Tensor& b) {
  EMBER_OP(op, "aten::rsub.Scalar");
  return t1(op({b, a.value()}));
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  EMBER_OP(op, "aten::mul.Tensor");
  return t1(op({a, b}));
}
Tensor operator*(const Tensor& a, const Scalar& b) {
  EMBER_OP(op, "aten::mul.Scalar");
  return t1(op({a, b.value()}));
}
Tensor operator*(const Scalar& a, const Tensor& b) { return b * a; }
Tensor operator/(const Tensor& a, const Tensor& b) {
  EMBER_OP(op, "aten::div.Tensor");
  return t1(op({a, b}));
}
Tensor operator/(const Tensor& a, const Scalar& b) {
  EMBER_OP(op, "aten::div.Scalar");
  return t1(op({a, b.value()}));
}
// Python's `2 / x` is x.reciprocal() * 2 (Tensor.__rtruediv__).
Tensor operator/(const Scalar& a, const Tensor& b) {
  EMBER_OP(op, "aten::reciprocal");
  return t1(op({b})) * a;
}
Tensor operator-(const Tensor& a) {
  EMBER_OP(op, "aten::neg");
  return t1(op({a}));
}

#define EMBER_COMPARISON(sym, name)                      \
  Tensor operator sym(const Tensor& a, const Tensor& b) { \
    EMBER_OP(op, "aten::" name ".Tensor");               \
    return t1(op({a, b}));                               \
  }                                                      \
  Tensor operator sym(const Tensor& a, const Scalar& b) { \
    EMBER_OP(op, "aten::" name ".Scalar");               \
    return t1(op({a, b.value()}));                       \
  }
EMBER_COMPARISON(==, "eq")
EMBER_COMPARISON(!=, "ne")
EMBER_COMPARISON(<, "lt")
EMBER_COMPARISON(<=, "le")
EMBER_COMPARISON(>, "gt")
EMBER_COMPARISON(>=, "ge")
#undef EMBER_COMPARISON

#define EMBER_UNARY(fn)                 \
  Tensor fn(const Tensor& x) {          \
    EMBER_OP(op, "aten::" #fn);         \
    return t1(op({x}));                 \
  }
EMBER_UNARY(abs)
EMBER_UNARY(exp)
EMBER_UNARY(log)
EMBER_UNARY(sqrt)
EMBER_UNARY(relu)
EMBER_UNARY(sigmoid)
EMBER_UNARY(tanh)
#undef EMBER_UNARY

Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBER_OP(op, "aten::matmul");
  return t1(op({a, b}));
}

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_OP(op, "aten::clamp");
  return t1(op({x, min ? min->value() : Value(), max ? max->value() : Value()}));
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  EMBER_OP(op, "aten::where.self");
  return t1(op({condition, a, b}));
}

// ---- shape --------------------------------------------------------------------------------------

Tensor reshape(const Tensor& x, const Shape& shape) {
  EMBER_OP(op, "aten::reshape");
  return t1(op({x, list_of(shape)}));
}
Tensor view(const Tensor& x, const Shape& shape) {
  EMBER_OP(op, "aten::view");
  return t1(op({x, list_of(shape)}));
}
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  EMBER_OP(op, "aten::flatten.using_ints");
  return t1(op({x, start_dim, end_dim}));
}
Tensor permute(const Tensor& x, const Shape& dims) {
  EMBER_OP(op, "aten::permute");
  return t1(op({x, list_of(dims)}));
}
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  EMBER_OP(op, "aten::transpose.int");
  return t1(op({x, dim0, dim1}));
}
Tensor squeeze(const Tensor& x) {
  EMBER_OP(op, "aten::squeeze");
  return t1(op({x}));
}
Tensor squeeze(const Tensor& x, int64_t dim) {
  EMBER_OP(op, "aten::squeeze.dim");
  return t1(op({x, dim}));
}
Tensor unsqueeze(const Tensor& x, int64_t dim) {
  EMBER_OP(op, "aten::unsqueeze");
  return t1(op({x, dim}));
}
Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  EMBER_OP(op, "aten::cat");
  return t1(op({list_of(xs), dim}));
}
Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  EMBER_OP(op, "aten::stack");
  return t1(op({list_of(xs), dim}));
}
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  EMBER_OP(op, "aten::slice.Tensor");
  return t1(op({x, dim, start ? Value(*start) : Value(), end ? Value(*end) : Value(), step}));
}
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  EMBER_OP(op, "aten::narrow");
  return t1(op({x, dim, start, length}));
}
Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  EMBER_OP(op, "aten::select.int");
  return t1(op({x, dim, index}));
}
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  EMBER_OP(op, "aten::index_select");
  return t1(op({x, dim, index}));
}

// ---- reductions, activations, sorting ----------------------------------------------------------

Tensor softmax(const Tensor& x, int64_t dim) {
  EMBER_OP(op, "aten::softmax.int");
  return t1(op({x, dim}));
}
Tensor log_softmax(const Tensor& x, int64_t dim) {
  EMBER_OP(op, "aten::log_softmax.int");
  return t1(op({x, dim}));
}
Tensor argmax(const Tensor& x) {
  EMBER_OP(op, "aten::argmax");
  return t1(op({x}));
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_OP(op, "aten::argmax");
  return t1(op({x, dim, keepdim}));
}
Tensor argmin(const Tensor& x) {
  EMBER_OP(op, "aten::argmin");
  return t1(op({x}));
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_OP(op, "aten::argmin");
  return t1(op({x, dim, keepdim}));
}
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  EMBER_OP(op, "aten::topk");
  return t2(op({x, k, dim, largest, sorted}));
}
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending) {
  EMBER_OP(op, "aten::sort");
  return t2(op({x, dim, descending}));
}
Tensor max(const Tensor& x) {
  EMBER_OP(op, "aten::max");
  return t1(op({x}));
}
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_OP(op, "aten::max.dim");
  return t2(op({x, dim, keepdim}));
}
Tensor min(const Tensor& x) {
  EMBER_OP(op, "aten::min");
  return t1(op({x}));
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  EMBER_OP(op, "aten::min.dim");
  return t2(op({x, dim, keepdim}));
}
Tensor sum(const Tensor& x) {
  EMBER_OP(op, "aten::sum");
  return t1(op({x}));
}
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  EMBER_OP(op, "aten::sum.dim_IntList");
  return t1(op({x, list_of(dims), keepdim}));
}
Tensor mean(const Tensor& x) {
  EMBER_OP(op, "aten::mean");
  return t1(op({x}));
}
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  EMBER_OP(op, "aten::mean.dim");
  return t1(op({x, list_of(dims), keepdim}));
}

// ---- comparison as one answer ------------------------------------------------------------------

bool equal(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) fail("ember::equal: undefined tensor");
  if (a.sizes() != b.sizes()) return false;
  EMBER_OP(all, "aten::all");
  return t1(all({a == b})).item_int() != 0;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  if (!a.defined() || !b.defined()) fail("ember::allclose: undefined tensor");
  if (a.dtype() != b.dtype())
    fail("ember::allclose: the tensors hold ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
         "; torch.allclose needs one dtype");
  if (rtol < 0 || atol < 0) fail("ember::allclose: rtol and atol must be non-negative");
  EMBER_OP(all, "aten::all");
  EMBER_OP(isnan, "aten::isnan");
  EMBER_OP(logical_or, "aten::logical_or");
  EMBER_OP(logical_and, "aten::logical_and");
  // Computed in double so the tolerance itself adds no rounding; equal infinities are close.
  Tensor x = a.to(is_complex(a.dtype()) ? DType::Complex128 : DType::Float64);
  Tensor y = b.to(x.dtype());
  // torch.isclose: equal, or a finite difference within atol + rtol * |b| (so infinities are close
  // only to themselves and NaN to nothing).
  Tensor diff = abs(x - y);
  Tensor within = t1(logical_and({diff <= (abs(y) * rtol + atol), diff < INFINITY}));
  Tensor close = t1(logical_or({x == y, within}));
  if (equal_nan) close = t1(logical_or({close, t1(logical_and({t1(isnan({x})), t1(isnan({y}))}))}));
  return t1(all({close})).item_int() != 0;
}

// ---- factories ----------------------------------------------------------------------------------

Tensor zeros(const Shape& shape, DType dtype) {
  EMBER_OP(op, "aten::zeros");
  return t1(op({list_of(shape)}, {{"dtype", dtype_value(dtype)}}));
}
Tensor ones(const Shape& shape, DType dtype) {
  EMBER_OP(op, "aten::ones");
  return t1(op({list_of(shape)}, {{"dtype", dtype_value(dtype)}}));
}
Tensor full(const Shape& shape, const Scalar& value, std::optional<DType> dtype) {
  EMBER_OP(op, "aten::full");
  return t1(op({list_of(shape), value.value()}, {{"dtype", dtype_value(dtype)}}));
}
Tensor arange(const Scalar& end, std::optional<DType> dtype) {
  EMBER_OP(op, "aten::arange");
  return t1(op({end.value()}, {{"dtype", dtype_value(dtype)}}));
}
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype) {
  EMBER_OP(op, "aten::arange.start_step");
  return t1(op({start.value(), end.value(), step.value()}, {{"dtype", dtype_value(dtype)}}));
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, std::optional<DType> dtype) {
  EMBER_OP(op, "aten::linspace");
  return t1(op({start.value(), end.value(), steps}, {{"dtype", dtype_value(dtype)}}));
}

namespace {
template <class T>
Tensor tensor_from(const std::vector<T>& values, DType natural, std::optional<DType> dtype) {
  const int64_t n = static_cast<int64_t>(values.size());
  Tensor t = Tensor::empty({n}, natural);
  using Stored = std::conditional_t<std::is_same_v<T, int>, int64_t, T>;
  Stored* p = t.data<Stored>();
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<Stored>(values[static_cast<size_t>(i)]);
  return dtype && *dtype != natural ? t.to(*dtype) : t;
}
}  // namespace

Tensor tensor(const std::vector<double>& values, std::optional<DType> dtype) {
  // Held as float64 first so an explicit dtype=float64 keeps every digit.
  Tensor t = tensor_from(values, DType::Float64, dtype);
  return dtype ? t : t.to(DType::Float32);
}
Tensor tensor(const std::vector<float>& values, std::optional<DType> dtype) {
  return tensor_from(values, DType::Float32, dtype);
}
Tensor tensor(const std::vector<int64_t>& values, std::optional<DType> dtype) {
  return tensor_from(values, DType::Int64, dtype);
}
Tensor tensor(const std::vector<int>& values, std::optional<DType> dtype) {
  return tensor_from(values, DType::Int64, dtype);
}
Tensor tensor(const std::vector<bool>& values, std::optional<DType> dtype) {
  const int64_t n = static_cast<int64_t>(values.size());
  Tensor t = Tensor::empty({n}, DType::Bool);
  bool* p = t.data<bool>();
  for (int64_t i = 0; i < n; ++i) p[i] = values[static_cast<size_t>(i)];
  return dtype && *dtype != DType::Bool ? t.to(*dtype) : t;
}

}  // namespace ember
