// ember/ops.h — tensor operations from C++: any registered operator by name, and typed functions
// for what deployment code does around a model (pre- and post-processing).
//
//   ember::Tensor probs = ember::softmax(logits, 1);
//   auto [values, indices] = ember::topk(probs, 5);
//   ember::Op topk("aten::topk");                      // looked up once, reusable, thread-safe
//   ember::Value r = topk({probs, 5});                 // a Tuple (values, indices)
//   std::cout << probs;                                // prints as PyTorch's str(tensor) does
//
// Every function here runs the same kernel a model's code would: the registered operator of that
// name, with TorchScript's overload resolution, defaults and keyword arguments (the schema list is
// ../shared/reference/schemas-torch-1.13.txt). Bad arguments (a wrong dtype, mismatched shapes, an
// unknown operator, an undefined tensor) are an ember::Error naming the operator and the reason.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/dtype.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "ember/values.h"

namespace ember {

namespace detail {
struct OpHandle;
}

// A registered operator, looked up by name once. "aten::topk" considers every overload and picks
// one per call from the arguments' types, as TorchScript does; "aten::add.Tensor" names exactly
// one overload. Calling returns the operator's result: its single return, a Tuple for several,
// None for none. Safe to share between threads.
class Op {
 public:
  // Fails with an ember::Error when no operator (or overload) of that name is registered.
  explicit Op(std::string_view name);
  Value operator()(std::vector<Value> args, Kwargs kwargs = {}) const;
  // "aten::topk"
  const std::string& name() const;
  // The schema strings of the overloads this handle chooses from.
  std::vector<std::string> schemas() const;

 private:
  std::shared_ptr<const detail::OpHandle> h_;
};

// One-off call by name: ember::call("aten::topk", {x, 5}).
Value call(std::string_view name, std::vector<Value> args, Kwargs kwargs = {});
// True when an operator of that qualified name ("aten::topk", "my_ns::my_op") is registered.
bool has_op(std::string_view name);

// A number for the scalar side of arithmetic: keeps int and float apart the way TorchScript does
// (an int64 tensor + 1 stays int64, + 1.0 becomes float32).
class Scalar {
 public:
  Scalar(int v) : v_(static_cast<int64_t>(v)) {}
  Scalar(long v) : v_(static_cast<int64_t>(v)) {}
  Scalar(long long v) : v_(static_cast<int64_t>(v)) {}
  Scalar(float v) : v_(static_cast<double>(v)) {}
  Scalar(double v) : v_(v) {}
  Scalar(bool v) : v_(v) {}
  const Value& value() const { return v_; }

 private:
  Value v_;
};

// ---- arithmetic and comparison (elementwise, broadcasting, PyTorch's type promotion) ------------
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);  // true division, as torch's `/`
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a);
// Comparisons give bool tensors, as in PyTorch (not a single bool: see equal()).
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Scalar& b);

Tensor matmul(const Tensor& a, const Tensor& b);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// ---- shape --------------------------------------------------------------------------------------
// Shapes may hold one -1 (inferred), as in PyTorch.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor view(const Tensor& x, const Shape& shape);  // fails when the strides do not allow a view
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor permute(const Tensor& x, const Shape& dims);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
// x[start:end:step] along dim (a view); end is clamped like Python slicing.
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
             int64_t step = 1);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);  // x[..., index, ...], one dim fewer
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);

// ---- reductions, activations, sorting ----------------------------------------------------------
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor argmax(const Tensor& x);  // of the flattened tensor
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
// (values, indices), like torch.topk / torch.sort.
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true,
                                bool sorted = true);
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false);
Tensor max(const Tensor& x);  // of every element
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);  // floating tensors only, as in PyTorch
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);

// ---- comparison as one answer ------------------------------------------------------------------
// Same sizes and the same values (torch.equal; dtypes may differ and are compared by value).
bool equal(const Tensor& a, const Tensor& b);
// |a - b| <= atol + rtol * |b| everywhere, with broadcasting (torch.allclose); NaNs are equal only
// with equal_nan.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);

// ---- factories ----------------------------------------------------------------------------------
Tensor zeros(const Shape& shape, DType dtype = DType::Float32);
Tensor ones(const Shape& shape, DType dtype = DType::Float32);
// dtype defaults to what torch.full infers from the value: int64 for ints, float32 for floats,
// bool for bools.
Tensor full(const Shape& shape, const Scalar& value, std::optional<DType> dtype = std::nullopt);
// [0, end) and [start, end) by step; int64 when every bound is an int, else float32, as in torch.
Tensor arange(const Scalar& end, std::optional<DType> dtype = std::nullopt);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
              std::optional<DType> dtype = std::nullopt);
// `steps` values from start to end inclusive, evenly spaced (float32 unless dtype says).
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, std::optional<DType> dtype = std::nullopt);

// A new 1-D tensor holding a copy of `values`. The dtype follows libtorch's torch::tensor:
// integers become int64, float and double become float32 (PyTorch's default dtype), bool stays
// bool; pass `dtype` to choose.
Tensor tensor(const std::vector<double>& values, std::optional<DType> dtype = std::nullopt);
Tensor tensor(const std::vector<float>& values, std::optional<DType> dtype = std::nullopt);
Tensor tensor(const std::vector<int64_t>& values, std::optional<DType> dtype = std::nullopt);
Tensor tensor(const std::vector<int>& values, std::optional<DType> dtype = std::nullopt);
Tensor tensor(const std::vector<bool>& values, std::optional<DType> dtype = std::nullopt);
inline Tensor tensor(std::initializer_list<double> values, std::optional<DType> dtype = std::nullopt) {
  return tensor(std::vector<double>(values), dtype);
}
inline Tensor tensor(std::initializer_list<float> values, std::optional<DType> dtype = std::nullopt) {
  return tensor(std::vector<float>(values), dtype);
}
inline Tensor tensor(std::initializer_list<int64_t> values, std::optional<DType> dtype = std::nullopt) {
  return tensor(std::vector<int64_t>(values), dtype);
}
inline Tensor tensor(std::initializer_list<int> values, std::optional<DType> dtype = std::nullopt) {
  return tensor(std::vector<int>(values), dtype);
}
inline Tensor tensor(std::initializer_list<bool> values, std::optional<DType> dtype = std::nullopt) {
  return tensor(std::vector<bool>(values), dtype);
}

// ---- printing -----------------------------------------------------------------------------------
// The text PyTorch's str(tensor) gives with its default print options: "tensor([[0.1000, 2.0000]])",
// integer-valued floats as "1.", scientific notation when the magnitudes call for it, more than
// 1000 elements summarised with "...", 80-column wrapping, and a dtype= suffix for dtypes other
// than float32, int64 and bool. An undefined tensor prints as "[ Tensor (undefined) ]".
std::string to_string(const Tensor& t);
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace ember
