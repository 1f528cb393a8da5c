"""A checkout whose core is not built: nngkit/ without its compiled _ffi,
as when `pip install .` put the built copy in site-packages and Python runs
from the repository root, where nngkit/ shadows it.  Importing must say
what happened and what to run, and the benchmarks must report that cause."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd")


def _checkout_without_core(tmp: Path) -> Path:
    for name in ("nngkit", "benchmarks"):
        shutil.copytree(ROOT / name, tmp / name, ignore=IGNORE)
    assert not list((tmp / "nngkit").glob("_ffi*.so"))
    return tmp


def _python_without_site(tmp: Path) -> str:
    """The interpreter of a fresh venv: it sees only the checkout, as the
    suite's own venv may hold an (editable) nngkit whose import hook would
    supply the missing core (to this process and the benchmarks' peers)."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    return str(venv / "bin" / "python")


def _assert_explains(stderr: str) -> None:
    assert "nngkit._ffi" in stderr and "pip install -e ." in stderr, stderr
    assert "outside" in stderr, stderr  # the other way out: run from elsewhere


def test_import_says_the_core_is_not_built_and_what_to_run(tmp_path: Path) -> None:
    root = _checkout_without_core(tmp_path)
    out = subprocess.run([_python_without_site(root), "-c", "import nngkit"], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: "), out.stderr  # not a bare ModuleNotFoundError
    _assert_explains(last)


def test_benchmarks_report_the_import_error_not_a_timeout(tmp_path: Path) -> None:
    root = _checkout_without_core(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = subprocess.run([_python_without_site(root), "-m", "benchmarks", "--quick", "--impls",
                          "nngkit", "--only", "reqrep/tcp/sync"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "within" not in out.stderr, out.stderr
    _assert_explains(out.stderr)

