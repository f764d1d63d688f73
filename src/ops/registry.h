// registry.h — the operator table: every op is declared once by its TorchScript schema string and
// bound to a kernel in one registration line.
//
// The compiler resolves each call site against this table at load (overload resolution fills
// omitted defaults and keyword arguments); the interpreter then calls the bound kernel directly.
// `ember check` lists ops by looking them up here. Users register their own ops the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ember/type.h"
#include "ember/value.h"

namespace ember::ops {

using Stack = std::vector<Value>;
// A kernel pops its arguments (all of them, in schema order, defaults already filled) from the top
// of the stack and pushes its returns in order.
using Kernel = std::function<void(Stack&)>;
// Vararg schemas (`aten::format(str self, ...)`, `prim::Print(...)`): the caller pushes the
// declared arguments, then the extra ones, then one int holding how many values it pushed for
// the call (declared + extra, not counting itself); the kernel pops that count first.

struct Argument {
  std::string name;
  TypePtr type;                       // `Scalar` is Number; `int[2]` is List[int] with fixed_size 2
  std::optional<Value> default_value; // parsed from the schema: 1, 1.0, True, None, [0, 0], "mean"...
  int fixed_size = -1;                // N in int[N]; -1 when not fixed
  bool kwarg_only = false;            // declared after `*`
  bool is_out = false;                // alias annotation with `!` and kwarg_only: an out= argument
  std::string alias;                  // alias annotation text, e.g. "a!", "a", "*"
  bool alias_on_element = false;      // `Tensor(a)[]` rather than `Tensor[](a)`
};

struct FunctionSchema {
  std::string ns;        // "aten"
  std::string name;      // "add"
  std::string overload;  // "Tensor"; empty for the default overload
  std::vector<Argument> arguments;
  std::vector<Argument> returns;
  bool is_vararg = false;  // `...` in arguments
  bool is_varret = false;  // `...` in returns

  std::string qualified_name() const;  // "aten::add"
  std::string str() const;             // the schema string, normalised
  // True for in-place variants: the first argument is written (alias "a!") and returned.
  bool is_inplace() const;
};

// Parses "ns::name.overload(args) -> returns" in the syntax of schemas-torch-1.13.txt.
// Class types (`__torch__.…`) resolve through `resolve_class` when given, else become AnyClass.
FunctionSchema parse_schema(std::string_view text,
                            const std::function<TypePtr(std::string_view)>& resolve_class = nullptr);

// What an op keeps for one call site between calls: made at load by the op's prepare step
// (weights packed into the layout its kernel reads, primitives built per input geometry) and
// kept beside the instruction, so nothing is looked up in a process-wide cache while running.
// One call site may run on several threads at once; a state guards what it changes.
struct CallState {
  virtual ~CallState() = default;
};
// An op's prepare step, run once per call site at load: `constants` holds each argument (schema
// order, defaults filled) whose value is known at load, null for the others. Returns the state the
// call site keeps, or null when the op has nothing to keep for it.
using Prepare = std::function<std::shared_ptr<CallState>(std::span<const Value* const> constants)>;
// The kernel a prepared call site runs: the plain kernel's contract plus the site's state.
using PreparedKernel = std::function<void(Stack&, CallState&)>;

// Which implementation of an op a kernel is. `CPU` is `Operator::kernel`, the one the CPU runs.
// `CPUReference` is a plain version of the same math on the CPU (scalar loops, double sums) that
// the replay harness (tests/unit/ops/replay_test.cpp) runs every recorded case through and
// compares with the CPU kernel; nothing else calls it. `CUDA` is the GPU backend's kernel: the
// lowering binds it for call sites of a module placed on a CUDA device.
enum class Backend : uint8_t { CPU = 0, CPUReference = 1, CUDA = 2 };
inline constexpr size_t kNumBackends = 3;
std::string_view backend_name(Backend b);  // "cpu", "cpu-reference", "cuda"

struct KernelPath {
  Backend backend;
  Kernel kernel;
  // What the kernel needs at run time, asked when a call site is bound (null: nothing): CUDA
  // kernels need the driver's launch API and NVRTC; without them the op runs on the CPU.
  bool (*ready)() = nullptr;
};

struct Operator {
  FunctionSchema schema;
  Kernel kernel;  // the CPU kernel (Backend::CPU)
  // The op's other implementations (Registry::add_path), at most one per backend.
  std::vector<KernelPath> paths;
  // The kernel for `b`: `&kernel` for the CPU, else the path's, or null when the op has none.
  const Kernel* kernel_for(Backend b) const;
  // The path of `b` (not the CPU), or null.
  const KernelPath* path_for(Backend b) const;
  // Optional, set together (Registry::set_prepare): call sites whose prepare step returns a state
  // run `prepared` with it; other callers (Registry::call, unprepared sites) run `kernel`.
  Prepare prepare;
  PreparedKernel prepared;
  // The argument positions `prepare` reads: call sites agreeing on these share one state.
  std::vector<size_t> prepare_reads;
};

// How a call-site value becomes a schema argument: TorchScript's implicit conversions
// (PyTorch's schema_matching.cpp). The compiler emits the conversion; push_call_args applies it.
enum class ArgConversion : uint8_t {
  None,
  RepeatToList,     // a single int/float repeated N times for int[N]/float[N]
  TupleToList,      // a tuple whose elements all fit T, for T[]
  EmptyList,        // an unannotated `[]` literal (type AnyList) takes the argument's list type
  PackVarargs,      // this positional and all after it packed into one list (x.view(2, 3))
  TensorToInt,      // aten::IntImplicit
  TensorToFloat,    // aten::FloatImplicit
  TensorToComplex,  // aten::ComplexImplicit
  TensorToNumber,   // aten::ScalarImplicit
  NumberToInt,      // aten::Int.Scalar on a value typed `number`
  NumberToFloat,    // aten::Float.Scalar
  NumberToComplex,  // aten::Complex.Scalar
  StrToDevice,      // aten::device(str)
};
std::string_view arg_conversion_name(ArgConversion c);

// Result of overload resolution for one call site.
struct Match {
  const Operator* op = nullptr;
  // For each schema argument, where its value comes from: index >= 0 into the call's positional
  // arguments, then (index - num_positional) into its keyword arguments; -1 means the default.
  std::vector<int> arg_source;
  std::vector<TypePtr> return_types;  // type variables bound to the argument types
  // Parallel to arg_source: the conversion each argument needs (None almost always).
  std::vector<ArgConversion> conversions;
  // Parallel to arg_source: the argument's schema type with type variables substituted.
  std::vector<TypePtr> arg_types;
  // PackVarargs: the conversion of each packed positional (from arg_source's index on).
  std::vector<ArgConversion> packed_conversions;
  // Vararg schemas: positional arguments beyond the declared ones (they follow them on the stack).
  size_t num_varargs = 0;
  // True when the match needed the second, converting pass.
  bool used_conversions = false;
};

// Pushes a call's arguments in kernel order: picks positional/keyword values or defaults per
// `m.arg_source`, applies `m.conversions`, appends varargs and their count.
void push_call_args(const Match& m, std::span<const Value> positional, std::span<const Value> keyword_values,
                    Stack& stack);
// Applies one conversion to a run-time value (`elem_type` types the lists RepeatToList,
// TupleToList and EmptyList build; `repeat` is N for RepeatToList).
Value convert_arg(ArgConversion c, const Value& v, const TypePtr& target_type, int repeat);

class Registry {
 public:
  // An empty registry (tests, tools); normal code uses global().
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  // The process-wide registry with every built-in op registered.
  static Registry& global();

