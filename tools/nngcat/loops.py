"""nngcat's four modes, one function each (durations in milliseconds).

- `recv_loop`: print what arrives (SUB, PULL; REP/RESPONDENT/PAIR/BUS without data).
- `reply_loop`: print each request and answer it with the data (REP, RESPONDENT).
- `send_loop`: send the data, once or repeatedly (PUSH, PUB).
- `send_recv_loop`: send, then print the answers (REQ, SURVEYOR; PAIR/BUS with data).

A receive that times out or finds no request outstanding (``BadState``)
ends receiving normally; other errors are fatal with NNG's texts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import nngkit

from .args import INFINITE, Config, Fatal
from .stats import Stats

END_OF_RECEIVING = (nngkit.Timeout, nngkit.BadState)
DRAIN_MS = 200  # NNG sleeps this long after sending so that queues can drain


@dataclass
class Session:
    """What every loop needs: the socket, the settings, the printer, the counters."""

    sock: nngkit.Socket
    cfg: Config
    show: Callable[[bytes], None]
    stats: Stats
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def pause_ms(self, ms: int) -> None:
        if ms > 0:
            self.sleep(ms / 1000.0)

    def elapsed_ms(self, since: float) -> int:
        return int((self.clock() - since) * 1000)

    def send_data(self) -> float:
        """Send the data once; returns the send time (for round trips)."""
        data = self.cfg.data or b""
        at = self.clock()
        try:
            self.sock.send(data)
        except nngkit.NNGException as e:
            raise Fatal("Send error: %s" % e) from None
        self.stats.sent(len(data))
        return at

    def got(self, body: bytes, sent_at: Optional[float] = None) -> None:
        self.stats.received(len(body), sent_at)
        self.show(body)


def recv_loop(s: Session, sent_at: Optional[float] = None) -> None:
    """Receive and print until --count receives, a timeout, or the end of a survey."""
    count = s.cfg.count
    attempts = 0
    while count <= 0 or attempts < count:
        attempts += 1
        try:
            body = s.sock.recv()
        except END_OF_RECEIVING:
            return
        except nngkit.NNGException as e:
            raise Fatal("Receive error: %s" % e) from None
        s.got(body, sent_at)


def reply_loop(s: Session) -> None:
    """Receive a request, print it, reply with the data; --count exchanges (0: forever)."""
    data = s.cfg.data or b""
    count = s.cfg.count
    done = 0
    while True:
        try:
            body = s.sock.recv()
        except nngkit.NNGException as e:
            raise Fatal("Receive error: %s" % e) from None
        s.got(body)
        try:
            s.sock.send(data)
        except nngkit.NNGException as e:
            raise Fatal("Send error: %s" % e) from None
        s.stats.sent(len(data))
        done += 1
        if count > 0 and done >= count:
            break
    s.pause_ms(DRAIN_MS)


def send_loop(s: Session) -> None:
    """After --delay, send once, or --count times, or every --interval."""
    cfg = s.cfg
    s.pause_ms(cfg.delay)
    sent = 0
    while True:
        start = s.clock()
        s.send_data()
        took = s.elapsed_ms(start)
        sent += 1
        if (cfg.interval < 0 and cfg.count == 0) or (cfg.count > 0 and sent >= cfg.count):
            break
        if 0 <= took < cfg.interval:
            s.pause_ms(cfg.interval - took)
    s.pause_ms(DRAIN_MS)


def receive_window(cfg: Config, elapsed: int) -> int:
    """The receive timeout for one send-then-receive exchange, ``elapsed`` ms in.

    With --interval: what is left of the interval (never below 0: an interval
    that is already over just collects what has arrived), capped by
    --recv-timeout.  Without it: --recv-timeout, or no limit.  (NNG computes
    ``-1 - elapsed`` there, which fails with "Cannot set recv timeout".)
    A --recv-timeout of 0 means "not set", as everywhere else in nngcat.
    """
    cap = cfg.recv_timeout if cfg.recv_timeout > 0 else INFINITE
    if cfg.interval < 0:
        return cap
    left = max(0, cfg.interval - elapsed)
    return min(left, cap) if cap >= 0 else left


def _collect(s: Session, start: float, sent_at: Optional[float]) -> None:
    """Print answers until the exchange's receive window closes."""
    while True:
        try:
            s.sock.recv_timeout = receive_window(s.cfg, s.elapsed_ms(start))
        except nngkit.NNGException as e:
            raise Fatal("Cannot set recv timeout: %s" % e) from None
        try:
            body = s.sock.recv()
        except END_OF_RECEIVING:
            return
        except nngkit.NNGException as e:
            raise Fatal("Cannot receive: %s" % e) from None
        s.got(body, sent_at)


def send_recv_loop(s: Session) -> None:
    """Send the data, print what comes back; repeat per --count / --interval."""
    cfg = s.cfg
    s.stats.measures_rtt = cfg.proto in ("req0", "surveyor0")
    rtt = s.stats.measures_rtt
    s.pause_ms(cfg.delay)
    done = 0
    while True:
        start = s.clock()
        sent_at = s.send_data()
        if cfg.interval < 0 and cfg.count == 0:
            recv_loop(s, sent_at if rtt else None)
            return
        _collect(s, start, sent_at if rtt else None)
        done += 1
        if cfg.count > 0 and done >= cfg.count:
            return
        took = s.elapsed_ms(start)
        if 0 <= took < cfg.interval:
            s.pause_ms(cfg.interval - took)


def run_mode(s: Session) -> None:
    """Pick the loop for the protocol, as NNG nngcat does."""
    proto, has_data = s.cfg.proto, s.cfg.data is not None
    if proto in ("sub0", "pull0"):
        recv_loop(s)
    elif proto in ("rep0", "respondent0"):
        reply_loop(s) if has_data else recv_loop(s)
    elif proto in ("push0", "pub0"):
        send_loop(s)
    elif proto in ("bus0", "pair0", "pair1"):
        send_recv_loop(s) if has_data else recv_loop(s)
    else:  # req0, surveyor0
        send_recv_loop(s)
