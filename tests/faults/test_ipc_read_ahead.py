"""Adversarial tests for an ipc pipe's read-ahead parsed on the receiver's
thread (csrc/core/stream.c, sp_resume): a burst written in one go is read
64 KiB at a time, the pipe pauses with most of it kept ("pend"), and each
receive that frees half the queue parses the next frames itself.  Whatever
the burst holds (a hang-up right after it, a bad frame inside it, a socket
closed halfway) must come out as it did from the reactor: whole, in order,
and only the offending pipe closed.  Frames of about 1 KiB take one more
path: an async receive that parses the last of pend reads the socket on
its own thread when the last read filled the buffer (op.c,
nki_dispatch_eager), so those bursts run in both modes too."""
from __future__ import annotations

import asyncio
import struct
import threading
from typing import Any, List

import pytest

from tests.helpers.addrs import make_addr
from tests.helpers.impl import nk
from tests.helpers.raw import RawConn, frame
from tests.helpers.sync import listen

pytestmark = pytest.mark.nngkit_only  # nngkit's own read path

PUSH = 0x50
BURST = 3000  # ~230 KiB of frames: several 64 KiB reads, each mostly kept


def body(i: int, kib: bool = False) -> bytes:
    """Message i: its number, then up to 120 bytes (with `kib`, 900 to
    1020) that depend on it."""
    return struct.pack(">I", i) + bytes([i % 251]) * (900 + i % 121 if kib else i % 121)


def burst(first: int, count: int, kib: bool = False) -> bytes:
    return b"".join(frame(body(i, kib), ipc=True) for i in range(first, first + count))


def writer(url: str, data: bytes, hang_up: bool) -> RawConn:
    """A raw PUSH that writes `data` in one sendall from a thread, then with
    `hang_up` closes at once (the receiver has read little of it by then)."""
    conn = RawConn.connect(url)
    conn.handshake(PUSH)

    def write() -> None:
        try:
            conn.send(data)
        except OSError:
            return  # the pipe was closed on purpose (a bad frame, a close)
        if hang_up:
            conn.close()

    threading.Thread(target=write, daemon=True).start()
    return conn


def recv_all(pull: Any, count: int, mode: str) -> List[bytes]:
    if mode == "sync":
        return [pull.recv() for _ in range(count)]

    async def main() -> List[bytes]:
        return [await pull.arecv() for _ in range(count)]

    return asyncio.run(main())


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("hang_up", [False, True], ids=["open", "hang-up"])
@pytest.mark.parametrize("kib", [False, True], ids=["small", "kib"])
def test_a_burst_arrives_whole_and_in_order(mode: str, hang_up: bool, kib: bool) -> None:
    with nk.Pull0(recv_timeout=10000) as pull:
        url = listen(pull, make_addr("ipc"))
        conn = writer(url, burst(0, BURST, kib), hang_up)
        try:
            got = recv_all(pull, BURST, mode)
            assert got == [body(i, kib) for i in range(BURST)]
            pull.recv_timeout = 100
            with pytest.raises(nk.Timeout):
                pull.recv()  # nothing more, nothing repeated
        finally:
            conn.close()


BAD_FRAMES = {
    "type byte": b"\x07" + struct.pack(">Q", 4) + b"oops",
    "over recv_max_size": frame(b"x" * 5000, ipc=True),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("bad", sorted(BAD_FRAMES))
@pytest.mark.parametrize("kib", [False, True], ids=["small", "kib"])
def test_a_bad_frame_in_a_burst_closes_only_its_pipe(mode: str, bad: str, kib: bool) -> None:
    good = 2000
    data = burst(0, good, kib) + BAD_FRAMES[bad] + burst(good, 500, kib)
    with nk.Pull0(recv_timeout=10000, recv_max_size=4096) as pull:
        url = listen(pull, make_addr("ipc"))
        conn = writer(url, data, hang_up=False)
        try:
            assert recv_all(pull, good, mode) == [body(i, kib) for i in range(good)]
            conn.expect_closed(timeout=10)
            pull.recv_timeout = 100
            with pytest.raises(nk.Timeout):
                pull.recv()  # nothing of what followed the bad frame
            # The socket survives: a new peer's burst comes through whole.
            pull.recv_timeout = 10000
            second = writer(url, burst(7000, 600), hang_up=True)
            assert recv_all(pull, 600, mode) == [body(i) for i in range(7000, 7600)]
            second.close()
        finally:
            conn.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_closing_the_socket_halfway_through_a_burst(mode: str) -> None:
    pull = nk.Pull0(recv_timeout=10000)
    url = listen(pull, make_addr("ipc"))
    conn = writer(url, burst(0, BURST), hang_up=False)
    try:
        assert recv_all(pull, 100, mode) == [body(i) for i in range(100)]
        pull.close()
        with pytest.raises(nk.Closed):
            recv_all(pull, 1, mode)
        conn.expect_closed(timeout=10)
    finally:
        pull.close()
        conn.close()
