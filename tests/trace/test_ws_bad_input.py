"""Bad ws input through the proxy to real listeners (nngkit, NNG in pynng): the tracer reports it and what
the listener did about it, relays it unchanged, and stays up for the next client."""
from __future__ import annotations

from typing import Any, List

import pytest

from nngtrace import ErrorEvent, Tracer
from nngtrace.events import Event, WsEvent
from tests.helpers.ws import WsClient
from tests.trace import peers as tp


def _listener(impl: str, sockets: Any) -> str:
    url = tp.server_url(impl, "ws")
    bound = str(sockets(tp.module(impl).Rep0).listen(url).url)
    return bound if impl == "nngkit" else url


def _port(t: Tracer) -> int:
    return int(t.url.split(":")[2].split("/")[0])


def _of(t: Tracer, conn: int) -> List[Event]:
    return [e for e in t.events if e.conn == conn]


@pytest.mark.parametrize("impl", ("nngkit", "pynng"))
def test_frame_claiming_2_62_bytes(impl: str, sockets: Any) -> None:
    with Tracer(tp.listen_url("ws"), _listener(impl, sockets)) as t:
        c = WsClient(_port(t))
        try:
            c.upgrade()
            c.send_raw(bytes([0x82, 0xff]) + (1 << 62).to_bytes(8, "big") + b"mask" + b"\x00" * 64,
                       tolerate_reset=True)
            close = t.wait_for(lambda e: isinstance(e, WsEvent) and e.event == "close" and e.dir == "down")
        finally:
            c.close()
    claim = [e for e in t.events if isinstance(e, ErrorEvent) and e.event == "claim"]
    assert [(e.dir, e.data["len"]) for e in claim] == [("up", 1 << 62)]
    assert (close.data["code"], close.data["name"], close.data["masked"]) == (1009, "message too big", False)
    assert "close 1009 message too big" in close.text


@pytest.mark.parametrize("impl", ("nngkit", "pynng"))
def test_garbage_upgrade_then_a_good_client(impl: str, sockets: Any, procs: Any) -> None:
    url, expect, handle = tp.start_rep(impl, "ws", procs, sockets)
    with Tracer(tp.listen_url("ws"), url) as t:
        c = WsClient(_port(t))
        try:
            c.send_raw(b"\x00SP\x00\x00\x30\x00\x00")  # a tcp:// REQ dialing a ws:// address
            broken = t.wait_for(lambda e: e.event == "broken")
        finally:
            c.close()
        assert tp.req_once("nngkit", t.url, procs, sockets) == expect  # the next client is served
    assert handle.finish().result == b"ping"
    assert [e.event for e in _of(t, 2) if e.layer == "sp"] == ["verdict"]
    assert (broken.conn, broken.dir, broken.data["offset"]) == (1, "up", 0)
    assert broken.text == "00 53 50 00 00 30 00 00 is no HTTP request (an SP header: a tcp:// peer at a ws:// address)"


@pytest.mark.parametrize("impl", ("nngkit", "pynng"))
def test_truncated_frame_is_a_cut(impl: str, sockets: Any) -> None:
    with Tracer(tp.listen_url("ws"), _listener(impl, sockets)) as t:
        c = WsClient(_port(t))
        try:
            c.upgrade()
            c.send_raw(bytes([0x82, 0x8a]) + b"mask" + b"12345")  # 5 of the 10 bytes claimed
            c.s.shutdown(1)
            cut = t.wait_for(lambda e: e.event == "cut")
        finally:
            c.close()
    assert (cut.dir, cut.text) == ("up", "stream ended inside a frame: 5 of 10 payload bytes")
