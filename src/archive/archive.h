// archive.h — everything a TorchScript .pt file holds, read into memory without running it.
//
// load_archive() opens the zip, checks the format version and producer facts, unpickles data.pkl
// (the module object tree) and constants.pkl (the CONSTANTS.cN tuple), and collects code/ sources
// and extra/ files. Archives of PyTorch 1.0-1.2 hold model.json instead of data.pkl
// (legacy_archive.h): their module tree, tensor table and per-module method files land in the
// same fields. Tensors point into the memory-mapped file (their Storage keeps the mapping
// alive). Classes named in the pickles are created as empty ClassType records, one per qualified
// name, for the script compiler to complete from code/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/type.h"
#include "ember/value.h"

namespace ember::archive {

class ZipReader;

struct ProducerInfo {
  // Where the version was found: "version" (the PyTorch 1.x layout) or ".data/version" (newer).
  std::string version_record;
  // Contents of `byteorder` ("little"); empty when the archive has none (older writers).
  std::string byteorder;
  // Contents of `.data/serialization_id`; empty when absent.
  std::string serialization_id;
  bool has_traced_inputs = false;  // traced_inputs.pkl present (PyTorch 2.x traced modules)
  bool has_debug_info = false;     // any code/*.debug_pkl present
  // model.json archives (PyTorch 1.0-1.2): ModelDef's protoVersion (1 to 5), producerName and
  // producerVersion. proto_version is 0 for data.pkl archives.
  int64_t proto_version = 0;
  std::string producer_name;
  std::string producer_version;
};

// A module's methods in a model.json archive: a file of bare `def`s whose `self` is the module.
struct ModuleCode {
  std::string path;  // "code/mlp_fc1.py", as model.json names it
  std::string text;
};

// One tensor argument of a traced method as traced_inputs.pkl records it (PyTorch 2.x traced
// modules): only its sizes and dtype are read, never its data (newer writers leave it out).
struct TracedInput {
  std::vector<int64_t> sizes;
  DType dtype = DType::Float32;
};

struct ArchiveContents {
  std::string path;
  int64_t format_version = 0;  // 1..10
  ProducerInfo producer;
  Value root;       // data.pkl (or model.json's mainModule): the top module Object
  // constants.pkl: a Tuple (empty when the archive has no constants.pkl); for model.json
  // archives the whole tensor table, which CONSTANTS.cN indexes.
  Value constants;
  // extra/ files by the name given to torch.jit.save(_extra_files=...): "foo.txt" -> its size.
  // They are not read at load (a file can hold a deflate bomb there); read_extra() reads one.
  std::map<std::string, uint64_t> extra_files;
  std::string read_extra(const std::string& name) const;
  // code/ sources by archive path without the top folder: "code/__torch__/foo.py" -> text.
  std::map<std::string, std::string> code;
  // Every class named in the pickles, by qualified name ("__torch__.foo.Bar"); in model.json
  // archives also one per module ("__torch__.mlp._0" for submodule "0" of module "mlp").
  std::map<std::string, ClassTypePtr> classes;
  // model.json archives: each module class's methods (data.pkl archives keep them in `code`).
  std::map<std::string, ModuleCode> module_code;
  // traced_inputs.pkl: method name -> the tensor arguments it was traced with. A method is left
  // out when any of its recorded inputs is not a tensor; the map is empty when the record is
  // absent or cannot be read (it is a hint, never a reason to fail a load).
  std::map<std::string, std::vector<TracedInput>> traced_inputs;
  // Bytes of all distinct tensor storages of data.pkl and constants.pkl.
  uint64_t tensor_bytes = 0;
  // The open archive, for read_extra.
  std::shared_ptr<const ZipReader> zip;
};

// Bounds on what a file may make ember allocate; the defaults fit any real model.
struct ArchiveLimits {
  uint64_t max_inflated_bytes = uint64_t{2} << 30;  // all deflated entries together
  uint64_t max_pickle_items = uint64_t{1} << 23;    // list items + dict entries per pickle
};

// The storage itself when every byte is 0 or 1, else a copy with every nonzero byte set to 1 (a
// bool with another byte is undefined behaviour; files may hold any byte).
std::shared_ptr<Storage> normalised_bools(std::shared_ptr<Storage> s);

// Reads a torch.jit.save archive. Fails with "<path>: <problem>" on any malformed content,
// unsupported version or byte order, missing record, disallowed pickle global or bad tensor.
ArchiveContents load_archive(const std::string& path, const ArchiveLimits& limits = {});

// Reads a zip-format torch.save file (PyTorch >= 1.6): tensors, Parameters, and dicts, lists and
// tuples of them, nested. `__torch__` objects are rejected.
Value load_torch_save(const std::string& path, const ArchiveLimits& limits = {});

}  // namespace ember::archive
