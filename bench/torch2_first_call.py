"""Archives written by a newer PyTorch, on a machine that has one (the lent GPU machine's host CPU,
PyTorch 2.x): exports torchvision models with that PyTorch (scripted, and traced, which records
traced_inputs.pkl), checks ember's outputs against PyTorch's on the same input, then times load,
first call and steady p50 of `ember bench` (nothing known at load; --hint) and of torch.jit in
fresh processes, per thread count.

    python3 bench/torch2_first_call.py --ember path/to/ember --out results.json [--threads 1,4,16]

ember must run there (bench/device_run.sh carries a build and its libraries). Prints a markdown
table last; bench/README.md records what it gave."""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

TORCH_TIMER = r"""
import json, sys, time, torch
path, threads, iters, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
x = torch.randn(1, 3, 224, 224)
t0 = time.perf_counter(); m = torch.jit.load(path).eval(); load = time.perf_counter() - t0
with torch.no_grad():
    t0 = time.perf_counter(); m(x); first = time.perf_counter() - t0
    for _ in range(warmup): m(x)
    times = []
    for _ in range(iters):
        t0 = time.perf_counter(); m(x); times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"load_ms": load * 1e3, "first_call_ms": first * 1e3, "p50_ms": times[len(times) // 2] * 1e3}))
"""


def export(out: pathlib.Path, names):
    import numpy as np
    import torch
    import torchvision
    torch.manual_seed(0)
    x = torch.randn(1, 3, 224, 224)
    np.save(out / "x.npy", x.numpy())
    for name in names:
        m = getattr(torchvision.models, name)(weights=None).eval()
        with torch.no_grad():
            # Sane batch-norm statistics, as bench/run.py sets them (one train-mode pass).
            m.train()
            m(torch.randn(4, 3, 224, 224))
            m.eval()
            ref = m(x)
        np.save(out / f"{name}.ref.npy", ref.numpy())
        torch.jit.script(m).save(str(out / f"{name}_scripted.pt"))
        torch.jit.trace(m, (x,)).save(str(out / f"{name}_traced.pt"))


def run_json(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if p.returncode != 0:
        return {"error": (p.stderr or p.stdout).strip().splitlines()[-1:] or ["exit %d" % p.returncode]}
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ember", required=True)
    ap.add_argument("--work", default="torch2_work")
    ap.add_argument("--out", default="torch2_results.json")
    ap.add_argument("--models", default="resnet50,mobilenet_v2,efficientnet_b0")
    ap.add_argument("--threads", default="1,4,16")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    import numpy as np
    import torch
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    names = args.models.split(",")
    t0 = time.time()
    export(work, names)
    print(f"exported with torch {torch.__version__} in {time.time() - t0:.0f} s", flush=True)
    results = {"torch": torch.__version__, "cpus": os.cpu_count(), "models": {}}
    for name in names:
        for kind in ("scripted", "traced"):
            model = work / f"{name}_{kind}.pt"
            r = results["models"][f"{name}_{kind}"] = {}
            outdir = work / f"{name}_{kind}.out"
            p = subprocess.run([args.ember, "run", str(model), "-i", str(work / "x.npy"), "-o", str(outdir)],
                               capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                r["check"] = "ember fails: " + (p.stderr.strip().splitlines() or ["?"])[-1]
            else:
                got, want = np.load(outdir / "out_0.npy"), np.load(work / f"{name}.ref.npy")
                r["check"] = {"max_abs": float(np.abs(got - want).max()), "max_ref": float(np.abs(want).max())}
            insp = subprocess.run([args.ember, "inspect", str(model), "--json"], capture_output=True, text=True)
            if insp.returncode == 0:
                r["traced_input_shapes"] = json.loads(insp.stdout).get("traced_input_shapes")
            for t in [int(s) for s in args.threads.split(",")]:
                common = [str(model), "--shape", "1,3,224,224", "--threads", str(t), "--iters", str(args.iters),
                          "--warmup", str(args.warmup), "--json"]
                r[f"ember_{t}"] = run_json([args.ember, "bench", *common])
                r[f"ember_hint_{t}"] = run_json([args.ember, "bench", *common, "--hint"])
                r[f"torch_{t}"] = run_json([sys.executable, "-c", TORCH_TIMER, str(model), str(t), str(args.iters),
                                            str(args.warmup)])
                print(f"{name}_{kind} {t}T: " + ", ".join(
                    f"{k} " + (f"load {v['load_ms']:.1f} first {v['first_call_ms']:.1f} p50 {v['p50_ms']:.1f}"
                               if "p50_ms" in v else str(v)) for k, v in
                    (("ember", r[f"ember_{t}"]), ("hint", r[f"ember_hint_{t}"]), ("torch", r[f"torch_{t}"]))),
                      flush=True)
    pathlib.Path(args.out).write_text(json.dumps(results, indent=1))
    print("\n| model | threads | check (max abs / max ref) | ember load / first / p50 ms | first/p50 | "
          "with shapes: load / first ms | first/p50 | torch.jit load / first / p50 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for m, r in results["models"].items():
        c = r["check"]
        check = c if isinstance(c, str) else f"{c['max_abs']:.1e} / {c['max_ref']:.2g}"
        for k in [k for k in r if k.startswith("ember_") and not k.startswith("ember_hint")]:
            t = k.split("_")[1]
            e, h, p = r[k], r[f"ember_hint_{t}"], r[f"torch_{t}"]
            f = lambda d, key: f"{d[key]:.1f}" if key in d else "—"
            ratio = lambda d: f"{d['first_call_ms'] / d['p50_ms']:.2f}" if "p50_ms" in d else "—"
            print(f"| {m} | {t} | {check} | {f(e, 'load_ms')} / {f(e, 'first_call_ms')} / {f(e, 'p50_ms')} | "
                  f"{ratio(e)} | {f(h, 'load_ms')} / {f(h, 'first_call_ms')} | {ratio(h)} | "
                  f"{f(p, 'load_ms')} / {f(p, 'first_call_ms')} / {f(p, 'p50_ms')} |")


if __name__ == "__main__":
    main()
