"""PAIR0 with asyncio: both peers send and receive concurrently over tcp.

Each side streams messages to the other while reading the other's with
``async for``; the socket stops the iteration when it is closed.
Run: python examples/pair/async.py
"""

import asyncio

import nngkit

COUNT = 5


async def talk(name: str, sock: nngkit.Pair0) -> list:
    async def send_all() -> None:
        for i in range(COUNT):
            await sock.asend(b"%s says %d" % (name.encode(), i))

    async def recv_some() -> list:
        got = []
        async for msg in sock:
            got.append(msg.decode())
            if len(got) == COUNT:
                break
        return got

    _, got = await asyncio.gather(send_all(), recv_some())
    return got


async def main() -> None:
    with nngkit.Pair0(listen="tcp://127.0.0.1:0") as left:
        url = left.listeners[0].url
        with nngkit.Pair0(dial=url) as right:
            heard = await asyncio.wait_for(
                asyncio.gather(talk("left", left), talk("right", right)), timeout=10)
    print("left heard: ", heard[0])
    print("right heard:", heard[1])
    print("pair/async: done, url was", url)


if __name__ == "__main__":
    asyncio.run(main())
