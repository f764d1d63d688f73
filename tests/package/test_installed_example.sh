#!/usr/bin/env bash
# Installs ember from the build tree into a temporary prefix, builds examples/cpp against the
# installed CMake package and, separately, with pkg-config, and checks the example classifies the
# digit it embeds. Usage: test_installed_example.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/ember/ember.h"
test -f "$work/prefix/lib/cmake/ember/emberConfig.cmake" || test -f "$work/prefix/lib/x86_64-linux-gnu/cmake/ember/emberConfig.cmake"

# 1. find_package(ember) from the installed prefix, not the build tree.
cmake -S "$src/examples/cpp" -B "$work/example" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example" >/dev/null
out=$(LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" "$work/example/classify_digit" "$src/examples/digits/digits.pt")
echo "$out"
grep -qx "predicted digit: 3" <<<"$out"
test "$(grep -c '^class ' <<<"$out")" -eq 10

# 2. pkg-config.
pcdir=$(dirname "$(find "$work/prefix" -name ember.pc | head -1)")
PKG_CONFIG_PATH="$pcdir" g++ -std=c++20 "$src/examples/cpp/main.cpp" -o "$work/classify_pc" $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs ember)
out2=$(LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" "$work/classify_pc" "$src/examples/digits/digits.pt")
[[ "$out" == "$out2" ]]

# 3. The example's scores equal PyTorch's on the same buffer.
/usr/bin/python3 - "$src/examples/digits/digits.pt" "$out" <<'PY'
import sys, torch
pixels = [0,16,128,159,223,159,0,0,0,191,159,96,96,255,32,0,0,48,0,0,112,223,16,0,0,0,0,0,143,175,0,0,
          0,0,0,0,32,255,16,0,0,0,0,0,0,128,191,0,0,0,64,0,32,175,143,0,0,0,191,255,223,191,64,0]
x = (torch.tensor(pixels, dtype=torch.float32) / 255.0).reshape(1, 1, 8, 8)
ref = torch.jit.load(sys.argv[1])(x)[0]
got = [float(l.split(":")[1]) for l in sys.argv[2].splitlines() if l.startswith("class ")]
assert len(got) == 10, got
err = max(abs(a - b) for a, b in zip(got, ref.tolist()))
assert err < 1e-3, f"example scores differ from PyTorch by {err}"
print(f"example matches PyTorch (max abs error {err:.2e}, printed to 4 decimals)")
PY
echo "installed example: ok"
