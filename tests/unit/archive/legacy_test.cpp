// model.json archives (PyTorch 1.0-1.2, tests/fixtures/gen_legacy.py): each model loads through
// ember::load and gives the outputs PyTorch computes from the same archive; every broken archive
// fails with an ember::Error that says what is wrong.
#include <gtest/gtest.h>

#include <fstream>

#include "../case_file.h"
#include "../error_text.h"
#include "../fixtures.h"
#include "archive/archive.h"
#include "archive/json.h"
#include "ember/module.h"
#include "security/hostile_files.h"

namespace ember {
namespace {

namespace cf = testing::case_file;

std::string legacy(const std::string& name) { return testing::fixture("legacy/" + name); }

TEST(LegacyArchive, ModelsMatchTorch) {
  const std::string dir = testing::fixture("legacy");
  const std::string blob = cf::read_file(dir + "/data.bin");
  std::ifstream in(dir + "/cases.txt");
  ASSERT_TRUE(in.good()) << "missing " << dir << "/cases.txt";
  int ran = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    cf::Parser p(line, blob, cf::Format{true, 200});
    const std::string tag = p.word(), archive = dir + "/" + p.word(), method = p.word();
    ASSERT_EQ(tag, "model");
    const int64_t calls = p.integer();
    SCOPED_TRACE(archive);
    try {
      const Module m = load(archive);
      for (int64_t c = 0; c < calls; ++c) {
        SCOPED_TRACE("call " + std::to_string(c));
        std::vector<Value> args;
        for (int64_t i = 0, n = p.integer(); i < n; ++i) args.push_back(p.value());
        EXPECT_EQ(p.word(), "->");
        const Value want = p.value();
        const std::string err = cf::compare_values(m.run_method(method, args), want);
        EXPECT_TRUE(err.empty()) << err;
      }
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_EQ(ran, 8);
}

// The module tree, names and tensor table land where data.pkl archives put them.
TEST(LegacyArchive, ContentsAreTheModuleTree) {
  const archive::ArchiveContents a = archive::load_archive(legacy("convnet_v10.pt"));
  EXPECT_EQ(a.format_version, 1);
  EXPECT_EQ(a.producer.proto_version, 1);
  EXPECT_EQ(a.producer.producer_name, "pytorch");
  EXPECT_EQ(a.producer.producer_version, "1.0");
  ASSERT_TRUE(a.root.is_object());
  const auto& root = a.root.to_object();
  EXPECT_EQ(root->type->qualname, "__torch__.convnet");
  EXPECT_EQ(root->type->kind, ClassKind::Module);
  const auto& bn = root->attr("bn1").to_object();
  EXPECT_EQ(bn->type->qualname, "__torch__.convnet.bn1");
  const int mean = bn->type->find_attribute("running_mean");
  ASSERT_GE(mean, 0);
  EXPECT_TRUE(bn->type->attributes[static_cast<size_t>(mean)].is_buffer);
  EXPECT_TRUE(bn->type->attributes[static_cast<size_t>(bn->type->find_attribute("weight"))].is_parameter);
  EXPECT_EQ(bn->attr("num_batches_tracked").to_tensor().dtype(), DType::Int64);
  // CONSTANTS is the whole tensor table: entry 0 is the main module's constant.
  ASSERT_TRUE(a.constants.is_tuple());
  EXPECT_EQ(a.constants.to_tuple()->items.size(), 12u);
  EXPECT_EQ(a.constants.to_tuple()->items[0].to_tensor().data<int64_t>()[0], 16);
  ASSERT_EQ(a.module_code.count("__torch__.convnet"), 1u);
  EXPECT_EQ(a.module_code.at("__torch__.convnet").path, "code/convnet.py");

  // All-digit module names get a leading '_' in the class name, as PyTorch's importer does.
  const archive::ArchiveContents mlp = archive::load_archive(legacy("mlp_v10.pt"));
  EXPECT_EQ(mlp.root.to_object()->attr("0").to_object()->type->qualname, "__torch__.mlp._0");

  // attributes.pkl: an int list, and a tensor that is a strided view of a larger storage.
  const archive::ArchiveContents t = archive::load_archive(legacy("table_v12.pt"));
  const auto& troot = t.root.to_object();
  EXPECT_EQ(troot->attr("sizes").to_list()->items.size(), 2u);
  const Tensor lookup = troot->attr("lookup").to_tensor();
  EXPECT_EQ(lookup.sizes(), (Shape{3, 6}));
  EXPECT_EQ(lookup.strides(), (Shape{12, 1}));
}

TEST(LegacyArchive, BrokenArchivesSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"bad_truncated_json.pt", "model.json: unterminated string"},
      {"bad_not_json.pt", "model.json: unexpected character at byte 0"},
      {"bad_tensor_id.pt", "names tensor 99 but the tensor table holds 4"},
      {"bad_negative_tensor_id.pt", "names tensor -1"},
      {"bad_offset.pt", "tensors[0] (storage 'tensors/0')"},
      {"bad_dims.pt", "tensors[0]"},
      {"bad_strides_rank.pt", "2 sizes but 1 strides"},
      {"bad_data_type.pt", "dataType 'UNDEFINED_KIND'"},
      {"bad_storage_key.pt", "storage record 'tensors/404', which the archive does not hold"},
      {"bad_device.pt", "device 'tpu'"},
      {"bad_code_key.pt", "'code/missing.py', which the archive does not hold"},
      {"bad_int_text.pt", "is '4x', not a 64-bit integer"},
      {"bad_proto_version.pt", "protoVersion 6"},
      {"bad_deep_modules.pt", "nesting deeper than 256 levels"},
      {"bad_deep_json.pt", "nesting deeper than 256 levels"},
      {"bad_huge_string.pt", "invalid UTF-8"},
      {"bad_missing_main.pt", "has no mainModule object"},
      {"bad_missing_storage.pt", "storage record 'tensors/1', which the archive does not hold"},
      {"bad_duplicate_name.pt", "two members named '0'"},
      {"bad_unknown_op.pt", "aten::no_such_op at code/mlp.py:5"},
      {"bad_attribute_type.pt", "declared Dict[str, float] but attributes.pkl holds a list"},
      {"bad_attribute_id.pt", "names attribute value 7 but attributes.pkl holds 3"},
      {"bad_tensor_ref.pt", "build_tensor_from_id(99) is outside the tensor table of 2 tensors"},
      {"bad_attribute_global.pt", "global 'os.system' is not allowed"},
      {"bad_attribute_list.pt", "attributes.pkl: holds a list, not the tuple protoVersion 3 archives have"},
  };
  for (const auto& c : cases) {
    const std::string file = c.first, needle = c.second;  // clang 14 cannot capture structured bindings
    SCOPED_TRACE(file);
    const std::string msg = testing::error_of([&] { load(legacy(file)); });
    EXPECT_HAS(msg, needle);
    EXPECT_HAS(msg, file);
  }
}

TEST(LegacyArchive, JsonReaderBoundsAndErrors) {
  using archive::parse_json;
  const archive::Json j = parse_json(R"( {"a":[1,"x\u00e9\ud83d\ude00",true,null,{}],"b":-2.5e3} )", "t");
  ASSERT_EQ(j.kind, archive::Json::Kind::Object);
  EXPECT_EQ(j.find("a")->items.size(), 5u);
  EXPECT_EQ(j.find("a")->items[1].text, "x\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(j.find("b")->text, "-2.5e3");
  EXPECT_EQ(j.find("c"), nullptr);
  EXPECT_HAS(testing::error_of([] { parse_json(R"({"a":1,"a":2})", "t"); }), "duplicate member \"a\"");
  EXPECT_HAS(testing::error_of([] { parse_json("[1,]", "t"); }), "unexpected character at byte 3");
  EXPECT_HAS(testing::error_of([] { parse_json("[1] 2", "t"); }), "text after the document");
  EXPECT_HAS(testing::error_of([] { parse_json("\"\\ud800\"", "t"); }), "lone UTF-16 surrogate");
  EXPECT_HAS(testing::error_of([] { parse_json("01", "t"); }), "text after the document");
  EXPECT_HAS(testing::error_of([] { parse_json("", "t"); }), "unexpected end of input");
  archive::JsonLimits small;
  small.max_values = 3;
  EXPECT_HAS(testing::error_of([&] { parse_json("[1,2,3,4]", "t", small); }), "more than 3 values");
  small.max_input = 4;
  EXPECT_HAS(testing::error_of([&] { parse_json("[1,2,3,4]", "t", small); }), "more than the 4 allowed");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_HAS(testing::error_of([&] { parse_json(deep, "t"); }), "nesting deeper than 256 levels");
}

// These files are format version 1: integer aten::div truncates (the upgrader PyTorch's legacy
// importer applies through the archive's version), float division stays true division.
TEST(LegacyArchive, IntegerDivisionTruncatesAsInVersionOne) {
  const std::string json =
      R"({"protoVersion":"1","mainModule":{"torchscriptArena":{"key":"code/m.py"},"name":"m","optimize":true},)"
      R"("producerName":"pytorch","producerVersion":"1.0"})";
  const std::string code = "op_version_set = 0\ndef forward(self,\n    x: Tensor) -> Tensor:\n  return torch.div(x, 2)\n";
  const std::string path = testing::write_bytes(
      "legacy_div.pt", testing::zip_of({{"m/code/m.py", code}, {"m/model.json", json}, {"m/version", "1\n"}}));
  const Module m = load(path);
  Tensor ints = Tensor::empty({2}, DType::Int64);
  ints.data<int64_t>()[0] = -7;
  ints.data<int64_t>()[1] = 7;
  const Tensor q = m.forward({Value(ints)}).to_tensor();
  ASSERT_EQ(q.dtype(), DType::Int64);
  EXPECT_EQ(q.data<int64_t>()[0], -3);
  EXPECT_EQ(q.data<int64_t>()[1], 3);
  Tensor floats = Tensor::empty({1}, DType::Float32);
  floats.data<float>()[0] = -7;
  EXPECT_EQ(m.forward({Value(floats)}).to_tensor().data<float>()[0], -3.5f);
}

TEST(LegacyArchive, InspectShowsTheLayout) {
  // The CLI's inspect reads the same contents; here the producer facts it prints.
  const archive::ArchiveContents a = archive::load_archive(legacy("looper_v12.pt"));
  EXPECT_EQ(a.producer.proto_version, 5);
  EXPECT_EQ(a.module_code.size(), 2u);
  EXPECT_EQ(a.module_code.count("__torch__.looper12.gate"), 1u);
}

}  // namespace
}  // namespace ember
