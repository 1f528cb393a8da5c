"""Devices: relay messages between two raw sockets, inside the core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._backend import objects

if TYPE_CHECKING:
    from ._socket import Socket


def device(sock1: "Socket", sock2: "Socket") -> None:
    """Relay messages both ways between two raw sockets until either closes.

    The relaying runs in the C core (no Python per message); this call only
    waits.  Pass the same socket twice to reflect (BUS, PAIR1).  A REQ/REP
    broker is ``device(Rep0(raw=True, listen=front), Req0(raw=True,
    listen=back))``; a PUB/SUB hub is the same with ``Sub0``/``Pub0``.
    """
    objects.run_device(sock1.id, sock2.id)
