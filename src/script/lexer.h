// lexer.h — splits the Python-like source PyTorch prints into `code/` into tokens.
//
// Python's layout rules apply: a stack of indentation widths turns leading whitespace into
// Indent/Dedent tokens, newlines inside brackets or after a backslash do not end a line, and
// blank or comment-only lines are skipped. Keywords stay Name tokens; the parser decides what a
// name means where it stands. String tokens carry the decoded text (escapes resolved the way
// TorchScript's own lexer reads what its printer wrote: `\ooo` and `\xhh` are raw bytes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ember::script {

enum class TokenKind {
  Name,     // identifiers and keywords
  Int,      // text holds the literal as written; value fits in uint64 (sign comes from the parser)
  Float,    // float_value
  Imag,     // float_value: an imaginary literal such as 1.j (the printer writes complex constants so)
  String,   // text holds the decoded value (adjacent literals are separate tokens)
  Op,       // operators and punctuation, text is the spelling: "(", "**=", "->", "...", ...
  Newline,  // end of a logical line
  Indent,
  Dedent,
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  uint64_t int_value = 0;
  double float_value = 0.0;
  int line = 0;  // 1-based
  int col = 0;   // 1-based

  bool is_op(std::string_view op) const { return kind == TokenKind::Op && text == op; }
  bool is_name(std::string_view name) const { return kind == TokenKind::Name && text == name; }
  // For messages: 'x', ')', "abc", end of line, end of file.
  std::string describe() const;
};

// Tokenizes the whole source; the result always ends with Newline (if any tokens), the Dedents
// closing open blocks, and End. Errors throw ember::Error "<path>:<line>: <what>".
std::vector<Token> tokenize(const std::string& path, std::string_view source);

}  // namespace ember::script
