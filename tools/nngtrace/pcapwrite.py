"""Write relayed traffic as a classic pcap (Ethernet/IPv4/TCP), for ``nngtrace read``, Wireshark or tshark.

The proxy sees byte streams, not packets, so each chunk it relays becomes
one TCP segment with consistent sequence numbers, between the client's
address and the forward address (ipc connections get 127.0.0.1 and made-up
ports).  Each connection opens with a three-way handshake and ends with FINs,
so stream reassembly in any reader works as on a real capture.
"""
from __future__ import annotations

import itertools
from typing import BinaryIO, Dict, Tuple

import dpkt  # type: ignore[import-untyped,import-not-found,unused-ignore]

MSS = 65000  # a segment must fit an IPv4 packet
Flow = Tuple[bytes, int, bytes, int]  # src ip, src port, dst ip, dst port (client to server)


def _ip4(host: str) -> bytes:
    try:
        return bytes(int(x) for x in host.split("."))
    except ValueError:
        return bytes([127, 0, 0, 1])


class PcapRecorder:
    def __init__(self, stream: BinaryIO) -> None:
        self.w = dpkt.pcap.Writer(stream, linktype=dpkt.pcap.DLT_EN10MB)
        self.flows: Dict[int, Flow] = {}
        self.seq: Dict[Tuple[int, str], int] = {}
        self._ports = itertools.count(40000)

    def open(self, conn: int, ts: float, client: Tuple[str, int], server: Tuple[str, int]) -> None:
        c = (_ip4(client[0]), client[1] or next(self._ports))
        s = (_ip4(server[0]), server[1] or 5555)
        self.flows[conn] = (c[0], c[1], s[0], s[1])
        self.seq[(conn, "up")], self.seq[(conn, "down")] = 1000, 5000
        self._segment(conn, "up", ts, b"", dpkt.tcp.TH_SYN)
        self._segment(conn, "down", ts, b"", dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK)
        self._segment(conn, "up", ts, b"", dpkt.tcp.TH_ACK)

    def data(self, conn: int, d: str, ts: float, chunk: bytes) -> None:
        for i in range(0, len(chunk), MSS):
            self._segment(conn, d, ts, chunk[i:i + MSS], dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH)

    def close(self, conn: int, d: str, ts: float) -> None:
        if conn in self.flows:
            self._segment(conn, d, ts, b"", dpkt.tcp.TH_FIN | dpkt.tcp.TH_ACK)

    def _segment(self, conn: int, d: str, ts: float, payload: bytes, flags: int) -> None:
        cip, cport, sip, sport = self.flows[conn]
        src, sp_, dst, dp = (cip, cport, sip, sport) if d == "up" else (sip, sport, cip, cport)
        other = "down" if d == "up" else "up"
        seq = self.seq[(conn, d)]
        tcp = dpkt.tcp.TCP(sport=sp_, dport=dp, seq=seq, ack=self.seq[(conn, other)], flags=flags, win=65535,
                           data=payload)
        self.seq[(conn, d)] = (seq + len(payload) + (1 if flags & (dpkt.tcp.TH_SYN | dpkt.tcp.TH_FIN) else 0)) \
            & 0xFFFFFFFF
        ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_TCP, ttl=64, data=tcp)
        ip.len = len(ip)  # let dpkt fill the checksums
        eth = dpkt.ethernet.Ethernet(src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02",
                                     type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
        self.w.writepkt(bytes(eth), ts=ts)
