// json.cpp — the bounded JSON reader (json.h). An explicit stack instead of recursion, so a
// document nested past max_depth fails with an error before it can exhaust the C++ stack.
#include "archive/json.h"

#include <unordered_set>

#include "ember/error.h"

namespace ember::archive {

const Json* Json::find(std::string_view key) const {
  if (kind != Kind::Object) return nullptr;
  for (const auto& [k, v] : members)
    if (k == key) return &v;
  return nullptr;
}

const char* Json::kind_name() const {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return "a boolean";
    case Kind::Number: return "a number";
    case Kind::String: return "a string";
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
  }
  return "?";
}

namespace {

class Reader {
 public:
  Reader(std::string_view s, const std::string& label, const JsonLimits& limits)
      : s_(s), label_(label), limits_(limits) {}

  Json document() {
    if (s_.size() > limits_.max_input)
      fail(label_, ": ", s_.size(), " bytes of JSON, more than the ", limits_.max_input, " allowed");
    Json root;
    // Each frame is a container being filled.
    struct Frame {
      Json* value;
      std::unordered_set<std::string> keys;  // an object's member names, for the duplicate check
    };
    std::vector<Frame> stack;
    Json* slot = &root;  // where the next value goes
    for (;;) {
      skip_space();
      if (++values_ > limits_.max_values) bad("more than " + std::to_string(limits_.max_values) + " values");
      const char c = peek();
      bool opened = false;
      if (c == '{' || c == '[') {
        ++pos_;
        slot->kind = c == '{' ? Json::Kind::Object : Json::Kind::Array;
        if (stack.size() >= limits_.max_depth)
          bad("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
        stack.push_back({slot, {}});
        opened = true;
        skip_space();
        if (peek() == (c == '{' ? '}' : ']')) {
          ++pos_;
          stack.pop_back();
          opened = false;
        }
      } else if (c == '"') {
        slot->kind = Json::Kind::String;
        slot->text = string();
      } else if (c == 't' || c == 'f' || c == 'n') {
        const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        if (s_.substr(pos_, word.size()) != word) bad("unexpected character");
        pos_ += word.size();
        slot->kind = c == 'n' ? Json::Kind::Null : Json::Kind::Bool;
        slot->boolean = c == 't';
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        slot->kind = Json::Kind::Number;
        slot->text = number();
      } else {
        bad(pos_ >= s_.size() ? "unexpected end of input" : "unexpected character");
      }
      // Where the next value goes: a new member or item of the innermost open container, after
      // closing every container that ends here.
      for (;;) {
        if (stack.empty()) {
          skip_space();
          if (pos_ != s_.size()) bad("text after the document");
          return root;
        }
        Frame& top = stack.back();
        Json& container = *top.value;
        if (!opened) {
          skip_space();
          const char close = container.kind == Json::Kind::Object ? '}' : ']';
          if (peek() == close) {
            ++pos_;
            stack.pop_back();
            continue;
          }
          if (peek() != ',') bad(std::string("expected ',' or '") + close + "'");
          ++pos_;
        }
        opened = false;
        if (container.kind == Json::Kind::Array) {
          container.items.emplace_back();
          slot = &container.items.back();
        } else {
          skip_space();
          if (peek() != '"') bad("expected a member name");
          std::string key = string();
          skip_space();
          if (peek() != ':') bad("expected ':'");
          ++pos_;
          if (!top.keys.insert(key).second) bad("duplicate member \"" + key.substr(0, 64) + "\"");
          container.members.push_back(JsonMember{std::move(key), Json()});
          slot = &container.members.back().value;
        }
        break;
      }
    }
  }

 private:
  [[noreturn]] void bad(const std::string& what) const { fail(label_, ": ", what, " at byte ", pos_); }

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }

  std::string number() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == from) bad("malformed number");
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') ++pos_;
    else digits();
    if (peek() == '.') {
      ++pos_;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      digits();
    }
    if (pos_ - start > 64) bad("a number of more than 64 characters");
    return std::string(s_.substr(start, pos_ - start));
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) bad("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
      else bad("bad \\u escape");
    }
    return v;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // A string starting at the opening quote; the result is UTF-8 (raw bytes are checked to be).
  std::string string() {
    ++pos_;
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) bad("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) bad("a control character in a string");
      if (c == '\\') {
        ++pos_;
        const char e = peek();
        ++pos_;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            unsigned cp = hex4();
            if (cp >= 0xD800 && cp < 0xDC00) {
              if (s_.substr(pos_, 2) != "\\u") bad("a lone UTF-16 surrogate");
              pos_ += 2;
              const unsigned lo = hex4();
              if (lo < 0xDC00 || lo >= 0xE000) bad("a lone UTF-16 surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              bad("a lone UTF-16 surrogate");
            }
            put_utf8(out, cp);
            break;
          }
          default: --pos_; bad("bad escape in a string");
        }
        continue;
      }
      // Raw UTF-8: a lead byte and its continuation bytes, checked.
      const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      if (n == 0 || pos_ + n > s_.size()) bad("invalid UTF-8 in a string");
      for (size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s_[pos_ + k]) & 0xC0) != 0x80) bad("invalid UTF-8 in a string");
      out.append(s_.substr(pos_, n));
      pos_ += n;
    }
  }

  std::string_view s_;
  const std::string& label_;
  const JsonLimits& limits_;
  size_t pos_ = 0;
  size_t values_ = 0;
};

}  // namespace

Json parse_json(std::string_view text, const std::string& label, const JsonLimits& limits) {
  return Reader(text, label, limits).document();
}

}  // namespace ember::archive
