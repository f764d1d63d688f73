#include "script/parser.h"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

#include "ember/error.h"
#include "script/lexer.h"

namespace ember::script {

using namespace ast;

namespace {

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",   "True",    "and",    "as",       "assert", "async", "await", "break",
    "class", "continue", "def",   "del",    "elif",     "else",   "except", "finally", "for",
    "from",  "global", "if",      "import", "in",       "is",     "lambda", "nonlocal", "not",
    "or",    "pass",   "raise",   "return", "try",      "while",  "with",  "yield",
};

bool is_keyword(std::string_view s) {
  for (auto k : kKeywords)
    if (k == s) return true;
  return false;
}

constexpr std::array<std::string_view, 13> kAugOps = {
    "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", "<<=", ">>=",
};

const char* kind_name(ExprKind k) {
  switch (k) {
    case ExprKind::Name: return "a name";
    case ExprKind::Int:
    case ExprKind::Float:
    case ExprKind::Imag:
    case ExprKind::Str:
    case ExprKind::Bool:
    case ExprKind::None:
    case ExprKind::Ellipsis: return "a literal";
    case ExprKind::Attribute: return "an attribute";
    case ExprKind::Call: return "a function call";
    case ExprKind::Subscript: return "a subscript";
    case ExprKind::Slice: return "a slice";
    case ExprKind::Tuple: return "a tuple";
    case ExprKind::List: return "a list";
    case ExprKind::Dict: return "a dict";
    case ExprKind::BinOp:
    case ExprKind::UnaryOp:
    case ExprKind::BoolOp: return "an operator";
    case ExprKind::Compare: return "a comparison";
    case ExprKind::IfExp: return "a conditional expression";
    case ExprKind::ListComp:
    case ExprKind::DictComp: return "a comprehension";
    case ExprKind::Starred: return "a starred expression";
  }
  return "an expression";
}

// "code/__torch__/a/b.py" -> "__torch__.a.b". Archive paths may carry the archive's top folder
// (whose name is arbitrary, even "code"), so the module starts at the first "__torch__" folder
// when there is one, else after the first "code" folder.
std::string module_of(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (!parts.empty() && parts.back().size() > 3 &&
      parts.back().compare(parts.back().size() - 3, 3, ".py") == 0) {
    parts.back().resize(parts.back().size() - 3);
  }
  size_t first = 0;
  bool found = false;
  for (size_t i = 0; i < parts.size() && !found; ++i) {
    if (parts[i] == "__torch__") {
      first = i;
      found = true;
    }
  }
  for (size_t i = 0; i + 1 < parts.size() && !found; ++i) {
    if (parts[i] == "code") {
      first = i + 1;
      found = true;
    }
  }
  std::string module;
  for (size_t i = first; i < parts.size(); ++i) {
    if (!module.empty()) module += '.';
    module += parts[i];
  }
  return module;
}

class Parser {
 public:
  Parser(const std::string& path, std::string_view source)
      : file_(std::make_shared<const std::string>(path)), tokens_(tokenize(path, source)) {}

  std::unique_ptr<File> parse_file() {
    auto file = std::make_unique<File>();
    file->path = *file_;
    file->module = module_of(*file_);
    while (!at(TokenKind::End)) {
      if (peek().kind == TokenKind::Indent) error_at(peek(), "unexpected indent");
      if (peek().is_name("class")) {
        file->classes.push_back(parse_class());
      } else if (peek().is_name("def") || peek().is_op("@")) {
        auto decorators = parse_decorators();
        if (peek().is_name("class")) error_at(peek(), "class decorators are not supported");
        file->functions.push_back(parse_def(std::move(decorators)));
      } else {
        std::vector<StmtPtr> stmts;
        parse_statement(stmts);
        for (auto& s : stmts) {
          if (s->kind == StmtKind::Assign && s->targets.size() == 1 &&
              s->targets[0]->kind == ExprKind::Name && s->targets[0]->name == "op_version_set") {
            if (s->value->kind != ExprKind::Int) error_at(s->loc, "op_version_set must be an integer");
            file->op_version_set = int(s->value->int_value);
          } else {
            file->other.push_back(std::move(s));
          }
        }
      }
    }
    return file;
  }

  ExprPtr parse_single_expression() {
    if (at(TokenKind::Indent)) next();
    auto e = parse_test();
    if (at(TokenKind::Newline)) next();
    while (at(TokenKind::Dedent)) next();
    if (!at(TokenKind::End)) expected("end of expression");
    return e;
  }

 private:
  // ---- token access ------------------------------------------------------------------------

