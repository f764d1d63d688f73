// function.cpp — a Function's printed signature and its checked call from user arguments.
#include "ir/function.h"

#include "ir/graph.h"
#include "values/value_match.h"
#include "core/check.h"

namespace ember {

Function::Function() = default;
Function::~Function() = default;

std::string Function::signature() const {
  std::string s = name + "(";
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    if (i) s += ", ";
    s += p.name;
    if (!(i == 0 && owner)) s += ": " + p.type->str();
    if (p.default_value) s += "=" + p.default_value->repr();
  }
  return s + ") -> " + (return_type ? return_type->str() : "NoneType");
}

Value Function::call(std::vector<Value> args, const Value* self) const {
  size_t first = owner ? 1 : 0;
  size_t n_user = params.size() - first;
  if (args.size() > n_user)
    fail(name, "() takes ", n_user, " argument", n_user == 1 ? "" : "s", " but ", args.size(),
         args.size() == 1 ? " was" : " were", " given. Declaration: ", signature());
  std::vector<Value> full;
  full.reserve(params.size());
  if (owner) {
    EMBER_ASSERT(self, "method called without self");
    full.push_back(*self);
  }
  for (size_t i = 0; i < n_user; ++i) {
    const Param& p = params[first + i];
    if (i < args.size()) {
      if (!value_matches(args[i], *p.type))
        fail(name, "() expected argument '", p.name, "' of type ", p.type->str(), " but got ",
             args[i].type()->str());
      full.push_back(typed_as(std::move(args[i]), p.type));
    } else if (p.default_value) {
      full.push_back(*p.default_value);
    } else {
      fail(name, "() is missing value for argument '", p.name, "'. Declaration: ", signature());
    }
  }
  return run(std::move(full));
}

}  // namespace ember
