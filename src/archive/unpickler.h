// unpickler.h — turns the pickles inside .pt files into ember::Values without running anything.
//
// Python's pickle is a small stack machine whose GLOBAL/REDUCE opcodes can call any function.
// ember never imports or executes: GLOBAL is checked against an allow-list of the names PyTorch's
// own writers emit (tensor and parameter rebuilds, storage classes, torch.jit._pickle list
// builders and type tags, OrderedDict, torch.device, complex, dtypes, `__torch__` classes and
// enums), and anything else is an error naming the global and the pickle file. Input is hostile
// until proven otherwise: every read, memo index, size and nesting depth is checked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ember/tensor.h"
#include "ember/type.h"
#include "ember/value.h"

namespace ember::archive {

struct UnpickleContext {
  // Prefixes every error message: "model.pt: data.pkl".
  std::string label;
  // Folder of the storages inside the archive ("data/", "constants/"); used in messages only.
  std::string storage_dir;
  // The bytes of storage `key` (the persistent id's key, e.g. "3"), which the tensor reads as
  // `dtype`. Called once per key; every tensor naming that key shares the returned Storage.
  // When empty, any tensor in the pickle is an error.
  std::function<std::shared_ptr<Storage>(const std::string& key, DType dtype)> load_storage;
  // When set, used instead of load_storage: a storage of the bytes the record claims (numel times
  // the element size), for pickles whose storage data is never read (traced_inputs.pkl).
  std::function<std::shared_ptr<Storage>(uint64_t nbytes)> load_storage_sized;
  // The ClassType for a TorchScript qualified name ("__torch__.foo.Bar"); must return the same
  // record for the same name. When empty, `__torch__` globals are errors.
  std::function<ClassTypePtr(const std::string& qualname)> resolve_class;
  // model.json archives (PyTorch 1.0-1.2): the tensor table that
  // torch.jit._pickle.build_tensor_from_id(id) indexes. When null, that global is an error.
  const std::vector<Tensor>* tensor_table = nullptr;
  // List items plus dict entries the pickle may build in all (a model's pickles hold thousands;
  // a memo bomb copies a memoised list again and again).
  uint64_t max_items = uint64_t{1} << 23;
};

// Unpickles `data` (protocol 0-5 opcodes; PyTorch writes protocol 2). Fails with an ember::Error
// starting with ctx.label on malformed input, disallowed globals and unsupported tensor kinds.
Value unpickle(std::span<const uint8_t> data, const UnpickleContext& ctx);

// Parses the type strings of torch.jit._pickle.restore_type_tag ("List[int]",
// "Dict[str, Tensor]", "Optional[Tuple[int, __torch__.Foo]]") with values/type_parser.h, after
// bounding the nesting depth. `__torch__` classes come from `resolve_class` (when empty, the
// parser makes a fresh ClassType per name). Fails on malformed text.
TypePtr parse_type_tag(std::string_view text,
                       const std::function<ClassTypePtr(const std::string&)>& resolve_class);

}  // namespace ember::archive
