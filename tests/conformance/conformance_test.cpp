// conformance_test.cpp — real models, PyTorch's numbers.
//
// tests/fixtures/gen_zoo.py builds every model of the zoo with random weights, exports it with
// torch.jit.trace and torch.jit.script, and records the inputs, what PyTorch returned and which
// ops PyTorch's graph calls (out/zoo/<model>/manifest.json). For each (model, variant) this test
// checks the archive (`ember::check` must report no problems), loads it, runs forward on the same
// inputs and compares every output with PyTorch's: structure, dtypes and shapes exactly, integers
// and bools exactly, floats to 1e-4 × max(1, max |expected|). A variant PyTorch could not export is
// a skipped test carrying PyTorch's reason; a test that compared nothing fails.
//
// `Corpus.EveryOpIsSupported` aggregates the ops of the whole corpus and lists the missing ones.
// `--report=FILE` runs everything in one process and writes the status table (docs/models.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive/npy.h"
#include "ember/ember.h"
#include "ops/registry.h"
#include "core/check.h"

namespace compat_report {
std::string section();        // compat_report.cpp
std::string quant_section();  // compat_report.cpp
std::string spectral_section();  // compat_report.cpp
}

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The zoo, in gen_zoo.py's order (Corpus.IndexMatchesSuite keeps the two lists in step).
constexpr std::array<const char*, 24> kModels = {
    "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "efficientnet_b0", "densenet121", "squeezenet1_1", "shufflenet_v2_x1_0", "mnasnet1_0",
    "googlenet", "inception_v3", "vgg11_bn", "alexnet", "regnet_y_400mf", "convnext_tiny",
    "vit_b_16", "swin_t", "fcn_resnet50", "deeplabv3_mobilenet_v3_large",
    "lraspp_mobilenet_v3_large", "ssdlite320_mobilenet_v3_large",
    "fasterrcnn_mobilenet_v3_large_320_fpn", "bert_encoder"};
constexpr std::array<const char*, 2> kVariants = {"traced", "scripted"};

constexpr double kRelTolerance = 1e-4;

fs::path zoo_dir() {
  const char* dir = std::getenv("EMBER_FIXTURES");
  return fs::path(dir ? dir : "fixtures") / "zoo";
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("missing fixture " + p.string() + " (run tests/fixtures/make_fixtures.py)");
  return json::parse(in);
}

std::string first_line(const std::string& s, size_t max_len = 160) {
  std::string line = s.substr(0, s.find('\n'));
  if (line.size() > max_len) line = line.substr(0, max_len) + "…";
  return line;
}

// ---- what each test found, for the report -----------------------------------------------------

struct Outcome {
  enum Kind { Pass, Fail, Skip } kind = Fail;
  std::string detail;  // the first failure, or why it was skipped
  double check_s = 0, load_s = 0, forward_s = 0;
  double worst_of_limit = 0;  // largest float error as a fraction of its tolerance
};
std::map<std::string, Outcome>& outcomes() {
  static std::map<std::string, Outcome> m;
  return m;
}

struct MissingOp {
  std::set<std::string> users;  // "model/variant"
};
struct CorpusSummary {
  bool ran = false;
  std::map<std::string, MissingOp> missing;  // op -> who needs it
  std::map<std::string, std::set<std::string>> other_problems;  // problem -> who has it
  std::set<std::string> ops_used;                                // union of ember's ops_used
  // Unregistered ops in PyTorch's graphs that ember::check did not flag: compiled as language
  // constructs (`dict()`, `is`), or in a statement that already had a problem.
  std::map<std::string, std::set<std::string>> unflagged;
  size_t archives = 0;
};
CorpusSummary& corpus() {
  static CorpusSummary c;
  return c;
}

// Collects failures: each is a GoogleTest failure, and the first one becomes the report's text.
class Findings {
 public:
  void fail(const std::string& what) {
    ADD_FAILURE() << what;
    all_.push_back(what);
  }
  bool ok() const { return all_.empty(); }
  const std::vector<std::string>& all() const { return all_; }

