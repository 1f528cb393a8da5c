"""Round trips between a raw SP peer and an impl socket (for tests/wire and faults)."""
from __future__ import annotations

from typing import Any

from .impl import nk
from .raw import PAIR0, REP0, REQ0, PeerClosed, RawConn, sp_header, word


def expect_header(conn: RawConn, proto: int) -> None:
    got = conn.read_header()
    assert got == sp_header(proto), f"header {got.hex(' ')} != {sp_header(proto).hex(' ')}"


def raw_req_roundtrip(rep: Any, url: str, req_id: int = 0x80000001,
                      body: bytes = b"ok?", reply: bytes = b"yes") -> None:
    """A fresh raw REQ connects to `rep` (listening at url) and completes one exchange."""
    with RawConn.connect(url) as c:
        expect_header(c, REP0)
        c.send_header(REQ0)
        c.send_frame(word(req_id) + body)
        assert rep.recv() == body
        rep.send(reply)
        assert c.read_frame() == word(req_id) + reply


def raw_pair_attach(pair: Any, url: str, attempts: int = 20, probe_ms: int = 300) -> RawConn:
    """Connect a raw PAIR0 peer and make sure `pair` has taken it as its peer.

    Right after a previous peer went away, PAIR0 may still hold the old pipe
    and reject the newcomer, so retry (bounded) until a probe gets through.
    """
    saved = pair.recv_timeout
    pair.recv_timeout = probe_ms
    try:
        for attempt in range(attempts):
            c = RawConn.connect(url)
            try:
                expect_header(c, PAIR0)
                c.send_header(PAIR0)
                c.send_frame(b"attach-probe-%d" % attempt)
                assert pair.recv() == b"attach-probe-%d" % attempt
                return c
            except Exception as e:  # noqa: BLE001 - rejected: try again
                c.close()
                if attempt == attempts - 1 or not isinstance(e, (nk.Timeout, PeerClosed)):
                    raise
        raise AssertionError("unreachable")
    finally:
        pair.recv_timeout = saved


def raw_pair_roundtrip(pair: Any, url: str, out: bytes = b"to-impl", back: bytes = b"to-raw") -> None:
    """A fresh raw PAIR0 peer attaches to `pair` and exchanges one message each way."""
    with raw_pair_attach(pair, url) as c:
        c.send_frame(out)
        assert pair.recv() == out
        pair.send(back)
        assert c.read_frame() == back
