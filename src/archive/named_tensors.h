// named_tensors.h — lists the tensors inside an object tree by dotted path.
//
// The paths are what PyTorch users see: "layer1.0.conv1.weight" for module attributes, with list
// and tuple items by index and dict entries by key, so tools and tests can address any tensor.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ember/value.h"

namespace ember::archive {

// Every tensor reachable from `root`, depth first in attribute/item order. An object attribute
// adds ".name", a list or tuple item ".i", a dict entry ".key" (str, int or bool keys; other keys
// are skipped). A tensor reachable along several paths is listed under each. Fails on cycles.
std::vector<std::pair<std::string, Tensor>> named_tensors(const Value& root);

}  // namespace ember::archive
