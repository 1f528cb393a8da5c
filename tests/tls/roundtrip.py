"""The check every refusal test ends with: the listener still serves a good peer."""
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
