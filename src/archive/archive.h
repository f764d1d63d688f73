// archive.h — everything a TorchScript .pt file holds, read into memory without running it.
//
// load_archive() opens the zip, checks the format version and producer facts, unpickles data.pkl
// (the module object tree) and constants.pkl (the CONSTANTS.cN tuple), and collects code/ sources
// and extra/ files. Tensors point into the memory-mapped file (their Storage keeps the mapping
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
  Value root;       // data.pkl: the top module Object
  Value constants;  // constants.pkl: a Tuple (empty when the archive has no constants.pkl)
  // extra/ files by the name given to torch.jit.save(_extra_files=...): "foo.txt" -> its size.
  // They are not read at load (a file can hold a deflate bomb there); read_extra() reads one.
  std::map<std::string, uint64_t> extra_files;
  std::string read_extra(const std::string& name) const;
  // code/ sources by archive path without the top folder: "code/__torch__/foo.py" -> text.
  std::map<std::string, std::string> code;
  // Every class named in the pickles, by qualified name ("__torch__.foo.Bar").
  std::map<std::string, ClassTypePtr> classes;
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
