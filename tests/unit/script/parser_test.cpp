// Tests for the lexer and parser of printed TorchScript code: a corpus of real `code/` files
// PyTorch 1.13 wrote (tests/fixtures/gen_script_parse.py), the AST shape of each construct, and
// the path:line messages of syntax errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "ember/error.h"
#include "../fixtures.h"
#include "script/ast.h"
#include "script/lexer.h"
#include "script/parser.h"

namespace ember::script {
namespace {

using ast::ExprKind;
using ast::StmtKind;

std::unique_ptr<ast::File> parse(std::string_view src, std::string path = "code/__torch__/m.py") {
  return ast::parse_file(std::move(path), src);
}

// The dump of a function's body: one line per statement, nested blocks indented.
std::string body_of(std::string_view src) {
  auto file = parse(src);
  EXPECT_EQ(file->functions.size(), 1u);
  std::string out;
  for (const auto& s : file->functions.at(0).body) out += ast::dump(*s);
  return out;
}

// The dump of a single statement written at top level.
std::string stmt(std::string_view src) {
  auto file = parse(src);
  EXPECT_EQ(file->other.size(), 1u) << src;
  return file->other.empty() ? "" : ast::dump(*file->other[0]);
}

std::string expr(std::string_view src) { return ast::dump(*parse_expression("<test>", src)); }

// The message of the ember::Error that parsing throws, or "" when it parses.
std::string error_of(std::string_view src, std::string path = "code/__torch__/m.py") {
  try {
    ast::parse_file(std::move(path), src);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- the corpus -------------------------------------------------------------------------------

// Counts top-level `class `/`def ` lines directly from the text, to check the parser found
// every definition.
std::pair<size_t, size_t> count_top_level(const std::string& text) {
  size_t classes = 0, defs = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("class ", 0) == 0) ++classes;
    if (line.rfind("def ", 0) == 0) ++defs;
  }
  return {classes, defs};
}

TEST(ScriptParserCorpus, EveryPrintedFileParses) {
  std::filesystem::path root = testing::fixture("script_parse/code");
  ASSERT_TRUE(std::filesystem::is_directory(root));
  std::set<std::string> archives;
  size_t files = 0, methods = 0;
  std::vector<std::string> failures;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".py") continue;
    auto rel = std::filesystem::relative(entry.path(), root);
    std::string archive = rel.begin()->string();
    if (archive.front() == '.') continue;  // a half-written extraction
    archives.insert(archive);
    // The path the loader will pass: relative to the archive, starting at code/.
    std::string in_archive = std::filesystem::relative(entry.path(), root / archive).generic_string();
    std::string text = read_text(entry.path());
    ++files;
    try {
      auto file = ast::parse_file(in_archive, text);
      auto [classes, defs] = count_top_level(text);
      EXPECT_EQ(file->classes.size(), classes) << in_archive;
      EXPECT_EQ(file->functions.size(), defs) << in_archive;
      EXPECT_TRUE(file->other.empty()) << in_archive;
      EXPECT_EQ(file->module.rfind("__torch__.", 0), 0u) << file->module;
      for (const auto& c : file->classes) methods += c.methods.size();
    } catch (const Error& e) {
      failures.push_back(archive + ": " + e.what());
    }
  }
  for (const auto& f : failures) ADD_FAILURE() << f;
  // The generator logs what PyTorch could not export; these must always be there.
  for (const char* must : {"statements", "branchy", "lstm", "gru", "transformer_encoder",
                           "multihead_attention", "resnet18_scripted", "resnet18_traced",
                           "mobilenet_v3_small_scripted", "inception_v3_scripted",
                           "fasterrcnn_mobilenet_v3_large_320_fpn_scripted",
                           "ssdlite320_mobilenet_v3_large_scripted", "vit_b_16_scripted"}) {
    EXPECT_TRUE(archives.count(must)) << "corpus lacks " << must;
  }
  EXPECT_GT(files, 1000u);
  EXPECT_GT(methods, 1000u);
}

TEST(ScriptParserCorpus, StatementsProgramHasEveryClassKind) {
  std::string path = testing::fixture("script_parse/code/statements/code/__torch__/gen_script_parse.py");
  auto file = ast::parse_file("code/__torch__/gen_script_parse.py", read_text(path));
  EXPECT_EQ(file->module, "__torch__.gen_script_parse");
  std::map<std::string, std::string> base_of;
  for (const auto& c : file->classes) base_of[c.name] = c.bases.empty() ? "" : ast::dump(*c.bases[0]);
  EXPECT_EQ(base_of["Statements"], "Module");
  EXPECT_EQ(base_of["Pair"], "NamedTuple");
  EXPECT_EQ(base_of["Color"], "Enum");
  EXPECT_EQ(base_of["Mode"], "Enum");
  EXPECT_EQ(base_of["Activation"], "ModuleInterface");
  EXPECT_EQ(base_of["Scorer"], "Interface");
  EXPECT_EQ(base_of.count("Counter"), 1u);
  EXPECT_EQ(base_of["Counter"], "");
  std::set<std::string> functions;
  for (const auto& f : file->functions) functions.insert(f.name);
  EXPECT_EQ(functions, (std::set<std::string>{"may_fail", "helper_sum", "forked_body"}));
}

// Finds the first statement (depth first) whose own dump line contains `text`. The printer's
// temporaries (`_16`) are numbered per file, so tests look for the stable part.
const ast::Stmt* find_stmt(const std::vector<ast::StmtPtr>& body, const std::string& text) {
  for (const auto& s : body) {
    std::string line = ast::dump(*s);
    if (line.substr(0, line.find('\n')).find(text) != std::string::npos) return s.get();
    for (const auto* inner : {&s->body, &s->orelse})
      if (const auto* found = find_stmt(*inner, text)) return found;
    if (s->def_)
      if (const auto* found = find_stmt(s->def_->body, text)) return found;
  }
  return nullptr;
}

