// legacy_archive.cpp — model.json archives (PyTorch 1.0-1.2), read as PyTorch's legacy importer
// reads them.
//
// Facts relied on, and where they come from:
//  - Which archives: the importer (torch/csrc/jit/serialization/import.cpp) takes the legacy path
//    whenever the zip holds `model.json`; such archives carry `version` = 1 (PyTorchStreamWriter's
//    first file format version), so the version-4 upgraders (integer aten::div truncates) apply.
//  - model.json is torch.ModelDef (caffe2/proto/torch.proto) in protobuf's JSON mapping, parsed
//    with unknown fields ignored (import_legacy.cpp LEGACY_deserialize): protoVersion,
//    mainModule, producerName, producerVersion, tensors. int64 fields are JSON strings (as
//    BinaryToJsonString printed them) or numbers; enums are names or numbers. protoVersion must
//    be below 6 (AT_ASSERT(proto_version < 6)).
//  - TensorDef (LEGACY_loadTensor): dims, offset, strides, requiresGrad, dataType (caffe2
//    TensorProto.DataType: FLOAT 1, INT32 2, BYTE 3, BOOL 5, UINT8 6, INT8 7, INT16 9, INT64 10,
//    FLOAT16 12, DOUBLE 13), data.key (the storage record, shared by every tensor naming it),
//    device (required; "cpu" or "cuda[:n]", loaded onto the CPU here), isQuantized/scale/
//    zeroPoint (1.2's quantized tensors; not supported here).
//  - attributes.pkl is read for protoVersion 2 (a list) and >= 3 (a tuple); its tensors are
//    torch.jit._pickle.build_tensor_from_id(id) references into the tensor table.
//  - ModuleDef (LEGACY_convertModule): the class of a module is `__torch__` followed by the atoms
//    of every enclosing module's name and its own (names split at '.', all-digit atoms prefixed
//    with '_'); submodules are registered first, then parameters (ParameterDef name, tensorId,
//    isBuffer), then attributes (AttributeDef type string, name, id into attributes.pkl; -1 for
//    none; skipped when a buffer of that name exists); torchscriptArena.key names the module's
//    methods, a file of bare `def`s with `self` the module (an `op_version_set = N` line and
//    `import` lines first); getStateAttributeId names the value passed to __setstate__.
//  - CONSTANTS.cN in the code is entry N of the whole tensor table (SourceImporter's constant
//    table is the tensor table): parameters and constants share one numbering.
#include "archive/legacy_archive.h"

#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "archive/json.h"
#include "archive/unpickler.h"
#include "tensor/impl.h"
#include "values/value_match.h"

namespace ember::archive {

namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool dtype_of_data_type(const Json& j, DType* out) {
  struct Entry {
    const char* name;
    int number;
    DType dtype;
  };
  static const Entry table[] = {
      {"FLOAT", 1, DType::Float32}, {"INT32", 2, DType::Int32}, {"BYTE", 3, DType::UInt8},
      {"BOOL", 5, DType::Bool},     {"UINT8", 6, DType::UInt8}, {"INT8", 7, DType::Int8},
      {"INT16", 9, DType::Int16},   {"INT64", 10, DType::Int64}, {"FLOAT16", 12, DType::Float16},
      {"DOUBLE", 13, DType::Float64},
  };
  for (const Entry& e : table) {
    if ((j.kind == Json::Kind::String && j.text == e.name) ||
        (j.kind == Json::Kind::Number && j.text == std::to_string(e.number))) {
      *out = e.dtype;
      return true;
    }
  }
  return false;
}

class ModelJsonReader {
 public:
  ModelJsonReader(const ZipReader& zip, const ArchiveLimits& limits, ArchiveContents& out)
      : zip_(zip), limits_(limits), out_(out) {}

