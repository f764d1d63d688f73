#!/usr/bin/env python3
"""ember's CUDA kernels on a real NVIDIA GPU, op by op (issue 15): small models traced with the
machine's PyTorch, run with `ember compare --device cuda:0` against PyTorch's CPU outputs, and
`ember check --device cuda:0` to see which ops ran natively. Needs a GPU, so CI does not run it:
bench/cuda/run.sh --ops runs it on the lent GPU machine.

    python3 tests/cuda_gpu/test_cuda_ops.py --ember path/to/ember --work DIR
Prints one line per case and a summary; exits 1 when a case fails."""
import argparse
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Fn(nn.Module):
    def __init__(self, f, params=None):
        super().__init__()
        self.f = f
        self.p = nn.ParameterList([nn.Parameter(t, requires_grad=False) for t in (params or [])])

    def forward(self, *xs):
        return self.f(*xs, *self.p)


def cases():
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)
    ri = lambda lo, hi, *s: torch.randint(lo, hi, s, generator=g)
    c = []
    add = lambda name, f, xs, params=None: c.append((name, Fn(f, params), xs))
    # elementwise table: broadcasting, scalars, dtypes, in place
    add("add_broadcast", lambda a, b: a + b * 2, [r(2, 3, 4), r(3, 1)])
    add("sub_alpha_scalar", lambda a: torch.sub(a, 1.5, alpha=2) - 3, [r(5, 7)])
    add("mul_div_transposed", lambda a, b: a.t() * b / (b.abs() + 1), [r(6, 4), r(4, 6)])
    add("int64_ops", lambda a, b: (a * b + a // 3 - b % 5, a > b, a == 2), [ri(-20, 20, 4, 5), ri(1, 20, 4, 5)])
    add("bool_logic", lambda a, b: torch.logical_and(a > 0, b < 0) | (a > 1), [r(3, 4), r(3, 4)])
    add("unary_float", lambda a: (torch.exp(a) + torch.tanh(a) + torch.sigmoid(a) + torch.sqrt(a.abs()) +
                                 torch.log1p(a.abs()) + torch.erf(a) + torch.floor(a) + torch.round(a * 3)), [r(8, 9)])
    add("relu_silu_hardswish", lambda a: F.relu(a) + F.silu(a) + F.hardswish(a) + F.hardsigmoid(a), [r(4, 16)])
    add("inplace_add_relu", lambda a, b: torch.relu_(a.clone().add_(b)), [r(4, 8), r(8)])
    add("pow_max_min", lambda a, b: torch.pow(a.abs() + 0.5, 1.7) + torch.maximum(a, b) - torch.minimum(a, b), [r(5, 5), r(5, 5)])
    add("to_dtype", lambda a: (a * 10).to(torch.int32).to(torch.float32) + a.to(torch.float64).float(), [r(3, 7)])
    add("half_roundtrip", lambda a: a.half().float() * 2, [r(4, 4)])
    # shapes
    add("reshape_permute_contiguous", lambda a: a.permute(0, 2, 1).reshape(2, -1).contiguous() * 1, [r(2, 3, 4)])
    add("flatten_cat", lambda a, b: torch.cat([a.flatten(1), b.flatten(1), a.flatten(1)], dim=1), [r(2, 3, 4), r(2, 5)])
    add("cat_dim0", lambda a, b: torch.cat((a, b)), [r(2, 3), r(4, 3)])
    # products
    add("linear_3d", lambda x, w, b: F.linear(x, w, b), [r(2, 5, 8)], [r(6, 8), r(6)])
    add("linear_nobias", lambda x, w: F.linear(x, w), [r(7, 8)], [r(3, 8)])
    add("addmm", lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2), [r(4, 6), r(4, 5), r(5, 6)])
    add("mm_transposed", lambda a, b: torch.mm(a.t(), b), [r(5, 4), r(5, 6)])
    add("matmul_vec", lambda a, b: (torch.matmul(a, b), torch.matmul(b, a.t())), [r(3, 4), r(4)])
    add("matmul_batched_broadcast", lambda a, b: torch.matmul(a, b), [r(2, 3, 4, 5), r(5, 6)])
    add("matmul_4d_transposed", lambda q, k: torch.matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(-1, -2)),
        [r(2, 7, 3, 4), r(2, 7, 3, 4)])
    add("bmm", lambda a, b: torch.bmm(a, b), [r(3, 4, 5), r(3, 5, 2)])
    # convolution
    add("conv_basic", lambda x, w, b: F.conv2d(x, w, b, padding=1), [r(2, 3, 9, 9)], [r(8, 3, 3, 3), r(8)])
    add("conv_stride_dilation", lambda x, w: F.conv2d(x, w, stride=2, padding=2, dilation=2), [r(1, 4, 15, 13)], [r(6, 4, 3, 3)])
    add("conv_depthwise", lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=8), [r(1, 8, 10, 10)], [r(8, 1, 3, 3), r(8)])
    add("conv_grouped_1x1", lambda x, w: F.conv2d(x, w, groups=2), [r(2, 6, 5, 5)], [r(4, 3, 1, 1)])
    add("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [r(2, 4, 20)], [r(5, 4, 3), r(5)])
    add("conv_channels_last_input", lambda x, w: F.conv2d(x.contiguous(memory_format=torch.channels_last), w), [r(1, 3, 8, 8)], [r(4, 3, 3, 3)])
    # normalisation, pooling, softmax
    add("batch_norm", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, eps=1e-3), [r(2, 4, 5, 5)],
        [r(4), r(4).abs() + 0.5, r(4), r(4)])
    add("layer_norm", lambda x, w, b: F.layer_norm(x, (16,), w, b, eps=1e-6), [r(2, 3, 16)], [r(16), r(16)])
    add("layer_norm_2d_noaffine", lambda x: F.layer_norm(x, (4, 8)), [r(3, 4, 8)])
    add("max_pool", lambda x: F.max_pool2d(x, 3, 2, 1), [r(2, 3, 11, 11)])
    add("max_pool_ceil_dilation", lambda x: F.max_pool2d(x, 2, 2, 0, dilation=2, ceil_mode=True), [r(1, 2, 9, 10)])
    add("avg_pool_pad", lambda x: F.avg_pool2d(x, 3, 2, 1) + F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [r(1, 3, 9, 9)])
    add("avg_pool_ceil_divisor", lambda x: F.avg_pool2d(x, 2, 2, 0, ceil_mode=True, divisor_override=3), [r(1, 2, 7, 7)])
    add("adaptive_avg", lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1) + F.adaptive_avg_pool2d(x, (3, 2)).sum(), [r(2, 5, 7, 9)])
    add("softmax_dims", lambda x: F.softmax(x, -1) + F.softmax(x, 1) + F.log_softmax(x, 0), [r(3, 4, 5)])
    add("mean_sum", lambda x: (x.mean((2, 3)), x.sum(1, keepdim=True), x.mean(), x.sum(-1)), [r(2, 3, 4, 5)])
    add("embedding", lambda i, w: F.embedding(i, w), [ri(0, 10, 2, 6)], [r(10, 4)])
    add("gelu_clamp", lambda x: F.gelu(x) + F.gelu(x, approximate="tanh") + F.hardtanh(x, -0.5, 0.5) + F.relu6(x * 8) +
        torch.clamp(x, min=-0.2) + torch.clamp(x, max=0.1), [r(4, 33)])
    add("dropout_eval", lambda x: F.dropout(x, 0.5, training=False) * 2, [r(3, 3)])
    # ops with no CUDA kernel still run (host copies)
    add("fallback_cumsum_where", lambda x: torch.where(x > 0, torch.cumsum(x, 1), x * 0), [r(3, 6)])
    return c


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ember", required=True)
    ap.add_argument("--work", default="cuda_ops_work")
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, EMBER_CUDA_SYNC="1")
    failed = 0
    rows = []
    for name, model, xs in cases():
        d = work / name
        d.mkdir(exist_ok=True)
        model.eval()
        with torch.no_grad():
            ref = flat(model(*xs))
            try:
                traced = torch.jit.trace(model, tuple(xs), check_trace=False)
            except Exception as e:  # noqa: BLE001 - a case torch cannot trace is reported, not fatal
                print(f"SKIP {name}: torch could not trace it ({e})")
                continue
        traced.save(str(d / "m.pt"))
        ins, outs = [], []
        for i, x in enumerate(xs):
            np.save(d / f"in_{i}.npy", x.numpy())
            ins.append(str(d / f"in_{i}.npy"))
        for i, o in enumerate(ref):
            np.save(d / f"out_{i}.npy", o.numpy())
            outs.append(str(d / f"out_{i}.npy"))
        scale = max([float(o.abs().max()) if o.numel() and o.dtype.is_floating_point else 1.0 for o in ref] + [1.0])
        p = subprocess.run([args.ember, "compare", str(d / "m.pt"), "--device", "cuda:0", "-i", *ins, "-e", *outs,
                            "--atol", str(1e-4 * scale), "--rtol", "1e-4", "--json"],
                           capture_output=True, text=True, env=env, timeout=300)
        chk = subprocess.run([args.ember, "check", str(d / "m.pt"), "--device", "cuda:0", "--json"],
                             capture_output=True, text=True, env=env, timeout=300)
        try:
            host = json.loads(chk.stdout).get("host_copy_ops", [])
        except ValueError:
            host = [(chk.stderr or chk.stdout).strip()[-200:]]
        ok = p.returncode == 0
        detail = ""
        if p.stdout.strip().startswith("{"):
            j = json.loads(p.stdout)
            detail = " ".join(f"{o['path']}:{o['max_abs_error']:.2e}" + (f"({o['problem']})" if o.get("problem") else "")
                              for o in j["outputs"])
        else:
            detail = (p.stderr or p.stdout).strip().splitlines()[-1:] or [f"exit {p.returncode}"]
            detail = detail[0][:300]
        failed += not ok
        rows.append({"case": name, "ok": ok, "detail": detail, "host_copies": host})
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail} | {'; '.join(host)[:200]}", flush=True)
    print(f"\n{len(rows) - failed}/{len(rows)} cases passed on CUDA")
    (work / "cuda_ops.json").write_text(json.dumps(rows, indent=1))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
