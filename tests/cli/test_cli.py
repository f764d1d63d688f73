#!/usr/bin/env python3
"""End-to-end tests of the `ember` CLI against PyTorch 1.13: every command and its flags, JSON
output parsed and checked, outputs compared with PyTorch's, and bad inputs (missing or corrupt
files, wrong argument count, type or shape) failing with a clear message and a non-zero exit.
Usage: test_cli.py --ember PATH [unittest args]"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

EMBER = None
REPO = pathlib.Path(__file__).resolve().parents[2]
DIGITS = REPO / "examples" / "digits"


def ember(*args, check=None):
    p = subprocess.run([EMBER, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check is not None:
        assert p.returncode == check, f"ember {' '.join(map(str, args))} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def flatten(v):
    """The CLI's output order: tuple/list items and dict values depth-first."""
    if isinstance(v, (tuple, list)):
        return [leaf for item in v for leaf in flatten(item)]
    if isinstance(v, dict):
        return [leaf for item in v.values() for leaf in flatten(item)]
    return [v]


class Multi(nn.Module):
    def forward(self, x: Tensor, k: int, s: float, flag: bool, name: str) -> Tuple[Tensor, Dict[str, Tensor], List[Tensor], int, str]:
        y = x * s
        if flag:
            y = y + 1
        d = {"a": y.sum(0), "b": x[:k]}
        return y, d, [torch.relu(x), -x], k * 2, name.upper()


