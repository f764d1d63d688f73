// registry.cpp — the operator table, TorchScript's overload resolution and the C++ call helper.
#include "ops/registry.h"

#include "ops/code_device.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

#include "ember/error.h"
#include "values/type_parser.h"
#include "core/check.h"

namespace ember::ops {

void register_all_ops(Registry& r);

Registry& Registry::global() {
  static Registry* r = [] {
    auto* reg = new Registry();
    register_all_ops(*reg);
    return reg;
  }();
  return *r;
}

const Operator& Registry::add(std::string_view schema, Kernel kernel) {
  auto op = std::make_unique<Operator>();
  op->schema = parse_schema(schema);
  op->kernel = std::move(kernel);
  const FunctionSchema& s = op->schema;
  if (find(s.qualified_name(), s.overload))
    fail("operator ", s.qualified_name(), s.overload.empty() ? "" : ".", s.overload, " is registered twice");
  by_name_[s.qualified_name()].push_back(op.get());
  ops_.push_back(std::move(op));
  return *ops_.back();
}

std::span<const Operator* const> Registry::overloads(std::string_view qualified_name) const {
  auto it = by_name_.find(std::string(qualified_name));
  if (it == by_name_.end()) return {};
  return it->second;
}

const Operator* Registry::find(std::string_view qualified_name, std::string_view overload) const {
  for (const Operator* op : overloads(qualified_name))
    if (op->schema.overload == overload) return op;
  return nullptr;
}

std::vector<const Operator*> Registry::all() const {
  std::vector<const Operator*> out;
  out.reserve(ops_.size());
  for (const auto& op : ops_) out.push_back(op.get());
  return out;
}

void Registry::wrap_kernel(std::string_view qualified_name, std::string_view overload,
                           const std::function<Kernel(Kernel)>& wrap) {
  for (const auto& op : ops_) {
    if (op->schema.qualified_name() == qualified_name && op->schema.overload == overload) {
      op->kernel = wrap(std::move(op->kernel));
      return;
    }
  }
  fail("wrap_kernel: no op ", qualified_name, overload.empty() ? "" : ".", overload);
}

void Registry::set_prepare(std::string_view qualified_name, std::string_view overload, Prepare prepare,
                           PreparedKernel prepared, std::vector<size_t> reads) {
  for (const auto& op : ops_) {
    if (op->schema.qualified_name() == qualified_name && op->schema.overload == overload) {
      op->prepare = std::move(prepare);
      op->prepared = std::move(prepared);
      op->prepare_reads = std::move(reads);
      return;
    }
  }
  fail("set_prepare: no op ", qualified_name, overload.empty() ? "" : ".", overload);
}

std::string_view backend_name(Backend b) {
  switch (b) {
    case Backend::CPU: return "cpu";
    case Backend::CPUReference: return "cpu-reference";
    case Backend::CUDA: return "cuda";
  }
  return "?";
}

const Kernel* Operator::kernel_for(Backend b) const {
  if (b == Backend::CPU) return &kernel;
  for (const KernelPath& p : paths)
    if (p.backend == b) return &p.kernel;
  return nullptr;
}

const KernelPath* Operator::path_for(Backend b) const {
  for (const KernelPath& p : paths)
    if (p.backend == b) return &p;
  return nullptr;
}

void Registry::add_path(std::string_view qualified_name, std::string_view overload, Backend backend, Kernel kernel,
                        bool (*ready)()) {
  if (backend == Backend::CPU) fail("add_path: the CPU kernel of an op is the one it was added with");
  for (const auto& op : ops_) {
    if (op->schema.qualified_name() == qualified_name && op->schema.overload == overload) {
      for (KernelPath& p : op->paths) {
        if (p.backend == backend) {
          p.kernel = std::move(kernel);
          p.ready = ready;
          return;
        }
      }
      op->paths.push_back(KernelPath{backend, std::move(kernel), ready});
      return;
    }
  }
  fail("add_path: no op ", qualified_name, overload.empty() ? "" : ".", overload);
}

std::string_view arg_conversion_name(ArgConversion c) {
  switch (c) {
    case ArgConversion::None: return "none";
    case ArgConversion::RepeatToList: return "repeat to list";
    case ArgConversion::TupleToList: return "tuple to list";
    case ArgConversion::EmptyList: return "empty list";
    case ArgConversion::PackVarargs: return "pack varargs";
    case ArgConversion::TensorToInt: return "aten::IntImplicit";
    case ArgConversion::TensorToFloat: return "aten::FloatImplicit";
    case ArgConversion::TensorToComplex: return "aten::ComplexImplicit";
    case ArgConversion::TensorToNumber: return "aten::ScalarImplicit";
    case ArgConversion::NumberToInt: return "aten::Int";
    case ArgConversion::NumberToFloat: return "aten::Float";
    case ArgConversion::NumberToComplex: return "aten::Complex";
    case ArgConversion::StrToDevice: return "aten::device";
  }
  return "?";
}

// ---- type variables ------------------------------------------------------------------------------

namespace {

using TypeEnv = std::map<std::string, TypePtr>;

bool has_free_vars(const Type& t) {
  if (t.kind == TypeKind::Var) return true;
  return std::any_of(t.contained.begin(), t.contained.end(), [](const TypePtr& c) { return has_free_vars(*c); });
}

// Substitutes bound variables; null when one is unbound.
TypePtr substitute(const TypePtr& t, const TypeEnv& env) {
  if (t->kind == TypeKind::Var) {
    auto it = env.find(t->var_name);
    return it == env.end() ? nullptr : it->second;
  }
  if (!has_free_vars(*t)) return t;
  std::vector<TypePtr> parts;
  for (const auto& c : t->contained) {
    TypePtr s = substitute(c, env);
    if (!s) return nullptr;
    parts.push_back(std::move(s));
  }
  switch (t->kind) {
    case TypeKind::Optional: return Type::optional(parts[0]);
    case TypeKind::List: return Type::list(parts[0]);
    case TypeKind::Dict: return Type::dict(parts[0], parts[1]);
    case TypeKind::Tuple: return Type::tuple(std::move(parts), t->cls);
    case TypeKind::Future: return Type::future(parts[0]);
    case TypeKind::Union: return Type::union_of(std::move(parts));
    default: {
      auto copy = std::make_shared<Type>(*t);
      copy->contained = std::move(parts);
      return copy;
    }
  }
}

// The common type of two candidates for one variable, or null (TorchScript's unifyTypes, reduced
// to what variables bind to: equal types, T with None/Optional[T], subtypes).
TypePtr unify(const TypePtr& a, const TypePtr& b) {
  if (a->is_subtype_of(*b)) return b;
  if (b->is_subtype_of(*a)) return a;
  if (a->kind == TypeKind::None) return Type::optional(b);
  if (b->kind == TypeKind::None) return Type::optional(a);
  return nullptr;
}

// Binds the variables of `formal` against `actual`; false with `why` on a mismatch.
bool match_vars(const TypePtr& formal, const TypePtr& actual, TypeEnv& env, std::string& why) {
  if (!has_free_vars(*formal)) return true;
  switch (formal->kind) {
    case TypeKind::Var: {
      auto it = env.find(formal->var_name);
      if (it == env.end()) {
        env[formal->var_name] = actual;
        return true;
      }
      TypePtr u = unify(it->second, actual);
      if (!u) {
        why = "Type variable '" + formal->var_name + "' previously matched to type " + it->second->str() +
              " is matched to type " + actual->str();
        return false;
      }
      it->second = u;
      return true;
    }
    case TypeKind::List:
      if (actual->kind == TypeKind::List) return match_vars(formal->contained[0], actual->contained[0], env, why);
      if (actual->kind == TypeKind::AnyList) return true;  // `[]`: nothing to learn
      if (actual->kind == TypeKind::Tuple && !actual->contained.empty()) {
        TypePtr elem = actual->contained[0];
        for (const auto& e : actual->contained) {
          elem = unify(elem, e);
          if (!elem) {
            why = "Cannot match a tuple of mixed element types to " + formal->str();
            return false;
          }
        }
        return match_vars(formal->contained[0], elem, env, why);
      }
      why = "Cannot match " + formal->str() + " to " + actual->str();
      return false;
    case TypeKind::Optional:
      if (actual->kind == TypeKind::None) return true;
      if (actual->kind == TypeKind::Optional) return match_vars(formal->contained[0], actual->contained[0], env, why);
      return match_vars(formal->contained[0], actual, env, why);
    case TypeKind::Dict:
      if (actual->kind != TypeKind::Dict) {
        why = "Cannot match a dict to " + actual->str();
        return false;
      }
      return match_vars(formal->contained[0], actual->contained[0], env, why) &&
             match_vars(formal->contained[1], actual->contained[1], env, why);
    case TypeKind::Future:
      if (actual->kind != TypeKind::Future) {
        why = "Cannot match a future to " + actual->str();
        return false;
      }
      return match_vars(formal->contained[0], actual->contained[0], env, why);
    case TypeKind::Tuple:
      if (actual->kind != TypeKind::Tuple || actual->contained.size() != formal->contained.size()) {
        why = "Cannot match " + formal->str() + " to " + actual->str();
        return false;
      }
      for (size_t i = 0; i < formal->contained.size(); ++i)
        if (!match_vars(formal->contained[i], actual->contained[i], env, why)) return false;
      return true;
    default:
      why = "Cannot match " + formal->str() + " to " + actual->str();
      return false;
  }
}

// TorchScript passes ScalarType, Layout and MemoryFormat as plain ints (`torch.to(x, 6)`), so
// matching treats those kinds as int.
TypePtr int_enums_as_int(const TypePtr& t) {
  switch (t->kind) {
    case TypeKind::ScalarType:
    case TypeKind::Layout:
    case TypeKind::MemoryFormat: return Type::get(TypeKind::Int);
    case TypeKind::Optional: return Type::optional(int_enums_as_int(t->contained[0]));
    case TypeKind::List: return Type::list(int_enums_as_int(t->contained[0]));
    default: return t;
  }
}

const Type& unwrap_optional(const Type& t) { return t.kind == TypeKind::Optional ? *t.contained[0] : t; }

// A tuple whose elements all fit the element type of the (possibly optional) list `formal`.
bool convertible_to_list(const Type& actual, const Type& formal) {
  const Type& list = unwrap_optional(formal);
  if (list.kind != TypeKind::List || actual.kind != TypeKind::Tuple) return false;
  return std::all_of(actual.contained.begin(), actual.contained.end(),
                     [&](const TypePtr& e) { return e->is_subtype_of(*list.contained[0]); });
}

struct Converted {
  TypePtr type;
  ArgConversion conv = ArgConversion::None;
};

// PyTorch's tryConvertToType: what `actual` becomes on its way to `concrete`.
Converted try_convert(const TypePtr& concrete, const TypePtr& actual, bool allow_conversions) {
  if (concrete->kind == TypeKind::Optional && actual->kind != TypeKind::Optional && actual->kind != TypeKind::None)
    return try_convert(concrete->contained[0], actual, allow_conversions);
  const Type& list = unwrap_optional(*concrete);
  if (actual->kind == TypeKind::AnyList && list.kind == TypeKind::List)
    return {Type::list(list.contained[0]), ArgConversion::EmptyList};
  if (actual->kind == TypeKind::Tuple && convertible_to_list(*actual, *concrete))
    return {Type::list(list.contained[0]), ArgConversion::TupleToList};
  if (allow_conversions) {
    TypeKind c = concrete->kind;
    if (actual->kind == TypeKind::Tensor) {
      if (c == TypeKind::Float) return {concrete, ArgConversion::TensorToFloat};
      if (c == TypeKind::Complex) return {concrete, ArgConversion::TensorToComplex};
      if (c == TypeKind::Int) return {concrete, ArgConversion::TensorToInt};
      if (c == TypeKind::Number) return {concrete, ArgConversion::TensorToNumber};
    } else if (actual->kind == TypeKind::Number) {
      if (c == TypeKind::Float) return {concrete, ArgConversion::NumberToFloat};
      if (c == TypeKind::Complex) return {concrete, ArgConversion::NumberToComplex};
      if (c == TypeKind::Int) return {concrete, ArgConversion::NumberToInt};
    }
    if (actual->kind == TypeKind::Str && c == TypeKind::Device) return {concrete, ArgConversion::StrToDevice};
  }
  return {actual, ArgConversion::None};
}

struct ArgMatch {
  TypePtr concrete;
  ArgConversion conv = ArgConversion::None;
  bool exact = true;  // the value's type equals the argument type (no subtyping)
};

// PyTorch's tryMatchArgument for one (argument, value type) pair.
std::optional<ArgMatch> match_argument(const Argument& arg, const TypePtr& formal, TypePtr actual, bool allow_conv,
                                       TypeEnv& env, std::string& why) {
  ArgConversion pre = ArgConversion::None;
  const Type& list = unwrap_optional(*formal);
  if ((actual->kind == TypeKind::Int || actual->kind == TypeKind::Float) && list.kind == TypeKind::List &&
      arg.fixed_size > 0 && list.contained[0]->kind == actual->kind) {
    actual = Type::list(actual);
    pre = ArgConversion::RepeatToList;
  }
  std::string reason;
  if (!match_vars(formal, actual, env, reason)) {
    why = "Could not match type " + actual->str() + " to " + formal->str() + " in argument '" + arg.name + "': " +
          reason + ".";
    return std::nullopt;
  }
  TypePtr concrete = substitute(formal, env);
  if (!concrete) {
    why = "Type variables in type " + formal->str() + " could not be inferred from actual type " + actual->str();
    return std::nullopt;
  }
  Converted c = try_convert(concrete, actual, allow_conv);
  TypePtr want = int_enums_as_int(concrete);
  TypePtr got = int_enums_as_int(c.type);
  if (!got->is_subtype_of(*want)) {
    why = "Expected a value of type '" + concrete->str() + "' for argument '" + arg.name +
          "' but instead found type '" + actual->str() + "'.";
    return std::nullopt;
  }
  ArgMatch m;
  m.concrete = concrete;
  m.conv = pre != ArgConversion::None ? pre : c.conv;
  m.exact = got->equals(*want);
  return m;
}

bool varargs_can_be_list(const FunctionSchema& s, size_t i) {
  const Argument& arg = s.arguments[i];
  bool last = i + 1 == s.arguments.size() || s.arguments[i + 1].kwarg_only;
  const Type& t = *arg.type;
  bool is_list = t.kind == TypeKind::List;
  bool typevar_list = is_list && t.contained[0]->kind == TypeKind::Var;
  return last && is_list && !typevar_list && arg.fixed_size < 0;
}

struct Candidate {
  Match match;
  int inexact = 0;
};

std::optional<Candidate> try_match(const Operator& op, std::span<const TypePtr> positional,
                                   std::span<const std::pair<std::string, TypePtr>> keywords, bool allow_conv,
                                   std::string& why) {
  const FunctionSchema& s = op.schema;
  TypeEnv env;
  Candidate c;
  Match& m = c.match;
  m.op = &op;
  m.used_conversions = allow_conv;
  std::vector<bool> used_kw(keywords.size(), false);
  size_t used = 0;
  const bool is_aten = s.ns == "aten";
  for (size_t i = 0; i < s.arguments.size(); ++i) {
    const Argument& arg = s.arguments[i];
    TypePtr actual;
    int source = -1;
    if (!arg.kwarg_only && used < positional.size()) {
      if (allow_conv && varargs_can_be_list(s, i)) {
        const TypePtr& first = positional[used];
        if (first->kind != TypeKind::List && first->kind != TypeKind::AnyList &&
            !convertible_to_list(*first, *arg.type)) {
          Argument elem_arg;
          elem_arg.name = "<varargs>";
          TypePtr elem = arg.type->contained[0];
          m.arg_source.push_back(static_cast<int>(used));
          for (size_t j = used; j < positional.size(); ++j) {
            auto am = match_argument(elem_arg, elem, positional[j], allow_conv, env, why);
            if (!am) return std::nullopt;
            m.packed_conversions.push_back(am->conv);
            c.inexact += am->exact ? 0 : 1;
          }
          m.conversions.push_back(ArgConversion::PackVarargs);
          m.arg_types.push_back(arg.type);
          used = positional.size();
          continue;
        }
      }
      source = static_cast<int>(used);
      actual = positional[used++];
    } else {
      std::optional<size_t> kw;
      for (size_t k = 0; k < keywords.size(); ++k)
        if (keywords[k].first == arg.name || (is_aten && arg.name == "self" && keywords[k].first == "input")) {
          kw = k;
          break;
        }
      if (kw) {
        used_kw[*kw] = true;
        source = static_cast<int>(positional.size() + *kw);
        actual = keywords[*kw].second;
      } else if (arg.default_value) {
        m.arg_source.push_back(-1);
        m.conversions.push_back(ArgConversion::None);
        TypePtr t = substitute(arg.type, env);
        m.arg_types.push_back(t ? t : arg.type);
        continue;
      } else {
        why = "Argument " + arg.name + " not provided.";
        return std::nullopt;
      }
    }
    auto am = match_argument(arg, arg.type, actual, allow_conv, env, why);
    if (!am) return std::nullopt;
    m.arg_source.push_back(source);
    m.conversions.push_back(am->conv);
    m.arg_types.push_back(am->concrete);
    c.inexact += am->exact ? 0 : 1;
  }
  if (s.is_vararg) {
    m.num_varargs = positional.size() - used;
    used = positional.size();
  }
  if (used < positional.size()) {
    why = "Expected at most " + std::to_string(used) + " arguments but found " + std::to_string(positional.size()) +
          " positional arguments.";
    return std::nullopt;
  }
  for (size_t k = 0; k < keywords.size(); ++k) {
    if (used_kw[k]) continue;
    bool known = std::any_of(s.arguments.begin(), s.arguments.end(),
                             [&](const Argument& a) { return a.name == keywords[k].first; });
    why = "Keyword argument " + keywords[k].first + (known ? " specified twice." : " unknown.");
    return std::nullopt;
  }
  for (const Argument& r : s.returns) {
    TypePtr t = substitute(r.type, env);
    if (!t) {
      why = "Return type " + r.type->str() + " has unbound type variables.";
      return std::nullopt;
    }
    m.return_types.push_back(std::move(t));
  }
  return c;
}

}  // namespace

std::optional<Match> Registry::resolve(std::string_view qualified_name, std::span<const TypePtr> positional,
                                       std::span<const std::pair<std::string, TypePtr>> keywords,
                                       std::string* why_not) const {
  auto ops = overloads(qualified_name);
  if (ops.empty()) {
    if (why_not) *why_not = "Unknown builtin op: " + std::string(qualified_name) + ".";
    return std::nullopt;
  }
  // Why each overload did not match; printed only when none does (most calls match, and printing
  // every schema of a many-overload op such as aten::lt dominated compile time).
  std::vector<std::pair<const Operator*, std::string>> rejected;
  for (bool allow_conv : {false, true}) {
    rejected.clear();
    std::optional<Candidate> best;
    for (const Operator* op : ops) {
      std::string why;
      auto c = try_match(*op, positional, keywords, allow_conv, why);
      if (!c) {
        rejected.emplace_back(op, std::move(why));
        continue;
      }
      if (!best || c->inexact < best->inexact) best = std::move(c);
    }
    if (best) return std::move(best->match);
  }
  if (why_not) {
    std::ostringstream failures;
    for (const auto& [op, why] : rejected) failures << "\n  " << op->schema.str() << ":\n  " << why << "\n";
    std::string args;
    for (size_t i = 0; i < positional.size(); ++i) args += (i ? ", " : "") + positional[i]->str();
    for (size_t i = 0; i < keywords.size(); ++i)
      args += (args.empty() ? "" : ", ") + keywords[i].first + "=" + keywords[i].second->str();
    *why_not = "Arguments for call are not valid: " + std::string(qualified_name) + "(" + args +
               ").\nThe following variants are available:\n" + failures.str();
  }
  return std::nullopt;
}

// ---- running a match ----------------------------------------------------------------------------

namespace {
const Tensor& scalar_tensor(const Value& v, const char* what) {
  const Tensor& t = v.to_tensor();
  if (t.dim() != 0)
    fail("Cannot input a tensor of dimension other than 0 as a scalar argument (", what, " got a tensor of shape ",
         shape_string(t.sizes()), ")");
  return t;
}

Value tensor_item(const Tensor& t) {
  if (is_floating(t.dtype())) return Value(t.item_double());
  if (is_complex(t.dtype())) {
    Tensor c = t.to(DType::Complex128);
    return Value(*c.data<std::complex<double>>());
  }
  if (t.dtype() == DType::Bool) return Value(t.item_int() != 0);
  return Value(t.item_int());
}
}  // namespace

Value convert_arg(ArgConversion c, const Value& v, const TypePtr& target_type, int repeat) {
  auto elem_of = [&]() -> TypePtr {
    const Type& l = unwrap_optional(*target_type);
    return l.kind == TypeKind::List ? l.contained[0] : Type::get(TypeKind::Any);
  };
  switch (c) {
    case ArgConversion::None:
    case ArgConversion::PackVarargs: return v;
    case ArgConversion::RepeatToList:
      if (v.is_list()) return v;
      return Value(make_list(elem_of(), std::vector<Value>(static_cast<size_t>(std::max(repeat, 0)), v)));
    case ArgConversion::TupleToList: return Value(make_list(elem_of(), v.to_tuple()->items));
    case ArgConversion::EmptyList: return Value(make_list(elem_of(), v.to_list()->items));
    case ArgConversion::TensorToInt: {
      Value x = tensor_item(scalar_tensor(v, "int"));
      if (x.is_double()) return Value(static_cast<int64_t>(x.to_double()));
      if (x.is_bool()) return Value(static_cast<int64_t>(x.to_bool()));
      return x;
    }
    case ArgConversion::TensorToFloat: return Value(scalar_tensor(v, "float").item_double());
    case ArgConversion::TensorToComplex: {
      Value x = tensor_item(scalar_tensor(v, "complex"));
      return x.is_complex() ? x : Value(std::complex<double>(x.to_number(), 0));
    }
    case ArgConversion::TensorToNumber: {
      Value x = tensor_item(scalar_tensor(v, "Scalar"));
      return x.is_bool() ? Value(static_cast<int64_t>(x.to_bool())) : x;
    }
    case ArgConversion::NumberToInt:
      return v.is_double() ? Value(static_cast<int64_t>(v.to_double())) : Value(v.to_int());
    case ArgConversion::NumberToFloat: return Value(v.to_number());
    case ArgConversion::NumberToComplex:
      return v.is_complex() ? v : Value(std::complex<double>(v.to_number(), 0));
    case ArgConversion::StrToDevice: return Value(code_device(v.to_string()));
  }
  return v;
}

void push_call_args(const Match& m, std::span<const Value> positional, std::span<const Value> keyword_values,
                    Stack& stack) {
  const FunctionSchema& s = m.op->schema;
  size_t start = stack.size();
  size_t declared_end = 0;  // positionals consumed by declared arguments
  for (size_t i = 0; i < s.arguments.size(); ++i) {
    const Argument& arg = s.arguments[i];
    int src = m.arg_source[i];
    const TypePtr& target = m.arg_types[i];
    if (m.conversions[i] == ArgConversion::PackVarargs) {
      std::vector<Value> items;
      for (size_t j = static_cast<size_t>(src); j < positional.size(); ++j)
        items.push_back(convert_arg(m.packed_conversions[j - static_cast<size_t>(src)], positional[j], target, -1));
      stack.push_back(Value(make_list(target->contained[0], std::move(items))));
      declared_end = positional.size();
      continue;
    }
    if (src < 0) {
      EMBER_ASSERT(arg.default_value, "argument ", arg.name, " of ", s.str(), " has no default");
      stack.push_back(*arg.default_value);
      continue;
    }
    size_t u = static_cast<size_t>(src);
    const Value& v = u < positional.size() ? positional[u] : keyword_values[u - positional.size()];
    if (u < positional.size()) declared_end = std::max(declared_end, u + 1);
    stack.push_back(convert_arg(m.conversions[i], v, target, arg.fixed_size));
  }
  if (s.is_vararg) {
    for (size_t j = positional.size() - m.num_varargs; j < positional.size(); ++j) stack.push_back(positional[j]);
    stack.push_back(Value(static_cast<int64_t>(stack.size() - start)));
  }
}

std::vector<Value> Registry::call(std::string_view qualified_name, std::vector<Value> positional,
                                  std::vector<std::pair<std::string, Value>> keywords) const {
  std::vector<TypePtr> types;
  for (const auto& v : positional) types.push_back(v.type());
  std::vector<std::pair<std::string, TypePtr>> kw_types;
  std::vector<Value> kw_values;
  for (const auto& [k, v] : keywords) {
    kw_types.emplace_back(k, v.type());
    kw_values.push_back(v);
  }
  std::string why;
  auto m = resolve(qualified_name, types, kw_types, &why);
  if (!m) fail(why);
  Stack stack;
  push_call_args(*m, positional, kw_values, stack);
  m->op->kernel(stack);
  return stack;
}

}  // namespace ember::ops
