// source_loc.h — a place in an archive's printed code, `code/…py:line`, that errors name.
//
// The parser stamps one on every syntax node; the IR and the interpreter's instructions carry it
// on so that a failure at run time still names the line of TorchScript it came from.
#pragma once

#include <memory>
#include <string>

namespace ember {

struct SourceLoc {
  std::shared_ptr<const std::string> file;  // archive path, e.g. "code/__torch__/model.py"
  int line = 0;                             // 1-based
  int col = 0;                              // 1-based
  std::string str() const;                  // "code/__torch__/model.py:12"
};

}  // namespace ember
