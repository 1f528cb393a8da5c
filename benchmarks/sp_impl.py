"""Every benchmark role for a library with pynng's API (nngkit or pynng).

`lib` is the imported module; nngkit is a drop-in for pynng, so one body
serves both.  Server roles (`serve_*`) run in a peer process (or, for
inproc, beside the client in this process) and talk to the driver through
a `ctl` object (see peer.py); client roles (`rtt`, `pull`, `subs`) run in
the driver's process and return the measured figures.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List, Optional

from .common import END, IO_TIMEOUT_MS, MAX_OPS, RECV_MAX, STOP, Meter, rtt_result, sub_summary
from .tls_certs import socket_kw

PAYLOAD_RTT = b"x" * 64
WARM_TRIPS = 300
RUN_SLACK = 30.0  # seconds an asyncio role may take beyond its nominal length


def _bound(sock: Any, url: str) -> str:
    """The url peers should dial (tcp port 0 resolved)."""
    return sock.listeners[0].url if url.startswith("tcp://") else url


def _sock(lib: Any, cls: str, **kw: Any) -> Any:
    kw.update(socket_kw(lib, kw.get("listen") or kw.get("dial"), "listen" in kw))
    return getattr(lib, cls)(recv_timeout=IO_TIMEOUT_MS, send_timeout=IO_TIMEOUT_MS,
                             recv_max_size=RECV_MAX, **kw)


def run_async(coro: Any, seconds: float) -> Any:
    """Run `coro` on a fresh event loop, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, seconds + RUN_SLACK))


# ---- REQ/REP -------------------------------------------------------------

def serve_rep(lib: Any, url: str, mode: str, ctl: Any, seconds: float = 1.0, **unused: Any) -> None:
    """Echo every request until STOP (replied to), then wait for "close"."""
    with _sock(lib, "Rep0", listen=url) as rep:
        ctl.ready(_bound(rep, url))
        served = 0
        if mode == "sync":
            for served in range(MAX_OPS):
                msg = rep.recv()
                rep.send(msg)
                if msg == STOP:
                    break
        else:
            served = run_async(_echo_async(rep), seconds)
        ctl.done({"served": served})
        ctl.wait("close")


async def _echo_async(rep: Any) -> int:
    for served in range(MAX_OPS):
        msg = await rep.arecv()
        await rep.asend(msg)
        if msg == STOP:
            return served
    return MAX_OPS


def rtt(lib: Any, url: str, mode: str, seconds: float) -> Dict[str, float]:
    """Round trips of 64 B against an echoing Rep0 at `url` for about `seconds`."""
    if mode == "sync":
        with _sock(lib, "Req0", dial=url) as req:
            return rtt_result(_rtt_sync(req, seconds))
    return rtt_result(run_async(_rtt_async(lib, url, seconds), seconds))


def _rtt_sync(req: Any, seconds: float) -> List[int]:
    clock = time.perf_counter_ns
    for _ in range(WARM_TRIPS):
        req.send(PAYLOAD_RTT)
        req.recv()
    times: List[int] = []
    deadline = clock() + int(seconds * 1e9)
    while len(times) < MAX_OPS:
        t0 = clock()
        req.send(PAYLOAD_RTT)
        req.recv()
        t1 = clock()
        times.append(t1 - t0)
        if t1 >= deadline:
            break
    req.send(STOP)
    req.recv()
    return times


async def _rtt_async(lib: Any, url: str, seconds: float, server: Optional[Any] = None) -> List[int]:
    with _sock(lib, "Req0", dial=url) as req:
        clock = time.perf_counter_ns
        for _ in range(WARM_TRIPS):
            await req.asend(PAYLOAD_RTT)
            await req.arecv()
        times: List[int] = []
        deadline = clock() + int(seconds * 1e9)
        while len(times) < MAX_OPS:
            t0 = clock()
            await req.asend(PAYLOAD_RTT)
            await req.arecv()
            t1 = clock()
            times.append(t1 - t0)
            if t1 >= deadline:
                break
        await req.asend(STOP)
        await req.arecv()
        if server is not None:
            await server
        return times


def rtt_inproc(lib: Any, mode: str, seconds: float) -> Dict[str, float]:
    """inproc cannot leave the process: the Rep0 runs in a thread (sync) or a
    task on the client's own loop (asyncio)."""
    from .common import make_url
    url = make_url("inproc")
    if mode == "sync":
        with _sock(lib, "Rep0", listen=url) as rep:
            t = threading.Thread(target=_echo_thread, args=(rep,), daemon=True)
            t.start()
            try:
                with _sock(lib, "Req0", dial=url) as req:
                    return rtt_result(_rtt_sync(req, seconds))
            finally:
                t.join(seconds + RUN_SLACK)

    async def both() -> List[int]:
        with _sock(lib, "Rep0", listen=url) as rep:
            server = asyncio.ensure_future(_echo_async(rep))
            return await _rtt_async(lib, url, seconds, server)
    return rtt_result(run_async(both(), seconds))


def _echo_thread(rep: Any) -> None:
    for _ in range(MAX_OPS):
        msg = rep.recv()
        rep.send(msg)
        if msg == STOP:
            return


# ---- PUSH/PULL -----------------------------------------------------------

