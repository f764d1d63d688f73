// located_error.h — an ember::Error that already names the `code/…py:line` it came from.
//
// The innermost interpreter frame that sees an error adds its source location and function name;
// outer frames recognise this type and let it pass unchanged, so the location appears once.
#pragma once

#include "ember/error.h"

namespace ember::runtime {

class LocatedError : public Error {
 public:
  using Error::Error;
};

}  // namespace ember::runtime