  void run() {
    const std::string label = zip_.path() + ": model.json";
    const Json model = parse_json(zip_.read("model.json"), label);
    if (model.kind != Json::Kind::Object) bad("holds " + std::string(model.kind_name()) + ", not an object");
    const int64_t proto = integer(member_or_null(model, "protoVersion"), "protoVersion", 0);
    if (proto < 1 || proto > 5)
      bad("protoVersion " + std::to_string(proto) + " is not one PyTorch 1.0-1.2 wrote (1 to 5)");
    out_.producer.proto_version = proto;
    out_.producer.producer_name = string(member_or_null(model, "producerName"), "producerName", "");
    out_.producer.producer_version = string(member_or_null(model, "producerVersion"), "producerVersion", "");

    if (const Json* tensors = model.find("tensors")) {
      if (tensors->kind != Json::Kind::Array) bad("tensors is " + std::string(tensors->kind_name()) + ", not an array");
      for (size_t i = 0; i < tensors->items.size(); ++i) table_.push_back(tensor(tensors->items[i], i));
    }
    if (proto >= 2) read_attributes(proto);

    const Json* main = model.find("mainModule");
    if (!main || main->kind != Json::Kind::Object) bad("has no mainModule object");
    std::vector<std::string> stack{"__torch__"};
    out_.root = module(*main, stack, "mainModule");

    std::vector<Value> constants;
    for (const Tensor& t : table_) constants.emplace_back(t);
    out_.constants = Value(make_tuple(std::move(constants)));
  }

 private:
  [[noreturn]] void bad(const std::string& what) const { fail(zip_.path(), ": model.json: ", what); }

  static const Json& member_or_null(const Json& o, std::string_view key) {
    static const Json null;
    const Json* j = o.find(key);
    return j ? *j : null;
  }

  int64_t integer(const Json& j, const std::string& what, int64_t absent) const {
    if (j.kind == Json::Kind::Null) return absent;
    if (j.kind != Json::Kind::String && j.kind != Json::Kind::Number)
      bad(what + " is " + std::string(j.kind_name()) + ", not an integer");
    int64_t v = 0;
    const char* b = j.text.data();
    const char* e = b + j.text.size();
    auto [p, ec] = std::from_chars(b, e, v);
    if (j.text.empty() || ec != std::errc() || p != e)
      bad(what + " is '" + j.text.substr(0, 40) + "', not a 64-bit integer");
    return v;
  }

  std::string string(const Json& j, const std::string& what, const char* absent) const {
    if (j.kind == Json::Kind::Null && absent) return absent;
    if (j.kind != Json::Kind::String) bad(what + " is " + std::string(j.kind_name()) + ", not a string");
    return j.text;
  }

  bool boolean(const Json& j, const std::string& what) const {
    if (j.kind == Json::Kind::Null) return false;
    if (j.kind != Json::Kind::Bool) bad(what + " is " + std::string(j.kind_name()) + ", not a boolean");
    return j.boolean;
  }

  const std::vector<Json>& array(const Json& o, std::string_view key, const std::string& what) const {
    static const std::vector<Json> none;
    const Json* j = o.find(key);
    if (!j) return none;
    if (j->kind != Json::Kind::Array) bad(what + "." + std::string(key) + " is " + j->kind_name() + ", not an array");
    return j->items;
  }

  Shape int_list(const Json& o, std::string_view key, const std::string& what) const {
    Shape out;
    for (const Json& x : array(o, key, what)) out.push_back(integer(x, what + "." + std::string(key), 0));
    return out;
  }

  Tensor tensor(const Json& td, size_t index) {
    const std::string what = "tensors[" + std::to_string(index) + "]";
    if (td.kind != Json::Kind::Object) bad(what + " is " + std::string(td.kind_name()) + ", not an object");
    Shape sizes = int_list(td, "dims", what), strides = int_list(td, "strides", what);
    const int64_t offset = integer(member_or_null(td, "offset"), what + ".offset", 0);
    DType dtype;
    const Json& type = member_or_null(td, "dataType");
    if (!dtype_of_data_type(type, &dtype))
      bad(what + " has dataType " + (type.kind == Json::Kind::Null ? std::string("(none)") : "'" + type.text.substr(0, 40) + "'") +
          ", which no tensor of PyTorch has (FLOAT, DOUBLE, FLOAT16, INT64, INT32, INT16, INT8, UINT8, BYTE, BOOL)");
    if (boolean(member_or_null(td, "isQuantized"), what + ".isQuantized"))
      bad(what + " is a quantized tensor (isQuantized), which ember does not read from model.json archives");
    const std::string device = string(member_or_null(td, "device"), what + ".device", "");
    if (device.empty()) bad(what + " has no device");
    if (device != "cpu" && device != "cuda" && device.rfind("cuda:", 0) != 0)
      bad(what + " is on device '" + device.substr(0, 40) + "'; PyTorch loads these files on cpu or cuda only");
    const Json* data = td.find("data");
    if (!data || data->kind != Json::Kind::Object) bad(what + " has no data record");
    const std::string key = string(member_or_null(*data, "key"), what + ".data.key", nullptr);
    auto& shared = storages_[key];
    if (!shared) {
      const ZipEntry* e = zip_.find(key);
      if (!e) bad(what + " names storage record '" + key.substr(0, 200) + "', which the archive does not hold");
      shared = zip_.storage(*e, 8);
      out_.tensor_bytes += shared->nbytes();
    }
    // A bool view gets its own normalised bytes; other tensors on the storage keep the file's.
    std::shared_ptr<Storage> storage = dtype == DType::Bool ? normalised_bools(shared) : shared;
    for (int64_t s : sizes)
      if (s < 0) bad(what + " has a negative size in dims " + shape_string(sizes));
    try {
      Tensor t = Tensor::from_storage(storage, dtype, std::move(sizes), std::move(strides), offset);
      t.unsafe_impl()->requires_grad = boolean(member_or_null(td, "requiresGrad"), what + ".requiresGrad");
      return t;
    } catch (const Error& e) {
      bad(what + " (storage '" + key.substr(0, 200) + "'): " + e.what());
    }
  }

