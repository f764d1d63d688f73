// io.cpp — CLI inputs (npy, torch.save, images, literals) and output flattening.
#include "io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#define STB_IMAGE_IMPLEMENTATION
// Larger images are refused before their pixels are allocated (a hostile header can claim any size).
#define STBI_MAX_DIMENSIONS (1 << 14)
#define STBI_NO_GIF
#define STBI_NO_PSD
#define STBI_NO_PIC
#define STBI_NO_PNM
#define STBI_NO_HDR
#define STBI_NO_TGA
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "archive/archive.h"
#include "archive/npy.h"

namespace ember::cli {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool parse_bool(const std::string& s, const std::string& spec) {
  std::string l = lower(s);
  if (l == "true" || l == "1") return true;
  if (l == "false" || l == "0") return false;
  fail("input '", spec, "': expected true or false after 'bool:'");
}

// Bilinear resize (half-pixel centres, like align_corners=False) of an HWC byte image.
std::vector<float> resize_bilinear(const unsigned char* src, int h, int w, int c, int oh, int ow) {
  std::vector<float> out(static_cast<size_t>(oh) * ow * c);
  const float sy = static_cast<float>(h) / oh, sx = static_cast<float>(w) / ow;
  for (int y = 0; y < oh; ++y) {
    float fy = std::max(0.0f, (y + 0.5f) * sy - 0.5f);
    int y0 = std::min(static_cast<int>(fy), h - 1), y1 = std::min(y0 + 1, h - 1);
    float wy = fy - y0;
    for (int x = 0; x < ow; ++x) {
      float fx = std::max(0.0f, (x + 0.5f) * sx - 0.5f);
      int x0 = std::min(static_cast<int>(fx), w - 1), x1 = std::min(x0 + 1, w - 1);
      float wx = fx - x0;
      for (int k = 0; k < c; ++k) {
        auto at = [&](int yy, int xx) { return static_cast<float>(src[(static_cast<size_t>(yy) * w + xx) * c + k]); };
        float top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        float bot = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out[(static_cast<size_t>(y) * ow + x) * c + k] = top * (1 - wy) + bot * wy;
      }
    }
  }
  return out;
}

Tensor load_image(const std::string& path, const ImageOptions& opt) {
  const bool imagenet = opt.preprocess == "imagenet";
  if (!imagenet && opt.preprocess != "unit" && opt.preprocess != "none")
    fail("--preprocess must be imagenet, unit or none, not '", opt.preprocess, "'");
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &channels, imagenet ? 3 : 0);
  if (!pixels) fail(path, ": cannot read image: ", stbi_failure_reason());
  std::unique_ptr<unsigned char, void (*)(void*)> hold(pixels, stbi_image_free);
  const int c = imagenet ? 3 : channels;
  int oh = opt.height ? opt.height : (imagenet ? 224 : h);
  int ow = opt.width ? opt.width : (imagenet ? 224 : w);
  std::vector<float> hwc = resize_bilinear(pixels, h, w, c, oh, ow);
  static const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};
  Tensor t = Tensor::empty(Shape{1, c, oh, ow}, DType::Float32);
  float* o = t.data<float>();
  for (int k = 0; k < c; ++k)
    for (int i = 0; i < oh * ow; ++i) {
      float v = hwc[static_cast<size_t>(i) * c + k];
      if (opt.preprocess != "none") v /= 255.0f;
      if (imagenet) v = (v - mean[k]) / stdev[k];
      o[static_cast<size_t>(k) * oh * ow + i] = v;
    }
  return t;
}

// Outputs nest at most this deep and hold at most this many leaves: a model can build a list that
// holds itself's contents twice per level, whose leaf count doubles with every level.
constexpr int kMaxOutputDepth = 500;
constexpr size_t kMaxOutputLeaves = size_t{1} << 20;

