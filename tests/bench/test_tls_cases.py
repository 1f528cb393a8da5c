"""The tls+tcp benchmark cases: certificates made for the run (and removed
after it), nngkit and pynng both measured with a ratio, and the 1 MiB rate
set beside `openssl speed -evp aes-128-gcm`.  No timing is asserted."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.timeout(300)
def test_tls_cases_measure_both_and_report_the_cipher_ceiling(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env.pop("NKBENCH_TLS_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--rounds", "1", "--seconds", "0.05",
                           "--only", "tls+tcp", "--impls", "nngkit,pynng", "--json", "-"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    meta, recs = lines[0]["meta"], lines[1:]
    assert {r["case"] for r in recs} == {"reqrep/tls+tcp/sync/64B", "pushpull/tls+tcp/sync/64B",
                                         "pushpull/tls+tcp/sync/1MiB"}
    for r in recs:
        assert r["nngkit"]["median"] > 0 and r["pynng"]["median"] > 0, r
        assert r["ratio"] > 0, r
        assert bool(r["target"]) == (r["metric"] != "rtt_p99_us"), r  # issue 12's three targets
    if shutil.which("openssl"):
        assert meta["aes128gcm_16k_mb_s"] > 0
        assert "openssl speed -evp aes-128-gcm, 16 KiB blocks" in meta["caption"]
    else:
        assert meta["aes128gcm_16k_mb_s"] is None
    assert not list(tmp_path.glob("nkbtls*"))  # the run's certificates are gone


def test_without_trustme_the_tls_cases_leave_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "trustme.py").write_text("raise ImportError('hidden for this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    env.pop("NKBENCH_TLS_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--rounds", "1", "--seconds", "0.05",
                           "--only", "tls+tcp", "--only", "pushpull/tcp/sync/64B",
                           "--impls", "nngkit", "--json", "-"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert [r["case"] for r in lines[1:]] == ["pushpull/tcp/sync/64B"]
    assert "tls+tcp cases skipped" in lines[0]["meta"]["caption"]
    assert "pip install 'nngkit[bench]'" in proc.stderr
