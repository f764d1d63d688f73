// compiler.h — turns an archive's `code/` into compiled classes and functions.
//
// compile_code() parses every file, completes the ClassTypes the archive loader created (kind,
// attribute types, parameters/buffers, Final constants, enum members, NamedTuple fields,
// methods), declares every method and free function, then compiles each body AST → IR with
// every call bound to its operator or Function (the load pipeline, src/session, has the runtime
// lower the graphs into code it runs). It never stops at the first problem:
// every unknown op, unmatched overload, unknown class or unsupported construct is collected with
// its `code/…py:line` so a load can fail once, listing everything.
//
// Version upgraders (archives older than format version 10) are call-site rewrites applied while
// compiling, keyed on the archive's format version.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ember/type.h"
#include "ember/value.h"
#include "ir/function.h"

namespace ember::script {

struct Problem {
  enum class Kind { UnknownOp, NoMatchingOverload, UnknownClass, Unsupported, Error };
  Kind kind = Kind::Error;
  std::string what;   // "aten::foo", or a sentence
  std::string where;  // "code/__torch__/m.py:12"
  std::string str() const;  // "aten::foo at code/__torch__/m.py:12"
};

struct CompilationUnit {
  int64_t format_version = 0;
  std::map<std::string, ClassTypePtr> classes;                     // by qualified name
  std::map<std::string, std::shared_ptr<Function>> functions;      // free functions
  std::set<std::string> ops_used;  // "aten::add.Tensor" for every bound call site
  std::vector<Problem> problems;

  // The Type values of class `cls` have (NamedTuples are tuples with field types).
  TypePtr type_of(const ClassTypePtr& cls) const;
  // Functions in a stable order: methods class by class, then free functions.
  std::vector<const Function*> all_functions() const;

  std::map<const ClassType*, TypePtr> named_tuple_types;
};

// The methods of one class given as a file of bare `def`s (model.json archives of PyTorch
// 1.0-1.2 keep each module's methods so; `self` is the class).
struct MethodFile {
  std::string path;  // "code/mlp_fc1.py", for messages
  std::string text;
};

struct CodeInput {
  std::map<std::string, std::string> code;      // "code/__torch__/m.py" -> source
  std::map<std::string, ClassTypePtr> classes;  // created by the archive loader (completed here)
  Value constants;                              // the CONSTANTS tuple (None when absent)
  int64_t format_version = 0;
  std::map<std::string, MethodFile> class_methods;  // class qualname -> its methods' file
};

std::shared_ptr<CompilationUnit> compile_code(const CodeInput& input);

}  // namespace ember::script
