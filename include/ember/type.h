// ember/type.h — TorchScript types as ember represents them at run time.
//
// Types describe method signatures, list/dict element types (an empty List[int] still knows it
// holds ints), class attributes and isinstance checks. Class-like types (modules, TorchScript
// classes, NamedTuples, enums, interfaces) share one ClassType record that the archive loader
// creates by qualified name and the script compiler completes from `code/`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ember {

class Value;
struct ClassType;
struct Type;
using TypePtr = std::shared_ptr<const Type>;
using ClassTypePtr = std::shared_ptr<ClassType>;

#define EMBER_FORALL_TYPE_KINDS(_) \
  _(Any) _(None) _(Bool) _(Int) _(Float) _(Complex) _(Number) _(Str) _(Tensor) _(Device) \
  _(Layout) _(ScalarType) _(MemoryFormat) _(Generator) _(Storage) _(Stream) _(Capsule)   \
  _(AnyList) _(AnyTuple) _(AnyClass) _(AnyEnum)                                         \
  _(Optional) _(List) _(Dict) _(Tuple) _(Future) _(Class) _(Enum) _(Interface) _(Union) _(Var)

enum class TypeKind : uint8_t {
#define EMBER_TYPE_KIND_ENUM(name) name,
  EMBER_FORALL_TYPE_KINDS(EMBER_TYPE_KIND_ENUM)
#undef EMBER_TYPE_KIND_ENUM
};

struct Type {
  TypeKind kind = TypeKind::Any;
  // Optional[T]: {T}; List[T]: {T}; Dict[K, V]: {K, V}; Tuple[...]: elements; Future[T]: {T};
  // Union[...]: members.
  std::vector<TypePtr> contained;
  // Class/Enum/Interface, and NamedTuple (a Tuple with a class record naming its fields).
  ClassTypePtr cls;
  // Var: the type variable name in schemas ("t" in t[]).
  std::string var_name;

  static TypePtr get(TypeKind kind);  // shared singletons for kinds without parameters
  static TypePtr optional(TypePtr t);
  static TypePtr list(TypePtr t);
  static TypePtr dict(TypePtr k, TypePtr v);
  static TypePtr tuple(std::vector<TypePtr> elems, ClassTypePtr named = nullptr);
  static TypePtr future(TypePtr t);
  static TypePtr union_of(std::vector<TypePtr> members);
  static TypePtr var(std::string name);
  static TypePtr of_class(ClassTypePtr cls);  // Class, Enum or Interface per cls->kind

  // TorchScript's spelling: "Tensor", "List[int]", "Optional[Tensor]", "__torch__.Foo".
  std::string str() const;
  bool equals(const Type& other) const;
  // True when a value of this type may be used where `other` is expected (int -> number,
  // T -> Optional[T], NoneType -> Optional[T], anything -> Any, class -> implemented interface).
  bool is_subtype_of(const Type& other) const;
};

enum class ClassKind : uint8_t { Module, Class, NamedTuple, Enum, Interface, ModuleInterface };

struct Function;  // a compiled method, defined by the script compiler

struct ClassType {
  std::string qualname;  // "__torch__.torchvision.models.resnet.BasicBlock"
  ClassKind kind = ClassKind::Class;

  struct Attribute {
    std::string name;
    TypePtr type;  // may be null until the class's code is compiled
    bool is_parameter = false;
    bool is_buffer = false;
  };
  std::vector<Attribute> attributes;  // object slot order
  // Final constants and enum members: name -> value, in declaration order.
  std::vector<std::pair<std::string, std::shared_ptr<Value>>> constants;
  // Methods, in declaration order; filled by the script compiler.
  std::vector<std::pair<std::string, std::shared_ptr<Function>>> methods;
  // Interfaces: method names and their signatures' text, for checks.
  std::vector<std::string> interface_methods;

  int find_attribute(std::string_view name) const;  // -1 when absent
  // Index of `name`, adding it (with `type`) when absent.
  int add_attribute(std::string_view name, TypePtr type = nullptr);
  const Value* find_constant(std::string_view name) const;
  Function* find_method(std::string_view name) const;
  // Last component of the qualified name: "BasicBlock".
  std::string_view short_name() const;
};

}  // namespace ember
