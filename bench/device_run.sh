#!/usr/bin/env bash
# Runs a bench script (bench/torch2_first_call.py unless the first argument names another, e.g.
# host_compare.py) on the lent GPU machine, whose host CPU is quiet and which has a
# newer PyTorch: unpacks the ember build that bench/pack_for_device.sh made on this machine
# (.devcarry/ember-cpu.tar.xz: the CLI without gRPC and the Debian libraries it loads, which that
# machine lacks), then exports, checks and times. Usage there: bash bench/device_run.sh [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
tar -xJf .devcarry/ember-cpu.tar.xz -C "$tmp"
# The carried libraries serve ember alone; python and PyTorch keep the machine's own.
printf '#!/bin/sh\nLD_LIBRARY_PATH="%s/lib" exec "%s/bin/ember" "$@"\n' "$tmp" "$tmp" > "$tmp/ember"
chmod +x "$tmp/ember"
"$tmp/ember" inspect --help > /dev/null  # the carried build runs here
script=torch2_first_call.py
if [[ "${1:-}" == *.py ]]; then script=$1; shift; fi
if [[ $script == torch2_first_call.py ]]; then
  python3 bench/torch2_first_call.py --ember "$tmp/ember" --work "$tmp/work" --out "${OUT:-.}/torch2_results.json" "$@"
else
  python3 "bench/$script" --ember "$tmp/ember" --work "$tmp/work" --out "${OUT:-.}" "$@"
fi
