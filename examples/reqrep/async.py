"""Request/reply with asyncio: a Rep0 serves three clients at once with contexts.

Each server context handles one request at a time, so three contexts answer
three concurrent Req0 requests.  Everything runs in one event loop over ipc.
Run: python examples/reqrep/async.py
"""

import asyncio
import os
import tempfile

import nngkit

CLIENTS = 3


async def serve(ctx: nngkit.Context) -> None:
    request = await ctx.arecv()
    await ctx.asend(request.upper())


async def ask(req: nngkit.Req0, text: str) -> str:
    ctx = req.new_context()  # one outstanding request per context
    try:
        await ctx.asend(text.encode())
        return (await ctx.arecv()).decode()
    finally:
        ctx.close()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = "ipc://" + os.path.join(tmp, "reqrep.ipc")
        with nngkit.Rep0(listen=url) as rep, nngkit.Req0(dial=url) as req:
            servers = [serve(rep.new_context()) for _ in range(CLIENTS)]
            clients = [ask(req, "hello from client %d" % i) for i in range(CLIENTS)]
            # wait_for bounds the whole exchange.
            results = await asyncio.wait_for(asyncio.gather(*clients, *servers), timeout=10)
            for answer in results[:CLIENTS]:
                print("req0 got:", answer)
    print("reqrep/async: done over", url)


if __name__ == "__main__":
    asyncio.run(main())
