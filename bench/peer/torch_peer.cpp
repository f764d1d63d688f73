// torch_peer.cpp — times a TorchScript archive the way a libtorch user runs it, printing the same
// figures as `ember bench --json` so bench/run.py can put the two side by side.
//
// torch_peer MODEL.pt [--input x.npy]... [--shape 1,3,224,224]... [--warmup K] [--iters N]
//            [--threads N] [--json] [--save-outputs DIR] [--qengine qnnpack|onednn|fbgemm|x86]
//
// --qengine picks the quantized engine (at::globalContext().setQEngine) before loading, for
// int8 models: the one their qconfig was made for.
// Inputs come first from --input files (in order), then from --shape, filled by the same
// generator as ember's (an LCG, values in [-1, 1)) so both programs see identical numbers.
// --save-outputs writes the outputs of the first call, flattened depth-first (tuple/list items,
// dict values), as DIR/out_0.npy, out_1.npy, … — the order `ember run -o` uses.
#include <sys/resource.h>
#include <torch/script.h>
#include <torch/version.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

[[noreturn]] void die(const std::string& msg) { throw std::runtime_error(msg); }

struct Options {
  std::string model, save_dir;
  std::vector<std::string> inputs, shapes;
  std::string qengine;
  int warmup = 3, iters = 20, threads = 0;
  bool json = false;
};

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> dims;
  std::string cur;
  for (char ch : text + ",") {
    if (ch == ',' || ch == 'x' || ch == 'X') {
      if (cur.empty()) die("bad shape '" + text + "'");
      dims.push_back(std::stoll(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  return dims;
}

// Same formula as ember's `bench --shape` (tools/ember/bench.cpp).
torch::Tensor generated_input(const std::vector<int64_t>& shape) {
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  float* p = t.data_ptr<float>();
  uint32_t s = 12345;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    p[i] = static_cast<float>(s >> 8) / static_cast<float>(1 << 23) - 1.0f;
  }
  return t;
}

// --- .npy (version 1-3, little-endian, C order) -----------------------------------------------

struct NpyType {
  const char* descr;
  torch::ScalarType type;
};
const NpyType kNpyTypes[] = {
    {"<f4", torch::kFloat32}, {"<f8", torch::kFloat64}, {"<f2", torch::kFloat16}, {"<i8", torch::kInt64},
    {"<i4", torch::kInt32},   {"<i2", torch::kInt16},   {"|i1", torch::kInt8},    {"|u1", torch::kUInt8},
    {"|b1", torch::kBool},
};

std::string header_field(const std::string& header, const std::string& key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) die("npy header has no '" + key + "'");
  size_t colon = header.find(':', k);
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (header[start] == '(') return header.substr(start + 1, header.find(')', start) - start - 1);
  if (header[start] == '\'') return header.substr(start + 1, header.find('\'', start + 1) - start - 1);
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

torch::Tensor read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot open " + path);
  char magic[8];
  f.read(magic, 8);
  if (!f || std::memcmp(magic, "\x93NUMPY", 6) != 0) die(path + " is not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    header_len = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(header_len, '\0');
  f.read(header.data(), header_len);
  if (header_field(header, "fortran_order") != "False") die(path + ": Fortran order is not supported");
  std::string descr = header_field(header, "descr");
  const NpyType* type = nullptr;
  for (const auto& t : kNpyTypes)
    if (descr == t.descr) type = &t;
  if (!type) die(path + ": unsupported dtype " + descr);
  std::vector<int64_t> shape;
  std::string dims = header_field(header, "shape");
  std::string cur;
  for (char ch : dims + ",") {
    if (ch == ',') {
      if (!cur.empty()) shape.push_back(std::stoll(cur));
      cur.clear();
    } else if (ch != ' ') {
      cur += ch;
    }
  }
  torch::Tensor t = torch::empty(shape, type->type);
  f.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  if (!f) die(path + ": file is shorter than its header says");
  return t;
}

void write_npy(const std::string& path, torch::Tensor t) {
  t = t.contiguous();
  const NpyType* type = nullptr;
  for (const auto& nt : kNpyTypes)
    if (t.scalar_type() == nt.type) type = &nt;
  if (!type) die("cannot save dtype " + std::string(c10::toString(t.scalar_type())) + " as .npy");
  std::string shape = "(";
  for (int64_t d : t.sizes()) shape += std::to_string(d) + ", ";
  if (t.dim() == 1) shape.resize(shape.size() - 1);       // "(3,)"
  else if (t.dim() > 1) shape.resize(shape.size() - 2);  // "(2, 3)"
  shape += ")";
  std::string header = "{'descr': '" + std::string(type->descr) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream f(path, std::ios::binary);
  if (!f) die("cannot write " + path);
  const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  f.write(magic, 8);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                static_cast<unsigned char>(header.size() >> 8)};
  f.write(reinterpret_cast<const char*>(len), 2);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
}

void flatten(const c10::IValue& v, std::vector<torch::Tensor>& out) {
  if (v.isTuple()) {
    for (const auto& item : v.toTupleRef().elements()) flatten(item, out);
  } else if (v.isList()) {
    for (const auto& item : v.toListRef()) flatten(item, out);
  } else if (v.isGenericDict()) {
    for (const auto& entry : v.toGenericDict()) flatten(entry.value(), out);
  } else if (v.isTensor()) {
    out.push_back(v.toTensor());
  } else if (v.isInt()) {
    out.push_back(torch::tensor(v.toInt(), torch::kInt64));
  } else if (v.isDouble()) {
    out.push_back(torch::tensor(v.toDouble(), torch::kFloat64));
  } else if (v.isBool()) {
    out.push_back(torch::tensor(v.toBool(), torch::kBool));
  }
  // Strings and None have no .npy form; ember skips them too.
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

Options parse_args(int argc, char** argv) {
  Options o;
  auto next = [&](int& i) -> std::string {
    if (i + 1 >= argc) die(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--input" || a == "-i") o.inputs.push_back(next(i));
    else if (a == "--shape") o.shapes.push_back(next(i));
    else if (a == "--warmup") o.warmup = std::stoi(next(i));
    else if (a == "--iters") o.iters = std::stoi(next(i));
    else if (a == "--threads") o.threads = std::stoi(next(i));
    else if (a == "--save-outputs") o.save_dir = next(i);
    else if (a == "--json") o.json = true;
    else if (a == "--qengine") o.qengine = next(i);
    else if (!a.empty() && a[0] == '-') die("unknown option " + a);
    else if (o.model.empty()) o.model = a;
    else die("more than one model given");
  }
  if (o.model.empty()) die("usage: torch_peer MODEL.pt [--input x.npy]... [--shape 1,3,224,224]... "
                           "[--warmup K] [--iters N] [--threads N] [--json] [--save-outputs DIR] [--qengine NAME]");
  if (o.iters < 1) die("--iters must be at least 1");
  if (o.inputs.empty() && o.shapes.empty()) die("need --input or --shape");
  return o;
}

at::QEngine qengine_named(const std::string& name) {
  if (name == "qnnpack") return at::QEngine::QNNPACK;
  if (name == "onednn") return at::QEngine::ONEDNN;
  if (name == "fbgemm") return at::QEngine::FBGEMM;
  if (name == "x86") return at::QEngine::X86;
  die("unknown quantized engine " + name + " (qnnpack, onednn, fbgemm, x86)");
}

int run(const Options& o) {
  if (o.threads > 0) at::set_num_threads(o.threads);
  if (!o.qengine.empty()) at::globalContext().setQEngine(qengine_named(o.qengine));
  std::vector<c10::IValue> inputs;
  for (const auto& path : o.inputs) inputs.emplace_back(read_npy(path));
  for (const auto& s : o.shapes) inputs.emplace_back(generated_input(parse_shape(s)));

  torch::NoGradGuard no_grad;
  auto t0 = Clock::now();
  torch::jit::Module m = torch::jit::load(o.model);
  m.eval();
  double load_ms = ms_since(t0);
  t0 = Clock::now();
  c10::IValue first = m.forward(inputs);
  double first_ms = ms_since(t0);
  if (!o.save_dir.empty()) {
    std::vector<torch::Tensor> leaves;
    flatten(first, leaves);
    for (size_t i = 0; i < leaves.size(); ++i) write_npy(o.save_dir + "/out_" + std::to_string(i) + ".npy", leaves[i]);
  }
  first = c10::IValue();
  std::vector<double> times;
  for (int i = 0; i < o.warmup + o.iters; ++i) {
    t0 = Clock::now();
    m.forward(inputs);
    double t = ms_since(t0);
    if (i >= o.warmup) times.push_back(t);
  }
  double mean = 0;
  for (double t : times) mean += t;
  mean /= static_cast<double>(times.size());
  double p50 = percentile(times, 0.5), p90 = percentile(times, 0.9), p99 = percentile(times, 0.99);
  double rss = peak_rss_mib();
  if (o.json) {
    std::printf(
        "{\n  \"model\": \"%s\",\n  \"threads\": %d,\n  \"iters\": %d,\n  \"warmup\": %d,\n  \"load_ms\": %.6f,\n"
        "  \"first_call_ms\": %.6f,\n  \"p50_ms\": %.6f,\n  \"p90_ms\": %.6f,\n  \"p99_ms\": %.6f,\n"
        "  \"mean_ms\": %.6f,\n  \"throughput_per_s\": %.6f,\n  \"peak_rss_mib\": %.6f\n}\n",
        o.model.c_str(), at::get_num_threads(), o.iters, o.warmup, load_ms, first_ms, p50, p90, p99, mean,
        1000.0 / mean, rss);
  } else {
    std::printf("model:       %s (%d threads, libtorch %s)\n", o.model.c_str(), at::get_num_threads(), TORCH_VERSION);
    std::printf("load:        %.2f ms\n", load_ms);
    std::printf("first call:  %.2f ms\n", first_ms);
    std::printf("steady:      p50 %.2f ms, p90 %.2f ms, p99 %.2f ms over %d runs\n", p50, p90, p99, o.iters);
    std::printf("throughput:  %.1f calls/s\n", 1000.0 / mean);
    std::printf("peak RSS:    %.1f MiB\n", rss);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "torch_peer: %s\n", e.what_without_backtrace());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torch_peer: %s\n", e.what());
  }
  return 1;
}