def serve_push(lib: Any, url: str, mode: str, ctl: Any, size: int = 64,
               seconds: float = 1.0, **unused: Any) -> None:
    """Send `size`-byte messages as fast as possible for `seconds`, then END."""
    with _sock(lib, "Push0", listen=url) as push:
        ctl.ready(_bound(push, url))
        payload = b"x" * size
        if mode == "sync":
            sent = _push_sync(push, payload, seconds)
        else:
            sent = run_async(_push_async(push, payload, seconds), seconds)
        ctl.done({"sent": sent})
        ctl.wait("close")


def _push_sync(push: Any, payload: bytes, seconds: float) -> int:
    push.send(payload)  # waits for the puller
    deadline = time.monotonic() + seconds
    sent = 1
    while sent < MAX_OPS:
        for _ in range(8):
            push.send(payload)
        sent += 8
        if time.monotonic() >= deadline:
            break
    push.send(END)
    return sent


async def _push_async(push: Any, payload: bytes, seconds: float) -> int:
    await push.asend(payload)
    deadline = time.monotonic() + seconds
    sent = 1
    while sent < MAX_OPS:
        for _ in range(8):
            await push.asend(payload)
        sent += 8
        if time.monotonic() >= deadline:
            break
    await push.asend(END)
    return sent


def pull(lib: Any, url: str, mode: str, warm: float, limit: float, size: int = 0) -> Dict[str, float]:
    """Receive from a Push0 at `url` until END; messages per second after `warm`."""
    meter = Meter(warm)
    with _sock(lib, "Pull0", dial=url) as sock:
        if mode == "sync":
            for _ in range(MAX_OPS):
                msg = sock.recv()
                if len(msg) == 1:
                    break
                meter.add(len(msg))
        else:
            run_async(_pull_async(sock, meter), limit)
        meter.stop()
    return meter.result()


async def _pull_async(sock: Any, meter: Meter) -> None:
    for _ in range(MAX_OPS):
        msg = await sock.arecv()
        if len(msg) == 1:
            return
        meter.add(len(msg))


# ---- PUB/SUB -------------------------------------------------------------

def serve_pub(lib: Any, url: str, mode: str, ctl: Any, size: int = 64,
              seconds: float = 1.0, **unused: Any) -> None:
    """After "go", publish `size`-byte messages for `seconds`, then END x3."""
    with _sock(lib, "Pub0", listen=url) as pub:
        ctl.ready(_bound(pub, url))
        ctl.wait("go")
        payload = b"x" * size
        deadline = time.monotonic() + seconds
        sent = 0
        if mode == "sync":
            while sent < MAX_OPS and time.monotonic() < deadline:
                for _ in range(8):
                    pub.send(payload)
                sent += 8
            for _ in range(3):
                pub.send(END)
        else:
            sent = run_async(_pub_async(pub, payload, deadline), seconds)
        ctl.done({"sent": sent})
        ctl.wait("close")


async def _pub_async(pub: Any, payload: bytes, deadline: float) -> int:
    sent = 0
    while sent < MAX_OPS and time.monotonic() < deadline:
        for _ in range(8):
            await pub.asend(payload)
        sent += 8
    for _ in range(3):
        await pub.asend(END)
    return sent


SUB_IDLE_MS = 1000  # a subscriber whose END was dropped stops after this silence


def subs(lib: Any, url: str, mode: str, n: int, warm: float, go: Any, limit: float) -> Dict[str, float]:
    """`n` subscribers dial `url`; `go()` starts the publisher; returns the
    median delivered rate per subscriber."""
    socks = []
    try:
        for _ in range(n):
            s = getattr(lib, "Sub0")(recv_timeout=SUB_IDLE_MS, recv_max_size=RECV_MAX)
            socks.append(s)
            s.subscribe(b"")
            s.dial(url, block=True)
        meters = [Meter(warm) for _ in socks]
        if mode == "sync":
            threads = [threading.Thread(target=_sub_thread, args=(lib, s, m), daemon=True)
                       for s, m in zip(socks, meters)]
            for t in threads:
                t.start()
            go()
            for t in threads:
                t.join(limit + RUN_SLACK)
        else:
            async def all_subs() -> None:
                tasks = [asyncio.ensure_future(_sub_async(lib, s, m)) for s, m in zip(socks, meters)]
                go()
                await asyncio.gather(*tasks)
            run_async(all_subs(), limit)
    finally:
        for s in socks:
            s.close()
    return sub_summary([m.result() for m in meters])


def _sub_thread(lib: Any, sock: Any, meter: Meter) -> None:
    for _ in range(MAX_OPS):
        try:
            msg = sock.recv()
        except lib.Timeout:
            break
        if len(msg) == 1:
            break
        meter.add(len(msg))
        meter.stop()


async def _sub_async(lib: Any, sock: Any, meter: Meter) -> None:
    for _ in range(MAX_OPS):
        try:
            msg = await sock.arecv()
        except lib.Timeout:
            return
        if len(msg) == 1:
            return
        meter.add(len(msg))
        meter.stop()


# ---- 1,000 connections ---------------------------------------------------

def serve_hold(lib: Any, url: str, ctl: Any, **unused: Any) -> None:
    """A Rep0 that accepts connections until "close"."""
    with lib.Rep0(listen=url) as rep:
        ctl.ready(_bound(rep, url))
        ctl.done({})
        ctl.wait("close", 600)


def hold_conns(lib: Any, url: str, n: int) -> List[Any]:
    """`n` Req0 sockets, each connected to `url` (blocking dials)."""
    return [lib.Req0(dial=url) for _ in range(n)]
