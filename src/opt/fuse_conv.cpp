// fuse_conv.cpp — batch-norm folding and epilogue fusion for convolutions with frozen weights.
//
// After freezing, a torchvision-style block reads
//     y = conv(x, W, b) ; y = batch_norm(y, γ, β, μ, σ², training=False) ; y = y + r ; y = act(y)
// with W, b, γ, β, μ, σ² constants. Eval batch-norm is a per-channel affine map of the
// convolution's output (y·s + t with s = γ / sqrt(σ² + ε), t = (b − μ)·s + β), so it, the add
// and the activation all become the convolution's epilogue (ember::conv_fused); the weights are
// left as they are. Every step only fires when the value it consumes has exactly that one reader
// in the same block (rank reads aside), so nothing else can observe the intermediate result that
// is no longer materialised.
//
// Serves the CPU backend: ember::conv_fused is oneDNN's convolution with post-ops, and the folding
// reads the constants' bytes in host memory. Modules placed on another device load with
// "channels-last" off (session/module.cpp); folding and fusion run there too, the folded affine
// computed in host memory and placed beside the weights.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <unordered_map>

#include "ir/function.h"
#include "kernels/cpu/conv.h"
#include "ops/registry.h"
#include "opt/passes.h"
#include "core/check.h"

namespace ember::opt {

namespace {

using Act = cpu::ConvEpilogue::Act;  // ember::conv_fused takes it as an int

// ember::conv_fused's arguments (ops/ember_ops.cpp), in schema order.
enum FusedArg : size_t {
  kInput, kWeight, kBias, kStride, kPadding, kDilation, kGroups, kAct, kLo, kHi, kResidual, kScale, kShift,
  kChannelsLast, kNumFusedArgs
};

bool is_op(const ir::Node* n, std::string_view qualified, std::string_view overload) {
  return n->kind == ir::NodeKind::Call && n->op->schema.overload == overload &&
         n->op->schema.qualified_name() == qualified;
}

std::optional<double> constant_number(const ir::Value* v) {
  const Value* c = constant_of(v);
  if (!c) return std::nullopt;
  if (c->is_double()) return c->to_double();
  if (c->is_int()) return static_cast<double>(c->to_int());
  return std::nullopt;
}

bool constant_float_tensor(const ir::Value* v) {
  const Value* c = constant_of(v);
  return c && c->is_tensor() && c->to_tensor().defined() && c->to_tensor().dtype() == DType::Float32;
}
bool constant_none(const ir::Value* v) {
  const Value* c = constant_of(v);
  return c && c->is_none();
}

// A convolution the pass can rewrite: not transposed, float32 constant weight, constant or no
// bias, constant geometry.
struct ConvSite {
  ir::Node* node = nullptr;
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups = 1;
};

std::optional<ConvSite> match_conv(ir::Node* n) {
  if (n->kind != ir::NodeKind::Call) return std::nullopt;
  const auto& s = n->op->schema;
  const std::string q = s.qualified_name();
  size_t groups_at;
  if ((q == "aten::conv1d" || q == "aten::conv2d" || q == "aten::conv3d") && s.overload.empty()) {
    groups_at = 6;
  } else if ((q == "aten::_convolution" && (s.overload.empty() || s.overload == "deprecated")) ||
             (q == "aten::convolution" && s.overload.empty())) {
    const Value* transposed = constant_of(n->inputs[6]);
    if (!transposed || !transposed->is_bool() || transposed->to_bool()) return std::nullopt;
    groups_at = 8;
  } else {
    return std::nullopt;
  }
  if (!constant_float_tensor(n->inputs[1])) return std::nullopt;
  if (!constant_none(n->inputs[2]) && !constant_float_tensor(n->inputs[2])) return std::nullopt;
  ConvSite site;
  site.node = n;
  auto st = constant_int_list(n->inputs[3]), pa = constant_int_list(n->inputs[4]), di = constant_int_list(n->inputs[5]);
  const Value* g = constant_of(n->inputs[groups_at]);
  if (!st || !pa || !di || !g || !g->is_int()) return std::nullopt;
  const int64_t wdim = constant_of(n->inputs[1])->to_tensor().dim();
  if (wdim < 3 || wdim > 5) return std::nullopt;
  site.stride = *st, site.padding = *pa, site.dilation = *di, site.groups = g->to_int();
  return site;
}

bool is_rank_read(const ir::Node* n) { return n && is_op(n, "aten::dim", ""); }

// The single node reading `v` other than `dim()` calls, when it is in `block` and reads it once.
// (Rank reads stay valid on the fused output, which has the same rank as every value it replaces.)
ir::Node* sole_reader(const Uses& uses, const ir::Value* v, const ir::Block* block) {
  auto it = uses.find(v);
  if (it == uses.end()) return nullptr;
  ir::Node* only = nullptr;
  for (ir::Node* u : it->second) {
    if (is_rank_read(u)) continue;
    if (only || !u || u->owner != block) return nullptr;
    only = u;
  }
  return only;
}

// Moves `n` (already appended at the end of `block`) to just before `anchor`.
void move_before(ir::Node* n, ir::Node* anchor) {
  auto& nodes = anchor->owner->nodes;
  nodes.erase(std::find(nodes.begin(), nodes.end(), n));
  nodes.insert(std::find(nodes.begin(), nodes.end(), anchor), n);
}

ir::Value* constant_before(ir::Graph& g, ir::Node* anchor, Value v, TypePtr t) {
  ir::Value* out = g.constant(anchor->owner, std::move(v), std::move(t), anchor->loc);
  move_before(out->producer, anchor);
  return out;
}

// An eval batch_norm after the convolution as a per-channel affine map of the convolution's
// output (its bias folded in): y = conv(x, W)·s + t with s = γ / sqrt(σ² + ε) and
// t = (b − μ)·s + β, in double, rounded once. The weights are not touched, so folding costs
// nothing at load and keeps one copy of them in memory.
struct Affine {
  Tensor scale, shift;
};

std::optional<Affine> batch_norm_affine(const ConvSite& site, const ir::Node* bn) {
  // batch_norm(input, weight?, bias?, running_mean?, running_var?, training, momentum, eps, cudnn)
  const Value* training = constant_of(bn->inputs[5]);
  auto eps = constant_number(bn->inputs[7]);
  if (!training || !training->is_bool() || training->to_bool() || !eps) return std::nullopt;
  if (!constant_float_tensor(bn->inputs[3]) || !constant_float_tensor(bn->inputs[4])) return std::nullopt;
  for (size_t i : {1, 2})
    if (!constant_none(bn->inputs[i]) && !constant_float_tensor(bn->inputs[i])) return std::nullopt;
  const int64_t oc = constant_of(site.node->inputs[1])->to_tensor().size(0);
  auto per_channel = [&](const ir::Value* v) -> std::optional<Tensor> {
    const Value* c = constant_of(v);
    if (!c || c->is_none()) return std::nullopt;
    return c->to_tensor().to(Device{}).contiguous();  // on a GPU too, folded in host memory
  };
  const Tensor mean = *per_channel(bn->inputs[3]), var = *per_channel(bn->inputs[4]);
  const auto gamma = per_channel(bn->inputs[1]), beta = per_channel(bn->inputs[2]), bias = per_channel(site.node->inputs[2]);
  for (const Tensor* t : {&mean, &var, gamma ? &*gamma : nullptr, beta ? &*beta : nullptr, bias ? &*bias : nullptr})
    if (t && (t->dim() != 1 || t->size(0) != oc)) return std::nullopt;
  Affine a{Tensor::empty({oc}, DType::Float32), Tensor::empty({oc}, DType::Float32)};
  for (int64_t o = 0; o < oc; ++o) {
    const double s = (gamma ? gamma->data<float>()[o] : 1.0) / std::sqrt(static_cast<double>(var.data<float>()[o]) + *eps);
    const double b0 = bias ? bias->data<float>()[o] : 0.0;
    a.scale.data<float>()[o] = static_cast<float>(s);
    a.shift.data<float>()[o] = static_cast<float>((b0 - mean.data<float>()[o]) * s + (beta ? beta->data<float>()[o] : 0.0));
  }
  // Where the weights are (LoadOptions::device), so the fused call reads it there.
  const Device device = constant_of(site.node->inputs[1])->to_tensor().device();
  if (!device.is_cpu()) {
    a.scale = a.scale.to(device);
    a.shift = a.shift.to(device);
  }
  return a;
}

// The residual operand when `u` adds something to `v` (alpha 1) and may consume `v`.
ir::Value* residual_of(const ir::Node* u, const ir::Value* v) {
  const bool inplace = is_op(u, "aten::add_", "Tensor");
  if (!inplace && !is_op(u, "aten::add", "Tensor")) return nullptr;
  auto alpha = constant_number(u->inputs[2]);
  if (!alpha || *alpha != 1.0) return nullptr;
  if (u->inputs[0] == v && u->inputs[1] != v) return u->inputs[1];
  // In place, `v` must be the tensor written: writing into the residual would change a value
  // other readers see.
  if (!inplace && u->inputs[1] == v && u->inputs[0] != v) return u->inputs[0];
  return nullptr;
}

struct ActMatch {
  Act act = Act::None;
  double lo = 0, hi = 0;
};

std::optional<ActMatch> activation_of(const ir::Node* u, const ir::Value* v) {
  if (u->kind != ir::NodeKind::Call || u->inputs.empty() || u->inputs[0] != v) return std::nullopt;
  const std::string q = u->op->schema.qualified_name();
  if (!u->op->schema.overload.empty()) return std::nullopt;
  auto base = [&](std::string_view name) { return q == name || q == std::string(name) + "_"; };
  const double inf = std::numeric_limits<double>::infinity();
  if (base("aten::relu")) return ActMatch{Act::Relu, 0, 0};
  if (base("aten::relu6")) return ActMatch{Act::Clamp, 0, 6};
  if (base("aten::silu")) return ActMatch{Act::Silu, 0, 0};
  if (base("aten::sigmoid")) return ActMatch{Act::Sigmoid, 0, 0};
  if (base("aten::hardswish")) return ActMatch{Act::HardSwish, 0, 0};
  if (base("aten::tanh")) return ActMatch{Act::Tanh, 0, 0};
  if (base("aten::hardtanh") || base("aten::clamp")) {
    const bool clamp = base("aten::clamp");
    auto lo = constant_number(u->inputs[1]), hi = constant_number(u->inputs[2]);
    if (clamp) {
      if (!lo && !constant_none(u->inputs[1])) return std::nullopt;
      if (!hi && !constant_none(u->inputs[2])) return std::nullopt;
      if (!lo && !hi) return std::nullopt;
    } else if (!lo || !hi) {
      return std::nullopt;
    }
    const double l = lo ? *lo : -inf, h = hi ? *hi : inf;
    if (std::isnan(l) || std::isnan(h) || l > h) return std::nullopt;
    return ActMatch{Act::Clamp, l, h};
  }
  if (base("aten::gelu")) {
    const Value* approx = constant_of(u->inputs[1]);
    if (!approx || !approx->is_string() || approx->to_string() != "none") return std::nullopt;
    return ActMatch{Act::Gelu, 0, 0};
  }
  return std::nullopt;
}

class ConvFuser {
 public:
  ConvFuser(ir::Graph& g, const PassSet& passes)
      : g_(g), fold_bn_(passes.on("fold-batch-norm")), fuse_(passes.on("fuse-conv")),
        channels_last_(passes.on("channels-last")) {
    fused_op_ = ops::Registry::global().find("ember::conv_fused", "");
    EMBER_ASSERT(fused_op_ && fused_op_->schema.arguments.size() == kNumFusedArgs,
                 "ember::conv_fused is not registered with the arguments FusedArg lists");
  }

