// case_file.cpp — parser for gen_lang.py's value encoding and the comparison tests use.
#include "case_file.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ember::testing {

namespace {

class Reader {
 public:
  explicit Reader(std::string text) : s_(std::move(text)) {}

  bool done() {
    skip();
    return p_ >= s_.size();
  }
  std::string word() {
    skip();
    size_t b = p_;
    while (p_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
    if (b == p_) fail("case file: unexpected end");
    return s_.substr(b, p_ - b);
  }
  int64_t integer() { return std::stoll(word()); }

  Value value() {
    skip();
    if (p_ >= s_.size()) fail("case file: expected a value");
    char c = s_[p_];
    if (c == 's') return Value(string());
    std::string w = word();
    switch (w[0]) {
      case 'N': return Value();
      case 'b': return Value(w == "b1");
      case 'i': return Value(static_cast<int64_t>(std::stoll(w.substr(1))));
      case 'f': return Value(parse_float(w.substr(1)));
      case 'V': return Value(Device::parse(word()));
      case 'T': return tensor();
      case 'L': {
        auto n = std::stoul(w.substr(1));
        std::vector<Value> items;
        for (size_t i = 0; i < n; ++i) items.push_back(value());
        TypePtr et = items.empty() ? Type::get(TypeKind::Any) : items[0].type();
        return Value(make_list(et, std::move(items)));
      }
      case 'U': {
        auto n = std::stoul(w.substr(1));
        std::vector<Value> items;
        for (size_t i = 0; i < n; ++i) items.push_back(value());
        return Value(make_tuple(std::move(items)));
      }
      case 'P': {
        std::string name = word();
        auto n = static_cast<size_t>(integer());
        auto cls = std::make_shared<ClassType>();
        cls->qualname = name;
        cls->kind = ClassKind::NamedTuple;
        std::vector<Value> items;
        std::vector<TypePtr> types;
        for (size_t i = 0; i < n; ++i) {
          items.push_back(value());
          types.push_back(items.back().type());
        }
        auto t = make_tuple(std::move(items));
        t->type = Type::tuple(std::move(types), cls);
        return Value(t);
      }
      case 'D': {
        auto n = std::stoul(w.substr(1));
        auto d = std::make_shared<Dict>();
        for (size_t i = 0; i < n; ++i) {
          Value k = value();
          Value v = value();
          if (!d->key_type) {
            d->key_type = k.type();
            d->value_type = v.type();
          }
          d->set(k, v);
        }
        if (!d->key_type) d->key_type = d->value_type = Type::get(TypeKind::Any);
        return Value(d);
      }
      default: fail("case file: unknown value token '", w, "'");
    }
  }

  std::string string() {
    skip();
    if (s_[p_] != 's') fail("case file: expected a string");
    size_t colon = s_.find(':', p_);
    size_t n = std::stoul(s_.substr(p_ + 1, colon - p_ - 1));
    std::string out = s_.substr(colon + 1, n);
    p_ = colon + 1 + n;
    return out;
  }

 private:
  static double parse_float(const std::string& t) {
    if (t == "inf") return INFINITY;
    if (t == "-inf") return -INFINITY;
    if (t == "nan") return NAN;
    return std::strtod(t.c_str(), nullptr);
  }

  Value tensor() {
    DType dt;
    std::string dname = word();
    if (!dtype_from_name(dname, &dt)) fail("case file: unknown dtype ", dname);
    auto nd = static_cast<size_t>(integer());
    Shape sizes;
    for (size_t i = 0; i < nd; ++i) sizes.push_back(integer());
    Tensor t = Tensor::empty(sizes, dt);
    int64_t n = t.numel();
    visit_dtype(dt, [&](auto z) {
      using C = decltype(z);
      C* p = t.data<C>();
      for (int64_t i = 0; i < n; ++i) {
        std::string w = word();
        if constexpr (std::is_floating_point_v<C>) p[i] = static_cast<C>(parse_float(w));
        else if constexpr (std::is_integral_v<C>) p[i] = static_cast<C>(std::stoll(w));
        else fail("case file: unsupported dtype ", dname);
      }
    });
    return Value(t);
  }

  void skip() {
    while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
  }
  std::string s_;
  size_t p_ = 0;
};

}  // namespace

std::vector<LangCase> read_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot open ", path);
  std::stringstream ss;
  ss << in.rdbuf();
  Reader r(ss.str());
  std::vector<LangCase> out;
  while (!r.done()) {
    if (r.word() != "case") fail(path, ": expected 'case'");
    LangCase c;
    c.label = r.word();
    if (r.word() != "in") fail(path, ": expected 'in'");
    auto n = r.integer();
    for (int64_t i = 0; i < n; ++i) c.inputs.push_back(r.value());
    std::string kind = r.word();
    if (kind == "out") c.expected = r.value();
    else if (kind == "err") {
      c.raises = true;
      c.error = r.string();
    } else fail(path, ": expected 'out' or 'err'");
    out.push_back(std::move(c));
  }
  return out;
}