TEST(ScriptParserCorpus, PrintedFormsHaveTheExpectedShape) {
  std::string path = testing::fixture("script_parse/code/statements/code/__torch__/gen_script_parse.py");
  auto file = ast::parse_file("code/__torch__/gen_script_parse.py", read_text(path));
  std::map<std::string, const ast::FunctionDef*> methods;
  for (const auto& c : file->classes)
    if (c.name == "Statements")
      for (const auto& m : c.methods) methods[m.name] = &m;
  for (const char* name : {"forward", "loops", "exprs", "with_enum", "unions", "mode_len"})
    ASSERT_TRUE(methods.count(name)) << name;

  // `k, v, = _62[_63]` (names vary with the printer's numbering).
  const auto* unpack = find_stmt(methods["loops"]->body, "(k, v) = _");
  ASSERT_NE(unpack, nullptr);
  EXPECT_EQ(unpack->kind, StmtKind::Assign);
  EXPECT_EQ(unpack->value->kind, ExprKind::Subscript);

  // The fork closure and its use.
  const auto* closure = find_stmt(methods["forward"]->body, "def __forked_function():");
  ASSERT_NE(closure, nullptr);
  EXPECT_EQ(closure->kind, StmtKind::Def);
  EXPECT_NE(find_stmt(methods["forward"]->body, "fut = fork(__forked_function)"), nullptr);

  // `with` over a no_grad object, receivers in parentheses, keyword arguments with int dtypes.
  const auto* with = find_stmt(methods["forward"]->body, "with _");
  ASSERT_NE(with, nullptr);
  EXPECT_EQ(with->kind, StmtKind::With);
  EXPECT_NE(find_stmt(methods["forward"]->body, "x0 = lin.forward(x)"), nullptr);
  EXPECT_NE(find_stmt(methods["exprs"]->body,
                      "z = torch.zeros([2, 3], dtype=7, layout=None, device=torch.device(\"cpu\"))"),
            nullptr);
  EXPECT_NE(find_stmt(methods["exprs"]->body, "t = torch.add(torch.full([2], nan), torch.full([2], (-inf)))"),
            nullptr);
  const auto* s2 = find_stmt(methods["exprs"]->body, "s2 = ");
  ASSERT_NE(s2, nullptr);
  EXPECT_EQ(s2->value->items[1]->name, "quote's \"x\"\n\t\\");
  // Refinement of an Optional and of a Union.
  EXPECT_NE(find_stmt(methods["exprs"]->body, "y0 = unchecked_cast(Tensor, y)"), nullptr);
  EXPECT_NE(find_stmt(methods["unions"]->body, " = unchecked_cast(int, v)"), nullptr);
  EXPECT_NE(find_stmt(methods["unions"]->body, " = isinstance(v, int)"), nullptr);
  // Enum members are attributes of the qualified class.
  EXPECT_NE(find_stmt(methods["with_enum"]->body, " = __torch__.gen_script_parse.Color.RED"), nullptr);

  // raise and assert as printed.
  const ast::FunctionDef* may_fail = nullptr;
  for (const auto& f : file->functions)
    if (f.name == "may_fail") may_fail = &f;
  ASSERT_NE(may_fail, nullptr);
  EXPECT_NE(find_stmt(may_fail->body,
                      "ops.prim.RaiseException(torch.add(\"negative: \", str(x)), \"builtins.ValueError\")"),
            nullptr);
  EXPECT_NE(find_stmt(may_fail->body, "ops.prim.RaiseException(\"AssertionError: too big\")"), nullptr);

  // Final constants and the interface's unannotated self.
  for (const auto& c : file->classes) {
    if (c.name == "Statements") {
      std::string body;
      for (const auto& s : c.body) body += ast::dump(*s);
      EXPECT_NE(body.find("depth : Final[int] = 3\n"), std::string::npos) << body;
      EXPECT_NE(body.find("mode_name : Final[str] = \"fast\"\n"), std::string::npos) << body;
      EXPECT_NE(body.find("act : __torch__.gen_script_parse.Activation\n"), std::string::npos) << body;
    }
    if (c.name == "Activation") {
      EXPECT_EQ(c.methods.at(0).params.at(0).type, nullptr);
    }
  }
}

// ---- files and classes ------------------------------------------------------------------------

TEST(ScriptParser, ModuleNameFromPath) {
  EXPECT_EQ(parse("", "code/__torch__/torchvision/models/resnet.py")->module,
            "__torch__.torchvision.models.resnet");
  EXPECT_EQ(parse("", "archive/code/__torch__/m.py")->module, "__torch__.m");
  EXPECT_EQ(parse("", "code/code/__torch__/a/code.py")->module, "__torch__.a.code");
  EXPECT_EQ(parse("", "code/foo/bar.py")->module, "foo.bar");
  EXPECT_EQ(parse("", "code/__torch__/m.py")->path, "code/__torch__/m.py");
}

TEST(ScriptParser, OldHeaderLines) {
  auto file = parse("op_version_set = 1\nimport __torch__.a.b\nimport torch\nfrom typing import List, Tuple\n"
                    "def f(x: Tensor) -> Tensor:\n  return x\n");
  EXPECT_EQ(file->op_version_set, 1);
  ASSERT_EQ(file->other.size(), 3u);
  EXPECT_EQ(file->other[0]->kind, StmtKind::Import);
  EXPECT_EQ(file->other[0]->name, "__torch__.a.b");
  EXPECT_TRUE(file->other[0]->targets.empty());
  EXPECT_EQ(ast::dump(*file->other[2]), "from typing import List, Tuple\n");
  EXPECT_EQ(file->other[2]->op, "from");
  EXPECT_EQ(file->other[2]->targets.size(), 2u);
  EXPECT_EQ(stmt("import torch.nn as nn\n"), "import torch.nn as nn\n");
  EXPECT_EQ(stmt("from a.b import (c, d as e,)\n"), "from a.b import c, e\n");
  EXPECT_EQ(parse("def f() -> int:\n  return 1\n")->op_version_set, -1);
}