 private:
  std::vector<std::string> all_;
};

// ---- inputs -----------------------------------------------------------------------------------

ember::Value to_value(const json& node, const fs::path& dir) {
  const std::string kind = node.at("kind");
  if (kind == "tensor") {
    ember::Tensor t = ember::archive::load_npy((dir / node.at("file").get<std::string>()).string());
    return ember::Value(t);
  }
  if (kind == "none") return ember::Value();
  if (kind == "bool") return ember::Value(node.at("value").get<bool>());
  if (kind == "int") return ember::Value(node.at("value").get<int64_t>());
  if (kind == "float") return ember::Value(node.at("value").get<double>());
  if (kind == "str") return ember::Value(node.at("value").get<std::string>());
  if (kind == "tuple" || kind == "list") {
    std::vector<ember::Value> items;
    for (const auto& x : node.at("items")) items.push_back(to_value(x, dir));
    if (kind == "tuple") return ember::Value(ember::make_tuple(std::move(items)));
    bool tensors = !items.empty() && std::all_of(items.begin(), items.end(), [](const ember::Value& v) { return v.is_tensor(); });
    EMBER_ASSERT(tensors, "gen_zoo.py only passes lists of tensors");
    return ember::Value(ember::make_list(ember::Type::get(ember::TypeKind::Tensor), std::move(items)));
  }
  throw std::runtime_error("unsupported input kind " + kind);
}

// ---- outputs ----------------------------------------------------------------------------------

struct Comparison {
  Findings& findings;
  fs::path dir;     // where out_<i>.npy are
  int tensors = 0;  // tensors compared
  int leaves = 0;   // tensors and scalars compared
  double worst_ratio = 0;  // max over float tensors of (max abs error / limit)

  void tensor(const json& node, const ember::Value& got, const std::string& where) {
    const std::string file = node.at("file");
    if (!got.is_tensor()) return findings.fail(where + ": expected a Tensor, ember returned " + std::string(got.tag_name()));
    ember::Tensor expected = ember::archive::load_npy((dir / file).string());
    const ember::Tensor& actual = got.to_tensor();
    ++tensors;
    ++leaves;
    if (actual.dtype() != expected.dtype())
      return findings.fail(where + " (" + file + "): dtype " + std::string(ember::dtype_name(actual.dtype())) +
                           ", PyTorch " + std::string(ember::dtype_name(expected.dtype())));
    if (actual.sizes() != expected.sizes())
      return findings.fail(where + " (" + file + "): shape " + ember::shape_string(actual.sizes()) + ", PyTorch " +
                           ember::shape_string(expected.sizes()));
    const int64_t n = expected.numel();
    if (ember::is_floating(expected.dtype())) {
      double max_abs = 0;
      for (int64_t i = 0; i < n; ++i)
        if (std::isfinite(expected.at_double(i))) max_abs = std::max(max_abs, std::fabs(expected.at_double(i)));
      const double limit = kRelTolerance * std::max(1.0, max_abs);
      double worst = 0;
      int64_t worst_i = -1;
      for (int64_t i = 0; i < n; ++i) {
        double e = expected.at_double(i), a = actual.at_double(i);
        double err;
        if (std::isnan(e) || std::isinf(e)) err = (std::isnan(e) ? std::isnan(a) : a == e) ? 0 : INFINITY;
        else err = std::isnan(a) ? INFINITY : std::fabs(a - e);
        if (err > worst || (worst_i < 0 && err >= worst)) worst = err, worst_i = i;
      }
      worst_ratio = std::max(worst_ratio, n ? worst / limit : 0.0);
      if (worst > limit) {
        std::ostringstream msg;
        msg << where << " (" << file << ", " << ember::shape_string(expected.sizes()) << "): max abs error " << worst
            << " at flat index " << worst_i << " (ember " << actual.at_double(worst_i) << ", PyTorch "
            << expected.at_double(worst_i) << "), limit " << limit;
        findings.fail(msg.str());
      }
    } else {
      ember::Tensor a = actual.to(ember::DType::Int64).contiguous(), e = expected.to(ember::DType::Int64).contiguous();
      const int64_t* pa = a.data<int64_t>();
      const int64_t* pe = e.data<int64_t>();
      int64_t wrong = 0, first = -1;
      for (int64_t i = 0; i < n; ++i)
        if (pa[i] != pe[i] && wrong++ == 0) first = i;
      if (wrong) {
        std::ostringstream msg;
        msg << where << " (" << file << "): " << wrong << " of " << n << " elements differ, first at flat index "
            << first << " (ember " << pa[first] << ", PyTorch " << pe[first] << ")";
        findings.fail(msg.str());
      }
    }
  }

