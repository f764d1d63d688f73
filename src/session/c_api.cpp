// c_api.cpp — ember/ember_c.h over the C++ API: handles wrap Module and Value, every entry point
// catches everything so no exception crosses into C, and errors land in a per-thread message.
#include "ember/ember_c.h"

#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <new>

#include "ember/ember.h"

struct ember_module {
  ember::Module module;
  // Strings handed out by the inspection calls, kept as long as the handle.
  std::mutex mu;
  std::map<std::string, std::string> strings;
  const char* keep(const std::string& key, std::string value) {
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = strings[key];
    slot = std::move(value);
    return slot.c_str();
  }
};

struct ember_value {
  ember::Value value;
  // The contiguous copy ember_tensor_data hands out for strided tensors.
  std::once_flag contiguous_once;
  ember::Tensor contiguous;
};

namespace {

thread_local std::string last_error;

ember_status set_error(ember_status s, std::string msg) {
  last_error = std::move(msg);
  return s;
}

template <class F>
ember_status guarded(F&& f) {
  try {
    return f();
  } catch (const ember::Error& e) {
    return set_error(EMBER_ERROR, e.what());
  } catch (const std::bad_alloc&) {
    return set_error(EMBER_ERROR, "out of memory");
  } catch (const std::exception& e) {
    return set_error(EMBER_ERROR, e.what());
  } catch (...) {
    return set_error(EMBER_ERROR, "unknown error");
  }
}

#define EMBER_C_REQUIRE(cond, what) \
  if (!(cond)) return set_error(EMBER_INVALID_ARGUMENT, what)

ember_value* wrap(ember::Value v) {
  auto* h = new (std::nothrow) ember_value;
  if (h) h->value = std::move(v);
  return h;
}

ember_status wrap_out(ember::Value v, ember_value** out) {
  *out = wrap(std::move(v));
  return *out ? EMBER_OK : set_error(EMBER_ERROR, "out of memory");
}

ember::Method method_of(const ember_module* m, const char* method) {
  return m->module.get_method(method);
}

}  // namespace

