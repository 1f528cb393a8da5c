"""The command line: ``nngtrace proxy``, ``nngtrace read``, ``nngtrace dissector``."""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import IO, Callable, List, Optional

from . import body, loops
from .conn import Options
from .events import Event
from .faults import FaultSpec, parse_delay, parse_filter
from .output import HumanWriter, JsonWriter
from .stats import Stats
from .tlsinfo import TlsOptions


def _output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="JSON Lines (schema v1, docs/nngtrace.md)")
    p.add_argument("--out", metavar="FILE", help="write events here instead of stdout")
    p.add_argument("--stats", action="store_true", help="a table per connection and protocol at exit")
    p.add_argument("--body", choices=body.FORMATS + ("none",), default="quoted", help="body preview format")
    p.add_argument("--preview", type=int, default=32, metavar="N", help="body bytes previewed (default 32)")
    p.add_argument("--recv-max", type=int, default=0, metavar="N", help="flag frames longer than N bytes")
    p.add_argument("--survey-time", type=float, metavar="MS", help="flag survey responses later than this")
    p.add_argument("--ttl", type=int, default=8, metavar="N", help="ttl-max the receivers use (default 8)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")


def _fault_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fault injection (seeded, counted)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--drop", type=float, default=0.0, metavar="P")
    g.add_argument("--delay", type=parse_delay, metavar="MS[:JITTER]")
    g.add_argument("--dup", type=float, default=0.0, metavar="P")
    g.add_argument("--corrupt-header", type=float, default=0.0, metavar="P")
    g.add_argument("--close-after", type=int, metavar="N", help="close both sides after N messages")
    g.add_argument("--stall-after", type=int, metavar="N", help="stop reading after N messages")
    g.add_argument("--direction", choices=("up", "down", "both"), default="both")
    g.add_argument("--filter", type=parse_filter, default={}, metavar="EXPR",
                   help="proto=NAME,kind=KIND,id=0xHEX: faults only for matching messages")
    g.add_argument("--fault-limit", type=int, metavar="N", help="at most N faults of each kind")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nngtrace", description="See, and bend, SP (nanomsg/NNG) traffic.")
    sub = p.add_subparsers(dest="cmd", required=True)
    px = sub.add_parser("proxy", help="relay clients of --listen to --forward, tracing both ways")
    px.add_argument("--listen", required=True, metavar="URL")
    px.add_argument("--forward", required=True, metavar="URL")
    px.add_argument("--pcap", metavar="FILE", help="also write the relayed traffic as a pcap (TCP segments)")
    px.add_argument("--loop", choices=loops.KINDS, default="auto",
                    help="event loop: uvloop if installed (auto, the default), or asyncio's")
    tls = px.add_argument_group("TLS (tls+tcp://, wss://: terminated on each side)")
    tls.add_argument("--cert", "-E", metavar="FILE", help="PEM certificate the proxy shows its clients")
    tls.add_argument("--key", metavar="FILE", help="PEM key of --cert (when not in the same file)")
    tls.add_argument("--cacert", metavar="FILE", help="PEM CA file to verify the upstream server with")
    tls.add_argument("--insecure", "-k", action="store_true", help="do not verify the upstream server")
    _output_args(px)
    _fault_args(px)
    rd = sub.add_parser("read", help="decode SP in a pcap or pcapng capture")
    rd.add_argument("file")
    rd.add_argument("--port", type=int, action="append", help="SP server port (default: find SP headers)")
    _output_args(rd)
    sub.add_parser("dissector", help="print a Lua Wireshark dissector for SP over TCP")
    return p


def options(a: argparse.Namespace) -> Options:
    return Options(body=None if a.body == "none" else a.body, preview=a.preview, ttl=a.ttl, recv_max=a.recv_max,
                   survey_time=a.survey_time / 1e3 if a.survey_time is not None else None)


def faults(a: argparse.Namespace) -> FaultSpec:
    delay, jitter = a.delay or (0.0, 0.0)
    return FaultSpec(seed=a.seed, drop=a.drop, delay_ms=delay, jitter_ms=jitter, dup=a.dup,
                     corrupt=a.corrupt_header, close_after=a.close_after, stall_after=a.stall_after,
                     direction=a.direction, filter=a.filter, limit=a.fault_limit)


class Output:
    """Where events go from the command line: the writer, and the --stats counts."""

    def __init__(self, write: "HumanWriter | JsonWriter", stats: Stats) -> None:
        self.write, self.stats = write, stats

    def __call__(self, ev: Event) -> None:
        self.write(ev)
        self.stats(ev)

    def many(self, events: List[Event]) -> None:
        self.write.many(events)
        self.stats.many(events)


def sinks(a: argparse.Namespace, out: IO[str]) -> "tuple[Output, Stats]":
    color = {"auto": None, "always": True, "never": False}[a.color]
    write = JsonWriter(out, live=not a.out) if a.json else HumanWriter(out, color)
    stats = Stats()
    return Output(write, stats), stats


async def _proxy(a: argparse.Namespace, sink: Callable[[Event], None]) -> None:
    from .proxy import Proxy

    record = open(a.pcap, "wb") if a.pcap else None
    try:
        proxy = Proxy(a.listen, a.forward, sink, options(a), faults(a), record,
                      TlsOptions(a.cert, a.key, a.cacert, a.insecure))
        await proxy.start()
        await _until_signalled()
        await proxy.close()
    finally:
        if record is not None:
            record.close()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run(argv: List[str], stdout: Optional[IO[str]] = None, stderr: Optional[IO[str]] = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    a = parser().parse_args(argv)
    if a.cmd == "dissector":
        from .dissector import LUA

        stdout.write(LUA)
        return 0
    out = open(a.out, "w", encoding="utf-8") if a.out else stdout
    try:
        sink, stats = sinks(a, out)
        try:
            if a.cmd == "proxy":
                loops.run(lambda: _proxy(a, sink), a.loop)
            else:
                from .capture import read_capture

                read_capture(a.file, a.port, options(a), sink)
        except (ValueError, OSError) as e:  # ssl.SSLError (a bad --cert) is an OSError
            stderr.write("nngtrace: %s\n" % e)
            return 1
        if a.stats:
            stats.print(stderr if a.json or a.out else stdout)
        return 0
    finally:
        if a.out:
            out.close()
