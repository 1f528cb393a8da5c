"""Static checks as part of the suite: ruff (the rule set in pyproject.toml)
over the whole tree, and mypy --strict over the nngkit package.  Both come
with the test extras (pip install -e .[test]), so they are not optional."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)


@pytest.mark.timeout(320)
def test_ruff_finds_nothing() -> None:
    proc = _run("ruff", "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")


@pytest.mark.timeout(320)
def test_mypy_strict_on_the_package() -> None:
    proc = _run("mypy", "--strict", "--no-incremental", "nngkit")
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
