#!/usr/bin/python3
"""Checks that the folders of src/ depend on each other in one direction only.

Reads the layer order, the owner of each public header and the allow-list from src/LAYERS (the
only place they are written), scans every `#include "..."` in src/ and include/ember/, and fails
listing each include that points to a folder above its own or to a folder (or public header) the
file does not list, each folder cycle, and each allow-list entry that no longer matches an include
(so the list only shrinks). Usage: check_layers.py [REPO_ROOT]   (default: this script's repo).
Standard library only; runs in well under a second.
"""
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers(path):
    order, headers, allow, errors = [], {}, {}, []
    section = None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            where = f"{path}:{n}"
            if section == "order":
                if line in order:
                    errors.append(f"{where}: folder {line} listed twice")
                order.append(line)
            elif section == "headers":
                parts = line.split()
                if len(parts) != 2:
                    errors.append(f"{where}: expected 'HEADER.h FOLDER'")
                    continue
                headers[parts[0]] = parts[1]
            elif section == "allow":
                # FILE -> INCLUDE : reason
                m = re.match(r"(\S+)\s*->\s*(\S+)\s*:\s*(\S.*)$", raw.strip())
                if not m:
                    errors.append(f"{where}: expected 'FILE -> INCLUDE : reason'")
                    continue
                allow[(m.group(1), m.group(2))] = m.group(3)
            else:
                errors.append(f"{where}: line outside [order], [headers] or [allow]")
    for h, d in headers.items():
        if d not in order:
            errors.append(f"{path}: header {h} belongs to unlisted folder {d}")
    return order, headers, allow, errors


def folder_of_path(rel, order):
    """The listed folder a path under src/ (written without 'src/') belongs to: longest prefix."""
    best = None
    for d in order:
        if rel == d or rel.startswith(d + "/"):
            if best is None or len(d) > len(best):
                best = d
    return best


def find_cycles(edges, nodes):
    """Strongly connected components with more than one folder (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp, key=nodes.index))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    layers_file = os.path.join(root, "src", "LAYERS")
    order, headers, allow, problems = read_layers(layers_file)
    rank = {d: i for i, d in enumerate(order)}

    files = []
    for base in ("src", os.path.join("include", "ember")):
        for dirpath, _, names in os.walk(os.path.join(root, base)):
            for name in names:
                if name.endswith((".h", ".hpp", ".cpp", ".cc", ".c", ".inc")):
                    files.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    files.sort()

    def owner(rel):
        """Folder a file belongs to (rel is relative to the repo root), or None."""
        if rel.startswith("include/ember/"):
            return headers.get(rel[len("include/ember/"):])
        return folder_of_path(rel[len("src/"):], order)

    edges, allowed_edges = {}, {}
    used_allow = set()
    for rel in files:
        src_dir = owner(rel)
        if src_dir is None:
            kind = "public header" if rel.startswith("include/") else "folder"
            problems.append(f"{rel}: its {kind} is not listed in src/LAYERS")
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for inc in INCLUDE_RE.findall(text):
            if inc.startswith("ember/"):
                dst_dir = headers.get(inc[len("ember/"):])
                if dst_dir is None:
                    problems.append(f"{rel} -> {inc}: public header not listed in src/LAYERS [headers]")
                    continue
            else:
                dst_dir = folder_of_path(inc, order)
                if dst_dir is None:
                    problems.append(f"{rel} -> {inc}: folder not listed in src/LAYERS [order]")
                    continue
            if dst_dir == src_dir:
                continue
            if rank[dst_dir] > rank[src_dir] and (rel, inc) in allow:
                used_allow.add((rel, inc))
                allowed_edges.setdefault(src_dir, set()).add(dst_dir)
                continue
            edges.setdefault(src_dir, set()).add(dst_dir)
            if rank[dst_dir] > rank[src_dir]:
                problems.append(f"{rel} -> {inc}: {src_dir} includes {dst_dir}, which is above it")

    for key in sorted(allow):
        if key not in used_allow:
            problems.append(f"src/LAYERS [allow]: '{key[0]} -> {key[1]}' matches no back edge; remove it")
    # With one total order a cycle needs a back edge, so each cycle here also shows up above; it is
    # listed so that the folders caught in it are named together.
    for comp in find_cycles(edges, order):
        problems.append("folders in one cycle: {" + ", ".join(comp) + "}")

    if problems:
        print(f"check_layers: {len(problems)} problem(s) against src/LAYERS (order: {' < '.join(order)}):")
        for p in problems:
            print("  " + p)
        return 1
    note = ""
    if allow:
        both = {k: edges.get(k, set()) | allowed_edges.get(k, set()) for k in order}
        cycles = ["{" + ", ".join(c) + "}" for c in find_cycles(both, order)]
        note = f"; {len(allow)} allowed back edge(s) left in src/LAYERS"
        if cycles:
            note += ", which keep these folders in a cycle: " + " ".join(cycles)
    print(f"check_layers: {len(files)} files, {len(order)} folders in order, no back edge{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