TEST(ScriptParser, ModuleClass) {
  auto file = parse(R"(class Linear(Module):
  __parameters__ = ["weight", "bias", ]
  __buffers__ = []
  weight : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  __annotations__["0"] = __torch__.torch.nn.modules.activation.ReLU
  in_features : Final[int] = 4
  eps : Final[float] = 1.0000000000000001e-05
  stride : Final[Tuple[int, int]] = (1, 1)
  normalized_shape : Final[Tuple[int]] = (16,)
  def forward(self: __torch__.torch.nn.modules.linear.Linear,
    input: Tensor) -> Tensor:
    weight = self.weight
    return torch.linear(input, weight, None)
  def __len__(self: __torch__.M) -> int:
    return 3
)");
  ASSERT_EQ(file->classes.size(), 1u);
  EXPECT_EQ(ast::dump(file->classes[0]), R"(class Linear(Module):
  __parameters__ = ["weight", "bias"]
  __buffers__ = []
  weight : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  __annotations__["0"] = __torch__.torch.nn.modules.activation.ReLU
  in_features : Final[int] = 4
  eps : Final[float] = 1.0000000000000001e-05
  stride : Final[Tuple[int, int]] = (1, 1)
  normalized_shape : Final[Tuple[int]] = (16,)
  def forward(self: __torch__.torch.nn.modules.linear.Linear, input: Tensor) -> Tensor:
    weight = self.weight
    return torch.linear(input, weight, None)
  def __len__(self: __torch__.M) -> int:
    return 3
)");
  const auto& c = file->classes[0];
  EXPECT_EQ(c.loc.line, 1);
  EXPECT_EQ(c.methods[1].loc.line, 16);
  EXPECT_EQ(c.body[0]->kind, StmtKind::Assign);
  EXPECT_EQ(c.body[2]->kind, StmtKind::AnnAssign);
  EXPECT_EQ(c.body[5]->targets[0]->kind, ExprKind::Subscript);
  EXPECT_EQ(c.body[7]->value->float_value, 1.0000000000000001e-05);
}

TEST(ScriptParser, NamedTupleEnumInterfaceAndPlainClasses) {
  auto file = parse(R"(class Pair(NamedTuple):
  first : Tensor
  second : int
class Color(Enum):
  RED = 1
  GREEN = "g"
class Scorer(Interface):
  def score(self, x: int) -> int:
    pass
class Act(ModuleInterface):
  def forward(self, x: Tensor) -> Tensor:
    pass
class Counter:
  n : int
  def __init__(self: __torch__.Counter,
    start: int) -> NoneType:
    self.n = start
    return None
class Empty:
  pass
class Old(Enum[int]):
  A = 1
)");
  ASSERT_EQ(file->classes.size(), 7u);
  EXPECT_EQ(ast::dump(file->classes[0]), "class Pair(NamedTuple):\n  first : Tensor\n  second : int\n");
  EXPECT_EQ(ast::dump(file->classes[1]), "class Color(Enum):\n  RED = 1\n  GREEN = \"g\"\n");
  const auto& scorer = file->classes[2];
  ASSERT_EQ(scorer.methods.size(), 1u);
  EXPECT_EQ(scorer.methods[0].params[0].name, "self");
  EXPECT_EQ(scorer.methods[0].params[0].type, nullptr);
  EXPECT_EQ(scorer.methods[0].body[0]->kind, StmtKind::Pass);
  EXPECT_EQ(ast::dump(*file->classes[3].bases[0]), "ModuleInterface");
  EXPECT_TRUE(file->classes[4].bases.empty());
  EXPECT_EQ(file->classes[4].methods[0].name, "__init__");
  EXPECT_TRUE(file->classes[5].body.empty());
  EXPECT_EQ(ast::dump(*file->classes[6].bases[0]), "Enum[int]");
}

TEST(ScriptParser, FunctionSignatures) {
  auto file = parse(R"(@torch.jit.export
def f(self: __torch__.M,
    x: Tensor,
    y: Optional[Tensor]=None,
    n: int=-2,
    *,
    alpha: float=1.5,
    scale) -> Tuple[Tensor, int]:
  return (x, n)
def g(xs: List[int], scale: float=1.5, offset: int) -> NoneType:
  return None
def h():
  pass
)");
  ASSERT_EQ(file->functions.size(), 3u);
  const auto& f = file->functions[0];
  EXPECT_EQ(ast::dump(f), "@torch.jit.export\n"
                          "def f(self: __torch__.M, x: Tensor, y: Optional[Tensor]=None, n: int=-2, "
                          "*, alpha: float=1.5, scale) -> Tuple[Tensor, int]:\n  return (x, n)\n");
  ASSERT_EQ(f.params.size(), 6u);
  EXPECT_FALSE(f.params[3].kwarg_only);
  EXPECT_TRUE(f.params[4].kwarg_only);
  EXPECT_TRUE(f.params[5].kwarg_only);
  EXPECT_EQ(f.params[3].default_value->int_value, -2);
  EXPECT_EQ(f.params[1].loc.line, 3);
  EXPECT_EQ(f.loc.line, 2);
  // A parameter without default after one with a default: printed for keyword-only arguments.
  EXPECT_EQ(file->functions[1].params[2].default_value, nullptr);
  EXPECT_EQ(file->functions[2].return_type, nullptr);
  EXPECT_TRUE(file->functions[2].params.empty());
}

// ---- statements -------------------------------------------------------------------------------

