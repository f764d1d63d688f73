// builtins_dict.cpp — Python dict methods over TorchScript's insertion-ordered dicts, one
// overload per key type as PyTorch declares them.
#include "ember/error.h"
#include "ops/builtins_util.h"
#include "ops/kernel_util.h"
#include "ops/registry.h"

namespace ember::ops {

namespace {
using DictPtr = std::shared_ptr<Dict>;

std::shared_ptr<Dict> copy_dict(const DictPtr& d) {
  auto out = std::make_shared<Dict>();
  out->key_type = d->key_type;
  out->value_type = d->value_type;
  d->for_each([&](const Value& k, const Value& v) { out->set(k, v); });
  return out;
}

[[noreturn]] void key_error(const Value& key) { fail("KeyError: ", python_str(key)); }
}  // namespace

void register_dict_ops(Registry& r) {
  for (const char* kt : {"str", "int", "bool", "float", "complex", "Tensor"}) {
    const std::string k = kt;
    const std::string d = "Dict(" + k + ", t)";
    r.add("aten::len.Dict_" + k + "(" + d + " self) -> int", wrap([](const DictPtr& m) { return static_cast<int64_t>(m->size()); }));
    r.add("aten::__getitem__.Dict_" + k + "(" + d + " self, " + k + " key) -> t(*)", wrap([](const DictPtr& m, const Value& key) {
            const Value* v = m->find(key);
            if (!v) key_error(key);
            return *v;
          }));
    r.add("aten::_set_item." + k + "(" + d + "(a!) l, " + k + "(b -> *) idx, t(c -> *) v) -> ()",
          wrap([](const DictPtr& m, const Value& key, const Value& v) { m->set(key, v); }));
    r.add("aten::get." + k + "(" + d + " self, " + k + " key) -> t(*)?", wrap([](const DictPtr& m, const Value& key) {
            const Value* v = m->find(key);
            return v ? *v : Value();
          }));
    r.add("aten::get.default_" + k + "(" + d + " self, " + k + " key, t default_value) -> t(*)",
          wrap([](const DictPtr& m, const Value& key, const Value& dflt) {
            const Value* v = m->find(key);
            return v ? *v : dflt;
          }));
    r.add("aten::setdefault." + k + "(" + d + "(a!) self, " + k + "(b -> *) key, t(c -> *) default_value) -> t(*)",
          wrap([](const DictPtr& m, const Value& key, const Value& dflt) {
            if (const Value* v = m->find(key)) return *v;
            m->set(key, dflt);
            return dflt;
          }));
    r.add("aten::pop.Dict_" + k + "(" + d + "(a!) self, " + k + " key) -> t(*)", wrap([](const DictPtr& m, const Value& key) {
            const Value* v = m->find(key);
            if (!v) key_error(key);
            Value out = *v;
            m->erase(key);
            return out;
          }));
    r.add("aten::pop.Dict_default_" + k + "(" + d + "(a!) self, " + k + " key, t default_value) -> t(*)",
          wrap([](const DictPtr& m, const Value& key, const Value& dflt) {
            const Value* v = m->find(key);
            if (!v) return dflt;
            Value out = *v;
            m->erase(key);
            return out;
          }));
    r.add("aten::Delete.Dict_" + k + "(" + d + "(a!) self, " + k + " key) -> ()", wrap([](const DictPtr& m, const Value& key) {
            if (!m->erase(key)) key_error(key);
          }));
    r.add("aten::popitem." + k + "(" + d + "(a!) self) -> ((" + k + ", t))", wrap([](const DictPtr& m) {
            if (m->size() == 0) fail("popitem(): dictionary is empty");
            // TorchScript pops the first-inserted item (Python pops the last).
            auto items = m->items();
            auto first = items.front();
            m->erase(first.first);
            return make_tuple({first.first, first.second});
          }));
    r.add("aten::keys." + k + "(" + d + " self) -> " + k + "[](*)", wrap([](const DictPtr& m) {
            auto out = make_list(m->key_type);
            m->for_each([&](const Value& key, const Value&) { out->items.push_back(key); });
            return out;
          }));
    r.add("aten::values." + k + "(" + d + " self) -> t[](*)", wrap([](const DictPtr& m) {
            auto out = make_list(m->value_type);
            m->for_each([&](const Value&, const Value& v) { out->items.push_back(v); });
            return out;
          }));
    r.add("aten::items." + k + "(" + d + " self) -> ((" + k + ", t)[])", wrap([](const DictPtr& m) {
            auto out = make_list(Type::tuple({m->key_type, m->value_type}));
            m->for_each([&](const Value& key, const Value& v) { out->items.push_back(Value(make_tuple({key, v}))); });
            return out;
          }));
    r.add("aten::__contains__." + k + "(" + d + " dict, " + k + " key) -> bool",
          wrap([](const DictPtr& m, const Value& key) { return m->find(key) != nullptr; }));
    r.add("aten::copy.Dict_" + k + "(" + d + "(a) self) -> " + d, wrap(copy_dict));
    r.add("aten::dict.Dict_" + k + "(" + d + "(a) self) -> " + d, wrap(copy_dict));
    r.add("aten::clear." + k + "(" + d + "(a!) self) -> ()", wrap([](const DictPtr& m) { m->clear(); }));
    r.add("aten::update." + k + "(" + d + "(a!) self, " + d + "(a!) to_add) -> ()", wrap([](const DictPtr& m, const DictPtr& o) {
            o->for_each([&](const Value& key, const Value& v) { m->set(key, v); });
          }));
    r.add("aten::dict." + k + "((" + k + ", tVal)[] inputs) -> Dict(" + k + ", tVal)", wrap([](const std::shared_ptr<List>& l) {
            auto out = std::make_shared<Dict>();
            const Type& pair = *l->elem_type;
            bool typed = pair.kind == TypeKind::Tuple && pair.contained.size() == 2;
            out->key_type = typed ? pair.contained[0] : Type::get(TypeKind::Any);
            out->value_type = typed ? pair.contained[1] : Type::get(TypeKind::Any);
            for (const auto& item : l->items) {
              const auto& t = item.to_tuple()->items;
              out->set(t.at(0), t.at(1));
            }
            return out;
          }));
  }
}

}  // namespace ember::ops
