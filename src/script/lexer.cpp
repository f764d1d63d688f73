#include "script/lexer.h"

#include <cerrno>
#include <cstdlib>
#include <cctype>
#include <cstring>
#include <utility>

#include "ember/error.h"

namespace ember::script {

std::string Token::describe() const {
  switch (kind) {
    case TokenKind::Name:
    case TokenKind::Int:
    case TokenKind::Op: return "'" + text + "'";
    case TokenKind::Float:
    case TokenKind::Imag: return "'" + text + "'";
    case TokenKind::String: {
      std::string shown = text.size() > 20 ? text.substr(0, 20) + "..." : text;
      return "string \"" + shown + "\"";
    }
    case TokenKind::Newline: return "end of line";
    case TokenKind::Indent: return "indent";
    case TokenKind::Dedent: return "dedent";
    case TokenKind::End: return "end of file";
  }
  return "?";
}

namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// Longest first, so "**=" wins over "**" over "*".
constexpr const char* kOps[] = {
    "**=", "//=", ">>=", "<<=", "...", "->", "**", "//", "<<", ">>", "<=", ">=", "==", "!=",
    "+=",  "-=",  "*=",  "/=",  "%=",  "&=", "|=", "^=", "@=", ":=", "+",  "-",  "*",  "/",
    "%",   "@",   "&",   "|",   "^",   "~",  "<",  ">",  "(",  ")",  "[",  "]",  "{",  "}",
    ",",   ":",   ".",   ";",   "=",
};

class Lexer {
 public:
  Lexer(const std::string& path, std::string_view src) : path_(path), src_(src) {}

  std::vector<Token> run() {
    indents_.push_back(0);
    bool at_line_start = true;
    while (pos_ < src_.size()) {
      if (at_line_start && depth_ == 0) {
        if (!start_line()) continue;  // blank or comment-only line consumed
        at_line_start = false;
      }
      char c = src_[pos_];
      if (c == '\n') {
        advance_newline();
        if (depth_ == 0) {
          emit_newline();
          at_line_start = true;
        }
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++pos_;
        continue;
      }
      if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
        continue;
      }
      if (c == '\\') {
        size_t p = pos_ + 1;
        if (p < src_.size() && src_[p] == '\r') ++p;
        if (p < src_.size() && src_[p] == '\n') {
          pos_ = p;
          advance_newline();
          continue;
        }
        error("unexpected character '\\'");
      }
      lex_token();
    }
    if (!tokens_.empty() && tokens_.back().kind != TokenKind::Newline &&
        tokens_.back().kind != TokenKind::Dedent && tokens_.back().kind != TokenKind::Indent) {
      emit_newline();
    }
    if (depth_ != 0) {
      line_ = brackets_.back().second;
      error(std::string("'") + brackets_.back().first + "' was never closed");
    }
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(TokenKind::Dedent, "");
    }
    push(TokenKind::End, "");
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void error(const std::string& what) { fail(path_, ":", line_, ": ", what); }

  int col() const { return int(pos_ - line_begin_) + 1; }