  const Token& peek(size_t k = 0) const {
    size_t i = pos_ + k;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  bool at(TokenKind kind) const { return peek().kind == kind; }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool accept_op(std::string_view op) {
    if (!peek().is_op(op)) return false;
    next();
    return true;
  }
  bool accept_name(std::string_view name) {
    if (!peek().is_name(name)) return false;
    next();
    return true;
  }

  [[noreturn]] void error_at(int line, const std::string& what) const {
    fail(*file_, ":", line, ": ", what);
  }
  [[noreturn]] void error_at(const Token& t, const std::string& what) const { error_at(t.line, what); }
  [[noreturn]] void error_at(const SourceLoc& loc, const std::string& what) const {
    error_at(loc.line, what);
  }
  [[noreturn]] void expected(const std::string& what) const {
    error_at(peek(), "expected " + what + " but found " + peek().describe());
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) expected("'" + std::string(op) + "'");
  }
  void expect_name(std::string_view kw) {
    if (!accept_name(kw)) expected("'" + std::string(kw) + "'");
  }
  void expect_newline() {
    if (at(TokenKind::Newline)) {
      next();
      return;
    }
    if (at(TokenKind::End)) return;
    expected("end of line");
  }
  std::string expect_identifier(const char* what = "a name") {
    const Token& t = peek();
    if (t.kind != TokenKind::Name || is_keyword(t.text)) expected(what);
    next();
    return t.text;
  }

  SourceLoc loc(const Token& t) const {
    SourceLoc l;
    l.file = file_;
    l.line = t.line;
    l.col = t.col;
    return l;
  }
  ExprPtr make(ExprKind kind, const SourceLoc& l) const {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->loc = l;
    return e;
  }
  ExprPtr make(ExprKind kind, const Token& t) const { return make(kind, loc(t)); }
  StmtPtr make_stmt(StmtKind kind, const Token& t) const {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->loc = loc(t);
    return s;
  }

  // ---- definitions -------------------------------------------------------------------------

  std::vector<ExprPtr> parse_decorators() {
    std::vector<ExprPtr> decorators;
    while (accept_op("@")) {
      decorators.push_back(bounded(parse_test()));
      expect_newline();
    }
    if (!peek().is_name("def") && !peek().is_name("class")) expected("'def' after decorator");
    return decorators;
  }

  ClassDef parse_class() {
    ClassDef cls;
    cls.loc = loc(peek());
    expect_name("class");
    cls.name = expect_identifier("a class name");
    if (accept_op("(")) {
      while (!peek().is_op(")")) {
        cls.bases.push_back(bounded(parse_test()));
        if (!accept_op(",")) break;
      }
      expect_op(")");
    }
    expect_op(":");
    auto member = [&]() {
      if (peek().is_name("def") || peek().is_op("@")) {
        auto decorators = parse_decorators();
        if (peek().is_name("class")) error_at(peek(), "nested classes are not supported");
        cls.methods.push_back(parse_def(std::move(decorators)));
        return;
      }
      if (peek().is_name("class")) error_at(peek(), "nested classes are not supported");
      std::vector<StmtPtr> stmts;
      parse_statement(stmts);
      for (auto& s : stmts)
        if (s->kind != StmtKind::Pass) cls.body.push_back(std::move(s));
    };
    if (at(TokenKind::Newline)) {
      next();
      if (!at(TokenKind::Indent)) expected("an indented class body");
      next();
      while (!at(TokenKind::Dedent) && !at(TokenKind::End)) member();
      if (at(TokenKind::Dedent)) next();
    } else {
      std::vector<StmtPtr> stmts;
      parse_simple_line(stmts);
      for (auto& s : stmts)
        if (s->kind != StmtKind::Pass) cls.body.push_back(std::move(s));
    }
    return cls;
  }

  FunctionDef parse_def(std::vector<ExprPtr> decorators) {
    FunctionDef def;
    def.loc = loc(peek());
    def.decorators = std::move(decorators);
    expect_name("def");
    def.name = expect_identifier("a function name");
    expect_op("(");
    bool kwarg_only = false;
    while (!peek().is_op(")")) {
      if (peek().is_op("*")) {
        const Token& star = next();
        if (peek().kind == TokenKind::Name) error_at(star, "variadic parameters (*args) are not supported");
        if (kwarg_only) error_at(star, "duplicate '*' in parameter list");
        kwarg_only = true;
      } else if (peek().is_op("**")) {
        error_at(peek(), "variadic keyword parameters (**kwargs) are not supported");
      } else if (peek().is_op("/")) {
        next();  // positional-only marker: no effect on how printed code calls functions
      } else {
        Param p;
        p.loc = loc(peek());
        p.name = expect_identifier("a parameter name");
        p.kwarg_only = kwarg_only;
        if (accept_op(":")) p.type = bounded(parse_test());
        if (accept_op("=")) p.default_value = bounded(parse_test());
        for (const auto& q : def.params)
          if (q.name == p.name) error_at(p.loc, "duplicate parameter '" + p.name + "'");
        def.params.push_back(std::move(p));
      }
      if (!accept_op(",")) break;
    }
    expect_op(")");
    if (accept_op("->")) def.return_type = bounded(parse_test());
    expect_op(":");
    def.body = parse_suite();
    return def;
  }