void flatten(const Value& v, const std::string& path, std::vector<Leaf>& out, int depth) {
  if (depth > kMaxOutputDepth) fail("the outputs are nested more than ", kMaxOutputDepth, " levels deep");
  if (v.is_tuple()) {
    const auto& items = v.to_tuple()->items;
    for (size_t i = 0; i < items.size(); ++i) flatten(items[i], path + "[" + std::to_string(i) + "]", out, depth + 1);
  } else if (v.is_list()) {
    const auto& items = v.to_list()->items;
    for (size_t i = 0; i < items.size(); ++i) flatten(items[i], path + "[" + std::to_string(i) + "]", out, depth + 1);
  } else if (v.is_dict()) {
    v.to_dict()->for_each([&](const Value& k, const Value& val) { flatten(val, path + "[" + k.repr() + "]", out, depth + 1); });
  } else {
    if (out.size() >= kMaxOutputLeaves) fail("the outputs hold more than ", kMaxOutputLeaves, " values");
    out.push_back({path.empty() ? "output" : path, v});
  }
}

}  // namespace

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> dims;
  std::string cur;
  for (char ch : text + ",") {
    if (ch == ',' || ch == 'x' || ch == 'X') {
      if (cur.empty()) fail("bad shape '", text, "': expected numbers separated by ',' or 'x'");
      size_t used = 0;
      long long d = 0;
      try { d = std::stoll(cur, &used); } catch (const std::exception&) { used = 0; }
      if (used != cur.size() || d < 0) fail("bad shape '", text, "': '", cur, "' is not a size");
      dims.push_back(d);
      cur.clear();
    } else if (ch != ' ') {
      cur += ch;
    }
  }
  return dims;
}

void set_image_size(ImageOptions& image, const std::string& size) {
  if (size.empty()) return;
  auto dims = parse_shape(size);
  if (dims.size() != 2 || dims[0] == 0 || dims[1] == 0) fail("--size must be HxW, e.g. 224x224");
  image.height = static_cast<int>(dims[0]);
  image.width = static_cast<int>(dims[1]);
}

Value parse_input(const std::string& spec, const ImageOptions& image) {
  // `none` passes None (an Optional argument left out in the middle of the list).
  if (spec == "none" && !std::filesystem::exists(spec)) return Value();
  auto colon = spec.find(':');
  if (colon != std::string::npos && !std::filesystem::exists(spec)) {
    std::string kind = spec.substr(0, colon), text = spec.substr(colon + 1);
    try {
      if (kind == "int") {
        size_t used = 0;
        long long v = std::stoll(text, &used);
        if (used == text.size()) return Value(static_cast<int64_t>(v));
      } else if (kind == "float") {
        size_t used = 0;
        double v = std::stod(text, &used);
        if (used == text.size()) return Value(v);
      } else if (kind == "bool") {
        return Value(parse_bool(text, spec));
      } else if (kind == "str") {
        return Value(text);
      } else {
        fail("input '", spec, "': unknown literal kind '", kind, "' (use int:, float:, bool: or str:)");
      }
    } catch (const std::logic_error&) {
    }
    fail("input '", spec, "': '", text, "' is not a valid ", kind);
  }
  if (!std::filesystem::exists(spec)) fail("input '", spec, "': no such file");
  if (std::filesystem::is_directory(spec)) fail("input '", spec, "': is a directory");
  // A FIFO or a device would block or never end; only regular files are read.
  if (!std::filesystem::is_regular_file(spec)) fail("input '", spec, "': not a regular file");
  std::string ext = lower(std::filesystem::path(spec).extension().string());
  if (ext == ".npy") return Value(archive::load_npy(spec));
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp") return Value(load_image(spec, image));
  return archive::load_torch_save(spec);
}

std::vector<Leaf> flatten_outputs(const Value& out) {
  std::vector<Leaf> leaves;
  flatten(out, "", leaves, 0);
  // Outputs of a model placed on a device come back to host memory to be shown or saved.
  for (Leaf& leaf : leaves)
    if (leaf.value.is_tensor() && leaf.value.to_tensor().defined() && !leaf.value.to_tensor().is_cpu())
      leaf.value = Value(leaf.value.to_tensor().to(Device{}));
  return leaves;
}

Device device_option(const std::string& text) { return text.empty() ? Device{} : Device::parse(text); }

Tensor leaf_tensor(const Value& v) {
  if (v.is_tensor()) return v.to_tensor();
  if (v.is_int()) return Tensor::scalar<int64_t>(v.to_int());
  if (v.is_double()) return Tensor::scalar<double>(v.to_double());
  if (v.is_bool()) return Tensor::scalar<bool>(v.to_bool());
  return Tensor();
}

std::string describe(const Value& v) {
  if (v.is_tensor()) return v.to_tensor().defined() ? v.to_tensor().summary(8) : "undefined tensor";
  return v.type()->str() + " " + v.repr();
}

}  // namespace ember::cli
