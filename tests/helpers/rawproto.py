"""Plain-socket peers for every protocol (on top of raw.py), for tests/wire.

Protocol numbers are in sp-wire-protocol.md §1.  ``raw_peer`` connects to an
impl listener; ``impl_dials_raw`` makes the impl socket dial a plain listener
(its blocking dial returns after the SP handshake, so its pipe is attached
and what it sends next goes out on this connection).
"""
from __future__ import annotations

import select
import time
from typing import Any

from .addrs import ipc_dir
from .raw import RawConn, RawListener, word
from .sync import Catcher
from .wirecheck import expect_header

PAIR1 = 0x11
PUB0, SUB0 = 0x20, 0x21
REQ0, REP0 = 0x30, 0x31
PUSH0, PULL0 = 0x50, 0x51
SURVEYOR0, RESPONDENT0 = 0x62, 0x63
BUS0 = 0x70

TOP = 0x80000000


def raw_peer(url: str, ours: int, theirs: int) -> RawConn:
    """Connect to an impl listener of protocol `theirs`, speaking `ours`."""
    c = RawConn.connect(url)
    try:
        expect_header(c, theirs)
        c.send_header(ours)
    except BaseException:
        c.close()
        raise
    return c


def impl_dials_raw(sock: Any, scheme: str, ours: int, theirs: int) -> RawConn:
    """`sock` (protocol `theirs`) dials a plain listener; returns the accepted conn."""
    lst = RawListener(scheme, ipc_dir())
    try:
        dialing = Catcher(lambda: sock.dial(lst.url, block=True))
        dialing.start()
        c = lst.accept()
        expect_header(c, theirs)
        c.send_header(ours)
        dialing.finish()
        if dialing.error is not None:
            c.close()
            raise dialing.error
        return c
    finally:
        lst.close()


def hop(n: int) -> bytes:
    """A PAIR1 hop count word."""
    return word(n)


def split_word(payload: bytes):
    """(first 32-bit word, rest)."""
    return int.from_bytes(payload[:4], "big"), payload[4:]


def bytes_until_closed(conn: RawConn, timeout: float = 5.0) -> bytes:
    """Everything the peer sends until it closes the connection."""
    deadline = time.monotonic() + timeout
    got, conn._buf = conn._buf, b""  # bytes already read past the last frame count too
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"connection still open after {timeout}s (got {got[:40]!r})"
        r, _, _ = select.select([conn.sock], [], [], remaining)
        if not r:
            continue
        try:
            chunk = conn.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return got
        if not chunk:
            return got
        got += chunk
