"""Turning collected runs into table rows, a rich table and JSON lines."""

from __future__ import annotations

import json
import math
import sys
from typing import IO, Any, Dict, List, Optional, Sequence

from .cases import Case, Metric, size_name
from .common import summary

Runs = Dict[str, Dict[str, List[float]]]  # impl -> metric key -> one value per run
# column names: the C programs and the floors by what they are
NAMES = {"nng": "C NNG", "nng11": "C NNG 1.11", "raw": "py floor", "rawc": "C floor", "asyncio": "asyncio"}


def rows(case: Case, runs: Runs, impls: Sequence[str]) -> List[Dict[str, Any]]:
    """One record per metric of `case`: each implementation's median and
    range, the ratio nngkit/pynng, and the target verdict."""
    out = []
    for m in case.metrics:
        rec: Dict[str, Any] = {"case": case.name, "group": case.group, "transport": case.transport,
                               "mode": case.mode, "size": case.size, "metric": m.key,
                               "label": m.label, "unit": m.unit,
                               "higher_is_better": m.higher_is_better}
        for impl in impls:
            values = runs.get(impl, {}).get(m.key, [])
            rec[impl] = dict(summary(values), runs=values)
        rec["ratio"] = _ratio(rec, impls)
        rec["ratios"] = {i: _ratio(rec, impls, i) for i in impls if i != "nngkit"}
        rec["target"], rec["met"] = _verdict(m, rec)
        out.append(rec)
    return out


def _median(rec: Dict[str, Any], impl: str) -> float:
    return float(rec[impl]["median"]) if impl in rec else math.nan


def _ratio(rec: Dict[str, Any], impls: Sequence[str], other: str = "pynng") -> float:
    """nngkit's median over `other`'s (time or rate, as the metric is)."""
    if "nngkit" not in impls or other not in impls:
        return math.nan
    a, b = _median(rec, "nngkit"), _median(rec, other)
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _verdict(m: Metric, rec: Dict[str, Any]):  # -> (str, Optional[bool])
    if m.target is None:
        return "", None
    kind, limit = m.target
    rival = {"ratio": "pynng", "nng": "C NNG"}.get(kind)
    value = {"ratio": rec["ratio"], "nng": rec["ratios"].get("nng", math.nan)}.get(
        kind, _median(rec, "nngkit"))
    sign = ">=" if m.higher_is_better else "<="
    text = ("%s %gx %s" % (sign, limit, rival)) if rival else ("%s %g%s" % (sign, limit, m.unit[:m.unit == "x"]))
    if math.isnan(value):
        return text, None
    return text, (value >= limit) if sign == ">=" else (value <= limit)


def fmt(v: float, unit: str) -> str:
    if math.isnan(v):
        return "-"
    if unit in ("msg/s",):
        return "%.1fk" % (v / 1000) if v < 1e6 else "%.2fM" % (v / 1e6)
    if unit == "MB/s":
        return "%.0f" % v if v >= 100 else "%.1f" % v
    if unit == "us":
        return "%.1f" % v if v < 1000 else "%.0f" % v
    if unit == "x":
        return "%.2fx" % v
    if unit == "s":
        return "%.2f" % v
    if unit == "fraction":
        return "%.3f" % v
    if unit == "KiB" and v >= 10000:
        return "%.0f" % v
    return "%.1f" % v if v != int(v) else "%d" % v


def cell(s: Dict[str, Any], unit: str) -> str:
    if not s or not s.get("n"):
        return "-"
    if s["n"] == 1:
        return fmt(s["median"], unit)
    return "%s [%s-%s]" % (fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit))


def print_table(records: List[Dict[str, Any]], impls: Sequence[str], meta: Dict[str, Any],
                stream: Optional[IO[str]] = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    out = stream or sys.stdout
    console = Console(file=out, width=None if out.isatty() else 240)
    title = ("nngkit benchmarks: median [min-max] of %d interleaved runs, %s s each; "
             "/X is nngkit's figure over X's" % (meta["rounds"], meta["seconds"]))
    table = Table(title=escape(title), caption=escape(meta.get("caption") or ""), show_lines=False)
    table.add_column("case")
    table.add_column("metric")
    others = [i for i in impls if i != "nngkit"] if "nngkit" in impls else []
    for impl in impls:
        table.add_column(NAMES.get(impl, impl), justify="right", no_wrap=True)
    for impl in others:
        table.add_column("/" + NAMES.get(impl, impl), justify="right")
    table.add_column("target", justify="left")
    last_group = None
    for rec in records:
        if last_group is not None and rec["group"] != last_group:
            table.add_section()
        last_group = rec["group"]
        name = "%s %s %s %s" % (rec["group"], rec["transport"], rec["mode"], size_name(rec["size"]))
        if rec["group"] == "conns":
            name = "conns tcp x%d" % rec["size"]
        verdict = {True: "[green]met[/]", False: "[red]NOT met[/]", None: ""}[rec["met"]]
        ratios = ["-" if math.isnan(rec["ratios"].get(i, math.nan)) else "%.2fx" % rec["ratios"][i]
                  for i in others]
        label = rec["label"] if rec["unit"] in rec["label"] else "%s (%s)" % (rec["label"], rec["unit"])
        table.add_row(name, escape(label),
                      *[escape(cell(rec.get(i, {}), rec["unit"])) for i in impls],
                      *ratios, ("%s %s" % (escape(rec["target"]), verdict)).strip())
    console.print(table)


def write_json(path: str, records: List[Dict[str, Any]], meta: Dict[str, Any]) -> None:
    """JSON lines: a "meta" line, then one line per table row."""
    def clean(obj: Any) -> Any:
        if isinstance(obj, float) and math.isnan(obj):
            return None
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        return obj
    lines = [json.dumps(clean({"meta": meta}))] + [json.dumps(clean(r)) for r in records]
    if path == "-":
        sys.stdout.write("\n".join(lines) + "\n")
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
