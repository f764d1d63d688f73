// case_file.h — replays the aten case files tests/fixtures/case_writer.py writes (kernels/,
// creation/ and gaps/ each hold cases.txt and data.bin). Each line names an aten overload, its
// arguments (tensors point into data.bin with their original strides and offsets, so strided and
// broadcast inputs replay exactly) and what PyTorch 1.13 returned or that it raised. The op runs
// through the global registry, so its schema string, defaults and kernel are all exercised.
// Integer results and indices must match exactly; floating results to 1e-4 relative (1e-2 for
// 16-bit floats), complex ones per component. tests/unit/ops/replay_test.cpp replays the same
// lines through every registered path of an op (parse_case, check_case).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "ember/tensor.h"
#include "ember/value.h"
#include "ops/registry.h"
#include "values/type_parser.h"

namespace ember::testing::case_file {

// The two dialects of the format: gen_kernels.py writes lists as `L <n> items...` (the element
// type is inferred from the items), gen_creation.py and gen_gaps.py as `L <type> <n> items...`
// because aten::tensor infers its dtype from the list type and empty lists need one.
struct Format {
  bool typed_lists;
  size_t echo_chars;  // how much of a failing case line the failure message repeats
};

// Strings in case lines escape spaces as %20 and percent signs as %25.
inline std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Parser {
  std::istringstream in;
  const std::string& blob;
  Format format;
  Parser(const std::string& line, const std::string& b, Format f) : in(line), blob(b), format(f) {}

  std::string word() {
    std::string w;
    in >> w;
    if (w.empty()) throw std::runtime_error("unexpected end of case line");
    return w;
  }
  int64_t integer() { return std::stoll(word()); }
  double real() { return std::strtod(word().c_str(), nullptr); }

  Value value() {
    const std::string tag = word();
    if (tag == "N") return Value();
    if (tag == "I") return Value(integer());
    if (tag == "B") return Value(integer() != 0);
    if (tag == "F") return Value(real());
    if (tag == "C") {
      const double re = real();
      return Value(std::complex<double>(re, real()));
    }
    if (tag == "S") return Value(unescape(word()));
    if (tag == "V") return Value(Device::parse(word()));
    if (tag == "T") return Value(tensor());
    if (tag == "U") {
      const int64_t n = integer();
      std::vector<Value> items;
      for (int64_t i = 0; i < n; ++i) items.push_back(value());
      return Value(make_tuple(std::move(items)));
    }
    if (tag == "D") {  // D <key type> <value type> <n> (key value)...
      TypePtr kt = ember::parse_type_string(word()), vt = ember::parse_type_string(word());
      const int64_t n = integer();
      auto d = std::make_shared<Dict>();
      d->key_type = kt;
      d->value_type = vt;
      for (int64_t i = 0; i < n; ++i) {
        Value k = value();
        d->set(k, value());
      }
      return Value(std::move(d));
    }
    if (tag == "L") {
      TypePtr elem = format.typed_lists ? ember::parse_type_string(word()) : nullptr;
      const int64_t n = integer();
      std::vector<Value> items;
      for (int64_t i = 0; i < n; ++i) items.push_back(value());
      if (!elem) elem = inferred_element_type(items);
      return Value(make_list(elem, std::move(items)));
    }
    throw std::runtime_error("unknown value tag " + tag);
  }

  // For untyped lists: int unless an item says otherwise (empty lists are int[]).
  static TypePtr inferred_element_type(const std::vector<Value>& items) {
    bool any_tensor = false, any_none = false, any_float = false;
    for (const Value& v : items) {
      any_tensor |= v.is_tensor();
      any_none |= v.is_none();
      any_float |= v.is_double();
    }
    if (any_tensor) return any_none ? Type::optional(Type::get(TypeKind::Tensor)) : Type::get(TypeKind::Tensor);
    if (any_float) return Type::get(TypeKind::Float);
    return Type::get(TypeKind::Int);
  }

  Tensor tensor() {
    DType dt;
    if (!dtype_from_number(integer(), &dt)) throw std::runtime_error("bad dtype");
    const int64_t nd = integer();
    Shape sizes(static_cast<size_t>(nd)), strides(static_cast<size_t>(nd));
    for (auto& s : sizes) s = integer();
    for (auto& s : strides) s = integer();
    const int64_t offset = integer(), data_off = integer(), n = integer();
    Tensor base = Tensor::empty(Shape{n}, dt);
    std::memcpy(base.raw_data(), blob.data() + data_off, static_cast<size_t>(n) * element_size(dt));
    return base.as_strided(sizes, strides, offset);
  }
};

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Empty string when equal; otherwise what differs.
inline std::string compare_tensors(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype())
    return "dtype " + std::string(dtype_name(got.dtype())) + " != " + std::string(dtype_name(want.dtype()));
  if (got.sizes() != want.sizes()) return "shape " + shape_string(got.sizes()) + " != " + shape_string(want.sizes());
  const int64_t n = want.numel();
  if (is_floating(want.dtype()) || is_complex(want.dtype())) {
    for (int part = 0; part < (is_complex(want.dtype()) ? 2 : 1); ++part) {
      auto component = [&](const Tensor& t) {
        if (!is_complex(t.dtype())) return t.to(DType::Float64);
        // Real and imaginary parts as a [..., 2] float view.
        Tensor c = t.to(DType::Complex128).contiguous();
        Shape s = c.sizes();
        s.push_back(2);
        Shape st = contiguous_strides(s);
        Tensor f = Tensor::from_storage(c.storage(), DType::Float64, s, st, 0);
        return f.as_strided(c.sizes(), Shape(st.begin(), st.end() - 1), part).contiguous();
      };
      Tensor g = component(got), w = component(want);
      const double* gp = g.data<double>();
      const double* wp = w.data<double>();
      double scale = 1;
      for (int64_t i = 0; i < n; ++i)
        if (std::isfinite(wp[i])) scale = std::max(scale, std::abs(wp[i]));
      const bool half = want.dtype() == DType::Float16 || want.dtype() == DType::BFloat16;
      const double tol = (half ? 1e-2 : 1e-4) * scale;
      for (int64_t i = 0; i < n; ++i) {
        const double a = gp[i], b = wp[i];
        if (std::isnan(b) ? std::isnan(a) : (std::isinf(b) ? a == b : std::abs(a - b) <= tol)) continue;
        std::ostringstream o;
        o << "element " << i << ": got " << a << ", want " << b;
        return o.str();
      }
    }
    return "";
  }
  Tensor g = got.to(DType::Int64), w = want.to(DType::Int64);
  for (int64_t i = 0; i < n; ++i)
    if (g.data<int64_t>()[i] != w.data<int64_t>()[i]) {
      std::ostringstream o;
      o << "element " << i << ": got " << g.data<int64_t>()[i] << ", want " << w.data<int64_t>()[i];
      return o.str();
    }
  return "";
}