  void run() {
    if (!fold_bn_ && !fuse_) return;
    std::vector<ir::Node*> convs;
    collect(g_.top(), convs);
    uses_ = collect_uses(g_);
    redirect_rank_reads();
    for (ir::Node* c : convs) rewrite(c);
    if (channels_last_) mark_channels_last();
  }

 private:
  // A fused convolution may hand its result over channels-last (the NHWC layout oneDNN's
  // kernels use, so no conversion runs on either side) when nothing downstream can tell the
  // layout: see layout_free.
  void mark_channels_last() {
    std::vector<ir::Node*> fused;
    collect_fused(g_.top(), fused);
    const ir::Value* yes = nullptr;
    std::unordered_map<const ir::Value*, bool> memo;
    for (ir::Node* f : fused) {
      if (!layout_free(f->outputs[0], 0, memo)) continue;
      if (!yes) yes = constant_before(g_, g_.top()->nodes.front(), Value(true), Type::get(TypeKind::Bool));
      f->inputs[kChannelsLast] = const_cast<ir::Value*>(yes);
    }
  }

  // True when every reader of `v` takes a tensor in any layout and lets nothing depend on it:
  // rank and size reads, a fused convolution's input or residual, global average pooling (its [N, C, 1, 1]
  // result is the same in both layouts), and elementwise ops, whose result follows their
  // input's layout and must then be layout-free itself. Anything else (views, reshapes, the
  // method's result) sees strides, so the value stays NCHW.
  bool layout_free(const ir::Value* v, int depth, std::unordered_map<const ir::Value*, bool>& memo) {
    if (auto it = memo.find(v); it != memo.end()) return it->second;
    memo[v] = false;  // a cycle (loop-carried value) is not layout-free
    auto it = uses_.find(v);
    bool ok = it != uses_.end() && !it->second.empty() && depth < 16;
    for (size_t i = 0; ok && i < it->second.size(); ++i) {
      const ir::Node* r = it->second[i];
      if (!r) {
        ok = false;
      } else if (is_rank_read(r) || (r->kind == ir::NodeKind::Call && r->op->schema.qualified_name() == "aten::size")) {
        continue;  // sizes do not depend on the layout
      } else if (r->op == fused_op_) {
        ok = (r->inputs[kInput] == v || r->inputs[kResidual] == v) && r->inputs[kWeight] != v &&
             r->inputs[kBias] != v && r->inputs[kScale] != v && r->inputs[kShift] != v;
      } else if (is_op(r, "aten::adaptive_avg_pool2d", "")) {
        auto size = constant_int_list(r->inputs[1]);
        ok = r->inputs[0] == v && size && *size == std::vector<int64_t>{1, 1};
      } else if (layout_following(r)) {
        ok = layout_free(r->outputs[0], depth + 1, memo);
      } else {
        ok = false;
      }
    }
    memo[v] = ok;
    return ok;
  }

