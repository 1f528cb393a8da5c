"""Captures: a real exchange recorded by the proxy (--pcap), read back by ``nngtrace read`` and by tshark
with the generated Lua dissector; reordered, duplicated, cut and garbage captures.
"""
from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from typing import Any, Dict, List, Tuple

import dpkt
import pytest

import nngkit
from nngtrace import MessageEvent, Options, Tracer
from nngtrace.capture import read_capture
from nngtrace.dissector import LUA
from nngtrace.events import Event
from tests.helpers import peers

BODIES = [b"small", b"y" * 200_000, b""]


def _record(path: str, sockets: Any) -> List[MessageEvent]:
    """pynng REQ -> proxy -> nngkit REP, recorded; returns the live trace's messages."""
    pynng = peers.require_pynng()
    rep = sockets(nngkit.Rep0, recv_timeout=5000)
    url = str(rep.listen("tcp://127.0.0.1:0").url)
    with open(path, "wb") as f, Tracer("tcp://127.0.0.1:0", url, record=f) as t:
        req = sockets(pynng.Req0, recv_timeout=5000)
        req.dial(t.url, block=True)
        for body in BODIES:
            req.send(body)
            rep.send(b"re:" + rep.recv()[:10])
            assert req.recv() == b"re:" + body[:10]
        req.close()
        t.wait_for(lambda e: e.event == "close")
    return [e for e in t.events if isinstance(e, MessageEvent)]


def _read(path: str, ports: Any = None) -> List[Event]:
    out: List[Event] = []
    read_capture(path, ports, Options(), out.append)
    return out


def _summary(events: List[Any]) -> List[Tuple[Any, ...]]:
    return [(e.dir, e.proto, e.kind, e.id, e.length, e.body["text"] if e.body else None)
            for e in events if isinstance(e, MessageEvent)]


def test_recorded_capture_reads_back_as_the_live_trace(tmp_path: Any, sockets: Any) -> None:
    path = str(tmp_path / "live.pcap")
    live = _record(path, sockets)
    read = _read(path)
    assert _summary(read) == _summary(live) and len(live) == 6
    assert [e.event for e in read if e.layer == "state"] == ["match"] * 3
    assert not [e for e in read if e.layer == "error"]
    assert _summary(_read(path, [1])) == []  # --port that matches nothing


def _packets(path: str) -> List[Tuple[float, bytes]]:
    with open(path, "rb") as f:
        return [(ts, buf) for ts, buf in dpkt.pcap.Reader(f)]


def _write(path: str, packets: List[Tuple[float, bytes]]) -> None:
    with open(path, "wb") as f:
        w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_EN10MB)
        for ts, buf in packets:
            w.writepkt(buf, ts=ts)


def _by_dir(events: List[Any]) -> Dict[str, List[Tuple[Any, ...]]]:
    """Each direction's messages in order.  Reassembly orders bytes within a direction only: a capture that
    swaps segments of opposite directions rightly changes which side's message is decoded first."""
    summary = _summary(events)
    return {d: [m for m in summary if m[0] == d] for d in ("up", "down")}


def _tcp(buf: bytes) -> Any:
    return dpkt.ethernet.Ethernet(buf).data.data


def _mangle(pkts: List[Tuple[float, bytes]], rng: random.Random) -> List[Tuple[float, bytes]]:
    """After the three-way handshake: about 30 % of segments retransmitted, then 10 neighbours swapped."""
    mangled = pkts[:3]
    for pkt in pkts[3:]:
        mangled.append(pkt)
        if rng.random() < 0.3:
            mangled.append(pkt)
    for _ in range(10):
        j = rng.randrange(3, len(mangled) - 1)
        mangled[j], mangled[j + 1] = mangled[j + 1], mangled[j]
    return mangled


def _early_segments(pkts: List[Tuple[float, bytes]]) -> int:
    """Data segments that arrive before one of their own direction that precedes them in the stream."""
    top: Dict[int, int] = {}
    early = 0
    for _, buf in pkts:
        t = _tcp(buf)
        if t.data:
            early += t.seq < top.get(t.sport, -1)
            top[t.sport] = max(top.get(t.sport, -1), t.seq)
    return early


def _assert_reassembled(path: str, live: List[MessageEvent]) -> None:
    events = _read(path)
    assert _by_dir(events) == _by_dir(live)
    assert not [e for e in events if e.layer == "error"], [e.text for e in events if e.layer == "error"]
    assert events[-1].event == "close" and events[-1].data["how"] == "fin"


def test_reordered_and_retransmitted_segments_reassemble(tmp_path: Any, sockets: Any) -> None:
    path = str(tmp_path / "live.pcap")
    live = _record(path, sockets)
    pkts = _packets(path)
    early = 0
    for seed in range(20):
        mangled = _mangle(pkts, random.Random(seed))
        early += _early_segments(mangled)
        out = str(tmp_path / ("mangled%d.pcap" % seed))
        _write(out, mangled)
        _assert_reassembled(out, live)
    assert early > 0  # the mangling did make segments arrive early within a direction


def test_header_segment_after_the_next_one_and_fin_before_the_last_data(tmp_path: Any, sockets: Any) -> None:
    """Each direction's first data segment (its SP header) arrives after its second one, and each FIN before
    the direction's last data segment: the stream starts at the SYN and ends where the FIN is in it."""
    path = str(tmp_path / "live.pcap")
    live = _record(path, sockets)
    pkts = _packets(path)
    for port in {_tcp(buf).sport for _, buf in pkts}:
        data = [i for i, (_, buf) in enumerate(pkts) if _tcp(buf).sport == port and _tcp(buf).data]
        assert bytes(_tcp(pkts[data[0]][1]).data[:4]) == b"\x00SP\x00" and len(data) >= 2
        pkts.insert(data[0], pkts.pop(data[1]))
        fin = next(i for i, (_, buf) in enumerate(pkts) if _tcp(buf).sport == port and _tcp(buf).flags & 1)
        pkts.insert(data[-1], pkts.pop(fin))
    out = str(tmp_path / "late-header.pcap")
    _write(out, pkts)
    _assert_reassembled(out, live)


