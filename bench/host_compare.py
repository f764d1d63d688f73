"""ember against ONNX Runtime and PyTorch's TorchScript runtime on one many-core host CPU, in one
run (issue 14). Meant for the lent GPU machine's host (16 cores, PyTorch 2.x and onnxruntime in
its image); bench/device_run.sh carries ember there.

For resnet50, mobilenet_v2, efficientnet_b0 and bench/run.py's BERT-style encoder (the same
definitions, seeds and batch-norm calibration as run.py), with the machine's PyTorch:
  - exports each model traced (TorchScript, for torch.jit and ember) and to ONNX (the
    TorchScript-based exporter, `dynamo=False`, opset 17), with its benchmark inputs and outputs;
  - checks ember's and ONNX Runtime's outputs against PyTorch's;
  - times, per thread count, in fresh processes taken in turn: load, first call and the median of
    --iters calls after --warmup, for torch.jit, ONNX Runtime and ember (nothing known at load);
  - at the largest thread count, profiles where ember's time goes: EMBER_PROFILE=1 (time per
    operator) and DNNL_VERBOSE=1 (time per oneDNN primitive kind), against its p50;
and writes RESULTS-host.md (table + breakdown) and host_results.json into --out.

    python3 bench/host_compare.py --ember path/to/ember --work DIR --out DIR [--threads 1,4,16]
"""
import argparse
import collections
import datetime
import json
import os
import pathlib
import platform
import re
import subprocess
import sys

import numpy as np

BENCH = pathlib.Path(__file__).resolve().parent
MODELS = ["resnet50", "mobilenet_v2", "efficientnet_b0", "bert_encoder"]

TORCH_TIMER = r"""
import json, sys, time, numpy as np, torch
path, threads, iters, warmup, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
xs = [torch.from_numpy(np.load(f"{sys.argv[6]}/in_{i}.npy")) for i in range(n)]
t0 = time.perf_counter(); m = torch.jit.load(path).eval(); load = time.perf_counter() - t0
with torch.no_grad():
    t0 = time.perf_counter(); m(*xs); first = time.perf_counter() - t0
    for _ in range(warmup): m(*xs)
    times = []
    for _ in range(iters):
        t0 = time.perf_counter(); m(*xs); times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"load_ms": load * 1e3, "first_call_ms": first * 1e3, "p50_ms": times[len(times) // 2] * 1e3}))
"""

ORT_TIMER = r"""
import json, sys, time, numpy as np, onnxruntime as ort
path, threads, iters, warmup, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
so = ort.SessionOptions()
so.intra_op_num_threads = threads
so.inter_op_num_threads = 1
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
t0 = time.perf_counter()
s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
load = time.perf_counter() - t0
feed = {s.get_inputs()[i].name: np.load(f"{d}/in_{i}.npy") for i in range(n)}
t0 = time.perf_counter(); outs = s.run(None, feed); first = time.perf_counter() - t0
for _ in range(warmup): s.run(None, feed)
times = []
for _ in range(iters):
    t0 = time.perf_counter(); s.run(None, feed); times.append(time.perf_counter() - t0)
times.sort()
if len(sys.argv) > 7:
    for k, o in enumerate(outs): np.save(f"{sys.argv[7]}/out_{k}.npy", o)
print(json.dumps({"load_ms": load * 1e3, "first_call_ms": first * 1e3, "p50_ms": times[len(times) // 2] * 1e3,
                  "version": ort.__version__}))
"""


def export(work: pathlib.Path, names):
    import torch
    sys.path.insert(0, str(BENCH))
    import run as bench_run  # the benchmark models' definitions
    base, calibrate_bn = bench_run.define_models()
    for name in names:
        d = work / name
        if (d / "meta.json").exists():
            continue
        d.mkdir(parents=True, exist_ok=True)
        make, make_input, desc = base[name]
        torch.manual_seed(0)
        model = make().eval()
        calibrate_bn(model, make_input)
        inputs = make_input()
        with torch.no_grad():
            ref = model(*inputs)
            traced = torch.jit.trace(model, tuple(inputs), check_trace=False)
        traced.save(str(d / "model.pt"))
        refs = list(ref) if isinstance(ref, (tuple, list)) else [ref]
        for i, t in enumerate(inputs):
            np.save(d / f"in_{i}.npy", t.numpy())
        for k, t in enumerate(refs):
            np.save(d / f"ref_{k}.npy", t.numpy())
        onnx_error = None
        try:
            with torch.no_grad():
                torch.onnx.export(model, tuple(inputs), str(d / "model.onnx"), opset_version=17, dynamo=False,
                                  input_names=[f"in_{i}" for i in range(len(inputs))])
        except Exception as e:  # recorded in the results, the other runtimes still run
            onnx_error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        (d / "meta.json").write_text(json.dumps({"inputs": len(inputs), "desc": desc, "onnx_error": onnx_error,
                                                 "torch": torch.__version__}))
        print(f"exported {name}" + (f" (ONNX failed: {onnx_error})" if onnx_error else ""), flush=True)