  void value(const json& node, const ember::Value& got, const std::string& where) {
    const std::string kind = node.at("kind");
    auto mismatch = [&](const std::string& what) {
      findings.fail(where + ": expected " + what + ", ember returned " + got.repr().substr(0, 200));
    };
    if (kind == "tensor") return tensor(node, got, where);
    if (kind == "none") {
      ++leaves;
      if (!got.is_none()) mismatch("None");
      return;
    }
    if (kind == "bool" || kind == "int" || kind == "str") {
      ++leaves;
      bool same = kind == "bool"  ? got.is_bool() && got.to_bool() == node.at("value").get<bool>()
                  : kind == "int" ? got.is_int() && got.to_int() == node.at("value").get<int64_t>()
                                  : got.is_string() && got.to_string() == node.at("value").get<std::string>();
      if (!same) mismatch(node.at("value").dump());
      return;
    }
    if (kind == "float") {
      ++leaves;
      const json& v = node.at("value");
      double e = v.is_string() ? std::stod(v.get<std::string>()) : v.get<double>();
      bool same = got.is_double() && (std::isnan(e) ? std::isnan(got.to_double())
                                      : std::isinf(e) ? got.to_double() == e
                                                      : std::fabs(got.to_double() - e) <= kRelTolerance * std::max(1.0, std::fabs(e)));
      if (!same) mismatch(v.dump());
      return;
    }
    if (kind == "tuple" || kind == "list") {
      const auto& items = node.at("items");
      const std::vector<ember::Value>* got_items = nullptr;
      if (kind == "tuple" && got.is_tuple()) got_items = &got.to_tuple()->items;
      if (kind == "list" && got.is_list()) got_items = &got.to_list()->items;
      if (!got_items) return mismatch("a " + kind + " of " + std::to_string(items.size()));
      if (got_items->size() != items.size()) return mismatch("a " + kind + " of " + std::to_string(items.size()));
      for (size_t i = 0; i < items.size(); ++i) value(items[i], (*got_items)[i], where + "[" + std::to_string(i) + "]");
      return;
    }
    if (kind == "dict") {
      const auto& keys = node.at("keys");
      const auto& values = node.at("values");
      if (!got.is_dict()) return mismatch("a dict of " + std::to_string(keys.size()));
      auto items = got.to_dict()->items();
      if (items.size() != keys.size()) return mismatch("a dict of " + std::to_string(keys.size()));
      for (size_t i = 0; i < keys.size(); ++i) {
        std::string key_text = keys[i].at("value").dump();
        Findings key_findings;
        Comparison key_cmp{key_findings, dir};
        key_cmp.value(keys[i], items[i].first, where + " key " + std::to_string(i));
        if (!key_findings.ok()) {
          findings.fail(where + ": key " + std::to_string(i) + " is " + items[i].first.repr() + ", PyTorch " + key_text);
          continue;
        }
        value(values[i], items[i].second, where + "[" + key_text + "]");
      }
      return;
    }
    findings.fail(where + ": unknown output kind " + kind + " in the manifest");
  }
};

// "ns::name.overload" -> registered?
bool registered(const std::string& op) {
  auto dot = op.find('.', op.find("::"));
  std::string name = op.substr(0, dot);
  std::string overload = dot == std::string::npos ? "" : op.substr(dot + 1);
  return ember::ops::Registry::global().find(name, overload) != nullptr;
}

