#!/usr/bin/python3
"""scripts/check_layers.py fails on what it must catch: run on a copy of src/ and include/ with one
planted fault at a time, it exits non-zero and names the fault; on the unchanged copy it passes.
Usage: test_check_layers.py REPO_ROOT"""
import os
import shutil
import subprocess
import sys
import tempfile

root = os.path.abspath(sys.argv[1])
checker = os.path.join(root, "scripts", "check_layers.py")
failures = []


def run(tree):
    p = subprocess.run([sys.executable, checker, tree], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def fresh(tmp):
    tree = tempfile.mkdtemp(dir=tmp)
    shutil.copytree(os.path.join(root, "src"), os.path.join(tree, "src"))
    shutil.copytree(os.path.join(root, "include"), os.path.join(tree, "include"))
    return tree


def append(tree, rel, text):
    with open(os.path.join(tree, rel), "a", encoding="utf-8") as f:
        f.write(text)


def expect(name, rc, out, want_rc, needles):
    if rc != want_rc or any(n not in out for n in needles):
        failures.append(f"{name}: exit {rc} (wanted {want_rc}), output lacks one of {needles}:\n{out}")


with tempfile.TemporaryDirectory() as tmp:
    rc, out = run(fresh(tmp))
    expect("unchanged tree", rc, out, 0, ["no back edge"])

    # core (the bottom layer) reaching up to the runtime: the edge is named, and so is the cycle
    # the runtime's own includes of core close.
    t = fresh(tmp)
    append(t, "src/core/error.cpp", '\n#include "runtime/code.h"\n')
    rc, out = run(t)
    expect("planted back edge", rc, out, 1,
           ["src/core/error.cpp -> runtime/code.h: core includes runtime, which is above it", "folders in one cycle: {core, "])

    # A public header counts as the folder implementing it: tensor.h (tensor) including module.h
    # (session) points up.
    t = fresh(tmp)
    append(t, "include/ember/tensor.h", '\n#include "ember/module.h"\n')
    rc, out = run(t)
    expect("public header back edge", rc, out, 1,
           ["include/ember/tensor.h -> ember/module.h: tensor includes session, which is above it"])

    # A folder or a public header src/LAYERS does not list.
    t = fresh(tmp)
    os.makedirs(os.path.join(t, "src", "gpu"))
    append(t, "src/gpu/a.cpp", '#include "ember/tensor.h"\n')
    append(t, "include/ember/gpu.h", "#pragma once\n")
    append(t, "src/ops/registry.cpp", '\n#include "gpu/a.h"\n')
    rc, out = run(t)
    expect("unlisted folder and header", rc, out, 1,
           ["src/gpu/a.cpp: its folder is not listed", "include/ember/gpu.h: its public header is not listed",
            "src/ops/registry.cpp -> gpu/a.h: folder not listed"])

    # An allow-list entry that matches nothing must be removed, so the list only shrinks; one that
    # matches a back edge lets it through.
    t = fresh(tmp)
    append(t, "src/LAYERS", "\nsrc/ops/schema.cpp -> runtime/code.h : stale entry\n")
    rc, out = run(t)
    expect("stale allow entry", rc, out, 1, ["'src/ops/schema.cpp -> runtime/code.h' matches no back edge"])
    append(t, "src/ops/schema.cpp", '\n#include "runtime/code.h"\n')
    rc, out = run(t)
    expect("allowed back edge", rc, out, 0, ["1 allowed back edge(s) left", "which keep these folders in a cycle: {ops, ir, runtime}"])

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("check_layers catches every planted fault")
