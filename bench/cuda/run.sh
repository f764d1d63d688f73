#!/usr/bin/env bash
# One call on the lent GPU machine (issue 15): unpacks the ember build that bench/pack_for_device.sh
# made on the CPU-only machine (.devcarry/ember-cpu.tar.xz; pass carry=[".devcarry"]), points ember
# at the CUDA libraries the machine's PyTorch wheels ship (EMBER_CUDA_LIBS), prints what the machine
# has, then checks and times with bench/cuda/run.py. Arguments go to run.py.
#   bash bench/cuda/run.sh [--replay] [--ops [--ops-only]] [--models resnet50,...] [--batch32] [--no-time]
# --replay runs the unit tests' replay harness there (EMBER_PACK_TESTS=1 bench/pack_for_device.sh).
# --ops first runs tests/cuda_gpu/test_cuda_ops.py (op-by-op checks on the GPU).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/ember-cuda-out}
mkdir -p "$out"
tmp=$(mktemp -d)
tar -xJf .devcarry/ember-cpu.tar.xz -C "$tmp" || exit 1
# Folders holding the NVIDIA libraries of the Python wheels (cuBLAS, NVRTC, cuDNN), then the system's.
libs=$(python3 - <<'PY'
import glob, os, site
dirs = []
for sp in site.getsitepackages():
    for pattern in ("nvidia/*/lib", "nvidia/cu*/lib", "nvidia/*/lib64"):
        dirs += sorted(glob.glob(os.path.join(sp, pattern)))
print(":".join(dict.fromkeys(dirs)))
PY
)
export EMBER_CUDA_LIBS="$libs"
printf '#!/bin/sh\nLD_LIBRARY_PATH="%s/lib" exec "%s/bin/ember" "$@"\n' "$tmp" "$tmp" > "$tmp/ember"
chmod +x "$tmp/ember"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
  echo "EMBER_CUDA_LIBS=$EMBER_CUDA_LIBS"
  for d in ${libs//:/ }; do ls "$d" | grep -E 'libcublas|libnvrtc|libcudnn\.|libcudnn_cnn|libcudnn_graph' | sed "s|^|$d/|"; done
  ldconfig -p | grep -E 'libcuda\.so|libnvrtc|libcublas' | head
  lscpu | grep -E 'Model name|^CPU\(s\)'
} 2>&1 | tee "$out/machine.txt"
if [[ "${1:-}" == --replay ]]; then
  # Every recorded op case through every CUDA path, against PyTorch and the CPU kernel.
  shift
  t=$(mktemp -d)
  tar -xJf .devcarry/ember-tests.tar.xz -C "$t" || exit 1
  EMBER_FIXTURES="$t/fixtures" LD_LIBRARY_PATH="$t/lib" timeout 300 "$t/bin/ember_unit_tests" \
    --gtest_filter='Replay.EveryPath*' 2>&1 | tee "$out/replay_log.txt" | tail -60
fi
if [[ "${1:-}" == --ops ]]; then
  shift
  PYTHONUNBUFFERED=1 python3 tests/cuda_gpu/test_cuda_ops.py --ember "$tmp/ember" --work "$tmp/ops" 2>&1 | tee "$out/cuda_ops_log.txt"
  cp "$tmp/ops/cuda_ops.json" "$out/" 2>/dev/null
fi
[[ "${1:-}" == --ops-only ]] && exit 0
PYTHONUNBUFFERED=1 python3 bench/cuda/run.py --ember "$tmp/ember" --work "$tmp/work" --out "$out" "$@" 2>&1 | tee "$out/cuda_log.txt"