TEST(ScriptParser, Assignments) {
  EXPECT_EQ(stmt("k, v, = _62[_63]\n"), "(k, v) = _62[_63]\n");
  EXPECT_EQ(stmt("_44, _45, _46 = True, torch.lt(i1, n), x9\n"),
            "(_44, _45, _46) = (True, torch.lt(i1, n), x9)\n");
  EXPECT_EQ(stmt("a = b = c\n"), "a = b = c\n");
  EXPECT_EQ(stmt("x, = y\n"), "(x,) = y\n");
  EXPECT_EQ(stmt("(a, b), c = t\n"), "((a, b), c) = t\n");
  EXPECT_EQ(stmt("[a, *b] = t\n"), "[a, *b] = t\n");
  EXPECT_EQ(stmt("self.n = torch.add(n, k)\n"), "self.n = torch.add(n, k)\n");
  EXPECT_EQ(stmt("x[0] = 1\n"), "x[0] = 1\n");
  EXPECT_EQ(stmt("hx5 : Optional[Tensor] = _2\n"), "hx5 : Optional[Tensor] = _2\n");
  EXPECT_EQ(stmt("x : List[int] = []\n"), "x : List[int] = []\n");
  EXPECT_EQ(stmt("self.x : int\n"), "self.x : int\n");
  EXPECT_EQ(stmt("x += 1\n"), "x += 1\n");
  EXPECT_EQ(stmt("x //= 2\n"), "x //= 2\n");
  EXPECT_EQ(stmt("x **= 2\n"), "x **= 2\n");
  EXPECT_EQ(stmt("x >>= 2\n"), "x >>= 2\n");
  EXPECT_EQ(stmt("self.a[i] @= m\n"), "self.a[i] @= m\n");
  auto file = parse("a, b = c = f()\n");
  const auto& s = *file->other[0];
  EXPECT_EQ(s.kind, StmtKind::Assign);
  ASSERT_EQ(s.targets.size(), 2u);
  EXPECT_EQ(s.targets[0]->kind, ExprKind::Tuple);
  EXPECT_EQ(s.targets[1]->kind, ExprKind::Name);
  EXPECT_EQ(s.value->kind, ExprKind::Call);
  auto aug = parse("x -= 1\n");
  EXPECT_EQ(aug->other[0]->kind, StmtKind::AugAssign);
  EXPECT_EQ(aug->other[0]->op, "-");
}

TEST(ScriptParser, ElifChainsNestInOrelse) {
  std::string src = R"(def f(x: int) -> int:
  if torch.lt(x, 0):
    y = 1
  elif torch.eq(x, 0):
    y = 2
  elif x:
    y = 3
  else:
    y = 4
  return y
)";
  EXPECT_EQ(body_of(src), R"(if torch.lt(x, 0):
  y = 1
else:
  if torch.eq(x, 0):
    y = 2
  else:
    if x:
      y = 3
    else:
      y = 4
return y
)");
  auto file = parse(src);
  const auto& top = *file->functions[0].body[0];
  ASSERT_EQ(top.orelse.size(), 1u);
  EXPECT_EQ(top.orelse[0]->kind, StmtKind::If);
  EXPECT_EQ(top.orelse[0]->loc.line, 4);
  EXPECT_EQ(top.orelse[0]->orelse[0]->orelse.size(), 1u);
}

TEST(ScriptParser, LoopsAndControlFlow) {
  EXPECT_EQ(body_of(R"(def f(n: int) -> int:
  i = 0
  while torch.lt(i, n):
    i = torch.add(i, 1)
    if i:
      continue
    else:
      break
  for j in range(n):
    pass
  for k, v, in torch.items(d):
    x = v
  for (a, b) in pairs:
    x = a
  for _61 in range(torch.__range_length(1, n, 2)):
    j0 = torch.__derive_index(_61, 1, 2)
  return i
)"),
            R"(i = 0
while torch.lt(i, n):
  i = torch.add(i, 1)
  if i:
    continue
  else:
    break
for j in range(n):
  pass
for (k, v) in torch.items(d):
  x = v
for (a, b) in pairs:
  x = a
for _61 in range(torch.__range_length(1, n, 2)):
  j0 = torch.__derive_index(_61, 1, 2)
return i
)");
}

TEST(ScriptParser, RaiseAssertDelGlobalWithReturn) {
  EXPECT_EQ(body_of(R"(def f(x: int) -> Tuple[int, int]:
  ops.prim.RaiseException(torch.add("negative: ", str(x)), "builtins.ValueError")
  ops.prim.RaiseException("AssertionError: ")
  raise Exception("msg")
  raise
  assert torch.lt(x, 3), "too big"
  assert x
  del a, b[0]
  global g, h
  with _5:
    x2 = torch.add(x1, 1)
  with torch.no_grad() as g, other():
    pass
  return x, 1
)"),
            R"(ops.prim.RaiseException(torch.add("negative: ", str(x)), "builtins.ValueError")
ops.prim.RaiseException("AssertionError: ")
raise Exception("msg")
raise
assert torch.lt(x, 3), "too big"
assert x
del a, b[0]
global g, h
with _5:
  x2 = torch.add(x1, 1)
with torch.no_grad() as g:
  with other():
    pass
return (x, 1)
)");
}

TEST(ScriptParser, NestedDefForFork) {
  auto file = parse(R"(def forward(self: __torch__.M,
    x: Tensor) -> Tensor:
  def __forked_function():
    _3 = __torch__.gen.forked_body
    return _3(x, 3, )
  fut = fork(__forked_function)
  return torch.wait(fut)
)");
  const auto& body = file->functions[0].body;
  ASSERT_EQ(body.size(), 3u);
  ASSERT_EQ(body[0]->kind, StmtKind::Def);
  ASSERT_NE(body[0]->def_, nullptr);
  EXPECT_EQ(body[0]->def_->name, "__forked_function");
  EXPECT_EQ(body[0]->def_->body.size(), 2u);
  EXPECT_EQ(body[0]->loc.line, 3);
  EXPECT_EQ(ast::dump(*body[1]), "fut = fork(__forked_function)\n");
}

