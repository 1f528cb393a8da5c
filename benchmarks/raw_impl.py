"""The floor: the same roles as sp_impl.py with plain Python sockets (sync)
and asyncio streams (asyncio), speaking the same SP framing (raw_conn.py).

REQ bodies carry a 4-byte request id as the SP REQ header does.  There is
no protocol logic beyond framing (no retries, no drops, no pipes), so these
are the figures Python itself allows; inproc is a pair of in-process queues.
"""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
import time
from typing import Any, Dict, List

from .common import END, MAX_OPS, STOP, Meter, rtt_result, sub_summary, unlink_ipc
from .raw_conn import TIMEOUT_S, Conn, accept, aserve, listen, adial, dial
from .sp_impl import PAYLOAD_RTT, RUN_SLACK, WARM_TRIPS, run_async

REQ_ID = (0x80000001).to_bytes(4, "big")


# ---- REQ/REP -------------------------------------------------------------

def serve_rep(url: str, mode: str, ctl: Any, seconds: float = 1.0, **unused: Any) -> None:
    if mode == "sync":
        lsock, bound = listen(url)
        ctl.ready(bound)
        conn = accept(lsock, "rep")
        served = 0
        for served in range(MAX_OPS):
            body = conn.recv()
            conn.send(body)
            if body[4:] == STOP:
                break
        ctl.done({"served": served})
        ctl.wait("close")
        conn.close()
        lsock.close()
    else:
        run_async(_arep(url, ctl), seconds)
        ctl.wait("close")
    unlink_ipc(url)


async def _arep(url: str, ctl: Any) -> None:
    server, conns = await aserve(url, "rep", 1, ctl.ready)
    conn, served = conns[0], 0
    for served in range(MAX_OPS):
        body = await conn.recv()
        await conn.send(body)
        if body[4:] == STOP:
            break
    ctl.done({"served": served})
    server.close()


def rtt(url: str, mode: str, seconds: float) -> Dict[str, float]:
    if mode == "sync":
        conn = dial(url, "req")
        try:
            return rtt_result(_trips(conn.send, conn.recv, seconds))
        finally:
            conn.close()
    return rtt_result(run_async(_artt(url, seconds), seconds))


def _trips(send: Any, recv: Any, seconds: float) -> List[int]:
    body = REQ_ID + PAYLOAD_RTT
    clock = time.perf_counter_ns
    for _ in range(WARM_TRIPS):
        send(body)
        recv()
    times: List[int] = []
    deadline = clock() + int(seconds * 1e9)
    while len(times) < MAX_OPS:
        t0 = clock()
        send(body)
        recv()
        t1 = clock()
        times.append(t1 - t0)
        if t1 >= deadline:
            break
    send(REQ_ID + STOP)
    recv()
    return times


async def _atrips(send: Any, recv: Any, seconds: float) -> List[int]:
    body = REQ_ID + PAYLOAD_RTT
    clock = time.perf_counter_ns
    for _ in range(WARM_TRIPS):
        await send(body)
        await recv()
    times: List[int] = []
    deadline = clock() + int(seconds * 1e9)
    while len(times) < MAX_OPS:
        t0 = clock()
        await send(body)
        await recv()
        t1 = clock()
        times.append(t1 - t0)
        if t1 >= deadline:
            break
    await send(REQ_ID + STOP)
    await recv()
    return times


async def _artt(url: str, seconds: float) -> List[int]:
    conn = await adial(url, "req")
    try:
        return await _atrips(conn.send, conn.recv, seconds)
    finally:
        conn.close()


def rtt_inproc(mode: str, seconds: float) -> Dict[str, float]:
    """Two in-process queues: a thread echoes (sync) or a task does (asyncio)."""
    if mode == "sync":
        to_srv: "queue.SimpleQueue[bytes]" = queue.SimpleQueue()
        to_cli: "queue.SimpleQueue[bytes]" = queue.SimpleQueue()

        def echo() -> None:
            for _ in range(MAX_OPS):
                body = to_srv.get(timeout=TIMEOUT_S)
                to_cli.put(body)
                if body[4:] == STOP:
                    return
        t = threading.Thread(target=echo, daemon=True)
        t.start()
        try:
            return rtt_result(_trips(to_srv.put, lambda: to_cli.get(timeout=TIMEOUT_S), seconds))
        finally:
            t.join(TIMEOUT_S)

    async def both() -> List[int]:
        to_srv: "asyncio.Queue[bytes]" = asyncio.Queue()
        to_cli: "asyncio.Queue[bytes]" = asyncio.Queue()

        async def echo() -> None:
            for _ in range(MAX_OPS):
                body = await to_srv.get()
                await to_cli.put(body)
                if body[4:] == STOP:
                    return
        server = asyncio.ensure_future(echo())
        times = await _atrips(to_srv.put, to_cli.get, seconds)
        await server
        return times
    return rtt_result(run_async(both(), seconds))


