// unpickler.cpp — the pickle stack machine, the allow-listed globals and tensor rebuilding.
#include "archive/unpickler.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "tensor/convert.h"
#include "tensor/impl.h"
#include "tensor/quantized.h"
#include "values/type_parser.h"
#include "core/check.h"

namespace ember::archive {

namespace {

// Nesting deeper than this cannot come from a real model and would make the recursive
// destructors of nested Values overflow the stack.
constexpr size_t kMaxDepth = 500;

// Non-Value things that live on the pickle stack: callables named by GLOBAL and storages named
// by persistent ids. They travel as Capsules tagged with these names.
constexpr std::string_view kGlobalCapsule = "pickle global";
constexpr std::string_view kStorageCapsule = "pickle storage";

struct GlobalRef {
  std::string qualname;
  ClassTypePtr cls;  // set for `__torch__` classes
};

struct StorageRef {
  std::shared_ptr<Storage> storage;
  DType dtype;
  std::string key;
};

Value make_capsule(std::string_view tag, std::shared_ptr<void> payload) {
  auto c = std::make_shared<Capsule>();
  c->type_name = std::string(tag);
  c->payload = std::move(payload);
  return Value(std::move(c));
}

template <class T>
T* capsule_as(const Value& v, std::string_view tag) {
  if (!v.is_capsule() || v.to_capsule()->type_name != tag) return nullptr;
  return static_cast<T*>(v.to_capsule()->payload.get());
}

const void* identity(const Value& v) {
  switch (v.tag()) {
    case ValueTag::List: return v.to_list().get();
    case ValueTag::Dict: return v.to_dict().get();
    case ValueTag::Tuple: return v.to_tuple().get();
    case ValueTag::Object: return v.to_object().get();
    case ValueTag::Enum: return v.to_enum().get();
    default: return nullptr;
  }
}

// The Values directly inside a container value.
std::vector<Value> children(const Value& v) {
  switch (v.tag()) {
    case ValueTag::List: return v.to_list()->items;
    case ValueTag::Tuple: return v.to_tuple()->items;
    case ValueTag::Object: {
      std::vector<Value> out = v.to_object()->slots;
      if (v.to_object()->pending_state) out.push_back(*v.to_object()->pending_state);
      return out;
    }
    case ValueTag::Enum: return {v.to_enum()->value};
    case ValueTag::Dict: {
      std::vector<Value> out;
      v.to_dict()->for_each([&](const Value& k, const Value& x) {
        out.push_back(k);
        out.push_back(x);
      });
      return out;
    }
    default: return {};
  }
}

// Empties every container reachable from `roots` except those in `keep`, iteratively, so that
// deep or cyclic garbage built by a hostile pickle is freed without recursion.
void dismantle(std::vector<Value> roots, const std::unordered_set<const void*>& keep) {
  std::unordered_set<const void*> seen;
  while (!roots.empty()) {
    Value v = std::move(roots.back());
    roots.pop_back();
    const void* id = identity(v);
    if (!id || keep.count(id) || !seen.insert(id).second) continue;
    std::vector<Value> kids = children(v);
    switch (v.tag()) {
      case ValueTag::List: v.to_list()->items.clear(); break;
      case ValueTag::Tuple: v.to_tuple()->items.clear(); break;
      case ValueTag::Object:
        v.to_object()->slots.clear();
        v.to_object()->pending_state.reset();
        break;
      case ValueTag::Enum: v.to_enum()->value = Value(); break;
      case ValueTag::Dict: v.to_dict()->clear(); break;
      default: break;
    }
    for (auto& k : kids) roots.push_back(std::move(k));
  }
}

// Checks that `root` is acyclic and at most kMaxDepth deep; returns every container in it.
// Shared sub-values are visited once (pickles share them through the memo).
std::unordered_set<const void*> check_shape(const Value& root, const std::string& label) {
  std::unordered_map<const void*, size_t> height;  // finished nodes: depth of their subtree
  std::unordered_set<const void*> on_path;
  struct Frame {
    Value v;
    std::vector<Value> kids;
    size_t next = 0;
    size_t best = 0;
  };
  std::vector<Frame> path;
  auto enter = [&](const Value& v) -> bool {
    const void* id = identity(v);
    if (!id || height.count(id)) return false;
    if (on_path.count(id)) fail(label, ": the pickle contains a reference cycle");
    if (path.size() >= kMaxDepth) fail(label, ": values are nested more than ", kMaxDepth, " levels deep");
    on_path.insert(id);
    path.push_back(Frame{v, children(v), 0, 0});
    return true;
  };
  enter(root);
  while (!path.empty()) {
    Frame& f = path.back();
    if (f.next < f.kids.size()) {
      const Value& kid = f.kids[f.next++];
      if (kid.is_capsule()) fail(label, ": the pickle's result holds a ", kid.to_capsule()->type_name);
      const void* id = identity(kid);
      if (id && height.count(id)) f.best = std::max(f.best, height[id]);
      else enter(kid);
      continue;
    }
    const void* id = identity(f.v);
    const size_t h = f.best + 1;
    height[id] = h;
    on_path.erase(id);
    path.pop_back();
    if (!path.empty()) path.back().best = std::max(path.back().best, h);
    if (h + path.size() > kMaxDepth) fail(label, ": values are nested more than ", kMaxDepth, " levels deep");
  }
  std::unordered_set<const void*> all;
  for (const auto& [id, h] : height) all.insert(id);
  return all;
}

// A shallow check that a value can be an element of a container of type `t`.
bool value_fits(const Value& v, const Type& t) {
  switch (t.kind) {
    case TypeKind::Int: return v.is_int();
    case TypeKind::Float: return v.is_double();
    case TypeKind::Bool: return v.is_bool();
    case TypeKind::Str: return v.is_string();
    case TypeKind::Tensor: return v.is_tensor();
    case TypeKind::Complex: return v.is_complex();
    case TypeKind::Device: return v.is_device();
    case TypeKind::None: return v.is_none();
    case TypeKind::Number: return v.is_number() || v.is_complex();
    case TypeKind::Optional: return v.is_none() || value_fits(v, *t.contained[0]);
    case TypeKind::List: return v.is_list();
    case TypeKind::Dict: return v.is_dict();
    case TypeKind::Tuple: return v.is_tuple();
    // The loader cannot yet tell classes, NamedTuples and enums apart.
    case TypeKind::Class:
    case TypeKind::Enum:
    case TypeKind::Interface: return v.is_object() || v.is_tuple() || v.is_enum();
    case TypeKind::Union:
      for (const auto& m : t.contained)
        if (value_fits(v, *m)) return true;
      return false;
    default: return !v.is_capsule();
  }
}

// ---- the machine ----------------------------------------------------------------------------

class Unpickler {
 public:
  Unpickler(std::span<const uint8_t> data, const UnpickleContext& ctx) : data_(data), ctx_(ctx) {}

