#!/usr/bin/env bash
# Build the documentation (mkdocs + mkdocstrings) into build/docs-site/.
# Warnings are errors (mkdocs.yml sets strict: true; --strict says it again).
# Installs mkdocs, mkdocstrings[python] and ruff (which lays out signatures)
# with pip if they are missing.
# Usage: scripts/build_docs.sh [--serve]   (--serve: live preview on 127.0.0.1:8000)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python}"
if ! "$PYTHON" -c 'import mkdocs, mkdocstrings_handlers.python, ruff' 2>/dev/null; then
    echo "build_docs: installing mkdocs, mkdocstrings[python] and ruff" >&2
    "$PYTHON" -m pip install -q 'mkdocs>=1.6,<2' 'mkdocstrings[python]>=0.26' ruff
fi

if [[ "${1:-}" == "--serve" ]]; then
    exec "$PYTHON" -m mkdocs serve --strict --dev-addr 127.0.0.1:8000
fi
"$PYTHON" -m mkdocs build --strict --clean
echo "build_docs: open build/docs-site/index.html"
