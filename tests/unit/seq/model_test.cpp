// Whole models through ember::load → Module::forward: nn.LSTM / nn.GRU / nn.RNN,
// nn.MultiheadAttention (fast path, slow path, key padding + attention masks, need_weights both
// ways), nn.TransformerEncoder (2 layers, norm_first both ways, relu/gelu) and
// nn.TransformerDecoder, each traced and scripted by tests/fixtures/gen_seq.py, compared with the
// outputs PyTorch computed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ember/module.h"
#include "seq_cases.h"

namespace ember {
namespace {

using testing::fixture;
using testing::seq::expect_close;

// Rebuilds the arguments from gen_seq.py's structure string, `(t,(t,t))`, taking tensors in order.
Value build(const std::string& s, size_t& pos, const std::string& model, int& next) {
  if (s[pos] == 't') {
    ++pos;
    return Value(archive::load_npy(
        fixture("seq/models/" + model + ".in" + std::to_string(next++) + ".npy")));
  }
  EXPECT_EQ(s[pos], '(') << s;
  ++pos;
  std::vector<Value> items;
  while (pos < s.size() && s[pos] != ')') {
    items.push_back(build(s, pos, model, next));
    if (s[pos] == ',') ++pos;
  }
  ++pos;
  return Value(make_tuple(std::move(items)));
}

void flatten(const Value& v, std::vector<Tensor>& out) {
  if (v.is_tensor()) {
    out.push_back(v.to_tensor());
  } else if (v.is_tuple()) {
    for (const Value& x : v.to_tuple()->items) flatten(x, out);
  } else if (v.is_list()) {
    for (const Value& x : v.to_list()->items) flatten(x, out);
  } else {
    EXPECT_TRUE(v.is_none()) << "unexpected output " << v.tag_name();
  }
}

TEST(SeqModels, TracedAndScriptedModelsMatchTorch) {
  std::ifstream in(fixture("seq/models.txt"));
  std::string line;
  int ran = 0;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string name, structure;
    size_t num_outputs = 0;
    ss >> name >> structure >> num_outputs;
    if (name.empty()) continue;
    SCOPED_TRACE(name);
    try {
      const Module m = load(fixture("seq/models/" + name + ".pt"));
      size_t pos = 0;
      int next = 0;
      const Value args = build(structure, pos, name, next);
      const Value result = m.forward(args.to_tuple()->items);
      std::vector<Tensor> got;
      flatten(result, got);
      ASSERT_EQ(got.size(), num_outputs);
      for (size_t i = 0; i < num_outputs; ++i)
        expect_close(got[i],
                     archive::load_npy(fixture("seq/models/" + name + ".out" + std::to_string(i) + ".npy")),
                     "output " + std::to_string(i));
      ++ran;
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(ran, 24);
}

}  // namespace
}  // namespace ember
