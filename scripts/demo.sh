#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds ember, and runs the demo: the digits CNN in
# examples/digits on one of its sample images.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" --target ember_cli
./build/tools/ember/ember run examples/digits/digits.pt --input examples/digits/samples/digit_3.png --preprocess unit --topk 3
