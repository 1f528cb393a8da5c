"""--plot and --replot: a chart drawn from a small saved run carries every
row that has a ratio, and refuses clearly when it has nothing to draw."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path



ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _rec(case: str, label: str, higher: bool, ratios: dict) -> dict:
    return {"case": case, "group": case.split("/")[0], "label": label, "unit": "us",
            "higher_is_better": higher, "ratio": ratios.get("pynng"), "ratios": ratios}


def _write(path: Path, records: list) -> None:
    meta = {"meta": {"rounds": 3, "when": "2026-01-01 00:00:00", "commit": "abc1234"}}
    path.write_text("\n".join(json.dumps(x) for x in [meta] + records) + "\n")


def _replot(src: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks", "--replot", str(src), "--plot", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_replot_draws_every_row_with_a_ratio(tmp_path: Path) -> None:
    src, out = tmp_path / "run.json", tmp_path / "run.svg"
    _write(src, [_rec("reqrep/tcp/sync/64B", "rtt median us", False, {"pynng": 0.5, "nng": 1.2}),
                 _rec("pushpull/ipc/async/1KiB", "msg/s", True, {"pynng": 4.0, "nng": None}),
                 _rec("nngtrace-reqrep/tcp/asyncio/64B", "only nngkit", False, {})])
    proc = _replot(src, out)
    assert proc.returncode == 0, proc.stderr
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "reqrep/tcp/sync/64B" in svg and "pushpull/ipc/async/1KiB" in svg
    assert "nngtrace-reqrep" not in svg  # no rival, no bar
    assert "over C NNG" in svg and "over pynng" in svg
    assert "wrote %s (2 rows)" % out in proc.stderr


def test_replot_without_ratios_fails_with_a_message(tmp_path: Path) -> None:
    src, out = tmp_path / "run.json", tmp_path / "run.svg"
    _write(src, [_rec("conns/tcp/-/x10", "RSS KiB total", False, {"pynng": None})])
    proc = _replot(src, out)
    assert proc.returncode == 1
    assert "no row has a ratio" in proc.stderr and not out.exists()


def test_replot_needs_plot() -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--replot", "x.json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--replot needs --plot" in proc.stderr


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['matplotlib'] = None; from benchmarks.run import main; "
            "sys.exit(main(['--replot', 'x.json', '--plot', %r]))" % str(tmp_path / "x.svg"))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert "--plot needs matplotlib" in proc.stderr and "nngkit[bench]" in proc.stderr
