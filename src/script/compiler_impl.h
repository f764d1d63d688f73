// compiler_impl.h — what the two halves of the compiler share: the per-archive context (classes,
// functions, constants, problem list) and the per-function body compiler entry point.
//
// compiler.cpp completes classes and declares functions; compile_function.cpp turns one body into
// IR. They meet here so neither needs the other's internals.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "script/ast.h"
#include "script/compiler.h"

namespace ember::ops {
class Registry;
}

namespace ember::script {

// Thrown while compiling one statement; the statement is abandoned and the problem recorded.
// `silent` marks follow-on failures (a value whose definition already failed) that add nothing.
struct CompileError {
  Problem::Kind kind = Problem::Kind::Error;
  std::string what;
  ast::SourceLoc loc;
  bool silent = false;
};

[[noreturn]] void compile_fail(const ast::SourceLoc& loc, std::string what,
                               Problem::Kind kind = Problem::Kind::Error);

struct Context {
  CompilationUnit& cu;
  const ops::Registry& registry;
  std::vector<Value> constants;  // CONSTANTS.cN
  // Where each declared function's AST is (kept alive by the parsed files).
  std::unordered_map<const Function*, const ast::FunctionDef*> defs;

  void report(const CompileError& e);
  // Resolves an annotation expression; throws CompileError for unknown names.
  TypePtr resolve_type(const ast::Expr& e) const;
  ClassTypePtr find_class(const std::string& qualname) const;
  const Function* find_function(const std::string& qualname) const;
};

// "a.b.c" for a Name/Attribute chain; empty when `e` is anything else.
std::string dotted_name(const ast::Expr& e);
// The value of a literal expression (numbers, strings, bools, None, tuples and lists of them,
// inf/nan); throws CompileError otherwise. `type` (may be null) types lists and dicts.
Value eval_literal(const ast::Expr& e, const TypePtr& type);
// The smallest type both a and b are subtypes of (None + T → Optional[T]); null when none.
TypePtr unify_types(const TypePtr& a, const TypePtr& b);

// Compiles `fn`'s body (its AST in ctx.defs) into fn.graph. Problems go to ctx.cu.problems; on
// any problem the graph is left incomplete (the load fails, listing them).
void compile_function(Context& ctx, Function& fn);

}  // namespace ember::script
