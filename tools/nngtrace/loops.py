"""Which event loop the proxy runs on: asyncio's own, or uvloop's when it is installed.

The relay's cost per chunk is mostly the event loop's: on uvloop a round
trip through the proxy adds about half of what it adds on asyncio's loop
(docs/benchmarks.md).  "auto" takes uvloop when it can be imported.
"""
from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Tuple, TypeVar

KINDS = ("auto", "asyncio", "uvloop")
T = TypeVar("T")


def resolve(kind: str) -> Tuple[str, Callable[[], asyncio.AbstractEventLoop]]:
    """(the loop's name, a factory of new loops) for "auto", "asyncio" or "uvloop"."""
    if kind not in KINDS:
        raise ValueError("unknown event loop %r (one of %s)" % (kind, ", ".join(KINDS)))
    if kind != "asyncio":
        try:
            import uvloop  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            if kind == "uvloop":
                raise ValueError("--loop uvloop: uvloop is not installed (pip install uvloop)") from None
        else:
            return "uvloop", uvloop.new_event_loop
    return "asyncio", asyncio.new_event_loop


def run(main: Callable[[], Awaitable[T]], kind: str) -> T:
    """Like asyncio.run(main()), on a new loop of that kind (the global loop policy is left alone)."""
    _, factory = resolve(kind)
    loop = factory()
    try:
        return loop.run_until_complete(_call(main))
    finally:
        try:
            left = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in left:
                t.cancel()
            if left:
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


async def _call(main: Callable[[], Awaitable[T]]) -> T:
    return await main()


def name_of(loop: asyncio.AbstractEventLoop) -> str:
    """ "uvloop" or "asyncio": what a running proxy reports in its "listening" event."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
