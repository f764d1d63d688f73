"""ember on an NVIDIA GPU against PyTorch's TorchScript runtime on the same GPU, in one run
(issue 15). Meant for the lent GPU machine (PyTorch 2.x with CUDA); bench/cuda/run.sh carries
ember there and calls this.

For each model (bench/run.py's definitions, seeds and batch-norm calibration), with the machine's
PyTorch:
  - exports it traced twice: from the CPU (`<name>.pt`) and from the GPU (`<name>_cuda.pt`, whose
    storages are saved on cuda:0), with the benchmark inputs and PyTorch's CUDA outputs computed
    with TF32 off (the reference);
  - checks ember's outputs against that reference: the CUDA-saved archive on cuda:0, the CPU-saved
    archive on cuda:0, and the CUDA-saved archive on the CPU; error = max |ember - torch| / max |torch|
    per output, the largest over outputs;
  - times, in fresh processes: load, first call and the median of --iters calls after --warmup, for
    torch.jit on the GPU (its default mode: cuDNN may use TF32) and `ember bench --device cuda:0`
    (outputs copied back to the host in both), with each runtime's peak device memory;
  - lists the ops `ember check --device cuda:0` says run on the CPU with copies.
Writes cuda_results.json and RESULTS-cuda.md into --out and prints the table last.

    python3 bench/cuda/run.py --ember path/to/ember --work DIR --out DIR [--models a,b] [--batch32]
"""
import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

BENCH = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

DEFAULT_MODELS = "resnet50,mobilenet_v2,resnet18,efficientnet_b0,bert_encoder"

TORCH_TIMER = r"""
import json, sys, time, numpy as np, torch
path, iters, warmup, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
xs = [torch.from_numpy(np.load(f"{d}/in_{i}.npy")).cuda() for i in range(n)]
torch.cuda.synchronize()
t0 = time.perf_counter(); m = torch.jit.load(path, map_location="cuda:0").eval(); torch.cuda.synchronize()
load = time.perf_counter() - t0
def call():
    out = m(*xs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o.cpu() for o in outs]
with torch.no_grad():
    t0 = time.perf_counter(); call(); first = time.perf_counter() - t0
    for _ in range(warmup): call()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter(); call(); times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"load_ms": load * 1e3, "first_call_ms": first * 1e3, "p50_ms": times[len(times) // 2] * 1e3,
                  "peak_device_mib": torch.cuda.max_memory_allocated() / 2**20}))
"""


def export(work: pathlib.Path, names, batch32):
    import torch
    import run as bench_run
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    models, calibrate_bn = bench_run.define_models()
    variants = []
    for name in names:
        arch, make_input, _ = models[name]
        torch.manual_seed(0)
        m = arch().eval()
        calibrate_bn(m, make_input)
        inputs = make_input()
        batches = [1] + ([32] if batch32 and inputs[0].dim() == 4 else [])
        for b in batches:
            variant = name if b == 1 else f"{name}_bs{b}"
            d = work / variant
            d.mkdir(parents=True, exist_ok=True)
            xs = inputs if b == 1 else [torch.cat([inputs[0]] * b) + 0.01 * torch.randn(b, *inputs[0].shape[1:])]
            for i, x in enumerate(xs):
                np.save(d / f"in_{i}.npy", x.numpy())
            with torch.no_grad():
                if b == 1:
                    torch.jit.trace(m, tuple(xs), check_trace=False).save(str(work / f"{name}.pt"))
                mc = m.to("cuda")
                xc = tuple(x.cuda() for x in xs)
                if b == 1:
                    torch.jit.trace(mc, xc, check_trace=False).save(str(work / f"{name}_cuda.pt"))
                out = mc(*xc)
                outs = out if isinstance(out, (tuple, list)) else (out,)
                for i, o in enumerate(outs):
                    np.save(d / f"out_{i}.npy", o.float().cpu().numpy())
                m = mc.to("cpu")
            variants.append({"variant": variant, "model": name, "batch": b, "inputs": len(xs), "outputs": len(outs)})
    return variants


