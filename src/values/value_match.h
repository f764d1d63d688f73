// value_match.h — checking a Value against a declared Type (isinstance, argument and attribute
// checks), and giving containers read from a pickle the element types their declaration says.
#pragma once

#include "ember/type.h"
#include "ember/value.h"

namespace ember {

// True when `v` may be used as a value of type `t` (isinstance and argument checks).
bool value_matches(const Value& v, const Type& t);
// `v` (which value_matches `t`) with the List/Dict element types `t` declares where v's are Any, as
// lists and dicts read from a torch.save pickle are; other values unchanged.
Value typed_as(Value v, const TypePtr& t);

}  // namespace ember