  // ---- statements --------------------------------------------------------------------------

  // After the ':' of a compound statement: an indented block or simple statements on the line.
  std::vector<StmtPtr> parse_suite() {
    DepthGuard guard(*this);
    std::vector<StmtPtr> body;
    if (at(TokenKind::Newline)) {
      next();
      if (!at(TokenKind::Indent)) expected("an indented block");
      next();
      while (!at(TokenKind::Dedent) && !at(TokenKind::End)) parse_statement(body);
      if (at(TokenKind::Dedent)) next();
    } else {
      parse_simple_line(body);
    }
    return body;
  }

  // Chains (`x.neg().neg()…`, `a + b + c…`) are built in loops, not by recursion, so the depth
  // guard does not see them; every expression's height is checked once it is built, so that the
  // compiler's recursion over it stays bounded too.
  ExprPtr bounded(ExprPtr e) {
    if (e && expr_height(*e) + depth_ > kMaxDepth) error_at(e->loc, "expression nested too deeply");
    return e;
  }

  void parse_statement(std::vector<StmtPtr>& out) {
    const size_t before = out.size();
    parse_statement_unchecked(out);
    for (size_t i = before; i < out.size(); ++i) {
      Stmt& st = *out[i];
      for (auto& t : st.targets) bounded(std::move(t)).swap(t);
      for (ExprPtr* e : {&st.value, &st.annotation, &st.cond}) bounded(std::move(*e)).swap(*e);
    }
  }

  void parse_statement_unchecked(std::vector<StmtPtr>& out) {
    const Token& t = peek();
    if (t.kind == TokenKind::Indent) error_at(t, "unexpected indent");
    if (t.kind == TokenKind::Name) {
      if (t.text == "if") return out.push_back(parse_if());
      if (t.text == "while") return out.push_back(parse_while());
      if (t.text == "for") return out.push_back(parse_for());
      if (t.text == "with") return out.push_back(parse_with());
      if (t.text == "def") return out.push_back(parse_nested_def({}));
      if (t.text == "class") error_at(t, "class definitions are only allowed at the top level");
      if (t.text == "try") error_at(t, "try statements are not supported");
      if (t.text == "async") error_at(t, "async statements are not supported");
      if (t.text == "elif" || t.text == "else") error_at(t, "'" + t.text + "' without a matching 'if'");
    }
    if (t.is_op("@")) {
      auto decorators = parse_decorators();
      if (peek().is_name("class")) error_at(peek(), "class definitions are only allowed at the top level");
      return out.push_back(parse_nested_def(std::move(decorators)));
    }
    parse_simple_line(out);
  }

  StmtPtr parse_nested_def(std::vector<ExprPtr> decorators) {
    auto s = make_stmt(StmtKind::Def, peek());
    s->def_ = std::make_unique<FunctionDef>(parse_def(std::move(decorators)));
    return s;
  }

  StmtPtr parse_if() {
    auto s = make_stmt(StmtKind::If, next());  // 'if' or 'elif'
    s->cond = parse_test();
    expect_op(":");
    s->body = parse_suite();
    if (peek().is_name("elif")) {
      s->orelse.push_back(parse_if());
    } else if (peek().is_name("else")) {
      next();
      expect_op(":");
      s->orelse = parse_suite();
    }
    return s;
  }

  StmtPtr parse_while() {
    auto s = make_stmt(StmtKind::While, next());
    s->cond = parse_test();
    expect_op(":");
    s->body = parse_suite();
    if (peek().is_name("else")) error_at(peek(), "'else' after 'while' is not supported");
    return s;
  }

  StmtPtr parse_for() {
    auto s = make_stmt(StmtKind::For, next());
    s->targets.push_back(parse_target_list());
    expect_name("in");
    s->value = parse_testlist();
    expect_op(":");
    s->body = parse_suite();
    if (peek().is_name("else")) error_at(peek(), "'else' after 'for' is not supported");
    return s;
  }

