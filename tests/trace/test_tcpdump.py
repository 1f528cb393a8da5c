"""A real capture: tcpdump on lo while pynng and Debian's nngcat (REQ) talk to an nngkit REP over tcp and ws,
then ``nngtrace read`` and tshark (with the generated Lua dissector for SP over tcp, with its own WebSocket
dissector for ws) decode the file; both are checked field by field against what the peers sent.

Where the system does not let the test capture on lo (no CAP_NET_RAW), tcpdump's refusal is recognised and
the same exchange is recorded by the proxy's --pcap instead, with tcpdump's reason given as a warning.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import warnings
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import nngkit
from nngtrace import MessageEvent, Options, Tracer
from nngtrace.capture import read_capture
from nngtrace.events import Event
from tests.helpers import peers
from tests.trace.loopcap import CaptureFallback, LoopCapture, NotPermitted

CLIENTS = ("pynng", "nngcat")
pytestmark = pytest.mark.filterwarnings("default::tests.trace.loopcap.CaptureFallback")


def _serve(rep: Any, n: int) -> threading.Thread:
    def run() -> None:
        for _ in range(n):
            rep.send(b"pong:" + rep.recv())

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th


def _clients(url: str, procs: Any, sockets: Any) -> None:
    """pynng then nngcat send one request each; each gets its reply and closes."""
    pynng = peers.require_pynng()
    with pynng.Req0(recv_timeout=5000, send_timeout=5000) as req:
        req.dial(url, block=True)
        req.send(b"ping-pynng")
        assert req.recv() == b"pong:ping-pynng"
    rc, out, err = procs([peers.require_peer("nngcat"), "--req0", "--dial", url, "--data", "ping-nngcat",
                          "--raw"]).finish()
    assert (rc, out) == (0, b"pong:ping-nngcat"), err


@contextlib.contextmanager
def _captured(path: str, server_url: str, port: int) -> Iterator[Tuple[str, List[Any]]]:
    """(the URL clients dial, [how]): tcpdump on lo, or the proxy's recording where capturing is refused."""
    cap = LoopCapture(path, port)
    how: List[Any] = ["tcpdump"]
    try:
        cap.ready()
    except NotPermitted as e:
        cap.stop()
        warnings.warn(CaptureFallback("capture on lo not permitted, recorded by the proxy instead: %s" % e))
        with open(path, "wb") as f, Tracer(server_url.replace(str(port), "0"), server_url, record=f) as t:
            how[0] = "proxy"
            yield t.url, how
            t.wait_for(lambda e: e.layer == "conn" and e.event == "close" and e.conn == 2)
        return
    try:
        yield server_url, how
        how.append(cap.wait_ended(2))  # both connections over, and written
    finally:
        how.append(cap.stop())


