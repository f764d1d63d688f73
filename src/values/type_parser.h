// type_parser.h — reads TorchScript type spellings into ember Types.
//
// Three places spell types: annotations in printed code (`Optional[List[int]]`, `Tuple[()]`,
// `__torch__.m.Block`), pickled `restore_type_tag` strings (same spelling) and operator schemas
// (`int[2]`, `Tensor?[]`, `Dict(str, t)`, `(Tensor, Tensor)`, alias annotations `Tensor(a!)`).
// One parser accepts both spellings so the schema parser, the archive loader and the compiler
// agree on what a name means. `Scalar` is `number`; `SymInt` is `int`; lower-case names that are
// not types (`t`, `t1`, `tVal`) are type variables.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "ember/type.h"

namespace ember {

// Maps a qualified class name (`__torch__.a.B`) to its type; may return null for unknown names.
using ClassResolver = std::function<TypePtr(std::string_view)>;

// Parses a whole type string; fails with an ember::Error naming `text` when it is not one type.
// Class names go through `resolve_class`; without it (or when it returns null) they become a
// fresh Class type carrying the qualified name.
TypePtr parse_type_string(std::string_view text, const ClassResolver& resolve_class = nullptr);

// What a schema spelling says beyond the type itself.
struct SchemaTypeInfo {
  std::string alias;              // first alias annotation met: "a!", "a -> *", "*"
  bool alias_on_element = false;  // `Tensor(a)[]` rather than `Tensor[](a)`
  int fixed_size = -1;            // N of an outer `T[N]`
};

// For the schema parser: one type starting at text[pos], advancing pos past it (and past
// trailing spaces). Alias annotations (`(a!)`, `(a -> *)`) are accepted only when `info` is given.
TypePtr parse_type_at(std::string_view text, size_t& pos, const ClassResolver& resolve_class,
                      SchemaTypeInfo* info);

// Schema spelling of a type: `Tensor?`, `int[]`, `Dict(str, t)`, `(Tensor, Tensor)`, `Scalar`.
std::string schema_type_str(const Type& type);

}  // namespace ember
