"""``sp_trace(target)``: nngtrace between the test's socket and a peer (or any SP listener).

The tracer listens on a fresh address of the target's transport and relays
to the target; the test dials ``tracer.url`` instead.  Its events are
``tracer.events`` (see docs/nngtrace.md for ``wait_for`` and the event
types); when the test fails they are attached to its report, one line each.
"""
from __future__ import annotations

from typing import Any, Callable, List, Tuple

from .factory import scheme_of
from .urls import TransportUnavailable

ARROWS = {"up": "->", "down": "<-", None: "--"}
MAX_LINES = 2000  # of a trace in a report: the last ones


def line(ev: Any) -> str:
    """An event as nngtrace prints it (without colour)."""
    return "%10.6f c%-3d %s %-5s %s" % (ev.ts, ev.conn, ARROWS.get(ev.dir, "??"), ev.layer, ev.text)


class TraceFactory:
    def __init__(self, make_url: Callable[[str], str]) -> None:
        self.make_url = make_url
        self.tracers: List[Any] = []

    def __call__(self, target: Any, faults: Any = None, **options: Any) -> Any:
        """A started ``nngtrace.Tracer`` relaying to `target` (a peer or a URL); options as nngtrace.Options."""
        forward = str(getattr(target, "url", target))
        scheme = scheme_of(forward)
        if scheme not in ("tcp", "tcp6", "ipc"):
            raise TransportUnavailable("nngtrace relays tcp and ipc only, not %s" % scheme)
        from nngtrace import Options, Tracer  # type: ignore[import-not-found, unused-ignore]

        listen = self.make_url(scheme)
        tracer = Tracer(listen, forward, Options(**options) if options else None, faults=faults)
        tracer.__enter__()
        self.tracers.append(tracer)
        return tracer

    def close_all(self) -> None:
        """Stop every tracer; they stay listed for the report."""
        for t in self.tracers:
            if not getattr(t, "_sp_closed", False):
                t._sp_closed = True
                t.__exit__(None, None, None)

    def sections(self) -> List[Tuple[str, str]]:
        out = []
        for t in self.tracers:
            events = list(t.events)
            lines = [line(ev) for ev in events[-MAX_LINES:]]
            if len(events) > MAX_LINES:
                lines.insert(0, "(%d earlier events left out)" % (len(events) - MAX_LINES))
            out.append(("sp_trace %s -> %s" % (t.url or t.listen, t.forward), "\n".join(lines) or "(no events)"))
        return out
