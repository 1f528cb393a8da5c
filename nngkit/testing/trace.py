"""``sp_trace(target)``: nngtrace between the test's socket and a peer (or any SP listener).

The tracer listens on a fresh address of the target's transport and relays
to the target; the test dials ``tracer.url`` instead.  A ws or wss tracer
listens on the target's path (it relays the HTTP upgrade unchanged, and the
listener behind it checks the path); on tls+tcp and wss it ends TLS on
both sides with the session's ``sp_tls`` certificates: the server
certificate to the test, the client certificate upstream (for a peer that
requires one).  Its events are
``tracer.events`` (see docs/nngtrace.md for ``wait_for`` and the event
types); when the test fails they are attached to its report, one line each.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

from .factory import scheme_of
from .urls import TLS_TRANSPORTS, TransportUnavailable

RELAYED = ("tcp", "tcp6", "ipc", "ws", "tls+tcp", "wss")

ARROWS = {"up": "->", "down": "<-", None: "--"}
MAX_LINES = 2000  # of a trace in a report: the last ones


def line(ev: Any) -> str:
    """An event as nngtrace prints it (without colour)."""
    return "%10.6f c%-3d %s %-5s %s" % (ev.ts, ev.conn, ARROWS.get(ev.dir, "??"), ev.layer, ev.text)


class TraceFactory:
    def __init__(self, make_url: Callable[[str], str], tls: Optional[Callable[[], Any]] = None) -> None:
        self.make_url = make_url
        self.tls = tls  # the session's sp_tls, fetched on first use
        self.tracers: List[Any] = []

    def __call__(self, target: Any, faults: Any = None, **options: Any) -> Any:
        """A started ``nngtrace.Tracer`` relaying to `target` (a peer or a URL); options as nngtrace.Options."""
        forward = str(getattr(target, "url", target))
        scheme = scheme_of(forward)
        if scheme not in RELAYED:
            raise TransportUnavailable("sp_trace relays %s, not %s" % (", ".join(RELAYED), scheme))
        from nngtrace import Options, Tracer  # type: ignore[import-not-found, unused-ignore]

        listen = self.make_url(scheme)
        if scheme in ("ws", "wss"):
            listen = _with_path(listen, forward)
        tracer = Tracer(listen, forward, Options(**options) if options else None, faults=faults,
                        tls=self._tls_options() if scheme in TLS_TRANSPORTS else None)
        tracer.__enter__()
        self.tracers.append(tracer)
        return tracer

    def _tls_options(self) -> Any:
        from nngtrace.tlsinfo import TlsOptions  # type: ignore[import-not-found, unused-ignore]

        if self.tls is None:
            raise TransportUnavailable("sp_trace on a TLS address needs the sp_tls certificates")
        m = self.tls()
        return TlsOptions(cert=m.server_cert_file, key=m.server_key_file, cacert=m.ca_file,
                          upstream_cert=m.client_cert_file, upstream_key=m.client_key_file)

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


def _with_path(listen: str, forward: str) -> str:
    """`listen` (scheme://host:port/...) with the path of `forward`."""
    head = listen.split("://", 1)
    rest = forward.split("://", 1)[1]
    slash = rest.find("/")
    return "%s://%s%s" % (head[0], head[1].split("/", 1)[0], rest[slash:] if slash >= 0 else "")
