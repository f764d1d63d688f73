// run.cpp — `ember run MODEL.pt --input X ...`: runs a method on real inputs, shows the outputs,
// writes them as out_N.npy, or prints the top-k classes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>

#include "archive/npy.h"
#include "commands.h"
#include "say.h"
#include "ember/module.h"
#include "ember/threads.h"
#include "io.h"

namespace ember::cli {
namespace {

struct RunOptions {
  std::vector<std::string> disabled_passes;
  std::string device;
  double timeout = 0;
  std::string model;
  std::string method = "forward";
  std::vector<std::string> inputs;
  std::string output_dir;
  int topk = 0;
  int threads = 0;
  bool json = false;
  ImageOptions image;
  std::string size;
};

// Softmax probabilities and class indices of the k largest logits of a [1, C] or [C] tensor.
std::vector<std::pair<int64_t, double>> top_classes(const Tensor& logits, int k) {
  if (logits.dim() == 0 || logits.numel() == 0) fail("--topk needs a tensor of class scores, got ", logits.summary(4));
  int64_t classes = logits.size(-1);
  if (logits.numel() != classes) fail("--topk needs scores for one input ([C] or [1, C]), got shape ", shape_string(logits.sizes()));
  std::vector<double> v(static_cast<size_t>(classes));
  for (int64_t i = 0; i < classes; ++i) v[static_cast<size_t>(i)] = logits.at_double(i);
  double mx = *std::max_element(v.begin(), v.end()), sum = 0;
  for (double x : v) sum += std::exp(x - mx);
  std::vector<int64_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min<int>(k, static_cast<int>(classes));
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) { return v[static_cast<size_t>(a)] > v[static_cast<size_t>(b)]; });
  std::vector<std::pair<int64_t, double>> out;
  for (int i = 0; i < k; ++i) out.emplace_back(idx[static_cast<size_t>(i)], std::exp(v[static_cast<size_t>(idx[static_cast<size_t>(i)])] - mx) / sum);
  return out;
}

int run_run(RunOptions o) {
  set_image_size(o.image, o.size);
  if (o.threads > 0) set_num_threads(o.threads);
  Module m = load(o.model, LoadOptions{.disabled_passes = o.disabled_passes, .device = device_option(o.device)});
  std::vector<Value> inputs;
  for (const auto& spec : o.inputs) inputs.push_back(parse_input(spec, o.image));
  Value out = [&] {
    auto limit = run_deadline(o.timeout);
    return m.run_method(o.method, std::move(inputs));
  }();
  std::vector<Leaf> leaves = flatten_outputs(out);

  std::vector<std::string> written;
  if (!o.output_dir.empty()) {
    std::filesystem::create_directories(o.output_dir);
    for (size_t i = 0; i < leaves.size(); ++i) {
      Tensor t = leaf_tensor(leaves[i].value);
      if (!t.defined()) continue;
      std::string file = (std::filesystem::path(o.output_dir) / ("out_" + std::to_string(i) + ".npy")).string();
      archive::save_npy(file, t);
      written.push_back(file);
    }
  }
  std::vector<std::pair<int64_t, double>> top;
  if (o.topk > 0) {
    if (leaves.empty() || !leaves[0].value.is_tensor()) fail("--topk needs the first output to be a tensor of class scores");
    top = top_classes(leaves[0].value.to_tensor(), o.topk);
  }

  if (o.json) {
    nlohmann::json j{{"model", o.model}, {"method", o.method}};
    j["outputs"] = nlohmann::json::array();
    for (const auto& leaf : leaves) {
      nlohmann::json jo{{"path", leaf.path}};
      Tensor t = leaf_tensor(leaf.value);
      if (t.defined()) {
        jo["dtype"] = std::string(dtype_name(t.dtype()));
        jo["shape"] = t.sizes();
        std::vector<double> first;
        for (int64_t i = 0; i < std::min<int64_t>(t.numel(), 8); ++i) first.push_back(t.at_double(i));
        jo["first_values"] = first;
      } else {
        jo["value"] = leaf.value.repr();
      }
      j["outputs"].push_back(std::move(jo));
    }
    j["files"] = written;
    if (o.topk > 0) {
      j["topk"] = nlohmann::json::array();
      for (auto [cls, p] : top) j["topk"].push_back({{"class", cls}, {"probability", p}});
    }
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (o.topk > 0) {
    say("top %zu of %s:\n", top.size(), leaves[0].path.c_str());
    for (auto [cls, p] : top) say("  class %-6lld %6.2f%%\n", static_cast<long long>(cls), 100.0 * p);
  } else {
    for (const auto& leaf : leaves) say("%s: %s\n", leaf.path.c_str(), describe(leaf.value).c_str());
  }
  for (const auto& f : written) say("wrote %s\n", f.c_str());
  return 0;
}

}  // namespace

void add_image_options(CLI::App* sub, ImageOptions& image, std::string& size) {
  sub->add_option("--preprocess", image.preprocess, "Image inputs: imagenet (RGB, 224x224, mean/std), unit (pixels/255) or none")
      ->check(CLI::IsMember({"imagenet", "unit", "none"}));
  sub->add_option("--size", size, "Image inputs: resize to HxW");
}

void add_timeout_option(CLI::App* sub, double& timeout) {
  sub->add_option("--timeout", timeout,
                  "Stop the model's code after SECONDS (checked at every loop iteration and call); exit 124")
      ->check(CLI::PositiveNumber);
}

std::unique_ptr<Deadline> run_deadline(double seconds) {
  if (seconds <= 0) return nullptr;
  return std::make_unique<Deadline>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(seconds)));
}

void add_device_option(CLI::App* sub, std::string& device) {
  sub->add_option("--device", device,
                  "Where the model's tensors live and its code runs: cpu (default) or cuda[:N] (LoadOptions::device; "
                  "outputs are copied back to host memory)");
}

void add_load_options(CLI::App* sub, std::vector<std::string>& disabled_passes) {
  std::string names;
  for (const auto& n : optimization_passes()) names += (names.empty() ? "" : ", ") + n;
  sub->add_option("--disable-pass", disabled_passes,
                  "Turn a load-time optimisation pass off, for debugging (repeatable): " + names + ", or all");
}

Command add_run(CLI::App& app) {
  auto* sub = app.add_subcommand("run", "Run a model on inputs and show or save its outputs");
  auto o = std::make_shared<RunOptions>();
  sub->add_option("model", o->model, "TorchScript archive (.pt)")->required();
  sub->add_option("--method", o->method, "Method to run (default forward)");
  sub->add_option("-i,--input", o->inputs,
                  "An input: file.npy, a torch.save file, an image (.png/.jpg/.bmp), or int:3 / float:0.5 / bool:true / str:text / none (a torch.save'd list, tuple or dict is one argument); repeat in argument order");
  sub->add_option("-o,--output-dir", o->output_dir, "Write the flattened outputs as out_0.npy, out_1.npy, ...");
  sub->add_option("--topk", o->topk, "Show the k most likely classes of the first output")->check(CLI::PositiveNumber);
  sub->add_option("--threads", o->threads, "Intra-op threads (default: all cores)")->check(CLI::PositiveNumber);
  add_load_options(sub, o->disabled_passes);
  add_device_option(sub, o->device);
  add_timeout_option(sub, o->timeout);
  sub->add_flag("--json", o->json, "Print the outputs as JSON");
  add_image_options(sub, o->image, o->size);
  return [=] { return run_run(*o); };
}

}  // namespace ember::cli
