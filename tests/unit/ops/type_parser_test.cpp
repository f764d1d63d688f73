// Type spellings from printed code, pickles and schemas.
#include <gtest/gtest.h>

#include "ember/error.h"
#include "values/type_parser.h"

namespace ember::script {
namespace {

std::string norm(std::string_view s) { return parse_type_string(s)->str(); }

TEST(TypeParser, PythonSpelling) {
  EXPECT_EQ(norm("Tensor"), "Tensor");
  EXPECT_EQ(norm("int"), "int");
  EXPECT_EQ(norm("Scalar"), "number");
  EXPECT_EQ(norm("Optional[List[int]]"), "Optional[List[int]]");
  EXPECT_EQ(norm("Dict[str, Tuple[Tensor, Optional[float]]]"), "Dict[str, Tuple[Tensor, Optional[float]]]");
  EXPECT_EQ(norm("Tuple[()]"), "Tuple[()]");
  EXPECT_EQ(norm("Future[Tensor]"), "Future[Tensor]");
  EXPECT_EQ(norm("Union[int, str]"), "Union[int, str]");
  EXPECT_EQ(norm("Union[int, NoneType]"), "Optional[int]");
  EXPECT_EQ(norm("NoneType"), "NoneType");
  EXPECT_EQ(norm("Device"), "Device");
  EXPECT_EQ(norm(" List[ Tensor ] "), "List[Tensor]");
}

TEST(TypeParser, SchemaSpelling) {
  EXPECT_EQ(norm("Tensor?"), "Optional[Tensor]");
  EXPECT_EQ(norm("Tensor?[]"), "List[Optional[Tensor]]");
  EXPECT_EQ(norm("int[]?"), "Optional[List[int]]");
  EXPECT_EQ(norm("int[2]"), "List[int]");
  EXPECT_EQ(norm("Dict(str, t)"), "Dict[str, t]");
  EXPECT_EQ(norm("(Tensor, int)"), "Tuple[Tensor, int]");
  EXPECT_EQ(norm("str[][]"), "List[List[str]]");
  EXPECT_EQ(parse_type_string("t1")->kind, TypeKind::Var);
  EXPECT_EQ(parse_type_string("tVal")->var_name, "tVal");
}

TEST(TypeParser, Classes) {
  TypePtr t = parse_type_string("List[__torch__.models.Block]");
  ASSERT_EQ(t->kind, TypeKind::List);
  EXPECT_EQ(t->contained[0]->kind, TypeKind::Class);
  EXPECT_EQ(t->contained[0]->cls->qualname, "__torch__.models.Block");

  auto cls = std::make_shared<ClassType>();
  cls->qualname = "__torch__.models.Block";
  cls->kind = ClassKind::Module;
  int asked = 0;
  TypePtr r = parse_type_string("Optional[__torch__.models.Block]", [&](std::string_view name) -> TypePtr {
    ++asked;
    EXPECT_EQ(name, "__torch__.models.Block");
    return Type::of_class(cls);
  });
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(r->contained[0]->cls, cls);
}

TEST(TypeParser, SchemaAliases) {
  SchemaTypeInfo info;
  std::string text = "Tensor(a!)[] out";
  size_t pos = 0;
  TypePtr t = parse_type_at(text, pos, nullptr, &info);
  EXPECT_EQ(t->str(), "List[Tensor]");
  EXPECT_EQ(info.alias, "a!");
  EXPECT_TRUE(info.alias_on_element);
  EXPECT_EQ(text.substr(pos), "out");
}

TEST(TypeParser, ErrorsNameTheText) {
  for (const char* bad : {"List[int", "Wibble", "Dict[int]", "Tensor(a)", "int]", "Optional[]"}) {
    try {
      parse_type_string(bad);
      ADD_FAILURE() << "parsed: " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ember::script
