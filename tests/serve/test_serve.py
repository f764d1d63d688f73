#!/usr/bin/env python3
"""End-to-end tests of `ember serve` against PyTorch 1.13: the KServe v2 protocol over HTTP (JSON
and Triton's binary-data extension, driven with the standard library) and gRPC (stubs generated
here from tools/ember/serve/inference.proto with Debian's protoc and grpc_python_plugin), dynamic
batching, metrics, limits, timeouts, every error path, and graceful shutdown on SIGTERM.
Usage: test_serve.py --ember PATH [unittest args]"""
import concurrent.futures
import http.client
import importlib
import json
import os
import pathlib
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

EMBER = None
REPO = pathlib.Path(__file__).resolve().parents[2]
PROTO = REPO / "tools" / "ember" / "serve" / "inference.proto"


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 16)
        self.b = nn.Linear(16, 3)

    def forward(self, x: Tensor) -> Tensor:
        return self.b(torch.relu(self.a(x)))


class Multi(nn.Module):
    def forward(self, x: Tensor, k: int, s: float, flag: bool, name: str) -> Tuple[Tensor, Dict[str, Tensor], int, str]:
        y = x * s
        if flag:
            y = y + 1
        return y, {"sum": y.sum(0), "head": x[:k]}, k * 2, name.upper()


class Optionals(nn.Module):
    def forward(self, x: Tensor, bias: Optional[Tensor] = None, scale: float = 2.0) -> Tensor:
        if bias is not None:
            x = x + bias
        return x * scale


