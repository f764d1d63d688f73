#!/usr/bin/env python3
"""ember's CUDA loader and device memory (src/kernels/cuda) against a stand-in driver
(mock_libcuda.c, built as libcuda.so.1 in its own folder and found through EMBER_CUDA_LIBS): a model
placed with --device cuda gives PyTorch's outputs, frees every block it allocates, and each way the
driver can be missing or refuse says so clearly.
Usage: test_cuda_mock.py --ember PATH --mock-dir DIR [unittest args]"""
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn as nn

EMBER = None
MOCK_DIR = None


def ember(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([EMBER, *map(str, args)], capture_output=True, text=True, timeout=300, env=e)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 5)
        self.register_buffer("calls", torch.zeros(1))

    def forward(self, x):
        self.calls.add_(1)  # an in-place write into a buffer on the device
        y = torch.relu(self.bn(self.conv(x)))
        y = y + y.mean(dim=(2, 3), keepdim=True)
        return self.fc(y.mean(dim=(2, 3))) * self.calls


class CudaMock(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = pathlib.Path(cls.tmp.name)
        model = Block().eval()
        x = torch.randn(2, 3, 6, 6)
        torch.jit.script(model).save(str(d / "block.pt"))
        np.save(d / "x.npy", x.numpy())
        with torch.no_grad():
            np.save(d / "want.npy", model(x).numpy())
        cls.env = {"EMBER_CUDA_LIBS": str(MOCK_DIR)}

    def test_model_on_the_device_matches_pytorch_and_frees_its_memory(self):
        report = self.dir / "report.txt"
        env = dict(self.env, MOCK_CUDA_REPORT=str(report))
        p = ember("compare", self.dir / "block.pt", "-i", self.dir / "x.npy", "-e", self.dir / "want.npy",
                  "--device", "cuda", env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("outputs match", p.stdout)
        allocs, frees, live = map(int, report.read_text().split())
        self.assertGreater(allocs, 5)  # weights, inputs and results all went through cuMemAlloc
        self.assertEqual(live, 0, f"{allocs} allocated, {frees} freed")
        p = ember("run", self.dir / "block.pt", "-i", self.dir / "x.npy", "--device", "cuda:0",
                  "-o", self.dir / "out", env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        np.testing.assert_allclose(np.load(self.dir / "out" / "out_0.npy"), np.load(self.dir / "want.npy"),
                                   rtol=1e-4, atol=1e-5)

    def test_missing_or_refusing_driver_is_a_clear_error(self):
        cases = [
            ({"EMBER_CUDA_LIBS": str(self.dir)}, "cuda", "libcuda.so.1 was not found"),
            (dict(self.env, MOCK_CUDA_INIT="fail"), "cuda", "cuInit failed: no CUDA-capable device is detected (mock)"),
            (dict(self.env, MOCK_CUDA_DEVICES="0"), "cuda", "the NVIDIA driver reports no CUDA device"),
            (self.env, "cuda:3", "cuda:3 does not exist: this machine has 1 CUDA device"),
        ]
        for env, device, message in cases:
            p = ember("run", self.dir / "block.pt", "-i", self.dir / "x.npy", "--device", device, env=env)
            self.assertNotEqual(p.returncode, 0, message)
            self.assertIn(message, p.stderr)
            self.assertNotIn("Traceback", p.stderr)


if __name__ == "__main__":
    args = sys.argv[1:]
    EMBER = args[args.index("--ember") + 1]
    MOCK_DIR = pathlib.Path(args[args.index("--mock-dir") + 1])
    for flag in ("--ember", "--mock-dir"):
        i = args.index(flag)
        del args[i:i + 2]
    unittest.main(argv=[sys.argv[0]] + args)
