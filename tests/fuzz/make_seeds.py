#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from the test fixtures (no file is committed).
Usage: make_seeds.py FIXTURE_DIR OUT_DIR
Writes OUT_DIR/{zip,unpickle,script,npy,archive,json}/ from every small .pt and .npy under FIXTURE_DIR;
archive seeds use fuzz_util.h's entry format ("@@ name" lines), so mutations reach code and pickles
without breaking the zip around them."""
import hashlib
import pathlib
import sys
import zipfile
import zlib

MAX_SEED = 1 << 20


def put(folder: pathlib.Path, data: bytes):
    if not data or len(data) > MAX_SEED:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    fixtures, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for path in sorted(fixtures.rglob("*")):
        if not path.is_file() or path.stat().st_size > 4 * MAX_SEED:
            continue
        if path.suffix == ".npy":
            put(out / "npy", path.read_bytes())
            continue
        if not zipfile.is_zipfile(path):
            continue
        raw = path.read_bytes()
        put(out / "zip", raw)
        try:
            with zipfile.ZipFile(path) as z:
                entries = []
                for info in z.infolist():
                    data = z.read(info)
                    rel = info.filename.split("/", 1)[1] if "/" in info.filename else info.filename
                    if rel == "model.json":
                        put(out / "json", data)
                    if rel.endswith(".pkl"):
                        put(out / "unpickle", data)
                    if rel.startswith("code/") and rel.endswith(".py"):
                        put(out / "script", data)
                    if not rel.endswith(".debug_pkl"):
                        entries.append((rel, data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
            # Some fixtures are corrupt on purpose; their raw bytes are still a zip seed.
            continue
        container = b"\n".join(b"@@ " + name.encode() + b"\n" + data for name, data in entries)
        put(out / "archive", container)


if __name__ == "__main__":
    main()
