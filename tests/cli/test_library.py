#!/usr/bin/env python3
"""`ember --library LIB.so`: a model calling torch.ops.my_ns.* (tests/fixtures/gen_api.py) is
unsupported without the operator library and checks, runs and matches PyTorch with it.
usage: test_library.py --ember EMBER --library LIB.so --fixtures DIR"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ember", required=True)
    ap.add_argument("--library", required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    d = pathlib.Path(a.fixtures) / "api"
    model = d / "custom_op.pt"
    ref = torch.jit.load(str(d / "custom_op_ref.pt"))
    failures = []

    r = run([a.ember, "check", model])
    if r.returncode != 2 or "my_ns::scaled_add" not in r.stdout + r.stderr:
        failures.append(f"check without the library: exit {r.returncode}\n{r.stdout}{r.stderr}")
    for cmd in ([a.ember, "check", model, "--library", a.library], [a.ember, "--library", a.library, "check", model]):
        r = run(cmd)
        if r.returncode != 0:
            failures.append(f"{' '.join(map(str, cmd))}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        np.save(tmp / "x.npy", ref.x.numpy())
        np.save(tmp / "y.npy", ref.y.numpy())
        r = run([a.ember, "--library", a.library, "run", model, "-i", tmp / "x.npy", "-i", tmp / "y.npy", "-o", tmp / "out"])
        if r.returncode != 0:
            failures.append(f"run: exit {r.returncode}\n{r.stdout}{r.stderr}")
        else:
            z = np.load(tmp / "out" / "out_0.npy")
            n = np.load(tmp / "out" / "out_1.npy")
            err = float(np.abs(z - ref.z.numpy()).max())
            if err > 1e-5 or int(n) != int(ref.n):
                failures.append(f"run: z error {err}, count {int(n)} vs {int(ref.n)}")
    r = run([a.ember, "--library", "/nonexistent/libnothing.so", "check", model])
    if r.returncode != 1 or "cannot load operator library" not in r.stderr:
        failures.append(f"missing library: exit {r.returncode}\n{r.stderr}")
    if failures:
        sys.exit("\n\n".join(failures))
    print("cli --library: ok")


if __name__ == "__main__":
    main()