std::string compare_values(const Value& got, const Value& want, const std::string& where) {
  auto differ = [&](const std::string& what) { return where + ": " + what + " (got " + got.repr() + ", want " + want.repr() + ")"; };
  if (got.tag() != want.tag()) return differ(std::string("kind ") + std::string(got.tag_name()) + " vs " + std::string(want.tag_name()));
  switch (want.tag()) {
    case ValueTag::Double: {
      double a = got.to_double(), b = want.to_double();
      if (std::isnan(a) && std::isnan(b)) return {};
      return a == b ? std::string() : differ("float");
    }
    case ValueTag::Tensor: {
      const Tensor& a = got.to_tensor();
      const Tensor& b = want.to_tensor();
      if (a.dtype() != b.dtype()) return differ(std::string("dtype ") + std::string(dtype_name(a.dtype())));
      if (a.sizes() != b.sizes()) return differ("shape " + shape_string(a.sizes()) + " vs " + shape_string(b.sizes()));
      bool fl = is_floating(b.dtype());
      for (int64_t i = 0; i < b.numel(); ++i) {
        double x = a.at_double(i), y = b.at_double(i);
        bool ok = fl ? (std::isnan(x) && std::isnan(y)) || std::abs(x - y) <= 1e-6 + 1e-5 * std::abs(y) : x == y;
        if (!ok) return where + ": element " + std::to_string(i) + " is " + std::to_string(x) + ", PyTorch gave " + std::to_string(y);
      }
      return {};
    }
    case ValueTag::List:
    case ValueTag::Tuple: {
      const auto& a = got.is_list() ? got.to_list()->items : got.to_tuple()->items;
      const auto& b = want.is_list() ? want.to_list()->items : want.to_tuple()->items;
      if (want.is_tuple() && want.to_tuple()->type && want.to_tuple()->type->cls) {
        const auto& gt = got.to_tuple()->type;
        if (!gt || !gt->cls || gt->cls->short_name() != want.to_tuple()->type->cls->qualname)
          return differ("expected a NamedTuple " + want.to_tuple()->type->cls->qualname);
      }
      if (a.size() != b.size()) return differ("length");
      for (size_t i = 0; i < b.size(); ++i) {
        std::string d = compare_values(a[i], b[i], where + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return {};
    }
    case ValueTag::Dict: {
      auto a = got.to_dict()->items();
      auto b = want.to_dict()->items();
      if (a.size() != b.size()) return differ("size");
      for (size_t i = 0; i < b.size(); ++i) {
        std::string d = compare_values(a[i].first, b[i].first, where + ".key" + std::to_string(i));
        if (d.empty()) d = compare_values(a[i].second, b[i].second, where + "[" + b[i].first.repr() + "]");
        if (!d.empty()) return d;
      }
      return {};
    }
    default: return got.equals(want) ? std::string() : differ("value");
  }
}

}  // namespace ember::testing