  // `with a as x, b:` is `with a as x: with b:`.
  StmtPtr parse_with() {
    std::vector<StmtPtr> items;
    const Token* at_item = &next();  // 'with', then each ','
    do {
      auto s = make_stmt(StmtKind::With, *at_item);
      s->value = parse_test();
      if (accept_name("as")) s->targets.push_back(check_target(parse_target()));
      items.push_back(std::move(s));
      at_item = &peek();
    } while (accept_op(","));
    expect_op(":");
    auto body = parse_suite();
    while (true) {
      auto s = std::move(items.back());
      items.pop_back();
      s->body = std::move(body);
      if (items.empty()) return s;
      body.clear();
      body.push_back(std::move(s));
    }
  }

  // simple_stmt (';' simple_stmt)* [';'] NEWLINE
  void parse_simple_line(std::vector<StmtPtr>& out) {
    out.push_back(parse_simple());
    while (accept_op(";")) {
      if (at(TokenKind::Newline) || at(TokenKind::End)) break;
      out.push_back(parse_simple());
    }
    expect_newline();
  }

  StmtPtr parse_simple() {
    const Token& t = peek();
    if (t.kind == TokenKind::Name) {
      if (t.text == "pass") return make_stmt(StmtKind::Pass, next());
      if (t.text == "break") return make_stmt(StmtKind::Break, next());
      if (t.text == "continue") return make_stmt(StmtKind::Continue, next());
      if (t.text == "return") {
        auto s = make_stmt(StmtKind::Return, next());
        if (!at_statement_end()) s->value = parse_testlist();
        return s;
      }
      if (t.text == "raise") {
        auto s = make_stmt(StmtKind::Raise, next());
        if (!at_statement_end()) s->value = parse_test();
        if (peek().is_name("from")) error_at(peek(), "'raise ... from' is not supported");
        return s;
      }
      if (t.text == "assert") {
        auto s = make_stmt(StmtKind::Assert, next());
        s->cond = parse_test();
        if (accept_op(",")) s->value = parse_test();
        return s;
      }
      if (t.text == "del") {
        auto s = make_stmt(StmtKind::Del, next());
        do {
          if (at_statement_end()) break;
          s->targets.push_back(check_target(parse_or_expr()));
        } while (accept_op(","));
        if (s->targets.empty()) expected("a target after 'del'");
        return s;
      }
      if (t.text == "global") {
        auto s = make_stmt(StmtKind::Global, next());
        do {
          const Token& n = peek();
          auto e = make(ExprKind::Name, n);
          e->name = expect_identifier();
          s->targets.push_back(std::move(e));
        } while (accept_op(","));
        return s;
      }
      if (t.text == "nonlocal") error_at(t, "nonlocal statements are not supported");
      if (t.text == "import") {
        auto s = make_stmt(StmtKind::Import, next());
        s->name = parse_dotted_name();
        if (accept_name("as")) {
          auto e = make(ExprKind::Name, peek());
          e->name = expect_identifier();
          s->targets.push_back(std::move(e));
        }
        if (peek().is_op(",")) error_at(peek(), "import one module per 'import' statement");
        return s;
      }
      if (t.text == "from") {
        auto s = make_stmt(StmtKind::Import, next());
        s->op = "from";
        s->name = parse_dotted_name();
        expect_name("import");
        bool paren = accept_op("(");
        if (peek().is_op("*")) error_at(peek(), "'import *' is not supported");
        do {
          if (paren && peek().is_op(")")) break;
          auto e = make(ExprKind::Name, peek());
          e->name = expect_identifier();
          if (accept_name("as")) e->name = expect_identifier();
          s->targets.push_back(std::move(e));
        } while (accept_op(","));
        if (paren) expect_op(")");
        return s;
      }
    }
    return parse_expression_statement();
  }

  bool at_statement_end() const {
    return at(TokenKind::Newline) || at(TokenKind::End) || peek().is_op(";");
  }

  std::string parse_dotted_name() {
    std::string name = expect_identifier("a module name");
    while (accept_op(".")) name += "." + expect_identifier("a module name");
    return name;
  }

