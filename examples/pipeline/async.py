"""PUSH/PULL with asyncio: back-pressure, then two consumers sharing the jobs.

A Push0 with nobody to take a message cannot send it: ``send(block=False)``
raises `TryAgain`, and ``await asend()`` simply waits until a Pull0 connects.
Once consumers are there, each job goes to exactly one of them.
Run: python examples/pipeline/async.py
"""

import asyncio

import nngkit

JOBS = 10
URL = "inproc://pipeline-async"


async def consume(name: str, pull: nngkit.Pull0, results: asyncio.Queue) -> None:
    async for job in pull:  # ends when the socket is closed
        await results.put((name, job.decode()))


async def run() -> None:
    with nngkit.Push0(listen=URL) as push:
        try:
            push.send(b"job 0", block=False)
        except nngkit.TryAgain:
            print("no consumer yet: send(block=False) raised TryAgain")
        else:
            raise SystemExit("a message was sent with nobody to take it")
        first = asyncio.ensure_future(push.asend(b"job 0"))  # waits for a consumer

        pullers = [nngkit.Pull0(dial=URL) for _ in range(2)]
        results: asyncio.Queue = asyncio.Queue()
        consumers = [asyncio.ensure_future(consume("consumer%d" % i, p, results))
                     for i, p in enumerate(pullers)]
        try:
            await first
            for i in range(1, JOBS):
                await push.asend(b"job %d" % i)
            done = [await results.get() for _ in range(JOBS)]
        finally:
            for p in pullers:
                p.close()
            await asyncio.gather(*consumers)
    for name in ("consumer0", "consumer1"):
        print(name, "did", [job for who, job in done if who == name])
    assert sorted(job for _, job in done) == sorted("job %d" % i for i in range(JOBS))


async def main() -> None:
    await asyncio.wait_for(run(), timeout=10)
    print("pipeline/async: done")


if __name__ == "__main__":
    asyncio.run(main())
