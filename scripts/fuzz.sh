#!/usr/bin/env bash
# Build the libFuzzer targets of csrc/fuzz (clang, ASan + UBSan) and run each
# for N seconds, starting from the seed corpus in csrc/fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   scripts/fuzz.sh 300 framer bt   # 300 s each, only these targets
#   FUZZ_JOBS=2 scripts/fuzz.sh     # libFuzzer -fork=2 per target
#
# Needs: clang and its runtime (Debian: apt-get install -y clang libclang-rt-14-dev), make.
# Finds new inputs into build/fuzz/work/<target>/ (a scratch copy: the repo's
# seeds are never modified); crashes go to build/fuzz/artifacts/<target>/ and
# should become regress-* seeds (csrc/fuzz/make_seeds.py) plus a report.
# Prints one line per target: executions, crashes; exits 1 if any crashed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_EACH=${1:-${FUZZ_SECONDS:-60}}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(handshake framer bt id pair1 ws_http ws_frame socket)
OUT="$ROOT/build/fuzz"

command -v clang >/dev/null || { echo "fuzz.sh: clang not found (apt-get install -y clang libclang-rt-14-dev)" >&2; exit 2; }
make -s -C csrc/fuzz OUT="$OUT" all

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

export NKFUZZ_IPC_DIR="$OUT/ipc"   # fuzz_socket's ipc listeners; cleaned below
mkdir -p "$NKFUZZ_IPC_DIR"
trap 'rm -rf "$NKFUZZ_IPC_DIR"' EXIT

summary=()
failed=0
for t in "${TARGETS[@]}"; do
    work="$OUT/work/$t" art="$OUT/artifacts/$t" log="$OUT/logs/$t.log"
    mkdir -p "$work" "$art" "$(dirname "$log")"
    cp -n csrc/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
    before=$(ls "$art" | wc -l)
    args=(-max_total_time="$SECONDS_EACH" -print_final_stats=1 -artifact_prefix="$art/"
          -max_len=4096 -timeout=30 -rss_limit_mb=4096)
    if [ -n "${FUZZ_JOBS:-}" ]; then
        args+=(-fork="$FUZZ_JOBS" -ignore_crashes=1)
    fi
    echo "--- fuzz_$t for ${SECONDS_EACH}s (log: $log)"
    rc=0
    "$OUT/fuzz_$t" "${args[@]}" "$work" >"$log" 2>&1 || rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    if [ -z "$execs" ]; then  # stopped by a crash before the final stats: take the last status line
        execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    fi
    crashes=$(( $(ls "$art" | wc -l) - before ))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="rc=$rc"; fi
    [ "$rc" -ne 0 ] && failed=1
    summary+=("$(printf '%-10s %14s executions  %s crashes' "$t" "${execs:-?}" "$crashes")")
    [ "$rc" -ne 0 ] && grep -E 'ERROR|runtime error|fuzz check failed|SUMMARY' "$log" | head -5 || true
done

echo "=== fuzz summary (${SECONDS_EACH}s per target)"
printf '%s\n' "${summary[@]}"
exit $failed
