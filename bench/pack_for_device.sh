#!/usr/bin/env bash
# Builds the ember CLI without gRPC (build-dev/) and packs it with every library it loads beyond
# glibc into .devcarry/ember-cpu.tar.xz, for bench/device_run.sh on the lent GPU machine (the
# device tool carries ignored paths: pass carry=[".devcarry"]). Usage: pack_for_device.sh [BUILD_DIR]
# packs an existing Release build instead (with gRPC its libraries travel too: a larger archive).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-}
if [[ -z $build ]]; then
  build=build-dev
  cmake -S . -B build-dev -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_SERVE_GRPC=OFF -DEMBER_BUILD_TESTS=OFF >/dev/null
  cmake --build build-dev -j "$(nproc)"
fi
stage=$(mktemp -d)
mkdir -p "$stage/bin" "$stage/lib" .devcarry
cp "$build/tools/ember/ember" "$stage/bin/"
# Every library a binary loads beyond glibc, copied into a folder.
copy_libs() {
  ldd "$1" | awk '/=> \// {print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*) ;;
      *) cp -L "$lib" "$2/" ;;
    esac
  done
}
copy_libs "$build/tools/ember/ember" "$stage/lib"
strip --strip-unneeded "$stage/bin/ember" "$stage"/lib/*
tar -cJf .devcarry/ember-cpu.tar.xz.tmp -C "$stage" bin lib && mv .devcarry/ember-cpu.tar.xz.tmp .devcarry/ember-cpu.tar.xz
ls -la .devcarry/ember-cpu.tar.xz

# EMBER_PACK_TESTS=1: also the unit tests (build/, with their libraries) and the recorded op cases
# they replay, as .devcarry/ember-tests.tar.xz, so the replay harness runs every CUDA path on the
# GPU machine (bench/cuda/run.sh --replay).
if [[ "${EMBER_PACK_TESTS:-}" == 1 ]]; then
  tests=build/tests/unit/ember_unit_tests
  tstage=$(mktemp -d)
  mkdir -p "$tstage/bin" "$tstage/lib" "$tstage/fixtures"
  cp "$tests" "$tstage/bin/"
  copy_libs "$tests" "$tstage/lib"
  for area in kernels creation gaps extra_ops paths; do cp -r "build/fixtures/$area" "$tstage/fixtures/"; done
  strip --strip-unneeded "$tstage/bin/ember_unit_tests" "$tstage"/lib/*
  tar -cJf .devcarry/ember-tests.tar.xz.tmp -C "$tstage" bin lib fixtures && mv .devcarry/ember-tests.tar.xz.tmp .devcarry/ember-tests.tar.xz
  ls -la .devcarry/ember-tests.tar.xz
fi
