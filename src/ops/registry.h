// registry.h — the operator table: every op is declared once by its TorchScript schema string and
// bound to a kernel in one registration line.
//
// The compiler resolves each call site against this table at load (overload resolution fills
// omitted defaults and keyword arguments); the interpreter then calls the bound kernel directly.
// `ember check` lists ops by looking them up here. Users register their own ops the same way.
#pragma once

#include <functional>
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

struct Argument {
  std::string name;
  TypePtr type;                       // `Scalar` is Number; `int[2]` is List[int] with fixed_size 2
  std::optional<Value> default_value; // parsed from the schema: 1, 1.0, True, None, [0, 0], "mean"...
  int fixed_size = -1;                // N in int[N]; -1 when not fixed
  bool kwarg_only = false;            // declared after `*`
  bool is_out = false;                // alias annotation with `!` and kwarg_only: an out= argument
  std::string alias;                  // alias annotation text, e.g. "a!", "a", "*"
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

struct Operator {
  FunctionSchema schema;
  Kernel kernel;
};

// Result of overload resolution for one call site.
struct Match {
  const Operator* op = nullptr;
  // For each schema argument, where its value comes from: index >= 0 into the call's positional
  // arguments, then (index - num_positional) into its keyword arguments; -1 means the default.
  std::vector<int> arg_source;
  std::vector<TypePtr> return_types;  // type variables bound to the argument types
};

class Registry {
 public:
  // The process-wide registry with every built-in op registered.
  static Registry& global();

  // Declares an op; fails if the same schema name.overload exists.
  const Operator& add(std::string_view schema, Kernel kernel);
  // All overloads of "ns::name", in registration order (empty when none).
  std::span<const Operator* const> overloads(std::string_view qualified_name) const;
  const Operator* find(std::string_view qualified_name, std::string_view overload) const;
  size_t size() const { return ops_.size(); }
  // Every registered op, for listings.
  std::vector<const Operator*> all() const;

  // TorchScript's overload resolution: the first overload (in schema-file order) whose arguments
  // accept the given argument types without conversions, then with the implicit ones TorchScript
  // allows (int -> float for float/Scalar args, a single int for int[N], None for Optional, a
  // list literal of ints for int[]). On failure returns nullopt and explains every candidate in
  // `why_not`.
  std::optional<Match> resolve(std::string_view qualified_name, std::span<const TypePtr> positional,
                               std::span<const std::pair<std::string, TypePtr>> keywords,
                               std::string* why_not) const;

 private:
  Registry() = default;
  std::vector<std::unique_ptr<Operator>> ops_;
  std::unordered_map<std::string, std::vector<const Operator*>> by_name_;
};

}  // namespace ember::ops
