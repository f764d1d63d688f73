// compat_report.cpp — the mobile-optimized, public-sample, quantized and audio rows of docs/models.md: every archive
// of the case files tests/fixtures/gen_mobile.py and gen_compat.py write (mobile/cases.txt,
// compat/wild/cases.txt), loaded and run on the recorded inputs and compared with PyTorch 1.13's
// outputs, with the same comparison the unit tests make (tests/unit/compat).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../unit/case_file.h"
#include "../unit/compare_within.h"
#include "archive/npy.h"
#include "ember/module.h"

namespace compat_report {

namespace {

namespace fs = std::filesystem;
namespace cf = ember::testing::case_file;

std::string escape(std::string s) {
  for (size_t i = 0; (i = s.find('|', i)) != std::string::npos; i += 2) s.replace(i, 1, "\\|");
  for (char& c : s)
    if (c == '\n') c = ' ';
  if (s.size() > 300) s = s.substr(0, 300) + "…";
  return s;
}

// One row per archive: | name | what it is | result |.
void rows(const fs::path& dir, const std::string& what, std::ostringstream& md, int& pass, int& total) {
  std::ifstream in(dir / "cases.txt");
  if (!in) {
    md << "| (" << dir.filename().string() << ") | " << what << " | not made: " << (dir / "cases.txt").string() << " is missing |\n";
    return;
  }
  const std::string blob = cf::read_file((dir / "data.bin").string());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    cf::Parser p(line, blob, cf::Format{true, 200});
    if (p.word() != "model") continue;
    std::string archive = p.word();
    const std::string method = p.word();
    const fs::path file = archive[0] == '/' ? fs::path(archive) : dir / archive;
    const int64_t calls = p.integer();
    std::string result;
    double worst_s = 0;
    try {
      const ember::Module m = ember::load(file.string());
      for (int64_t c = 0; c < calls && result.empty(); ++c) {
        const int64_t nargs = p.integer();
        std::vector<ember::Value> args;
        for (int64_t i = 0; i < nargs; ++i) args.push_back(p.value());
        p.word();  // "->"
        const ember::Value want = p.value();
        const auto t0 = std::chrono::steady_clock::now();
        const ember::Value got = m.run_method(method, args);
        worst_s = std::max(worst_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        const std::string err = cf::compare_values(got, want);
        if (!err.empty()) result = "**fails**: call " + std::to_string(c + 1) + ": " + err;
      }
    } catch (const std::exception& e) {
      result = "**fails**: " + std::string(e.what());
    }
    ++total;
    if (result.empty()) {
      ++pass;
      std::ostringstream s;
      s.precision(3);
      s << std::fixed << "passes (" << calls << (calls == 1 ? " call" : " calls") << ", slowest " << worst_s << " s)";
      result = s.str();
    }
    md << "| `" << file.filename().string() << "` | " << what << " | " << escape(result) << " |\n";
  }
}

// Tuples and lists depth-first, as gen_quant.py flattens PyTorch's outputs.
void flatten_outputs(const ember::Value& v, std::vector<ember::Value>& out) {
  if (v.is_tuple()) {
    for (const auto& x : v.to_tuple()->items) flatten_outputs(x, out);
  } else if (v.is_list()) {
    for (const auto& x : v.to_list()->items) flatten_outputs(x, out);
  } else {
    out.push_back(v);
  }
}

// One row per (model, export) of quant/models.txt (tests/fixtures/gen_quant.py), compared as
// tests/unit/quant does: integer outputs exactly, float outputs within the listed tolerance.
void quant_rows(const fs::path& dir, std::ostringstream& md, int& pass, int& total) {
  std::ifstream in(dir / "models.txt");
  if (!in) {
    md << "| (quant) | | not made: " << (dir / "models.txt").string() << " is missing |\n";
    return;
  }
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name, variant;
    double atol = 0;
    int nouts = 0, nins = 1;
    ss >> name >> variant >> atol >> nouts;
    if (!(ss >> nins)) nins = 1;
    if (name.empty()) continue;
    std::string result;
    double worst = 0;
    try {
      const ember::Module m = ember::load((dir / (name + "." + variant + ".pt")).string());
      std::vector<ember::Value> inputs;
      for (int i = 0; i < nins; ++i)
        inputs.emplace_back(ember::archive::load_npy((dir / (name + ".in" + std::to_string(i) + ".npy")).string()));
      const ember::Value out = m.forward(inputs);
      std::vector<ember::Value> outs;
      flatten_outputs(out, outs);
      if (static_cast<int>(outs.size()) != nouts) result = "**fails**: " + std::to_string(outs.size()) + " outputs";
      for (int k = 0; k < nouts && result.empty(); ++k) {
        const std::string err = ember::testing::compare_within(
            outs[static_cast<size_t>(k)].to_tensor(),
            ember::archive::load_npy((dir / (name + ".out" + std::to_string(k) + ".npy")).string()), atol, &worst);
        if (!err.empty()) result = "**fails**: output " + std::to_string(k) + ": " + err;
      }
    } catch (const std::exception& e) {
      result = "**fails**: " + std::string(e.what());
    }
    ++total;
    if (result.empty()) {
      ++pass;
      std::ostringstream s;
      s << "passes (max abs error " << worst << ", tolerance " << atol << ")";
      result = s.str();
    }
    md << "| " << name << " | " << variant << " | " << escape(result) << " |\n";
  }
}

}  // namespace

