"""Devices: relay messages between two raw sockets, inside the core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import check
from ._ffi import ffi, lib

if TYPE_CHECKING:
    from ._socket import Socket

_SLICE_MS = 100  # waits are sliced so Ctrl-C still interrupts


def device(sock1: "Socket", sock2: "Socket") -> None:
    """Relay messages both ways between two raw sockets until either closes.

    The relaying runs in the C core (no Python per message); this call only
    waits.  Pass the same socket twice to reflect (BUS, PAIR1).  A REQ/REP
    broker is ``device(Rep0(raw=True, listen=front), Req0(raw=True,
    listen=back))``; a PUB/SUB hub is the same with ``Sub0``/``Pub0``.
    """
    did = ffi.new("uint32_t *")
    check(lib.nk_device_open(sock1.id, sock2.id, did))
    try:
        while not lib.nk_device_wait(did[0], _SLICE_MS):
            pass
    finally:
        lib.nk_device_close(did[0])
