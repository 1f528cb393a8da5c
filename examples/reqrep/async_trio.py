"""Request/reply with trio: the asyncio example's program, written for trio.

nngkit finds the running framework itself (as pynng does, with sniffio), so
the same `asend`/`arecv` calls work under trio: a nursery runs three Rep0
contexts and three Req0 contexts at once over ipc; `fail_after` bounds it.
Run: python examples/reqrep/async_trio.py   (needs trio: pip install trio)
"""

import os
import sys
import tempfile

import nngkit

try:
    import trio
except ImportError:
    print("reqrep/async_trio: trio is not installed; skipped")
    sys.exit(77)

CLIENTS = 3


async def serve(ctx: nngkit.Context) -> None:
    request = await ctx.arecv()
    await ctx.asend(request.upper())


async def ask(req: nngkit.Req0, text: str, answers: list) -> None:
    ctx = req.new_context()  # one outstanding request per context
    try:
        await ctx.asend(text.encode())
        answers.append((await ctx.arecv()).decode())
    finally:
        ctx.close()


async def main() -> None:
    answers: list = []
    with tempfile.TemporaryDirectory() as tmp:
        url = "ipc://" + os.path.join(tmp, "reqrep.ipc")
        with nngkit.Rep0(listen=url) as rep, nngkit.Req0(dial=url) as req:
            with trio.fail_after(10):
                async with trio.open_nursery() as nursery:
                    for i in range(CLIENTS):
                        nursery.start_soon(serve, rep.new_context())
                        nursery.start_soon(ask, req, "hello from client %d" % i, answers)
    for answer in sorted(answers):
        print("req0 got:", answer)
    assert len(answers) == CLIENTS
    print("reqrep/async_trio: done over", url)


if __name__ == "__main__":
    trio.run(main)