  // Declares an op; fails if the same schema name.overload exists.
  const Operator& add(std::string_view schema, Kernel kernel);
  // All overloads of "ns::name", in registration order (empty when none).
  std::span<const Operator* const> overloads(std::string_view qualified_name) const;
  const Operator* find(std::string_view qualified_name, std::string_view overload) const;
  // Replaces the kernel of an existing op with wrap(old kernel): for a family that extends ops
  // another family declared (quantized tensors through aten::relu, ...). Fails when absent.
  void wrap_kernel(std::string_view qualified_name, std::string_view overload,
                   const std::function<Kernel(Kernel)>& wrap);
  // Gives an existing op a prepare step, the kernel its prepared call sites run, and the argument
  // positions the step reads. Fails when the op is absent.
  void set_prepare(std::string_view qualified_name, std::string_view overload, Prepare prepare,
                   PreparedKernel prepared, std::vector<size_t> reads);
  // Gives an existing op another implementation (a reference version, a backend's kernel);
  // replaces an earlier path of the same backend. Backend::CPU is `kernel` itself (wrap_kernel).
  void add_path(std::string_view qualified_name, std::string_view overload, Backend backend, Kernel kernel,
                bool (*ready)() = nullptr);
  size_t size() const { return ops_.size(); }
  // Every registered op, for listings.
  std::vector<const Operator*> all() const;

  // TorchScript's overload resolution (PyTorch's schema_matching.cpp): a pass without implicit
  // conversions, then one with them (Tensor -> int/float/number, `number` -> int/float, str ->
  // Device, trailing positionals packed into a list). Both passes allow T for T?, None for T?, a
  // single int for int[N], a homogeneous tuple for T[]. int is not a float and bool is not a
  // number, as in TorchScript. Within a pass the most specific overload wins (fewest arguments
  // matched only through number/Optional/Union/Any), then registration order. Type variables
  // bind consistently and are substituted into Match::return_types. On failure returns nullopt
  // and explains every candidate in `why_not`.
  std::optional<Match> resolve(std::string_view qualified_name, std::span<const TypePtr> positional,
                               std::span<const std::pair<std::string, TypePtr>> keywords,
                               std::string* why_not) const;

  // Resolves by the values' run-time types and runs the kernel: for tests, constant folding and
  // C++ callers. Fails with the resolution message when nothing matches.
  std::vector<Value> call(std::string_view qualified_name, std::vector<Value> positional,
                          std::vector<std::pair<std::string, Value>> keywords = {}) const;

 private:
  std::vector<std::unique_ptr<Operator>> ops_;
  std::unordered_map<std::string, std::vector<const Operator*>> by_name_;
};

}  // namespace ember::ops
