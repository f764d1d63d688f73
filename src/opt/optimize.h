// optimize.h — load-time graph passes over a loaded model's methods.
//
// A loaded model's root object is known at load, so each of its methods is specialised for it:
//   inline          method and function calls are replaced by the callee's body (recursion and
//                   interface calls stay calls);
//   freeze          attribute reads of objects known at load become constants, unless some code
//                   in the archive assigns that attribute (tensors stay the same shared tensors,
//                   so in-place writes to buffers are still seen);
//   fold-constants  `if` on a constant condition keeps only the branch taken; None and isinstance
//                   tests, casts and scalar-only builtins over constants are evaluated once;
//   fold-batch-norm an eval-mode batch_norm whose input is a convolution with constant weights
//                   is folded into that convolution's weight and bias;
//   fuse-conv       a residual add and an activation that follow a convolution run in its
//                   epilogue (ember::conv_fused, one oneDNN primitive with post-ops);
//   channels-last   a fused convolution read only by other fused convolutions hands its result
//                   over in the NHWC layout their kernels use, skipping two layout conversions;
//   dead-code       values nothing reads are not computed.
// Each pass can be turned off by name for debugging (LoadOptions::disabled_passes, the CLI's
// --disable-pass, or EMBER_DISABLE_PASSES=name,name); turning one off never changes results
// beyond float rounding. The original functions are left untouched: only the root object's
// methods run the specialised copies.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ember/value.h"

namespace ember {
struct Function;
}
namespace ember::script {
struct CompilationUnit;
}

namespace ember::opt {

// Every pass name, in the order the pipeline runs them.
const std::vector<std::string>& pass_names();

struct PassSet {
  std::set<std::string> disabled;
  bool on(std::string_view name) const { return !disabled.count(std::string(name)); }
};

// Builds the passes to run from the names turned off; fails on an unknown name.
PassSet make_pass_set(const std::vector<std::string>& disabled);

// Copies of the methods of `self`'s class (not __setstate__/__getstate__) specialised for
// `self`, with the enabled passes applied, by name; their graphs are set, their code is left to
// the runtime to lower. Empty when no pass
// is enabled. A pass failing is an ember::Error naming the method.
std::vector<std::pair<std::string, std::unique_ptr<Function>>> specialise_methods(const Value& self,
                                                                                   const script::CompilationUnit& cu,
                                                                                   const PassSet& passes);

}  // namespace ember::opt
