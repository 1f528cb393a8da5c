"""PAIR1 polyamorous with asyncio: a hub relays each peer's message to the others.

The hub is ``Pair1(polyamorous=True)``; each peer is a plain Pair1 that dials
it over ipc.  The hub reads ``(message, pipe)`` with ``arecv_msg()`` and
forwards with ``pipe.asend()`` to every pipe but the sender's.  Before the
peers speak, the hub waits until it has admitted all of them, reading
``hub.pipe_events()``: a relay can only reach pipes the hub already has.
Run: python examples/pair1/async.py
"""

import asyncio
import os
import tempfile

import nngkit

PEERS = ["ann", "bob", "cid"]


async def relay(hub: nngkit.Pair1, count: int) -> None:
    for _ in range(count):
        msg = await hub.arecv_msg()
        for pipe in hub.pipes:
            if pipe != msg.pipe:
                await pipe.asend(msg.bytes)


async def chat(url: str) -> None:
    with nngkit.Pair1(polyamorous=True, listen=url) as hub:
        events = hub.pipe_events()  # start recording before anyone dials
        peers = {name: nngkit.Pair1(dial=url) for name in PEERS}
        try:
            admitted = 0
            while admitted < len(PEERS):
                event, pipe = await events.__anext__()
                admitted += event == nngkit.PIPE_EV_ADD_POST
            relaying = asyncio.ensure_future(relay(hub, len(PEERS)))
            for name, peer in peers.items():
                await peer.asend(b"hi from " + name.encode())
            for name, peer in peers.items():
                heard = sorted([await peer.arecv(), await peer.arecv()])
                print("%s heard %s" % (name, [h.decode() for h in heard]))
                assert heard == sorted(b"hi from " + o.encode() for o in PEERS if o != name)
            await relaying
        finally:
            for peer in peers.values():
                peer.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await asyncio.wait_for(chat("ipc://" + os.path.join(tmp, "hub.ipc")), timeout=10)
    print("pair1/async: done")


if __name__ == "__main__":
    asyncio.run(main())
