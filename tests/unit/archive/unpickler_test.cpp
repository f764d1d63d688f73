// The unpickler on pickles Python wrote (every protocol) and on hand-made and mutated bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "archive/unpickler.h"
#include "archive/zip_reader.h"
#include "../fixtures.h"

namespace ember::archive {
namespace {

using ember::testing::fixture;
using namespace std::string_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Value unpickle_bytes(const std::string& bytes, UnpickleContext ctx = {}) {
  if (ctx.label.empty()) ctx.label = "test.pkl";
  return unpickle({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, ctx);
}

const Value& item(const Value& d, const Value& key) {
  const Value* v = d.to_dict()->find(key);
  EXPECT_NE(v, nullptr) << key.repr();
  static Value none;
  return v ? *v : none;
}

// gen_archive.py pickles the same plain object at protocols 0 to 5.
TEST(Unpickler, PythonPicklesOfEveryProtocol) {
  for (int proto = 0; proto <= 5; ++proto) {
    SCOPED_TRACE(proto);
    Value v = unpickle_bytes(read_file(fixture("archive/plain_p" + std::to_string(proto) + ".pkl")));
    ASSERT_TRUE(v.is_dict());
    EXPECT_EQ(item(v, Value("i")).to_int(), 1);
    EXPECT_EQ(item(v, Value("neg")).to_int(), -70000);
    EXPECT_EQ(item(v, Value("big")).to_int(), int64_t{1} << 40);
    EXPECT_EQ(item(v, Value("huge_neg")).to_int(), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(item(v, Value("f")).to_double(), 2.5);
    EXPECT_EQ(item(v, Value("s")).to_string(), "h\xc3\xa9llo \xe2\x98\x83");
    const auto& l = item(v, Value("l")).to_list()->items;
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[2].to_int(), 3);
    const auto& t = item(v, Value("t")).to_tuple()->items;
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[1].to_string(), "a");
    const auto& x = item(item(v, Value("nested")), Value("x")).to_list()->items;
    ASSERT_EQ(x.size(), 3u);
    EXPECT_TRUE(x[0].to_bool());
    EXPECT_FALSE(x[1].to_bool());
    EXPECT_TRUE(x[2].is_none());
    EXPECT_EQ(item(v, Value(int64_t{7})).to_string(), "int key");
    // The memo makes both tuple items the same list object.
    const auto& shared = item(v, Value("shared")).to_tuple()->items;
    ASSERT_EQ(shared.size(), 2u);
    EXPECT_EQ(shared[0].to_list().get(), shared[1].to_list().get());
  }
}

TEST(Unpickler, TypeTagsAndSpecialisedLists) {
  std::map<std::string, ClassTypePtr> classes;
  UnpickleContext ctx;
  ctx.label = "m.pt: data.pkl";
  ctx.resolve_class = [&](const std::string& q) {
    auto& c = classes[q];
    if (!c) {
      c = std::make_shared<ClassType>();
      c->qualname = q;
    }
    return c;
  };
  // restore_type_tag({'a': [1]}, 'Dict[str, List[int]]') with the inner list built by build_intlist.
  const std::string p = "\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n" "}(X\x01\x00\x00\x00" "a"s +
                        "ctorch.jit._pickle\nbuild_intlist\n" "(](K\x01" "etR" "u"
                        "X\x14\x00\x00\x00" "Dict[str, List[int]]" "\x86R."s;
  Value v = unpickle_bytes(p, ctx);
  EXPECT_EQ(v.type()->str(), "Dict[str, List[int]]");
  EXPECT_EQ(v.to_dict()->find(Value("a"))->to_list()->elem_type->kind, TypeKind::Int);

  // Enums are their class applied to the member's value.
  Value e = unpickle_bytes("\x80\x02" "c__torch__\nColor\nK\x02R."s, ctx);
  ASSERT_TRUE(e.is_enum());
  EXPECT_EQ(e.to_enum()->value.to_int(), 2);
  EXPECT_EQ(classes.at("__torch__.Color")->kind, ClassKind::Enum);

  // A non-dict state is kept for __setstate__.
  Value o = unpickle_bytes("\x80\x02" "c__torch__\nHolder\n)\x81K\x03\x85" "b."s, ctx);
  ASSERT_TRUE(o.is_object());
  ASSERT_TRUE(o.to_object()->pending_state);
  EXPECT_EQ(o.to_object()->pending_state->to_tuple()->items[0].to_int(), 3);

  // A tag that does not match its contents is an error, not a silently wrong type.
  const std::string wrong = "\x80\x02" "ctorch.jit._pickle\nrestore_type_tag\n" "](X\x01\x00\x00\x00" "ae"s +
                            "X\x09\x00\x00\x00" "List[int]" "\x86R."s;
  EXPECT_THROW(unpickle_bytes(wrong, ctx), Error);
}

TEST(Unpickler, TypeTagParser) {
  auto resolve = [](const std::string& q) {
    auto c = std::make_shared<ClassType>();
    c->qualname = q;
    return c;
  };
  EXPECT_EQ(parse_type_tag("List[Tuple[int, Optional[Tensor]]]", resolve)->str(), "List[Tuple[int, Optional[Tensor]]]");
  EXPECT_EQ(parse_type_tag("Dict[int, __torch__.a.B]", resolve)->contained[1]->cls->qualname, "__torch__.a.B");
  EXPECT_EQ(parse_type_tag("Tuple[()]", resolve)->contained.size(), 0u);
  EXPECT_THROW(parse_type_tag("List[int", resolve), Error);
  EXPECT_THROW(parse_type_tag("Frob[int]", resolve), Error);
  EXPECT_THROW(parse_type_tag(std::string(200, 'L').replace(0, 200, [] {
                                std::string s;
                                for (int i = 0; i < 100; ++i) s += "List[";
                                return s;
                              }()),
                              resolve),
               Error);
}

TEST(Unpickler, RejectsWithoutExecuting) {
  auto msg = [](const std::string& p) -> std::string {
    try {
      unpickle_bytes(p);
    } catch (const Error& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_NE(msg("\x80\x02" "cbuiltins\neval\n."s).find("global 'builtins.eval' is not allowed"), std::string::npos);
  EXPECT_NE(msg("\x80\x02" "c__torch__\nFoo\n."s).find("cannot appear in this pickle"), std::string::npos);
  EXPECT_NE(msg("\x80\x02" "a."s).find("stack underflow"), std::string::npos);
  EXPECT_NE(msg("\x80\x02" "\x8a\x0a\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a."s).find("does not fit in 64 bits"),
            std::string::npos);
  EXPECT_NE(msg("\x80\x09."s).find("unsupported pickle protocol 9"), std::string::npos);
  EXPECT_NE(msg("\x80\x02" "\x82\x01."s).find("extension registry"), std::string::npos);
  EXPECT_NE(msg("\x80\x02" "]K\x01K\x02s."s).find("SETITEM on a list"), std::string::npos);
  EXPECT_EQ(msg("\x80\x02" "]K\x01K\x02s."s).rfind("test.pkl: ", 0), 0u);
  EXPECT_NE(msg("\x80\x02" "N"s).find("without a STOP"), std::string::npos);
}

// A protocol-2 tensor record by hand: _rebuild_tensor_v2(storage '0', offset, sizes, strides,
// False, OrderedDict()[, metadata]) where `tail` emits the optional seventh argument.
std::string tensor_pickle(const std::string& storage_class, int offset, const std::string& sizes,
                          const std::string& strides, const std::string& tail) {
  auto str = [](const std::string& x) {
    std::string out = "X";
    for (int i = 0; i < 4; ++i) out += static_cast<char>((x.size() >> (8 * i)) & 0xff);
    return out + x;
  };
  return "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n" "(" "(" + str("storage") + "ctorch\n" + storage_class +
         "\n" + str("0") + str("cpu") + "K\x02" "tQ" "K" + std::string(1, static_cast<char>(offset)) + "(" + sizes +
         "t(" + strides + "t\x89" "ccollections\nOrderedDict\n)R" + tail + "tR.";
}

TEST(Unpickler, TensorRecords) {
  auto storage = Storage::allocate(2 * sizeof(std::complex<float>));
  auto* z = static_cast<std::complex<float>*>(storage->data());
  z[0] = {1, 2};
  z[1] = {3, -4};
  int loads = 0;
  UnpickleContext ctx;
  ctx.label = "t.pt: data.pkl";
  ctx.storage_dir = "data/";
  ctx.load_storage = [&](const std::string& key, DType dtype) {
    EXPECT_EQ(key, "0");
    EXPECT_EQ(dtype, DType::Complex64);
    ++loads;
    return storage;
  };
  // Plain record: a view of the storage.
  Value v = unpickle_bytes(tensor_pickle("ComplexFloatStorage", 1, "K\x01", "K\x01", ""), ctx);
  EXPECT_EQ(v.to_tensor().storage(), storage);
  EXPECT_EQ(v.to_tensor().offset(), 1);
  // PyTorch's lazy conjugate bit travels as {'conj': True}: ember materialises the conjugate.
  Value c = unpickle_bytes(tensor_pickle("ComplexFloatStorage", 0, "K\x02", "K\x01",
                                         "}X\x04\x00\x00\x00" "conj" "\x88s"s),
                           ctx);
  const auto* cz = static_cast<const std::complex<float>*>(c.to_tensor().raw_data());
  EXPECT_EQ(cz[0], std::complex<float>(1, -2));
  EXPECT_EQ(cz[1], std::complex<float>(3, 4));
  EXPECT_EQ(z[0], std::complex<float>(1, 2));  // the archive's bytes are untouched
  EXPECT_EQ(loads, 2);
  // Sizes x strides reaching past the storage.
  EXPECT_THROW(unpickle_bytes(tensor_pickle("ComplexFloatStorage", 0, "K\x02", "K\x02", ""), ctx), Error);
  // Unknown storage classes, and quantized storages outside _rebuild_qtensor (no parameters).
  UnpickleContext qctx = ctx;  // quantized storages load (as quint8), then the record is refused
  qctx.load_storage = [&](const std::string&, DType) { return storage; };
  EXPECT_THROW(unpickle_bytes(tensor_pickle("QUInt8Storage", 0, "K\x02", "K\x01", ""), qctx), Error);
  EXPECT_THROW(unpickle_bytes(tensor_pickle("FrobStorage", 0, "K\x02", "K\x01", ""), ctx), Error);
}

// Mutations of a real data.pkl must either load or fail with an Error, never crash.
TEST(Unpickler, MutatedRealPickles) {
  ZipReader zip(fixture("archive/resnet18_scripted.pt"));
  const std::string good = zip.read("data.pkl");
  std::map<std::string, ClassTypePtr> classes;
  UnpickleContext ctx;
  ctx.label = "resnet18: data.pkl";
  ctx.storage_dir = "data/";
  ctx.load_storage = [](const std::string&, DType) { return Storage::allocate(4096); };
  ctx.resolve_class = [&](const std::string& q) {
    auto& c = classes[q];
    if (!c) {
      c = std::make_shared<ClassType>();
      c->qualname = q;
    }
    return c;
  };
  std::mt19937 rng(99);
  int errors = 0;
  for (int i = 0; i < 400; ++i) {
    std::string bad = good;
    for (int k = 0; k < 3; ++k) {
      const size_t pos = rng() % bad.size();
      bad[pos] = static_cast<char>(rng() % 256);
    }
    if (i % 4 == 0) bad.resize(rng() % bad.size());
    try {
      unpickle_bytes(bad, ctx);
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).rfind("resnet18: data.pkl: ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(errors, 100);
}

}  // namespace
}  // namespace ember::archive