  StmtPtr parse_expression_statement() {
    const Token& first = peek();
    bool had_comma = false;
    ExprPtr lhs = parse_testlist_star(&had_comma);
    if (peek().is_op(":")) {
      if (had_comma) error_at(peek(), "only a single target can be annotated");
      next();
      auto s = make_stmt(StmtKind::AnnAssign, first);
      s->annotation = parse_test();
      if (accept_op("=")) s->value = parse_testlist_star(nullptr);
      s->targets.push_back(check_target(std::move(lhs)));
      if (s->targets[0]->kind != ExprKind::Name && s->targets[0]->kind != ExprKind::Attribute &&
          s->targets[0]->kind != ExprKind::Subscript) {
        error_at(first, std::string("cannot annotate ") + kind_name(s->targets[0]->kind));
      }
      return s;
    }
    if (peek().kind == TokenKind::Op) {
      for (auto op : kAugOps) {
        if (peek().text != op) continue;
        next();
        auto s = make_stmt(StmtKind::AugAssign, first);
        s->op = std::string(op.substr(0, op.size() - 1));
        if (had_comma) error_at(first, "augmented assignment needs a single target");
        s->targets.push_back(check_target(std::move(lhs)));
        if (s->targets[0]->kind == ExprKind::Tuple || s->targets[0]->kind == ExprKind::List)
          error_at(first, "augmented assignment needs a single target");
        s->value = parse_testlist();
        return s;
      }
    }
    if (peek().is_op("=")) {
      auto s = make_stmt(StmtKind::Assign, first);
      std::vector<ExprPtr> chain;
      chain.push_back(std::move(lhs));
      while (accept_op("=")) chain.push_back(parse_testlist_star(nullptr));
      s->value = std::move(chain.back());
      chain.pop_back();
      for (auto& target : chain) s->targets.push_back(check_target(std::move(target)));
      return s;
    }
    auto s = make_stmt(StmtKind::Expr, first);
    s->value = std::move(lhs);
    return s;
  }

  ExprPtr check_target(ExprPtr e) {
    switch (e->kind) {
      case ExprKind::Name:
        if (e->name == "__debug__") error_at(e->loc, "cannot assign to __debug__");
        return e;
      case ExprKind::Attribute:
      case ExprKind::Subscript: return e;
      case ExprKind::Starred:
        e->items[0] = check_target(std::move(e->items[0]));
        return e;
      case ExprKind::Tuple:
      case ExprKind::List:
        for (auto& item : e->items) item = check_target(std::move(item));
        return e;
      default: error_at(e->loc, std::string("cannot assign to ") + kind_name(e->kind));
    }
  }

  // The targets of `for` and comprehensions: or_expr-level items (so `in` is not consumed),
  // a Tuple when there is a comma.
  ExprPtr parse_target_list(bool* had_comma = nullptr) {
    const Token& first = peek();
    auto e = parse_target();
    if (!peek().is_op(",")) return check_target(std::move(e));
    if (had_comma) *had_comma = true;
    auto tuple = make(ExprKind::Tuple, first);
    tuple->items.push_back(std::move(e));
    while (accept_op(",")) {
      if (peek().is_name("in")) break;
      tuple->items.push_back(parse_target());
    }
    return check_target(std::move(tuple));
  }

  ExprPtr parse_target() {
    if (peek().is_op("*")) {
      auto e = make(ExprKind::Starred, next());
      e->items.push_back(parse_or_expr());
      return e;
    }
    return parse_or_expr();
  }

  // ---- expressions -------------------------------------------------------------------------

  // Whether the cursor can begin an expression (decides if a trailing comma ends a list).
  bool starts_expression() const {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::Int:
      case TokenKind::Float:
      case TokenKind::Imag:
      case TokenKind::String: return true;
      case TokenKind::Name:
        return !is_keyword(t.text) || t.text == "not" || t.text == "None" || t.text == "True" ||
               t.text == "False" || t.text == "lambda";
      case TokenKind::Op: {
        static constexpr std::string_view starters[] = {"(", "[", "{", "-", "+", "~", "*", "..."};
        for (auto op : starters)
          if (t.text == op) return true;
        return false;
      }
      default: return false;
    }
  }

  // test (',' test)* [','], a Tuple when there is a comma. `*x` items are allowed.
  ExprPtr parse_testlist_star(bool* had_comma) {
    const Token& first = peek();
    auto e = parse_test_or_star();
    if (!peek().is_op(",")) return e;
    if (had_comma) *had_comma = true;
    auto tuple = make(ExprKind::Tuple, first);
    tuple->items.push_back(std::move(e));
    while (accept_op(",")) {
      if (!starts_expression()) break;
      tuple->items.push_back(parse_test_or_star());
    }
    return tuple;
  }
  ExprPtr parse_testlist() { return parse_testlist_star(nullptr); }

  ExprPtr parse_test_or_star() {
    if (peek().is_op("*")) {
      auto e = make(ExprKind::Starred, next());
      e->items.push_back(parse_or_expr());
      return e;
    }
    return parse_test();
  }

