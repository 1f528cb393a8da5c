"""The relay under back-pressure and half-close, with raw sockets at both ends.

A receiver that stops reading must stop the proxy reading from the sender
(its buffering is bounded), and once reading resumes every byte arrives, in
order; an end of stream is passed on as a half-close in each direction.
"""
from __future__ import annotations

import hashlib
import select
import socket
import threading
from typing import List, Tuple

import pytest

from nngtrace import MessageEvent, Tracer
from tests.helpers import addrs
from tests.helpers.raw import RawConn

PUSH_HS = bytes.fromhex("0053500000500000")
PULL_HS = bytes.fromhex("0053500000510000")
BLOCK = 1 << 16
CAP = 96 << 20  # more than every buffer on the way can hold, were the proxy to keep reading


def _frame(i: int, ipc: bool = False) -> bytes:
    payload = i.to_bytes(4, "big") + bytes([i % 251]) * (BLOCK - 4)
    return (b"\x01" if ipc else b"") + len(payload).to_bytes(8, "big") + payload


def _listener(scheme: str) -> Tuple[socket.socket, str]:
    if scheme == "ipc":
        url = addrs.make_addr("ipc")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(addrs.ipc_path(url))
    else:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        url = "tcp://127.0.0.1:%d" % s.getsockname()[1]
    s.listen(1)
    s.settimeout(10)
    return s, url


def _connect(url: str) -> socket.socket:
    s = RawConn.connect(url).sock  # tcp or ipc, as the tracer listens
    s.settimeout(10)
    return s


def _read_all(s: socket.socket) -> bytes:
    chunks: List[bytes] = []
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _send_until_stalled(s: socket.socket, sent: "hashlib._Hash", ipc: bool) -> Tuple[int, int, bytes]:
    """Send frames without blocking until the socket stays unwritable for 0.5 s.

    Returns (frames begun, bytes sent, the rest of the last frame begun).
    """
    s.setblocking(False)
    i = total = 0
    pending = _frame(0, ipc)
    while total < CAP:
        try:
            n = s.send(pending)
        except BlockingIOError:
            if not select.select([], [s], [], 0.5)[1]:
                break  # nothing drains: the proxy has stopped reading us
            continue
        sent.update(pending[:n])
        total += n
        pending = pending[n:]
        if not pending:
            i += 1
            pending = _frame(i, ipc)
    s.setblocking(True)
    return i + 1, total, pending


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scheme", addrs.STREAM_SCHEMES)
def test_backpressure_then_everything_in_order_and_half_closes(scheme: str, tracer_loop: str) -> None:
    server, url = _listener(scheme)
    ipc = scheme == "ipc"
    got: List[bytes] = []
    with server, Tracer(addrs.make_addr(scheme), url, loop=tracer_loop) as t:
        client = _connect(t.url)
        with client:
            conn, _ = server.accept()
            with conn:
                conn.sendall(PULL_HS)
                sent = hashlib.sha256(PUSH_HS)
                client.sendall(PUSH_HS)
                frames, size, rest = _send_until_stalled(client, sent, ipc)
                assert size < CAP, "the proxy kept reading while nobody read what it relayed"
                reader = threading.Thread(target=lambda: got.append(_read_all(conn)))
                reader.start()  # reading resumes: everything sent so far, then more, then a half-close
                client.sendall(rest)
                sent.update(rest)
                for i in range(frames, frames + 32):
                    client.sendall(_frame(i, ipc))
                    sent.update(_frame(i, ipc))
                client.shutdown(socket.SHUT_WR)
                reader.join(60)
                assert not reader.is_alive() and hashlib.sha256(got[0]).digest() == sent.digest()
                conn.sendall(_frame(7, ipc))  # the other direction still works after the half-close
                conn.shutdown(socket.SHUT_WR)
                assert _read_all(client) == PULL_HS + _frame(7, ipc)
        close = t.wait_for(lambda e: e.event == "close", timeout=30)
    ups = [e for e in t.events if isinstance(e, MessageEvent) and e.dir == "up"]
    step = len(_frame(0, ipc))
    assert [(e.length, e.data["offset"]) for e in ups] == [(BLOCK, 8 + i * step) for i in range(frames + 32)]
    assert close.data == {"bytes_up": len(got[0]), "bytes_down": 8 + step}
    assert not [e for e in t.events if e.layer == "error"]


def test_nothing_is_lost_from_a_client_that_sends_and_closes_at_once(tracer_loop: str) -> None:
    """Bytes and an end of stream that arrive before the upstream connection exists are relayed after it."""
    server, url = _listener("tcp")
    with server, Tracer("tcp://127.0.0.1:0", url, loop=tracer_loop) as t:
        with _connect(t.url) as client:
            client.sendall(PUSH_HS + _frame(1))
            client.shutdown(socket.SHUT_WR)
            conn, _ = server.accept()
            with conn:
                assert _read_all(conn) == PUSH_HS + _frame(1)
                conn.sendall(PULL_HS)
                conn.shutdown(socket.SHUT_WR)
                assert _read_all(client) == PULL_HS
        t.wait_for(lambda e: e.event == "close")
    assert [e.event for e in t.events if e.layer in ("msg", "sp")] == ["handshake", "message", "handshake", "verdict"]
