// function.h — a compiled TorchScript function or method: its signature, its IR and the runnable
// form the runtime makes of that IR.
//
// Functions are created in two steps so methods can call each other (and themselves): first the
// compiler declares every function with its signature, then it compiles the bodies, binding each
// call site to the Function it calls. The load pipeline then has the runtime lower every graph
// into an Executable (runtime::Code, the interpreter's flat instructions); ir only holds it, so
// the layers below the runtime never know how code runs. Once `code` is set the function is
// immutable and may be run from several threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/error.h"
#include "ember/type.h"
#include "ember/value.h"
#include "core/check.h"

namespace ember::ir {
class Graph;
}

namespace ember {

struct Function;

// The runnable form of a Function, made from its graph by the runtime.
class Executable {
 public:
  virtual ~Executable() = default;
  // Runs `fn` (whose code this is) on `args`, self first for methods, already checked.
  virtual Value run(const Function& fn, std::vector<Value> args) const = 0;
};

struct Function {
  struct Param {
    std::string name;
    TypePtr type;
    std::optional<Value> default_value;
    bool kwarg_only = false;
  };

  std::string name;      // "forward"
  std::string qualname;  // "__torch__.M.forward" or "__torch__.torch.nn.functional.relu"
  ClassTypePtr owner;    // the class for methods (params[0] is self), null for free functions
  std::vector<Param> params;
  TypePtr return_type;
  std::string file;  // "code/__torch__.py", for messages
  int line = 0;

  std::unique_ptr<ir::Graph> graph;      // set by the compiler (or a pass, for a specialised copy)
  std::unique_ptr<const Executable> code;  // set by the runtime when the graph is lowered

  Function();
  ~Function();

  // "forward(self, x: Tensor, y: Optional[int]=None) -> Tensor"
  std::string signature() const;
  // Runs the lowered code; `args` includes self for methods and must already be checked.
  Value run(std::vector<Value> args) const {
    EMBER_ASSERT(code, "function ", qualname, " was not lowered");
    return code->run(*this, std::move(args));
  }
  // Checks user-supplied arguments against the signature, fills defaults, and runs.
  // `args` excludes self; `self` is prepended for methods.
  Value call(std::vector<Value> args, const Value* self) const;
};

}  // namespace ember
