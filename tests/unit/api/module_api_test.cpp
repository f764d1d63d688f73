// Module control through the public API against PyTorch: tests/fixtures/gen_api.py saves a scripted
// model in training mode (with extra files) and records PyTorch's outputs for the calls made here:
// training and eval mode, a method with keyword arguments, a submodule's own methods, attributes
// set between calls (which the load-time freezing must not keep stale), loading from memory.
#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "error_text.h"
#include "../fixtures.h"
#include "ember/ember.h"

namespace ember {
namespace {

class ModuleApi : public ::testing::Test {
 protected:
  void SetUp() override {
    m_ = load(testing::fixture("api/control.pt"));
    ref_ = load(testing::fixture("api/control_ref.pt"));
  }
  Tensor ref(const std::string& name) const { return ref_.attr(name).to_tensor(); }
  void expect_same(const Tensor& got, const std::string& name) const {
    SCOPED_TRACE(name);
    Tensor want = ref(name);
    ASSERT_EQ(dtype_name(got.dtype()), dtype_name(want.dtype()));
    ASSERT_EQ(shape_string(got.sizes()), shape_string(want.sizes()));
    double scale = 1;
    for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::abs(want.at_double(i)));
    for (int64_t i = 0; i < want.numel(); ++i) EXPECT_NEAR(got.at_double(i), want.at_double(i), 1e-4 * scale) << i;
  }
  // forward(x, k, [e1], b) -> (h, {"values", "indices"})
  Value full_call(int64_t k) const {
    return m_.forward({ref("x"), k, list_value(std::vector<Tensor>{ref("e1")}), ref("b")});
  }
  Module m_{nullptr}, ref_{nullptr};
};

using testing::error_of;

TEST_F(ModuleApi, TrainingModeAsSavedThenEval) {
  EXPECT_TRUE(m_.is_training());
  Value out = full_call(2);
  expect_same(tuple_at(out, 0).to_tensor(), "train_h");
  expect_same(dict_at(tuple_at(out, 1), "values").to_tensor(), "train_v");
  expect_same(dict_at(tuple_at(out, 1), "indices").to_tensor(), "train_i");
  m_.eval();
  EXPECT_FALSE(m_.is_training());
  EXPECT_FALSE(m_.child("child").is_training());
  out = full_call(2);
  expect_same(tuple_at(out, 0).to_tensor(), "eval_h");
  expect_same(dict_at(tuple_at(out, 1), "values").to_tensor(), "eval_v");
  expect_same(dict_at(tuple_at(out, 1), "indices").to_tensor(), "eval_i");
  // Optional[Tensor] as None, an empty List[Tensor], bias omitted (its default).
  out = m_.forward({ref("x"), 3, list_value(std::vector<Tensor>{}), Value()});
  expect_same(tuple_at(out, 0).to_tensor(), "eval_nob_h");
  expect_same(dict_at(tuple_at(out, 1), "indices").to_tensor(), "eval_nob_i");
  out = m_.forward({ref("x"), 3, list_value(std::vector<Tensor>{})});
  expect_same(tuple_at(out, 0).to_tensor(), "eval_nob_h");
  EXPECT_THROW(dict_at(tuple_at(out, 1), "missing"), Error);
  m_.train();
  expect_same(tuple_at(full_call(2), 0).to_tensor(), "train_h");
}

TEST_F(ModuleApi, MethodHandlesWithKeywords) {
  m_.eval();
  Method score = m_.get_method("score");
  EXPECT_EQ(score.name(), "score");
  EXPECT_EQ(score.signature(), "score(self, x: Tensor, power: int=2, shift: float=0.0) -> Tensor");
  auto args = score.arguments();
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[1].name, "power");
  EXPECT_EQ(args[1].type, "int");
  EXPECT_TRUE(args[1].has_default);
  EXPECT_EQ(args[1].default_value.to_int(), 2);
  EXPECT_EQ(score.return_type(), "Tensor");
  expect_same(score({ref("x")}).to_tensor(), "score_default");
  expect_same(score({ref("x")}, {{"shift", 0.5}, {"power", 3}}).to_tensor(), "score_kw");
  expect_same(m_.run_method("score", {ref("x"), 3}, {{"shift", 0.5}}).to_tensor(), "score_kw");
  expect_same(tuple_at(m_.forward({ref("x"), 2}, {{"extra", list_value(std::vector<Tensor>{ref("e1")})}, {"bias", ref("b")}}), 0).to_tensor(),
              "eval_h");
  // Errors: unknown method, keywords, types, counts.
  EXPECT_NE(error_of([&] { m_.get_method("nope"); }).find("has no method 'nope'"), std::string::npos);
  EXPECT_NE(error_of([&] { score({ref("x")}, {{"bogus", 1}}); }).find("unexpected keyword argument 'bogus'"), std::string::npos);
  EXPECT_NE(error_of([&] { score({ref("x"), 2}, {{"power", 3}}); }).find("multiple values for argument 'power'"), std::string::npos);
  EXPECT_NE(error_of([&] { score({}, {{"power", 3}}); }).find("missing value for argument 'x'"), std::string::npos);
  EXPECT_NE(error_of([&] { score({ref("x"), 2.5}); }).find("expected argument 'power' of type int but got float"), std::string::npos);
  EXPECT_NE(error_of([&] { score({ref("x"), 1, 0.0, 4}); }).find("takes 3 arguments but 4 were given"), std::string::npos);
  EXPECT_NE(error_of([&] { m_.forward({ref("x"), 2, list_value(std::vector<int64_t>{1})}); }).find("List[Tensor]"), std::string::npos);
}

