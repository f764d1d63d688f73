// lang_test.cpp — TorchScript programs scripted/traced by PyTorch 1.13 (tests/fixtures/gen_lang.py)
// run by ember; every output is compared with what PyTorch returned for the same inputs (stored
// in the .cases file next to each archive). The comments state PyTorch's results.
#include <gtest/gtest.h>

#include "case_file.h"
#include "ember/ember.h"
#include "../fixtures.h"

namespace ember {
namespace {

using testing::compare_values;
using testing::read_cases;

// Runs every case of lang/<name>: outputs must equal PyTorch's; errors must contain PyTorch's
// message. Returns ember's outputs (None for errors) for extra checks.
std::vector<Value> run_program(const std::string& name) {
  std::vector<Value> results;
  Module m = load(ember::testing::fixture("lang/" + name + ".pt"));
  auto cases = read_cases(ember::testing::fixture("lang/" + name + ".cases"));
  EXPECT_FALSE(cases.empty());
  for (auto& c : cases) {
    SCOPED_TRACE(name + " case " + c.label);
    if (c.raises) {
      try {
        m.forward(c.inputs);
        ADD_FAILURE() << "expected an error containing: " << c.error;
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(c.error), std::string::npos) << e.what();
      }
      results.emplace_back();
      continue;
    }
    try {
      Value got = m.forward(c.inputs);
      EXPECT_EQ(compare_values(got, c.expected), "");
      results.push_back(got);
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
      results.emplace_back();
    }
  }
  return results;
}

// PyTorch: the gate returns x when x.sum() > 0, else -x.
TEST(LangTest, DecisionGate) { run_program("gate"); }

// The cell calls the gate on linear(x). Scripted, the `if` stays data-dependent; traced with an
// input whose sum is positive, PyTorch's trace keeps only the `return x` branch. PyTorch's outputs
// for the negative input differ between the two archives, and so must ember's.
TEST(LangTest, CellScriptedVersusTraced) {
  auto scripted = run_program("cell_scripted");
  auto traced = run_program("cell_traced");
  ASSERT_EQ(scripted.size(), traced.size());
  ASSERT_GE(scripted.size(), 2u);
  if (!scripted[1].is_none() && !traced[1].is_none()) {
    EXPECT_NE(compare_values(scripted[1], traced[1]), "");
  }
}

// PyTorch: dedup([3, 1, 3, 2, 1, 5]) == ([2, 5], {3: True, 1: True}); dedup([7, 7, 7]) == ([], {7: True}).
TEST(LangTest, DictIntBoolDedupOverNestedEnumerate) { run_program("dedup"); }

// PyTorch: x, x + bias, x * 2.5 and (x + bias) * -1.0 for the four calls.
TEST(LangTest, OptionalRefinement) { run_program("optional"); }

// PyTorch: n=5 gives ([0, 1, 4, 9, 16], {'k0': [0.0, 1.0, 2.0], 'k1': [0.5, 1.5]}, five full([2], i));
// n=0 gives three empty containers.
TEST(LangTest, TypedEmptyListsAndDicts) { run_program("typed_empty"); }

// PyTorch: ((3, 5), 7, x.view(3, -1)) from Final[int] K=2 slicing a Final tuple.
TEST(LangTest, FinalIntTupleSlicing) { run_program("final_slice"); }

// PyTorch: positive elements replaced by the 0-dim tensor value 7.0 (index_put_ with a bool mask).
TEST(LangTest, BooleanMaskIndexPutWithTensorValue) { run_program("mask_put"); }

// PyTorch: x.clamp(min=y.min().item()).
TEST(LangTest, ClampMinFromItem) { run_program("clamp_item"); }

// PyTorch: (x * 3, mean > 0.25): False for [0.1, 0.2], True for [0.5, 0.9].
TEST(LangTest, ModuleAttributeThreshold) { run_program("threshold"); }

// PyTorch: sigmoid(tanh(relu(x))) then [-y, 2 * y] over the ModuleDict in insertion order.
TEST(LangTest, ModuleListAndModuleDictIteration) { run_program("containers"); }
TEST(LangTest, ParameterListAndParameterDict) {
  run_program("param_containers");
  run_program("param_containers_traced");
}

// PyTorch: Accumulator(10) after adding 1, 2, 3 gives (16, 13.333333333333334, [11, 13, 16]).
TEST(LangTest, UserClassWithMethods) { run_program("user_class"); }

// PyTorch: Stats(mean=2 * x.mean(), count=7, label='n2') for a 2x3 input.
TEST(LangTest, NamedTupleReturn) { run_program("named_tuple"); }

// PyTorch: n=10 gives (37, 1, [1, 2, 4, 5, 7, 8, 10]); n=0 gives (0, 1, []).
TEST(LangTest, WhileWithBreakAndContinue) { run_program("while_loop"); }

// PyTorch: (['ALPHA', 'beta', 'gamma', 'AVOCADO'], 'ALPHA-beta-gamma-AVOCADO', 7, False, '5:ALP').
TEST(LangTest, StringProcessing) { run_program("strings"); }

// PyTorch: (-7) // 2 == -4, (-7) % 2 == 1, 7 // -2 == -4, 7 % -2 == -1, 7 / 2 == 3.5, 7. % -2 == -1.0.
TEST(LangTest, IntegerDivisionAndModuloOfNegatives) { run_program("int_math"); }

// PyTorch: "builtins.ValueError: n must be non-negative, got -2" and
// "RuntimeError: AssertionError: n too large"; ember's message also names the source line.
TEST(LangTest, RaiseCarriesMessageAndLine) {
  run_program("raise");
  Module m = load(ember::testing::fixture("lang/raise.pt"));
  try {
    m.forward({Value(Tensor::zeros(std::vector<int64_t>{2}, DType::Float32)), Value(int64_t{-1})});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("builtins.ValueError: n must be non-negative, got -1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("code/__torch__/gen_lang.py:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("forward"), std::string::npos) << msg;
  }
}

// One of each statement and expression form (see Forms in gen_lang.py).
TEST(LangTest, StatementAndExpressionForms) { run_program("forms"); }

// PyTorch: ('RED', 1, False) and ('GREEN', 2, True).
TEST(LangTest, EnumNameValueAndEquality) { run_program("enum"); }

// PyTorch: impl.forward(x) + 1 == 2x + 1 through a ModuleInterface-typed attribute.
TEST(LangTest, InterfaceCall) { run_program("interface"); }

// The OldOps program saved as a version-3 archive. PyTorch 1.13 loading it applies its upgraders:
// int tensors [7, -7, 5, 9] / [2, 2, -3, 3] give [3, -3, -1, 3] (truncation, not true division),
// full([2], 2) gives float32 [2., 2.], and linspace(0., 1.) without steps gives 100 points.
TEST(LangTest, UpgradersForVersion3Archive) { run_program("old_ops"); }

TEST(LangTest, ArgumentChecks) {
  Module m = load(ember::testing::fixture("lang/int_math.pt"));
  try {
    m.forward({Value(int64_t{1})});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("forward() is missing value for argument 'b'"), std::string::npos) << e.what();
  }
  try {
    m.forward({Value(1.5), Value(int64_t{2})});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("forward() expected argument 'a' of type int but got float"), std::string::npos)
        << e.what();
  }
  try {
    m.forward({Value(int64_t{1}), Value(int64_t{2}), Value(int64_t{3})});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("forward() takes 2 arguments but 3 were given"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ember