TEST(ScriptParser, SimpleStatementsOnOneLine) {
  EXPECT_EQ(body_of("def f(x: int) -> int:\n  if x: return 1\n  a = 1; b = 2;\n  return a\n"),
            "if x:\n  return 1\na = 1\nb = 2\nreturn a\n");
  EXPECT_EQ(body_of("def f() -> None: pass\n"), "pass\n");
}

// ---- expressions ------------------------------------------------------------------------------

TEST(ScriptParser, CallsWithParenthesisedReceiversAndTrailingCommas) {
  auto e = parse_expression("<t>", "(conv1).forward(x, )");
  ASSERT_EQ(e->kind, ExprKind::Call);
  ASSERT_EQ(e->items.size(), 1u);
  EXPECT_TRUE(e->kwargs.empty());
  ASSERT_EQ(e->base->kind, ExprKind::Attribute);
  EXPECT_EQ(e->base->name, "forward");
  EXPECT_EQ(e->base->base->kind, ExprKind::Name);
  EXPECT_EQ(e->base->base->name, "conv1");
  EXPECT_EQ(expr("(self).exprs(x2, y, torch.gt(n, 1), )"), "self.exprs(x2, y, torch.gt(n, 1))");
  EXPECT_EQ(expr("f()"), "f()");
  EXPECT_EQ(expr("(q)[1]"), "q[1]");

  auto k = parse_expression("<t>", "torch.zeros([2, 3], dtype=7, layout=None, device=torch.device(\"cpu\"),)");
  ASSERT_EQ(k->items.size(), 1u);
  ASSERT_EQ(k->kwargs.size(), 3u);
  EXPECT_EQ(k->kwargs[0].name, "dtype");
  EXPECT_EQ(k->kwargs[0].value->int_value, 7);
  EXPECT_EQ(k->kwargs[1].value->kind, ExprKind::None);
  EXPECT_EQ(ast::dump(*k->kwargs[2].value), "torch.device(\"cpu\")");
  EXPECT_EQ(expr("torch.div(embed_dim, CONSTANTS.c1, rounding_mode=\"trunc\")"),
            "torch.div(embed_dim, CONSTANTS.c1, rounding_mode=\"trunc\")");
  EXPECT_EQ(expr("f(*args)"), "f(*args)");
  EXPECT_EQ(expr("f(a == b)"), "f((a == b))");
}

TEST(ScriptParser, PrintedBuiltins) {
  EXPECT_EQ(expr("annotate(List[int], [])"), "annotate(List[int], [])");
  EXPECT_EQ(expr("annotate(Dict[str, Tensor], {})"), "annotate(Dict[str, Tensor], {})");
  EXPECT_EQ(expr("unchecked_cast(Tensor, y)"), "unchecked_cast(Tensor, y)");
  EXPECT_EQ(expr("uninitialized(Tensor)"), "uninitialized(Tensor)");
  EXPECT_EQ(expr("isinstance(v, int)"), "isinstance(v, int)");
  EXPECT_EQ(expr("getattr(self, \"0\")"), "getattr(self, \"0\")");
  EXPECT_EQ(expr("__torch__.a.b.Foo.__new__(__torch__.a.b.Foo)"), "__torch__.a.b.Foo.__new__(__torch__.a.b.Foo)");
  EXPECT_EQ(expr("ops.prim.NumToTensor(torch.size(x, 2))"), "ops.prim.NumToTensor(torch.size(x, 2))");
  EXPECT_EQ(expr("ops.aten.add(x, 1)"), "ops.aten.add(x, 1)");
  EXPECT_EQ(expr("Tuple[()]"), "Tuple[()]");
  auto c = parse_expression("<t>", "CONSTANTS.c0");
  EXPECT_EQ(c->kind, ExprKind::Attribute);
  EXPECT_EQ(c->name, "c0");
  EXPECT_EQ(c->base->name, "CONSTANTS");
}

// The printer writes complex constants as Python does: `0.+1.j`, `0.5-2.j`.
TEST(ScriptParser, ImaginaryLiterals) {
  auto one = parse_expression("<t>", "1.j");
  EXPECT_EQ(one->kind, ExprKind::Imag);
  EXPECT_EQ(one->float_value, 1.0);
  auto sum = parse_expression("<t>", "0.5-2.j");
  ASSERT_EQ(sum->items.size(), 2u);
  EXPECT_EQ(sum->items[0]->kind, ExprKind::Float);
  EXPECT_EQ(sum->items[1]->kind, ExprKind::Imag);
  EXPECT_EQ(sum->items[1]->float_value, 2.0);
  EXPECT_EQ(parse_expression("<t>", "3J")->float_value, 3.0);
  EXPECT_EQ(parse_expression("<t>", "1e-3j")->float_value, 1e-3);
  EXPECT_THROW(parse_expression("<t>", "0x1j"), Error);
}

TEST(ScriptParser, Subscripts) {
  EXPECT_EQ(expr("x[:, 0]"), "x[:, 0]");
  EXPECT_EQ(expr("x[..., 1:2]"), "x[..., 1:2]");
  EXPECT_EQ(expr("x[None]"), "x[None]");
  EXPECT_EQ(expr("x[::2]"), "x[::2]");
  EXPECT_EQ(expr("x[1:, :-1]"), "x[1:, :-1]");
  EXPECT_EQ(expr("x[a:b:c, -1]"), "x[a:b:c, -1]");
  EXPECT_EQ(expr("x[i][j]"), "x[i][j]");
  EXPECT_EQ(expr("x[(a, b)]"), "x[(a, b)]");
  auto e = parse_expression("<t>", "x[:, 0]");
  ASSERT_EQ(e->kind, ExprKind::Subscript);
  ASSERT_EQ(e->items.size(), 2u);
  const auto& s = *e->items[0];
  EXPECT_EQ(s.kind, ExprKind::Slice);
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[0], nullptr);
  EXPECT_EQ(s.items[1], nullptr);
  EXPECT_EQ(s.items[2], nullptr);
  EXPECT_EQ(e->items[1]->int_value, 0);
  auto step = parse_expression("<t>", "x[1::2]");
  EXPECT_EQ(step->items[0]->items[0]->int_value, 1);
  EXPECT_EQ(step->items[0]->items[1], nullptr);
  EXPECT_EQ(step->items[0]->items[2]->int_value, 2);
  EXPECT_EQ(parse_expression("<t>", "x[..., 1]")->items[0]->kind, ExprKind::Ellipsis);
}