  // Out-of-place elementwise ops: their result takes the layout of their tensor input(s).
  static bool layout_following(const ir::Node* r) {
    if (r->kind != ir::NodeKind::Call || r->outputs.size() != 1) return false;
    static const std::set<std::pair<std::string, std::string>> ops{
        {"aten::mul", "Tensor"}, {"aten::add", "Tensor"}, {"aten::sub", "Tensor"}, {"aten::div", "Tensor"},
        {"aten::mul", "Scalar"}, {"aten::add", "Scalar"}, {"aten::relu", ""}, {"aten::sigmoid", ""},
        {"aten::silu", ""}, {"aten::hardswish", ""}, {"aten::hardsigmoid", ""}, {"aten::tanh", ""},
        {"aten::gelu", ""}};
    return ops.count({r->op->schema.qualified_name(), r->op->schema.overload}) > 0;
  }

  void collect_fused(ir::Block* b, std::vector<ir::Node*>& out) {
    for (ir::Node* n : b->nodes) {
      if (n->kind == ir::NodeKind::Call && n->op == fused_op_) out.push_back(n);
      for (ir::Block* sub : n->blocks) collect_fused(sub, out);
    }
  }

  void collect(ir::Block* b, std::vector<ir::Node*>& out) {
    for (ir::Node* n : b->nodes) {
      if (match_conv(n)) out.push_back(n);
      for (ir::Block* sub : n->blocks) collect(sub, out);
    }
  }