inline std::string compare_values(const Value& got, const Value& want) {
  if (want.is_tensor()) {
    if (!got.is_tensor()) return "expected a tensor, got " + std::string(got.tag_name());
    return compare_tensors(got.to_tensor(), want.to_tensor());
  }
  if (want.is_list() || want.is_tuple()) {
    if (!(want.is_list() ? got.is_list() : got.is_tuple()))
      return "expected a " + std::string(want.tag_name()) + ", got " + std::string(got.tag_name());
    const auto& g = got.is_list() ? got.to_list()->items : got.to_tuple()->items;
    const auto& w = want.is_list() ? want.to_list()->items : want.to_tuple()->items;
    if (g.size() != w.size()) return "length " + std::to_string(g.size()) + " != " + std::to_string(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      std::string e = compare_values(g[i], w[i]);
      if (!e.empty()) return "item " + std::to_string(i) + ": " + e;
    }
    return "";
  }
  if (want.is_dict()) {
    if (!got.is_dict()) return "expected a dict, got " + std::string(got.tag_name());
    const auto g = got.to_dict()->items(), w = want.to_dict()->items();
    if (g.size() != w.size()) return "dict size " + std::to_string(g.size()) + " != " + std::to_string(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      if (!g[i].first.equals(w[i].first)) return "key " + std::to_string(i) + ": got " + g[i].first.repr() + ", want " + w[i].first.repr();
      std::string e = compare_values(g[i].second, w[i].second);
      if (!e.empty()) return "[" + w[i].first.repr() + "]: " + e;
    }
    return "";
  }
  if (want.is_double()) {
    if (!got.is_double()) return "expected float";
    return std::abs(got.to_double() - want.to_double()) <= 1e-6 * std::max(1.0, std::abs(want.to_double())) ? "" : "float differs";
  }
  return got.equals(want) ? "" : "got " + got.repr() + ", want " + want.repr();
}

// One case line read: the op it names, its stack (schema order, defaults filled) and what
// PyTorch did. `error` says why the line could not be made into a call (empty when it could).
struct ParsedCase {
  const ops::Operator* op = nullptr;
  ops::Stack stack;
  bool expect_error = false;  // PyTorch raised
  Value want;                 // what PyTorch returned, when it did not raise
  std::string error;
};