  void read_attributes(int64_t proto) {
    if (!zip_.has("attributes.pkl")) bad("protoVersion " + std::to_string(proto) + " archives hold attributes.pkl, this one does not");
    const std::string bytes = zip_.read("attributes.pkl");
    UnpickleContext ctx;
    ctx.max_items = limits_.max_pickle_items;
    ctx.label = zip_.path() + ": attributes.pkl";
    ctx.tensor_table = &table_;
    ctx.resolve_class = [this](const std::string& q) { return resolve(q); };
    Value v = unpickle(bytes_of(bytes), ctx);
    // protoVersion 2 wrote a list, later ones a tuple (LEGACY_deserialize reads toList / toTuple).
    if (proto == 2 ? !v.is_list() : !v.is_tuple())
      fail(ctx.label, ": holds a ", v.tag_name(), ", not the ", proto == 2 ? "list" : "tuple", " protoVersion ", proto, " archives have");
    attributes_ = proto == 2 ? v.to_list()->items : v.to_tuple()->items;
  }

  ClassTypePtr resolve(const std::string& q) {
    auto& slot = out_.classes[q];
    if (!slot) {
      slot = std::make_shared<ClassType>();
      slot->qualname = q;
    }
    return slot;
  }

  // Nesting is bounded by the JSON reader's depth limit (three JSON levels per module level).
  Value module(const Json& md, std::vector<std::string>& stack, const std::string& what) {
    const std::string name = string(member_or_null(md, "name"), what + ".name", nullptr);
    // LEGACY_convertModule: the name's atoms (split at '.'), all-digit ones prefixed with '_'.
    size_t pushed = 0;
    for (size_t start = 0;;) {
      const size_t dot = name.find('.', start);
      std::string atom = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (atom.empty()) bad(what + " has the name '" + name.substr(0, 100) + "', which has an empty part");
      for (char c : atom)
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\')
          bad(what + " has a name with a control character, quote or backslash");
      if (atom.find_first_not_of("0123456789") == std::string::npos) atom = "_" + atom;
      stack.push_back(std::move(atom));
      ++pushed;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string qualname;
    for (const auto& a : stack) qualname += (qualname.empty() ? "" : ".") + a;
    if (out_.classes.count(qualname)) bad("two modules would both be class '" + qualname.substr(0, 200) + "'");
    ClassTypePtr cls = resolve(qualname);
    cls->kind = ClassKind::Module;
    auto obj = std::make_shared<Object>();
    obj->type = cls;
    std::unordered_set<std::string> names;  // ClassType::find_attribute scans; a module may have many
    auto add = [&](const std::string& attr, TypePtr type, Value v, const std::string& kind) {
      if (!names.insert(attr).second)
        bad(what + " (" + name.substr(0, 100) + ") has two members named '" + attr.substr(0, 100) + "' (the second a " + kind + ")");
      cls->add_attribute(attr, std::move(type));
      obj->slots.push_back(std::move(v));
    };
    const auto& subs = array(md, "submodules", what);
    for (size_t i = 0; i < subs.size(); ++i) {
      const std::string sub_what = what + ".submodules[" + std::to_string(i) + "]";
      if (subs[i].kind != Json::Kind::Object) bad(sub_what + " is " + std::string(subs[i].kind_name()) + ", not an object");
      Value child = module(subs[i], stack, sub_what);
      const std::string sub_name = string(member_or_null(subs[i], "name"), sub_what + ".name", nullptr);
      TypePtr type = Type::of_class(child.to_object()->type);
      add(sub_name, std::move(type), std::move(child), "submodule");
    }
    const auto& params = array(md, "parameters", what);
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string p_what = what + ".parameters[" + std::to_string(i) + "]";
      const Json& p = params[i];
      if (p.kind != Json::Kind::Object) bad(p_what + " is " + std::string(p.kind_name()) + ", not an object");
      const std::string pname = string(member_or_null(p, "name"), p_what + ".name", nullptr);
      const int64_t id = integer(member_or_null(p, "tensorId"), p_what + ".tensorId", 0);
      if (id < 0 || static_cast<uint64_t>(id) >= table_.size())
        bad(p_what + " (" + pname.substr(0, 100) + ") names tensor " + std::to_string(id) + " but the tensor table holds " +
            std::to_string(table_.size()));
      const bool buffer = boolean(member_or_null(p, "isBuffer"), p_what + ".isBuffer");
      add(pname, Type::get(TypeKind::Tensor), Value(table_[static_cast<size_t>(id)]), buffer ? "buffer" : "parameter");
      auto& a = cls->attributes.back();
      (buffer ? a.is_buffer : a.is_parameter) = true;
    }
    const auto& attrs = array(md, "attributes", what);
    for (size_t i = 0; i < attrs.size(); ++i) {
      const std::string a_what = what + ".attributes[" + std::to_string(i) + "]";
      const Json& a = attrs[i];
      if (a.kind != Json::Kind::Object) bad(a_what + " is " + std::string(a.kind_name()) + ", not an object");
      const std::string aname = string(member_or_null(a, "name"), a_what + ".name", nullptr);
      if (names.count(aname)) continue;  // a buffer registered above (as PyTorch skips it)
      const std::string type_text = string(member_or_null(a, "type"), a_what + ".type", nullptr);
      TypePtr type;
      try {
        type = parse_type_tag(type_text, [this](const std::string& q) { return resolve(q); });
      } catch (const Error& e) {
        bad(a_what + " (" + aname.substr(0, 100) + ") has type '" + type_text.substr(0, 100) + "': " + e.what());
      }
      const int64_t id = integer(member_or_null(a, "id"), a_what + ".id", 0);
      Value v;
      if (id >= 0) {
        if (static_cast<uint64_t>(id) >= attributes_.size())
          bad(a_what + " (" + aname.substr(0, 100) + ") names attribute value " + std::to_string(id) +
              " but attributes.pkl holds " + std::to_string(attributes_.size()));
        v = attributes_[static_cast<size_t>(id)];
        if (!value_matches(v, *type))
          bad(a_what + " (" + aname.substr(0, 100) + ") is declared " + type->str() + " but attributes.pkl holds a " +
              std::string(v.tag_name()));
        v = typed_as(std::move(v), type);
      }
      add(aname, std::move(type), std::move(v), "attribute");
    }
    if (const Json* arena = md.find("torchscriptArena")) {
      if (arena->kind != Json::Kind::Object) bad(what + ".torchscriptArena is not an object");
      const std::string key = string(member_or_null(*arena, "key"), what + ".torchscriptArena.key", nullptr);
      const ZipEntry* e = zip_.find(key);
      if (!e) bad(what + " (" + name.substr(0, 100) + ") has its code in '" + key.substr(0, 200) + "', which the archive does not hold");
      out_.module_code[qualname] = ModuleCode{key, zip_.read(*e)};
    }
    if (const Json* state = md.find("getStateAttributeId")) {
      const int64_t id = integer(*state, what + ".getStateAttributeId", 0);
      if (id < 0 || static_cast<uint64_t>(id) >= attributes_.size())
        bad(what + ".getStateAttributeId " + std::to_string(id) + " is outside attributes.pkl's " +
            std::to_string(attributes_.size()) + " values");
      obj->pending_state = std::make_shared<Value>(attributes_[static_cast<size_t>(id)]);
    }
    stack.resize(stack.size() - pushed);
    return Value(obj);
  }

  const ZipReader& zip_;
  const ArchiveLimits& limits_;
  ArchiveContents& out_;
  std::vector<Tensor> table_;
  std::vector<Value> attributes_;
  std::unordered_map<std::string, std::shared_ptr<Storage>> storages_;
};

}  // namespace

void read_model_json(const ZipReader& zip, const ArchiveLimits& limits, ArchiveContents& out) {
  ModelJsonReader(zip, limits, out).run();
}

}  // namespace ember::archive