TEST_F(ModuleApi, PrepareForShapesChangesNothing) {
  m_.eval();
  // score(x, power=2, shift=0.0): tensor arguments given, the rest take their defaults.
  EXPECT_TRUE(m_.prepare({{{5, 4}, DType::Float32}}, "score"));
  expect_same(m_.run_method("score", {ref("x")}).to_tensor(), "score_default");
  // forward needs k and extra: zeros of x alone do not run it, and nothing changes.
  EXPECT_FALSE(m_.prepare({{{5, 4}, DType::Float32}}));
  EXPECT_FALSE(m_.prepare({{{5, 4}, DType::Float32}}, "nope"));
  expect_same(tuple_at(full_call(2), 0).to_tensor(), "eval_h");
  // Only the root module's methods are specialised at load.
  EXPECT_NE(error_of([&] { m_.child("child").prepare({{{5, 4}, DType::Float32}}); }).find("submodule"), std::string::npos);
}

TEST_F(ModuleApi, Submodules) {
  m_.eval();
  Module child = m_.child("child");
  EXPECT_EQ(child.type_name().substr(child.type_name().rfind('.') + 1), "Child");
  expect_same(child.forward({ref("x")}).to_tensor(), "child_eval");
  EXPECT_EQ(child.run_method("describe", {3}).to_string(), "child3");
  EXPECT_EQ(child.get_method("describe")({}, {{"k", 7}}).to_string(), "child7");
  std::vector<std::string> names;
  for (const auto& [n, c] : m_.named_children()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"child", "blocks"}));
  names.clear();
  for (const auto& [n, c] : m_.named_modules()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"", "child", "child.lin", "blocks", "blocks.0", "blocks.1"}));
  std::vector<std::string> params;
  for (const auto& [n, t] : child.named_parameters()) params.push_back(n);
  EXPECT_EQ(params, (std::vector<std::string>{"lin.weight", "lin.bias"}));
  EXPECT_NE(error_of([&] { m_.child("scale"); }).find("not a module"), std::string::npos);
  EXPECT_NE(error_of([&] { m_.child("nope"); }).find("has no submodule 'nope'"), std::string::npos);
}

