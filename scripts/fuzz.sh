#!/usr/bin/env bash
# Runs every libFuzzer target of a build configured with CXX=clang++-14 -DEMBER_FUZZ=ON
# -DEMBER_SANITIZE=ON, each for SECONDS, on seed corpora made from the fixtures. Exits non-zero
# when any target finds a crash, a leak of the stack (overflow), a timeout or an OOM; the input is
# left in the work folder. Usage: fuzz.sh BUILD_DIR SECONDS FIXTURE_DIR [WORK_DIR] [extra libFuzzer flags]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 seconds=$2 fixtures=$3
work=${4:-$build/fuzz-work}
shift $(( $# < 4 ? $# : 4 ))
mkdir -p "$work"
/usr/bin/python3 tests/fuzz/make_seeds.py "$fixtures" "$work/seeds"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for target in zip unpickle script npy archive json; do
  corpus=$work/corpus/$target
  mkdir -p "$corpus" "$work/seeds/$target" "$work/artifacts"
  echo "fuzz_$target: ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=1048576 -timeout=20 -rss_limit_mb=3072 \
      -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/fuzz_${target}_" "$@" \
      "$corpus" "$work/seeds/$target" > "$work/fuzz_$target.log" 2>&1; then
    echo "fuzz_$target failed; see $work/fuzz_$target.log and $work/artifacts/" >&2
    tail -40 "$work/fuzz_$target.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/fuzz_$target.log" | sed "s/^/  /" || true
done
exit $status
