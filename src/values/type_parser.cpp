// type_parser.cpp — a recursive-descent reader for both type spellings (see type_parser.h).
#include "values/type_parser.h"

#include <cctype>
#include <charconv>
#include <memory>
#include <unordered_map>
#include <vector>

#include "ember/error.h"

namespace ember {

namespace {

class Parser {
 public:
  Parser(std::string_view text, size_t pos, const ClassResolver& resolve, SchemaTypeInfo* info)
      : text_(text), pos_(pos), resolve_(resolve), info_(info) {}

  size_t pos() const { return pos_; }

  // type := primary suffix*
  TypePtr type(int* fixed_size) {
    TypePtr t = primary();
    int n = -1;
    bool alias_seen = false;
    for (;;) {
      skip_space();
      if (peek() == '?') {
        ++pos_;
        t = Type::optional(t);
      } else if (peek() == '[') {
        ++pos_;
        skip_space();
        n = -1;
        if (std::isdigit(static_cast<unsigned char>(peek()))) n = number();
        skip_space();
        expect(']');
        t = Type::list(t);
        if (alias_seen && fixed_size) info_->alias_on_element = true;
      } else if (peek() == '(' && info_) {
        alias_seen = alias_annotation() || alias_seen;
      } else {
        break;
      }
    }
    if (fixed_size) *fixed_size = n;
    skip_space();
    return t;
  }