TEST_F(ModuleApi, SetAttrTakesEffectOnTheNextCall) {
  m_.eval();
  expect_same(tuple_at(full_call(2), 0).to_tensor(), "eval_h");  // specialised with scale = 1
  m_.set_attr("scale", 3.0);
  EXPECT_EQ(m_.attr("scale").to_double(), 3.0);
  expect_same(tuple_at(full_call(2), 0).to_tensor(), "scaled_h");
  m_.child("child").set_attr("gain", -1.0);
  expect_same(tuple_at(full_call(2), 0).to_tensor(), "child_gain_h");
  // Tensors too.
  m_.set_attr("scale", 1.0);
  m_.child("child").set_attr("gain", 2.0);
  m_.set_attr("offset", ones({3}));
  Tensor h = tuple_at(full_call(2), 0).to_tensor();
  EXPECT_TRUE(allclose(h, ref("eval_h") + 1, 1e-5, 1e-5));
  EXPECT_NE(error_of([&] { m_.set_attr("scale", "big"); }).find("declared float"), std::string::npos);
  EXPECT_NE(error_of([&] { m_.set_attr("nope", 1); }).find("has no attribute 'nope'"), std::string::npos);
  m_.set_attr("note", "added", true);
  EXPECT_EQ(m_.attr("note").to_string(), "added");
}

TEST_F(ModuleApi, ExtraFilesAndLoadingFromMemory) {
  const auto& extra = m_.extra_files();
  ASSERT_EQ(extra.size(), 2u);
  EXPECT_EQ(extra.at("meta.json"), "{\"labels\": [\"a\", \"b\"]}");
  EXPECT_EQ(extra.at("notes.txt"), "hello\n");
  std::ifstream f(testing::fixture("api/control.pt"), std::ios::binary);
  std::stringstream bytes;
  bytes << f.rdbuf();
  std::string data = bytes.str();
  Module mem = load_from_memory(data.data(), data.size());
  mem.eval();
  Value out = mem.forward({ref("x"), 2, list_value(std::vector<Tensor>{ref("e1")}), ref("b")});
  expect_same(tuple_at(out, 0).to_tensor(), "eval_h");
  EXPECT_EQ(mem.extra_files().at("notes.txt"), "hello\n");
  std::istringstream in(data);
  Module streamed = load(in);
  EXPECT_TRUE(streamed.is_training());
  std::string bad = data.substr(0, data.size() / 2);
  std::string msg = error_of([&] { load_from_memory(bad.data(), bad.size()); });
  EXPECT_EQ(msg.rfind("<memory>: ", 0), 0u) << msg;
  std::istringstream empty("");
  EXPECT_EQ(error_of([&] { load(empty); }).rfind("<stream>: ", 0), 0u);
}

// One Module called from four threads at once gives every thread PyTorch's results.
TEST_F(ModuleApi, ConcurrentCallsOnOneModule) {
  m_.eval();
  std::atomic<int> mismatches{0};
  Tensor want = ref("eval_h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Method score = m_.get_method("score");
      for (int i = 0; i < 50; ++i) {
        Tensor h = tuple_at(full_call(2), 0).to_tensor();
        if (!allclose(h, want, 1e-4, 1e-5)) ++mismatches;
        if (!allclose(score({ref("x")}, {{"shift", 0.5}, {"power", 3}}).to_tensor(), ref("score_kw"), 1e-4, 1e-5))
          ++mismatches;
        (void)t;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// set_num_threads holds for threads started afterwards, not only the calling one.
TEST(Threads, ProcessWideCount) {
  const int before = get_num_threads();
  set_num_threads(1);
  int seen_api = 0, seen_omp = 0;
  std::thread([&] {
    seen_api = get_num_threads();
    (void)sum(ones({4}));  // any entry point applies the count to this thread's OpenMP state
    seen_omp = omp_get_max_threads();
  }).join();
  EXPECT_EQ(seen_api, 1);
  EXPECT_EQ(seen_omp, 1);
  {
    ThreadScope scope(2);
    EXPECT_EQ(get_num_threads(), 2);
    int other = 0;
    std::thread([&] { other = get_num_threads(); }).join();
    EXPECT_EQ(other, 1);  // a scope is the calling thread's only
  }
  EXPECT_EQ(get_num_threads(), 1);
  EXPECT_THROW(set_num_threads(0), Error);
  set_num_threads(before);
}

}  // namespace
}  // namespace ember
