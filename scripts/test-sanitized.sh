#!/usr/bin/env bash
# The unit and CLI suites again, built with clang under AddressSanitizer + UndefinedBehaviorSanitizer
# (-O1, any report fatal), then a short run of every libFuzzer target (tests/fuzz/README.md,
# docs/security.md). Reuses the fixtures of the Release build that `bash scripts/test.sh` made
# (run that first). EMBER_FUZZ_SECONDS sets the time per fuzz target (default 20).
# Usage: bash scripts/test-sanitized.sh [RELEASE_BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --sanitize
build=${1:-${EMBER_BUILD_DIR:-build}}
fixtures=$(realpath -m "$build/fixtures")
if [[ -z "$(ls -A "$fixtures" 2>/dev/null)" ]]; then
  echo "test-sanitized.sh: no fixtures in $fixtures; run bash scripts/test.sh first" >&2
  exit 2
fi
san=${EMBER_SANITIZE_BUILD_DIR:-build-sanitize}
CC=clang-14 CXX=clang++-14 cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" -DEMBER_SANITIZE=ON -DEMBER_FUZZ=ON -DEMBER_WERROR=ON \
  -DEMBER_BUILD_TESTS=ON -DEMBER_BUILD_TOOLS=ON -DEMBER_FIXTURE_DIR="$fixtures"
cmake --build "$san" -j "$(nproc)" --target ember_unit_tests ember_cli ember_mock_libcuda ember_cuda_sources \
  fuzz_zip fuzz_unpickle fuzz_script fuzz_npy fuzz_archive fuzz_json
# The fixtures exist already (-FS: their setup step does not run again); the conformance suite and
# the package tests stay with the Release build.
# An allocation that cannot be met returns null, which ember turns into an ember::Error (as in a
# Release build); ASan would otherwise abort the process on an absurd request first.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$san" --no-tests=error --output-on-failure -j "$(nproc)" --timeout 1200 \
  -FS torch_fixtures -L '^(unit|cli)$'
bash scripts/fuzz.sh "$san" "${EMBER_FUZZ_SECONDS:-20}" "$fixtures"
