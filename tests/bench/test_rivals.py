"""The benchmark's rivals: the C programs build and run, and one short
run of the suite gives every rival's figure and nngkit's ratio over it.

No timing is asserted: only that each rival measured something."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import peers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args: str, seconds: str = "0.05") -> list:
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--rounds", "1", "--seconds", seconds,
                           "--json", "-", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert "meta" in lines[0]
    return lines


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", ["pushpull/ipc/async/64B", "reqrep/tcp/async/64B"])
def test_every_rival_measures_and_has_a_ratio(case: str) -> None:
    peers.require_peer("cc")  # the C rivals are built at benchmark time
    peers.require_file("/usr/include/nng/nng.h", "libnng-dev")
    impls = "nngkit,nng,nng11,raw,rawc,asyncio"
    recs = _run("--only", case, "--impls", impls)[1:]
    assert recs and all(r["case"] == case for r in recs)
    first = recs[0]
    for impl in impls.split(","):
        assert first[impl]["median"] > 0, (impl, first[impl])
    assert set(first["ratios"]) == {"nng", "nng11", "raw", "rawc", "asyncio"}
    assert all(v > 0 for v in first["ratios"].values())


@pytest.mark.timeout(300)
def test_a_sync_row_leaves_plain_asyncio_empty() -> None:
    recs = _run("--only", "pushpull/tcp/sync/1KiB", "--impls", "nngkit,rawc,asyncio")[1:]
    row = recs[0]
    assert row["rawc"]["median"] > 0 and row["nngkit"]["median"] > 0
    assert row["asyncio"]["n"] == 0 and row["ratios"]["asyncio"] is None


def test_a_missing_compiler_skips_the_c_rivals_with_a_note(tmp_path) -> None:
    env = dict(os.environ, CC=str(tmp_path / "no-such-cc"), TMPDIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--rounds", "1", "--seconds", "0.05",
                           "--only", "pushpull/tcp/sync/64B", "--impls", "nngkit,nng,rawc",
                           "--json", "-"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    meta = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")][0]["meta"]
    assert "nng skipped" in meta["caption"] and "rawc skipped" in meta["caption"]
    assert "note: nng skipped" in proc.stderr


def test_the_nng11_rival_runs_pynngs_nng_1_11() -> None:
    """nng11 links the NNG inside pynng's wheel, not the system's libnng:
    the program's own nng_version() says which one it runs."""
    peers.require_peer("cc")
    peers.require_file("/usr/include/nng/nng.h", "libnng-dev")
    import pynng

    from benchmarks.cbuild import binary
    path, why = binary("nng11")
    assert path, why
    out = subprocess.run([path, "version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    bundled = pynng.ffi.string(pynng.lib.nng_version()).decode()
    assert out.stdout.strip() == bundled
    system = subprocess.run([binary("nng")[0] or "", "version"], capture_output=True, text=True,
                            timeout=30)
    assert system.returncode == 0 and system.stdout.strip() != bundled  # Debian's 1.5.2


@pytest.mark.timeout(300)
def test_pubsub_gives_each_rate_and_the_delivered_fraction() -> None:
    peers.require_peer("cc")
    peers.require_file("/usr/include/nng/nng.h", "libnng-dev")
    # long enough that every one of the 16 subscribers counts messages after its warm-up
    recs = _run("--only", "pubsub/tcp/sync/64B", "--impls", "nngkit,nng,raw", seconds="0.4")[1:]
    by_metric = {r["metric"]: r for r in recs}
    rate, share = by_metric["per_sub_msgs_per_s"], by_metric["delivered"]
    for impl in ("nngkit", "nng", "raw"):
        assert rate[impl]["median"] > 0, (impl, rate[impl])
        assert 0 < share[impl]["median"] <= 1, (impl, share[impl])
    assert share["raw"]["median"] == 1  # plain tcp drops nothing
    assert rate["target"] == ">= 2x C NNG" and rate["ratios"]["nng"] > 0
