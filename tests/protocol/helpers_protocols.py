"""Shared pieces for the per-protocol tests (PAIR1, BUS, PUB/SUB, pipeline, survey, raw, device).

- ``transport``: overrides the suite-wide fixture with inproc, ipc and tcp
  (import it into a test module to use it).
- ``star``: one hub and n spokes; by default the hub dials every spoke, so
  the hub's pipes are attached when this returns and its first send reaches
  every spoke (fan-out protocols drop what they send to unattached pipes).
- ``collect``: receive n messages through a Mode (sync or asyncio).
- ``bg``: run a blocking call (e.g. ``nk.device``) in a thread.
"""
from __future__ import annotations

from typing import Any, Callable, List, Tuple

import pytest

from tests.helpers.sync import Catcher, dial, listen

THREE = ("inproc", "ipc", "tcp")
SAFE = {"recv_timeout": 5000, "send_timeout": 5000}


@pytest.fixture(params=THREE)
def transport(request: pytest.FixtureRequest) -> str:
    """inproc, ipc and tcp (the protocol tests do not repeat tcp6)."""
    return request.param


def open_sock(sockets: Any, cls: Any, **options: Any) -> Any:
    """An auto-closed socket with 5 s send/recv timeouts unless given."""
    return sockets(cls, **{**SAFE, **options})


def star(sockets: Any, addr: Callable[[str], str], transport: str, hub_cls: Any, spoke_cls: Any,
         n: int, hub_dials: bool = True, hub_opts: Any = None, spoke_opts: Any = None) -> Tuple[Any, List[Any]]:
    """A hub connected to n spokes; every blocking dial has returned."""
    hub = open_sock(sockets, hub_cls, **(hub_opts or {}))
    spokes = [open_sock(sockets, spoke_cls, **(spoke_opts or {})) for _ in range(n)]
    if hub_dials:
        for s in spokes:
            dial(hub, listen(s, addr(transport)))
    else:
        url = listen(hub, addr(transport))
        for s in spokes:
            dial(s, url)
    return hub, spokes


def link(sender: Any, receiver: Any, addr: Callable[[str], str], transport: str) -> str:
    """receiver listens, sender dials: the sender's next message can reach it."""
    url = listen(receiver, addr(transport))
    dial(sender, url)
    return url


async def collect(mode: Any, s: Any, n: int) -> List[bytes]:
    return [await mode.recv(s) for _ in range(n)]


def bg(fn: Callable[[], Any]) -> Catcher:
    """Start fn in a daemon thread; ``.finish(timeout)`` joins it."""
    t = Catcher(fn)
    t.start()
    return t
