"""The ``nngtrace`` command: proxy with --json and --stats (a real process), human output, dissector, errors."""
from __future__ import annotations

import importlib.util
import json
import signal
import sys
from typing import Any

import nngkit
from tests.helpers import peers


def _next_json(p: Any, event: str) -> dict:
    for _ in range(100):
        obj = json.loads(p.readline())
        assert obj["v"] == 1
        if obj["event"] == event:
            return obj
    raise AssertionError("no %s event" % event)


def test_proxy_json_and_stats(procs: Any, sockets: Any) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    p = procs([sys.executable, "-m", "nngtrace", "proxy", "--listen", "tcp://127.0.0.1:0", "--forward", url,
               "--json", "--stats", "--body", "ascii"], env=peers.child_env())
    listening = _next_json(p, "listening")
    assert listening["forward"] == url and listening["conn"] == 0
    assert listening["loop"] == ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")  # --loop auto
    req = sockets(nngkit.Req0, recv_timeout=5000)
    req.dial(listening["url"], block=True)
    for i in range(3):
        req.send(b"q%d" % i)
        rep.send(rep.recv() + b"!")
        assert req.recv() == b"q%d!" % i
    msg = _next_json(p, "message")
    assert msg["hdr"]["kind"] == "request" and msg["body"] == {"fmt": "ascii", "text": "q0", "shown": 2, "len": 2}
    assert msg["len"] == 6 and msg["dir"] == "up" and msg["proto"] == "req"
    for _ in range(3):
        match = _next_json(p, "match")
    assert match["rtt"] > 0
    p.p.send_signal(signal.SIGTERM)
    rc, out, err = p.finish()
    assert rc == 0, err
    table = err.decode()
    assert "nngtrace --stats" in table and "c1/req" in table and "c1/rep" in table
    row = [line for line in table.splitlines() if "c1/rep" in line][0]
    cells = [c.strip() for c in row.strip("│┃| ").replace("┃", "│").split("│")]
    assert cells[:4] == ["c1/rep", "3", "21", "3"], cells  # 3 replies of 4 + 3 bytes, 3 round trips


def test_human_output_one_line_per_event(procs: Any, sockets: Any) -> None:
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    p = procs([sys.executable, "-m", "nngtrace", "proxy", "--listen", "tcp://127.0.0.1:0", "--forward", url,
               "--color", "never", "--loop", "asyncio"], env=peers.child_env())
    first = p.readline().decode()
    assert " c0   -- conn  listening at tcp://127.0.0.1:" in first
    proxy_url = first.split("listening at ")[1].split(",")[0]
    req = sockets(nngkit.Req0, recv_timeout=5000)
    req.dial(proxy_url, block=True)
    req.send(b"hi")
    assert rep.recv() == b"hi"
    rep.send(b"ho")
    assert req.recv() == b"ho"
    lines = [p.readline().decode() for _ in range(7)]
    assert "c1   -- sp    REQ0 dialed REP0: compatible" in "".join(lines)
    assert any('-> msg   REQ0 len=6 request id=0x' in ln and ln.endswith('"hi"') for ln in lines), lines
    assert any('<- state reply to 0x' in ln for ln in lines), lines


def test_bad_urls_are_errors(procs: Any) -> None:
    for argv, text in ((["--listen", "wss://127.0.0.1:0/sp", "--forward", "wss://127.0.0.1:1/sp"],
                        b"needs --cert"),
                       (["--listen", "tcp://127.0.0.1:0", "--forward", "ipc:///tmp/x", "--drop", "1"],
                        b"bridging tcp (clients) to ipc (upstream): whole SP messages are re-framed, not relayed byte"
                        b" for byte: fault injection needs the same transport on both sides"),
                       (["--listen", "ws://127.0.0.1:0/a#b", "--forward", "ws://127.0.0.1:1/"], b"no fragment")):
        rc, out, err = procs([sys.executable, "-m", "nngtrace", "proxy", *argv], env=peers.child_env()).finish()
        assert rc == 1 and text in err, err