  ExprPtr parse_test() {
    DepthGuard guard(*this);
    if (peek().is_name("lambda")) error_at(peek(), "lambda expressions are not supported");
    const Token& first = peek();
    auto then = parse_or_test();
    if (!peek().is_name("if")) return then;
    next();
    auto e = make(ExprKind::IfExp, first);
    auto cond = parse_or_test();
    expect_name("else");
    auto orelse = parse_test();
    e->items.push_back(std::move(cond));
    e->items.push_back(std::move(then));
    e->items.push_back(std::move(orelse));
    return e;
  }

  ExprPtr parse_bool(const char* op, ExprPtr (Parser::*operand)()) {
    const Token& first = peek();
    auto lhs = (this->*operand)();
    if (!peek().is_name(op)) return lhs;
    auto e = make(ExprKind::BoolOp, first);
    e->name = op;
    e->items.push_back(std::move(lhs));
    while (accept_name(op)) e->items.push_back((this->*operand)());
    return e;
  }
  ExprPtr parse_or_test() { return parse_bool("or", &Parser::parse_and_test); }
  ExprPtr parse_and_test() { return parse_bool("and", &Parser::parse_not_test); }

  ExprPtr parse_not_test() {
    DepthGuard guard(*this);
    if (!peek().is_name("not")) return parse_comparison();
    auto e = make(ExprKind::UnaryOp, next());
    e->name = "not";
    e->items.push_back(parse_not_test());
    return e;
  }

  // Returns the comparison operator at the cursor and its token count, or "" when none.
  std::pair<std::string, int> comparison_op() const {
    const Token& t = peek();
    if (t.kind == TokenKind::Op) {
      static constexpr std::string_view ops[] = {"<", "<=", ">", ">=", "==", "!="};
      for (auto op : ops)
        if (t.text == op) return {t.text, 1};
      return {"", 0};
    }
    if (t.is_name("in")) return {"in", 1};
    if (t.is_name("not") && peek(1).is_name("in")) return {"not in", 2};
    if (t.is_name("is")) return peek(1).is_name("not") ? std::pair<std::string, int>{"is not", 2}
                                                       : std::pair<std::string, int>{"is", 1};
    return {"", 0};
  }

  ExprPtr parse_comparison() {
    const Token& first = peek();
    auto lhs = parse_or_expr();
    auto [op, n] = comparison_op();
    if (n == 0) return lhs;
    auto e = make(ExprKind::Compare, first);
    e->items.push_back(std::move(lhs));
    while (n > 0) {
      for (int i = 0; i < n; ++i) next();
      e->ops.push_back(op);
      e->items.push_back(parse_or_expr());
      std::tie(op, n) = comparison_op();
    }
    return e;
  }

  ExprPtr parse_binary(std::initializer_list<std::string_view> ops, ExprPtr (Parser::*operand)()) {
    const Token& first = peek();
    auto lhs = (this->*operand)();
    while (true) {
      const Token& t = peek();
      if (t.kind != TokenKind::Op) return lhs;
      bool match = false;
      for (auto op : ops) match = match || t.text == op;
      if (!match) return lhs;
      next();
      auto e = make(ExprKind::BinOp, first);
      e->name = t.text;
      e->items.push_back(std::move(lhs));
      e->items.push_back((this->*operand)());
      lhs = std::move(e);
    }
  }
  ExprPtr parse_or_expr() { return parse_binary({"|"}, &Parser::parse_xor_expr); }
  ExprPtr parse_xor_expr() { return parse_binary({"^"}, &Parser::parse_and_expr); }
  ExprPtr parse_and_expr() { return parse_binary({"&"}, &Parser::parse_shift_expr); }
  ExprPtr parse_shift_expr() { return parse_binary({"<<", ">>"}, &Parser::parse_arith_expr); }
  ExprPtr parse_arith_expr() { return parse_binary({"+", "-"}, &Parser::parse_term); }
  ExprPtr parse_term() { return parse_binary({"*", "/", "//", "%", "@"}, &Parser::parse_factor); }

