"""The console scripts of a base install (no extras): nngtrace's output needs
rich, which comes with the cli extra, so without it nngtrace says what to
install instead of ending in a traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.nngkit_only

# rich made unimportable, as in a venv where only nngkit and cffi are installed
WITHOUT_RICH = "import sys; sys.modules['rich'] = None; from nngtrace.__main__ import main; sys.exit(main())"


def test_nngtrace_without_rich_names_the_extra() -> None:
    proc = subprocess.run([sys.executable, "-c", WITHOUT_RICH, "dissector"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert (proc.returncode, proc.stdout) == (1, b"")
    assert proc.stderr.decode() == "nngtrace needs the rich package: pip install 'nngkit[cli]'\n"


def test_nngtrace_with_rich_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "nngtrace", "dissector"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert proc.stdout.strip()
