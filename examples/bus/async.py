"""BUS with asyncio: a full mesh of four nodes, where everyone hears everyone.

BUS delivers to direct peers only, so every pair of nodes is connected: node
i listens, and dials every node before it.  Each node reads its own
``pipe_events()`` until it has attached all three peers (sends never wait and
would be lost on a connection not attached yet), then all nodes announce
themselves at once and each collects the other three announcements.
Run: python examples/bus/async.py
"""

import asyncio
import os
import tempfile

import nngkit

NODES = 4


async def all_attached(events, count: int) -> None:
    attached = 0
    while attached < count:
        event, _ = await events.__anext__()
        attached += 1 if event == nngkit.PIPE_EV_ADD_POST else -1


async def mesh(tmp: str) -> None:
    urls = ["ipc://" + os.path.join(tmp, "node%d.ipc" % i) for i in range(NODES)]
    nodes = [nngkit.Bus0() for _ in range(NODES)]
    try:
        watchers = [all_attached(node.pipe_events(), NODES - 1) for node in nodes]
        for i, node in enumerate(nodes):
            node.listen(urls[i])
            for url in urls[:i]:
                node.dial(url, block=True)
        await asyncio.gather(*watchers)

        async def talk(i: int, node: nngkit.Bus0) -> list:
            await node.asend(b"node %d here" % i)
            return sorted([(await node.arecv()).decode() for _ in range(NODES - 1)])

        heard = await asyncio.gather(*(talk(i, n) for i, n in enumerate(nodes)))
        for i, got in enumerate(heard):
            print("node %d heard %s" % (i, got))
            assert got == ["node %d here" % j for j in range(NODES) if j != i]
    finally:
        for node in nodes:
            node.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await asyncio.wait_for(mesh(tmp), timeout=10)
    print("bus/async: done")


if __name__ == "__main__":
    asyncio.run(main())
