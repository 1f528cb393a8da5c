"""What the plugin adds to a test's report: a crashed peer fails the test; peers' stderr and traces are attached.

Sections are added to failed reports only (pytest shows them there, like
captured output); their names contain "stderr" or "sp_trace", so
``--show-capture=stderr`` keeps the peers' stderr.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

MAX_STDERR = 64 * 1024  # of a peer's stderr in a report: the end


def peer_sections(peers: List[Any]) -> List[Tuple[str, str]]:
    out = []
    for p in peers:
        err = p.stderr
        if len(err) > MAX_STDERR:
            err = "(%d earlier bytes left out)\n%s" % (len(err) - MAX_STDERR, err[-MAX_STDERR:])
        title = "sp_peer %s %s at %s, pid %d (%s): stderr" % (p.impl, p.protocol, p.url or "?", p.pid,
                                                              p.exit_text())
        out.append((title, err or "(empty)"))
    return out


def amend(rep: Any, state: Dict[str, Any]) -> None:
    factory = state.get("peers")
    peers = list(factory.peers) if factory is not None else []
    if rep.when == "call" and not rep.failed and not getattr(rep, "wasxfail", None):
        crashes = [why for why in (p.crashed() for p in peers) if why]
        if crashes:
            rep.outcome = "failed"
            rep.longrepr = "a peer failed during the test:\n  " + "\n  ".join(crashes)
    if not rep.failed:
        return
    rep.sections.extend(peer_sections(peers))
    traces = state.get("traces")
    if traces is not None:
        rep.sections.extend(traces.sections())