  ~Unpickler() {
    std::vector<Value> roots = std::move(stack_);
    for (auto& [k, v] : memo_) roots.push_back(std::move(v));
    dismantle(std::move(roots), keep_);
  }

  Value run() {
    while (true) {
      if (pos_ >= data_.size()) bad("pickle ends without a STOP opcode");
      op_pos_ = pos_;
      const uint8_t op = data_[pos_++];
      if (op == '.') break;
      step(op);
    }
    if (stack_.empty()) bad("STOP with an empty stack");
    Value result = stack_.back();
    if (result.is_capsule()) bad("the pickle's result is not a value");
    keep_ = check_shape(result, ctx_.label);
    return result;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const { fail(ctx_.label, ": ", what); }
  [[noreturn]] void bad_at(const std::string& what) const {
    fail(ctx_.label, ": ", what, " (at byte ", op_pos_, ")");
  }

  // ---- reading
  const uint8_t* take(size_t n) {
    if (n > data_.size() - pos_) bad_at("truncated pickle");
    const uint8_t* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }
  uint64_t le(size_t n) {
    const uint8_t* p = take(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
  }
  std::string_view line() {
    const uint8_t* start = data_.data() + pos_;
    const void* nl = std::memchr(start, '\n', data_.size() - pos_);
    if (!nl) bad_at("truncated pickle: missing end of line");
    size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nl) - start);
    pos_ += n + 1;
    return {reinterpret_cast<const char*>(start), n};
  }
  std::string bytes(uint64_t n) {
    if (n > data_.size() - pos_) bad_at("truncated pickle: string of " + std::to_string(n) + " bytes runs past the end");
    const uint8_t* p = take(static_cast<size_t>(n));
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }
  int64_t parse_int(std::string_view s) {
    if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) bad_at("invalid or too large integer '" + std::string(s) + "'");
    return v;
  }
  // Little-endian two's complement of n bytes (LONG1/LONG4), which must fit 64 bits.
  int64_t long_bytes(uint64_t n) {
    if (n > data_.size() - pos_) bad_at("truncated pickle");
    const uint8_t* p = take(static_cast<size_t>(n));
    if (n == 0) return 0;
    const bool negative = p[n - 1] & 0x80;
    for (uint64_t i = 8; i < n; ++i)
      if (p[i] != (negative ? 0xff : 0x00)) bad_at("integer does not fit in 64 bits");
    if (n > 8 && ((p[7] & 0x80) != 0) != negative) bad_at("integer does not fit in 64 bits");
    uint64_t v = negative ? ~uint64_t{0} : 0;
    for (uint64_t i = 0; i < std::min<uint64_t>(n, 8); ++i) {
      v &= ~(uint64_t{0xff} << (8 * i));
      v |= static_cast<uint64_t>(p[i]) << (8 * i);
    }
    return static_cast<int64_t>(v);
  }

