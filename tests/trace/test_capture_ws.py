"""``nngtrace read`` on cleartext ws: a real exchange (pynng REQ -> proxy -> nngkit REP over ws, one reply
in 64 KiB fragments) recorded by the proxy, read back as the live trace: the upgrade, frames, messages,
closes; with --port; and cut in the middle of a frame."""
from __future__ import annotations

from typing import Any, List, Tuple

import dpkt

import nngkit
from nngtrace import Options, Tracer
from nngtrace.capture import read_capture
from nngtrace.events import Event
from tests.helpers import peers

BODIES = [b"small", b"y" * 200_000, b""]


def _record(path: str, sockets: Any) -> List[Event]:
    pynng = peers.require_pynng()
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("ws://127.0.0.1:0/sp").url)
    with open(path, "wb") as f, Tracer("ws://127.0.0.1:0/sp", url, record=f) as t:
        req = sockets(pynng.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        for body in BODIES:
            req.send(body)
            rep.send(b"re:" + rep.recv())
            assert req.recv() == b"re:" + body
        req.close()
        t.wait_for(lambda e: e.event == "close" and e.layer == "conn")
    return list(t.events)


def _read(path: str, ports: Any = None) -> List[Event]:
    out: List[Event] = []
    read_capture(path, ports, Options(), out.append)
    return out


def _shape(events: List[Event]) -> List[Tuple[Any, ...]]:
    """Everything the ws and SP layers said, without times and connection-level lines."""
    out = []
    for e in events:
        if e.layer in ("ws", "msg", "sp"):
            data = {k: v for k, v in e.data.items() if k not in ("host",)}
            out.append((e.dir, e.layer, e.event, e.proto, e.text if e.layer != "ws" else "", sorted(data.items())))
    return out


def test_ws_capture_reads_back_as_the_live_trace(tmp_path: Any, sockets: Any) -> None:
    path = str(tmp_path / "ws.pcap")
    live = _record(path, sockets)
    read = _read(path)
    assert _shape(read) == _shape(live)
    opened = [e for e in read if e.event == "open"]
    assert [(e.data["transport"], e.text.split()[0]) for e in opened] == [("ws", "ws")]
    assert [e.event for e in read if e.layer == "state"] == ["match"] * 3
    msgs = [(e.dir, e.data["ws"]["frames"], e.length) for e in read if e.layer == "msg"]
    # as observed: pynng's (NNG 1.11) dialer sent the 200 004 bytes in one frame, nngkit's listener in 64 KiB ones
    assert msgs == [("up", 1, 9), ("down", 1, 12), ("up", 1, 200004), ("down", 4, 200007), ("up", 1, 4),
                    ("down", 1, 7)]
    assert not [e for e in read if e.layer == "error"]
    port = int(opened[0].data["server"].rsplit(":", 1)[1])
    assert _shape(_read(path, [port])) == _shape(read)


def test_ws_capture_cut_in_a_frame(tmp_path: Any, sockets: Any) -> None:
    path = str(tmp_path / "ws.pcap")
    _record(path, sockets)
    with open(path, "rb") as f:
        pkts = [(ts, buf) for ts, buf in dpkt.pcap.Reader(f)]
    big = max(range(len(pkts)), key=lambda i: len(pkts[i][1]))  # inside the 200 000-byte request
    cut = str(tmp_path / "cut.pcap")
    with open(cut, "wb") as f:
        w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_EN10MB)
        for ts, buf in pkts[:big + 1]:
            w.writepkt(buf, ts=ts)
    events = _read(cut)
    cuts = [e for e in events if e.event == "cut"]
    assert cuts and cuts[0].text.startswith("stream ended inside a frame: ")
    assert [e.event for e in events if e.layer == "ws"][:2] == ["request", "response"]
