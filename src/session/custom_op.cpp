// custom_op.cpp — users' operators into the global registry, and loading libraries that hold them.
#include "ember/custom_op.h"

#include <dlfcn.h>

#include <mutex>

#include "ops/registry.h"

namespace ember {

namespace {
std::mutex registration_mu;
std::vector<std::string> registration_errors;
}  // namespace

void detail::record_registration_error(const std::string& message) {
  std::lock_guard<std::mutex> lock(registration_mu);
  registration_errors.push_back(message);
}

size_t detail::schema_argument_count(std::string_view schema) { return ops::parse_schema(schema).arguments.size(); }

void register_op(std::string_view schema, OpFunction fn) {
  if (!fn) fail("register_op: no function given for '", schema, "'");
  ops::FunctionSchema parsed = ops::parse_schema(schema);
  if (parsed.ns.empty()) fail("register_op: '", schema, "' needs a namespace (my_ns::my_op(...) -> ...)");
  if (parsed.ns == "aten" || parsed.ns == "prim")
    fail("register_op: the '", parsed.ns, "' namespace belongs to PyTorch's built-in operators; use your own");
  if (parsed.is_vararg || parsed.is_varret) fail("register_op: variable argument lists ('...') are not supported");
  const size_t n_args = parsed.arguments.size();
  const size_t n_returns = parsed.returns.size();
  const std::string name = parsed.qualified_name();
  ops::Registry::global().add(schema, [fn = std::move(fn), n_args, n_returns, name](ops::Stack& stack) {
    std::vector<Value> args(std::make_move_iterator(stack.end() - static_cast<std::ptrdiff_t>(n_args)),
                            std::make_move_iterator(stack.end()));
    stack.resize(stack.size() - n_args);
    Value r;
    try {
      r = fn(args);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(name, ": ", e.what());
    }
    if (n_returns == 1) {
      stack.push_back(std::move(r));
    } else if (n_returns > 1) {
      if (!r.is_tuple() || r.to_tuple()->items.size() != n_returns)
        fail(name, " declares ", n_returns, " returns but its function returned ", r.type()->str());
      for (Value& v : r.to_tuple()->items) stack.push_back(v);
    }
  });
}

void load_library(const std::string& path) {
  size_t before;
  {
    std::lock_guard<std::mutex> lock(registration_mu);
    before = registration_errors.size();
  }
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) {
    const char* why = dlerror();
    fail("cannot load operator library ", path, ": ", why ? why : "unknown error");
  }
  std::lock_guard<std::mutex> lock(registration_mu);
  if (registration_errors.size() > before)
    fail("operator library ", path, " failed to register its operators: ", registration_errors[before]);
}

}  // namespace ember