TEST(ScriptParser, Displays) {
  EXPECT_EQ(expr("()"), "()");
  EXPECT_EQ(expr("(x,)"), "(x,)");
  EXPECT_EQ(expr("(x)"), "x");
  EXPECT_EQ(expr("(x, 1.5, None, True, False, ())"), "(x, 1.5, None, True, False, ())");
  EXPECT_EQ(expr("[]"), "[]");
  EXPECT_EQ(expr("[x, m, ]"), "[x, m]");
  EXPECT_EQ(expr("{}"), "{}");
  EXPECT_EQ(expr("{\"h\": h0, \"m\": _31, }"), "{\"h\": h0, \"m\": _31}");
  EXPECT_EQ(expr("(*a, b)"), "(*a, b)");
  EXPECT_EQ(parse_expression("<t>", "()")->kind, ExprKind::Tuple);
  EXPECT_EQ(parse_expression("<t>", "{}")->kind, ExprKind::Dict);
  EXPECT_EQ(parse_expression("<t>", "(x,)")->items.size(), 1u);
}

TEST(ScriptParser, Comprehensions) {
  auto l = parse_expression("<t>", "[v * 2 for v in e if v > 1]");
  ASSERT_EQ(l->kind, ExprKind::ListComp);
  ASSERT_EQ(l->items.size(), 3u);
  EXPECT_EQ(ast::dump(*l->items[0]), "(v * 2)");
  EXPECT_EQ(ast::dump(*l->items[1]), "e");
  EXPECT_EQ(ast::dump(*l->items[2]), "(v > 1)");
  ASSERT_EQ(l->comp_targets.size(), 1u);
  EXPECT_EQ(l->comp_targets[0]->name, "v");
  auto d = parse_expression("<t>", "{k: v + 1 for k, v in self.table.items()}");
  ASSERT_EQ(d->kind, ExprKind::DictComp);
  ASSERT_EQ(d->items.size(), 3u);
  ASSERT_EQ(d->comp_targets.size(), 2u);
  EXPECT_EQ(d->comp_targets[1]->name, "v");
  EXPECT_EQ(ast::dump(*d), "{k: (v + 1) for k, v in self.table.items()}");
  EXPECT_EQ(expr("[x for (a, b) in y]"), "[x for (a, b) in y]");
  EXPECT_EQ(parse_expression("<t>", "[x for (a, b) in y]")->comp_targets.size(), 1u);
  // The iterable is an or_test: a following `if` is the filter, not a ternary.
  EXPECT_EQ(expr("[a if c else b for a in xs if a]"), "[(a if c else b) for a in xs if a]");
}

TEST(ScriptParser, OperatorPrecedence) {
  EXPECT_EQ(expr("0 < i <= 10 and not flag or i is not None"),
            "(((0 < i <= 10) and (not flag)) or (i is not None))");
  auto c = parse_expression("<t>", "a < b == c is d in e not in f is not g != h");
  ASSERT_EQ(c->kind, ExprKind::Compare);
  EXPECT_EQ(c->ops, (std::vector<std::string>{"<", "==", "is", "in", "not in", "is not", "!="}));
  EXPECT_EQ(c->items.size(), 8u);
  EXPECT_EQ(expr("not a in b"), "(not (a in b))");
  EXPECT_EQ(expr("a or b or c and d"), "(a or b or (c and d))");
  EXPECT_EQ(expr("a + b * c - d / e // f % g @ h"), "((a + (b * c)) - ((((d / e) // f) % g) @ h))");
  EXPECT_EQ(expr("a | b ^ c & d << e + f"), "(a | (b ^ (c & (d << (e + f)))))");
  EXPECT_EQ(expr("a >> b << c"), "((a >> b) << c)");
  EXPECT_EQ(expr("2 ** 3 ** 2"), "(2 ** (3 ** 2))");
  EXPECT_EQ(expr("-2 ** 2"), "(-(2 ** 2))");
  EXPECT_EQ(expr("2 ** -1"), "(2 ** -1)");
  EXPECT_EQ(expr("-x.y"), "(-x.y)");
  EXPECT_EQ(expr("~x + +y"), "((~x) + (+y))");
  EXPECT_EQ(expr("a if c else b if d else e"), "(a if c else (b if d else e))");
  EXPECT_EQ(expr("x * -1"), "(x * -1)");
  EXPECT_EQ(expr("a - -1"), "(a - -1)");
}

