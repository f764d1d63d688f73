// schema.cpp — parses and prints operator schemas in the syntax of schemas-torch-1.13.txt.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "ember/dtype.h"
#include "ember/error.h"
#include "ops/registry.h"
#include "values/type_parser.h"

namespace ember::ops {

namespace {

class SchemaParser {
 public:
  SchemaParser(std::string_view text, const std::function<TypePtr(std::string_view)>& resolve)
      : text_(text), resolve_(resolve) {}

  FunctionSchema parse() {
    FunctionSchema s;
    skip_space();
    std::string_view qual = ident_with([](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '.'; });
    size_t colons = qual.find("::");
    std::string_view rest = qual;
    if (colons != std::string_view::npos) {
      s.ns = std::string(qual.substr(0, colons));
      rest = qual.substr(colons + 2);
    }
    size_t dot = rest.find('.');
    s.name = std::string(rest.substr(0, dot));
    if (dot != std::string_view::npos) s.overload = std::string(rest.substr(dot + 1));
    if (s.name.empty()) error("missing operator name");
    expect('(');
    bool kwarg_only = false;
    skip_space();
    if (peek() != ')') {
      for (;;) {
        skip_space();
        if (text_.substr(pos_, 3) == "...") {
          pos_ += 3;
          s.is_vararg = true;
        } else if (peek() == '*') {
          ++pos_;
          kwarg_only = true;
        } else {
          if (s.is_vararg) error("arguments after '...'");
          Argument a = argument(/*is_return=*/false);
          a.kwarg_only = kwarg_only;
          a.is_out = kwarg_only && a.alias.find('!') != std::string::npos;
          s.arguments.push_back(std::move(a));
        }
        skip_space();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        break;
      }
    }
    expect(')');
    skip_space();
    if (text_.substr(pos_, 2) != "->") error("expected '->'");
    pos_ += 2;
    skip_space();
    if (text_.substr(pos_, 3) == "...") {
      pos_ += 3;
      s.is_varret = true;
    } else if (peek() == '(' && !single_tuple_return()) {
      ++pos_;
      skip_space();
      if (peek() != ')') {
        for (;;) {
          skip_space();
          if (text_.substr(pos_, 3) == "...") {
            pos_ += 3;
            s.is_varret = true;
          } else {
            s.returns.push_back(argument(/*is_return=*/true));
          }
          skip_space();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          break;
        }
      }
      expect(')');
    } else {
      s.returns.push_back(argument(/*is_return=*/true));
    }
    skip_space();
    if (pos_ != text_.size()) error("unexpected text after the returns");
    return s;
  }