class WithMethod(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x + 1

    @torch.jit.export
    def double(self, x: Tensor) -> Tensor:
        return x * 2


class Echo(nn.Module):
    """Returns its image input as given, so the CLI's preprocessing can be checked."""

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        return x, x.mean([2, 3])


class Containers(nn.Module):
    """A detector-style List[Tensor] argument, a Dict argument, a tuple and an Optional one."""

    def forward(self, images: List[Tensor], weights: Dict[str, Tensor], pair: Tuple[Tensor, int],
                bias: Optional[Tensor]) -> List[Tensor]:
        out: List[Tensor] = []
        for img in images:
            y = img * weights["scale"] + pair[0] * pair[1]
            if bias is not None:
                y = y + bias
            out.append(y)
        return out


class Unsupported(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        a = torch.special.erfcx(x)
        b = torch.linalg.matrix_exp(x[:, :2, :2])
        return a.sum() + b.sum()


class Endless(nn.Module):
    def forward(self, x: Tensor, n: int) -> Tensor:
        for i in range(n):
            x = x + 0.0
        return x


class Spin(nn.Module):
    def forward(self, n: int) -> int:
        while n >= 0:
            n += 1
        return n


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = pathlib.Path(cls.tmp.name)
        cls.mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
        torch.jit.script(cls.mlp).save(str(d / "mlp.pt"))
        torch.jit.script(Multi()).save(str(d / "multi.pt"))
        torch.jit.script(Unsupported()).save(str(d / "unsupported.pt"))
        torch.jit.script(WithMethod()).save(str(d / "method.pt"))
        torch.jit.script(Echo()).save(str(d / "echo.pt"))
        torch.jit.script(Containers()).save(str(d / "containers.pt"))
        torch.jit.script(Endless()).save(str(d / "endless.pt"))
        torch.jit.script(Spin()).save(str(d / "spin.pt"))
        from PIL import Image
        rng = np.random.default_rng(0)
        cls.rgb = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
        Image.fromarray(cls.rgb, mode="RGB").save(d / "rgb.png")
        import torchvision
        cls.resnet = torch.jit.script(torchvision.models.resnet18(weights=None).eval())
        cls.resnet.save(str(d / "resnet18.pt"))
        cls.x = torch.randn(2, 4)
        np.save(d / "x.npy", cls.x.numpy())
        torch.save(cls.x, d / "x.pt")
        cls.ref = cls.mlp(cls.x).detach()
        np.save(d / "ref.npy", cls.ref.numpy())
        np.save(d / "ref_bad.npy", (cls.ref + 0.5).numpy())
        np.save(d / "ref_shape.npy", cls.ref[:1].numpy())
        (d / "garbage.pt").write_bytes(os.urandom(4096))
        (d / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00garbage")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # --- help -----------------------------------------------------------------------------
    def test_help_on_every_command(self):
        self.assertIn("inspect", ember("--help", check=0).stdout)
        for cmd in ["inspect", "check", "run", "compare", "bench"]:
            out = ember(cmd, "--help", check=0).stdout
            self.assertIn("model", out.lower(), cmd)

    def test_no_command_is_an_error(self):
        self.assertNotEqual(ember().returncode, 0)

    # --- inspect --------------------------------------------------------------------------
    def test_inspect_json_matches_pytorch(self):
        j = json.loads(ember("inspect", self.dir / "resnet18.pt", "--json", check=0).stdout)
        m = self.resnet
        params = list(m.named_parameters())
        buffers = list(m.named_buffers())
        self.assertEqual(j["totals"]["parameters"]["numel"], sum(p.numel() for _, p in params))
        self.assertEqual(j["totals"]["parameters"]["count"], len(params))
        self.assertEqual(j["totals"]["buffers"]["numel"], sum(b.numel() for _, b in buffers))
        self.assertEqual(j["totals"]["buffers"]["count"], len(buffers))
        got = {}
        for mod in j["modules"]:
            for kind in ("parameters", "buffers"):
                for t in mod[kind]:
                    name = (mod["path"] + "." if mod["path"] else "") + t["name"]
                    got[name] = (kind, t["dtype"], t["shape"], t["bytes"])
        want = {}
        for kind, items in (("parameters", params), ("buffers", buffers)):
            for name, t in items:
                want[name] = (kind, str(t.dtype).replace("torch.", ""), list(t.shape), t.numel() * t.element_size())
        self.assertEqual(got, want)
        classes = {mod["path"]: mod["class"] for mod in j["modules"]}
        for name, sub in m.named_modules():
            self.assertEqual(classes[name], sub._c._type().qualified_name(), name)
        self.assertIn("forward", [x["name"] for x in j["methods"]])
        self.assertGreaterEqual(j["format_version"], 1)

    def test_inspect_text_and_code(self):
        out = ember("inspect", self.dir / "resnet18.pt", check=0).stdout
        self.assertIn("__torch__.torchvision.models.resnet.BasicBlock", out)
        self.assertIn("11,689,512 elements", out)  # resnet18's parameter count in PyTorch
        code = ember("inspect", self.dir / "mlp.pt", "--code", check=0).stdout
        self.assertIn("def forward(self", code)
        self.assertIn("code/__torch__/", code)
        graph = ember("inspect", self.dir / "mlp.pt", "--graph", check=0).stdout
        self.assertIn("graph of __torch__.torch.nn.modules.container.Sequential.forward", graph)
        self.assertIn("aten::linear", graph)
        j = json.loads(ember("inspect", self.dir / "mlp.pt", "--graph", "--json", check=0).stdout)
        self.assertTrue(all(m["graph"] for m in j["methods"]))

    def test_inspect_model_json_archive(self):
        # A PyTorch 1.0 archive (model.json, tests/fixtures/gen_legacy.py): the layout line, the
        # module classes named as PyTorch's legacy importer names them, its method file, and a run.
        sys.path.insert(0, str(REPO / "tests" / "fixtures"))
        import gen_legacy
        path = self.dir / "legacy_mlp.pt"
        model, calls = gen_legacy.mlp_archive(path)
        out = ember("inspect", path, check=0).stdout
        self.assertIn("layout: model.json of PyTorch 1.0-1.2 (protoVersion 1, producer pytorch 1.0)", out)
        self.assertIn("0 (__torch__.mlp._0)", out)
        self.assertIn("mlp.forward(self, input_1: Tensor) -> Tensor", out)
        code = ember("inspect", path, "--code", check=0).stdout
        self.assertIn("# ---- code/mlp.py (methods of __torch__.mlp) ----", code)
        j = json.loads(ember("inspect", path, "--json", check=0).stdout)
        self.assertEqual(j["model_json"], {"proto_version": 1, "producer_name": "pytorch", "producer_version": "1.0"})
        self.assertEqual(j["totals"]["parameters"]["count"], 4)
        ember("check", path, check=0)
        with tempfile.TemporaryDirectory() as t:
            x = pathlib.Path(t) / "x.npy"
            want = pathlib.Path(t) / "want.npy"
            np.save(x, calls[0][0].numpy())
            with torch.no_grad():
                np.save(want, model(calls[0][0]).numpy())
            ember("compare", path, "-i", x, "-e", want, check=0)

    def test_inspect_optimized_and_pass_switches(self):
        # resnet18 after the load-time passes: every conv with its batch-norm and activation is
        # one ember::conv_fused call; with the passes off nothing is specialised.
        out = ember("inspect", self.dir / "resnet18.pt", "--optimized", check=0).stdout
        self.assertIn("optimised graph of __torch__.torchvision.models.resnet.ResNet.forward", out)
        self.assertIn("ember::conv_fused", out)
        self.assertNotIn("aten::batch_norm", out)
        env = dict(os.environ, EMBER_DISABLE_PASSES="all")
        off = subprocess.run([EMBER, "inspect", self.dir / "resnet18.pt", "--optimized"], capture_output=True,
                             text=True, timeout=600, env=env)
        self.assertEqual(off.returncode, 0, off.stderr)
        self.assertIn("(no passes ran)", off.stdout)
        j = json.loads(ember("inspect", self.dir / "resnet18.pt", "--optimized", "--json", check=0).stdout)
        self.assertIn("ember::conv_fused", j["optimized"]["forward"])
        bad = ember("run", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--disable-pass", "no-such-pass")
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("unknown optimisation pass 'no-such-pass'", bad.stderr)

    def test_disabled_passes_give_the_same_outputs(self):
        x = torch.randn(1, 3, 32, 32)
        np.save(self.dir / "img.npy", x.numpy())
        with torch.no_grad():
            np.save(self.dir / "resnet_ref.npy", self.resnet(x).numpy())
        for flags in ([], ["--disable-pass", "all"], ["--disable-pass", "fuse-conv", "--disable-pass", "channels-last"]):
            p = ember("compare", self.dir / "resnet18.pt", "-i", self.dir / "img.npy", "--expect",
                      self.dir / "resnet_ref.npy", *flags)
            self.assertEqual(p.returncode, 0, f"{flags}: {p.stdout}{p.stderr}")

    def test_profile_lists_operators(self):
        env = dict(os.environ, EMBER_PROFILE="1")
        p = subprocess.run([EMBER, "run", self.dir / "mlp.pt", "-i", self.dir / "x.npy"], capture_output=True,
                           text=True, timeout=600, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ember op profile", p.stderr)
        self.assertIn("aten::linear x2", p.stderr)

    # --- check ----------------------------------------------------------------------------
    def test_check_supported_model(self):
        p = ember("check", self.dir / "mlp.pt", check=0)
        self.assertIn("ok", p.stdout)
        j = json.loads(ember("check", self.dir / "mlp.pt", "--json", check=0).stdout)
        self.assertTrue(j["ok"])
        self.assertIn("aten::linear", j["ops_used"])
        self.assertEqual(j["problems"], [])

    def test_device_option(self):
        # No backend serves CUDA in this build yet: run, compare and bench say so and fail cleanly;
        # check --device lists the ops that would run on the CPU with copies there.
        for cmd in (["run", self.dir / "mlp.pt", "-i", self.dir / "x.npy"],
                    ["bench", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--iters", "1"],
                    ["compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "-e", self.dir / "x.npy"]):
            p = ember(*cmd, "--device", "cuda:0")
            self.assertNotEqual(p.returncode, 0, cmd)
            self.assertIn("cannot place the model on cuda:0: the NVIDIA driver's libcuda.so.1 was not found", p.stderr, cmd)
        p = ember("run", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--device", "tpu")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unknown device type 'tpu'", p.stderr)
        ember("run", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--device", "cpu", check=0)
        j = json.loads(ember("check", self.dir / "mlp.pt", "--json", "--device", "cuda", check=0).stdout)
        self.assertEqual(j["device"], "cuda")
        self.assertIn("aten::linear", j["host_copy_ops"])
        self.assertTrue(set(j["host_copy_ops"]) <= set(j["ops_used"]))
        out = ember("check", self.dir / "mlp.pt", "--device", "cuda", check=0).stdout
        self.assertIn("on cuda, these run on the CPU with copies", out)
        self.assertNotIn("host_copy_ops", ember("check", self.dir / "mlp.pt", "--json", check=0).stdout)

    def test_check_lists_every_unsupported_op_with_its_line(self):
        p = ember("check", self.dir / "unsupported.pt", check=2)
        j = json.loads(ember("check", self.dir / "unsupported.pt", "--json", check=2).stdout)
        self.assertFalse(j["ok"])
        probs = "\n".join(j["problems"])
        self.assertIn("aten::special_erfcx", probs)
        self.assertIn("aten::linalg_matrix_exp", probs)
        self.assertRegex(probs, r"code/__torch__\.py:\d+")
        self.assertIn("aten::special_erfcx", p.stdout)

    def test_run_refuses_unsupported_model_listing_all(self):
        p = ember("run", self.dir / "unsupported.pt", "-i", self.dir / "x.npy")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("aten::special_erfcx", p.stderr)
        self.assertIn("aten::linalg_matrix_exp", p.stderr)

    # --- run ------------------------------------------------------------------------------
    def test_run_writes_outputs_equal_to_pytorch(self):
        out_dir = self.dir / "run_out"
        p = ember("run", self.dir / "multi.pt", "-i", self.dir / "x.npy", "-i", "int:1", "-i", "float:0.5",
                  "-i", "bool:true", "-i", "str:hello", "--output-dir", out_dir, check=0)
        ref = flatten(Multi()(self.x, 1, 0.5, True, "hello"))
        self.assertIn("HELLO", p.stdout)
        for i, r in enumerate(ref):
            if isinstance(r, str):
                self.assertFalse((out_dir / f"out_{i}.npy").exists())
                continue
            got = np.load(out_dir / f"out_{i}.npy")
            want = r.numpy() if isinstance(r, Tensor) else np.array(r)
            self.assertEqual(got.shape, want.shape, i)
            self.assertEqual(got.dtype, want.dtype, i)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)

    def test_run_json_and_torch_save_input(self):
        j = json.loads(ember("run", self.dir / "mlp.pt", "-i", self.dir / "x.pt", "--json", check=0).stdout)
        self.assertEqual(len(j["outputs"]), 1)
        o = j["outputs"][0]
        self.assertEqual(o["dtype"], "float32")
        self.assertEqual(o["shape"], [2, 3])
        np.testing.assert_allclose(o["first_values"], self.ref.flatten()[:8].tolist(), rtol=1e-5, atol=1e-5)

    def test_run_torch_save_containers_and_none(self):
        images = [torch.randn(2, 3), torch.randn(4, 3)]
        weights = {"scale": torch.tensor(0.5)}
        pair = (torch.randn(3), 3)
        bias = torch.randn(3)
        torch.save(images, self.dir / "images.pt")
        torch.save(weights, self.dir / "weights.pt")
        torch.save(pair, self.dir / "pair.pt")
        torch.save(bias, self.dir / "bias.pt")
        m = Containers()
        for last, b in (("none", None), (self.dir / "bias.pt", bias)):
            out_dir = self.dir / f"containers_out_{b is None}"
            ember("run", self.dir / "containers.pt", "-i", self.dir / "images.pt", "-i", self.dir / "weights.pt",
                  "-i", self.dir / "pair.pt", "-i", last, "-o", out_dir, check=0)
            for i, want in enumerate(m(images, weights, pair, b)):
                np.testing.assert_allclose(np.load(out_dir / f"out_{i}.npy"), want.numpy(), rtol=1e-5, atol=1e-6)
            self.assertFalse((out_dir / "out_2.npy").exists())

    def test_run_topk_on_image(self):
        p = ember("run", DIGITS / "digits.pt", "-i", DIGITS / "samples" / "digit_3.png", "--preprocess", "unit",
                  "--topk", "3", check=0)
        lines = [l for l in p.stdout.splitlines() if l.strip().startswith("class")]
        self.assertEqual(len(lines), 3)
        self.assertEqual(lines[0].split()[1], "3")
        j = json.loads(ember("run", DIGITS / "digits.pt", "-i", DIGITS / "samples" / "digit_7.png",
                             "--preprocess", "unit", "--topk", "2", "--json", "--threads", "1", check=0).stdout)
        self.assertEqual(j["topk"][0]["class"], 7)
        self.assertGreater(j["topk"][0]["probability"], j["topk"][1]["probability"])

    def test_run_other_method(self):
        out_dir = self.dir / "method_out"
        ember("run", self.dir / "method.pt", "--method", "double", "-i", self.dir / "x.npy", "-o", out_dir, check=0)
        np.testing.assert_allclose(np.load(out_dir / "out_0.npy"), (self.x * 2).numpy(), rtol=1e-6)
        p = ember("run", self.dir / "method.pt", "--method", "triple", "-i", self.dir / "x.npy")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("triple", p.stderr)

    def test_image_preprocessing(self):
        img = self.rgb.astype(np.float32).transpose(2, 0, 1)[None]  # 1x3xHxW
        mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
        std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
        cases = {"none": img, "unit": img / 255.0, "imagenet": (img / 255.0 - mean) / std}
        for mode, want in cases.items():
            out_dir = self.dir / f"img_{mode}"
            ember("run", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--preprocess", mode, "--size", "6x5",
                  "-o", out_dir, check=0)
            np.testing.assert_allclose(np.load(out_dir / "out_0.npy"), want, rtol=1e-5, atol=1e-5, err_msg=mode)
        # Resizing: the same bilinear (half-pixel, align_corners=False) interpolation PyTorch uses.
        out_dir = self.dir / "img_resized"
        ember("run", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--preprocess", "none", "--size", "12x10",
              "-o", out_dir, check=0)
        want = torch.nn.functional.interpolate(torch.from_numpy(img), size=(12, 10), mode="bilinear",
                                               align_corners=False).numpy()
        np.testing.assert_allclose(np.load(out_dir / "out_0.npy"), want, rtol=1e-4, atol=1e-3)
        # imagenet without --size resizes to 224x224.
        j = json.loads(ember("run", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--json", check=0).stdout)
        self.assertEqual(j["outputs"][0]["shape"], [1, 3, 224, 224])
        self.assert_fails(["run", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--size", "12"], "HxW")
        self.assert_fails(["compare", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--size", "0x5",
                           "--expect", self.dir / "ref.npy"], "HxW")
        # bench honours --size too: the echo model's output shape follows the resized image.
        j = json.loads(ember("bench", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--size", "12x10",
                             "--iters", "1", "--json", check=0).stdout)
        self.assertGreater(j["p50_ms"], 0)
        self.assert_fails(["bench", self.dir / "echo.pt", "-i", self.dir / "rgb.png", "--size", "12"], "HxW")

    # --- compare --------------------------------------------------------------------------
    def test_compare_pass_and_fail(self):
        p = ember("compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect", self.dir / "ref.npy", check=0)
        self.assertIn("outputs match", p.stdout)
        j = json.loads(ember("compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect",
                             self.dir / "ref.npy", "--json", check=0).stdout)
        self.assertTrue(j["ok"])
        self.assertLess(j["outputs"][0]["max_abs_error"], 1e-5)
        p = ember("compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect", self.dir / "ref_bad.npy", check=1)
        self.assertIn("outputs differ", p.stdout)
        # A loose enough tolerance accepts the shifted reference.
        ember("compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect", self.dir / "ref_bad.npy",
              "--atol", "0.6", check=0)

    def test_compare_mismatched_expectations(self):
        p = ember("compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect", self.dir / "ref_shape.npy", check=1)
        self.assertIn("shape [2, 3] but expected [1, 3]", p.stdout)
        p = ember("compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect", self.dir / "ref.npy",
                  "--expect", self.dir / "ref.npy")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("1 output(s) but 2 --expect", p.stderr)

    # --- bench ----------------------------------------------------------------------------
    def test_bench_json(self):
        j = json.loads(ember("bench", self.dir / "mlp.pt", "--shape", "2,4", "--warmup", "1", "--iters", "5",
                             "--threads", "1", "--json", check=0).stdout)
        for key in ["load_ms", "first_call_ms", "p50_ms", "p90_ms", "p99_ms", "throughput_per_s", "peak_rss_mib"]:
            self.assertGreater(j[key], 0, key)
        self.assertEqual(j["iters"], 5)
        self.assertEqual(j["threads"], 1)
        self.assertLessEqual(j["p50_ms"], j["p99_ms"])
        p = ember("bench", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--iters", "2", check=0)
        self.assertIn("p50", p.stdout)
        self.assertNotIn("[#", p.stderr)  # no progress bar when not on a terminal

    # --- bad input ------------------------------------------------------------------------
    def assert_fails(self, args, *needles):
        p = ember(*args)
        self.assertNotEqual(p.returncode, 0, args)
        self.assertNotIn("internal error", p.stderr)
        for n in needles:
            self.assertIn(n, p.stderr, args)

    def test_bad_paths_and_files(self):
        self.assert_fails(["inspect", self.dir / "missing.pt"], "missing.pt")
        self.assert_fails(["run", self.dir / "garbage.pt", "-i", self.dir / "x.npy"], "garbage.pt")
        self.assert_fails(["check", self.dir / "garbage.pt"], "garbage.pt")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", self.dir / "nothere.npy"], "nothere.npy")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", self.dir / "bad.npy"], "bad.npy")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", self.dir], "is a directory")
        self.assert_fails(["compare", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--expect", self.dir / "gone.npy"], "gone.npy")

    def test_hostile_inputs(self):
        # A runaway model stops at --timeout with exit 124, for run, compare and bench.
        endless = [self.dir / "endless.pt", "-i", self.dir / "x.npy", "-i", "int:9223372036854775807", "--timeout", "0.5"]
        for cmd in (["run"], ["compare", "--expect", self.dir / "ref.npy"], ["bench", "--iters", "1"]):
            p = ember(cmd[0], *endless, *cmd[1:])
            self.assertEqual(p.returncode, 124, p.stderr)
            self.assertIn("deadline of 0.5 s", p.stderr)
        p = ember("run", self.dir / "spin.pt", "-i", "int:0", "--timeout", "0.3")
        self.assertEqual(p.returncode, 124, p.stderr)
        # Without --timeout a finite run is unaffected.
        ember("run", self.dir / "endless.pt", "-i", self.dir / "x.npy", "-i", "int:3", check=0)
        # Sizes whose byte count overflows are refused before anything is allocated.
        self.assert_fails(["bench", self.dir / "mlp.pt", "--shape", "4611686018427387904"], "2^62")
        self.assert_fails(["bench", self.dir / "mlp.pt", "--shape", "4294967296,4294967296"], "overflows")
        # FIFOs are refused, never waited on.
        fifo = self.dir / "model.fifo"
        os.mkfifo(fifo)
        try:
            self.assert_fails(["inspect", fifo], "not a regular file")
            self.assert_fails(["run", fifo], "not a regular file")
            self.assert_fails(["run", self.dir / "mlp.pt", "-i", fifo], "not a regular file")
        finally:
            fifo.unlink()

    def test_printed_file_bytes_are_escaped(self):
        # Names, code and string outputs come from the file: control bytes must not reach the
        # terminal raw (a hostile archive could drive it), and --json stays valid JSON.
        class Says(nn.Module):
            def forward(self, x: Tensor) -> str:
                return "\x1b[2J" + "done"
        path = self.dir / "escapes.pt"
        torch.jit.script(Says()).save(str(path), _extra_files={"notes\x1b]0;owned\x07": "x", "PLACEHOLDER12": "y"})
        # A name that is not UTF-8 at all, patched into both zip headers (same length).
        raw = path.read_bytes()
        self.assertEqual(raw.count(b"PLACEHOLDER12"), 2)
        path.write_bytes(raw.replace(b"PLACEHOLDER12", b"\xff\xfe\x1b[31mXXXXXX"))
        for args in (["inspect", path], ["inspect", "--code", path], ["run", path, "-i", self.dir / "x.npy"]):
            p = subprocess.run([EMBER, *map(str, args)], capture_output=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn(b"\x1b", p.stdout + p.stderr, args)
            self.assertNotIn(b"\x07", p.stdout + p.stderr, args)
        self.assertIn(b"notes\\x1b]0;owned\\x07", subprocess.run([EMBER, "inspect", str(path)], capture_output=True).stdout)
        self.assertIn(b"\\x1b[2Jdone", subprocess.run([EMBER, "run", str(path), "-i", str(self.dir / "x.npy")],
                                                       capture_output=True).stdout)
        p = subprocess.run([EMBER, "inspect", "--json", str(path)], capture_output=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = [f["name"] for f in json.loads(p.stdout)["extra_files"]]
        self.assertIn("notes\x1b]0;owned\x07", names)  # JSON escapes it as \u001b
        self.assertNotIn(b"\x1b", p.stdout)

    def test_wrong_arguments(self):
        self.assert_fails(["run", self.dir / "mlp.pt"], "forward()")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "-i", self.dir / "x.npy"], "forward()")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", "int:3"], "Tensor", "int")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", "int:abc"], "int:abc")
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", "blob:3"], "unknown literal kind")
        np.save(self.dir / "wrong_width.npy", np.zeros((2, 5), np.float32))
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", self.dir / "wrong_width.npy"], "code/")
        np.save(self.dir / "wrong_dtype.npy", np.zeros((2, 4), np.int64))
        self.assert_fails(["run", self.dir / "mlp.pt", "-i", self.dir / "wrong_dtype.npy"])
        self.assert_fails(["bench", self.dir / "mlp.pt"], "--input or --shape")
        p = ember("run", self.dir / "mlp.pt", "-i", self.dir / "x.npy", "--topk", "0")
        self.assertNotEqual(p.returncode, 0)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 2 or args[0] != "--ember":
        sys.exit("usage: test_cli.py --ember PATH [unittest args]")
    EMBER = args[1]
    unittest.main(argv=[sys.argv[0], "-v", *args[2:]])
