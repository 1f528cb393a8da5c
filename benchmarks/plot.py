"""A chart of one run's ratios: for each row, how far nngkit is ahead of (or behind) each rival.

Drawn from the records of a run (benchmarks/report.rows) or from its saved
``--json`` lines, so docs can be redrawn without measuring again.  Every bar
is oriented so that right of 1x means nngkit is better: a rate ratio as it
is, a time ratio inverted.  matplotlib is imported only here, when a chart is
asked for, so the benchmarks themselves run without it.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Sequence, Tuple

from .report import NAMES

Records = List[Dict[str, Any]]


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def load_json(path: str) -> Tuple[Dict[str, Any], Records]:
    """The meta line and the row records of a ``--json`` file."""
    meta: Dict[str, Any] = {}
    records: Records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            obj = json.loads(line)
            if "meta" in obj:
                meta = obj["meta"]
            elif "case" in obj:
                records.append(obj)
    return meta, records


def advantage(rec: Dict[str, Any], rival: str) -> float:
    """nngkit's figure over the rival's, turned so that > 1 means nngkit is better."""
    r = rec.get("ratios", {}).get(rival)
    if r is None or not isinstance(r, (int, float)) or math.isnan(r) or r <= 0:
        return math.nan
    return float(r) if rec.get("higher_is_better") else 1.0 / float(r)


def _series(records: Records) -> Tuple[List[str], List[str], Dict[str, List[float]]]:
    """Row labels, the rivals that appear, and each rival's advantage per row."""
    rivals: List[str] = []
    for rec in records:
        rivals += [k for k in rec.get("ratios", {}) if k not in rivals]
    rows = [rec for rec in records if any(not math.isnan(advantage(rec, k)) for k in rivals)]
    labels = ["%s  %s" % (rec["case"], rec["label"]) for rec in rows]
    values = {k: [advantage(rec, k) for rec in rows] for k in rivals}
    return labels, rivals, values


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'nngkit[bench]' "
                              "(or pip install matplotlib)") from None
    matplotlib.use("Agg")  # files only, never a window
    matplotlib.rcParams["svg.fonttype"] = "none"  # labels stay text in the SVG: searchable
    matplotlib.rcParams["svg.hashsalt"] = "nngkit"  # stable ids: a redraw diffs cleanly
    import matplotlib.pyplot as plt
    return plt


def plot(records: Records, meta: Dict[str, Any], path: str) -> int:
    """Write the chart to `path` (format from its suffix); returns the number of rows drawn."""
    plt = _pyplot()
    labels, rivals, values = _series(records)
    if not labels:
        raise ValueError("no row has a ratio to draw (run with nngkit and at least one rival)")
    height = 0.8 / max(1, len(rivals))
    fig, ax = plt.subplots(figsize=(11, 1.0 + 0.22 * len(labels) * max(1, len(rivals)) ** 0.5))
    for i, rival in enumerate(rivals):
        ys = [n + (i - (len(rivals) - 1) / 2) * height for n in range(len(labels))]
        # a bar runs from 1x to the value, so behind and ahead read as left and right
        widths = [0.0 if math.isnan(v) else v - 1.0 for v in values[rival]]
        ax.barh(ys, widths, height=height, left=1.0, label="over %s" % NAMES.get(rival, rival))
    _decorate(ax, labels, meta)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)
    return len(labels)


def _decorate(ax: Any, labels: Sequence[str], meta: Dict[str, Any]) -> None:
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # table order, top to bottom, no empty margin
    ax.set_xlabel("nngkit's advantage (x, log scale; > 1: nngkit better, time ratios inverted)")
    title = "nngkit over each rival, median of %s runs" % meta.get("rounds", "?")
    if meta.get("when"):
        title += " (%s, commit %s)" % (meta["when"], meta.get("commit") or "?")
    if meta.get("loadavg"):
        title += ", load average %s at the end" % " ".join("%.2f" % x for x in meta["loadavg"])
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", which="both", alpha=0.3)
