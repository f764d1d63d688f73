// all_ops.cpp — the one list of op families registered into the global registry.
//
// Each family lives in its own file and exposes `void register_<family>_ops(Registry&)`; adding a
// family means adding one declaration and one call here. Explicit calls (not static initializers)
// keep registration working when ember is linked statically.
#include "ops/registry.h"

namespace ember::ops {

void register_all_ops(Registry& r) {
  (void)r;
}

}  // namespace ember::ops