  ExprPtr parse_factor() {
    DepthGuard guard(*this);
    const Token& t = peek();
    if (!t.is_op("-") && !t.is_op("+") && !t.is_op("~")) return parse_power();
    next();
    // -9223372036854775808 is only writable as a negated literal.
    constexpr uint64_t kMinMagnitude = uint64_t(std::numeric_limits<int64_t>::max()) + 1;
    if (t.text == "-" && peek().kind == TokenKind::Int && peek().int_value == kMinMagnitude &&
        !is_trailer_or_power(peek(1))) {
      auto e = make(ExprKind::Int, t);
      e->int_value = std::numeric_limits<int64_t>::min();
      next();
      return e;
    }
    auto operand = parse_factor();
    if (t.text == "-" && operand->kind == ExprKind::Int &&
        operand->int_value != std::numeric_limits<int64_t>::min()) {
      operand->int_value = -operand->int_value;
      operand->loc = loc(t);
      return operand;
    }
    if (t.text == "-" && operand->kind == ExprKind::Float) {
      operand->float_value = -operand->float_value;
      operand->loc = loc(t);
      return operand;
    }
    auto e = make(ExprKind::UnaryOp, t);
    e->name = t.text;
    e->items.push_back(std::move(operand));
    return e;
  }

  static bool is_trailer_or_power(const Token& t) {
    return t.is_op("**") || t.is_op(".") || t.is_op("(") || t.is_op("[");
  }

  ExprPtr parse_power() {
    const Token& first = peek();
    auto base = parse_primary();
    if (!peek().is_op("**")) return base;
    next();
    auto e = make(ExprKind::BinOp, first);
    e->name = "**";
    e->items.push_back(std::move(base));
    e->items.push_back(parse_factor());
    return e;
  }

  ExprPtr parse_primary() {
    auto e = parse_atom();
    while (true) {
      const Token& t = peek();
      if (t.is_op(".")) {
        next();
        auto a = make(ExprKind::Attribute, t);
        if (peek().kind != TokenKind::Name) expected("an attribute name");
        a->name = next().text;
        a->base = std::move(e);
        e = std::move(a);
      } else if (t.is_op("(")) {
        next();
        auto c = make(ExprKind::Call, t);
        c->base = std::move(e);
        parse_call_arguments(*c);
        e = std::move(c);
      } else if (t.is_op("[")) {
        next();
        auto s = make(ExprKind::Subscript, t);
        s->base = std::move(e);
        do {
          if (peek().is_op("]")) break;
          s->items.push_back(parse_subscript_item());
        } while (accept_op(","));
        if (s->items.empty()) expected("an index");
        expect_op("]");
        e = std::move(s);
      } else {
        return e;
      }
    }
  }

  void parse_call_arguments(Expr& call) {
    while (!peek().is_op(")")) {
      if (peek().is_op("**")) error_at(peek(), "'**' arguments are not supported");
      if (peek().kind == TokenKind::Name && peek(1).is_op("=") && !is_keyword(peek().text)) {
        Keyword kw;
        kw.name = next().text;
        next();  // '='
        for (const auto& other : call.kwargs)
          if (other.name == kw.name) error_at(peek(), "keyword argument '" + kw.name + "' repeated");
        kw.value = parse_test();
        call.kwargs.push_back(std::move(kw));
      } else {
        const Token& at_arg = peek();
        auto arg = parse_test_or_star();
        if (peek().is_name("for")) error_at(peek(), "generator expressions are not supported");
        if (!call.kwargs.empty()) error_at(at_arg, "positional argument follows keyword argument");
        call.items.push_back(std::move(arg));
      }
      if (!accept_op(",")) break;
    }
    expect_op(")");
  }

  ExprPtr parse_subscript_item() {
    const Token& first = peek();
    ExprPtr start;
    if (!peek().is_op(":")) {
      start = parse_test();
      if (!peek().is_op(":")) return start;
    }
    next();  // ':'
    auto slice = make(ExprKind::Slice, first);
    auto at_end = [&] { return peek().is_op(",") || peek().is_op("]") || peek().is_op(":"); };
    ExprPtr stop, step;
    if (!at_end()) stop = parse_test();
    if (accept_op(":")) {
      if (!peek().is_op(",") && !peek().is_op("]")) step = parse_test();
    }
    slice->items.push_back(std::move(start));
    slice->items.push_back(std::move(stop));
    slice->items.push_back(std::move(step));
    return slice;
  }