class Raises(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        if bool(x.sum() < 0):
            raise ValueError("negative input")
        return x.to(torch.int64) * 3


class Slow(nn.Module):
    """Runs `n` matrix products: a model whose run time the test controls."""

    def forward(self, x: Tensor, n: int) -> Tensor:
        y = x
        for _ in range(n):
            y = torch.tanh(y @ x)
        return y


class Server:
    """One `ember serve` process on free ports; its JSON-lines log is collected."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([EMBER, "serve", *map(str, args), "--port", "0", "--grpc-port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        deadline = time.time() + 120
        while True:
            line = self.proc.stderr.readline()
            if not line:
                raise AssertionError(f"ember serve exited {self.proc.wait()} before listening:\n" + "".join(self.lines))
            self.lines.append(line)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "listening":
                self.port, self.grpc_port, self.models = event["http_port"], event["grpc_port"], event["models"]
                break
            if time.time() > deadline:
                raise AssertionError("ember serve did not start")
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def json(self, method, path, body=None):
        status, _, data = self.request(method, path, None if body is None else json.dumps(body), {"Content-Type": "application/json"})
        return status, json.loads(data) if data else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.reader.join(5)
        return self.proc.returncode


def infer_json(inputs, outputs=None, **extra):
    body = {"inputs": inputs, **extra}
    if outputs is not None:
        body["outputs"] = outputs
    return body


def tensor_input(name, t: torch.Tensor):
    dt = {torch.float32: "FP32", torch.float64: "FP64", torch.int64: "INT64", torch.int32: "INT32", torch.bool: "BOOL",
          torch.uint8: "UINT8", torch.int8: "INT8"}[t.dtype]
    return {"name": name, "datatype": dt, "shape": list(t.shape), "data": t.flatten().tolist()}


def output_array(o):
    np_dt = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32, "BOOL": np.bool_, "UINT8": np.uint8}[o["datatype"]]
    return np.array(o["data"], dtype=np_dt).reshape(o["shape"])


def binary_request(inputs, binary_outputs=True):
    """Triton's binary-data extension: JSON header, then each input's raw bytes."""
    header = {"inputs": [], "parameters": {"binary_data_output": binary_outputs}}
    blobs = b""
    for name, a in inputs:
        raw = np.ascontiguousarray(a).tobytes()
        dt = {np.dtype(np.float32): "FP32", np.dtype(np.int64): "INT64", np.dtype(np.float16): "FP16"}[a.dtype]
        header["inputs"].append({"name": name, "datatype": dt, "shape": list(a.shape), "parameters": {"binary_data_size": len(raw)}})
        blobs += raw
    h = json.dumps(header).encode()
    return h + blobs, {"Inference-Header-Content-Length": str(len(h)), "Content-Type": "application/octet-stream"}


def parse_binary_response(headers, data):
    n = int(headers.get("Inference-Header-Content-Length", len(data)))
    j = json.loads(data[:n])
    pos = n
    out = {}
    for o in j["outputs"]:
        np_dt = {"FP32": np.float32, "INT64": np.int64, "FP64": np.float64}[o["datatype"]]
        if "parameters" in o and "binary_data_size" in o["parameters"]:
            size = o["parameters"]["binary_data_size"]
            out[o["name"]] = np.frombuffer(data[pos:pos + size], dtype=np_dt).reshape(o["shape"])
            pos += size
        else:
            out[o["name"]] = output_array(o)
    assert pos == len(data), "response holds unclaimed bytes"
    return j, out


def close(a, b, tol=1e-4):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.abs(b).max()) if b.size else 1.0)
    err = float(np.abs(a - b).max()) if a.size else 0.0
    assert err <= tol * scale, f"max abs error {err} (scale {scale})"


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = pathlib.Path(cls.tmp.name)
        cls.mlp = Mlp().eval()
        torch.jit.script(cls.mlp).save(str(d / "mlp.pt"))
        torch.jit.script(Multi()).save(str(d / "multi.pt"))
        torch.jit.script(Optionals()).save(str(d / "optionals.pt"))
        torch.jit.script(Raises()).save(str(d / "raises.pt"))
        # A repository folder: two versions of a batched model, with a config.json.
        repo = d / "repo"
        for v, scale in (("1", 1.0), ("2", 2.0)):
            (repo / "batched" / v).mkdir(parents=True)
            m = Mlp().eval()
            m.load_state_dict(cls.mlp.state_dict())
            with torch.no_grad():
                m.b.weight.mul_(scale)
                m.b.bias.mul_(scale)
            torch.jit.trace(m, torch.randn(1, 4)).save(str(repo / "batched" / v / "model.pt"))
        cls.batched_v2 = m
        (repo / "batched" / "config.json").write_text(json.dumps({
            "max_batch_size": 16, "max_batch_delay_ms": 200, "max_queue": 64,
            "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
            "outputs": [{"name": "scores", "datatype": "FP32", "shape": [-1, 3]}]}))
        (repo / "slow").mkdir()
        torch.jit.script(Slow()).save(str(repo / "slow" / "slow.pt"))
        (repo / "slow" / "config.json").write_text(json.dumps({"max_queue": 2, "timeout_ms": 120000, "threads": 1}))
        (repo / "slow504").mkdir()
        torch.jit.script(Slow()).save(str(repo / "slow504" / "slow.pt"))
        (repo / "slow504" / "config.json").write_text(json.dumps({"timeout_ms": 1000, "threads": 1}))
        cls.server = Server(repo, d / "mlp.pt", d / "multi.pt", d / "optionals.pt", d / "raises.pt", "--max-body-bytes", 1 << 20)
        cls.grpc = None

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.tmp.cleanup()
        assert code == 0, f"ember serve exited {code}"

    def slow_iterations(self, seconds):
        """A 256x256 input and the iteration count of Slow that runs about `seconds` here
        (timed at two counts, so the request's own overhead cancels out)."""
        x = {"name": "x", "datatype": "FP32", "shape": [256, 256], "data": [0.0625] * 65536}

        def timed(n):
            t = time.time()
            status, _ = self.server.json("POST", "/v2/models/slow/infer", infer_json([x, {"name": "n", "datatype": "INT64", "shape": [1], "data": [n]}]))
            self.assertEqual(status, 200)
            return time.time() - t

        per = max((timed(41) - timed(1)) / 40, 1e-4)
        return x, max(1, int(seconds / per))

    # --- health and metadata --------------------------------------------------------------
    def test_health_and_server_metadata(self):
        self.assertEqual(self.server.json("GET", "/v2/health/live"), (200, {"live": True}))
        self.assertEqual(self.server.json("GET", "/v2/health/ready"), (200, {"ready": True}))
        status, md = self.server.json("GET", "/v2")
        self.assertEqual(status, 200)
        self.assertEqual(md["name"], "ember")
        self.assertIn("binary_tensor_data", md["extensions"])

    def test_model_metadata_from_the_schema_and_config(self):
        status, md = self.server.json("GET", "/v2/models/multi")
        self.assertEqual(status, 200)
        self.assertEqual([i["name"] for i in md["inputs"]], ["x", "k", "s", "flag", "name"])
        self.assertEqual([i["datatype"] for i in md["inputs"]], ["FP32", "INT64", "FP64", "BOOL", "BYTES"])
        self.assertEqual(md["inputs"][0]["shape"], [-1])
        self.assertEqual(md["versions"], ["1"])
        status, md = self.server.json("GET", "/v2/models/batched")
        self.assertEqual(md["versions"], ["1", "2"])
        self.assertEqual(md["inputs"], [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}])
        self.assertEqual(md["outputs"], [{"name": "scores", "datatype": "FP32", "shape": [-1, 3]}])
        status, md = self.server.json("GET", "/v2/models/batched/versions/1")
        self.assertEqual((status, md["versions"]), (200, ["1"]))
        self.assertEqual(self.server.json("GET", "/v2/models/batched/versions/2/ready"), (200, {"name": "batched", "ready": True}))
        status, idx = self.server.json("POST", "/v2/repository/index")
        self.assertIn({"name": "batched", "version": "2", "state": "READY"}, idx)

    def test_unknown_model_version_and_endpoint(self):
        for path in ("/v2/models/nope", "/v2/models/nope/ready", "/v2/models/batched/versions/7"):
            status, body = self.server.json("GET", path)
            self.assertEqual(status, 404, path)
            self.assertIn("error", body)
        status, body = self.server.json("POST", "/v2/models/nope/infer", infer_json([]))
        self.assertEqual(status, 404)
        self.assertIn("unknown model 'nope'", body["error"])
        status, body = self.server.json("GET", "/v3/whatever")
        self.assertEqual(status, 404)
        self.assertIn("error", body)

    # --- inference over JSON --------------------------------------------------------------
    def test_infer_json_matches_pytorch(self):
        x = torch.randn(5, 4)
        status, body = self.server.json("POST", "/v2/models/mlp/infer", infer_json([tensor_input("x", x)], id="req-1"))
        self.assertEqual(status, 200, body)
        self.assertEqual((body["model_name"], body["model_version"], body["id"]), ("mlp", "1", "req-1"))
        (o,) = body["outputs"]
        self.assertEqual((o["name"], o["datatype"], o["shape"]), ("OUTPUT__0", "FP32", [5, 3]))
        close(output_array(o), self.mlp(x).detach().numpy())
        # Nested "data" arrays are accepted too, and INPUT__0 names the first argument.
        status, body = self.server.json("POST", "/v2/models/mlp/infer",
                                        {"inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": [5, 4], "data": x.tolist()}]})
        self.assertEqual(status, 200, body)
        close(output_array(body["outputs"][0]), self.mlp(x).detach().numpy())

    def test_scalar_and_string_arguments_and_nested_outputs(self):
        x = torch.randn(3, 2)
        inputs = [tensor_input("x", x), {"name": "k", "datatype": "INT64", "shape": [1], "data": [2]},
                  {"name": "s", "datatype": "FP64", "shape": [1], "data": [0.5]}, {"name": "flag", "datatype": "BOOL", "shape": [1], "data": [True]},
                  {"name": "name", "datatype": "BYTES", "shape": [1], "data": ["ember"]}]
        status, body = self.server.json("POST", "/v2/models/multi/infer", infer_json(inputs))
        self.assertEqual(status, 200, body)
        want = Multi()(x, 2, 0.5, True, "ember")
        outs = body["outputs"]
        self.assertEqual([o["name"] for o in outs], [f"OUTPUT__{i}" for i in range(5)])
        close(output_array(outs[0]), want[0].numpy())
        close(output_array(outs[1]), want[1]["sum"].numpy())
        close(output_array(outs[2]), want[1]["head"].numpy())
        self.assertEqual((outs[3]["datatype"], outs[3]["data"]), ("INT64", [4]))
        self.assertEqual((outs[4]["datatype"], outs[4]["data"]), ("BYTES", ["EMBER"]))
        # Only the outputs asked for come back.
        status, body = self.server.json("POST", "/v2/models/multi/infer", infer_json(inputs, outputs=[{"name": "OUTPUT__3"}]))
        self.assertEqual([o["name"] for o in body["outputs"]], ["OUTPUT__3"])

    def test_optional_and_default_arguments(self):
        x, b = torch.randn(2, 3), torch.randn(2, 3)
        status, body = self.server.json("POST", "/v2/models/optionals/infer", infer_json([tensor_input("x", x)]))
        self.assertEqual(status, 200, body)
        close(output_array(body["outputs"][0]), (x * 2).numpy())
        # `scale` given, `bias` omitted before it: None.
        status, body = self.server.json("POST", "/v2/models/optionals/infer",
                                        infer_json([tensor_input("x", x), {"name": "scale", "datatype": "FP64", "shape": [1], "data": [3.0]}]))
        self.assertEqual(status, 200, body)
        close(output_array(body["outputs"][0]), (x * 3).numpy())
        status, body = self.server.json("POST", "/v2/models/optionals/infer", infer_json([tensor_input("x", x), tensor_input("bias", b)]))
        close(output_array(body["outputs"][0]), ((x + b) * 2).numpy())

    def test_integer_outputs_are_exact(self):
        x = torch.tensor([[1.5, 2.0], [3.0, 4.25]])
        status, body = self.server.json("POST", "/v2/models/raises/infer", infer_json([tensor_input("x", x)]))
        self.assertEqual(status, 200, body)
        o = body["outputs"][0]
        self.assertEqual((o["datatype"], o["shape"], o["data"]), ("INT64", [2, 2], Raises()(x).flatten().tolist()))

    # --- binary-data extension ------------------------------------------------------------
    def test_binary_inputs_and_outputs(self):
        x = np.random.default_rng(1).standard_normal((7, 4)).astype(np.float32)
        body, headers = binary_request([("x", x)])
        status, h, data = self.server.request("POST", "/v2/models/mlp/infer", body, headers)
        self.assertEqual(status, 200, data[:300])
        self.assertEqual(h["Content-Type"], "application/octet-stream")
        j, out = parse_binary_response(h, data)
        close(out["OUTPUT__0"], self.mlp(torch.from_numpy(x)).detach().numpy())
        # Binary input, JSON output.
        body, headers = binary_request([("x", x)], binary_outputs=False)
        status, h, data = self.server.request("POST", "/v2/models/mlp/infer", body, headers)
        self.assertEqual(status, 200)
        self.assertIn("application/json", h["Content-Type"])
        close(output_array(json.loads(data)["outputs"][0]), self.mlp(torch.from_numpy(x)).detach().numpy())

    # --- bad input: 400 with the protocol's error JSON, and the server stays up ------------
    def test_bad_requests_get_400(self):
        x = tensor_input("x", torch.randn(2, 4))
        cases = {
            "not json": b"{nope",
            "not an object": b"[1, 2]",
            "no inputs": json.dumps({}).encode(),
            "unknown datatype": json.dumps(infer_json([{**x, "datatype": "FP8"}])).encode(),
            "count mismatch": json.dumps(infer_json([{**x, "shape": [3, 4]}])).encode(),
            "negative dim": json.dumps(infer_json([{**x, "shape": [-2, 4]}])).encode(),
            "absurd shape": json.dumps(infer_json([{**x, "shape": [2 ** 40, 2 ** 40]}])).encode(),
            "wrong element type": json.dumps(infer_json([{**x, "data": ["a"] * 8}])).encode(),
            "unknown input": json.dumps(infer_json([{**x, "name": "y"}])).encode(),
            "input twice": json.dumps(infer_json([x, x])).encode(),
            "missing input": json.dumps(infer_json([])).encode(),
            "unknown output": json.dumps(infer_json([x], outputs=[{"name": "nope"}])).encode(),
            "no data": json.dumps(infer_json([{k: v for k, v in x.items() if k != "data"}])).encode(),
            "int out of range": json.dumps(infer_json([{"name": "x", "datatype": "INT8", "shape": [1], "data": [300]}])).encode(),
            "deep nesting": b'{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":' + b"[" * 200 + b"]" * 200 + b"}]}",
            "wrong shape for the model": json.dumps(infer_json([tensor_input("x", torch.randn(2, 5))])).encode(),
        }
        for what, body in cases.items():
            status, _, data = self.server.request("POST", "/v2/models/mlp/infer", body, {"Content-Type": "application/json"})
            self.assertEqual(status, 400, f"{what}: {data[:200]}")
            self.assertIn("error", json.loads(data), what)
        # Argument kinds: a str where an int is expected, a tensor datatype for a str.
        x3 = tensor_input("x", torch.randn(3, 2))
        bad_k = [x3, {"name": "k", "datatype": "BYTES", "shape": [1], "data": ["2"]}]
        status, body = self.server.json("POST", "/v2/models/multi/infer", infer_json(bad_k))
        self.assertEqual(status, 400)
        self.assertIn("'k'", body["error"])
        # Binary extension lies.
        xb = np.zeros((2, 4), np.float32)
        raw, headers = binary_request([("x", xb)])
        for h in ({"Inference-Header-Content-Length": "999999"}, {"Inference-Header-Content-Length": "abc"}):
            status, _, data = self.server.request("POST", "/v2/models/mlp/infer", raw, {**headers, **h})
            self.assertEqual(status, 400, data)
        status, _, data = self.server.request("POST", "/v2/models/mlp/infer", raw[:-4], headers)
        self.assertEqual(status, 400, data)
        status, _, data = self.server.request("POST", "/v2/models/mlp/infer", raw + b"xx", headers)
        self.assertEqual(status, 400, data)
        # The model raising is the client's problem, not the server's.
        status, body = self.server.json("POST", "/v2/models/raises/infer", infer_json([tensor_input("x", -torch.ones(2))]))
        self.assertEqual(status, 400)
        self.assertIn("negative input", body["error"])
        self.assertEqual(self.server.json("GET", "/v2/health/live")[0], 200)

    def test_oversized_body_gets_413(self):
        big = json.dumps(infer_json([tensor_input("x", torch.zeros(100000, 4))])).encode()
        self.assertGreater(len(big), 1 << 20)
        status, _, data = self.server.request("POST", "/v2/models/mlp/infer", big, {"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertIn("error", json.loads(data))

    # --- batching ---------------------------------------------------------------------------
    def test_dynamic_batching_gives_the_unbatched_results(self):
        rng = np.random.default_rng(2)
        xs = [rng.standard_normal((1 + i % 3, 4)).astype(np.float32) for i in range(16)]

        def metric(name):
            _, _, text = self.server.request("GET", "/metrics")
            m = re.search(rf'^{name}{{model="batched/2"}} (\d+)', text.decode(), re.M)
            return int(m.group(1)) if m else 0

        calls_before, rows_before = metric("ember_model_calls_total"), metric("ember_batched_rows_total")

        def one(x):
            body, headers = binary_request([("x", x)])
            status, h, data = self.server.request("POST", "/v2/models/batched/infer", body, headers)
            assert status == 200, data
            return parse_binary_response(h, data)[1]["scores"]

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            got = list(pool.map(one, xs))
        calls = metric("ember_model_calls_total") - calls_before
        rows = metric("ember_batched_rows_total") - rows_before
        self.assertEqual(rows, sum(len(x) for x in xs))
        self.assertLess(calls, len(xs), "16 concurrent requests within the batching delay ran as 16 calls")
        # Every request's rows equal the same rows run alone through ember (up to float rounding:
        # ember picks its matrix-product kernel by row count, which moves the last bit), and PyTorch's.
        for x, g in zip(xs, got):
            alone = self.server.json("POST", "/v2/models/batched/versions/2/infer",
                                                     infer_json([{"name": "x", "datatype": "FP32", "shape": list(x.shape), "data": x.flatten().tolist()}]))
            self.assertEqual(alone[0], 200)
            close(g, output_array(alone[1]["outputs"][0]), 1e-6)
            close(g, self.batched_v2(torch.from_numpy(x)).detach().numpy())
        # A lone request of 3 rows runs padded to the allowed size 4 (default batch_sizes 1, 2, 4, 8,
        # 16), with the padding row's result dropped.
        pad_before = metric("ember_padding_rows_total")
        x3 = rng.standard_normal((3, 4)).astype(np.float32)
        got3 = one(x3)
        self.assertEqual(got3.shape, (3, 3))
        close(got3, self.batched_v2(torch.from_numpy(x3)).detach().numpy())
        self.assertEqual(metric("ember_padding_rows_total") - pad_before, 1)

    # --- limits: bounded queue, timeout ---------------------------------------------------
    def test_full_queue_gets_503_and_slow_calls_504(self):
        x, n = self.slow_iterations(1.0)
        req = infer_json([x, {"name": "n", "datatype": "INT64", "shape": [1], "data": [n]}])
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            statuses = sorted(s for s, _ in pool.map(lambda _: self.server.json("POST", "/v2/models/slow/infer", req), range(6)))
        self.assertIn(503, statuses)   # a queue of 2 behind one running call
        self.assertIn(200, statuses)
        self.assertEqual(set(statuses), {200, 503})
        # A call several times longer than slow504's 1000 ms timeout.
        x, n = self.slow_iterations(6.0)
        status, body = self.server.json("POST", "/v2/models/slow504/infer", infer_json([x, {"name": "n", "datatype": "INT64", "shape": [1], "data": [n]}]))
        self.assertEqual(status, 504, body)
        self.assertIn("did not answer", body["error"])
        # The timed-out call was stopped, not left running: a short call right behind it is
        # answered within the same 1000 ms timeout (it would wait ~5 s in the queue otherwise).
        x, n = self.slow_iterations(0.05)
        status, body = self.server.json("POST", "/v2/models/slow504/infer", infer_json([x, {"name": "n", "datatype": "INT64", "shape": [1], "data": [n]}]))
        self.assertEqual(status, 200, body)

    # --- metrics and logs -----------------------------------------------------------------
    def test_metrics_and_access_log(self):
        self.server.json("POST", "/v2/models/mlp/infer", infer_json([tensor_input("x", torch.randn(1, 4))]))
        self.server.json("POST", "/v2/models/mlp/infer", infer_json([tensor_input("y", torch.randn(1, 4))]))
        status, _, text = self.server.request("GET", "/metrics")
        text = text.decode()
        self.assertEqual(status, 200)
        ok = int(re.search(r'^ember_inference_requests_total\{model="mlp/1",status="success"\} (\d+)', text, re.M).group(1))
        bad = int(re.search(r'^ember_inference_requests_total\{model="mlp/1",status="failure"\} (\d+)', text, re.M).group(1))
        self.assertGreaterEqual(ok, 1)
        self.assertGreaterEqual(bad, 1)
        self.assertRegex(text, r'ember_inference_compute_seconds_bucket\{model="mlp/1",le="\+Inf"\} \d+')
        self.assertRegex(text, r'ember_inference_queue_seconds_count\{model="mlp/1"\} \d+')
        self.assertIn("# TYPE ember_inference_compute_seconds histogram", text)
        time.sleep(0.2)
        entries = [json.loads(l) for l in self.server.lines if l.startswith("{")]
        http_entries = [e for e in entries if e.get("event") == "http" and e["path"] == "/v2/models/mlp/infer"]
        self.assertTrue(any(e["status"] == 200 for e in http_entries))
        self.assertTrue(any(e["status"] == 400 and "no input 'y'" in e["error"] for e in http_entries))
        for e in http_entries:
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn("ms", e)

    # --- gRPC -------------------------------------------------------------------------------
    def stubs(self):
        if ServeTest.grpc is None:
            out = self.dir / "grpc_gen"
            out.mkdir(exist_ok=True)
            subprocess.run(["protoc", f"--proto_path={PROTO.parent}", f"--python_out={out}", f"--grpc_python_out={out}",
                            "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", str(PROTO)], check=True)
            sys.path.insert(0, str(out))
            import grpc
            pb = importlib.import_module("inference_pb2")
            pb_grpc = importlib.import_module("inference_pb2_grpc")
            channel = grpc.insecure_channel(f"127.0.0.1:{self.server.grpc_port}")
            ServeTest.grpc = (grpc, pb, pb_grpc.GRPCInferenceServiceStub(channel))
        return ServeTest.grpc

    def test_grpc_metadata_and_health(self):
        grpc, pb, stub = self.stubs()
        self.assertTrue(stub.ServerLive(pb.ServerLiveRequest()).live)
        self.assertTrue(stub.ServerReady(pb.ServerReadyRequest()).ready)
        self.assertTrue(stub.ModelReady(pb.ModelReadyRequest(name="batched", version="1")).ready)
        md = stub.ServerMetadata(pb.ServerMetadataRequest())
        self.assertEqual(md.name, "ember")
        mm = stub.ModelMetadata(pb.ModelMetadataRequest(name="batched"))
        self.assertEqual(list(mm.versions), ["1", "2"])
        self.assertEqual((mm.inputs[0].name, mm.inputs[0].datatype, list(mm.inputs[0].shape)), ("x", "FP32", [-1, 4]))
        with self.assertRaises(grpc.RpcError) as e:
            stub.ModelMetadata(pb.ModelMetadataRequest(name="nope"))
        self.assertEqual(e.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_grpc_infer_raw_and_typed(self):
        grpc, pb, stub = self.stubs()
        x = torch.randn(3, 4)
        want = self.mlp(x).detach().numpy()
        req = pb.ModelInferRequest(model_name="mlp", id="g1")
        req.inputs.add(name="x", datatype="FP32", shape=[3, 4])
        req.raw_input_contents.append(x.numpy().tobytes())
        resp = stub.ModelInfer(req)
        self.assertEqual((resp.model_name, resp.id, resp.outputs[0].name, list(resp.outputs[0].shape)), ("mlp", "g1", "OUTPUT__0", [3, 3]))
        close(np.frombuffer(resp.raw_output_contents[0], np.float32).reshape(3, 3), want)
        req = pb.ModelInferRequest(model_name="mlp")
        t = req.inputs.add(name="x", datatype="FP32", shape=[3, 4])
        t.contents.fp32_contents.extend(x.flatten().tolist())
        resp = stub.ModelInfer(req)
        close(np.frombuffer(resp.raw_output_contents[0], np.float32).reshape(3, 3), want)
        # Strings and scalars over gRPC.
        req = pb.ModelInferRequest(model_name="multi")
        xs = torch.randn(3, 2)
        req.inputs.add(name="x", datatype="FP32", shape=[3, 2]).contents.fp32_contents.extend(xs.flatten().tolist())
        req.inputs.add(name="k", datatype="INT64", shape=[1]).contents.int64_contents.append(1)
        req.inputs.add(name="s", datatype="FP64", shape=[1]).contents.fp64_contents.append(2.0)
        req.inputs.add(name="flag", datatype="BOOL", shape=[1]).contents.bool_contents.append(False)
        req.inputs.add(name="name", datatype="BYTES", shape=[1]).contents.bytes_contents.append(b"grpc")
        resp = stub.ModelInfer(req)
        raw = resp.raw_output_contents[4]
        self.assertEqual(struct.unpack("<I", raw[:4])[0], 4)
        self.assertEqual(raw[4:], b"GRPC")
        self.assertEqual(np.frombuffer(resp.raw_output_contents[3], np.int64).tolist(), [2])
        # Errors carry the protocol's status codes.
        for bad, code in ((pb.ModelInferRequest(model_name="nope"), grpc.StatusCode.NOT_FOUND),
                          (pb.ModelInferRequest(model_name="mlp"), grpc.StatusCode.INVALID_ARGUMENT)):
            with self.assertRaises(grpc.RpcError) as e:
                stub.ModelInfer(bad)
            self.assertEqual(e.exception.code(), code)
        bad = pb.ModelInferRequest(model_name="mlp")
        bad.inputs.add(name="x", datatype="FP32", shape=[3, 4])
        bad.raw_input_contents.append(b"\0" * 7)
        with self.assertRaises(grpc.RpcError) as e:
            stub.ModelInfer(bad)
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_finishes_requests_in_flight(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = pathlib.Path(tmp)
            torch.jit.script(Slow()).save(str(d / "slow.pt"))
            s = Server(d / "slow.pt")
            x = {"name": "x", "datatype": "FP32", "shape": [256, 256], "data": [0.0625] * 65536}

            def timed(k):
                t = time.time()
                s.json("POST", "/v2/models/slow/infer", infer_json([x, {"name": "n", "datatype": "INT64", "shape": [1], "data": [k]}]))
                return time.time() - t

            n = max(1, int(1.5 / max((timed(41) - timed(1)) / 40, 1e-4)))
            result = {}

            def call():
                result["r"] = s.json("POST", "/v2/models/slow/infer", infer_json([x, {"name": "n", "datatype": "INT64", "shape": [1], "data": [n]}]))

            th = threading.Thread(target=call)
            th.start()
            time.sleep(0.4)
            s.proc.send_signal(signal.SIGTERM)
            th.join(60)
            self.assertEqual(result["r"][0], 200, "the request in flight at SIGTERM did not finish")
            self.assertEqual(s.proc.wait(30), 0)
            s.reader.join(5)
            events = [json.loads(l).get("event") for l in s.lines if l.startswith("{")]
            self.assertIn("stopping", events)
            self.assertEqual(events[-1], "stopped")
            with self.assertRaises(OSError):
                http.client.HTTPConnection("127.0.0.1", s.port, timeout=5).request("GET", "/v2/health/live")

    def test_bad_repositories_fail_at_start(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = pathlib.Path(tmp)
            (d / "garbage.pt").write_bytes(os.urandom(2048))
            (d / "m").mkdir()
            torch.jit.script(Mlp()).save(str(d / "m" / "model.pt"))
            (d / "m" / "config.json").write_text('{"max_batch_size": "many"}')
            (d / "m2").mkdir()
            torch.jit.script(Mlp()).save(str(d / "m2" / "model.pt"))
            (d / "m2" / "config.json").write_text('{"max_batch_size": 8, "batch_sizes": [4, 2]}')
            (d / "empty").mkdir()
            for args, needle in (([d / "garbage.pt"], "garbage.pt"), ([d / "m"], "config.json"), ([d / "m2"], "batch_sizes must be ascending"),
                                 ([d / "empty"], "no models"),
                                 ([d / "missing.pt"], "no such model")):
                p = subprocess.run([EMBER, "serve", *map(str, args), "--port", "0", "--grpc-port", "0"], capture_output=True, text=True, timeout=120)
                self.assertNotEqual(p.returncode, 0, args)
                self.assertIn(needle, p.stderr, args)

    def test_help_documents_every_flag(self):
        out = subprocess.run([EMBER, "serve", "--help"], capture_output=True, text=True, timeout=60).stdout
        for flag in ("--host", "--port", "--grpc-port", "--no-grpc", "--http-threads", "--max-body-bytes", "--timeout-ms", "--grace",
                     "--access-log", "--max-batch-size", "--batch-delay-ms", "--max-queue", "--instances", "--threads", "--disable-pass",
                     "config.json"):
            self.assertIn(flag, out)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 2 or args[0] != "--ember":
        sys.exit("usage: test_serve.py --ember PATH [unittest args]")
    EMBER = args[1]
    unittest.main(argv=[sys.argv[0], "-v", *args[2:]])
