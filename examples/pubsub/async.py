"""PUB/SUB with asyncio: one Sub0 socket, two contexts with their own topics.

A `Sub0` context (``sub.new_context()``) has its own subscriptions and its
own receive queue, so two tasks can read different topics from one
connection.  ``subscribe``/``unsubscribe`` take effect for the messages that
arrive afterwards.  The publisher waits (``pub.pipe_events()``) until it has
attached the subscriber before publishing: messages sent earlier would be
lost, since a publisher never waits for anyone.
Run: python examples/pubsub/async.py
"""

import asyncio

import nngkit

ROUNDS = 3


async def read(name: str, ctx: nngkit.Sub0Context, count: int) -> list:
    got = []
    async for body in ctx:  # ends early only if the socket closes
        got.append(body.decode())
        if len(got) == count:
            break
    print("%s read %s" % (name, got))
    return got


async def run() -> None:
    with nngkit.Pub0(listen="tcp://127.0.0.1:0") as pub:
        events = pub.pipe_events()
        with nngkit.Sub0(dial=pub.listeners[0].url) as sub:
            event, _ = await events.__anext__()
            assert event == nngkit.PIPE_EV_ADD_POST  # the publisher has the subscriber now

            aaa, bbb = sub.new_context(), sub.new_context()
            aaa.subscribe(b"price/AAA")
            bbb.subscribe(b"price/BBB")
            readers = asyncio.gather(read("AAA reader", aaa, ROUNDS), read("BBB reader", bbb, ROUNDS))
            for i in range(ROUNDS):
                await pub.asend(b"price/AAA %d" % (100 + i))
                await pub.asend(b"price/BBB %d" % (200 + i))
            got_aaa, got_bbb = await readers
            assert got_aaa == ["price/AAA %d" % (100 + i) for i in range(ROUNDS)]
            assert got_bbb == ["price/BBB %d" % (200 + i) for i in range(ROUNDS)]

            bbb.unsubscribe(b"price/BBB")
            bbb.subscribe(b"news/")
            await pub.asend(b"price/BBB 999")  # nobody wants this one any more
            await pub.asend(b"news/BBB merges with AAA")
            later = await bbb.arecv()
            print("BBB reader, after switching to news/:", later.decode())
            assert later == b"news/BBB merges with AAA"


async def main() -> None:
    await asyncio.wait_for(run(), timeout=10)
    print("pubsub/async: done")


if __name__ == "__main__":
    asyncio.run(main())
