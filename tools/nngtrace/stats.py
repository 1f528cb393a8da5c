"""--stats: per connection and protocol, messages, bytes, round-trip percentiles, resends, faults."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, DefaultDict, Dict, List, Tuple

from rich.console import Console
from rich.table import Table

from .events import Event, FaultEvent, MessageEvent, StateEvent

MAX_SAMPLES = 100_000  # round-trip samples kept per row (the first ones)


@dataclass
class Row:
    messages: int = 0
    bytes: int = 0
    rtts: List[float] = field(default_factory=list)
    resends: int = 0
    unknown: int = 0
    late: int = 0
    faults: int = 0


def percentile(sorted_values: List[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[i]


class Stats:
    def __init__(self) -> None:
        self.rows: DefaultDict[Tuple[int, str], Row] = defaultdict(Row)

    def __call__(self, ev: Event) -> None:
        key = (ev.conn, ev.proto or "-")
        if isinstance(ev, MessageEvent):
            row = self.rows[key]
            row.messages += 1
            row.bytes += ev.length
        elif isinstance(ev, StateEvent):
            row = self.rows[key]
            if ev.event == "match" and len(row.rtts) < MAX_SAMPLES:
                row.rtts.append(float(ev.data["rtt"]))
            row.resends += ev.event == "resend"
            row.unknown += ev.event in ("unknown-id", "stale")
            row.late += ev.event == "late"
        elif isinstance(ev, FaultEvent):
            self.rows[key].faults += 1

    def many(self, events: List[Event]) -> None:
        for ev in events:
            self(ev)

    def summary(self) -> Dict[str, Dict[str, float]]:
        out = {}
        for (conn, proto), r in sorted(self.rows.items()):
            rtts = sorted(r.rtts)
            out["c%d/%s" % (conn, proto)] = {
                "messages": r.messages, "bytes": r.bytes, "resends": r.resends, "unknown": r.unknown,
                "late": r.late, "faults": r.faults, "rtt_n": len(rtts),
                "rtt_p50_ms": percentile(rtts, 50) * 1e3, "rtt_p99_ms": percentile(rtts, 99) * 1e3,
                "rtt_max_ms": (rtts[-1] * 1e3) if rtts else float("nan")}
        return out

    def print(self, stream: IO[str]) -> None:
        table = Table(title="nngtrace --stats")
        cols = ["conn/proto", "messages", "bytes", "rtt n", "p50 ms", "p99 ms", "max ms", "resends", "unknown",
                "late", "faults"]
        for c in cols:
            table.add_column(c, justify="left" if c == "conn/proto" else "right")
        for name, s in self.summary().items():
            table.add_row(name, *("%d" % s[k] for k in ("messages", "bytes", "rtt_n")),
                          *("%.3f" % s[k] if s["rtt_n"] else "-" for k in ("rtt_p50_ms", "rtt_p99_ms", "rtt_max_ms")),
                          *("%d" % s[k] for k in ("resends", "unknown", "late", "faults")))
        Console(file=stream, width=160).print(table)
