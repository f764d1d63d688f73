#include "core/source_loc.h"

namespace ember {

std::string SourceLoc::str() const {
  return (file ? *file : std::string("<unknown>")) + ":" + std::to_string(line);
}

}  // namespace ember