// Reads a case line against `registry` (the global one unless a test brings its own). Tensors
// are made afresh from the blob on every call, so a kernel that writes its inputs (in-place ops,
// batch norm's running statistics) cannot change what the next kernel given the case sees.
inline ParsedCase parse_case(const std::string& line, const std::string& blob, Format format,
                             const ops::Registry& registry = ops::Registry::global()) {
  ParsedCase c;
  Parser p(line, blob, format);
  p.word();  // "case"
  const std::string id = p.word(), name = p.word(), overload = p.word();
  c.op = registry.find(name, overload == "-" ? "" : overload);
  if (!c.op) {
    c.error = "op not registered";
    return c;
  }
  const int64_t npos = p.integer();
  std::vector<Value> pos;
  for (int64_t i = 0; i < npos; ++i) pos.push_back(p.value());
  const int64_t nkw = p.integer();
  std::map<std::string, Value> kw;
  for (int64_t i = 0; i < nkw; ++i) {
    std::string k = p.word();
    kw[k] = p.value();
  }
  if (p.word() != "->") {
    c.error = "bad case line";
    return c;
  }
  const auto& args = c.op->schema.arguments;
  if (c.op->schema.is_vararg) {
    for (const Value& v : pos) c.stack.push_back(v);
    c.stack.push_back(Value(static_cast<int64_t>(pos.size())));
  } else {
    for (size_t i = 0; i < args.size(); ++i) {
      if (i < pos.size()) c.stack.push_back(pos[i]);
      else if (kw.count(args[i].name)) c.stack.push_back(kw[args[i].name]);
      else if (args[i].default_value) c.stack.push_back(*args[i].default_value);
      else {
        c.error = "no value for argument " + args[i].name;
        return c;
      }
    }
  }
  std::string expect_tag;
  {
    std::streampos mark = p.in.tellg();
    expect_tag = p.word();
    p.in.seekg(mark);
  }
  c.expect_error = expect_tag == "!";
  if (!c.expect_error) c.want = p.value();
  return c;
}

// Compares what a kernel left on the stack with `want` (one value per schema return; several
// returns are recorded as a tuple). Empty when equal.
inline std::string compare_returns(const ops::Operator& op, const ops::Stack& stack, const Value& want) {
  if (want.is_tuple() && op.schema.returns.size() > 1) {
    const auto& items = want.to_tuple()->items;
    if (stack.size() != items.size()) return "wrong number of returns";
    for (size_t i = 0; i < items.size(); ++i) {
      std::string e = compare_values(stack[i], items[i]);
      if (!e.empty()) return "return " + std::to_string(i) + ": " + e;
    }
    return "";
  }
  if (stack.size() != 1) return "expected one return, got " + std::to_string(stack.size());
  return compare_values(stack[0], want);
}

// Runs `kernel` on the parsed case (consuming its stack) and checks it against PyTorch: it must
// raise exactly when PyTorch raised, else return what PyTorch returned. Empty on success; the
// kernel's returns are left in c.stack.
inline std::string check_case(ParsedCase& c, const ops::Kernel& kernel) {
  if (!c.error.empty()) return c.error;
  if (c.expect_error) {
    try {
      kernel(c.stack);
    } catch (const Error&) {
      return "";
    }
    return "PyTorch raised but ember returned";
  }
  try {
    kernel(c.stack);
  } catch (const Error& e) {
    return std::string("ember raised: ") + e.what();
  }
  return compare_returns(*c.op, c.stack, c.want);
}

// Runs one case line through the op's CPU kernel; returns an empty string on success.
inline std::string run_case(const std::string& line, const std::string& blob, Format format) {
  ParsedCase c = parse_case(line, blob, format);
  if (!c.error.empty()) return c.error;
  return check_case(c, c.op->kernel);
}

struct Tally {
  int total = 0, failed = 0;
  std::map<std::string, int> per_op;  // cases per aten name, e.g. "aten::where"
};

// <area>/cases.txt and <area>/data.bin as made by the generator.
struct CaseFile {
  std::string manifest, blob;

  static CaseFile load(const std::string& area) {
    return {read_file(fixture(area + "/cases.txt")), read_file(fixture(area + "/data.bin"))};
  }

  // Runs every case, adding one test failure (the case line and what differed) per failing case.
  Tally replay(Format format) const {
    Tally tally;
    std::istringstream lines(manifest);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      ++tally.total;
      std::istringstream words(line);
      std::string tag, id, name;
      words >> tag >> id >> name;
      ++tally.per_op[name];
      std::string err;
      try {
        err = run_case(line, blob, format);
      } catch (const std::exception& e) {
        err = std::string("harness error: ") + e.what();
      }
      if (!err.empty()) {
        ++tally.failed;
        ADD_FAILURE() << line.substr(0, format.echo_chars) << "\n  -> " << err;
      }
    }
    return tally;
  }
};

}  // namespace ember::testing::case_file