# ---- PUSH/PULL and PUB/SUB (a publisher is a pusher with many peers) -------

def serve_push(url: str, mode: str, ctl: Any, size: int = 64, seconds: float = 1.0,
               subs: int = 0, **unused: Any) -> None:
    """One puller (subs=0), or after "go" fan out to `subs` subscribers."""
    role, want = ("pub", subs) if subs else ("push", 1)
    payload = b"x" * size
    if mode == "sync":
        lsock, bound = listen(url)
        ctl.ready(bound)
        conns = [accept(lsock, role) for _ in range(want)]
        if subs:
            ctl.wait("go")
        sent = _stream(conns, payload, seconds)
        ctl.done({"sent": sent})
        ctl.wait("close")
        for c in conns:
            c.close()
        lsock.close()
    else:
        run_async(_astream(url, role, want, payload, seconds, ctl), seconds)
        ctl.wait("close")
    unlink_ipc(url)


def serve_pub(url: str, mode: str, ctl: Any, size: int = 64, seconds: float = 1.0,
              subs: int = 4, **unused: Any) -> None:
    serve_push(url, mode, ctl, size=size, seconds=seconds, subs=subs)


def _stream(conns: List[Conn], payload: bytes, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    sent = 0
    while sent < MAX_OPS:
        for _ in range(8):
            for c in conns:
                c.send(payload)
        sent += 8
        if time.monotonic() >= deadline:
            break
    for c in conns:
        c.send(END)
    return sent


async def _astream(url: str, role: str, want: int, payload: bytes, seconds: float, ctl: Any) -> None:
    server, conns = await aserve(url, role, want, ctl.ready)
    if role == "pub":
        ctl.wait("go")
    deadline = time.monotonic() + seconds
    sent = 0
    while sent < MAX_OPS:
        for _ in range(8):
            for c in conns:
                await c.send(payload)
        sent += 8
        if time.monotonic() >= deadline:
            break
    for c in conns:
        await c.send(END)
        await c.flush()  # asyncio.run's end would drop what is still buffered
    ctl.done({"sent": sent})
    server.close()


def pull(url: str, mode: str, warm: float, limit: float, size: int = 0) -> Dict[str, float]:
    meter = Meter(warm)
    if mode == "sync":
        conn = dial(url, "pull")
        try:
            _drain(conn.recv, meter)
        finally:
            conn.close()
    else:
        async def run() -> None:
            conn = await adial(url, "pull")
            try:
                await _adrain(conn.recv, meter)
            finally:
                conn.close()
        run_async(run(), limit)
    meter.stop()
    return meter.result()


def _drain(recv: Any, meter: Meter, stamp: bool = False) -> None:
    for _ in range(MAX_OPS):
        msg = recv()
        if len(msg) == 1:
            return
        meter.add(len(msg))
        if stamp:
            meter.stop()


async def _adrain(recv: Any, meter: Meter, stamp: bool = False) -> None:
    for _ in range(MAX_OPS):
        msg = await recv()
        if len(msg) == 1:
            return
        meter.add(len(msg))
        if stamp:
            meter.stop()


def subs(url: str, mode: str, n: int, warm: float, go: Any, limit: float) -> Dict[str, float]:
    meters = [Meter(warm) for _ in range(n)]
    if mode == "sync":
        conns = [dial(url, "sub") for _ in range(n)]
        threads = [threading.Thread(target=_drain, args=(c.recv, m, True), daemon=True)
                   for c, m in zip(conns, meters)]
        for t in threads:
            t.start()
        go()
        for t in threads:
            t.join(limit + RUN_SLACK)
        for c in conns:
            c.close()
    else:
        async def run() -> None:
            conns = [await adial(url, "sub") for _ in range(n)]
            tasks = [asyncio.ensure_future(_adrain(c.recv, m, True)) for c, m in zip(conns, meters)]
            go()
            try:
                await asyncio.gather(*tasks)
            finally:
                for c in conns:
                    c.close()
        run_async(run(), limit)
    return sub_summary([m.result() for m in meters])


# ---- 1,000 connections ---------------------------------------------------

def serve_hold(url: str, ctl: Any, **unused: Any) -> None:
    """Accept and handshake connections in a thread until "close"."""
    lsock, bound = listen(url)
    held: List[Conn] = []
    stop = threading.Event()

    def accept_loop() -> None:
        lsock.settimeout(0.2)
        for _ in range(MAX_OPS):
            if stop.is_set():
                return
            try:
                held.append(accept(lsock, "rep"))
            except socket.timeout:
                continue
            except OSError:
                return
    t = threading.Thread(target=accept_loop, daemon=True)
    t.start()
    ctl.ready(bound)
    ctl.done({})
    try:
        ctl.wait("close", 600)
    finally:
        stop.set()
        t.join(5)
        for c in held:
            c.close()
        lsock.close()
        unlink_ipc(url)


def hold_conns(url: str, n: int) -> List[Conn]:
    return [dial(url, "req") for _ in range(n)]
