#!/usr/bin/env python3
"""Checks the ported programs of examples/port: the ember and libtorch versions of one program must
print the same lines, and the numbers must match what PyTorch computes for the same steps.

  port_compare.py PROGRAM OUT_EMBER OUT_LIBTORCH MODEL [IMAGE H W]

Lines are `name: [shape] v0 v1 ...` or `name: text`; numbers compare within 1e-4 of the larger
magnitude in their line (ints and text exactly)."""
import sys
import threading

import torch


def fmt(name, t):
    t = torch.as_tensor(t).to(torch.float64)
    vals = " ".join(f"{v:.6g}" for v in t.reshape(-1).tolist())
    return f"{name}: [{', '.join(str(s) for s in t.shape)}]" + (" " + vals if vals else "")


def classify(model_path, image, h, w):
    m = torch.jit.load(model_path)
    m.eval()
    pixels = torch.tensor(list(open(image, "rb").read()), dtype=torch.uint8)
    with torch.no_grad():
        x = (pixels.reshape(int(h), int(w)).to(torch.float32) / 255.0).reshape(1, 1, int(h), int(w))
        logits = m(x)
        p, i = torch.topk(torch.softmax(logits, 1), 5)
    return [fmt("top5_prob", p[0]), fmt("top5_class", i[0]), f"predicted: {int(logits.argmax(1))}"]


def multi_io(model_path):
    m = torch.jit.load(model_path)
    m.eval()
    x = torch.arange(8, dtype=torch.float32).reshape(2, 4) / 10.0 - 0.3
    e1 = torch.full((2, 3), 0.25)
    e2 = torch.ones(2, 3) * -0.5
    bias = torch.tensor([0.5, -0.5, 0.25])
    out = []
    with torch.no_grad():
        for tag, args in (("full", (x, 2, [e1, e2], bias)), ("no_bias", (x, 3, [], None)), ("default_bias", (x, 1, [e1]))):
            h, d = m(*args)
            out += [fmt(tag + ".h", h), fmt(tag + ".values", d["values"]), fmt(tag + ".indices", d["indices"])]
    return out


def method_threads(model_path):
    m = torch.jit.load(model_path)
    m.eval()
    x = torch.linspace(-1.0, 1.0, 8).reshape(2, 4)
    out = []
    with torch.no_grad():
        out.append(fmt("score", m.score(x)))
        out.append(fmt("score_kw", m.score(x, power=3, shift=0.5)))
        out.append(f"scale: {m.scale:.6g}")
        out.append(f"child.gain: {m.child.gain:.6g}")
        out.append(fmt("child.lin.bias", m.child.lin.bias))
        out += [f"child: {n}" for n, _ in m.named_children()]
        m.scale = 2.0
        expected = m(x, 2, [], None)[0]
        out.append(fmt("scaled_h", expected))
        bad = []

        def work():
            with torch.no_grad():
                for _ in range(25):
                    if not torch.allclose(m(x, 2, [], None)[0], expected):
                        bad.append(1)
        ts = [threading.Thread(target=work) for _ in range(4)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        out.append(f"threads: 4 x 25 calls, {len(bad)} mismatches")
    return out


def numbers(tokens):
    try:
        return [float(t) for t in tokens]
    except ValueError:
        return None


def same_line(a, b):
    if a == b:
        return True
    ka, _, ra = a.partition(": ")
    kb, _, rb = b.partition(": ")
    if ka != kb:
        return False
    ta, tb = ra.split("] ", 1) if "] " in ra else (ra, ""), rb.split("] ", 1) if "] " in rb else (rb, "")
    if ta[0] != tb[0]:
        return False
    na, nb = numbers(ta[1].split()), numbers(tb[1].split())
    if na is None or nb is None or len(na) != len(nb):
        return False
    scale = max([1.0] + [abs(v) for v in na + nb])
    return all(abs(x - y) <= 1e-4 * scale for x, y in zip(na, nb))


def compare(what, got, want):
    if len(got) != len(want):
        sys.exit(f"{what}: {len(got)} lines against {len(want)}:\n" + "\n".join(got) + "\n--\n" + "\n".join(want))
    for g, w in zip(got, want):
        if not same_line(g, w):
            sys.exit(f"{what} differ:\n  {g}\n  {w}")


def main():
    prog, out_ember, out_torch, model = sys.argv[1:5]
    rest = sys.argv[5:]
    ref = {"classify": classify, "multi_io": multi_io, "method_threads": method_threads}[prog](model, *rest)
    e = open(out_ember).read().splitlines()
    t = open(out_torch).read().splitlines()
    compare(f"{prog}: ember and libtorch", e, t)
    compare(f"{prog}: ember and PyTorch", e, ref)
    print(f"{prog}: ember, libtorch and PyTorch agree ({len(e)} lines)")


if __name__ == "__main__":
    main()
