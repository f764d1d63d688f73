// io.h — how the CLI turns command-line inputs into Values and outputs into files and text.
//
// An input is a .npy file, a torch.save'd file (a tensor, or lists/dicts of them), an image
// (PNG/JPEG/BMP via stb_image, preprocessed to a 1×C×H×W float tensor) or a literal such as
// `int:3`, `float:0.5`, `bool:true`, `str:text`. Outputs are flattened depth-first (tuple and list
// items, dict values, in order) — the same order the documented Python snippet uses to save
// reference outputs — and written as out_0.npy, out_1.npy, ….
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ember/deadline.h"
#include "ember/value.h"

namespace CLI {
class App;
}

namespace ember::cli {

struct ImageOptions {
  std::string preprocess = "imagenet";  // imagenet | unit | none
  int height = 0, width = 0;            // 0: keep the image's size (imagenet defaults to 224×224)
};

Value parse_input(const std::string& spec, const ImageOptions& image);

// Flattened leaves of an output value: tensors, and scalars as 0-d tensors (int → int64,
// float → float64, bool → bool). Strings and None are kept as Values for display only.
struct Leaf {
  std::string path;  // "[0]", "[1]['boxes']"
  Value value;
};
std::vector<Leaf> flatten_outputs(const Value& out);

// Tensor form of a leaf for .npy files and comparisons; undefined tensor for str/None leaves.
Tensor leaf_tensor(const Value& v);

// "float32[1, 10] [0.1, ...]" style one-line description.
std::string describe(const Value& v);

// Applies a --size "HxW" option (empty: keep the defaults) to `image`.
void set_image_size(ImageOptions& image, const std::string& size);

// --device cpu|cuda[:N] (run, compare, bench) and the Device it names (the CPU when empty).
void add_device_option(CLI::App* sub, std::string& device);
Device device_option(const std::string& text);

// --disable-pass NAME (repeatable): load-time optimisation passes to turn off (run, compare, bench).
void add_load_options(CLI::App* sub, std::vector<std::string>& disabled_passes);
// --timeout SECONDS for run, compare and bench, and the Deadline it sets (null when not given).
void add_timeout_option(CLI::App* sub, double& timeout);
std::unique_ptr<Deadline> run_deadline(double seconds);

// Parses "1,3,224,224" or "1x3x224x224".
std::vector<int64_t> parse_shape(const std::string& text);

}  // namespace ember::cli
