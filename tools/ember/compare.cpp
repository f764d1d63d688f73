// compare.cpp — `ember compare MODEL.pt --input … --expect out_0.npy …`: runs the model and checks
// each flattened output against reference outputs saved from Python; exits 1 beyond tolerance.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "archive/npy.h"
#include "commands.h"
#include "ember/module.h"
#include "ember/threads.h"
#include "io.h"

namespace ember::cli {
namespace {

struct CompareOptions {
  std::vector<std::string> disabled_passes;
  std::string device;
  double timeout = 0;
  std::string model, method = "forward", size;
  std::vector<std::string> inputs, expects;
  double atol = 1e-4, rtol = 1e-4;
  int threads = 0;
  bool json = false;
  ImageOptions image;
};

struct Row {
  std::string path, problem;
  double max_abs = 0, max_rel = 0;
  int64_t mismatched = 0, numel = 0;
  bool ok = true;
};

Row compare_one(const std::string& path, const Tensor& got, const Tensor& want, double atol, double rtol) {
  Row r{path, "", 0, 0, 0, got.defined() ? got.numel() : 0, true};
  if (!got.defined()) {
    r.ok = false;
    r.problem = "output is not a tensor or number";
    return r;
  }
  if (got.sizes() != want.sizes()) {
    r.ok = false;
    r.problem = "shape " + shape_string(got.sizes()) + " but expected " + shape_string(want.sizes());
    return r;
  }
  if (got.dtype() != want.dtype()) {
    r.ok = false;
    r.problem = "dtype " + std::string(dtype_name(got.dtype())) + " but expected " + std::string(dtype_name(want.dtype()));
    return r;
  }
  const bool exact = !is_floating(got.dtype()) && !is_complex(got.dtype());
  for (int64_t i = 0; i < got.numel(); ++i) {
    double a = got.at_double(i), e = want.at_double(i);
    if (std::isnan(a) && std::isnan(e)) continue;
    double diff = std::isinf(a) && std::isinf(e) && (a > 0) == (e > 0) ? 0.0 : std::abs(a - e);
    r.max_abs = std::max(r.max_abs, diff);
    if (e != 0) r.max_rel = std::max(r.max_rel, diff / std::abs(e));
    bool bad = exact ? diff != 0 : !(diff <= atol + rtol * std::abs(e));
    if (bad) ++r.mismatched;
  }
  if (r.mismatched) r.ok = false;
  return r;
}

int run_compare(CompareOptions o) {
  if (o.expects.empty()) fail("compare needs at least one --expect file");
  set_image_size(o.image, o.size);
  if (o.threads > 0) set_num_threads(o.threads);
  std::vector<Tensor> expected;
  for (const auto& e : o.expects) expected.push_back(archive::load_npy(e));
  Module m = load(o.model, LoadOptions{.disabled_passes = o.disabled_passes, .device = device_option(o.device)});
  std::vector<Value> inputs;
  for (const auto& spec : o.inputs) inputs.push_back(parse_input(spec, o.image));
  std::vector<Leaf> leaves = flatten_outputs([&] {
    auto limit = run_deadline(o.timeout);
    return m.run_method(o.method, std::move(inputs));
  }());
  if (leaves.size() != expected.size())
    fail("the model returned ", leaves.size(), " output(s) but ", expected.size(), " --expect file(s) were given");

  std::vector<Row> rows;
  bool all_ok = true;
  for (size_t i = 0; i < leaves.size(); ++i) {
    rows.push_back(compare_one(leaves[i].path, leaf_tensor(leaves[i].value), expected[i], o.atol, o.rtol));
    all_ok = all_ok && rows.back().ok;
  }
  if (o.json) {
    nlohmann::json j{{"model", o.model}, {"atol", o.atol}, {"rtol", o.rtol}, {"ok", all_ok}};
    j["outputs"] = nlohmann::json::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      j["outputs"].push_back({{"path", r.path}, {"expect", o.expects[i]}, {"ok", r.ok}, {"max_abs_error", r.max_abs},
                              {"max_rel_error", r.max_rel}, {"mismatched", r.mismatched}, {"numel", r.numel},
                              {"problem", r.problem}});
    }
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      if (!r.problem.empty())
        std::printf("%-4s %s vs %s: %s\n", "FAIL", r.path.c_str(), o.expects[i].c_str(), r.problem.c_str());
      else
        std::printf("%-4s %s vs %s: max abs error %.3g, max rel error %.3g, %lld of %lld elements beyond tolerance\n",
                    r.ok ? "ok" : "FAIL", r.path.c_str(), o.expects[i].c_str(), r.max_abs, r.max_rel,
                    static_cast<long long>(r.mismatched), static_cast<long long>(r.numel));
    }
    std::printf("%s (atol %g, rtol %g)\n", all_ok ? "outputs match" : "outputs differ", o.atol, o.rtol);
  }
  return all_ok ? 0 : 1;
}

}  // namespace

void add_image_options(CLI::App* sub, ImageOptions& image, std::string& size);

Command add_compare(CLI::App& app) {
  auto* sub = app.add_subcommand("compare", "Run a model and compare its outputs with reference .npy files saved from PyTorch");
  auto o = std::make_shared<CompareOptions>();
  sub->add_option("model", o->model, "TorchScript archive (.pt)")->required();
  sub->add_option("--method", o->method, "Method to run (default forward)");
  sub->add_option("-i,--input", o->inputs, "Inputs, as for `ember run`");
  sub->add_option("-e,--expect", o->expects, "Reference output .npy files, in flattened output order")->required();
  sub->add_option("--atol", o->atol, "Absolute tolerance (default 1e-4)")->check(CLI::NonNegativeNumber);
  sub->add_option("--rtol", o->rtol, "Relative tolerance (default 1e-4)")->check(CLI::NonNegativeNumber);
  sub->add_option("--threads", o->threads, "Intra-op threads")->check(CLI::PositiveNumber);
  add_load_options(sub, o->disabled_passes);
  add_device_option(sub, o->device);
  add_timeout_option(sub, o->timeout);
  sub->add_flag("--json", o->json, "Print the comparison as JSON");
  add_image_options(sub, o->image, o->size);
  return [=] { return run_compare(*o); };
}

}  // namespace ember::cli
