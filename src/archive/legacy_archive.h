// legacy_archive.h — reading the model.json archives of PyTorch 1.0-1.2 (inside src/archive).
//
// Before PyTorch 1.3, torch.jit.save wrote no data.pkl: `model.json` (a torch.ModelDef protobuf,
// caffe2/proto/torch.proto, printed as JSON) describes the module tree, the tensor table maps
// each tensor onto a raw storage record, `attributes.pkl` holds module attributes and each module
// has a file of bare `def`s for its methods. read_model_json turns that into the same
// ArchiveContents a data.pkl archive gives: the root Object, one ClassType per module (named as
// PyTorch's legacy importer names them), CONSTANTS (the whole tensor table) and the method files
// in `module_code`. The facts it relies on, with their sources, are in legacy_archive.cpp.
#pragma once

#include "archive/archive.h"
#include "archive/zip_reader.h"

namespace ember::archive {

// Fills `out` (whose path, zip, format version and producer.version_record are set) from the
// archive's model.json. Fails with "<path>: model.json: ..." on anything malformed.
void read_model_json(const ZipReader& zip, const ArchiveLimits& limits, ArchiveContents& out);

}  // namespace ember::archive