def run_json(cmd, env=None, timeout=600):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()
        return None, (tail[-1] if tail else f"exit {r.returncode}"), r.stderr
    return json.loads(r.stdout[r.stdout.index("{"):]), None, r.stderr


def max_error(out_dir: pathlib.Path, d: pathlib.Path):
    worst, scale = 0.0, 0.0
    for ref in sorted(d.glob("ref_*.npy")):
        got = out_dir / ref.name.replace("ref_", "out_")
        if not got.exists():
            return f"missing {got.name}"
        a, b = np.load(got).astype(np.float64), np.load(ref).astype(np.float64)
        if a.shape != b.shape:
            return f"shape {a.shape} vs {b.shape}"
        worst = max(worst, float(np.max(np.abs(a - b), initial=0)))
        scale = max(scale, float(np.max(np.abs(b), initial=0)))
    return worst / max(scale, 1.0)


def profiled_ops(ember, d, inputs, threads, iters):
    env = dict(os.environ, EMBER_PROFILE="1")
    fig, err, stderr = run_json([ember, "bench", str(d / "model.pt"), *inputs, "--threads", str(threads),
                                 "--warmup", "0", "--iters", str(iters), "--json"], env=env)
    if err:
        return None, err
    total, ops = 0.0, {}
    for line in stderr.splitlines():
        m = re.match(r"ember op profile \(([\d.]+) ms", line)
        if m:
            total = float(m.group(1))
        m = re.match(r"\s+([\d.]+) ms\s+[\d.]+%\s+(\S+) x(\d+)", line)
        if m:
            ops[m.group(2)] = (float(m.group(1)), int(m.group(3)))
    return (fig, total, ops), None


