"""What every refusal test ends with: the listener still serves a good peer,
and the refusal was counted (the rejects statistics)."""
from __future__ import annotations

from typing import Any, Dict

from tests.helpers.impl import nk


def good_round_trip(srv: Any, url: str, cfg: Any, sockets: Any, opts: Dict[str, int]) -> None:
    cli = sockets(nk.Req0, tls_config=cfg, **opts) if cfg is not None else sockets(nk.Req0, **opts)
    cli.dial(url, block=True)
    cli.send(b"still here")
    assert srv.recv() == b"still here"
    srv.send(b"yes")
    assert cli.recv() == b"yes"


def rejects(sock: Any, n: int, listener: bool = False) -> None:
    """The socket (and, with listener, its one listener) counted n refused
    handshakes: waited for, since the other side learns of a refusal
    after the side that refused, then checked for exactly n."""
    from tests.helpers.sync import wait_for
    counts = (lambda: (sock.stats().rejects, sock.listeners[0].stats().rejects)) if listener \
        else (lambda: (sock.stats().rejects,))
    wait_for(lambda: min(counts()) >= n, what="%d refused handshakes" % n)
    assert set(counts()) == {n}, counts()