  // ---- the readers map, kept current through every rewrite (one walk of the graph in all) --

  void drop_reader(const ir::Value* v, const ir::Node* n) {
    auto& readers = uses_[v];
    auto it = std::find(readers.begin(), readers.end(), n);
    if (it != readers.end()) readers.erase(it);
  }
  // Every read of `from` becomes a read of `to`.
  void replace(ir::Value* from, ir::Value* to) {
    auto it = uses_.find(from);
    if (it == uses_.end()) return;
    std::vector<ir::Node*> readers = std::move(it->second);
    uses_.erase(it);
    auto fix = [&](std::vector<ir::Value*>& vs) {
      for (ir::Value*& v : vs)
        if (v == from) v = to;
    };
    for (ir::Node* r : readers) {
      if (!r) {
        fix(g_.top()->returns);
      } else {
        fix(r->inputs);
        for (ir::Block* b : r->blocks) fix(b->returns);
      }
      uses_[to].push_back(r);
    }
  }
  void remove(ir::Node* n) {
    for (const ir::Value* v : n->inputs) drop_reader(v, n);
    remove_node(n);
  }

  // `x.dim()` on the output of a convolution, batch-norm or activation equals `dim()` of its
  // input; reading it there leaves the output with the one reader fusion needs (torchvision's
  // batch-norm checks its input's rank before normalising). Chains resolve in one pass because
  // a redirected read is revisited at its new value.
  void redirect_rank_reads() {
    std::vector<ir::Node*> work;
    for (auto& [v, readers] : uses_)
      for (ir::Node* r : readers)
        if (is_rank_read(r)) work.push_back(r);
    for (ir::Node* r : work) {
      for (;;) {
        ir::Value* v = r->inputs[0];
        const ir::Node* p = v->producer;
        if (!p || !rank_preserving(p)) break;
        drop_reader(v, r);
        r->inputs[0] = p->inputs[0];
        uses_[r->inputs[0]].push_back(r);
      }
    }
  }

