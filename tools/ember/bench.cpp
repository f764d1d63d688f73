// bench.cpp — `ember bench MODEL.pt`: load time, first-call latency, steady-state percentiles,
// throughput and peak RSS for one model on given or generated inputs.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "ember/module.h"
#include "ember/threads.h"
#include "io.h"

namespace ember::cli {
namespace {

struct BenchOptions {
  std::vector<std::string> disabled_passes;
  std::string device;
  double timeout = 0;
  std::string model, method = "forward", size;
  std::vector<std::string> inputs, shapes;
  int warmup = 3, iters = 20, threads = 0;
  bool json = false, hint = false;
  ImageOptions image;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Deterministic values in [-1, 1) so runs are repeatable.
Tensor generated_input(const std::vector<int64_t>& shape) {
  Tensor t = Tensor::empty(shape, DType::Float32);
  float* p = t.data<float>();
  uint32_t s = 12345;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    p[i] = static_cast<float>(s >> 8) / static_cast<float>(1 << 23) - 1.0f;
  }
  return t;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

int run_bench(BenchOptions o) {
  if (o.iters < 1) fail("--iters must be at least 1");
  if (o.inputs.empty() && o.shapes.empty()) fail("bench needs --input or --shape");
  set_image_size(o.image, o.size);
  if (o.threads > 0) set_num_threads(o.threads);
  std::vector<Value> inputs;
  for (const auto& spec : o.inputs) inputs.push_back(parse_input(spec, o.image));
  for (const auto& s : o.shapes) inputs.push_back(Value(generated_input(parse_shape(s))));

  LoadOptions options{o.disabled_passes};
  options.device = device_option(o.device);
  if (o.hint) {
    if (o.method != "forward") fail("--hint gives forward's input shapes; it does not apply to --method ", o.method);
    for (const Value& v : inputs) {
      if (!v.is_tensor()) fail("--hint needs every input to be a tensor, got ", v.type()->str());
      const Tensor& t = v.to_tensor();
      options.input_shapes.push_back({std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), t.dtype()});
    }
  }
  auto t0 = Clock::now();
  Module m = load(o.model, options);
  double load_ms = ms_since(t0);
  // --timeout bounds each call.
  auto call = [&] {
    auto limit = run_deadline(o.timeout);
    m.run_method(o.method, inputs);
  };
  t0 = Clock::now();
  call();
  double first_ms = ms_since(t0);
  const bool bar = isatty(STDERR_FILENO) && !o.json;
  const int total = o.warmup + o.iters;
  std::vector<double> times;
  for (int i = 0; i < total; ++i) {
    t0 = Clock::now();
    call();
    double t = ms_since(t0);
    if (i >= o.warmup) times.push_back(t);
    if (bar) {
      int filled = (i + 1) * 30 / total;
      std::fprintf(stderr, "\r[%-30s] %d/%d", std::string(static_cast<size_t>(filled), '#').c_str(), i + 1, total);
    }
  }
  if (bar) std::fprintf(stderr, "\r%50s\r", "");
  double mean = 0;
  for (double t : times) mean += t;
  mean /= static_cast<double>(times.size());
  double p50 = percentile(times, 0.5), p90 = percentile(times, 0.9), p99 = percentile(times, 0.99);
  double rss = peak_rss_mib();
  if (o.json) {
    nlohmann::json j{{"model", o.model}, {"threads", get_num_threads()}, {"iters", o.iters}, {"warmup", o.warmup},
                     {"hint", o.hint}, {"load_ms", load_ms}, {"first_call_ms", first_ms}, {"p50_ms", p50}, {"p90_ms", p90},
                     {"p99_ms", p99}, {"mean_ms", mean}, {"throughput_per_s", 1000.0 / mean}, {"peak_rss_mib", rss}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("model:       %s (%d threads)\n", o.model.c_str(), get_num_threads());
    std::printf("load:        %.2f ms%s\n", load_ms, o.hint ? " (input shapes given at load)" : "");
    std::printf("first call:  %.2f ms\n", first_ms);
    std::printf("steady:      p50 %.2f ms, p90 %.2f ms, p99 %.2f ms over %d runs\n", p50, p90, p99, o.iters);
    std::printf("throughput:  %.1f calls/s\n", 1000.0 / mean);
    std::printf("peak RSS:    %.1f MiB\n", rss);
  }
  return 0;
}

}  // namespace

void add_image_options(CLI::App* sub, ImageOptions& image, std::string& size);

Command add_bench(CLI::App& app) {
  auto* sub = app.add_subcommand("bench", "Measure load time, first-call latency, steady latency percentiles and peak memory");
  auto o = std::make_shared<BenchOptions>();
  sub->add_option("model", o->model, "TorchScript archive (.pt)")->required();
  sub->add_option("--method", o->method, "Method to run (default forward)");
  sub->add_option("-i,--input", o->inputs, "Inputs, as for `ember run`");
  sub->add_option("--shape", o->shapes, "Generate a float32 input of this shape, e.g. 1,3,224,224 (repeatable)");
  sub->add_option("--warmup", o->warmup, "Untimed runs after the first call (default 3)")->check(CLI::NonNegativeNumber);
  sub->add_option("--iters", o->iters, "Timed runs (default 20)")->check(CLI::PositiveNumber);
  sub->add_option("--threads", o->threads, "Intra-op threads (default: all cores)")->check(CLI::PositiveNumber);
  sub->add_flag("--hint", o->hint,
                "Tell load the inputs' shapes and dtypes (LoadOptions::input_shapes): what the first call of that "
                "size would prepare is prepared at load");
  add_load_options(sub, o->disabled_passes);
  add_device_option(sub, o->device);
  add_timeout_option(sub, o->timeout);
  sub->add_flag("--json", o->json, "Print the figures as JSON");
  add_image_options(sub, o->image, o->size);
  return [=] { return run_bench(*o); };
}

}  // namespace ember::cli
