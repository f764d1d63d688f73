// Loads TorchScript archives and torch.save files made by PyTorch 1.13 and checks every tensor,
// code file and extra file against the facts PyTorch reported when it made them.
#include <gtest/gtest.h>

#include <set>

#include "archive/archive.h"
#include "archive/named_tensors.h"
#include "../fixtures.h"
#include "manifest.h"

namespace ember::archive {
namespace {

using ember::testing::fixture;

ArchiveContents load_and_check(const std::string& name) {
  ArchiveContents a = load_archive(fixture("archive/" + name + ".pt"));
  auto m = ember::testing::read_manifest(fixture("archive/" + name + ".manifest"));
  ember::testing::expect_tensors_match(m, named_tensors(a.root));
  std::set<std::string> code;
  for (const auto& [path, text] : a.code) {
    code.insert(path);
    EXPECT_FALSE(text.empty()) << path;
  }
  EXPECT_EQ(code, m.code);
  EXPECT_EQ(a.extra_files.size(), m.extra.size());
  for (const auto& [n, sha] : m.extra) {
    auto it = a.extra_files.find(n);
    if (it == a.extra_files.end()) {
      ADD_FAILURE() << "missing extra file " << n;
      continue;
    }
    const std::string bytes = a.read_extra(n);
    EXPECT_EQ(bytes.size(), it->second) << n;
    EXPECT_EQ(ember::testing::sha256_hex(bytes), sha) << n;
  }
  EXPECT_EQ(a.format_version, m.version);
  EXPECT_TRUE(a.root.is_object());
  EXPECT_TRUE(a.constants.is_tuple());
  // Storages are stored at 64-byte aligned offsets: they must be views into the mapped file.
  uint64_t bytes = 0;
  std::set<const Storage*> seen;
  for (const auto& [p, t] : named_tensors(a.root)) {
    if (t.storage()->nbytes() > 0) {
      EXPECT_TRUE(t.storage()->borrowed()) << p << " was copied";
    }
    if (seen.insert(t.storage().get()).second) bytes += t.storage()->nbytes();
  }
  EXPECT_GE(a.tensor_bytes, bytes);
  return a;
}

TEST(ArchiveLoad, Resnet18Traced) {
  auto a = load_and_check("resnet18_traced");
  EXPECT_EQ(a.root.to_object()->type->qualname, "__torch__.torchvision.models.resnet.ResNet");
  EXPECT_TRUE(a.classes.count("__torch__.torchvision.models.resnet.BasicBlock"));
  EXPECT_TRUE(a.code.count("code/__torch__/torchvision/models/resnet.py"));
  EXPECT_EQ(a.producer.version_record, "version");
  EXPECT_FALSE(a.producer.has_traced_inputs);
  EXPECT_TRUE(a.producer.has_debug_info);
  // Module attributes keep their pickled order and values.
  const auto& layer1 = a.root.to_object()->attr("layer1");
  EXPECT_TRUE(layer1.to_object()->attr("0").to_object()->attr("training").is_bool());
}

TEST(ArchiveLoad, Resnet18Scripted) {
  auto a = load_and_check("resnet18_scripted");
  // Scripting after tracing the same classes in one process mangles the names.
  const std::string& q = a.root.to_object()->type->qualname;
  EXPECT_EQ(q.rfind("__torch__.torchvision.models.resnet.", 0), 0u) << q;
  EXPECT_EQ(q.substr(q.size() - 7), ".ResNet") << q;
  EXPECT_TRUE(a.classes.count(q));
  bool found = false;
  for (const auto& [path, text] : a.code) found = found || text.find("class ResNet(Module):") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST(ArchiveLoad, MobilenetV2Traced) { load_and_check("mobilenet_v2_traced"); }
TEST(ArchiveLoad, MobilenetV2Scripted) { load_and_check("mobilenet_v2_scripted"); }

TEST(ArchiveLoad, EveryDtype) {
  auto a = load_and_check("dtypes");
  EXPECT_TRUE(a.root.to_object()->attr("weight").to_tensor().requires_grad());
  EXPECT_FALSE(a.root.to_object()->attr("f32").to_tensor().requires_grad());
}

TEST(ArchiveLoad, ViewsShareStorage) {
  auto a = load_and_check("views");
  // The traced forward's torch.arange(4.0) became CONSTANTS.c0.
  const auto& consts = a.constants.to_tuple()->items;
  ASSERT_EQ(consts.size(), 1u);
  const Tensor& c = consts[0].to_tensor();
  ASSERT_EQ(c.numel(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.at_double(i), i);
}

TEST(ArchiveLoad, ExtraFiles) {
  auto a = load_and_check("extra");
  EXPECT_EQ(a.read_extra("meta.json"), "{\"a\": 1}");
  EXPECT_EQ(a.extra_files.at("bin.dat"), 256u);
  ASSERT_EQ(a.read_extra("bin.dat").size(), 256u);
  EXPECT_EQ(static_cast<unsigned char>(a.read_extra("bin.dat")[255]), 255);
}

TEST(ArchiveLoad, TensorsOutliveTheArchive) {
  Tensor w;
  {
    auto a = load_archive(fixture("archive/extra.pt"));
    w = a.root.to_object()->attr("weight").to_tensor();
  }
  auto m = ember::testing::read_manifest(fixture("archive/extra.manifest"));
  for (const auto& mt : m.tensors)
    if (mt.path == "weight") {
      EXPECT_EQ(ember::testing::logical_sha(w), mt.sha);
    }
}

void check_torch_save(const std::string& name) {
  Value v = load_torch_save(fixture("archive/" + name + ".pt"));
  auto m = ember::testing::read_manifest(fixture("archive/" + name + ".manifest"));
  ember::testing::expect_tensors_match(m, named_tensors(v));
}

TEST(TorchSaveLoad, DictOfTensors) {
  check_torch_save("save_dict");
  Value v = load_torch_save(fixture("archive/save_dict.pt"));
  EXPECT_TRUE(v.to_dict()->find(Value("p"))->to_tensor().requires_grad());
  EXPECT_FALSE(v.to_dict()->find(Value("w"))->to_tensor().requires_grad());
}
TEST(TorchSaveLoad, ListWithSharedStorage) { check_torch_save("save_list"); }
TEST(TorchSaveLoad, SingleTransposedTensor) { check_torch_save("save_tensor"); }

TEST(TorchSaveLoad, RejectsTorchScriptObjects) {
  EXPECT_THROW(load_torch_save(fixture("archive/extra.pt")), Error);
}

TEST(NamedTensors, PathsAndCycles) {
  auto inner = make_list(Type::get(TypeKind::Any), {Value(Tensor::zeros(std::vector<int64_t>{2}, DType::Float32))});
  auto d = std::make_shared<Dict>();
  d->key_type = Type::get(TypeKind::Str);
  d->value_type = Type::get(TypeKind::Any);
  d->set(Value("a"), Value(inner));
  d->set(Value(int64_t{3}), Value(make_tuple({Value(1), Value(Tensor::zeros(std::vector<int64_t>{1}, DType::Int64))})));
  auto named = named_tensors(Value(d));
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "a.0");
  EXPECT_EQ(named[1].first, "3.1");
  inner->items.push_back(Value(d));  // a cycle
  EXPECT_THROW(named_tensors(Value(d)), Error);
  inner->items.pop_back();
}

}  // namespace
}  // namespace ember::archive
