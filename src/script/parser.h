// parser.h — recursive-descent parser from tokens (lexer.h) to the AST (ast.h).
//
// `ast::parse_file` (declared in ast.h) is the entry point for whole files; this header adds the
// pieces other parts of script/ and the tests use on their own. The grammar is Python's, cut to
// what TorchScript can print, with Python's operator precedence. Choices worth knowing:
//   - `-<number>` folds into a negative Int/Float literal (`-9223372036854775808` included);
//     `-inf` stays UnaryOp("-", Name "inf").
//   - `elif` becomes an If nested alone in `orelse`; `with a, b:` becomes nested With.
//   - `a, b, = x` has target Tuple{a, b}; `return a, b` and `x = a, b` have a Tuple value.
//   - `from m import a, b` is an Import stmt with op "from", name "m", targets Name a, Name b;
//     `import m as n` has name "m" and targets {Name n}.
//   - ListComp items = {elt, iter[, cond]}; DictComp items = {key, value, iter[, cond]};
//     comp_targets are the comma-separated loop targets as written.
//   - `global a, b` keeps the names as Name exprs in targets.
//   - class-level `pass` is dropped; decorators are kept on FunctionDef.
#pragma once

#include <string>
#include <string_view>

#include "script/ast.h"

namespace ember::script {

// Parses a single expression (e.g. a type spelling "Optional[List[int]]" or a test snippet).
// The whole text must be one expression.
ast::ExprPtr parse_expression(const std::string& path, std::string_view source);

}  // namespace ember::script