extern "C" {

const char* ember_last_error(void) { return last_error.c_str(); }

int ember_api_version(void) { return EMBER_C_API_VERSION; }

ember_status ember_set_num_threads(int n) {
  return guarded([&] {
    ember::set_num_threads(n);
    return EMBER_OK;
  });
}

ember_status ember_load(const char* path, ember_module** out) {
  EMBER_C_REQUIRE(path && out, "ember_load: path and out must not be null");
  *out = nullptr;
  return guarded([&] {
    *out = new ember_module{ember::load(path), {}, {}};
    return EMBER_OK;
  });
}

ember_status ember_load_from_memory(const void* data, size_t size, ember_module** out) {
  EMBER_C_REQUIRE((data || !size) && out, "ember_load_from_memory: data and out must not be null");
  *out = nullptr;
  return guarded([&] {
    *out = new ember_module{ember::load_from_memory(data, size), {}, {}};
    return EMBER_OK;
  });
}

void ember_module_free(ember_module* m) { delete m; }

ember_status ember_module_set_training(ember_module* m, int training) {
  EMBER_C_REQUIRE(m, "ember_module_set_training: null module");
  return guarded([&] {
    m->module.train(training != 0);
    return EMBER_OK;
  });
}

ember_status ember_module_method_count(const ember_module* m, size_t* count) {
  EMBER_C_REQUIRE(m && count, "ember_module_method_count: null argument");
  return guarded([&] {
    *count = m->module.methods().size();
    return EMBER_OK;
  });
}

ember_status ember_module_method_name(const ember_module* m, size_t index, const char** name) {
  EMBER_C_REQUIRE(m && name, "ember_module_method_name: null argument");
  return guarded([&] {
    auto methods = m->module.methods();
    if (index >= methods.size())
      return set_error(EMBER_INVALID_ARGUMENT, "ember_module_method_name: index " + std::to_string(index) +
                                                   " is out of range for " + std::to_string(methods.size()) + " methods");
    *name = const_cast<ember_module*>(m)->keep("name:" + std::to_string(index), methods[index].name);
    return EMBER_OK;
  });
}

ember_status ember_module_method_signature(const ember_module* m, const char* method, const char** signature) {
  EMBER_C_REQUIRE(m && method && signature, "ember_module_method_signature: null argument");
  return guarded([&] {
    *signature = const_cast<ember_module*>(m)->keep(std::string("sig:") + method, method_of(m, method).signature());
    return EMBER_OK;
  });
}

ember_status ember_module_argument_count(const ember_module* m, const char* method, size_t* count) {
  EMBER_C_REQUIRE(m && method && count, "ember_module_argument_count: null argument");
  return guarded([&] {
    *count = method_of(m, method).arguments().size();
    return EMBER_OK;
  });
}

ember_status ember_module_argument(const ember_module* m, const char* method, size_t index, const char** name,
                                   const char** type, int* has_default) {
  EMBER_C_REQUIRE(m && method, "ember_module_argument: null argument");
  return guarded([&] {
    auto args = method_of(m, method).arguments();
    if (index >= args.size())
      return set_error(EMBER_INVALID_ARGUMENT, std::string("ember_module_argument: ") + method + " has " +
                                                   std::to_string(args.size()) + " arguments, no index " +
                                                   std::to_string(index));
    auto* mm = const_cast<ember_module*>(m);
    const std::string key = std::string(method) + "#" + std::to_string(index);
    if (name) *name = mm->keep("argname:" + key, args[index].name);
    if (type) *type = mm->keep("argtype:" + key, args[index].type);
    if (has_default) *has_default = args[index].has_default ? 1 : 0;
    return EMBER_OK;
  });
}

ember_status ember_module_return_type(const ember_module* m, const char* method, const char** type) {
  EMBER_C_REQUIRE(m && method && type, "ember_module_return_type: null argument");
  return guarded([&] {
    *type = const_cast<ember_module*>(m)->keep(std::string("ret:") + method, method_of(m, method).return_type());
    return EMBER_OK;
  });
}

ember_status ember_module_run(ember_module* m, const char* method, ember_value* const* inputs, size_t num_inputs,
                              ember_value** output) {
  EMBER_C_REQUIRE(m && method && output && (inputs || !num_inputs), "ember_module_run: null argument");
  *output = nullptr;
  return guarded([&] {
    std::vector<ember::Value> args;
    args.reserve(num_inputs);
    for (size_t i = 0; i < num_inputs; ++i) {
      if (!inputs[i]) return set_error(EMBER_INVALID_ARGUMENT, "ember_module_run: input " + std::to_string(i) + " is null");
      args.push_back(inputs[i]->value);
    }
    return wrap_out(m->module.run_method(method, std::move(args)), output);
  });
}

ember_status ember_tensor_new(ember_dtype dtype, const int64_t* sizes, size_t ndim, const void* data,
                              ember_value** out) {
  EMBER_C_REQUIRE(out && (sizes || !ndim), "ember_tensor_new: null argument");
  *out = nullptr;
  return guarded([&] {
    ember::DType dt;
    if (!ember::dtype_from_number(static_cast<int64_t>(dtype), &dt))
      return set_error(EMBER_INVALID_ARGUMENT, "ember_tensor_new: unknown dtype " + std::to_string(static_cast<int>(dtype)));
    ember::Tensor t = ember::Tensor::empty(std::span<const int64_t>(sizes, ndim), dt);
    if (t.nbytes()) {
      if (!data) return set_error(EMBER_INVALID_ARGUMENT, "ember_tensor_new: null data for a non-empty tensor");
      std::memcpy(t.raw_data(), data, t.nbytes());
    }
    return wrap_out(ember::Value(t), out);
  });
}

ember_value* ember_value_none(void) { return wrap(ember::Value()); }
ember_value* ember_value_bool(int v) { return wrap(ember::Value(v != 0)); }
ember_value* ember_value_int(int64_t v) { return wrap(ember::Value(v)); }
ember_value* ember_value_float(double v) { return wrap(ember::Value(v)); }
ember_value* ember_value_string(const char* utf8) { return utf8 ? wrap(ember::Value(std::string(utf8))) : nullptr; }

ember_status ember_value_list(ember_value* const* items, size_t n, ember_value** out) {
  EMBER_C_REQUIRE(out && (items || !n), "ember_value_list: null argument");
  return guarded([&] {
    std::vector<ember::Value> v;
    for (size_t i = 0; i < n; ++i) {
      if (!items[i]) return set_error(EMBER_INVALID_ARGUMENT, "ember_value_list: item " + std::to_string(i) + " is null");
      v.push_back(items[i]->value);
    }
    return wrap_out(ember::list_value(std::move(v)), out);
  });
}

ember_status ember_value_tuple(ember_value* const* items, size_t n, ember_value** out) {
  EMBER_C_REQUIRE(out && (items || !n), "ember_value_tuple: null argument");
  return guarded([&] {
    std::vector<ember::Value> v;
    for (size_t i = 0; i < n; ++i) {
      if (!items[i]) return set_error(EMBER_INVALID_ARGUMENT, "ember_value_tuple: item " + std::to_string(i) + " is null");
      v.push_back(items[i]->value);
    }
    return wrap_out(ember::tuple_value(std::move(v)), out);
  });
}

void ember_value_free(ember_value* v) { delete v; }

ember_kind ember_value_kind(const ember_value* v) {
  if (!v) return EMBER_KIND_OTHER;
  switch (v->value.tag()) {
    case ember::ValueTag::None: return EMBER_KIND_NONE;
    case ember::ValueTag::Bool: return EMBER_KIND_BOOL;
    case ember::ValueTag::Int: return EMBER_KIND_INT;
    case ember::ValueTag::Double: return EMBER_KIND_FLOAT;
    case ember::ValueTag::String: return EMBER_KIND_STRING;
    case ember::ValueTag::Tensor: return EMBER_KIND_TENSOR;
    case ember::ValueTag::List: return EMBER_KIND_LIST;
    case ember::ValueTag::Tuple: return EMBER_KIND_TUPLE;
    case ember::ValueTag::Dict: return EMBER_KIND_DICT;
    default: return EMBER_KIND_OTHER;
  }
}

namespace {
ember_status wrong_kind(const ember_value* v, const char* want) {
  return set_error(EMBER_WRONG_KIND,
                   std::string("expected ") + want + " but the value is " + std::string(v->value.tag_name()));
}
}  // namespace

ember_status ember_value_get_bool(const ember_value* v, int* out) {
  EMBER_C_REQUIRE(v && out, "ember_value_get_bool: null argument");
  if (!v->value.is_bool()) return wrong_kind(v, "bool");
  *out = v->value.to_bool() ? 1 : 0;
  return EMBER_OK;
}

ember_status ember_value_get_int(const ember_value* v, int64_t* out) {
  EMBER_C_REQUIRE(v && out, "ember_value_get_int: null argument");
  if (!v->value.is_int()) return wrong_kind(v, "int");
  *out = v->value.to_int();
  return EMBER_OK;
}

ember_status ember_value_get_float(const ember_value* v, double* out) {
  EMBER_C_REQUIRE(v && out, "ember_value_get_float: null argument");
  if (v->value.is_int()) *out = static_cast<double>(v->value.to_int());
  else if (v->value.is_double()) *out = v->value.to_double();
  else return wrong_kind(v, "float");
  return EMBER_OK;
}

ember_status ember_value_get_string(const ember_value* v, const char** out) {
  EMBER_C_REQUIRE(v && out, "ember_value_get_string: null argument");
  if (!v->value.is_string()) return wrong_kind(v, "str");
  *out = v->value.to_string().c_str();
  return EMBER_OK;
}

ember_status ember_value_len(const ember_value* v, size_t* out) {
  EMBER_C_REQUIRE(v && out, "ember_value_len: null argument");
  if (v->value.is_list()) *out = v->value.to_list()->items.size();
  else if (v->value.is_tuple()) *out = v->value.to_tuple()->items.size();
  else if (v->value.is_dict()) *out = v->value.to_dict()->size();
  else return wrong_kind(v, "a list, tuple or dict");
  return EMBER_OK;
}

ember_status ember_value_item(const ember_value* v, size_t index, ember_value** out) {
  EMBER_C_REQUIRE(v && out, "ember_value_item: null argument");
  *out = nullptr;
  return guarded([&] {
    const ember::Value& x = v->value;
    size_t n = 0;
    if (x.is_list()) n = x.to_list()->items.size();
    else if (x.is_tuple()) n = x.to_tuple()->items.size();
    else if (x.is_dict()) n = x.to_dict()->size();
    else return wrong_kind(v, "a list, tuple or dict");
    if (index >= n)
      return set_error(EMBER_INVALID_ARGUMENT, "ember_value_item: index " + std::to_string(index) + " is out of range for " +
                                                   std::to_string(n) + " items");
    if (x.is_list()) return wrap_out(x.to_list()->items[index], out);
    if (x.is_tuple()) return wrap_out(x.to_tuple()->items[index], out);
    return wrap_out(x.to_dict()->items()[index].second, out);
  });
}

ember_status ember_value_dict_key(const ember_value* v, size_t index, ember_value** out) {
  EMBER_C_REQUIRE(v && out, "ember_value_dict_key: null argument");
  *out = nullptr;
  if (!v->value.is_dict()) return wrong_kind(v, "dict");
  return guarded([&] {
    auto items = v->value.to_dict()->items();
    if (index >= items.size())
      return set_error(EMBER_INVALID_ARGUMENT, "ember_value_dict_key: index " + std::to_string(index) +
                                                   " is out of range for " + std::to_string(items.size()) + " items");
    return wrap_out(items[index].first, out);
  });
}

ember_status ember_value_dict_get(const ember_value* v, const char* key, ember_value** out) {
  EMBER_C_REQUIRE(v && key && out, "ember_value_dict_get: null argument");
  *out = nullptr;
  if (!v->value.is_dict()) return wrong_kind(v, "dict");
  return guarded([&] { return wrap_out(ember::dict_at(v->value, ember::Value(std::string(key))), out); });
}

ember_status ember_tensor_dtype(const ember_value* v, ember_dtype* out) {
  EMBER_C_REQUIRE(v && out, "ember_tensor_dtype: null argument");
  if (!v->value.is_tensor() || !v->value.to_tensor().defined()) return wrong_kind(v, "Tensor");
  *out = static_cast<ember_dtype>(v->value.to_tensor().dtype());
  return EMBER_OK;
}

ember_status ember_tensor_shape(const ember_value* v, const int64_t** sizes, size_t* ndim) {
  EMBER_C_REQUIRE(v && sizes && ndim, "ember_tensor_shape: null argument");
  if (!v->value.is_tensor() || !v->value.to_tensor().defined()) return wrong_kind(v, "Tensor");
  const auto& s = v->value.to_tensor().sizes();
  *sizes = s.data();
  *ndim = s.size();
  return EMBER_OK;
}

ember_status ember_tensor_data(const ember_value* v, const void** data, size_t* nbytes) {
  EMBER_C_REQUIRE(v && data, "ember_tensor_data: null argument");
  if (!v->value.is_tensor() || !v->value.to_tensor().defined()) return wrong_kind(v, "Tensor");
  return guarded([&] {
    auto* mv = const_cast<ember_value*>(v);
    std::call_once(mv->contiguous_once, [&] { mv->contiguous = mv->value.to_tensor().contiguous(); });
    *data = mv->contiguous.raw_data();
    if (nbytes) *nbytes = mv->contiguous.nbytes();
    return EMBER_OK;
  });
}

}  // extern "C"
