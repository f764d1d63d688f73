// opt_test.cpp — the load-time passes (src/opt): every case of gen_opt.py run with all passes,
// with each pass turned off in turn and with none, against PyTorch's outputs over consecutive
// calls; and what each pass does (or must not do) to the graph.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "archive/npy.h"
#include "ember/module.h"
#include "fixtures.h"
#include "opt_cases.h"

namespace ember {
namespace {

using testing::OptCase;
using testing::opt_cases;

std::string path_of(const std::string& name, const std::string& suffix) { return testing::opt_file(name, suffix); }

// Max |a - b| over max(1, max |b|): the suite's fp32 tolerance is 1e-4 of the output's magnitude.
void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  Tensor g = got.to(DType::Float64).contiguous(), w = want.to(DType::Float64).contiguous();
  double scale = 1, worst = 0;
  for (int64_t i = 0; i < w.numel(); ++i) scale = std::max(scale, std::abs(w.data<double>()[i]));
  for (int64_t i = 0; i < w.numel(); ++i) {
    const double d = std::abs(g.data<double>()[i] - w.data<double>()[i]);
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  EXPECT_LE(worst, 1e-4 * scale) << what;
}

void run_case(const OptCase& c, const LoadOptions& options, const std::string& label) {
  SCOPED_TRACE(c.name + " with " + label);
  Module m = load(path_of(c.name, ".pt"), options);
  std::vector<Tensor> inputs;
  for (int i = 0; i < c.inputs; ++i) inputs.push_back(archive::load_npy(path_of(c.name, ".in_" + std::to_string(i) + ".npy")));
  for (int k = 0; k < c.calls; ++k) {
    std::vector<Value> args;
    for (const Tensor& t : inputs) args.emplace_back(t.clone());  // models may write their inputs
    Value y = m.forward(args);
    ASSERT_TRUE(y.is_tensor());
    expect_close(y.to_tensor(), archive::load_npy(path_of(c.name, ".out_" + std::to_string(k) + ".npy")),
                 "call " + std::to_string(k + 1));
  }
}

TEST(OptPasses, AllOnMatchPyTorch) {
  for (const OptCase& c : opt_cases()) run_case(c, LoadOptions(), "all passes");
}

TEST(OptPasses, InputShapesAtLoadChangeNothing) {
  // Given the inputs' shapes, load runs forward once on zeros only when nothing can tell: the
  // models that count their calls, update a buffer in place or run batch-norm in training mode
  // must give PyTorch's first-call outputs on their first call all the same.
  for (const OptCase& c : opt_cases()) {
    LoadOptions options;
    for (int i = 0; i < c.inputs; ++i) {
      Tensor t = archive::load_npy(path_of(c.name, ".in_" + std::to_string(i) + ".npy"));
      options.input_shapes.push_back({std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), t.dtype()});
    }
    run_case(c, options, "input shapes given at load");
  }
}

TEST(OptPasses, AllOffMatchPyTorch) {
  for (const OptCase& c : opt_cases()) run_case(c, LoadOptions{{"all"}}, "no passes");
}

TEST(OptPasses, EachOneOffMatchesPyTorch) {
  for (const std::string& pass : optimization_passes())
    for (const OptCase& c : opt_cases()) run_case(c, LoadOptions{{pass}}, pass + " off");
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string graph_of(const std::string& name, std::vector<std::string> disabled = {}) {
  return load(path_of(name, ".pt"), LoadOptions{std::move(disabled)}).optimized_graph("forward");
}

TEST(OptPasses, ConvBatchNormActivationBecomeOneCall) {
  for (const char* v : {"conv_bn_relu_scripted", "conv_bn_relu_traced"}) {
    SCOPED_TRACE(v);
    const std::string g = graph_of(v);
    EXPECT_EQ(count(g, "ember::conv_fused"), 1) << g;
    EXPECT_EQ(count(g, "batch_norm"), 0) << g;
    EXPECT_EQ(count(g, "relu"), 0) << g;
    EXPECT_EQ(count(g, "CallMethod"), 0) << g;
    EXPECT_EQ(count(g, "GetAttr"), 0) << g;
  }
}

TEST(OptPasses, ResidualAddsFuse) {
  // Two blocks: conv1+bn1+relu, conv2+bn2+add+relu each, plus the downsample conv+bn.
  const std::string g = graph_of("resblock_traced");
  EXPECT_EQ(count(g, "ember::conv_fused"), 5) << g;
  EXPECT_EQ(count(g, "aten::add"), 0) << g;
  EXPECT_EQ(count(g, "_convolution"), 0) << g;
  EXPECT_EQ(count(g, "batch_norm"), 0) << g;
  // mobilenet's `x + conv(x)`: the conv output is the add's second operand.
  const std::string ir = graph_of("inverted_residual_scripted");
  EXPECT_EQ(count(ir, "ember::conv_fused"), 3) << ir;
  EXPECT_EQ(count(ir, "aten::add"), 0) << ir;
}

// How many fused convolutions take the channels-last flag: the pass puts its `True` constant
// first in the graph and passes it as the call's last argument.
int channels_last_convs(const std::string& g) {
  std::istringstream lines(g);
  std::string line, flag;
  int n = 0;
  while (std::getline(lines, line)) {
    if (flag.empty() && line.find(" : bool = Constant[True]()") != std::string::npos && line.find("%") != std::string::npos)
      flag = line.substr(line.find('%'), line.find(' ', line.find('%')) - line.find('%'));
    if (!flag.empty() && line.find("ember::conv_fused") != std::string::npos &&
        line.find(", " + flag + ")") != std::string::npos)
      ++n;
  }
  return n;
}

TEST(OptPasses, ConvToConvHandsOverChannelsLast) {
  // Block outputs feed only the next block's convolutions (input and residual): they may stay
  // NHWC. The last one is the model's result and stays NCHW.
  EXPECT_EQ(channels_last_convs(graph_of("resblock_traced")), 4) << graph_of("resblock_traced");
  EXPECT_EQ(channels_last_convs(graph_of("resblock_traced", {"channels-last"})), 0);
  EXPECT_EQ(channels_last_convs(graph_of("inverted_residual_traced")), 2) << graph_of("inverted_residual_traced");
  // Squeeze-excitation: the expand conv's output goes to global pooling and a multiply whose
  // result feeds a conv, so it may stay NHWC; the excitation convs feed a sigmoid whose result
  // is multiplied into it (layout-free too); the projection's result is added to the input and
  // returned.
  const std::string se = graph_of("squeeze_excite_scripted");
  EXPECT_EQ(channels_last_convs(se), 3) << se;
  // A convolution read by something else (the mean) keeps the plain layout.
  EXPECT_EQ(channels_last_convs(graph_of("shared_output_scripted")), 0);
}

TEST(OptPasses, LeavesWhatItMustNotTouch) {
  // The conv output has a second reader: no folding.
  EXPECT_EQ(count(graph_of("shared_output_scripted"), "batch_norm"), 1);
  // In place into the residual: the add stays.
  const std::string ip = graph_of("inplace_into_residual_scripted");
  EXPECT_EQ(count(ip, "aten::add_"), 1) << ip;
  // Training mode: batch-norm stays (and keeps updating its statistics).
  const std::string tr = graph_of("training_bn_scripted");
  EXPECT_EQ(count(tr, "batch_norm"), 1) << tr;
  // An attribute the model assigns is read each call, not frozen.
  const std::string ct = graph_of("counter_scripted");
  EXPECT_GE(count(ct, "GetAttr[calls]"), 1) << ct;
  EXPECT_GE(count(ct, "SetAttr[calls]"), 1) << ct;
}

TEST(OptPasses, ConstantFlagsFoldBranches) {
  const std::string on = graph_of("flags_on_scripted"), off = graph_of("flags_off_scripted");
  EXPECT_EQ(count(on, "If("), 0) << on;
  EXPECT_EQ(count(off, "If("), 0) << off;
  EXPECT_EQ(count(off, "aten::mul"), 0) << off;
  EXPECT_EQ(count(on, "aten::mul"), 1) << on;
}

TEST(OptPasses, EachSwitchTurnsItsPassOff) {
  const std::string name = "conv_bn_relu_scripted";
  EXPECT_EQ(graph_of(name, {"all"}), "");
  const std::string no_fuse = graph_of(name, {"fuse-conv"});
  EXPECT_EQ(count(no_fuse, "ember::conv_fused"), 1) << no_fuse;  // batch-norm still folded
  EXPECT_EQ(count(no_fuse, "batch_norm"), 0) << no_fuse;
  EXPECT_EQ(count(no_fuse, "relu"), 1) << no_fuse;  // the activation stays an op
  const std::string no_fold = graph_of(name, {"fold-batch-norm"});
  EXPECT_EQ(count(no_fold, "batch_norm"), 1) << no_fold;
  EXPECT_EQ(count(no_fold, "ember::conv_fused"), 0) << no_fold;
  const std::string no_freeze = graph_of(name, {"freeze"});
  EXPECT_GE(count(no_freeze, "GetAttr"), 1) << no_freeze;
  EXPECT_EQ(count(no_freeze, "ember::conv_fused"), 0) << no_freeze;
  const std::string no_inline = graph_of(name, {"inline"});
  EXPECT_GE(count(no_inline, "CallMethod"), 1) << no_inline;
  const std::string no_fold_consts = graph_of(name, {"fold-constants"});
  EXPECT_GE(count(no_fold_consts, "If("), 1) << no_fold_consts;
  const std::string no_dce = graph_of(name, {"dead-code"});
  EXPECT_GT(no_dce.size(), graph_of(name).size());
}

// A loaded Module may be called from several threads at once: cached primitives are shared,
// so each call must bring its own scratch memory.
TEST(OptPasses, OneModuleRunsOnSeveralThreadsAtOnce) {
  for (const char* name : {"resblock_traced", "inverted_residual_scripted", "activations_traced"}) {
    SCOPED_TRACE(name);
    Module m = load(path_of(name, ".pt"));
    const Tensor x = archive::load_npy(path_of(name, ".in_0.npy"));
    const Tensor want = archive::load_npy(path_of(name, ".out_0.npy"));
    std::vector<Tensor> got(4);
    std::vector<std::string> errors(got.size());
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); ++t)
      threads.emplace_back([&, t] {
        try {
          for (int round = 0; round < 25; ++round) got[t] = m.forward({Value(x.clone())}).to_tensor();
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      });
    for (auto& th : threads) th.join();
    for (size_t t = 0; t < got.size(); ++t) {
      ASSERT_EQ(errors[t], "");
      expect_close(got[t], want, "thread " + std::to_string(t));
    }
  }
}

TEST(OptPasses, UnknownPassNameIsAnError) {
  try {
    load(path_of("conv_bn_relu_scripted", ".pt"), LoadOptions{{"no-such-pass"}});
    FAIL() << "loaded with an unknown pass name";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown optimisation pass 'no-such-pass'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fuse-conv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ember