def ember_profile(ember, d, inputs, threads, iters):
    """Per-operator and per-oneDNN-primitive-kind time of one steady call at `threads`: the
    profile of a run with 2*iters calls minus that of a run with iters (what load and the first
    call add cancels out)."""
    a, err = profiled_ops(ember, d, inputs, threads, iters)
    b, err2 = profiled_ops(ember, d, inputs, threads, 2 * iters)
    if err or err2:
        return {"error": err or err2}
    ops = []
    for name, (ms, count) in b[2].items():
        ms0, count0 = a[2].get(name, (0.0, 0))
        if count > count0:
            ops.append({"op": name, "ms": (ms - ms0) / iters, "count": (count - count0) // iters})
    ops.sort(key=lambda o: -o["ms"])
    in_ops = (b[1] - a[1]) / iters
    for o in ops:
        o["share"] = 100 * o["ms"] / in_ops if in_ops > 0 else 0.0
    kinds = [collections.defaultdict(float), collections.defaultdict(float)]
    execs = [collections.Counter(), collections.Counter()]
    for k, n in enumerate((iters, 2 * iters)):
        env = dict(os.environ, DNNL_VERBOSE="1", ONEDNN_VERBOSE="1")
        r = subprocess.run([ember, "bench", str(d / "model.pt"), *inputs, "--threads", str(threads), "--warmup", "0",
                            "--iters", str(n), "--json"], capture_output=True, text=True, env=env, timeout=600)
        for line in r.stdout.splitlines():
            if line.startswith(("dnnl_verbose,exec,", "onednn_verbose,exec,")):
                parts = line.split(",")
                kinds[k][parts[3]] += float(parts[-1])
                execs[k][parts[3]] += 1
    return {"p50_ms": b[0]["p50_ms"], "ops_ms_per_call": in_ops, "top_ops": ops[:12],
            "dnnl_ms_per_call": {kd: (kinds[1][kd] - kinds[0].get(kd, 0.0)) / iters for kd in kinds[1]},
            "dnnl_execs_per_call": {kd: (execs[1][kd] - execs[0][kd]) // iters for kd in execs[1]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", default=".")
    ap.add_argument("--threads", default="1,4,16")
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    work, out = pathlib.Path(args.work), pathlib.Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    names = args.models.split(",")
    threads = [int(t) for t in args.threads.split(",")]
    export(work, names)

    results = {"date": datetime.date.today().isoformat(), "machine": machine(), "models": {}}
    for name in names:
        d = work / name
        meta = json.loads((d / "meta.json").read_text())
        results["torch"] = meta["torch"]
        n = meta["inputs"]
        inputs = [a for i in range(n) for a in ("--input", str(d / f"in_{i}.npy"))]
        res = {"desc": meta["desc"], "onnx_error": meta["onnx_error"], "rows": {}}
        # Outputs against PyTorch's, one thread.
        e_out = work / f"{name}.ember_out"
        e_out.mkdir(exist_ok=True)
        r = subprocess.run([args.ember, "run", str(d / "model.pt"), *[a.replace("--input", "-i") for a in inputs],
                            "-o", str(e_out), "--threads", "1"], capture_output=True, text=True)
        res["ember_error"] = max_error(e_out, d) if r.returncode == 0 else "fails: " + r.stderr.strip()[-200:]
        if not meta["onnx_error"]:
            o_out = work / f"{name}.ort_out"
            o_out.mkdir(exist_ok=True)
            fig, err, _ = run_json([sys.executable, "-c", ORT_TIMER, str(d / "model.onnx"), "1", "1", "0", str(n), str(d), str(o_out)])
            res["ort_error"] = max_error(o_out, d) if not err else "fails: " + err
            if fig:
                results["onnxruntime"] = fig["version"]
        for t in threads:
            row = {}
            row["torch"], e1, _ = run_json([sys.executable, "-c", TORCH_TIMER, str(d / "model.pt"), str(t), str(args.iters),
                                            str(args.warmup), str(n), str(d)])
            if not meta["onnx_error"]:
                row["ort"], e2, _ = run_json([sys.executable, "-c", ORT_TIMER, str(d / "model.onnx"), str(t), str(args.iters),
                                              str(args.warmup), str(n), str(d)])
            row["ember"], e3, _ = run_json([args.ember, "bench", str(d / "model.pt"), *inputs, "--threads", str(t),
                                            "--warmup", str(args.warmup), "--iters", str(args.iters), "--json"])
            row["errors"] = [e for e in (e1, e2 if not meta["onnx_error"] else None, e3) if e]
            res["rows"][str(t)] = row
            print(name, t, {k: (v or {}).get("p50_ms") for k, v in row.items() if k != "errors"}, row["errors"], flush=True)
        res["profile"] = ember_profile(args.ember, d, inputs, max(threads), 10)
        results["models"][name] = res
        # Written after each model, so a run cut short keeps what it measured.
        (out / "host_results.json").write_text(json.dumps(results, indent=1))
        (out / "RESULTS-host.md").write_text(report(results, threads))
    print((out / "RESULTS-host.md").read_text())


def machine():
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count()}


def f(x, key="p50_ms", digits=1):
    return "—" if not x or x.get(key) is None else f"{x[key]:.{digits}f}"


def report(results, threads):
    lines = [f"# ember vs ONNX Runtime vs torch.jit on the GPU machine's host CPU ({results['date']})", "",
             f"{results['machine']['cpu']}, {results['machine']['cores']} logical CPUs; PyTorch {results.get('torch')}, "
             f"ONNX Runtime {results.get('onnxruntime', '—')}, ember with Debian's oneDNN 2.6. Traced models exported by "
             "that PyTorch, batch 1; median of the timed calls after the warm-up, one fresh process per figure "
             "(`bench/host_compare.py`).", "",
             "| model | threads | torch.jit p50 ms | ONNX Runtime p50 | ember p50 | ember / ORT | first call / own p50: ORT, ember | load ms: ORT, ember |",
             "|---|---|---|---|---|---|---|---|"]
    for name, res in results["models"].items():
        for t in threads:
            row = res["rows"].get(str(t), {})
            o, e = row.get("ort"), row.get("ember")
            ratio = f"{e['p50_ms'] / o['p50_ms']:.2f}" if o and e else "—"
            fc = (f"{o['first_call_ms'] / o['p50_ms']:.2f}" if o else "—") + ", " + (f"{e['first_call_ms'] / e['p50_ms']:.2f}" if e else "—")
            ld = f(o, "load_ms", 0) + ", " + f(e, "load_ms", 0)
            lines.append(f"| {name} | {t} | {f(row.get('torch'))} | {f(o)} | {f(e)} | {ratio} | {fc} | {ld} |")
    lines += ["", "Outputs against PyTorch's (max abs error / max(1, max |PyTorch|)):", ""]
    for name, res in results["models"].items():
        lines.append(f"- {name}: ember {res['ember_error']}, ONNX Runtime {res.get('ort_error', res['onnx_error'])}")
    lines += ["", f"## Where ember's time goes at {max(threads)} threads", ""]
    for name, res in results["models"].items():
        p = res["profile"]
        if "error" in p:
            lines.append(f"- {name}: {p['error']}")
            continue
        lines.append(f"### {name}: p50 {p['p50_ms']:.2f} ms; {p['ops_ms_per_call']:.2f} ms a call inside operators")
        lines.append("")
        lines.append("oneDNN primitives a call (DNNL_VERBOSE): " + ", ".join(
            f"{k} {v:.2f} ms ×{p['dnnl_execs_per_call'].get(k, 0)}" for k, v in sorted(p["dnnl_ms_per_call"].items(), key=lambda kv: -kv[1])))
        lines.append("")
        lines.append("| operator | ms a call | share of time in operators | calls of it a call |")
        lines.append("|---|---|---|---|")
        for op in p["top_ops"]:
            lines.append(f"| {op['op']} | {op['ms']:.2f} | {op['share']:.1f}% | {op['count']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