std::string op_name(const std::string& op) { return op.substr(0, op.find('.', op.find("::"))); }

// What an ember::check problem line is about: {"unknown", "aten::foo"}, {"overload",
// "aten::foo(Tensor, int)"} or {"other", the line}.
std::pair<std::string, std::string> classify_problem(const std::string& p) {
  const std::string unknown = "unsupported operation ", overload = "no matching overload for ";
  if (p.rfind(unknown, 0) == 0) {
    std::string rest = p.substr(unknown.size());
    return {"unknown", rest.substr(0, rest.find(' '))};
  }
  if (p.rfind(overload, 0) == 0) {
    std::string line = first_line(p, 400).substr(overload.size());
    if (!line.empty() && line.back() == ':') line.pop_back();
    return {"overload", line};
  }
  return {"other", first_line(p, 200)};
}

// ---- one model, one variant -------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Loads and runs one (model, variant) with `options` and compares with PyTorch; `out` records the
// outcome for the report.
void run_conformance(const std::string& model, const std::string& variant, const ember::LoadOptions& options,
                     Outcome& out) {
  out = Outcome{};
  const fs::path dir = zoo_dir() / model;
  json manifest;
  try {
    manifest = read_json(dir / "manifest.json");
  } catch (const std::exception& e) {
    out.detail = e.what();
    FAIL() << e.what();
  }
  const json& entry = manifest.at("variants").at(variant);
  const std::string status = entry.at("status");
  if (status != "ok") {
    out.kind = Outcome::Skip;
    out.detail = status == "export_failed" ? "PyTorch cannot export: " + entry.at("error").get<std::string>()
                                           : entry.at("reason").get<std::string>();
    GTEST_SKIP() << out.detail;
  }
  Findings findings;
  auto finish = [&] {
    out.kind = findings.ok() ? Outcome::Pass : Outcome::Fail;
    if (!findings.ok()) out.detail = findings.all().front();
  };
  const std::string path = (dir / entry.at("file").get<std::string>()).string();

  auto t0 = std::chrono::steady_clock::now();
  try {
    ember::CheckReport report = ember::check(path);
    out.check_s = seconds_since(t0);
    if (!report.ok()) {
      std::string list;
      for (const auto& p : report.problems) list += "\n  " + p;
      findings.fail("ember::check: " + std::to_string(report.problems.size()) + " problems:" + list);
      out.kind = Outcome::Fail;
      // Short form for the table: each distinct missing op or construct once.
      std::set<std::string> seen;
      std::string names;
      for (const auto& p : report.problems) {
        auto [kind, what] = classify_problem(p);
        std::string item = kind == "unknown" ? "`" + what + "`" : kind == "overload" ? "no overload `" + what + "`" : what;
        if (seen.insert(item).second) names += (names.empty() ? "" : ", ") + item;
      }
      out.detail = "check: " + names;
      return;
    }
  } catch (const ember::Error& e) {
    findings.fail(std::string("ember::check threw: ") + e.what());
    return finish();
  }

  std::vector<ember::Value> inputs;
  for (const auto& node : manifest.at("inputs")) inputs.push_back(to_value(node, dir));

  ember::Value result;
  t0 = std::chrono::steady_clock::now();
  try {
    ember::Module m = ember::load(path, options);
    out.load_s = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    result = m.forward(inputs);
    out.forward_s = seconds_since(t0);
  } catch (const ember::Error& e) {
    findings.fail(std::string("load/forward: ") + e.what());
    return finish();
  }

  Comparison cmp{findings, dir / variant};
  cmp.value(entry.at("outputs"), result, "output");
  out.worst_of_limit = cmp.worst_ratio;
  const int expected_tensors = entry.at("num_output_tensors");
  if (cmp.tensors != expected_tensors && findings.ok())
    findings.fail("compared " + std::to_string(cmp.tensors) + " output tensors, PyTorch returned " +
                  std::to_string(expected_tensors));
  if (cmp.leaves == 0 || expected_tensors == 0)
    findings.fail("nothing was compared: the manifest lists no outputs");
  finish();
  if (cmp.worst_ratio > 1 && manifest.contains("torch_fp32_error_of_limit")) {
    // Tells a kernel bug from an ill-conditioned model: how far PyTorch itself is from float64.
    std::ostringstream note;
    note.precision(2);
    note << "PyTorch's own float32 result is " << manifest.at("torch_fp32_error_of_limit").get<double>()
         << " of the limit away from float64";
    std::cerr << note.str() << "\n";
    out.detail += " (" + note.str() + ")";
  }
}

