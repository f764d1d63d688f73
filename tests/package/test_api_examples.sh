#!/usr/bin/env bash
# The public API end to end against an installed ember (not the build tree):
#  1. examples/port: three deployment programs written against libtorch and ported to ember, built
#     (libtorch's with Debian's libtorch-dev), run, and compared with each other and with PyTorch;
#  2. examples/c: the C API from a C program; examples/python: the C API through ctypes; both
#     compared with PyTorch;
#  3. the installed headers hold no internals (TensorImpl, EMBER_ASSERT, includes of src/);
#  4. a project asking for C++17 still builds against ember::ember (the target requires C++20).
# Usage: test_api_examples.sh BUILD_DIR SOURCE_DIR FIXTURE_DIR
set -euo pipefail
build=$1
src=$2
fixtures=$3
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(dirname "$(find "$work/prefix" -name 'libember.so*' | head -1)")
export LD_LIBRARY_PATH="$libdir"
test -f "$work/prefix/include/ember/ember_c.h"
# The installed headers hold no internals: the tensor header struct and the internal assertion
# macro stay in src/ (src/tensor/impl.h, src/core/check.h), and no public header includes src/.
if grep -rnE 'struct TensorImpl *\{|EMBER_ASSERT|#include "(core|tensor|kernels|values|ops|archive|ir|script|opt|runtime|session)/' \
    "$work/prefix/include/ember"; then
  echo "internals in the installed public headers (above)" >&2
  exit 1
fi

# A handwritten 3 from the examples, as raw 8-bit pixels.
$py - "$src/examples/digits/samples/digit_3.png" "$work/digit3.u8" <<'PY'
import sys
from PIL import Image
img = Image.open(sys.argv[1]).convert("L")
assert img.size == (8, 8), img.size
open(sys.argv[2], "wb").write(bytes(img.getdata()))
PY
digits="$src/examples/digits/digits.pt"
control="$fixtures/api/control.pt"
test -f "$control"

# 1. The ported programs. The libtorch builds are slow (~25 s each): this is the only test that makes them.
cmake -S "$src/examples/port" -B "$work/port" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" -DPORT_WITH_LIBTORCH=ON >/dev/null
cmake --build "$work/port" -j 2 >/dev/null
for impl in ember libtorch; do
  "$work/port/classify_$impl" "$digits" "$work/digit3.u8" 8 8 >"$work/classify.$impl"
  "$work/port/multi_io_$impl" "$control" >"$work/multi_io.$impl"
  "$work/port/method_threads_$impl" "$control" >"$work/method_threads.$impl"
done
cat "$work/classify.ember"
$py "$src/tests/package/port_compare.py" classify "$work/classify.ember" "$work/classify.libtorch" "$digits" "$work/digit3.u8" 8 8
$py "$src/tests/package/port_compare.py" multi_io "$work/multi_io.ember" "$work/multi_io.libtorch" "$control"
$py "$src/tests/package/port_compare.py" method_threads "$work/method_threads.ember" "$work/method_threads.libtorch" "$control"
grep -qx "threads: 4 x 25 calls, 0 mismatches" "$work/method_threads.ember"

# 2. The C API from C and from Python (ctypes), against PyTorch's scores.
cmake -S "$src/examples/c" -B "$work/c" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/c" >/dev/null
"$work/c/classify_c" "$digits" "$work/digit3.u8" >"$work/c.out"
cat "$work/c.out"
grep -q "^method forward: forward(self, x: Tensor) -> Tensor$" "$work/c.out"
grep -q "^  argument x: Tensor$" "$work/c.out"
grep -q "^error example: .*has no method 'no_such_method'" "$work/c.out"
$py "$src/examples/python/classify_ctypes.py" "$libdir/libember.so" "$digits" "$work/digit3.u8" >"$work/py.out"
cat "$work/py.out"
grep -q "^error example: 1 .*has no method 'missing'" "$work/py.out"
$py - "$digits" "$work/digit3.u8" "$work/c.out" "$work/py.out" <<'PY'
import sys, torch
pixels = open(sys.argv[2], "rb").read()
x = (torch.tensor(list(pixels), dtype=torch.float32) / 255.0).reshape(1, 1, 8, 8)
ref = torch.jit.load(sys.argv[1])(x)[0].tolist()
for out in sys.argv[3:]:
    got = [float(l.split(":")[1]) for l in open(out) if l.startswith("class ")]
    assert len(got) == 10, (out, got)
    err = max(abs(a - b) for a, b in zip(got, ref))
    assert err < 1e-4, f"{out}: scores differ from PyTorch by {err}"
    pred = [l for l in open(out) if l.startswith("predicted digit")][0].split(":")[1].strip()
    assert int(pred) == max(range(10), key=ref.__getitem__), (out, pred)
print(f"C and ctypes examples match PyTorch")
PY

# 4. A C++17 project links ember::ember and is built as C++20 by the target's requirement.
mkdir -p "$work/cxx17"
cat >"$work/cxx17/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(cxx17_consumer LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(ember REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE ember::ember)
CM
cat >"$work/cxx17/main.cpp" <<'CPP'
#include <ember/ember.h>
#include <iostream>
int main() { std::cout << ember::arange(3) << "\n"; }
CPP
cmake -S "$work/cxx17" -B "$work/cxx17/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cxx17/build" >/dev/null
test "$("$work/cxx17/build/consumer")" = "tensor([0, 1, 2])"
echo "api examples: ok"
