"""``nngtrace read``: decode SP in a pcap or pcapng capture (tcp and cleartext ws).

dpkt reads both container formats and parses Ethernet, Linux cooked (SLL),
loopback and raw-IP link layers, IPv4, IPv6 and TCP.  TCP streams are
reassembled per direction by sequence number, from the SYN's sequence number
when the capture has it (else from the first segment seen): retransmitted
bytes are trimmed, segments that arrive early are held (at most HOLD bytes
per direction), a FIN takes effect when the stream has reached it, and a gap
that never fills ends that direction's decoding with a "cut" event.  A flow
is decoded when its first in-order bytes are an SP header (tcp) or an HTTP
GET (ws: the upgrade, then frames), or when its server port is a
``--port`` (then as ws if it starts with GET, else as tcp).
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import dpkt  # type: ignore[import-untyped,import-not-found,unused-ignore]

from .conn import ConnDecoder, Options
from .events import ConnEvent, ErrorEvent, Event
from .state import Tracker

HOLD = 1 << 20
MAGIC = b"\x00SP\x00"
Endpoint = Tuple[str, int]


@dataclass
class Direction:
    next_seq: Optional[int] = None
    held: Dict[int, bytes] = field(default_factory=dict)
    held_bytes: int = 0
    fin_seq: Optional[int] = None  # where a FIN seen (maybe early) ends the stream
    ended: bool = False


@dataclass
class Flow:
    conn: int
    client: Endpoint
    server: Endpoint
    dec: Optional[ConnDecoder]
    decided: bool
    dirs: Dict[str, Direction] = field(default_factory=lambda: {"up": Direction(), "down": Direction()})


def _open(f: BinaryIO) -> Any:
    magic = f.read(4)
    f.seek(0)
    try:
        return dpkt.pcapng.Reader(f) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(f)
    except (ValueError, dpkt.NeedData, dpkt.UnpackError) as e:
        raise ValueError("%s is not a pcap or pcapng capture (%s)" % (getattr(f, "name", "input"), e)) from None


def _link_packets(reader: Any) -> Iterator[Tuple[float, int, bytes]]:
    link = reader.datalink()
    for ts, buf in reader:
        yield float(ts), link, buf


def _ip_layer(link: int, buf: bytes) -> Optional[dpkt.Packet]:
    if link == dpkt.pcap.DLT_EN10MB:
        return dpkt.ethernet.Ethernet(buf).data
    if link == dpkt.pcap.DLT_LINUX_SLL:
        return dpkt.sll.SLL(buf).data
    if link == getattr(dpkt.pcap, "DLT_LINUX_SLL2", 276):
        return dpkt.sll2.SLL2(buf).data
    if link in (dpkt.pcap.DLT_NULL, dpkt.pcap.DLT_LOOP):
        return dpkt.loopback.Loopback(buf).data
    if link in (dpkt.pcap.DLT_RAW, 12, 14, 101):
        return dpkt.ip6.IP6(buf) if buf[:1] and buf[0] >> 4 == 6 else dpkt.ip.IP(buf)
    return None


def _tcp_segments(reader: Any) -> Iterator[Tuple[float, Endpoint, Endpoint, dpkt.tcp.TCP]]:
    for ts, link, buf in _link_packets(reader):
        try:
            ip = _ip_layer(link, buf)
        except (dpkt.UnpackError, IndexError):
            continue
        if not isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)) or not isinstance(ip.data, dpkt.tcp.TCP):
            continue
        fam = socket.AF_INET6 if isinstance(ip, dpkt.ip6.IP6) else socket.AF_INET
        src, dst = socket.inet_ntop(fam, ip.src), socket.inet_ntop(fam, ip.dst)
        yield ts, (src, ip.data.sport), (dst, ip.data.dport), ip.data


class CaptureReader:
    def __init__(self, opts: Options, ports: Optional[Sequence[int]], sink: Callable[[Event], None]) -> None:
        self.opts, self.ports, self.sink = opts, set(ports or ()), sink
        self.tracker = Tracker(opts.survey_time)
        self.flows: Dict[Tuple[Endpoint, Endpoint], Flow] = {}
        self.t0: Optional[float] = None
        self.last = 0.0
        self.count = 0

    def segment(self, ts: float, src: Endpoint, dst: Endpoint, tcp: dpkt.tcp.TCP) -> None:
        if self.t0 is None:
            self.t0 = ts
        rel = self.last = ts - self.t0
        flow = self.flows.get((src, dst)) or self.flows.get((dst, src))
        if flow is None:
            flow = self._new_flow(rel, src, dst, tcp)
        if flow.decided and flow.dec is None:
            return  # not SP: not followed
        self._take(flow, "up" if src == flow.client else "down", rel, tcp)

    def _new_flow(self, rel: float, src: Endpoint, dst: Endpoint, tcp: dpkt.tcp.TCP) -> Flow:
        syn_ack = tcp.flags & dpkt.tcp.TH_SYN and tcp.flags & dpkt.tcp.TH_ACK
        client, server = (dst, src) if syn_ack or src[1] in self.ports else (src, dst)
        flow = Flow(0, client, server, None, False)
        self.flows[(client, server)] = flow
        if self.ports and server[1] not in self.ports:
            flow.decided = True  # not followed
        return flow

    def _decide(self, flow: Flow, rel: float, d: str, first: bytes) -> None:
        """Decode this flow or ignore it, once, by its first in-order bytes (and --port): tcp or ws."""
        flow.decided = True
        kind = "tcp" if first[:4] == MAGIC else "ws" if first[:4] == b"GET " and d == "up" else None
        if kind is None and not self.ports:
            return
        self.count += 1
        flow.conn = self.count
        flow.dec = ConnDecoder(self.count, replace(self.opts, transport=kind or "tcp"), self.tracker)
        client, server = flow.client, flow.server
        self.sink(ConnEvent(rel, flow.conn, None, "conn", "open", "%s %s:%d -> %s:%d" % (
            kind or "tcp", *client, *server), None, {"client": "%s:%d" % client, "server": "%s:%d" % server,
                                                      "transport": kind or "tcp"}))

    def _take(self, flow: Flow, d: str, rel: float, tcp: dpkt.tcp.TCP) -> None:
        st = flow.dirs[d]
        seq = (tcp.seq + (1 if tcp.flags & dpkt.tcp.TH_SYN else 0)) & 0xFFFFFFFF
        if st.next_seq is None:
            st.next_seq = seq  # after the SYN, or (no SYN captured) the first segment seen
        data = bytes(tcp.data)
        if tcp.flags & dpkt.tcp.TH_FIN and st.fin_seq is None:
            st.fin_seq = (seq + len(data)) & 0xFFFFFFFF
        if st.ended:
            return
        for piece in self._place(st, seq, data):
            if not flow.decided:
                self._decide(flow, rel, d, piece)
            if flow.dec is None:
                return
            self._feed(flow, d, rel, piece)
        how = "reset" if tcp.flags & dpkt.tcp.TH_RST else "fin" if st.fin_seq == st.next_seq else None
        if how is not None:
            if flow.dec is None:
                st.ended = True  # undecided: nothing to report
            else:
                self._end(flow, d, rel, how)

    def _place(self, st: Direction, seq: int, data: bytes) -> List[bytes]:
        """The bytes this segment makes contiguous, in stream order (a gap's segments are held)."""
        assert st.next_seq is not None
        off = (seq - st.next_seq) & 0xFFFFFFFF
        if off >= 0x80000000:  # starts before what we have: a retransmission, maybe with new bytes
            skip = 0x100000000 - off
            data, seq = data[skip:], st.next_seq
            off = 0
        if not data:
            return []
        if off > 0:  # early: held until the gap before it fills
            if st.held_bytes + len(data) <= HOLD and seq not in st.held:
                st.held[seq] = data
                st.held_bytes += len(data)
            return []
        out = [data]
        st.next_seq = (st.next_seq + len(data)) & 0xFFFFFFFF
        while st.next_seq in st.held:
            more = st.held.pop(st.next_seq)
            st.held_bytes -= len(more)
            out.append(more)
            st.next_seq = (st.next_seq + len(more)) & 0xFFFFFFFF
        return out

    def _feed(self, flow: Flow, d: str, rel: float, data: bytes) -> None:
        assert flow.dec is not None
        for ev in flow.dec.feed(d, data, rel):
            self.sink(ev)

    def _end(self, flow: Flow, d: str, rel: float, how: str) -> None:
        st = flow.dirs[d]
        st.ended = True
        if st.held:
            self.sink(ErrorEvent(rel, flow.conn, d, "error", "cut", "capture has a gap: %d bytes after it were never"
                                 " joined" % st.held_bytes, None, {"offset": flow.dec.decoders[d].offset if flow.dec
                                                                   else 0}))
        assert flow.dec is not None
        for ev in flow.dec.end(d, rel):
            self.sink(ev)
        if all(x.ended for x in flow.dirs.values()):
            self.sink(ConnEvent(rel, flow.conn, None, "conn", "close", "closed (%s)" % how, None, {"how": how}))

    def finish(self) -> None:
        """End of the capture: every direction still open is judged as cut here."""
        for flow in self.flows.values():
            for d, st in flow.dirs.items():
                if flow.dec is not None and not st.ended:
                    self._end(flow, d, self.last, "end of capture")


def read_capture(path: str, ports: Optional[List[int]], opts: Options, sink: Callable[[Event], None]) -> None:
    """Decode every SP connection in the capture; ValueError if the file is not a capture at all."""
    reader = CaptureReader(opts, ports, sink)
    with open(path, "rb") as f:
        packets = _open(f)
        try:
            for ts, src, dst, tcp in _tcp_segments(packets):
                reader.segment(ts, src, dst, tcp)
        except (dpkt.NeedData, dpkt.UnpackError, ValueError) as e:
            sink(ErrorEvent(reader.last, 0, None, "error", "capture", "capture file ends badly: %s"
                            % (e or "truncated"), None))
    reader.finish()