def _exchange(tmp_path: Any, scheme: str, procs: Any, sockets: Any) -> Tuple[str, int, List[Any]]:
    rep = sockets(nngkit.Rep0, recv_timeout=10000, send_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0" if scheme == "tcp" else "ws://127.0.0.1:0/sp").url)
    port = int(url.split(":")[2].split("/")[0])
    served = _serve(rep, len(CLIENTS))
    path = str(tmp_path / ("lo-%s.pcap" % scheme))
    with _captured(path, url, port) as (target, how):
        _clients(target, procs, sockets)
    served.join(10)
    assert not served.is_alive()
    if how[0] == "tcpdump":
        assert "packets captured" in how[-1], how[-1]
    return path, port, how


def _read(path: str) -> List[Event]:
    out: List[Event] = []
    read_capture(path, None, Options(body="quoted"), out.append)
    return out


def _per_conn(events: List[Event]) -> Dict[int, List[Event]]:
    conns: Dict[int, List[Event]] = {}
    for e in events:
        if e.conn:
            conns.setdefault(e.conn, []).append(e)
    return conns


def _check_reqrep(conn: List[Event], client: str) -> List[MessageEvent]:
    msgs = [e for e in conn if isinstance(e, MessageEvent)]
    assert [(m.dir, m.proto, m.kind) for m in msgs] == [("up", "req", "request"), ("down", "rep", "reply")]
    req, rep = msgs
    assert req.id is not None and req.id & 0x80000000 and rep.id == req.id and req.hdr.hops == ()
    assert (req.length, req.body) == (4 + len("ping-" + client), {
        "fmt": "quoted", "text": '"ping-%s"' % client, "shown": len("ping-" + client), "len": len("ping-" + client)})
    assert rep.body is not None and rep.body["text"] == '"pong:ping-%s"' % client
    (match,) = [e for e in conn if e.event == "match"]
    assert match.data["id"] == req.id and 0 < match.data["rtt"] < 5
    assert not [e for e in conn if e.layer == "error"], [e.text for e in conn if e.layer == "error"]
    return msgs


def _tshark(*args: str) -> List[List[str]]:
    tshark = peers.require_peer("tshark")
    proc = subprocess.run([tshark, *args], capture_output=True, timeout=120, env=dict(os.environ, LC_ALL="C"))
    assert proc.returncode == 0, proc.stderr
    return [line.split("\t") for line in proc.stdout.decode().splitlines()]


def test_tcpdump_tcp(tmp_path: Any, procs: Any, sockets: Any) -> None:
    path, port, how = _exchange(tmp_path, "tcp", procs, sockets)
    conns = _per_conn(_read(path))
    assert len(conns) == 2, how
    msgs: List[MessageEvent] = []
    for conn, client in zip(conns.values(), CLIENTS):
        hs = sorted((e.dir, e.data["raw"]) for e in conn if e.event == "handshake")
        assert hs == [("down", "0053500000310000"), ("up", "0053500000300000")]
        assert [e.text for e in conn if e.event == "verdict"] == ["REQ0 dialed REP0: compatible"]
        msgs += _check_reqrep(conn, client)
    lua = tmp_path / "sp.lua"
    lua.write_bytes(subprocess.run([sys.executable, "-m", "nngtrace", "dissector"], env=peers.child_env(),
                                   capture_output=True, timeout=60, check=True).stdout)
    rows = _tshark("-X", "lua_script:%s" % lua, "-r", path, "-Y", "sp.len", "-T", "fields", "-E", "occurrence=l",
                   "-e", "tcp.srcport", "-e", "sp.kind", "-e", "sp.id", "-e", "sp.len")
    assert rows == [[str(port) if m.dir == "down" else rows[i][0], m.kind, "0x%08x" % m.id, str(m.length)]
                    for i, m in enumerate(msgs)]
    assert all(r[0] != str(port) for r, m in zip(rows, msgs) if m.dir == "up")


def test_tcpdump_ws(tmp_path: Any, procs: Any, sockets: Any) -> None:
    path, port, how = _exchange(tmp_path, "ws", procs, sockets)
    events = _read(path)
    conns = _per_conn(events)
    assert len(conns) == 2, how
    frames: List[List[str]] = []
    for conn, client in zip(conns.values(), CLIENTS):
        assert [e.data["transport"] for e in conn if e.event == "open"] == ["ws"]
        (req,) = [e for e in conn if e.event == "request"]
        assert (req.data["method"], req.data["target"], req.data["protocol"]) == ("GET", "/sp", "rep.sp.nanomsg.org")
        (resp,) = [e for e in conn if e.event == "response"]
        assert (resp.data["status"], resp.data["protocol"]) == (101, "rep.sp.nanomsg.org")
        assert [e.text for e in conn if e.event == "verdict"] == ["REQ0 dialed REP0 over ws: upgraded"]
        for m in _check_reqrep(conn, client):
            assert m.data["ws"] == {"frames": 1, "masked": m.dir == "up", "enc": 7, "opcode": 2}
            frames.append(["2", "1" if m.dir == "up" else "0", str(m.length)])
        for c in (e for e in conn if e.event == "close" and e.layer == "ws"):
            frames.append(["8", "1" if c.dir == "up" else "0", str(2 + len(c.data["reason"].encode()))])
    rows = _tshark("-r", path, "-d", "tcp.port==%d,http" % port, "-Y", "websocket", "-T", "fields",
                   "-e", "websocket.opcode", "-e", "websocket.mask", "-e", "websocket.payload_length")
    assert sorted(rows) == sorted(frames)
