// builtins_str.cpp — Python str methods, str()/format() with TorchScript's printing, and the
// statement-like prims that print or raise.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>

#include "ember/error.h"
#include "ops/builtins_util.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

std::vector<size_t> slice_indices(size_t size, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step);

namespace {

// PyTorch's clamp of [start, end) for find/startswith/endswith/count: negative start counts from
// the end, and end = -1 means "to the end of the string".
std::string_view window(const std::string& s, int64_t start, int64_t end) {
  int64_t n = static_cast<int64_t>(s.size());
  if (start < 0) start = std::max<int64_t>(0, n + start);
  if (end < 0) end = std::max<int64_t>(0, n + end + 1);
  end = std::min(end, n);
  if (start >= end) return {};
  return std::string_view(s).substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
}

int64_t window_start(const std::string& s, int64_t start) {
  int64_t n = static_cast<int64_t>(s.size());
  return start < 0 ? std::max<int64_t>(0, n + start) : start;
}

std::string strip_chars(const std::string& s, const std::string& chars, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && chars.find(s[b]) != std::string::npos) ++b;
  if (right)
    while (e > b && chars.find(s[e - 1]) != std::string::npos) --e;
  return s.substr(b, e - b);
}

template <class Pred>
bool all_chars(const std::string& s, Pred p) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return p(static_cast<unsigned char>(c)); });
}

std::vector<std::string> split(const std::string& s, const std::optional<std::string>& sep, int64_t max) {
  std::vector<std::string> out;
  if (!sep) {  // runs of whitespace, ignoring leading/trailing whitespace
    size_t i = 0;
    auto space = [&](size_t k) { return std::isspace(static_cast<unsigned char>(s[k])) != 0; };
    while (i < s.size()) {
      while (i < s.size() && space(i)) ++i;
      if (i >= s.size()) break;
      if (max >= 0 && static_cast<int64_t>(out.size()) == max) {
        size_t e = s.size();
        while (e > i && space(e - 1)) --e;
        out.push_back(s.substr(i, e - i));
        break;
      }
      size_t j = i;
      while (j < s.size() && !space(j)) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  if (sep->empty()) fail("ValueError: empty separator");
  size_t i = 0;
  for (;;) {
    size_t j = s.find(*sep, i);
    if (j == std::string::npos || (max >= 0 && static_cast<int64_t>(out.size()) == max)) {
      out.push_back(s.substr(i));
      return out;
    }
    out.push_back(s.substr(i, j - i));
    i = j + sep->size();
  }
}

std::string format(const std::string& fmt, std::span<const Value> args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '{' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      if (next >= args.size()) fail("Too few arguments for format string: ", fmt);
      out += python_str(args[next++]);
      ++i;
    } else {
      out += fmt[i];
    }
  }
  return out;
}

}  // namespace