def test_capture_cut_in_the_middle_of_a_frame(tmp_path: Any, sockets: Any) -> None:
    path = str(tmp_path / "live.pcap")
    _record(path, sockets)
    pkts = _packets(path)
    first = next(i for i, (_, buf) in enumerate(pkts) if b"y" * 100 in buf)  # the 200 kB request starts here
    eth = dpkt.ethernet.Ethernet(pkts[first][1])
    eth.data.data.data = eth.data.data.data[:1000]
    eth.data.len, eth.data.sum, eth.data.data.sum = 0, 0, 0
    eth.data.len = len(eth.data)
    cut_path = str(tmp_path / "cut.pcap")
    _write(cut_path, pkts[:first] + [(pkts[first][0], bytes(eth))])
    events = _read(cut_path)
    cuts = [e for e in events if e.event == "cut"]
    assert len(cuts) == 1 and cuts[0].dir == "up", cuts
    assert cuts[0].text == "stream ended inside a frame: %d of 200004 bytes" % (1000 - 8), cuts[0].text
    with open(path, "rb") as f:
        raw = f.read()
    half = str(tmp_path / "half.pcap")
    with open(half, "wb") as f:
        f.write(raw[:len(raw) // 2])  # the file itself ends inside a packet
    events = _read(half)  # no crash; what was whole is decoded, the end is reported
    assert [e.event for e in events if e.layer == "error"][-1] in ("capture", "cut")


def test_read_command_and_garbage_files(tmp_path: Any, sockets: Any) -> None:
    path = str(tmp_path / "live.pcap")
    _record(path, sockets)
    proc = subprocess.run([sys.executable, "-m", "nngtrace", "read", path, "--json"], env=peers.child_env(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    objs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["hdr"]["kind"] for o in objs if o["event"] == "message"] == ["request", "reply"] * 3
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(os.urandom(5000))
    proc = subprocess.run([sys.executable, "-m", "nngtrace", "read", str(junk)], env=peers.child_env(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith(b"nngtrace: "), proc.stderr


def test_tshark_decodes_the_capture_with_the_generated_dissector(tmp_path: Any, sockets: Any) -> None:
    tshark = peers.require_peer("tshark")
    path = str(tmp_path / "live.pcap")
    live = _record(path, sockets)
    lua = tmp_path / "sp.lua"
    out = subprocess.run([sys.executable, "-m", "nngtrace", "dissector"], env=peers.child_env(),
                         capture_output=True, timeout=60)
    assert out.returncode == 0 and out.stdout.decode() == LUA
    lua.write_bytes(out.stdout)
    proc = subprocess.run([tshark, "-X", "lua_script:%s" % lua, "-r", path, "-Y", "sp.len", "-T", "fields",
                           "-E", "occurrence=l", "-e", "sp.kind", "-e", "sp.id", "-e", "sp.len"],
                          capture_output=True, timeout=120, env=dict(os.environ, LC_ALL="C"))
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.decode().splitlines()]
    expect = [[m.kind, "0x%08x" % m.id, str(m.length)] for m in live]
    assert rows == expect
    hs = subprocess.run([tshark, "-X", "lua_script:%s" % lua, "-r", path, "-Y", "sp.proto", "-T", "fields",
                         "-e", "sp.proto"], capture_output=True, timeout=120)
    assert sorted(hs.stdout.decode().split()) == ["0x0030", "0x0031"]


def test_huge_claim_in_a_capture_is_reported_not_allocated() -> None:
    # a 2^40-byte claim in a capture: reported at once, nothing allocated for it
    stream = io.BytesIO()
    from nngtrace.pcapwrite import PcapRecorder

    rec = PcapRecorder(stream)
    rec.open(1, 1.0, ("127.0.0.1", 4000), ("127.0.0.1", 5555))
    rec.data(1, "up", 1.0, bytes.fromhex("0053500000300000") + (1 << 40).to_bytes(8, "big") + b"abc")
    rec.data(1, "down", 1.0, bytes.fromhex("0053500000310000"))
    raw = stream.getvalue()
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pcap") as f:
        f.write(raw)
        f.flush()
        events = _read(f.name)
    claim = [e for e in events if e.event == "claim"]
    cut = [e for e in events if e.event == "cut"]
    assert len(claim) == 1 and claim[0].data["len"] == 1 << 40
    assert len(cut) == 1 and "3 of 1099511627776 bytes" in cut[0].text


@pytest.mark.parametrize("link", ["sll", "raw"])
def test_other_link_layers(tmp_path: Any, sockets: Any, link: str) -> None:
    path = str(tmp_path / "live.pcap")
    live = _record(path, sockets)
    pkts = [(ts, bytes(dpkt.ethernet.Ethernet(buf).data)) for ts, buf in _packets(path)]
    out = str(tmp_path / "other.pcap")
    with open(out, "wb") as f:
        if link == "raw":
            w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_RAW)
            for ts, ip in pkts:
                w.writepkt(ip, ts=ts)
        else:
            w = dpkt.pcap.Writer(f, linktype=dpkt.pcap.DLT_LINUX_SLL)
            for ts, ip in pkts:
                w.writepkt(bytes(dpkt.sll.SLL(type=0, ethtype=dpkt.ethernet.ETH_TYPE_IP, data=ip)), ts=ts)
    assert _summary(_read(out)) == _summary(live)
