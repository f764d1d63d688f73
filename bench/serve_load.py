#!/usr/bin/python3
"""Load test of `ember serve` on loopback, beside `ember bench`'s in-process figure for the same
file and input. For resnet50 and the BERT-style encoder of bench/run.py: one client (HTTP
overhead at batch 1), then N concurrent clients against the server without and with dynamic
batching. Every request is counted and must succeed. Writes bench/RESULTS-serve.md.

Usage: bench/serve_load.py [--ember build/tools/ember/ember] [--clients 16] [--requests 160]
                           [--threads 2] [--models resnet50_traced,bert_encoder_traced]"""
import argparse
import concurrent.futures
import datetime
import http.client
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

BENCH = pathlib.Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import run as bench_run  # noqa: E402  (model builders shared with the libtorch comparison)

DATATYPES = {np.dtype(np.float32): "FP32", np.dtype(np.int64): "INT64"}


def request_body(names, arrays):
    header = {"inputs": [], "parameters": {"binary_data_output": True}}
    blobs = b""
    for name, a in zip(names, arrays):
        raw = np.ascontiguousarray(a).tobytes()
        header["inputs"].append({"name": name, "datatype": DATATYPES[a.dtype], "shape": list(a.shape),
                                 "parameters": {"binary_data_size": len(raw)}})
        blobs += raw
    h = json.dumps(header).encode()
    return h + blobs, {"Inference-Header-Content-Length": str(len(h)), "Content-Type": "application/octet-stream"}


class Server:
    def __init__(self, ember, model_dir, threads):
        self.proc = subprocess.Popen([ember, "serve", str(model_dir), "--port", "0", "--no-grpc", "--access-log", "off",
                                      "--threads", str(threads), "--http-threads", "64", "--max-queue", "1024"],
                                     stderr=subprocess.PIPE, text=True)
        for line in self.proc.stderr:
            if '"listening"' in line:
                self.port = json.loads(line)["http_port"]
                break
        else:
            raise SystemExit(f"ember serve did not start (exit {self.proc.wait()})")
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(120)


def load(port, model, body, headers, clients, requests):
    """`clients` threads, each with one keep-alive connection, share `requests` requests."""
    latencies, failures, lock = [], [], threading.Lock()
    counter = iter(range(requests))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            t = time.perf_counter()
            conn.request("POST", f"/v2/models/{model}/infer", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            dt = time.perf_counter() - t
            with lock:
                (latencies if r.status == 200 else failures).append(dt if r.status == 200 else r.status)
        conn.close()

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result()
    wall = time.perf_counter() - start
    assert len(latencies) + len(failures) == requests, "lost requests"
    assert not failures, f"{len(failures)} requests failed: {failures[:5]}"
    latencies.sort()
    return {"requests": requests, "ok": len(latencies), "rps": requests / wall,
            "p50_ms": 1000 * latencies[len(latencies) // 2], "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ember", default=str(REPO / "build" / "tools" / "ember" / "ember"))
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=160)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="resnet50_traced,bert_encoder_traced")
    ap.add_argument("--work", default=None, help="where models are built (default: a temporary folder)")
    ap.add_argument("--out", default=str(BENCH / "RESULTS-serve.md"))
    args = ap.parse_args()
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="ember-serve-load-"))
    variants = args.models.split(",")
    bench_run.build_models(variants, work)
    rows = []
    for variant in variants:
        d = work / "models" / variant
        meta = json.loads((d / "meta.json").read_text())
        arrays = [np.load(d / f"in_{i}.npy") for i in range(meta["inputs"])]
        names = [f"INPUT__{i}" for i in range(len(arrays))]
        body, headers = request_body(names, arrays)
        inputs = [a for i in range(len(arrays)) for a in ("-i", str(d / f"in_{i}.npy"))]
        bench = json.loads(subprocess.run([args.ember, "bench", str(d / "model.pt"), *inputs, "--iters", "30", "--threads", str(args.threads), "--json"],
                                          check=True, capture_output=True, text=True).stdout)
        in_process_ms = bench["p50_ms"]
        result = {"model": variant, "in_process_p50_ms": in_process_ms}
        # The batched model's config publishes its inputs (datatype, trailing dims), as a deployment
        # would: the server then prepares every allowed batch size at load.
        specs = [{"name": n, "datatype": DATATYPES[a.dtype], "shape": [-1, *a.shape[1:]]} for n, a in zip(names, arrays)]
        for mode, config in (("unbatched", {}), ("batched", {"max_batch_size": args.clients, "max_batch_delay_ms": 5, "inputs": specs})):
            repo = work / f"serve_{variant}_{mode}"
            (repo / "m" / "1").mkdir(parents=True, exist_ok=True)
            target = repo / "m" / "1" / "model.pt"
            if not target.exists():
                target.symlink_to(d / "model.pt")
            (repo / "m" / "config.json").write_text(json.dumps(config))
            server = Server(args.ember, repo / "m", args.threads)
            try:
                load(server.port, "m", body, headers, 1, 5)  # warm-up
                if mode == "unbatched":
                    result["single"] = load(server.port, "m", body, headers, 1, max(20, args.requests // 4))
                result[mode] = load(server.port, "m", body, headers, args.clients, args.requests)
            finally:
                server.stop()
        rows.append(result)
        print(json.dumps(result), flush=True)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [f"# `ember serve` under load ({datetime.date.today()})", "",
             f"Machine: {cpu}, {len(open('/proc/cpuinfo').read().split('processor')) - 1} logical CPUs; loopback HTTP with Triton's "
             f"binary-data extension; intra-op threads {args.threads}; {args.clients} concurrent keep-alive clients, {args.requests} "
             "requests per run, every response counted (all 200). In-process: `ember bench` p50 on the same file and input. "
             "Batched: max_batch_size = clients, 5 ms batching delay, batches padded to 1, 2, 4, … clients rows "
             "(each size prepared at load). Produced by `bench/serve_load.py`.", "",
             "| model | in-process p50 | 1 client p50 | HTTP overhead | unbatched: req/s, p50, p99 | batched: req/s, p50, p99 | batched / unbatched req/s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        s, u, b = r["single"], r["unbatched"], r["batched"]
        overhead = (s["p50_ms"] - r["in_process_p50_ms"]) / r["in_process_p50_ms"]
        lines.append(f"| {r['model']} | {r['in_process_p50_ms']:.2f} ms | {s['p50_ms']:.2f} ms | {100 * overhead:+.1f} % | "
                     f"{u['rps']:.1f}, {u['p50_ms']:.1f} ms, {u['p99_ms']:.1f} ms | {b['rps']:.1f}, {b['p50_ms']:.1f} ms, {b['p99_ms']:.1f} ms | "
                     f"{b['rps'] / u['rps']:.2f}x |")
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