TEST(ScriptParser, NumberLiterals) {
  auto one = [](std::string_view s) { return parse_expression("<t>", s); };
  EXPECT_EQ(one("12")->kind, ExprKind::Int);
  EXPECT_EQ(one("12")->int_value, 12);
  EXPECT_EQ(one("-1")->kind, ExprKind::Int);
  EXPECT_EQ(one("-1")->int_value, -1);
  EXPECT_EQ(one("0x1F")->int_value, 31);
  EXPECT_EQ(one("0o17")->int_value, 15);
  EXPECT_EQ(one("0b101")->int_value, 5);
  EXPECT_EQ(one("1_000")->int_value, 1000);
  EXPECT_EQ(one("0")->int_value, 0);
  EXPECT_EQ(one("9223372036854775807")->int_value, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(one("-9223372036854775808")->int_value, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(one("10000000000")->kind, ExprKind::Int);  // how 1.13 prints the float 1e10
  EXPECT_EQ(one("0.5")->kind, ExprKind::Float);
  EXPECT_DOUBLE_EQ(one("0.5")->float_value, 0.5);
  EXPECT_DOUBLE_EQ(one("6.")->float_value, 6.0);
  EXPECT_EQ(one("6.")->kind, ExprKind::Float);
  EXPECT_DOUBLE_EQ(one(".25")->float_value, 0.25);
  EXPECT_EQ(one("1.0000000000000001e-05")->float_value, 1.0000000000000001e-05);
  EXPECT_EQ(one("1e+20")->float_value, 1e20);
  EXPECT_EQ(one("1E-3")->float_value, 1e-3);
  EXPECT_EQ(one("-0.10000000000000001")->float_value, -0.10000000000000001);
  EXPECT_EQ(one("1e400")->float_value, std::numeric_limits<double>::infinity());
  // inf and nan are names the compiler resolves.
  EXPECT_EQ(one("inf")->kind, ExprKind::Name);
  EXPECT_EQ(expr("-inf"), "(-inf)");
  EXPECT_EQ(one("nan")->kind, ExprKind::Name);
  EXPECT_EQ(one("True")->kind, ExprKind::Bool);
  EXPECT_TRUE(one("True")->bool_value);
  EXPECT_FALSE(one("False")->bool_value);
  EXPECT_EQ(one("None")->kind, ExprKind::None);
  EXPECT_EQ(one("...")->kind, ExprKind::Ellipsis);
}

TEST(ScriptParser, StringLiterals) {
  auto str = [](std::string_view s) {
    auto e = parse_expression("<t>", s);
    EXPECT_EQ(e->kind, ExprKind::Str);
    return e->name;
  };
  EXPECT_EQ(str(R"("quote\'s \"x\"\n\t\\")"), "quote's \"x\"\n\t\\");
  EXPECT_EQ(str(R"("{t[\'labels\'].dtype}")"), "{t['labels'].dtype}");
  EXPECT_EQ(str(R"('single "q"')"), "single \"q\"");
  EXPECT_EQ(str(R"("a" 'b' "c")"), "abc");
  EXPECT_EQ(str("\"\"\"tri\nple \"q\" \"\"\""), "tri\nple \"q\" ");
  EXPECT_EQ(str("'''x'''"), "x");
  EXPECT_EQ(str(R"("\001\177\x41\u00e9\U0001F600\a\b\f\v\r\0")"),
            std::string("\x01\x7f" "A\xc3\xa9\xf0\x9f\x98\x80\a\b\f\v\r", 14) + std::string(1, '\0'));
  EXPECT_EQ(str(R"("\d\q")"), "\\d\\q");
  EXPECT_EQ(str(R"(r"a\nb")"), "a\\nb");
  EXPECT_EQ(str("\"\""), "");
  EXPECT_EQ(str("\"caf\xc3\xa9\""), "caf\xc3\xa9");
}

// ---- layout -----------------------------------------------------------------------------------

TEST(ScriptParser, IndentationTabsBlankAndCommentLines) {
  std::string src =
      "# leading comment\n"
      "\n"
      "def f(x: int) -> int:  # trailing comment\n"
      "\tif x:\n"
      "\n"
      "   # a comment at another indentation\n"
      "\t\ty = 1\n"
      "\telse:\n"
      "\t\ty = 2\n"
      "        \n"
      "\treturn y\n"
      "def g() -> int:\r\n"
      "    return 1\r\n";
  auto file = parse(src);
  ASSERT_EQ(file->functions.size(), 2u);
  EXPECT_EQ(body_of(src.substr(0, src.find("def g"))), "if x:\n  y = 1\nelse:\n  y = 2\nreturn y\n");
  ASSERT_EQ(file->functions[0].body.size(), 2u);
  EXPECT_EQ(file->functions[0].body[1]->loc.line, 11);
  EXPECT_EQ(file->functions[1].body.size(), 1u);
  // 8 spaces and one tab are the same width.
  EXPECT_EQ(body_of("def f() -> int:\n        a = 1\n\tb = 2\n\treturn a\n"), "a = 1\nb = 2\nreturn a\n");
}

TEST(ScriptParser, LineContinuations) {
  std::string src =
      "def f(x: int,\n"
      "      y: int) -> int:\n"
      "  a = torch.add(x,\n"
      "# comment inside brackets\n"
      "\n"
      "    y)\n"
      "  b = a + \\\n"
      "      1\n"
      "  c = [1,\n"
      "2]\n"
      "  return b\n";
  EXPECT_EQ(body_of(src), "a = torch.add(x, y)\nb = (a + 1)\nc = [1, 2]\nreturn b\n");
  auto file = parse(src);
  const auto& body = file->functions[0].body;
  EXPECT_EQ(body[0]->loc.line, 3);
  EXPECT_EQ(body[1]->loc.line, 7);
  EXPECT_EQ(body[3]->loc.line, 11);
  EXPECT_EQ(body[0]->value->items[1]->loc.line, 6);
  EXPECT_EQ(body[0]->value->items[1]->loc.col, 5);
  // No newline at the end of the file.
  EXPECT_EQ(body_of("def f() -> int:\n  return 1"), "return 1\n");
}

TEST(ScriptParser, TokensCarryPositions) {
  auto tokens = tokenize("p.py", "a = 1\nif a:\n  b(\n  2)\n");
  std::vector<TokenKind> kinds;
  for (const auto& t : tokens) kinds.push_back(t.kind);
  using K = TokenKind;
  EXPECT_EQ(kinds, (std::vector<K>{K::Name, K::Op, K::Int, K::Newline, K::Name, K::Name, K::Op,
                                   K::Newline, K::Indent, K::Name, K::Op, K::Int, K::Op,
                                   K::Newline, K::Dedent, K::End}));
  EXPECT_EQ(tokens[11].line, 4);
  EXPECT_EQ(tokens[11].col, 3);
  EXPECT_EQ(tokens[11].int_value, 2u);
}

// ---- errors -----------------------------------------------------------------------------------

TEST(ScriptParserErrors, NameFileLineAndProblem) {
  std::string src = "def f(x: Tensor) -> Tensor:\n  y = torch.add(x, 1\n  z = 2)\n  return y\n";
  EXPECT_EQ(error_of(src), "code/__torch__/m.py:3: expected ')' but found 'z'");
  EXPECT_EQ(error_of("class A(Module):\n  def f(self) -> int\n    return 1\n"),
            "code/__torch__/m.py:2: expected ':' but found end of line");
  EXPECT_EQ(error_of("def f() -> int:\nreturn 1\n"),
            "code/__torch__/m.py:2: expected an indented block but found 'return'");
  EXPECT_EQ(error_of("def f() -> int:\n    a = 1\n  return 1\n"),
            "code/__torch__/m.py:3: unindent does not match any outer indentation level");
  EXPECT_EQ(error_of("a = 1\n  b = 2\n"), "code/__torch__/m.py:2: unexpected indent");
  EXPECT_EQ(error_of("x = \"abc\n"), "code/__torch__/m.py:1: end of line inside string literal");
  EXPECT_EQ(error_of("\n\nx = f(1,\n  2\n"), "code/__torch__/m.py:3: '(' was never closed");
  EXPECT_EQ(error_of("x = (1]\n"), "code/__torch__/m.py:1: ']' does not match '('");
  EXPECT_EQ(error_of("x = 1)\n"), "code/__torch__/m.py:1: unmatched ')'");
  EXPECT_EQ(error_of("f(x) = 1\n"), "code/__torch__/m.py:1: cannot assign to a function call");
  EXPECT_EQ(error_of("x = 1 +\n"), "code/__torch__/m.py:1: expected an expression but found end of line");
  EXPECT_EQ(error_of("x = lambda: 1\n"), "code/__torch__/m.py:1: lambda expressions are not supported");
  EXPECT_EQ(error_of("x = 99999999999999999999\n"),
            "code/__torch__/m.py:1: integer literal too large: 99999999999999999999");
  EXPECT_EQ(error_of("x = 9223372036854775808\n"),
            "code/__torch__/m.py:1: integer literal too large: 9223372036854775808");
  EXPECT_EQ(error_of("x = $\n"), "code/__torch__/m.py:1: unexpected character '$'");
  EXPECT_EQ(error_of("x = 1\nelse:\n  pass\n"), "code/__torch__/m.py:2: 'else' without a matching 'if'");
  EXPECT_EQ(error_of("f(a=1, 2)\n"), "code/__torch__/m.py:1: positional argument follows keyword argument");
  EXPECT_EQ(error_of("def f(*args) -> int:\n  pass\n"),
            "code/__torch__/m.py:1: variadic parameters (*args) are not supported");
  EXPECT_EQ(error_of("x = {1, 2}\n"), "code/__torch__/m.py:1: set displays are not supported");
  EXPECT_EQ(error_of("if x:\n  pass\nelif:\n  pass\n"),
            "code/__torch__/m.py:3: expected an expression but found ':'");
  EXPECT_EQ(error_of("x = 1 if y\n"), "code/__torch__/m.py:1: expected 'else' but found end of line");
  EXPECT_EQ(error_of("x = a.1\n"), "code/__torch__/m.py:1: expected end of line but found '.1'");
  EXPECT_EQ(error_of("x = a.\n"), "code/__torch__/m.py:1: expected an attribute name but found end of line");
  EXPECT_EQ(error_of("x y\n", "code/__torch__/other.py"),
            "code/__torch__/other.py:1: expected end of line but found 'y'");
}

TEST(ScriptParserErrors, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "x = " + std::string(100000, '(') + "1" + std::string(100000, ')') + "\n";
  EXPECT_EQ(error_of(deep), "code/__torch__/m.py:1: code nested too deeply");
  EXPECT_EQ(error_of("x = " + std::string(100000, '-') + "y\n"), "code/__torch__/m.py:1: code nested too deeply");
  std::string blocks = "def f() -> int:\n";
  for (int i = 1; i < 2000; ++i) blocks += std::string(size_t(i), ' ') + "if x:\n";
  EXPECT_NE(error_of(blocks).find("nested too deeply"), std::string::npos);
  // Ordinary depth is fine.
  EXPECT_EQ(error_of("x = " + std::string(100, '(') + "1" + std::string(100, ')') + "\n"), "");
}

// Damaged printed code must give an ember::Error (or parse), never crash or assert.
TEST(ScriptParserErrors, DamagedFilesFailCleanly) {
  std::string path = testing::fixture("script_parse/code/statements/code/__torch__/gen_script_parse.py");
  std::string text = read_text(path);
  ASSERT_FALSE(text.empty());
  uint64_t state = 12345;
  auto rnd = [&](size_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return size_t((state >> 33) % n);
  };
  size_t errors = 0;
  const std::string noise = "()[]{}:,.=\"'\\\n\t #-*x0";
  for (int i = 0; i < 300; ++i) {
    std::string damaged = text;
    switch (i % 3) {
      case 0: damaged.resize(rnd(damaged.size())); break;
      case 1: damaged.erase(rnd(damaged.size()), 1 + rnd(3)); break;
      case 2: damaged.insert(rnd(damaged.size()), 1, noise[rnd(noise.size())]); break;
    }
    try {
      ast::parse_file("code/__torch__/gen_script_parse.py", damaged);
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).rfind("code/__torch__/gen_script_parse.py:", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(errors, 100u);
}

TEST(ScriptParserErrors, ExpressionMustBeWhole) {
  EXPECT_THROW(parse_expression("<t>", "a b"), Error);
  EXPECT_THROW(parse_expression("<t>", ""), Error);
  EXPECT_THROW(parse_expression("<t>", "List[int"), Error);
}

}  // namespace
}  // namespace ember::script