 private:
  [[noreturn]] void error(std::string_view what) const {
    fail("cannot parse schema '", text_, "': ", what, " at offset ", pos_);
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void expect(char c) {
    skip_space();
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  template <class F>
  std::string_view ident_with(F ok) {
    size_t start = pos_;
    while (pos_ < text_.size() && ok(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  Argument argument(bool is_return) {
    Argument a;
    ember::SchemaTypeInfo info;
    try {
      a.type = ember::parse_type_at(text_, pos_, resolve_, &info);
    } catch (const Error& e) {
      error(e.what());
    }
    a.alias = std::move(info.alias);
    a.alias_on_element = info.alias_on_element;
    a.fixed_size = info.fixed_size;
    skip_space();
    a.name = std::string(ident_with([](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }));
    if (a.name.empty() && !is_return) error("expected an argument name");
    skip_space();
    if (!is_return && peek() == '=') {
      ++pos_;
      skip_space();
      size_t start = pos_;
      std::string_view text = default_text();
      try {
        a.default_value = parse_default(text, a.type, a.fixed_size);
      } catch (const Error& e) {
        pos_ = start;
        error(std::string("default of '") + a.name + "': " + e.what());
      }
    }
    return a;
  }

  // `-> (str, t)[]`: one return whose type starts with a tuple, not a list of returns.
  bool single_tuple_return() {
    int depth = 0;
    size_t i = pos_;
    for (; i < text_.size(); ++i) {
      if (text_[i] == '(') ++depth;
      if (text_[i] == ')' && --depth == 0) break;
    }
    ++i;
    while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    return i < text_.size() && (text_[i] == '[' || text_[i] == '?');
  }

  // The raw default up to the next top-level ',' or ')'.
  std::string_view default_text() {
    size_t start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"' || c == '\'') {
        char q = c;
        for (++pos_; pos_ < text_.size() && text_[pos_] != q; ++pos_)
          if (text_[pos_] == '\\') ++pos_;
        if (pos_ >= text_.size()) error("unterminated string");
        ++pos_;
        continue;
      }
      if (c == '[' || c == '(') ++depth;
      if (c == ']' || (c == ')' && depth > 0)) --depth;
      else if ((c == ',' || c == ')') && depth == 0) break;
      ++pos_;
    }
    std::string_view t = text_.substr(start, pos_ - start);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (t.empty()) error("empty default value");
    return t;
  }

  std::string_view text_;
  size_t pos_ = 0;
  const std::function<TypePtr(std::string_view)>& resolve_;

 public:
  static Value parse_default(std::string_view t, const TypePtr& type, int fixed_size);
};

std::string unquote(std::string_view t) {
  if (t.size() < 2 || (t[0] != '"' && t[0] != '\'') || t.back() != t[0]) fail("expected a string literal, got ", t);
  std::string out;
  for (size_t i = 1; i + 1 < t.size(); ++i) {
    char c = t[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 2 >= t.size()) fail("bad escape in ", t);
    char e = t[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '0': out += '\0'; break;
      default: out += e; break;  // \\ \" \'
    }
  }
  return out;
}

bool parse_int(std::string_view t, int64_t* out) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *out);
  return ec == std::errc() && p == t.data() + t.size();
}

double parse_float(std::string_view t) {
  if (t == "inf") return std::numeric_limits<double>::infinity();
  if (t == "-inf") return -std::numeric_limits<double>::infinity();
  if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
  double d = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec != std::errc() || p != t.data() + t.size()) fail("expected a number, got ", t);
  return d;
}

// Enum-like defaults spelled by name in native_functions.yaml (`long`, `contiguous_format`, `Mean`).
bool named_int_constant(std::string_view t, int64_t* out) {
  static const std::unordered_map<std::string_view, int64_t> names = {
      {"contiguous_format", 0}, {"preserve_format", 1}, {"channels_last", 2}, {"channels_last_3d", 3},
      {"strided", 0},           {"sparse_coo", 1},      {"sparse_csr", 2},    {"Mean", 1},
      {"Sum", 2},
  };
  if (auto it = names.find(t); it != names.end()) {
    *out = it->second;
    return true;
  }
  DType d;
  if (dtype_from_name(t, &d)) {
    *out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

Value SchemaParser::parse_default(std::string_view t, const TypePtr& type, int fixed_size) {
  if (t == "None") return Value();
  const Type& ty = type->kind == TypeKind::Optional ? *type->contained[0] : *type;
  switch (ty.kind) {
    case TypeKind::Bool:
      if (t == "True") return Value(true);
      if (t == "False") return Value(false);
      fail("expected True or False, got ", t);
    case TypeKind::Int:
    case TypeKind::ScalarType:
    case TypeKind::Layout:
    case TypeKind::MemoryFormat: {
      int64_t v;
      if (parse_int(t, &v) || named_int_constant(t, &v)) return Value(v);
      fail("expected an int, got ", t);
    }
    case TypeKind::Float: {
      int64_t v;
      if (parse_int(t, &v)) return Value(static_cast<double>(v));
      return Value(parse_float(t));
    }
    case TypeKind::Number: {
      int64_t v;
      if (parse_int(t, &v)) return Value(v);
      if (t == "True") return Value(true);
      if (t == "False") return Value(false);
      return Value(parse_float(t));
    }
    case TypeKind::Complex: return Value(std::complex<double>(parse_float(t), 0.0));
    case TypeKind::Str: return Value(unquote(t));
    case TypeKind::Device: return Value(Device::parse(unquote(t)));
    case TypeKind::List: {
      const TypePtr& elem = ty.contained[0];
      std::vector<Value> items;
      if (t.front() != '[') {
        // `int[2] stride=1`: one value for every element.
        if (fixed_size < 0) fail("expected a list, got ", t);
        Value v = parse_default(t, elem, -1);
        items.assign(static_cast<size_t>(fixed_size), v);
        return Value(make_list(elem, std::move(items)));
      }
      if (t.back() != ']') fail("unterminated list ", t);
      std::string_view inner = t.substr(1, t.size() - 2);
      size_t i = 0;
      while (i < inner.size()) {
        size_t comma = inner.find(',', i);
        std::string_view item = inner.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
        if (!item.empty()) items.push_back(parse_default(item, elem, -1));
        if (comma == std::string_view::npos) break;
        i = comma + 1;
      }
      return Value(make_list(elem, std::move(items)));
    }
    default: fail("unsupported default '", t, "' for type ", type->str());
  }
}

std::string float_str(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".";
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string default_str(const Value& v, const Argument& a) {
  switch (v.tag()) {
    case ValueTag::None: return "None";
    case ValueTag::Bool: return v.to_bool() ? "True" : "False";
    case ValueTag::Int: return std::to_string(v.to_int());
    case ValueTag::Double: return float_str(v.to_double());
    case ValueTag::String: return quote(v.to_string());
    case ValueTag::Device: return quote(v.to_device().str());
    case ValueTag::List: {
      const auto& items = v.to_list()->items;
      // PyTorch prints `int[2] stride=1` for a repeated fixed-size default.
      if (a.fixed_size > 1 && static_cast<int>(items.size()) == a.fixed_size) {
        bool same = true;
        for (const auto& x : items) same = same && x.equals(items[0]) && x.tag() == items[0].tag();
        if (same) return default_str(items[0], a);
      }
      std::string s = "[";
      for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + default_str(items[i], a);
      return s + "]";
    }
    default: return v.repr();
  }
}

std::string arg_type_str(const Argument& a) {
  const Type* t = a.type.get();
  bool optional = false;
  if (a.fixed_size >= 0 && t->kind == TypeKind::Optional) {
    optional = true;
    t = t->contained[0].get();
  }
  std::string alias = a.alias.empty() ? "" : "(" + a.alias + ")";
  if (t->kind == TypeKind::List && (a.fixed_size >= 0 || a.alias_on_element)) {
    std::string s = ember::schema_type_str(*t->contained[0]);
    if (a.alias_on_element) s += alias;
    s += a.fixed_size >= 0 ? "[" + std::to_string(a.fixed_size) + "]" : "[]";
    if (!a.alias_on_element) s += alias;
    return s + (optional ? "?" : "");
  }
  if (t->kind == TypeKind::Optional && !alias.empty())  // `t(*)?`
    return ember::schema_type_str(*t->contained[0]) + alias + "?";
  return ember::schema_type_str(*t) + alias;
}

std::string arg_str(const Argument& a) {
  std::string s = arg_type_str(a);
  if (!a.name.empty()) s += " " + a.name;
  if (a.default_value) s += "=" + default_str(*a.default_value, a);
  return s;
}

}  // namespace

FunctionSchema parse_schema(std::string_view text, const std::function<TypePtr(std::string_view)>& resolve_class) {
  return SchemaParser(text, resolve_class).parse();
}

std::string FunctionSchema::qualified_name() const { return ns.empty() ? name : ns + "::" + name; }

std::string FunctionSchema::str() const {
  std::string s = qualified_name();
  if (!overload.empty()) s += "." + overload;
  s += "(";
  bool first = true;
  bool kw = false;
  for (const auto& a : arguments) {
    if (!first) s += ", ";
    first = false;
    if (a.kwarg_only && !kw) {
      s += "*, ";
      kw = true;
    }
    s += arg_str(a);
  }
  if (is_vararg) s += first ? "..." : ", ...";
  s += ") -> ";
  if (is_varret && returns.empty()) return s + "...";
  if (returns.size() == 1 && !is_varret) {
    std::string r = arg_str(returns[0]);
    return s + (r[0] == '(' ? "(" + r + ")" : r);  // a tuple-typed return keeps its own parens
  }
  s += "(";
  for (size_t i = 0; i < returns.size(); ++i) s += (i ? ", " : "") + arg_str(returns[i]);
  if (is_varret) s += returns.empty() ? "..." : ", ...";
  return s + ")";
}

bool FunctionSchema::is_inplace() const {
  return !arguments.empty() && arguments[0].alias == "a!" && !arguments[0].kwarg_only && returns.size() == 1 &&
         returns[0].alias == "a!";
}

}  // namespace ember::ops
