"""The plain asyncio rival: asyncio streams with no framing and no
protocol, as a user would write a socket program without a messaging
library.  A round trip is 64 bytes out and 64 back; a stream is one
`write` per message, read back in large chunks and counted by size; the
sender's close ends it.  asyncio rows only (a sync row has no asyncio).
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any, Dict, List

from .common import MAX_OPS, Meter, rtt_result, split_url, unlink_ipc
from .sp_impl import RUN_SLACK, WARM_TRIPS, run_async

RTT_SIZE = 64
CHUNK = 1 << 20
TIMEOUT_S = 10.0


def supports(case: Any) -> bool:
    return case.mode == "async" and case.group in ("reqrep", "pushpull") \
        and case.transport in ("tcp", "ipc")


async def _serve_one(url: str, ctl: Any) -> Any:
    """Listen, report the address, and return the first connection."""
    got: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()

    async def on_conn(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        if not got.done():
            got.set_result((r, w))
    fam, addr = split_url(url)
    if fam == socket.AF_UNIX:
        server = await asyncio.start_unix_server(on_conn, addr)
        ctl.ready(url)
    else:
        server = await asyncio.start_server(on_conn, addr[0], 0)
        ctl.ready("tcp://127.0.0.1:%d" % server.sockets[0].getsockname()[1])
    r, w = await asyncio.wait_for(got, TIMEOUT_S)
    server.close()
    return r, w


async def _dial(url: str) -> Any:
    fam, addr = split_url(url)
    if fam == socket.AF_UNIX:
        return await asyncio.open_unix_connection(addr)
    return await asyncio.open_connection(addr[0], addr[1])


def serve_rep(url: str, mode: str, ctl: Any, seconds: float = 1.0, **unused: Any) -> None:
    async def echo() -> int:
        r, w = await _serve_one(url, ctl)
        for served in range(MAX_OPS):
            try:
                body = await r.readexactly(RTT_SIZE)
            except asyncio.IncompleteReadError:
                w.close()
                return served
            w.write(body)
        return MAX_OPS
    ctl.done({"served": run_async(echo(), seconds + RUN_SLACK)})
    ctl.wait("close")
    unlink_ipc(url)


def rtt(url: str, mode: str, seconds: float) -> Dict[str, float]:
    async def trips() -> List[int]:
        r, w = await _dial(url)
        body, clock = b"x" * RTT_SIZE, time.perf_counter_ns
        for _ in range(WARM_TRIPS):
            w.write(body)
            await r.readexactly(RTT_SIZE)
        times: List[int] = []
        deadline = clock() + int(seconds * 1e9)
        while len(times) < MAX_OPS:
            t0 = clock()
            w.write(body)
            await r.readexactly(RTT_SIZE)
            t1 = clock()
            times.append(t1 - t0)
            if t1 >= deadline:
                break
        w.close()
        return times
    return rtt_result(run_async(trips(), seconds))


def serve_push(url: str, mode: str, ctl: Any, size: int = 64, seconds: float = 1.0,
               **unused: Any) -> None:
    async def stream() -> int:
        r, w = await _serve_one(url, ctl)
        payload, sent = b"x" * size, 0
        deadline = time.monotonic() + seconds
        while sent < MAX_OPS:
            for _ in range(8):
                w.write(payload)
                await w.drain()
            sent += 8
            if time.monotonic() >= deadline:
                break
        w.close()
        await w.wait_closed()
        return sent
    ctl.done({"sent": run_async(stream(), seconds)})
    ctl.wait("close")
    unlink_ipc(url)


def pull(url: str, mode: str, warm: float, limit: float, size: int = 64) -> Dict[str, float]:
    meter = Meter(warm)

    async def drain() -> None:
        r, w = await _dial(url)
        for _ in range(MAX_OPS):
            chunk = await r.read(CHUNK)
            if not chunk:
                break
            meter.add(len(chunk))
            meter.stop()
        w.close()
    run_async(drain(), limit)
    res = meter.result()
    # Meter counts reads; a read holds several messages, so rate = bytes / size.
    res["msgs_per_s"] = res["mb_per_s"] * 1e6 / size
    res["count"] = res["count"] and meter.nbytes / size
    return res