class Conformance : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(Conformance, MatchesPyTorch) {
  const std::string model = std::get<0>(GetParam()), variant = std::get<1>(GetParam());
  run_conformance(model, variant, ember::LoadOptions(), outcomes()[model + "/" + variant]);
}

// The same comparison with every load-time pass off, on a subset covering what the passes
// rewrite (residual blocks, depthwise + relu6, SiLU + squeeze-excitation, hardswish heads,
// attention): a pass that changes results shows up as one of the two suites failing.
class ConformanceUnoptimized : public Conformance {};

TEST_P(ConformanceUnoptimized, MatchesPyTorch) {
  Outcome out;
  run_conformance(std::get<0>(GetParam()), std::get<1>(GetParam()), ember::LoadOptions{{"all"}}, out);
}

std::string test_name(const ::testing::TestParamInfo<Conformance::ParamType>& info) {
  return std::get<0>(info.param) + "_" + std::get<1>(info.param);
}

INSTANTIATE_TEST_SUITE_P(Zoo, Conformance,
                         ::testing::Combine(::testing::ValuesIn(std::vector<std::string>(kModels.begin(), kModels.end())),
                                            ::testing::ValuesIn(std::vector<std::string>(kVariants.begin(), kVariants.end()))),
                         test_name);

INSTANTIATE_TEST_SUITE_P(NoPasses, ConformanceUnoptimized,
                         ::testing::Combine(::testing::Values("resnet18", "mobilenet_v2", "efficientnet_b0",
                                                              "mobilenet_v3_small", "bert_encoder"),
                                            ::testing::ValuesIn(std::vector<std::string>(kVariants.begin(), kVariants.end()))),
                         test_name);

// ---- the corpus as a whole --------------------------------------------------------------------

TEST(Corpus, IndexMatchesSuite) {
  json index = read_json(zoo_dir() / "index.json");
  std::vector<std::string> generated = index.at("models");
  std::vector<std::string> tested(kModels.begin(), kModels.end());
  EXPECT_EQ(generated, tested) << "gen_zoo.py's ZOO and kModels in this file list different models";
}

