#!/usr/bin/env bash
# Compiles every CUDA C++ program ember generates (dump_sources) with clang's CUDA front end,
# for a GPU architecture, without CUDA headers (nvrtc_shim.h stands in for what NVRTC provides).
# Catches a table row, dtype or kernel whose generated code NVRTC would reject, with no GPU.
# Usage: check_sources.sh DUMP_SOURCES CLANGXX
set -euo pipefail
dump=$1 clangxx=$2
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$dump" "$dir"
for f in "$dir"/k*.cu; do
  { cat "$here/nvrtc_shim.h"; cat "$f"; printf '\n#pragma clang force_cuda_host_device end\n'; } > "$f.w.cu"
done
count=$(ls "$dir"/*.w.cu | wc -l)
# One clang process for all files (batches of 200 keep the command line short).
ls "$dir"/*.w.cu | xargs -n 200 "$clangxx" -x cuda --cuda-device-only --cuda-gpu-arch=sm_70 -nocudainc -nocudalib \
  -std=c++17 -fsyntax-only -Wno-unknown-cuda-version
echo "$count generated CUDA programs compile"