std::string quant_section() {
  const char* env = std::getenv("EMBER_FIXTURES");
  const fs::path fixtures = env ? env : "fixtures";
  std::ostringstream md, body;
  int pass = 0, total = 0;
  quant_rows(fixtures / "quant", body, pass, total);
  md << "\n## Quantized models\n\n"
     << "`tests/fixtures/gen_quant.py` (PyTorch 1.13): eager static quantization (fuse, prepare, calibrate,\n"
     << "convert) of torchvision's quantizable mobilenet_v2 and shufflenet_v2_x0_5 under the qnnpack qconfig,\n"
     << "FX graph-mode quantization of a small convnet (x86 qconfig mapping, run under onednn),\n"
     << "`quantize_dynamic` (qint8, onednn) of a Linear stack, of 2-layer LSTMs (time-major without h0/c0,\n"
     << "batch-first with h0/c0, bidirectional, a packed sequence through a bidirectional LSTM) and of a\n"
     << "GRU (`torch.classes.rnn.CellParamsBase`, `aten::quantized_lstm` / `quantized_gru`) and of the\n"
     << "LSTM, GRU and Elman cells (`quantized::quantized_*_cell_dynamic`), `nn.quantized.Embedding` /\n"
     << "`EmbeddingBag` (`EmbeddingPackedParamsBase`, 8-bit and 4-bit rows), tables packed at run time\n"
     << "(`embedding_bag_{byte,4bit}_prepack`, `*_rowwise_offsets`), and\n"
     << "the quantized-tensor ops one by one; each traced, scripted (packed parameters rebuilt by the modules'\n"
     << "`__setstate__`) and scripted + frozen. Integer outputs must match exactly; float outputs within 3\n"
     << "quantization steps of the last quantized tensor (static models) or 1e-4 relative (dynamic).\n"
     << "float16 dynamic models cannot be made here (Debian's PyTorch has no fbgemm, the only engine with\n"
     << "`linear_prepack_fp16`): the `fp16_*_formula` rows are scripted modules calling the ops such models\n"
     << "call, compared with the documented formula (the float module on weights rounded to float16, in\n"
     << "float32). Not covered yet: quantized resnet18 (qnnpack: 2 steps off PyTorch; onednn: PyTorch's own\n"
     << "oneDNN int8 convolution on this AVX2 CPU is up to ~30 steps from the exact integer result with\n"
     << "full-range quint8 activations, which ember computes exactly), 4-bit `nn.quantized.Embedding`\n"
     << "(PyTorch 1.13's `embedding_4bit` returns garbage to compare with), and the `quantized` cell kind of\n"
     << "PyTorch <= 1.4's `torch.jit.quantized` (an error at load).\n\n"
     << "Result: " << pass << " of " << total << " pass.\n\n"
     << "| model | export | result |\n|---|---|---|\n"
     << body.str();
  return md.str();
}

std::string section() {
  const char* env = std::getenv("EMBER_FIXTURES");
  const fs::path fixtures = env ? env : "fixtures";
  std::ostringstream md, body;
  int pass = 0, total = 0;
  rows(fixtures / "mobile", "optimize_for_mobile (1.13)", body, pass, total);
  const bool wild_absent = fs::exists(fixtures / "compat/wild/absent");
  if (!wild_absent) rows(fixtures / "compat/wild", "public sample", body, pass, total);
  md << "\n## Mobile-optimized archives and public samples\n\n"
     << "`tests/fixtures/gen_mobile.py` runs torchvision models and a small convnet through\n"
     << "`torch.utils.mobile_optimizer.optimize_for_mobile` (XNNPACK `prepacked::*_clamp_run` ops with\n"
     << "`torch.classes.xnnpack.*OpContext` constants, `_add_relu`), saved with `torch.jit.save` (`.pt`) and\n"
     << "`_save_for_lite_interpreter` (`.ptl`); the public samples are the archives of `../shared/wild-samples`\n"
     << "(PyTorch 1.4 to 2.0 exports, a lite-interpreter file), fed as their repositories feed them"
     << (wild_absent ? " (not in this checkout: their rows are missing)" : "") << ". Each archive runs\n"
     << "the recorded calls in order on one loaded module, compared with PyTorch 1.13 as above.\n\n"
     << "Result: " << pass << " of " << total << " pass.\n\n"
     << "| archive | kind | result |\n|---|---|---|\n"
     << body.str();
  return md.str();
}

std::string spectral_section() {
  const char* env = std::getenv("EMBER_FIXTURES");
  const fs::path fixtures = env ? env : "fixtures";
  std::ostringstream md, body;
  int pass = 0, total = 0;
  rows(fixtures / "spectral", "audio front end (1.13)", body, pass, total);
  md << "\n## Audio front ends (stft, istft, torch.fft, complex tensors)\n\n"
     << "`tests/fixtures/gen_spectral.py`: torchaudio-style `Spectrogram` and `MelSpectrogram` (hann window\n"
     << "buffer, `torch.stft` with center/reflect/onesided/`return_complex=True`, `|X|^2`, a mel filter bank\n"
     << "matmul, log), the `return_complex=False` form, odd and prime `n_fft` with shorter windows,\n"
     << "`center=False`/`normalized`, `istft` round trips (with `length`, two-sided, `return_complex=True`),\n"
     << "complex arithmetic on spectra (`view_as_real`, `real`/`imag`, `angle`, `polar`, `complex`, `conj`,\n"
     << "`1j` literals), `torch.fft.{fft,ifft,rfft,irfft}` and window factories, each scripted and traced by\n"
     << "PyTorch 1.13, plus `aten::stft.center` as PyTorch 2.x archives call it (hand-written code). The FFT is\n"
     << "ember's own (mixed radix 2/3/4/5/.../31, Bluestein for larger prime factors), computed in double.\n\n"
     << "Result: " << pass << " of " << total << " pass.\n\n"
     << "| archive | kind | result |\n|---|---|---|\n"
     << body.str();
  return md.str();
}

}  // namespace compat_report