  static bool rank_preserving(const ir::Node* p) {
    if (match_conv(const_cast<ir::Node*>(p))) return true;
    if (is_op(p, "aten::batch_norm", "")) return true;
    return p->kind == ir::NodeKind::Call && !p->inputs.empty() && activation_of(p, p->inputs[0]).has_value();
  }

  void rewrite(ir::Node* c) {
    auto site = match_conv(c);
    if (!site) return;
    ir::Block* block = c->owner;
    ir::Value* cur = c->outputs[0];
    std::vector<ir::Node*> consumed;
    std::optional<Affine> affine;
    if (fold_bn_) {
      ir::Node* u = sole_reader(uses_, cur, block);
      if (u && is_op(u, "aten::batch_norm", "") && u->inputs[0] == cur && (affine = batch_norm_affine(*site, u))) {
        consumed.push_back(u);
        cur = u->outputs[0];
      }
    }
    ir::Value* residual = nullptr;
    ir::Node* add = nullptr;
    ActMatch act;
    if (fuse_) {
      if (ir::Node* u = sole_reader(uses_, cur, block)) {
        if ((residual = residual_of(u, cur))) {
          add = u;
          consumed.push_back(u);
          cur = u->outputs[0];
        }
      }
      if (ir::Node* u = sole_reader(uses_, cur, block)) {
        if (auto a = activation_of(u, cur)) {
          act = *a;
          consumed.push_back(u);
          cur = u->outputs[0];
        }
      }
    }
    if (consumed.empty()) return;
    // Placed where the residual add was (the residual may be computed after the convolution),
    // else where the first consumed node was: every input is defined by then, and the values
    // replaced are read only after it (their rank reads were moved to the conv's input).
    ir::Node* first = add ? add : consumed.front();
    const TypePtr int_t = Type::get(TypeKind::Int), float_t = Type::get(TypeKind::Float);
    const TypePtr ints_t = Type::list(int_t), tensor_t = Type::get(TypeKind::Tensor);
    const TypePtr opt_tensor_t = Type::optional(tensor_t);
    auto at_first = [&](Value v, TypePtr t) { return constant_before(g_, first, std::move(v), std::move(t)); };
    auto int_list = [&](const std::vector<int64_t>& v) {
      std::vector<Value> items;
      for (int64_t x : v) items.emplace_back(x);
      return at_first(Value(make_list(int_t, std::move(items))), ints_t);
    };
    std::vector<ir::Value*> ins(kNumFusedArgs);
    ins[kInput] = c->inputs[0];
    ins[kWeight] = c->inputs[1];
    ins[kBias] = affine ? at_first(Value(), opt_tensor_t) : c->inputs[2];  // the bias is in the shift
    ins[kStride] = int_list(site->stride);
    ins[kPadding] = int_list(site->padding);
    ins[kDilation] = int_list(site->dilation);
    ins[kGroups] = at_first(Value(site->groups), int_t);
    ins[kAct] = at_first(Value(static_cast<int64_t>(act.act)), int_t);
    ins[kLo] = at_first(Value(act.lo), float_t);
    ins[kHi] = at_first(Value(act.hi), float_t);
    ins[kResidual] = residual ? residual : at_first(Value(), opt_tensor_t);
    ins[kScale] = at_first(affine ? Value(affine->scale) : Value(), opt_tensor_t);
    ins[kShift] = at_first(affine ? Value(affine->shift) : Value(), opt_tensor_t);
    ins[kChannelsLast] = at_first(Value(false), Type::get(TypeKind::Bool));
    ir::Node* f = g_.append(block, ir::NodeKind::Call, ins, {tensor_t}, c->loc);
    f->op = fused_op_;
    move_before(f, first);
    for (const ir::Value* v : f->inputs) uses_[v].push_back(f);
    for (ir::Node* u : consumed) {
      replace(u->outputs[0], f->outputs[0]);
      remove(u);
    }
    remove(c);
  }

  ir::Graph& g_;
  Uses uses_;
  bool fold_bn_, fuse_, channels_last_;
  const ops::Operator* fused_op_;
};

}  // namespace

void fuse_convolutions(ir::Graph& g, const PassSet& passes) { ConvFuser(g, passes).run(); }

}  // namespace ember::opt
