#include "script/ast.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace ember::script::ast {

namespace {
void take_children(Expr& e, std::vector<ExprPtr>& out) {
  if (e.base) out.push_back(std::move(e.base));
  for (auto& x : e.items) if (x) out.push_back(std::move(x));
  for (auto& k : e.kwargs) if (k.value) out.push_back(std::move(k.value));
  for (auto& x : e.comp_targets) if (x) out.push_back(std::move(x));
}
thread_local std::vector<ExprPtr>* pending_exprs = nullptr;
}  // namespace

Expr::~Expr() {
  if (pending_exprs) {
    take_children(*this, *pending_exprs);
    return;
  }
  std::vector<ExprPtr> work;
  take_children(*this, work);
  if (work.empty()) return;
  pending_exprs = &work;
  while (!work.empty()) {
    ExprPtr e = std::move(work.back());
    work.pop_back();
    e.reset();  // its children land in `work`
  }
  pending_exprs = nullptr;
}

int expr_height(const Expr& root) {
  int best = 0;
  std::vector<std::pair<const Expr*, int>> stack{{&root, 1}};
  while (!stack.empty()) {
    auto [e, h] = stack.back();
    stack.pop_back();
    best = std::max(best, h);
    if (e->base) stack.emplace_back(e->base.get(), h + 1);
    for (const auto& x : e->items) if (x) stack.emplace_back(x.get(), h + 1);
    for (const auto& k : e->kwargs) if (k.value) stack.emplace_back(k.value.get(), h + 1);
    for (const auto& x : e->comp_targets) if (x) stack.emplace_back(x.get(), h + 1);
  }
  return best;
}

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

std::string float_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string join(const std::vector<ExprPtr>& items, size_t from = 0, size_t to = SIZE_MAX) {
  std::string out;
  for (size_t i = from; i < items.size() && i < to; ++i) {
    if (i > from) out += ", ";
    out += items[i] ? dump(*items[i]) : "<null>";
  }
  return out;
}

std::string opt(const ExprPtr& e) { return e ? dump(*e) : ""; }

std::string comp_tail(const Expr& e, size_t iter_index) {
  std::string out = " for " + join(e.comp_targets) + " in " + opt(e.items[iter_index]);
  if (e.items.size() > iter_index + 1) out += " if " + opt(e.items[iter_index + 1]);
  return out;
}

void dump_body(std::string& out, const std::vector<StmtPtr>& body, int indent) {
  if (body.empty()) out += std::string(indent, ' ') + "<empty>\n";
  for (const auto& s : body) out += dump(*s, indent);
}

}  // namespace

std::string dump(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Name: return e.name;
    case ExprKind::Int: return std::to_string(e.int_value);
    case ExprKind::Float: return float_text(e.float_value);
    case ExprKind::Imag: return float_text(e.float_value) + "j";
    case ExprKind::Str: return quote(e.name);
    case ExprKind::Bool: return e.bool_value ? "True" : "False";
    case ExprKind::None: return "None";
    case ExprKind::Ellipsis: return "...";
    case ExprKind::Attribute: return opt(e.base) + "." + e.name;
    case ExprKind::Call: {
      std::string out = opt(e.base) + "(" + join(e.items);
      for (size_t i = 0; i < e.kwargs.size(); ++i) {
        if (i > 0 || !e.items.empty()) out += ", ";
        out += e.kwargs[i].name + "=" + opt(e.kwargs[i].value);
      }
      return out + ")";
    }
    case ExprKind::Subscript: return opt(e.base) + "[" + join(e.items) + "]";
    case ExprKind::Slice: {
      std::string out = opt(e.items[0]) + ":" + opt(e.items[1]);
      if (e.items[2]) out += ":" + opt(e.items[2]);
      return out;
    }
    case ExprKind::Tuple:
      return e.items.size() == 1 ? "(" + join(e.items) + ",)" : "(" + join(e.items) + ")";
    case ExprKind::List: return "[" + join(e.items) + "]";
    case ExprKind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        if (i > 0) out += ", ";
        out += opt(e.items[i]) + ": " + opt(e.items[i + 1]);
      }
      return out + "}";
    }
    case ExprKind::BinOp: return "(" + opt(e.items[0]) + " " + e.name + " " + opt(e.items[1]) + ")";
    case ExprKind::UnaryOp:
      return "(" + e.name + (e.name == "not" ? " " : "") + opt(e.items[0]) + ")";
    case ExprKind::BoolOp: {
      std::string out = "(";
      for (size_t i = 0; i < e.items.size(); ++i) {
        if (i > 0) out += " " + e.name + " ";
        out += opt(e.items[i]);
      }
      return out + ")";
    }
    case ExprKind::Compare: {
      std::string out = "(" + opt(e.items[0]);
      for (size_t i = 0; i < e.ops.size(); ++i) out += " " + e.ops[i] + " " + opt(e.items[i + 1]);
      return out + ")";
    }
    case ExprKind::IfExp:
      return "(" + opt(e.items[1]) + " if " + opt(e.items[0]) + " else " + opt(e.items[2]) + ")";
    case ExprKind::ListComp: return "[" + opt(e.items[0]) + comp_tail(e, 1) + "]";
    case ExprKind::DictComp:
      return "{" + opt(e.items[0]) + ": " + opt(e.items[1]) + comp_tail(e, 2) + "}";
    case ExprKind::Starred: return "*" + opt(e.items[0]);
  }
  return "<?>";
}