void register_str_ops(Registry& r) {
  r.add("aten::str(t elem) -> str", wrap([](const Value& v) { return python_str(v); }));
  r.add("aten::format(str self, ...) -> str", [](Stack& s) {
    size_t n = static_cast<size_t>(pop(s).to_int());
    std::span<const Value> all(s.data() + s.size() - n, n);
    std::string out = format(all[0].to_string(), all.subspan(1));
    drop(s, n);
    push(s, std::move(out));
  });
  r.add("aten::len.str(str s) -> int", wrap([](const std::string& s) { return static_cast<int64_t>(s.size()); }));
  r.add("aten::__getitem__.str(str s, int index) -> str", wrap([](const std::string& s, int64_t i) {
          return std::string(1, s[normalize_index(i, s.size(), "string index out of range")]);
        }));
  r.add("aten::slice.str(str string, int? start=None, int? end=None, int step=1) -> str",
        wrap([](const std::string& s, std::optional<int64_t> b, std::optional<int64_t> e, int64_t step) {
          std::string out;
          for (size_t i : slice_indices(s.size(), b, e, step)) out += s[i];
          return out;
        }));
  r.add("aten::add.str(str a, str b) -> str", wrap([](const std::string& a, const std::string& b) { return a + b; }));
  r.add("aten::join(str self, str[] values) -> str", wrap([](const std::string& sep, const std::vector<std::string>& v) {
          std::string out;
          for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
          return out;
        }));
  r.add("aten::split.str(str self, str? separator=None, int max=-1) -> str[]", wrap(split));
  r.add("aten::strip(str self, str chars=\" \\n\\t\\f\\v\") -> str",
        wrap([](const std::string& s, const std::string& c) { return strip_chars(s, c, true, true); }));
  r.add("aten::lstrip(str self, str chars=\" \\n\\t\\f\\v\") -> str",
        wrap([](const std::string& s, const std::string& c) { return strip_chars(s, c, true, false); }));
  r.add("aten::rstrip(str self, str chars=\" \\n\\t\\f\\v\") -> str",
        wrap([](const std::string& s, const std::string& c) { return strip_chars(s, c, false, true); }));
  r.add("aten::lower(str self) -> str", wrap([](std::string s) {
          for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          return s;
        }));
  r.add("aten::upper(str self) -> str", wrap([](std::string s) {
          for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          return s;
        }));
  r.add("aten::startswith(str self, str substr, int start=0, int end=-1) -> bool",
        wrap([](const std::string& s, const std::string& p, int64_t b, int64_t e) { return window(s, b, e).starts_with(p); }));
  r.add("aten::endswith(str self, str substr, int start=0, int end=-1) -> bool",
        wrap([](const std::string& s, const std::string& p, int64_t b, int64_t e) { return window(s, b, e).ends_with(p); }));
  r.add("aten::find(str self, str substr, int start=0, int end=-1) -> int",
        wrap([](const std::string& s, const std::string& p, int64_t b, int64_t e) {
          size_t k = window(s, b, e).find(p);
          return k == std::string_view::npos ? int64_t{-1} : static_cast<int64_t>(k) + window_start(s, b);
        }));
  r.add("aten::rfind(str self, str substr, int start=0, int end=-1) -> int",
        wrap([](const std::string& s, const std::string& p, int64_t b, int64_t e) {
          size_t k = window(s, b, e).rfind(p);
          return k == std::string_view::npos ? int64_t{-1} : static_cast<int64_t>(k) + window_start(s, b);
        }));
  r.add("aten::count(str self, str substr, int start=0, int end=-1) -> int",
        wrap([](const std::string& s, const std::string& p, int64_t b, int64_t e) {
          std::string_view w = window(s, b, e);
          if (p.empty()) return static_cast<int64_t>(w.size() + 1);
          int64_t n = 0;
          for (size_t k = w.find(p); k != std::string_view::npos; k = w.find(p, k + p.size())) ++n;
          return n;
        }));
  r.add("aten::replace(str self, str old, str new, int max=-1) -> str",
        wrap([](const std::string& s, const std::string& from, const std::string& to, int64_t max) {
          if (from.empty()) fail("replace() with an empty pattern is not supported");
          std::string out;
          size_t i = 0;
          int64_t done = 0;
          for (size_t k = s.find(from); k != std::string::npos && (max < 0 || done < max); k = s.find(from, i)) {
            out += s.substr(i, k - i) + to;
            i = k + from.size();
            ++done;
          }
          return out + s.substr(i);
        }));
  r.add("aten::isdigit(str self) -> bool", wrap([](const std::string& s) { return all_chars(s, [](int c) { return std::isdigit(c); }); }));
  r.add("aten::isalpha(str self) -> bool", wrap([](const std::string& s) { return all_chars(s, [](int c) { return std::isalpha(c); }); }));
  r.add("aten::isalnum(str self) -> bool", wrap([](const std::string& s) { return all_chars(s, [](int c) { return std::isalnum(c); }); }));
  r.add("aten::isspace(str self) -> bool", wrap([](const std::string& s) { return all_chars(s, [](int c) { return std::isspace(c); }); }));
  // Python: at least one cased character and no character of the other case.
  r.add("aten::islower(str self) -> bool", wrap([](const std::string& s) {
          bool cased = std::any_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
          return cased && std::none_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
        }));
  r.add("aten::isupper(str self) -> bool", wrap([](const std::string& s) {
          bool cased = std::any_of(s.begin(), s.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
          return cased && std::none_of(s.begin(), s.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
        }));

  r.add("prim::Print(...) -> ()", [](Stack& s) {
    size_t n = static_cast<size_t>(pop(s).to_int());
    std::string line;
    for (size_t i = 0; i < n; ++i) line += (i ? " " : "") + python_str(s[s.size() - n + i]);
    drop(s, n);
    std::cout << line << std::endl;
  });
  // `raise ValueError("no")` prints RaiseException("no", "builtins.ValueError"); asserts carry
  // their "AssertionError: ..." text in msg.
  r.add("prim::RaiseException(str msg, str? cls=None) -> ()", wrap([](const std::string& msg, std::optional<std::string> cls) {
          if (!cls) fail(msg);
          std::string_view c = *cls;
          if (c.starts_with("builtins.")) c.remove_prefix(9);
          fail(c, ": ", msg);
        }));
}

}  // namespace ember::ops