// Every op the corpus uses must be supported: ember::check of every archive reports no unknown op,
// no call without a matching overload and no other problem. An unknown op is listed under the
// overloads PyTorch's own graph of that archive calls (aten::empty.memory_format rather than
// aten::empty), so the list says which schemas to register.
TEST(Corpus, EveryOpIsSupported) {
  CorpusSummary& c = corpus();
  c = CorpusSummary{};
  c.ran = true;
  int variants = 0;
  for (const char* model : kModels) {
    const fs::path dir = zoo_dir() / model;
    json manifest;
    try {
      manifest = read_json(dir / "manifest.json");
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    for (const char* variant : kVariants) {
      const json& entry = manifest.at("variants").at(variant);
      if (entry.at("status") != "ok") continue;
      const std::string who = std::string(model) + "/" + variant;
      ++variants;
      // PyTorch's graph: its unregistered aten:: and torchvision:: ops, by name. (prim:: nodes are
      // language constructs ember compiles without the registry.)
      std::map<std::string, std::set<std::string>> graph_missing;
      for (const std::string op : entry.at("torch_ops")) {
        bool real_op = op.rfind("aten::", 0) == 0 || op.rfind("torchvision::", 0) == 0;
        if (real_op && !registered(op)) graph_missing[op_name(op)].insert(op);
      }
      std::set<std::string> reported;
      try {
        ember::CheckReport r = ember::check((dir / entry.at("file").get<std::string>()).string());
        ++c.archives;
        c.ops_used.insert(r.ops_used.begin(), r.ops_used.end());
        for (const auto& p : r.problems) {
          auto [kind, what] = classify_problem(p);
          if (kind == "unknown") {
            reported.insert(what);
            auto g = graph_missing.find(what);
            if (g == graph_missing.end()) c.missing[what].users.insert(who);
            else
              for (const auto& op : g->second) c.missing[op].users.insert(who);
          } else if (kind == "overload") {
            c.missing[what + " (no matching overload)"].users.insert(who);
          } else {
            c.other_problems[what].insert(who);
          }
        }
      } catch (const ember::Error& e) {
        c.other_problems[std::string("unreadable: ") + first_line(e.what(), 200)].insert(who);
      }
      for (const auto& [name, ops] : graph_missing)
        if (!reported.count(name))
          for (const auto& op : ops) c.unflagged[op].insert(who);
    }
  }
  ASSERT_GT(variants, 0) << "no exported model in " << zoo_dir();
  EXPECT_EQ(c.archives, static_cast<size_t>(variants));

  std::vector<std::pair<std::string, size_t>> sorted;
  for (const auto& [op, m] : c.missing) sorted.emplace_back(op, m.users.size());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::ostringstream list;
  for (const auto& [op, n] : sorted) list << "\n  " << op << "  (" << n << " archives)";
  EXPECT_TRUE(sorted.empty()) << sorted.size() << " ops used by the corpus are not supported:" << list.str();
  std::ostringstream other;
  for (const auto& [p, who] : c.other_problems) other << "\n  " << p << "  (" << who.size() << " archives)";
  EXPECT_TRUE(c.other_problems.empty()) << "other problems:" << other.str();
}

// ---- docs/models.md ---------------------------------------------------------------------------

std::string cell(const Outcome* o) {
  if (!o) return "not run";
  auto escape = [](std::string s) {
    for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  };
  switch (o->kind) {
    case Outcome::Pass: {
      std::ostringstream s;
      s.precision(2);
      s << std::fixed << "passes (" << o->forward_s << " s, error " << o->worst_of_limit << " of limit)";
      return s.str();
    }
    case Outcome::Skip:
      return o->detail.rfind("PyTorch cannot export", 0) == 0 ? escape(first_line(o->detail, 200))
                                                             : "not exported (" + escape(o->detail.substr(o->detail.find(':') + 2)) + ")";
    case Outcome::Fail: return "**fails**: " + escape(first_line(o->detail, 400));
  }
  return "";
}

void write_report(const std::string& path) {
  size_t aten = 0;
  std::set<std::string> aten_names;
  for (const ember::ops::Operator* op : ember::ops::Registry::global().all())
    if (op->schema.ns == "aten") ++aten, aten_names.insert(op->schema.name);
  int pass = 0, fail = 0, skip = 0;
  for (const auto& [k, o] : outcomes()) (o.kind == Outcome::Pass ? pass : o.kind == Outcome::Fail ? fail : skip)++;

  std::ostringstream md;
  md << "# Model conformance\n\n"
     << "Generated by `ember_conformance_tests --report=docs/models.md` (build target `conformance_report`);\n"
     << "do not edit by hand. Models come from `tests/fixtures/gen_zoo.py`: torchvision 0.14 architectures\n"
     << "and a BERT-style encoder with random weights (batch-norm statistics measured on random inputs),\n"
     << "exported by PyTorch 1.13 with `torch.jit.trace` and `torch.jit.script`. A model passes when\n"
     << "`ember::check` reports no problem, it loads and runs, and every output matches PyTorch's: structure,\n"
     << "dtypes, shapes, integers and bools exactly, floats within 1e-4 × max(1, max |expected|).\n"
     << "\"error X of limit\" is the largest float error as a fraction of that tolerance; each model's manifest\n"
     << "also records how far PyTorch's own float32 result is from float64 (`torch_fp32_error_of_limit`).\n\n"
     << "Run it: `cmake --build <build> --target conformance_report` (makes the fixtures, runs the suite,\n"
     << "rewrites this file), or `ctest --test-dir <build> -L conformance` for pass/fail only.\n\n"
     << "Random ops (`rand`, `randn`, `randint`, `randperm`, `bernoulli_`, `uniform_`, `normal`, `multinomial`,\n"
     << "training-mode dropout) draw from ember's own seedable generator (`src/kernels/cpu/random.h`) and do\n"
     << "not reproduce PyTorch's random streams: a model that samples gives statistically equivalent, not\n"
     << "identical, numbers. The zoo runs in eval mode, where the models' random paths (stochastic depth,\n"
     << "detection training code) are compiled but not executed.\n\n"
     << "Registry: **" << aten << "** `aten::` schemas (" << aten_names.size() << " distinct op names); "
     << "PyTorch 1.13 has 3,605 (most of them backward, quantized, sparse and out= variants).\n\n"
     << "Result: " << pass << " pass, " << fail << " fail, " << skip << " not exported, out of "
     << kModels.size() * kVariants.size() << " (model, export) pairs. Times are ember's forward call in the build\n"
     << "that made the report.\n\n"
     << "| model | traced | scripted |\n|---|---|---|\n";
  for (const char* model : kModels) {
    md << "| " << model;
    for (const char* variant : kVariants) {
      auto it = outcomes().find(std::string(model) + "/" + variant);
      md << " | " << cell(it == outcomes().end() ? nullptr : &it->second);
    }
    md << " |\n";
  }
  const CorpusSummary& c = corpus();
  if (c.ran) {
    md << "\n## Ops the corpus needs that ember lacks\n\n";
    if (c.missing.empty()) md << "None: every op the " << c.archives << " archives use is registered.\n";
    std::vector<std::pair<std::string, const MissingOp*>> sorted;
    for (const auto& [op, m] : c.missing) sorted.emplace_back(op, &m);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second->users.size() > b.second->users.size(); });
    if (!sorted.empty()) md << "| op | archives | used by |\n|---|---|---|\n";
    for (const auto& [op, m] : sorted) {
      std::set<std::string> models;
      for (const auto& u : m->users) models.insert(u.substr(0, u.find('/')));
      std::string names;
      for (const auto& n : models) names += (names.empty() ? "" : ", ") + n;
      md << "| `" << op << "` | " << m->users.size() << " | " << names << " |\n";
    }
    if (!c.other_problems.empty()) {
      md << "\nOther problems `ember::check` reports:\n\n";
      for (const auto& [p, who] : c.other_problems) md << "- " << p << " (" << who.size() << " archives)\n";
    }
    if (!c.unflagged.empty()) {
      md << "\nUnregistered ops PyTorch's graphs call that `ember::check` did not flag (ember compiles some, such as\n"
         << "`aten::dict()`, as language constructs; others sit in a statement that already has a problem):\n";
      for (const auto& [op, who] : c.unflagged) md << (op == c.unflagged.begin()->first ? "" : ",") << " `" << op << "` (" << who.size() << ")";
      md << "\n";
    }
    md << "\nThe corpus's archives bind " << c.ops_used.size() << " distinct registered ops.\n";
  }
  md << compat_report::section();
  md << compat_report::quant_section();
  md << compat_report::spectral_section();
  std::ofstream f(path);
  f << md.str();
  std::cout << "wrote " << path << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string report;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--report=", 0) == 0) report = a.substr(9);
    else args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  ::testing::InitGoogleTest(&n, args.data());
  int rc = RUN_ALL_TESTS();
  if (!report.empty()) {
    write_report(report);
    return 0;  // the report records the failures
  }
  return rc;
}
