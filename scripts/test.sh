#!/usr/bin/env bash
# Builds ember with warnings as errors and runs every test (unit + conformance against PyTorch).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${EMBER_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_WERROR=ON -DEMBER_BUILD_TESTS=ON -DEMBER_BUILD_TOOLS=ON ${EMBER_CMAKE_ARGS:-}
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --no-tests=error --output-on-failure -j "$(nproc)" --timeout 1200
