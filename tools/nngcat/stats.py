"""``--stats``: counters kept by the loops and the final summary on stderr.

The summary is a rich table when stderr is a terminal (and rich is
installed), plain text otherwise, so that scripts can parse it:

    nngcat stats
      sent:       3 messages, 12 bytes
      received:   3 messages, 12 bytes
      elapsed:    0.004 s
      rate:       1500.0 messages/s
      round trip: n=3 min=0.081 p50=0.095 p90=0.120 p99=0.120 max=0.120 ms
"""

from __future__ import annotations

import math
import time
from typing import Callable, List, Optional, Sequence, TextIO, Tuple

PERCENTILES = (50, 90, 99)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (which must not be empty)."""
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class Stats:
    """Messages and bytes each way, and round-trip times (REQ, SURVEYOR)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.started = clock()
        self.sent_msgs = self.sent_bytes = 0
        self.recv_msgs = self.recv_bytes = 0
        self.rtts: List[float] = []  # seconds
        self.measures_rtt = False

    def sent(self, size: int) -> None:
        self.sent_msgs += 1
        self.sent_bytes += size

    def received(self, size: int, sent_at: Optional[float] = None) -> None:
        self.recv_msgs += 1
        self.recv_bytes += size
        if sent_at is not None:
            self.rtts.append(self._clock() - sent_at)

    def rows(self) -> List[Tuple[str, str]]:
        elapsed = max(self._clock() - self.started, 1e-9)
        total = self.sent_msgs + self.recv_msgs
        rows = [
            ("sent", "%d messages, %d bytes" % (self.sent_msgs, self.sent_bytes)),
            ("received", "%d messages, %d bytes" % (self.recv_msgs, self.recv_bytes)),
            ("elapsed", "%.3f s" % elapsed),
            ("rate", "%.1f messages/s" % (total / elapsed)),
        ]
        if self.measures_rtt:
            rows.append(("round trip", self.rtt_text()))
        return rows

    def rtt_text(self) -> str:
        if not self.rtts:
            return "n=0"
        ms = sorted(v * 1000.0 for v in self.rtts)
        parts = ["n=%d" % len(ms), "min=%.3f" % ms[0]]
        parts += ["p%d=%.3f" % (p, percentile(ms, p)) for p in PERCENTILES]
        parts.append("max=%.3f ms" % ms[-1])
        return " ".join(parts)

    def render(self, stream: TextIO) -> None:
        """Write the summary to ``stream``: rich on a terminal, plain text otherwise."""
        rows = self.rows()
        if _isatty(stream) and _render_rich(rows, stream):
            return
        stream.write("nngcat stats\n")
        for name, value in rows:
            stream.write("  %-11s %s\n" % (name + ":", value))
        stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _render_rich(rows: List[Tuple[str, str]], stream: TextIO) -> bool:
    try:
        from rich.console import Console  # noqa: PLC0415 - optional, only on a terminal
        from rich.table import Table  # noqa: PLC0415
    except ImportError:
        return False
    table = Table(title="nngcat stats", show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    for name, value in rows:
        table.add_row(name, value)
    Console(file=stream, force_terminal=True).print(table)
    return True