  // ---- stack
  Value pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) bad_at("pickle stack underflow");
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  Value& top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) bad_at("pickle stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_mark() {
    if (marks_.empty()) bad_at("pickle uses a MARK that was never set");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(m)),
                             std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  void push(Value v) { stack_.push_back(std::move(v)); }

  void memo_put(uint64_t idx) { memo_[idx] = top(); }
  void memo_get(uint64_t idx) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) bad_at("memo index " + std::to_string(idx) + " was never stored");
    push(it->second);
  }

  // ---- containers
  static std::shared_ptr<Dict> new_dict() {
    auto d = std::make_shared<Dict>();
    d->key_type = Type::get(TypeKind::Any);
    d->value_type = Type::get(TypeKind::Any);
    return d;
  }
  void check_plain(const Value& v, const char* where) {
    if (v.is_capsule()) bad_at(std::string("a ") + v.to_capsule()->type_name + " cannot be used as " + where);
  }
  // Every list item and dict entry the pickle makes counts against one budget: a few bytes of
  // pickle can copy a memoised list of pairs into a new dict again and again (a memo bomb).
  void count_item() {
    if (++items_ > ctx_.max_items)
      bad_at("the pickle builds more than " + std::to_string(ctx_.max_items) +
             " list items and dict entries (LoadOptions::max_pickle_items)");
  }
  void set_item(Value& target, Value key, Value value) {
    count_item();
    if (!target.is_dict()) bad_at("SETITEM on a " + std::string(target.tag_name()) + ", not a dict");
    check_plain(key, "a dict key");
    check_plain(value, "a dict value");
    target.to_dict()->set(key, std::move(value));
  }
  void append(Value& target, Value item) {
    count_item();
    if (!target.is_list()) bad_at("APPEND to a " + std::string(target.tag_name()) + ", not a list");
    check_plain(item, "a list item");
    target.to_list()->items.push_back(std::move(item));
  }
  // Tuples may hold globals and storages: they are the argument lists of REDUCE and BINPERSID.
  static Value tuple_of(std::vector<Value> items) { return Value(make_tuple(std::move(items))); }

  // ---- opcodes
  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const uint64_t v = le(1);
        if (v > 5) bad_at("unsupported pickle protocol " + std::to_string(v));
        return;
      }
      case 0x95: take(8); return;  // FRAME: framing is transparent to a reader of the whole buffer
      case '(': marks_.push_back(stack_.size()); return;
      case '0': pop(); return;
      case '1': pop_mark(); return;
      case '2': push(top()); return;

      case 'N': push(Value()); return;
      case 0x88: push(Value(true)); return;
      case 0x89: push(Value(false)); return;
      case 'I': {
        std::string_view s = line();
        if (s == "00") push(Value(false));
        else if (s == "01") push(Value(true));
        else push(Value(parse_int(s)));
        return;
      }
      case 'L': push(Value(parse_int(line()))); return;
      case 'J': push(Value(static_cast<int64_t>(static_cast<int32_t>(le(4))))); return;
      case 'K': push(Value(static_cast<int64_t>(le(1)))); return;
      case 'M': push(Value(static_cast<int64_t>(le(2)))); return;
      case 0x8a: push(Value(long_bytes(le(1)))); return;
      case 0x8b: push(Value(long_bytes(le(4)))); return;
      case 'F': {
        std::string s(line());
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size()) bad_at("invalid float '" + s + "'");
        push(Value(d));
        return;
      }
      case 'G': {
        const uint8_t* p = take(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
        double d;
        std::memcpy(&d, &bits, 8);
        push(Value(d));
        return;
      }

      case 'X': push(Value(bytes(le(4)))); return;    // BINUNICODE
      case 0x8c: push(Value(bytes(le(1)))); return;   // SHORT_BINUNICODE
      case 0x8d: push(Value(bytes(le(8)))); return;   // BINUNICODE8
      case 'T': push(Value(bytes(le(4)))); return;    // BINSTRING
      case 'U': push(Value(bytes(le(1)))); return;    // SHORT_BINSTRING
      case 'B': push(Value(bytes(le(4)))); return;    // BINBYTES (bytes carried as str)
      case 'C': push(Value(bytes(le(1)))); return;    // SHORT_BINBYTES
      case 0x8e: push(Value(bytes(le(8)))); return;   // BINBYTES8
      case 'S': push(Value(unquote(line()))); return;
      case 'V': push(Value(raw_unicode_unescape(line()))); return;

      case ')': push(Value(make_tuple({}))); return;
      case 't': push(tuple_of(pop_mark())); return;
      case 0x85: {
        Value a = pop();
        push(tuple_of({std::move(a)}));
        return;
      }
      case 0x86: {
        Value b = pop(), a = pop();
        push(tuple_of({std::move(a), std::move(b)}));
        return;
      }
      case 0x87: {
        Value c = pop(), b = pop(), a = pop();
        push(tuple_of({std::move(a), std::move(b), std::move(c)}));
        return;
      }
      case ']': push(Value(make_list(Type::get(TypeKind::Any)))); return;
      case 'l': {
        Value l(make_list(Type::get(TypeKind::Any)));
        for (auto& v : pop_mark()) append(l, std::move(v));
        push(std::move(l));
        return;
      }
      case 'a': {
        Value item = pop();
        append(top(), std::move(item));
        return;
      }
      case 'e': {
        std::vector<Value> items = pop_mark();
        Value& l = top();
        for (auto& v : items) append(l, std::move(v));
        return;
      }
      case '}': push(Value(new_dict())); return;
      case 'd': {
        std::vector<Value> items = pop_mark();
        if (items.size() % 2) bad_at("DICT with an odd number of items");
        Value d(new_dict());
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, std::move(items[i]), std::move(items[i + 1]));
        push(std::move(d));
        return;
      }
      case 's': {
        Value v = pop(), k = pop();
        set_item(top(), std::move(k), std::move(v));
        return;
      }
      case 'u': {
        std::vector<Value> items = pop_mark();
        if (items.size() % 2) bad_at("SETITEMS with an odd number of items");
        Value& d = top();
        for (size_t i = 0; i < items.size(); i += 2) set_item(d, std::move(items[i]), std::move(items[i + 1]));
        return;
      }

      case 'p': memo_put(static_cast<uint64_t>(parse_int(line()))); return;
      case 'q': memo_put(le(1)); return;
      case 'r': memo_put(le(4)); return;
      case 0x94: memo_put(memo_.size()); return;  // MEMOIZE
      case 'g': memo_get(static_cast<uint64_t>(parse_int(line()))); return;
      case 'h': memo_get(le(1)); return;
      case 'j': memo_get(le(4)); return;

      case 'c': {  // GLOBAL
        std::string module(line());
        std::string name(line());
        push(global(module, name));
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        Value name = pop(), module = pop();
        if (!name.is_string() || !module.is_string()) bad_at("STACK_GLOBAL needs two strings");
        push(global(module.to_string(), name.to_string()));
        return;
      }
      case 'i': {  // INST: GLOBAL and call in one, with the arguments since the mark
        std::string module(line());
        std::string name(line());
        Value fn = global(module, name);
        push(call(fn, Value(make_tuple(pop_mark()))));
        return;
      }
      case 'o': {  // OBJ: the class is the first item after the mark
        std::vector<Value> items = pop_mark();
        if (items.empty()) bad_at("OBJ without a class");
        Value fn = std::move(items.front());
        items.erase(items.begin());
        push(call(fn, Value(make_tuple(std::move(items)))));
        return;
      }
      case 'R': {
        Value args = pop(), fn = pop();
        push(call(fn, std::move(args)));
        return;
      }
      case 0x81: {  // NEWOBJ
        Value args = pop(), cls = pop();
        push(new_object(cls, args));
        return;
      }
      case 0x92: {  // NEWOBJ_EX
        Value kwargs = pop(), args = pop(), cls = pop();
        if (!kwargs.is_dict() || kwargs.to_dict()->size() != 0) bad_at("NEWOBJ_EX with keyword arguments is not supported");
        push(new_object(cls, args));
        return;
      }
      case 'b': {
        Value state = pop();
        build(top(), std::move(state));
        return;
      }
      case 'Q': {
        Value pid = pop();
        push(persistent_load(pid));
        return;
      }
      case 'P': bad_at("text persistent ids (PERSID) are not used by PyTorch and are not supported");
      case 0x82: case 0x83: case 0x84:
        bad_at("pickle extension registry codes (EXT1/EXT2/EXT4) are not supported");
      case 0x8f: case 0x90: case 0x91:
        bad_at("sets (EMPTY_SET/ADDITEMS/FROZENSET) have no TorchScript equivalent and are not supported");
      case 0x96: case 0x97: case 0x98:
        bad_at("out-of-band buffers (pickle protocol 5) are not supported");
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        bad_at(std::string("unknown pickle opcode ") + hex);
      }
    }
  }

  std::string unquote(std::string_view s) {
    if (s.size() < 2 || (s.front() != '\'' && s.front() != '"') || s.back() != s.front())
      bad_at("STRING argument is not quoted");
    s = s.substr(1, s.size() - 2);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c != '\\' || i + 1 == s.size()) {
        out += c;
        continue;
      }
      char e = s[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case '0': out += '\0'; break;
        case '\\': case '\'': case '"': out += e; break;
        case 'x': {
          if (i + 2 >= s.size()) bad_at("bad \\x escape in STRING");
          unsigned v = 0;
          auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
          if (ec != std::errc() || p != s.data() + i + 3) bad_at("bad \\x escape in STRING");
          out += static_cast<char>(v);
          i += 2;
          break;
        }
        default: out += '\\'; out += e;
      }
    }
    return out;
  }

  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // UNICODE's raw-unicode-escape: bytes are Latin-1 code points except \uXXXX and \UXXXXXXXX.
  std::string raw_unicode_unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'u' || s[i + 1] == 'U')) {
        const size_t n = s[i + 1] == 'u' ? 4 : 8;
        if (i + 2 + n > s.size()) bad_at("bad \\u escape in UNICODE");
        uint32_t cp = 0;
        auto [p, ec] = std::from_chars(s.data() + i + 2, s.data() + i + 2 + n, cp, 16);
        if (ec != std::errc() || p != s.data() + i + 2 + n || cp > 0x10ffff) bad_at("bad \\u escape in UNICODE");
        utf8(out, cp);
        i += 1 + n;
      } else {
        utf8(out, static_cast<unsigned char>(s[i]));
      }
    }
    return out;
  }

  // ---- globals
  Value global(const std::string& module, const std::string& name) {
    const std::string q = module + "." + name;
    auto callable = [&](ClassTypePtr cls = nullptr) {
      return make_capsule(kGlobalCapsule, std::make_shared<GlobalRef>(GlobalRef{q, std::move(cls)}));
    };
    static const std::unordered_set<std::string> functions = {
        "torch._utils._rebuild_tensor_v2",  "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.jit._pickle.build_intlist",  "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_genlist",  "torch.jit._pickle.build_genericlist",
        "torch.jit._pickle.restore_type_tag", "collections.OrderedDict",
        "torch.device", "builtins.complex", "__builtin__.complex", "torch.Size",
        "torch._utils._rebuild_qtensor",
    };
    if (functions.count(q)) return callable();
    // Tensor-table references: 1.2's build_tensor_from_id(id) (REDUCE), and 1.1's __main__.TensorID
    // and __main__.IntList (NEWOBJ of an empty tuple, then BUILD with the id or the list), which
    // PyTorch's unpickler still reads. Only model.json attribute pickles have a table.
    if (q == "torch.jit._pickle.build_tensor_from_id" || q == "__main__.TensorID" || q == "__main__.IntList") {
      if (!ctx_.tensor_table) bad_at("global " + q + " refers to a tensor table this pickle has none of");
      return callable();
    }
    if (module == "torch._utils" && name.find("sparse") != std::string::npos)
      bad_at("sparse tensors are not supported (global " + q + ")");
    if (module == "torch") {
      DType dt;
      QScheme scheme;
      if (dtype_from_storage_name(name, &dt)) return callable();
      if (qscheme_from_name(name, &scheme)) return Value(static_cast<int64_t>(scheme));  // torch.qscheme numbers
      if (name.find('.') == std::string::npos && dtype_from_name(name, &dt))
        return Value(static_cast<int64_t>(dt));  // torch.float32 etc. are ScalarType numbers in TorchScript
    }
    if (module == "__torch__" || module.rfind("__torch__.", 0) == 0) {
      if (!ctx_.resolve_class) bad_at("TorchScript class " + q + " cannot appear in this pickle");
      ClassTypePtr cls = ctx_.resolve_class(q);
      EMBER_ASSERT(cls, "resolve_class returned null for ", q);
      return callable(std::move(cls));
    }
    bad_at("global '" + q + "' is not allowed (ember never imports or runs pickled code)");
  }

  static const GlobalRef* as_global(const Value& v) { return capsule_as<GlobalRef>(v, kGlobalCapsule); }

  std::vector<Value>& args_tuple(Value& args, const std::string& fn, size_t lo, size_t hi) {
    if (!args.is_tuple()) bad_at(fn + " expects an argument tuple");
    auto& items = args.to_tuple()->items;
    if (items.size() < lo || items.size() > hi) {
      bad_at(fn + " expects " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
             " arguments but got " + std::to_string(items.size()));
    }
    return items;
  }

  Value call(const Value& fn_value, Value args) {
    const GlobalRef* g = as_global(fn_value);
    if (!g) bad_at("REDUCE on a " + std::string(fn_value.tag_name()) + ", which is not callable");
    const std::string& q = g->qualname;
    if (g->cls) {
      // The TorchScript pickler writes an enum as its class applied to the member's value.
      if (args.is_capsule()) bad_at("invalid value for enum " + q);
      g->cls->kind = ClassKind::Enum;
      auto e = std::make_shared<EnumValue>();
      e->type = g->cls;
      e->value = std::move(args);
      return Value(std::move(e));
    }
    if (q == "torch._utils._rebuild_tensor_v2") {
      auto& a = args_tuple(args, q, 6, 7);
      const StorageRef* s = capsule_as<StorageRef>(a[0], kStorageCapsule);
      if (s && is_quantized(s->dtype))
        bad_at("a " + std::string(dtype_name(s->dtype)) + " storage rebuilt by " + q +
               " has no quantization parameters (PyTorch writes torch._utils._rebuild_qtensor)");
      return rebuild_tensor(a);
    }
    if (q == "torch._utils._rebuild_qtensor") return rebuild_qtensor(args_tuple(args, q, 7, 8));
    if (q == "torch.jit._pickle.build_tensor_from_id") {
      auto& a = args_tuple(args, q, 1, 1);
      if (!a[0].is_int()) bad_at(q + " expects a tensor id");
      const int64_t id = a[0].to_int();
      if (id < 0 || static_cast<uint64_t>(id) >= ctx_.tensor_table->size())
        bad_at(q + "(" + std::to_string(id) + ") is outside the tensor table of " +
               std::to_string(ctx_.tensor_table->size()) + " tensors");
      return Value((*ctx_.tensor_table)[static_cast<size_t>(id)]);
    }
    if (q == "torch._utils._rebuild_parameter" || q == "torch._utils._rebuild_parameter_with_state") {
      const bool with_state = q == "torch._utils._rebuild_parameter_with_state";
      auto& a = args_tuple(args, q, with_state ? 4 : 3, with_state ? 4 : 3);
      if (!a[0].is_tensor() || !a[1].is_bool()) bad_at(q + " expects (Tensor, bool, hooks)");
      a[0].to_tensor().unsafe_impl()->requires_grad = a[1].to_bool();
      return a[0];
    }
    static const std::pair<const char*, TypeKind> lists[] = {
        {"torch.jit._pickle.build_intlist", TypeKind::Int},
        {"torch.jit._pickle.build_doublelist", TypeKind::Float},
        {"torch.jit._pickle.build_boollist", TypeKind::Bool},
        {"torch.jit._pickle.build_tensorlist", TypeKind::Tensor},
        {"torch.jit._pickle.build_genlist", TypeKind::Any},
        {"torch.jit._pickle.build_genericlist", TypeKind::Any},
    };
    for (const auto& [fname, kind] : lists) {
      if (q != fname) continue;
      auto& a = args_tuple(args, q, 1, 1);
      if (!a[0].is_list()) bad_at(q + " expects a list");
      const auto& list = a[0].to_list();
      list->elem_type = Type::get(kind);
      for (const auto& item : list->items)
        if (!value_fits(item, *list->elem_type))
          bad_at(q + " holds a " + std::string(item.tag_name()) + " item");
      return a[0];
    }
    if (q == "torch.jit._pickle.restore_type_tag") {
      auto& a = args_tuple(args, q, 2, 2);
      if (!a[1].is_string()) bad_at(q + " expects a type string");
      TypePtr t;
      try {
        t = parse_type_tag(a[1].to_string(), ctx_.resolve_class);
      } catch (const Error& e) {
        bad_at(e.what());
      }
      restore_type(a[0], t, a[1].to_string());
      return a[0];
    }
    if (q == "collections.OrderedDict") {
      auto& a = args_tuple(args, q, 0, 1);
      Value d(new_dict());
      if (!a.empty()) {
        // OrderedDict(list of (key, value) pairs).
        if (!a[0].is_list()) bad_at("collections.OrderedDict expects a list of pairs");
        for (const auto& kv : a[0].to_list()->items) {
          if (!kv.is_tuple() || kv.to_tuple()->items.size() != 2) bad_at("collections.OrderedDict expects a list of pairs");
          set_item(d, kv.to_tuple()->items[0], kv.to_tuple()->items[1]);
        }
      }
      return d;
    }
    if (q == "torch.device") {
      auto& a = args_tuple(args, q, 1, 2);
      if (!a[0].is_string()) bad_at("torch.device expects a string");
      Device d;
      try {
        d = Device::parse(a[0].to_string());
      } catch (const Error& e) {
        bad_at(e.what());
      }
      if (a.size() == 2) {
        if (!a[1].is_int() || a[1].to_int() < 0 || a[1].to_int() > std::numeric_limits<int>::max())
          bad_at("torch.device expects a device index");
        d.index = static_cast<int>(a[1].to_int());
      }
      return Value(d);
    }
    if (q == "builtins.complex" || q == "__builtin__.complex") {
      auto& a = args_tuple(args, q, 2, 2);
      if (!a[0].is_number() || !a[1].is_number()) bad_at("complex expects two numbers");
      return Value(std::complex<double>(a[0].to_number(), a[1].to_number()));
    }
    if (q == "torch.Size") {
      auto& a = args_tuple(args, q, 1, 1);
      if (!a[0].is_tuple()) bad_at("torch.Size expects a tuple");
      return a[0];
    }
    bad_at(q + " cannot be called");
  }

  void restore_type(Value& v, const TypePtr& t, const std::string& text) {
    if (t->kind == TypeKind::List && v.is_list()) {
      const auto& list = v.to_list();
      for (const auto& item : list->items)
        if (!value_fits(item, *t->contained[0]))
          bad_at("a list tagged " + text + " holds a " + std::string(item.tag_name()));
      list->elem_type = t->contained[0];
    } else if (t->kind == TypeKind::Dict && v.is_dict()) {
      const auto& dict = v.to_dict();
      dict->for_each([&](const Value& k, const Value& x) {
        if (!value_fits(k, *t->contained[0]) || !value_fits(x, *t->contained[1]))
          bad_at("a dict tagged " + text + " holds a " + std::string(k.tag_name()) + " -> " +
                 std::string(x.tag_name()) + " entry");
      });
      dict->key_type = t->contained[0];
      dict->value_type = t->contained[1];
    } else {
      bad_at("type tag " + text + " does not match a " + std::string(v.tag_name()));
    }
  }

  Value new_object(const Value& cls_value, const Value& args) {
    const GlobalRef* g = as_global(cls_value);
    if (g && !g->cls && g->qualname.rfind("__main__.", 0) == 0) {
      if (!args.is_tuple() || !args.to_tuple()->items.empty()) bad_at("NEWOBJ of " + g->qualname + " with arguments");
      return cls_value;  // completed by the BUILD that follows
    }
    if (!g || !g->cls) bad_at("NEWOBJ on something other than a TorchScript class");
    if (!args.is_tuple() || !args.to_tuple()->items.empty())
      bad_at("NEWOBJ of " + g->qualname + " with constructor arguments is not supported");
    auto obj = std::make_shared<Object>();
    obj->type = g->cls;
    return Value(std::move(obj));
  }

  void build(Value& target, Value state) {
    if (const GlobalRef* g = as_global(target); g && !g->cls) {
      if (g->qualname == "__main__.TensorID") {
        if (!state.is_int()) bad_at("__main__.TensorID expects a tensor id");
        const int64_t id = state.to_int();
        if (id < 0 || static_cast<uint64_t>(id) >= ctx_.tensor_table->size())
          bad_at("__main__.TensorID(" + std::to_string(id) + ") is outside the tensor table of " +
                 std::to_string(ctx_.tensor_table->size()) + " tensors");
        target = Value((*ctx_.tensor_table)[static_cast<size_t>(id)]);
        return;
      }
      if (g->qualname == "__main__.IntList") {
        if (!state.is_list()) bad_at("__main__.IntList expects a list");
        for (const auto& item : state.to_list()->items)
          if (!item.is_int()) bad_at("__main__.IntList holds a " + std::string(item.tag_name()) + " item");
        state.to_list()->elem_type = Type::get(TypeKind::Int);
        target = std::move(state);
        return;
      }
      bad_at("BUILD on global " + g->qualname);
    }
    if (target.is_object()) {
      const auto& obj = target.to_object();
      check_plain(state, "object state");
      if (state.is_dict()) {
        bool all_str = true;
        state.to_dict()->for_each([&](const Value& k, const Value&) { all_str = all_str && k.is_string(); });
        if (all_str) {
          state.to_dict()->for_each([&](const Value& k, const Value& v) { obj->set_attr(k.to_string(), v); });
          return;
        }
      }
      // Classes with __getstate__/__setstate__: the script runtime calls __setstate__ later.
      obj->pending_state = std::make_shared<Value>(std::move(state));
      return;
    }
    if (target.is_dict()) {
      // An OrderedDict's Python attributes (state_dict()._metadata) are not dict contents.
      return;
    }
    bad_at("BUILD on a " + std::string(target.tag_name()) + " is not supported");
  }

  // ---- tensors
  Value persistent_load(const Value& pid) {
    if (!pid.is_tuple()) bad_at("persistent id is not a tuple");
    const auto& t = pid.to_tuple()->items;
    // PyTorch 1.4 and earlier append a sixth item, the storage view (always None in TorchScript
    // archives); PyTorch's loader reads only the first five.
    if (t.size() == 6 && !t[5].is_none())
      bad_at("persistent id names a view of another storage, which TorchScript archives never hold");
    if ((t.size() != 5 && t.size() != 6) || !t[0].is_string() || t[0].to_string() != "storage")
      bad_at("persistent id is not ('storage', type, key, location, numel)");
    const GlobalRef* g = as_global(t[1]);
    DType dtype;
    if (!g || g->qualname.rfind("torch.", 0) != 0 || !dtype_from_storage_name(g->qualname.substr(6), &dtype))
      bad_at("persistent id names an unknown storage type");
    if (!t[2].is_string() || !t[3].is_string() || !t[4].is_int() || t[4].to_int() < 0)
      bad_at("persistent id is not ('storage', type, key, location, numel)");
    const std::string& key = t[2].to_string();
    const std::string where = ctx_.storage_dir + key;
    if (!ctx_.load_storage && !ctx_.load_storage_sized) bad_at("tensor storage '" + where + "' cannot appear in this pickle");
    const std::string& location = t[3].to_string();
    try {
      Device::parse(location);
    } catch (const Error& e) {
      bad_at("storage '" + where + "' has location '" + location + "': " + e.what());
    }
    std::shared_ptr<Storage> storage;
    auto it = storages_.find(key);
    if (it != storages_.end()) {
      storage = it->second;
    } else {
      if (ctx_.load_storage_sized) {
        const uint64_t claimed = static_cast<uint64_t>(t[4].to_int());
        if (claimed > (uint64_t{1} << 62) / element_size(dtype)) bad_at("storage '" + where + "' claims too many elements");
        storage = ctx_.load_storage_sized(claimed * element_size(dtype));
      } else {
        storage = ctx_.load_storage(key, dtype);
      }
      EMBER_ASSERT(storage, "load_storage returned null");
      storages_.emplace(key, storage);
    }
    if (reinterpret_cast<uintptr_t>(storage->data()) % element_size(dtype) != 0)
      bad_at("storage '" + where + "' is read as " + std::string(dtype_name(dtype)) + " but is not aligned for it");
    const uint64_t numel = static_cast<uint64_t>(t[4].to_int());
    const uint64_t esize = element_size(dtype);
    if (numel > storage->nbytes() / esize)
      bad_at("storage '" + where + "' holds " + std::to_string(storage->nbytes()) + " bytes but its record says " +
             std::to_string(numel) + " elements of " + std::string(dtype_name(dtype)));
    return make_capsule(kStorageCapsule, std::make_shared<StorageRef>(StorageRef{storage, dtype, key}));
  }

  Value rebuild_tensor(std::vector<Value>& a) {
    const StorageRef* s = capsule_as<StorageRef>(a[0], kStorageCapsule);
    if (!s) bad_at("_rebuild_tensor_v2's first argument is not a storage");
    const std::string where = "storage '" + ctx_.storage_dir + s->key + "'";
    if (!a[1].is_int() || a[1].to_int() < 0) bad_at("tensor on " + where + " has an invalid storage offset");
    if (!a[2].is_tuple() || !a[3].is_tuple()) bad_at("tensor on " + where + " has invalid sizes or strides");
    Shape sizes, strides;
    for (const auto& v : a[2].to_tuple()->items) {
      if (!v.is_int() || v.to_int() < 0) bad_at("tensor on " + where + " has an invalid size");
      sizes.push_back(v.to_int());
    }
    for (const auto& v : a[3].to_tuple()->items) {
      if (!v.is_int()) bad_at("tensor on " + where + " has an invalid stride");
      if (v.to_int() < 0) bad_at("tensor on " + where + " has a negative stride");
      strides.push_back(v.to_int());
    }
    if (sizes.size() != strides.size())
      bad_at("tensor on " + where + " has " + std::to_string(sizes.size()) + " sizes but " +
             std::to_string(strides.size()) + " strides");
    const int64_t offset = a[1].to_int();
    const uint64_t esize = element_size(s->dtype);
    const uint64_t capacity = s->storage->nbytes() / esize;
    // Element count and highest element reached, kept below 2^62 so nothing can wrap around.
    constexpr uint64_t kLimit = uint64_t{1} << 62;
    uint64_t numel = 1, last = static_cast<uint64_t>(offset);
    if (last > kLimit) bad_at("tensor on " + where + " has an invalid storage offset");
    for (int64_t size : sizes) {
      const uint64_t n = static_cast<uint64_t>(size);
      if (n != 0 && numel > kLimit / n)
        bad_at("tensor on " + where + " has sizes " + shape_string(sizes) + " whose element count overflows");
      numel *= n;
    }
    if (numel > 0) {
      for (size_t i = 0; i < sizes.size(); ++i) {
        const uint64_t n = static_cast<uint64_t>(sizes[i] - 1), st = static_cast<uint64_t>(strides[i]);
        if (st != 0 && n > (kLimit - last) / st) bad_at("tensor on " + where + " reaches past any possible storage");
        last += n * st;
      }
    }
    const uint64_t needed = numel == 0 ? static_cast<uint64_t>(offset) : last + 1;
    if (needed > capacity)
      bad_at(where + " holds " + std::to_string(s->storage->nbytes()) + " bytes but tensor needs " +
             (needed > UINT64_MAX / esize ? std::string("more than 2^64") : std::to_string(needed * esize)));
    if (!a[4].is_bool()) bad_at("tensor on " + where + " has an invalid requires_grad");
    Tensor t = Tensor::from_storage(s->storage, s->dtype, std::move(sizes), std::move(strides), offset);
    t.unsafe_impl()->requires_grad = a[4].to_bool();
    if (a.size() == 7 && a[6].is_dict()) t = apply_math_bits(t, *a[6].to_dict(), where);
    return Value(t);
  }

  // torch._utils._rebuild_qtensor(storage, offset, sizes, strides, quantizer_params,
  // requires_grad, backward_hooks): quantizer_params is (torch.per_tensor_affine, scale,
  // zero_point) or (torch.per_channel_affine[_float_qparams], scales, zero_points, axis). PyTorch
  // 1.3 wrote scale and zero_point in place of the tuple (eight arguments).
  Value rebuild_qtensor(std::vector<Value>& a) {
    const StorageRef* s = capsule_as<StorageRef>(a[0], kStorageCapsule);
    if (!s) bad_at("_rebuild_qtensor's first argument is not a storage");
    const std::string where = "quantized tensor on storage '" + ctx_.storage_dir + s->key + "'";
    if (!is_quantized(s->dtype))
      bad_at(where + " is stored as " + std::string(dtype_name(s->dtype)) + ", not a quantized dtype");
    auto q = std::make_shared<QuantParams>();
    std::vector<Value> plain = {a[0], a[1], a[2], a[3]};
    if (a.size() == 8) {
      if (!a[4].is_number() || !a[5].is_int()) bad_at(where + " has invalid (scale, zero_point)");
      q->scale = a[4].to_number();
      q->zero_point = a[5].to_int();
      plain.push_back(a[6]);
      plain.push_back(a[7]);
    } else {
      if (!a[4].is_tuple() || a[4].to_tuple()->items.empty() || !a[4].to_tuple()->items[0].is_int())
        bad_at(where + " has invalid quantizer parameters");
      const auto& p = a[4].to_tuple()->items;
      const int64_t scheme = p[0].to_int();
      if (scheme == static_cast<int64_t>(QScheme::PerTensorAffine)) {
        if (p.size() != 3 || !p[1].is_number() || !p[2].is_int())
          bad_at(where + " has invalid per-tensor parameters (expected scheme, scale, zero_point)");
        q->scale = p[1].to_number();
        q->zero_point = p[2].to_int();
      } else if (scheme == static_cast<int64_t>(QScheme::PerChannelAffine) ||
                 scheme == static_cast<int64_t>(QScheme::PerChannelAffineFloatQParams)) {
        if (p.size() != 4 || !p[1].is_tensor() || !p[2].is_tensor() || !p[3].is_int())
          bad_at(where + " has invalid per-channel parameters (expected scheme, scales, zero_points, axis)");
        q->scheme = static_cast<QScheme>(scheme);
        const bool float_zp = q->scheme == QScheme::PerChannelAffineFloatQParams;
        try {
          q->scales = p[1].to_tensor().to(DType::Float64).contiguous();
          q->zero_points = p[2].to_tensor().to(float_zp ? DType::Float64 : DType::Int64).contiguous();
        } catch (const Error& e) {
          bad_at(where + " has invalid per-channel parameters: " + e.what());
        }
        q->axis = p[3].to_int();
      } else {
        bad_at(where + " uses quantization scheme " + std::to_string(scheme) +
               ", which ember does not support (per_tensor_affine, per_channel_affine and "
               "per_channel_affine_float_qparams are)");
      }
      plain.push_back(a[5]);
      plain.push_back(a[6]);
    }
    if (!(q->scale > 0) && !q->per_channel()) bad_at(where + " has scale " + std::to_string(q->scale));
    if (s->dtype == DType::QUInt4x2) return rebuild_quint4x2(plain, std::move(q), where);
    Value t = rebuild_tensor(plain);
    try {
      return Value(make_quantized(t.to_tensor(), s->dtype, std::move(q)));
    } catch (const Error& e) {
      bad_at(where + ": " + e.what());
    }
  }

  // quint4x2 tensors (4-bit embedding tables) pack two values per byte along the flat contiguous
  // element order, low nibble first; the storage's size counts bytes. ember keeps one value per
  // byte, so the tensor is unpacked here. Only contiguous tensors at offset 0 are accepted.
  Value rebuild_quint4x2(std::vector<Value>& a, std::shared_ptr<QuantParams> q, const std::string& where) {
    const StorageRef* s = capsule_as<StorageRef>(a[0], kStorageCapsule);
    if (!a[1].is_int() || a[1].to_int() != 0) bad_at(where + " (quint4x2) must start at offset 0");
    if (!a[2].is_tuple() || !a[3].is_tuple()) bad_at(where + " has invalid sizes or strides");
    Shape sizes, strides;
    for (const auto& v : a[2].to_tuple()->items) {
      if (!v.is_int() || v.to_int() < 0) bad_at(where + " has an invalid size");
      sizes.push_back(v.to_int());
    }
    for (const auto& v : a[3].to_tuple()->items) {
      if (!v.is_int()) bad_at(where + " has an invalid stride");
      strides.push_back(v.to_int());
    }
    constexpr uint64_t kLimit = uint64_t{1} << 62;
    uint64_t numel = 1;
    for (int64_t size : sizes) {
      const auto n = static_cast<uint64_t>(size);
      if (n != 0 && numel > kLimit / n) bad_at(where + " has sizes " + shape_string(sizes) + " whose element count overflows");
      numel *= n;
    }
    if (numel > 0 && strides != contiguous_strides(sizes))
      bad_at(where + " (quint4x2) must be contiguous, got strides " + shape_string(strides) + " for sizes " + shape_string(sizes));
    const uint64_t bytes = (numel + 1) / 2;
    if (bytes > s->storage->nbytes())
      bad_at(where + " holds " + std::to_string(s->storage->nbytes()) + " bytes but a quint4x2 tensor of sizes " +
             shape_string(sizes) + " needs " + std::to_string(bytes));
    Tensor values = Tensor::empty_uninitialized(sizes, DType::UInt8);
    const auto* src = static_cast<const uint8_t*>(s->storage->data());
    auto* dst = static_cast<uint8_t*>(values.raw_data());
    for (uint64_t i = 0; i < numel; ++i) dst[i] = static_cast<uint8_t>((src[i / 2] >> (4 * (i % 2))) & 0xF);
    if (!a[4].is_bool()) bad_at(where + " has an invalid requires_grad");
    try {
      return Value(make_quantized(values, DType::QUInt4x2, std::move(q)));
    } catch (const Error& e) {
      bad_at(where + ": " + e.what());
    }
  }

  // PyTorch 1.10+ keeps conj() and neg() lazy as bits and pickles them in a metadata dict; ember
  // has no such bits, so the tensor is materialised.
  Tensor apply_math_bits(const Tensor& t, const Dict& meta, const std::string& where) {
    bool conj = false, neg = false;
    meta.for_each([&](const Value& k, const Value& v) {
      if (!k.is_string() || !v.is_bool()) bad_at("tensor on " + where + " has invalid metadata");
      if (k.to_string() == "conj") conj = v.to_bool();
      else if (k.to_string() == "neg") neg = v.to_bool();
      else bad_at("tensor on " + where + " has unsupported metadata '" + k.to_string() + "'");
    });
    if (!conj && !neg) return t;
    Tensor out = t.clone();
    out.unsafe_impl()->requires_grad = t.requires_grad();
    visit_dtype(out.dtype(), [&](auto zero) {
      using T = decltype(zero);
      T* p = static_cast<T*>(out.raw_data());
      for (int64_t i = 0; i < out.numel(); ++i) {
        if constexpr (is_std_complex<T>::value) {
          if (conj) p[i] = std::conj(p[i]);
          if (neg) p[i] = -p[i];
        } else if constexpr (std::is_same_v<T, bool>) {
          // neither bit applies to bool
        } else {
          if (neg) p[i] = scalar_cast<T>(-scalar_cast<double>(p[i]));
        }
      }
    });
    return out;
  }

  std::span<const uint8_t> data_;
  const UnpickleContext& ctx_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value> memo_;
  uint64_t items_ = 0;
  std::unordered_map<std::string, std::shared_ptr<Storage>> storages_;
  std::unordered_set<const void*> keep_;
};

}  // namespace

TypePtr parse_type_tag(std::string_view text,
                       const std::function<ClassTypePtr(const std::string&)>& resolve_class) {
  // The shared parser recurses per bracket; a hostile tag must not exhaust the stack.
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '(') ++depth;
    if (c == ']' || c == ')') --depth;
    if (depth > 64) fail("type string '", text.substr(0, 80), "...' is nested too deeply");
  }
  ember::ClassResolver resolve;
  if (resolve_class) {
    resolve = [&resolve_class](std::string_view name) -> TypePtr {
      if (name.rfind("__torch__.", 0) != 0) return nullptr;
      return Type::of_class(resolve_class(std::string(name)));
    };
  }
  return ember::parse_type_string(text, resolve);
}

Value unpickle(std::span<const uint8_t> data, const UnpickleContext& ctx) {
  Unpickler u(data, ctx);
  try {
    return u.run();
  } catch (const Error& e) {
    // Errors from shared code (dict hashing, device parsing) do not know which file they are in.
    std::string msg = e.what();
    if (msg.rfind(ctx.label, 0) != 0) throw Error(ctx.label + ": " + msg);
    throw;
  }
}

}  // namespace ember::archive