  void push(TokenKind kind, std::string text) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    t.line = line_;
    t.col = col();
    tokens_.push_back(std::move(t));
  }

  void emit_newline() {
    if (!tokens_.empty() && tokens_.back().kind != TokenKind::Newline) {
      Token t;
      t.kind = TokenKind::Newline;
      t.line = tokens_.back().line;
      t.col = tokens_.back().col;
      tokens_.push_back(std::move(t));
    }
  }

  void advance_newline() {
    ++pos_;
    ++line_;
    line_begin_ = pos_;
  }

  // Measures the indentation of a new line and emits Indent/Dedent. Returns false when the line
  // is blank or only a comment (it is consumed and has no effect on indentation).
  bool start_line() {
    int width = 0;
    size_t p = pos_;
    for (; p < src_.size(); ++p) {
      if (src_[p] == ' ') {
        ++width;
      } else if (src_[p] == '\t') {
        width = (width / 8 + 1) * 8;
      } else if (src_[p] == '\f' || src_[p] == '\r') {
        // Python resets on form feed; a stray \r belongs to a \r\n line ending.
        if (src_[p] == '\f') width = 0;
      } else {
        break;
      }
    }
    if (p >= src_.size()) {
      pos_ = p;
      return false;
    }
    if (src_[p] == '\n' || src_[p] == '#') {
      while (p < src_.size() && src_[p] != '\n') ++p;
      pos_ = p;
      if (pos_ < src_.size()) advance_newline();
      return false;
    }
    pos_ = p;
    if (width > indents_.back()) {
      indents_.push_back(width);
      push(TokenKind::Indent, "");
    } else {
      while (width < indents_.back()) {
        indents_.pop_back();
        push(TokenKind::Dedent, "");
      }
      if (width != indents_.back()) error("unindent does not match any outer indentation level");
    }
    return true;
  }

  void lex_token() {
    char c = src_[pos_];
    if (is_digit(c) || (c == '.' && pos_ + 1 < src_.size() && is_digit(src_[pos_ + 1]))) {
      lex_number();
      return;
    }
    if (is_name_start(c)) {
      size_t start = pos_;
      while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
      std::string_view word = src_.substr(start, pos_ - start);
      if (pos_ < src_.size() && (src_[pos_] == '"' || src_[pos_] == '\'')) {
        if (word == "r" || word == "R") return lex_string(start, true);
        if (word == "u" || word == "U") return lex_string(start, false);
        if (word == "b" || word == "B" || word == "f" || word == "F" || word == "rb" || word == "br")
          error("unsupported string prefix '" + std::string(word) + "'");
      }
      Token t;
      t.kind = TokenKind::Name;
      t.text = std::string(word);
      t.line = line_;
      t.col = int(start - line_begin_) + 1;
      tokens_.push_back(std::move(t));
      return;
    }
    if (c == '"' || c == '\'') {
      lex_string(pos_, false);
      return;
    }
    for (const char* op : kOps) {
      size_t n = std::strlen(op);
      if (src_.compare(pos_, n, op) == 0) {
        if (n == 1 && (c == '(' || c == '[' || c == '{')) {
          brackets_.push_back({c, line_});
          ++depth_;
        }
        if (n == 1 && (c == ')' || c == ']' || c == '}')) {
          if (depth_ == 0) error(std::string("unmatched '") + c + "'");
          char open = brackets_.back().first;
          if ((open == '(' && c != ')') || (open == '[' && c != ']') || (open == '{' && c != '}'))
            error(std::string("'") + c + "' does not match '" + open + "'");
          brackets_.pop_back();
          --depth_;
        }
        push(TokenKind::Op, op);
        pos_ += n;
        return;
      }
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      error("unexpected character with code " + std::to_string(static_cast<unsigned char>(c)));
    }
    error(std::string("unexpected character '") + c + "'");
  }

  // Whether the number at `start` is written 0x/0o/0b (those take no imaginary suffix).
  bool is_hex_prefixed(size_t start) const {
    return src_[start] == '0' && start + 1 < src_.size() && std::strchr("xXoObB", src_[start + 1]) != nullptr &&
           src_[start + 1] != '\0';
  }

  void lex_number() {
    size_t start = pos_;
    int start_col = col();
    auto digits = [&](auto pred) {
      while (pos_ < src_.size() && (pred(src_[pos_]) || src_[pos_] == '_')) ++pos_;
    };
    Token t;
    t.line = line_;
    t.col = start_col;
    char c = src_[pos_];
    if (c == '0' && pos_ + 1 < src_.size() &&
        std::strchr("xXoObB", src_[pos_ + 1]) != nullptr && src_[pos_ + 1] != '\0') {
      char kind = char(std::tolower(src_[pos_ + 1]));
      int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      pos_ += 2;
      size_t digits_start = pos_;
      digits([&](char d) { int v = hex_digit(d); return v >= 0 && v < base; });
      if (pos_ == digits_start) error("invalid number literal");
      uint64_t value = 0;
      for (size_t i = digits_start; i < pos_; ++i) {
        if (src_[i] == '_') continue;
        uint64_t d = uint64_t(hex_digit(src_[i]));
        if (value > (UINT64_MAX - d) / uint64_t(base)) error("integer literal too large");
        value = value * uint64_t(base) + d;
      }
      t.kind = TokenKind::Int;
      t.int_value = value;
    } else {
      digits(is_digit);
      bool is_float = false;
      if (pos_ < src_.size() && src_[pos_] == '.' &&
          !(pos_ + 1 < src_.size() && src_[pos_ + 1] == '.')) {  // "1..." is not a float
        is_float = true;
        ++pos_;
        digits(is_digit);
      }
      if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        size_t p = pos_ + 1;
        if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
        if (p < src_.size() && is_digit(src_[p])) {
          is_float = true;
          pos_ = p;
          digits(is_digit);
        }
      }
      std::string text;
      for (size_t i = start; i < pos_; ++i)
        if (src_[i] != '_') text += src_[i];
      if (is_float) {
        t.kind = TokenKind::Float;
        errno = 0;
        t.float_value = std::strtod(text.c_str(), nullptr);  // overflow gives inf, as Python
      } else {
        if (text.size() > 1 && text[0] == '0' && text.find_first_not_of('0') != std::string::npos)
          error("leading zeros in decimal integer literal '" + text + "'");
        uint64_t value = 0;
        for (char d : text) {
          uint64_t v = uint64_t(d - '0');
          if (value > (UINT64_MAX - v) / 10) error("integer literal too large: " + text);
          value = value * 10 + v;
        }
        t.kind = TokenKind::Int;
        t.int_value = value;
      }
    }
    // Python's imaginary literals: a decimal number followed by j (0.5j, 1.j, 2j).
    if (pos_ < src_.size() && (src_[pos_] == 'j' || src_[pos_] == 'J') && !is_hex_prefixed(start)) {
      std::string text;
      for (size_t i = start; i < pos_; ++i)
        if (src_[i] != '_') text += src_[i];
      t.kind = TokenKind::Imag;
      t.float_value = std::strtod(text.c_str(), nullptr);
      ++pos_;
    }
    if (pos_ < src_.size() && is_name_char(src_[pos_])) {
      error("invalid number literal '" + std::string(src_.substr(start, pos_ - start + 1)) + "'");
    }
    t.text = std::string(src_.substr(start, pos_ - start));
    tokens_.push_back(std::move(t));
  }

  // `start` is where the token begins (at a prefix letter if any); pos_ is at the quote.
  void lex_string(size_t start, bool raw) {
    Token t;
    t.kind = TokenKind::String;
    t.line = line_;
    t.col = int(start - line_begin_) + 1;
    char quote = src_[pos_];
    bool triple = src_.compare(pos_, 3, std::string(3, quote)) == 0;
    pos_ += triple ? 3 : 1;
    std::string out;
    while (true) {
      if (pos_ >= src_.size()) error("unterminated string literal");
      char c = src_[pos_];
      if (c == quote) {
        if (!triple) {
          ++pos_;
          break;
        }
        if (src_.compare(pos_, 3, std::string(3, quote)) == 0) {
          pos_ += 3;
          break;
        }
      }
      if (c == '\n') {
        if (!triple) error("end of line inside string literal");
        out += c;
        advance_newline();
        continue;
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      // Backslash.
      if (pos_ + 1 >= src_.size()) error("unterminated string literal");
      char e = src_[pos_ + 1];
      if (raw) {
        out += c;
        out += e;
        pos_ += 2;
        if (e == '\n') {
          --pos_;
          advance_newline();
        }
        continue;
      }
      pos_ += 2;
      switch (e) {
        case '\n': --pos_; advance_newline(); break;  // line continuation inside the literal
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': {
          int hi = pos_ < src_.size() ? hex_digit(src_[pos_]) : -1;
          int lo = pos_ + 1 < src_.size() ? hex_digit(src_[pos_ + 1]) : -1;
          if (hi < 0 || lo < 0) error("invalid \\x escape in string literal");
          out += char(hi * 16 + lo);
          pos_ += 2;
          break;
        }
        case 'u':
        case 'U': {
          int n = e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int i = 0; i < n; ++i) {
            int d = pos_ < src_.size() ? hex_digit(src_[pos_]) : -1;
            if (d < 0) error(std::string("invalid \\") + e + " escape in string literal");
            cp = cp * 16 + uint32_t(d);
            ++pos_;
          }
          if (cp > 0x10FFFF) error("invalid code point in string literal");
          append_utf8(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            // Up to three octal digits, one byte: TorchScript's printer writes unprintable
            // bytes this way.
            int v = e - '0';
            for (int i = 0; i < 2 && pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '7'; ++i)
              v = v * 8 + (src_[pos_++] - '0');
            if (v > 0xFF) error("octal escape out of range in string literal");
            out += char(v);
          } else {
            // Python keeps unknown escapes as written.
            out += '\\';
            out += e;
          }
      }
    }
    t.text = std::move(out);
    tokens_.push_back(std::move(t));
  }

  const std::string& path_;
  std::string_view src_;
  size_t pos_ = 0;
  size_t line_begin_ = 0;
  int line_ = 1;
  int depth_ = 0;  // open brackets; newlines inside do not end the line
  std::vector<std::pair<char, int>> brackets_;  // open bracket and its line, for messages
  std::vector<int> indents_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& path, std::string_view source) {
  return Lexer(path, source).run();
}

}  // namespace ember::script
