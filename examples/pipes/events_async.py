"""Pipe events with asyncio: watch peers arrive and leave with ``async for``.

``sock.pipe_events()`` (nngkit only; pynng has just the callbacks) is an
async iterator of ``(event, pipe)``: `PIPE_EV_ADD_POST` when a peer has been
admitted, `PIPE_EV_REM_POST` when it has gone.  Recording starts when
``pipe_events()`` is called, and iteration ends when the socket is closed.
Use it instead of callbacks, not together with them.
Run: python examples/pipes/events_async.py
"""

import asyncio
import os
import tempfile

import nngkit

CLIENTS = 3
NAMES = {nngkit.PIPE_EV_ADD_POST: "arrived", nngkit.PIPE_EV_REM_POST: "left"}


async def watch(server: nngkit.Rep0, events, everyone_in: asyncio.Event) -> list:
    seen, present = [], set()
    async for event, pipe in events:
        seen.append((NAMES[event], pipe.id))
        if event == nngkit.PIPE_EV_ADD_POST:
            present.add(pipe.id)
            print("pipe %d %s via %s (listener %s)" % (pipe.id, NAMES[event], pipe.local_address,
                                                     pipe.listener is server.listeners[0]))
            if len(present) == CLIENTS:
                everyone_in.set()
        else:
            present.discard(pipe.id)
            print("pipe %d %s; %d still connected" % (pipe.id, NAMES[event], len(present)))
            if not present:
                return seen
    return seen


async def run(url: str) -> None:
    with nngkit.Rep0(listen=url) as server:
        everyone_in = asyncio.Event()
        events = server.pipe_events()  # recording starts here, before anyone dials
        watcher = asyncio.ensure_future(watch(server, events, everyone_in))
        clients = [nngkit.Req0(dial=url) for _ in range(CLIENTS)]
        await everyone_in.wait()
        print("server has %d pipes" % len(server.pipes))
        for client in clients:
            client.close()
        seen = await watcher
    assert [what for what, _ in seen].count("arrived") == CLIENTS
    assert [what for what, _ in seen].count("left") == CLIENTS


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await asyncio.wait_for(run("ipc://" + os.path.join(tmp, "events.ipc")), timeout=10)
    print("pipes/events_async: done")


if __name__ == "__main__":
    asyncio.run(main())