  ExprPtr parse_atom() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::Int: {
        next();
        if (t.int_value > uint64_t(std::numeric_limits<int64_t>::max()))
          error_at(t, "integer literal too large: " + t.text);
        auto e = make(ExprKind::Int, t);
        e->int_value = int64_t(t.int_value);
        return e;
      }
      case TokenKind::Float: {
        next();
        auto e = make(ExprKind::Float, t);
        e->float_value = t.float_value;
        return e;
      }
      case TokenKind::Imag: {
        next();
        auto e = make(ExprKind::Imag, t);
        e->float_value = t.float_value;
        return e;
      }
      case TokenKind::String: {
        auto e = make(ExprKind::Str, t);
        while (at(TokenKind::String)) e->name += next().text;
        return e;
      }
      case TokenKind::Name: {
        if (t.text == "True" || t.text == "False") {
          next();
          auto e = make(ExprKind::Bool, t);
          e->bool_value = t.text == "True";
          return e;
        }
        if (t.text == "None") return make(ExprKind::None, next());
        if (t.text == "lambda") error_at(t, "lambda expressions are not supported");
        if (t.text == "yield" || t.text == "await") error_at(t, "'" + t.text + "' is not supported");
        if (is_keyword(t.text)) expected("an expression");
        next();
        auto e = make(ExprKind::Name, t);
        e->name = t.text;
        return e;
      }
      case TokenKind::Op:
        if (t.text == "...") return make(ExprKind::Ellipsis, next());
        if (t.text == "(") return parse_paren();
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_brace();
        break;
      default: break;
    }
    expected("an expression");
  }

  ExprPtr parse_paren() {
    const Token& open = next();
    if (accept_op(")")) return make(ExprKind::Tuple, open);
    auto first = parse_test_or_star();
    if (peek().is_name("for")) error_at(peek(), "generator expressions are not supported");
    if (accept_op(")")) {
      if (first->kind == ExprKind::Starred) error_at(first->loc, "cannot use a starred expression here");
      return first;
    }
    if (!peek().is_op(",")) expected("')'");
    auto tuple = make(ExprKind::Tuple, open);
    tuple->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (peek().is_op(")")) break;
      tuple->items.push_back(parse_test_or_star());
    }
    expect_op(")");
    return tuple;
  }

  // 'for' targets 'in' or_test ['if' test]: fills comp_targets and appends iter (and cond).
  void parse_comprehension_tail(Expr& comp, const char* closer) {
    expect_name("for");
    bool had_comma = false;
    auto targets = parse_target_list(&had_comma);
    if (had_comma) {
      comp.comp_targets = std::move(targets->items);
    } else {
      comp.comp_targets.push_back(std::move(targets));
    }
    expect_name("in");
    comp.items.push_back(parse_or_test());
    if (accept_name("if")) {
      comp.items.push_back(parse_or_test());
      if (peek().is_name("if")) error_at(peek(), "only one 'if' per comprehension is supported");
    }
    if (peek().is_name("for")) error_at(peek(), "nested comprehensions are not supported");
    expect_op(closer);
  }

  ExprPtr parse_list() {
    const Token& open = next();
    auto list = make(ExprKind::List, open);
    if (accept_op("]")) return list;
    auto first = parse_test_or_star();
    if (peek().is_name("for")) {
      auto comp = make(ExprKind::ListComp, open);
      comp->items.push_back(std::move(first));
      parse_comprehension_tail(*comp, "]");
      return comp;
    }
    list->items.push_back(std::move(first));
    while (accept_op(",")) {
      if (peek().is_op("]")) break;
      list->items.push_back(parse_test_or_star());
    }
    expect_op("]");
    return list;
  }

  ExprPtr parse_brace() {
    const Token& open = next();
    auto dict = make(ExprKind::Dict, open);
    if (accept_op("}")) return dict;
    if (peek().is_op("**")) error_at(peek(), "'**' in dict displays is not supported");
    auto key = parse_test();
    if (!peek().is_op(":")) {
      if (peek().is_op(",") || peek().is_op("}") || peek().is_name("for"))
        error_at(open, "set displays are not supported");
      expected("':'");
    }
    next();
    auto value = parse_test();
    if (peek().is_name("for")) {
      auto comp = make(ExprKind::DictComp, open);
      comp->items.push_back(std::move(key));
      comp->items.push_back(std::move(value));
      parse_comprehension_tail(*comp, "}");
      return comp;
    }
    dict->items.push_back(std::move(key));
    dict->items.push_back(std::move(value));
    while (accept_op(",")) {
      if (peek().is_op("}")) break;
      if (peek().is_op("**")) error_at(peek(), "'**' in dict displays is not supported");
      dict->items.push_back(parse_test());
      expect_op(":");
      dict->items.push_back(parse_test());
    }
    expect_op("}");
    return dict;
  }

  // Bounds recursion so hostile input cannot overflow the stack.
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.error_at(p.peek(), "code nested too deeply");
    }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 500;

  std::shared_ptr<const std::string> file_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

ExprPtr parse_expression(const std::string& path, std::string_view source) {
  return Parser(path, source).parse_single_expression();
}

}  // namespace ember::script

namespace ember::script::ast {

std::unique_ptr<File> parse_file(std::string path, std::string_view source) {
  return script::Parser(path, source).parse_file();
}

}  // namespace ember::script::ast