  [[noreturn]] void error(std::string_view what) const {
    fail("cannot parse type '", text_, "': ", what, " at offset ", pos_);
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

 private:
  void expect(char c) {
    skip_space();
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }

  int number() {
    int v = 0;
    auto [p, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
    if (ec != std::errc()) error("bad number");
    pos_ = static_cast<size_t>(p - text_.data());
    return v;
  }

  std::string_view name() {
    skip_space();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' || text_[pos_] == '.'))
      ++pos_;
    if (pos_ == start) error("expected a type name");
    return text_.substr(start, pos_ - start);
  }

  // True when this is the first alias annotation met (the one recorded).
  bool alias_annotation() {
    size_t start = ++pos_;
    int depth = 1;
    while (pos_ < text_.size() && depth > 0) {
      if (text_[pos_] == '(') ++depth;
      if (text_[pos_] == ')') --depth;
      ++pos_;
    }
    if (depth) error("unterminated alias annotation");
    std::string_view a = text_.substr(start, pos_ - 1 - start);
    if (!info_->alias.empty()) return false;
    info_->alias = std::string(a);
    return true;
  }

  // Arguments of a type constructor up to `close`; `Tuple[()]` yields no elements.
  std::vector<TypePtr> args(char close) {
    std::vector<TypePtr> out;
    skip_space();
    if (peek() == close) {
      ++pos_;
      return out;
    }
    if (close == ']' && peek() == '(') {
      size_t save = pos_++;
      skip_space();
      if (peek() == ')') {
        ++pos_;
        expect(']');
        return out;
      }
      pos_ = save;
    }
    for (;;) {
      out.push_back(type(nullptr));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(close);
      return out;
    }
  }

  void want_args(std::string_view n, const std::vector<TypePtr>& a, size_t count) {
    if (a.size() != count) error(std::string(n) + " takes " + std::to_string(count) + " type argument(s)");
  }

  TypePtr constructed(std::string_view n, std::vector<TypePtr> a) {
    if (n == "Optional") {
      want_args(n, a, 1);
      return Type::optional(a[0]);
    }
    if (n == "List") {
      want_args(n, a, 1);
      return Type::list(a[0]);
    }
    if (n == "Dict") {
      want_args(n, a, 2);
      return Type::dict(a[0], a[1]);
    }
    if (n == "Tuple") return Type::tuple(std::move(a));
    if (n == "Future") {
      want_args(n, a, 1);
      return Type::future(a[0]);
    }
    if (n == "Union") {
      // Union[T, None] is how Python spells Optional[T].
      if (a.size() == 2 && a[1]->kind == TypeKind::None) return Type::optional(a[0]);
      if (a.size() == 2 && a[0]->kind == TypeKind::None) return Type::optional(a[1]);
      return Type::union_of(std::move(a));
    }
    // Remote references only appear in distributed ops ember does not run; keep the name so
    // schemas still parse and print.
    auto cls = std::make_shared<ClassType>();
    cls->qualname = std::string(n);
    auto t = std::make_shared<Type>(*Type::of_class(cls));
    t->contained = std::move(a);
    return t;
  }

  static bool is_constructor(std::string_view n) {
    return n == "Optional" || n == "List" || n == "Dict" || n == "Tuple" || n == "Future" || n == "Union" ||
           n == "RRef" || n == "Await";
  }

  TypePtr primary() {
    skip_space();
    if (peek() == '(') {  // schema tuple
      ++pos_;
      return Type::tuple(args(')'));
    }
    std::string_view n = name();
    if (is_constructor(n)) {
      skip_space();
      if (peek() == '[') {
        ++pos_;
        return constructed(n, args(']'));
      }
      if (peek() == '(') {
        ++pos_;
        return constructed(n, args(')'));
      }
      if (n == "Tuple") return Type::get(TypeKind::AnyTuple);
      if (n == "List") return Type::get(TypeKind::AnyList);
      error(std::string(n) + " needs type arguments");
    }
    if (TypePtr t = named(n)) return t;
    if (n.find('.') != std::string_view::npos) {
      if (resolve_)
        if (TypePtr t = resolve_(n)) return t;
      auto cls = std::make_shared<ClassType>();
      cls->qualname = std::string(n);
      return Type::of_class(cls);
    }
    if (std::islower(static_cast<unsigned char>(n[0]))) return Type::var(std::string(n));
    error("unknown type name '" + std::string(n) + "'");
  }

  static TypePtr named(std::string_view n) {
    static const std::unordered_map<std::string_view, TypeKind> kinds = {
        {"Tensor", TypeKind::Tensor},         {"torch.Tensor", TypeKind::Tensor},
        {"int", TypeKind::Int},               {"SymInt", TypeKind::Int},
        {"float", TypeKind::Float},           {"bool", TypeKind::Bool},
        {"str", TypeKind::Str},               {"complex", TypeKind::Complex},
        {"number", TypeKind::Number},         {"Scalar", TypeKind::Number},
        {"Device", TypeKind::Device},         {"torch.device", TypeKind::Device},
        {"NoneType", TypeKind::None},         {"None", TypeKind::None},
        {"Any", TypeKind::Any},               {"ScalarType", TypeKind::ScalarType},
        {"Layout", TypeKind::Layout},         {"MemoryFormat", TypeKind::MemoryFormat},
        {"Generator", TypeKind::Generator},   {"Storage", TypeKind::Storage},
        {"Stream", TypeKind::Stream},         {"Capsule", TypeKind::Capsule},
        {"AnyClassType", TypeKind::AnyClass}, {"AnyEnumType", TypeKind::AnyEnum},
        {"Dimname", TypeKind::Str},           {"QScheme", TypeKind::Int},
        {"ConstQuantizerPtr", TypeKind::Capsule},
    };
    auto it = kinds.find(n);
    return it == kinds.end() ? nullptr : Type::get(it->second);
  }

  std::string_view text_;
  size_t pos_;
  const ClassResolver& resolve_;
  SchemaTypeInfo* info_;
};

}  // namespace

TypePtr parse_type_at(std::string_view text, size_t& pos, const ClassResolver& resolve_class,
                      SchemaTypeInfo* info) {
  Parser p(text, pos, resolve_class, info);
  TypePtr t = p.type(info ? &info->fixed_size : nullptr);
  pos = p.pos();
  return t;
}

TypePtr parse_type_string(std::string_view text, const ClassResolver& resolve_class) {
  Parser p(text, 0, resolve_class, nullptr);
  TypePtr t = p.type(nullptr);
  if (p.pos() != text.size()) p.error("unexpected text after the type");
  return t;
}

std::string schema_type_str(const Type& t) {
  switch (t.kind) {
    case TypeKind::Number: return "Scalar";
    case TypeKind::Optional: return schema_type_str(*t.contained[0]) + "?";
    case TypeKind::List: return schema_type_str(*t.contained[0]) + "[]";
    case TypeKind::Dict:
      return "Dict(" + schema_type_str(*t.contained[0]) + ", " + schema_type_str(*t.contained[1]) + ")";
    case TypeKind::Future: return "Future(" + schema_type_str(*t.contained[0]) + ")";
    case TypeKind::Tuple: {
      if (t.cls) return t.cls->qualname;
      std::string s = "(";
      for (size_t i = 0; i < t.contained.size(); ++i) s += (i ? ", " : "") + schema_type_str(*t.contained[i]);
      return s + ")";
    }
    case TypeKind::Union: {
      std::string s = "Union(";
      for (size_t i = 0; i < t.contained.size(); ++i) s += (i ? ", " : "") + schema_type_str(*t.contained[i]);
      return s + ")";
    }
    case TypeKind::Class:
      if (t.cls && !t.contained.empty()) {
        std::string s = t.cls->qualname + "(";
        for (size_t i = 0; i < t.contained.size(); ++i) s += (i ? ", " : "") + schema_type_str(*t.contained[i]);
        return s + ")";
      }
      return t.str();
    default: return t.str();
  }
}

}  // namespace ember
