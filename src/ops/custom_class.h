// custom_class.h — native `torch.classes.*` classes: the packed-weight and op-context objects
// (xnnpack op contexts, quantized packed params, ...) that PyTorch pickles through their C++
// __getstate__ and rebuilds with __setstate__, which the archive's code/ never defines.
//
// A class registers how its saved state becomes what its ops read: `restore` checks the state's
// layout (which changed across PyTorch versions) and returns the value kept on the object. At
// load, session/module.cpp calls it for every such object in the archive (instead of a scripted
// __setstate__); the ops then read it back with custom_class_state().
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "ember/value.h"

namespace ember::ops {

// Fails with an ember::Error naming what is wrong with `state` (the object's __getstate__ value).
using CustomClassRestore = std::function<Value(const Value& state)>;

// `qualname` as the archive names the class: "__torch__.torch.classes.xnnpack.LinearOpContext".
// Registering a name again replaces the earlier entry.
void register_custom_class(std::string qualname, CustomClassRestore restore);
// Null when the class is not registered.
const CustomClassRestore* find_custom_class(std::string_view qualname);
// True for names under __torch__.torch.classes (native classes PyTorch defines in C++).
bool is_native_class_name(std::string_view qualname);

// Restores `object` (an Object with a pending state) through its registered class; fails naming
// the class when it is not registered or its state is malformed.
void restore_custom_object(const Value& object);

// A new object of class `qualname` ("__torch__.torch.classes.quantized.LinearPackedParamsBase")
// already holding `state`, as restore() would have left it: what ops that build such objects at
// run time (quantized::linear_prepack, ...) return.
Value make_custom_object(std::string_view qualname, Value state);

// What restore() returned for this object; fails unless `object` is a restored object of class
// `qualname` (how an op taking that class checks its argument).
const Value& custom_class_state(const Value& object, std::string_view qualname);

}  // namespace ember::ops
