// Schema parsing against every schema Debian's PyTorch knows (made by gen_schemas.py), and printing back.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "ember/error.h"
#include "fixtures.h"
#include "ops/registry.h"

namespace ember::ops {
namespace {

std::vector<std::string> schema_lines() {
  std::ifstream in(ember::testing::fixture("schemas/schemas-torch.txt"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

TEST(SchemaParse, EveryLineOfTheSchemaFile) {
  auto lines = schema_lines();
  ASSERT_GT(lines.size(), 4000u);
  size_t failures = 0;
  for (const auto& line : lines) {
    try {
      FunctionSchema s = parse_schema(line);
      // Printing and reparsing is a fixed point for every schema.
      std::string printed = s.str();
      EXPECT_EQ(parse_schema(printed).str(), printed) << line;
    } catch (const Error& e) {
      if (++failures < 20) ADD_FAILURE() << e.what();
    }
  }
  EXPECT_EQ(failures, 0u);
}

TEST(SchemaParse, PrintsTheFileSpellingBack) {
  // The file was printed by PyTorch; most lines come back byte for byte.
  auto lines = schema_lines();
  // ember reads SymInt (no symbolic shapes) and QScheme (an enum passed as int) as int, so
  // compare with that spelling.
  for (auto& line : lines)
    for (const std::string from : {"SymInt", "QScheme"})
      for (size_t p = line.find(from); p != std::string::npos; p = line.find(from, p)) line.replace(p, from.size(), "int");
  size_t same = 0;
  std::vector<std::string> different;
  for (const auto& line : lines) {
    if (parse_schema(line).str() == line) ++same;
    else if (different.size() < 10) different.push_back(line + "\n  printed: " + parse_schema(line).str());
  }
  for (const auto& d : different) ADD_FAILURE() << d;
  EXPECT_EQ(same, lines.size());
}

TEST(SchemaParse, Pieces) {
  FunctionSchema s = parse_schema("aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor");
  EXPECT_EQ(s.ns, "aten");
  EXPECT_EQ(s.name, "add");
  EXPECT_EQ(s.overload, "Tensor");
  EXPECT_EQ(s.qualified_name(), "aten::add");
  ASSERT_EQ(s.arguments.size(), 3u);
  EXPECT_FALSE(s.arguments[1].kwarg_only);
  EXPECT_TRUE(s.arguments[2].kwarg_only);
  EXPECT_EQ(s.arguments[2].type->kind, TypeKind::Number);
  ASSERT_TRUE(s.arguments[2].default_value);
  EXPECT_TRUE(s.arguments[2].default_value->is_int());
  EXPECT_EQ(s.arguments[2].default_value->to_int(), 1);
  ASSERT_EQ(s.returns.size(), 1u);
  EXPECT_FALSE(s.is_inplace());

  FunctionSchema conv = parse_schema(
      "aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[2] stride=1, int[2] padding=0, int[2] "
      "dilation=1, int groups=1) -> Tensor");
  EXPECT_EQ(conv.arguments[3].fixed_size, 2);
  EXPECT_EQ(conv.arguments[3].default_value->repr(), "[1, 1]");
  EXPECT_EQ(conv.arguments[2].type->str(), "Optional[Tensor]");
  EXPECT_TRUE(conv.arguments[2].default_value->is_none());

  FunctionSchema inplace = parse_schema("aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)");
  EXPECT_TRUE(inplace.is_inplace());
  EXPECT_EQ(inplace.arguments[0].alias, "a!");

  FunctionSchema out = parse_schema("aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)");
  EXPECT_TRUE(out.arguments[3].is_out);
  EXPECT_FALSE(out.is_inplace());

  FunctionSchema strip = parse_schema("aten::strip(str self, str chars=\" \\n\\t\\f\\v\") -> str");
  EXPECT_EQ(strip.arguments[1].default_value->to_string(), " \n\t\f\v");

  FunctionSchema ln = parse_schema(
      "aten::layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, float "
      "eps=1.0000000000000001e-05, bool cudnn_enable=True) -> Tensor");
  EXPECT_DOUBLE_EQ(ln.arguments[4].default_value->to_double(), 1e-5);
  EXPECT_TRUE(ln.arguments[5].default_value->to_bool());

  FunctionSchema fmt = parse_schema("aten::format(str self, ...) -> str");
  EXPECT_TRUE(fmt.is_vararg);
  FunctionSchema unpack = parse_schema("prim::TupleUnpack(Any tup) -> ...");
  EXPECT_TRUE(unpack.is_varret);

  FunctionSchema items = parse_schema("aten::items.str(Dict(str, t) self) -> ((str, t)[])");
  ASSERT_EQ(items.returns.size(), 1u);
  EXPECT_EQ(items.returns[0].type->str(), "List[Tuple[str, t]]");

  FunctionSchema mx = parse_schema("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
  ASSERT_EQ(mx.returns.size(), 2u);
  EXPECT_EQ(mx.returns[1].name, "indices");

  FunctionSchema split = parse_schema("aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]");
  EXPECT_EQ(split.arguments[0].alias, "a -> *");
  EXPECT_TRUE(split.returns[0].alias_on_element);
  EXPECT_EQ(split.arguments[1].type->kind, TypeKind::Int);

  // Names spelled in native_functions.yaml style.
  FunctionSchema named = parse_schema(
      "foo::bar(Tensor a, MemoryFormat m=contiguous_format, ScalarType d=long, int reduction=Mean, float x=-inf) -> ()");
  EXPECT_EQ(named.arguments[1].default_value->to_int(), 0);
  EXPECT_EQ(named.arguments[2].default_value->to_int(), 4);
  EXPECT_EQ(named.arguments[3].default_value->to_int(), 1);
  EXPECT_TRUE(std::isinf(named.arguments[4].default_value->to_double()));
  EXPECT_TRUE(named.returns.empty());
}

TEST(SchemaParse, ErrorsNameTheText) {
  for (const char* bad : {"aten::f(Tensor x", "aten::f(Tensor) -> Tensor", "aten::f(Tensor x) Tensor",
                          "aten::f(Tensor x, int y=abc) -> Tensor", "aten::f(Wibble x) -> Tensor",
                          "aten::f(int[] x=[1, 2) -> ()"}) {
    try {
      parse_schema(bad);
      ADD_FAILURE() << "parsed: " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ember::ops
