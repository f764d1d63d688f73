// fuzz_script.cpp — lexer, parser and compiler on one code/ file.
#include "fuzz_util.h"
#include "script/compiler.h"

EMBER_FUZZ_STRUCTURED_MUTATOR

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ember::script::CodeInput in;
  in.format_version = 3;
  in.code["code/__torch__.py"] = std::string(reinterpret_cast<const char*>(data), size);
  auto m = std::make_shared<ember::ClassType>();
  m->qualname = "__torch__.M";
  in.classes[m->qualname] = m;
  try {
    auto cu = ember::script::compile_code(in);
    for (const ember::Function* f : cu->all_functions()) (void)f->signature();
  } catch (const ember::Error&) {
  }
  return 0;
}
