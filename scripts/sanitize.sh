#!/usr/bin/env bash
# Build nngkit's C core with sanitizers and run the test suite against it.
#
#   scripts/sanitize.sh asan [pytest args]   # ASan + UBSan, default: the whole suite
#   scripts/sanitize.sh tsan [pytest args]   # TSan, default: a named subset (below),
#                                            # then the core alone (csrc/fuzz socket target)
#
# The normal in-place build is never touched: the working tree (tracked and
# untracked, not ignored files) is copied to build/sanitize/<mode>/src, the
# extension is built there with NNGKIT_SANITIZE (csrc/ffi_build.py), and the
# suite runs from there with the sanitizer runtime preloaded into the
# (uninstrumented) Python.  Every report goes to build/sanitize/<mode>/logs/;
# the script fails if pytest fails or any report was written.
# NNGKIT_SANITIZE stays set for the run, so the C unit tests (tests/c) build
# their programs with the same -fsanitize; those report to their own stderr,
# which fails the case.
#
# ASan: leak detection is off (CPython frees little at exit; the suite's own
# live-count checks find core leaks); UBSan reports every finding and goes on.
# ASan's quarantine is kept small (default 256 MB): freed memory it holds
# back would otherwise show up as growth in the suite's RSS checks.
# TSan: CPython itself is not instrumented, so races reported entirely inside
# the interpreter are suppressed (see tsan.supp written below); any report
# with an nngkit frame counts.  Needs gcc's libasan/libubsan/libtsan (Debian:
# part of gcc).
set -euo pipefail

MODE=${1:-asan}
shift || true
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CC=${CC:-gcc}
# the real interpreter: a pyenv-style shim (a shell script) must not run under the runtime
PY=$("${PYTHON:-python}" -c "import sys; print(sys.executable)")

# TSan subset: the threaded core paths (close races, async bridge, pipes
# coming and going, every protocol over inproc/tcp), not the interop/cli peers.
TSAN_SUBSET=(tests/faults/test_close_races.py tests/faults/test_fault_injection.py
             tests/faults/test_hostile_peers.py tests/faults/test_hostile_frames.py
             tests/faults/test_killed_peer.py tests/protocol tests/c)

case "$MODE" in
    asan) SAN=address,undefined; RT=$($CC -print-file-name=libasan.so) ;;
    tsan) SAN=thread; RT=$($CC -print-file-name=libtsan.so) ;;
    *) echo "usage: $0 asan|tsan [pytest args...]" >&2; exit 2 ;;
esac
[ -f "$RT" ] || { echo "sanitize.sh: $RT not found (install gcc)" >&2; exit 2; }
if [ $# -eq 0 ]; then
    if [ "$MODE" = tsan ]; then set -- "${TSAN_SUBSET[@]}"; else set -- tests; fi
fi

DEST="$ROOT/build/sanitize/$MODE"
SRC="$DEST/src" LOGS="$DEST/logs"
rm -rf "$DEST"
mkdir -p "$SRC" "$LOGS"
git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$SRC"
echo "--- building the extension with -fsanitize=$SAN in $SRC"
(cd "$SRC" && NNGKIT_SANITIZE=$SAN CC=$CC "$PY" setup.py build_ext --inplace -q >"$LOGS/build.log" 2>&1) \
    || { tail -30 "$LOGS/build.log"; exit 1; }

cat >"$DEST/tsan.supp" <<'SUPP'
# False positives from code that only runs under the GIL: CPython and cffi are
# not instrumented, so TSan cannot see the GIL hand-off that orders these.
# Each entry is a leaf function of CPython, cffi or glibc, never nngkit's.
# Reference counts touched by cffi's generated wrappers (nngkit/_ffi.c):
race:Py_INCREF
race:Py_DECREF
# cffi's backend building its type and function objects:
race:lib_build_cpython_func
race:ctypedescr_new_on_top
called_from_lib:_cffi_backend*
# glibc freeing a finished thread's TLS:
race:_dl_deallocate_tls
SUPP

export LD_PRELOAD="$RT"
export NNGKIT_SANITIZE=$SAN
export PYTHONPATH="$SRC"
export PYTHONFAULTHANDLER=1
export NNGKIT_TEST_TIMEOUT=${NNGKIT_TEST_TIMEOUT:-180}
export ASAN_OPTIONS="detect_leaks=0:log_path=$LOGS/asan:print_summary=1:halt_on_error=1:abort_on_error=1:fast_unwind_on_malloc=0:quarantine_size_mb=${NNGKIT_ASAN_QUARANTINE_MB:-1}"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$LOGS/ubsan:halt_on_error=0"
export TSAN_OPTIONS="log_path=$LOGS/tsan:suppressions=$DEST/tsan.supp:halt_on_error=0:second_deadlock_stack=1:report_signal_unsafe=0"

RUN=()
if [ "$MODE" = tsan ] && command -v setarch >/dev/null; then
    RUN=(setarch "$(uname -m)" -R)   # TSan needs the classic memory layout
fi

echo "--- pytest $* (LD_PRELOAD=$RT)"
start=$(date +%s)
rc=0
(cd "$SRC" && "${RUN[@]}" "$PY" -m pytest -q -p no:cacheprovider "$@") || rc=$?
elapsed=$(( $(date +%s) - start ))

if [ "$MODE" = tsan ] && command -v clang >/dev/null && command -v make >/dev/null; then
    # The same core with no interpreter around it: the socket fuzz target's
    # corpus (and the fuzzer's finds, if any) replayed under TSan.
    echo "--- TSan: csrc/fuzz socket target over its corpus (no Python)"
    unset LD_PRELOAD
    make -s -C csrc/fuzz OUT="$DEST/c" tsan
    corpora=(csrc/fuzz/corpus/socket)
    [ -d build/fuzz/work/socket ] && corpora+=(build/fuzz/work/socket)
    "$DEST/c/tsan_socket" "${corpora[@]}" >"$LOGS/c-replay.out" 2>"$LOGS/c-replay.err" || rc=1
    echo "    $(grep -c '^ok' "$LOGS/c-replay.out") inputs replayed"
fi

unset LD_PRELOAD
reports=$(find "$LOGS" -name 'asan.*' -o -name 'ubsan.*' -o -name 'tsan.*' | sort)
nrep=$(printf '%s' "$reports" | grep -c . || true)
echo "=== sanitize.sh $MODE: pytest rc=$rc in ${elapsed}s; $nrep sanitizer report file(s) in $LOGS"
for f in $reports; do
    echo "--- $f"
    grep -E 'ERROR|WARNING|runtime error|SUMMARY' "$f" | head -5
done
[ "$rc" -eq 0 ] && [ "$nrep" -eq 0 ]