def run_json(cmd, env=None, timeout=600):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode not in (0, 1) or not p.stdout.strip().startswith("{"):
        lines = (p.stderr or p.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {p.returncode}"}
    return json.loads(p.stdout)


def error_of(ember, model, d, v, device):
    ins = [str(d / f"in_{i}.npy") for i in range(v["inputs"])]
    outs = [str(d / f"out_{i}.npy") for i in range(v["outputs"])]
    r = run_json([ember, "compare", model, "--device", device, "-i", *ins, "-e", *outs, "--json",
                  "--atol", "1e9", "--rtol", "0"])
    if "error" in r:
        return None, r["error"]
    worst = 0.0
    for o, path in zip(r["outputs"], outs):
        if o.get("problem"):
            return None, o["problem"]
        scale = float(np.abs(np.load(path)).max()) or 1.0
        worst = max(worst, o["max_abs_error"] / scale)
    return worst, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ember", required=True)
    ap.add_argument("--work", default="cuda_work")
    ap.add_argument("--out", default=".")
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--batch32", action="store_true", help="also resnet-style models at batch 32")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--no-time", action="store_true")
    ap.add_argument("--profile", action="store_true",
                    help="also: ember's time per operator with a wait after every launch (EMBER_PROFILE=1 "
                         "EMBER_CUDA_SYNC=1), and its p50 with TF32 allowed (EMBER_CUDA_TF32=1)")
    args = ap.parse_args()
    import torch
    work = pathlib.Path(args.work)
    out = pathlib.Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    variants = export(work, args.models.split(","), args.batch32)
    gpu = torch.cuda.get_device_name(0)
    print(f"exported {len(variants)} variants with torch {torch.__version__} on {gpu} in {time.time() - t0:.0f} s",
          flush=True)
    results = []
    for v in variants:
        name, d = v["model"], work / v["variant"]
        r = dict(v)
        if v["batch"] == 1:
            for key, model, device in (("err_cuda_saved", f"{name}_cuda.pt", "cuda:0"),
                                       ("err_cpu_saved_on_cuda", f"{name}.pt", "cuda:0"),
                                       ("err_cuda_saved_on_cpu", f"{name}_cuda.pt", "cpu")):
                r[key], problem = error_of(args.ember, str(work / model), d, v, device)
                if problem:
                    r[key + "_problem"] = problem
            chk = subprocess.run([args.ember, "check", str(work / f"{name}_cuda.pt"), "--device", "cuda:0"],
                                 capture_output=True, text=True, timeout=300)
            r["check"] = (chk.stdout + chk.stderr).strip().splitlines()[-6:]
        if not args.no_time:
            model = str(work / f"{name}_cuda.pt")
            r["torch"] = run_json([sys.executable, "-c", TORCH_TIMER, model, str(args.iters), str(args.warmup),
                                   str(v["inputs"]), str(d)])
            ins = [str(d / f"in_{i}.npy") for i in range(v["inputs"])]
            r["ember"] = run_json([args.ember, "bench", model, "--device", "cuda:0", "-i", *ins, "--json",
                                   "--iters", str(args.iters), "--warmup", str(args.warmup)])
        if args.profile and not args.no_time:
            model = str(work / f"{name}_cuda.pt")
            ins = [str(d / f"in_{i}.npy") for i in range(v["inputs"])]
            base = [args.ember, "bench", model, "--device", "cuda:0", "-i", *ins, "--json", "--iters", "20", "--warmup", "5"]
            r["ember_tf32"] = run_json(base, env=dict(os.environ, EMBER_CUDA_TF32="1"))
            p = subprocess.run(base, capture_output=True, text=True, timeout=300,
                               env=dict(os.environ, EMBER_PROFILE="1", EMBER_CUDA_SYNC="1"))
            print(f"--- profile of {v['variant']} (EMBER_CUDA_SYNC=1: each op's launch to completion) ---")
            print("\n".join(p.stderr.strip().splitlines()[:16]), flush=True)
        results.append(r)
        print(json.dumps(r), flush=True)
    (out / "cuda_results.json").write_text(json.dumps(results, indent=1))

    def f(x, k):
        return f"{x[k]:.2f}" if isinstance(x, dict) and k in x else "-"

    lines = [f"# ember on CUDA against torch {torch.__version__} (`torch.jit.load`), {gpu}",
             "", f"{datetime.date.today()}; bench/cuda/run.py; median of {args.iters} calls after {args.warmup}; "
             "error = max|ember - torch| / max|torch|, torch on CUDA with TF32 off.", "",
             "| model | batch | err cuda-saved | err cpu-saved on cuda | err on cpu | torch p50 ms | torch first | "
             "ember p50 ms | ember first | ember/torch p50 | ember TF32 p50 | torch peak MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        e = lambda k: (f"{r[k]:.1e}" if r.get(k) is not None else ("FAIL" if k in r else "-"))
        t, m = r.get("torch", {}), r.get("ember", {})
        ratio = f"{m['p50_ms'] / t['p50_ms']:.2f}" if "p50_ms" in t and "p50_ms" in m else "-"
        lines.append(f"| {r['model']} | {r['batch']} | {e('err_cuda_saved')} | {e('err_cpu_saved_on_cuda')} | "
                     f"{e('err_cuda_saved_on_cpu')} | {f(t, 'p50_ms')} | {f(t, 'first_call_ms')} | {f(m, 'p50_ms')} | "
                     f"{f(m, 'first_call_ms')} | {ratio} | {f(r.get('ember_tf32', {}), 'p50_ms')} | "
                     f"{f(t, 'peak_device_mib')} |")
    table = "\n".join(lines) + "\n"
    (out / "RESULTS-cuda.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
