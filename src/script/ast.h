// ast.h — the syntax tree of the Python-like source PyTorch prints into an archive's `code/`.
//
// The parser produces it; the compiler turns it into IR. Nodes are plain structs with a kind and
// the fields that kind uses, so walking the tree is a switch. Type annotations stay expressions
// (`List[Tensor]` is a Subscript of Name "List") and the compiler resolves them. Every node
// carries its source location so errors can name `code/…py:line`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/source_loc.h"

namespace ember::script::ast {

using ember::SourceLoc;

enum class ExprKind {
  Name,       // name
  Int,        // int_value
  Float,      // float_value (also inf, nan when written as literals by the printer)
  Imag,       // float_value: the imaginary literal float_value * 1j
  Str,        // name holds the decoded string
  Bool,       // bool_value
  None,
  Ellipsis,   // ...
  Attribute,  // base.name
  Call,       // base(items..., kwargs...)
  Subscript,  // base[items...]: one item per comma-separated index (Slice items for a:b:c)
  Slice,      // items = {start, stop, step}, each may be null
  Tuple,      // (items...)
  List,       // [items...]
  Dict,       // {items[0]: items[1], items[2]: items[3], ...}
  BinOp,      // items[0] op items[1]; op is "+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"
  UnaryOp,    // op items[0]; op is "-", "+", "~", "not"
  BoolOp,     // items[0] op items[1] ...; op is "and" / "or"
  Compare,    // items[0] ops[0] items[1] ops[1] items[2] ...; ops: "<", "<=", ">", ">=", "==", "!=",
              // "is", "is not", "in", "not in"
  IfExp,      // items = {cond, then, else}:  then if cond else else
  ListComp,   // [items[0] for targets in items[1] (if items[2])]; comp_targets
  DictComp,   // {items[0]: items[1] for comp_targets in items[2] (if items[3])}
  Starred,    // *items[0]
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::None;
  SourceLoc loc;
  std::string name;             // Name id, Attribute attribute, Str value, BinOp/UnaryOp/BoolOp op
  int64_t int_value = 0;
  double float_value = 0.0;
  bool bool_value = false;
  ExprPtr base;                 // Attribute / Call / Subscript target
  std::vector<ExprPtr> items;   // see ExprKind
  std::vector<Keyword> kwargs;  // Call keyword arguments, in source order
  std::vector<std::string> ops; // Compare operators
  std::vector<ExprPtr> comp_targets;  // ListComp/DictComp loop targets

  Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;
  // Frees the subtree with an explicit work list, not one stack frame per level: a file can hold
  // a chain of a million `.neg()` calls.
  ~Expr();
};

// Nodes above the expressions of one statement, counted the way the compiler recurses into them.
int expr_height(const Expr& e);

enum class StmtKind {
  Expr,       // value
  Assign,     // targets[0] = targets[1] = ... = value; a target may be a Tuple/List to unpack
  AnnAssign,  // targets[0] : annotation (= value)?
  AugAssign,  // targets[0] op= value; op in `op` ("+", "-", ...)
  If,         // if cond: body else: orelse (elif becomes a nested If in orelse)
  For,        // for targets[0] in value: body
  While,      // while cond: body
  Return,     // return value (may be null)
  Pass,
  Break,
  Continue,
  Raise,      // raise value (may be null)
  Assert,     // assert cond, value(message, may be null)
  With,       // with value (as targets[0])?: body
  Def,        // nested function (fork closures): def_
  Del,        // del targets...
  Import,     // import name (as targets[0])?; `from name import a, b`: op "from", targets Names a, b
  Global,     // global names, as Name exprs in targets (kept to report as unsupported)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
struct FunctionDef;

struct Stmt {
  StmtKind kind = StmtKind::Pass;
  SourceLoc loc;
  std::vector<ExprPtr> targets;
  ExprPtr value;
  ExprPtr annotation;
  ExprPtr cond;
  std::string op;
  std::string name;  // Import: dotted module name
  std::vector<StmtPtr> body;
  std::vector<StmtPtr> orelse;
  std::unique_ptr<FunctionDef> def_;
};

struct Param {
  std::string name;
  ExprPtr type;           // annotation, may be null (then Tensor, or the class for `self`)
  ExprPtr default_value;  // may be null
  bool kwarg_only = false;  // after a bare `*`
  SourceLoc loc;
};

struct FunctionDef {
  std::string name;
  std::vector<Param> params;
  ExprPtr return_type;      // may be null
  std::vector<StmtPtr> body;
  std::vector<ExprPtr> decorators;  // e.g. @torch.jit.export (rare in printed code)
  SourceLoc loc;
};

struct ClassDef {
  std::string name;                   // short name; the qualified name is file module + name
  std::vector<ExprPtr> bases;         // Module, NamedTuple, Enum[int], Interface, ModuleInterface
  // Class-level statements other than methods, in order: `__parameters__ = [...]`,
  // `__buffers__ = [...]`, annotated attributes `weight : Tensor`, `__annotations__["0"] = T`,
  // `x : Final[int] = 3`, enum members `RED = 1`, NamedTuple fields `a : int`.
  std::vector<StmtPtr> body;
  std::vector<FunctionDef> methods;
  SourceLoc loc;
};

struct File {
  std::string path;      // "code/__torch__/torchvision/models/resnet.py"
  std::string module;    // "__torch__.torchvision.models.resnet"
  int op_version_set = -1;  // from `op_version_set = N` when present (older archives)
  std::vector<ClassDef> classes;
  std::vector<FunctionDef> functions;  // free functions
  std::vector<StmtPtr> other;          // imports and other top-level statements
};

// Python-like renderings with every operator parenthesised, so tests and debug output show the
// tree's shape: `(a + (b * c))`, `f(x, k=1)`, `x[:, 0]`, `(a, b) = t`. Statements and definitions
// render as indented lines (an `elif` shows as `else:` holding an `if`).
std::string dump(const Expr& e);
std::string dump(const Stmt& s, int indent = 0);
std::string dump(const FunctionDef& f, int indent = 0);
std::string dump(const ClassDef& c);

// Parses one file. `path` is used for locations and to derive `module` (strip a leading "code/" or
// similar folder and ".py", turn '/' into '.'). Syntax errors throw ember::Error naming path:line.
std::unique_ptr<File> parse_file(std::string path, std::string_view source);

}  // namespace ember::script::ast