std::string dump(const Stmt& s, int indent) {
  std::string pad(indent, ' ');
  std::string out = pad;
  switch (s.kind) {
    case StmtKind::Expr: return out + opt(s.value) + "\n";
    case StmtKind::Assign:
      for (const auto& t : s.targets) out += dump(*t) + " = ";
      return out + opt(s.value) + "\n";
    case StmtKind::AnnAssign:
      out += opt(s.targets[0]) + " : " + opt(s.annotation);
      if (s.value) out += " = " + opt(s.value);
      return out + "\n";
    case StmtKind::AugAssign: return out + opt(s.targets[0]) + " " + s.op + "= " + opt(s.value) + "\n";
    case StmtKind::If:
      out += "if " + opt(s.cond) + ":\n";
      dump_body(out, s.body, indent + 2);
      if (!s.orelse.empty()) {
        out += pad + "else:\n";
        dump_body(out, s.orelse, indent + 2);
      }
      return out;
    case StmtKind::For:
      out += "for " + opt(s.targets[0]) + " in " + opt(s.value) + ":\n";
      dump_body(out, s.body, indent + 2);
      return out;
    case StmtKind::While:
      out += "while " + opt(s.cond) + ":\n";
      dump_body(out, s.body, indent + 2);
      return out;
    case StmtKind::Return: return out + "return" + (s.value ? " " + opt(s.value) : "") + "\n";
    case StmtKind::Pass: return out + "pass\n";
    case StmtKind::Break: return out + "break\n";
    case StmtKind::Continue: return out + "continue\n";
    case StmtKind::Raise: return out + "raise" + (s.value ? " " + opt(s.value) : "") + "\n";
    case StmtKind::Assert:
      return out + "assert " + opt(s.cond) + (s.value ? ", " + opt(s.value) : "") + "\n";
    case StmtKind::With:
      out += "with " + opt(s.value);
      if (!s.targets.empty()) out += " as " + opt(s.targets[0]);
      out += ":\n";
      dump_body(out, s.body, indent + 2);
      return out;
    case StmtKind::Def: return s.def_ ? dump(*s.def_, indent) : out + "def <null>\n";
    case StmtKind::Del: return out + "del " + join(s.targets) + "\n";
    case StmtKind::Import:
      if (s.op == "from") return out + "from " + s.name + " import " + join(s.targets) + "\n";
      return out + "import " + s.name + (s.targets.empty() ? "" : " as " + join(s.targets)) + "\n";
    case StmtKind::Global: return out + "global " + join(s.targets) + "\n";
  }
  return out + "<?>\n";
}

std::string dump(const FunctionDef& f, int indent) {
  std::string pad(indent, ' ');
  std::string out;
  for (const auto& d : f.decorators) out += pad + "@" + opt(d) + "\n";
  out += pad + "def " + f.name + "(";
  bool star_written = false;
  for (size_t i = 0; i < f.params.size(); ++i) {
    const Param& p = f.params[i];
    if (i > 0) out += ", ";
    if (p.kwarg_only && !star_written) {
      out += "*, ";
      star_written = true;
    }
    out += p.name;
    if (p.type) out += ": " + opt(p.type);
    if (p.default_value) out += "=" + opt(p.default_value);
  }
  out += ")";
  if (f.return_type) out += " -> " + opt(f.return_type);
  out += ":\n";
  dump_body(out, f.body, indent + 2);
  return out;
}

std::string dump(const ClassDef& c) {
  std::string out = "class " + c.name;
  if (!c.bases.empty()) out += "(" + join(c.bases) + ")";
  out += ":\n";
  for (const auto& s : c.body) out += dump(*s, 2);
  for (const auto& m : c.methods) out += dump(m, 2);
  if (c.body.empty() && c.methods.empty()) out += "  <empty>\n";
  return out;
}

}  // namespace ember::script::ast
