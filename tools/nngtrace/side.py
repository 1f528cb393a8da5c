"""One socket of a relay, as an asyncio Protocol: what it reads goes to the relay at once.

Transport callbacks rather than streams: a chunk is written on from the
very callback that read it, with no task switch in between.  Reading is
paused for as long as any reason to hold it lasts (the other socket's write
buffer is full, the fault gate's queue is long, the direction is stalled);
``drain`` waits for this socket's own write buffer to empty below its mark.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Optional, Set, cast

if TYPE_CHECKING:
    from .relay import Relay


class Side(asyncio.Protocol):
    def __init__(self, relay: "Relay", reads: str) -> None:
        self.relay = relay
        self.reads = reads    # the direction of the bytes it reads: "up" (the client's socket) or "down"
        self.transport: Optional[asyncio.Transport] = None
        self.eof = False      # its peer has half-closed
        self.lost = False
        self.eof_sent = False  # write_eof done: nothing more may be written
        self._holds: Set[str] = set()
        self._room: Optional["asyncio.Future[None]"] = None  # while the write buffer is over its mark

    # --- asyncio callbacks ----------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # (uvloop's are not subclasses of it)
        if self._holds:
            self.transport.pause_reading()
        self.relay.made(self)

    def data_received(self, data: bytes) -> None:
        self.relay.data(self.reads, data)

    def eof_received(self) -> bool:
        self.eof = True
        self.relay.eof(self.reads)
        return True  # keep the socket: the other direction may still write to it

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.lost = True
        self._wake()
        self.relay.lost(self, exc)

    def pause_writing(self) -> None:
        if self._room is None:
            self._room = asyncio.get_running_loop().create_future()
        self.relay.peer(self).hold("full")

    def resume_writing(self) -> None:
        self._wake()
        self.relay.peer(self).release("full")

    # --- used by the relay and the fault gate ------------------------------
    def hold(self, why: str) -> None:
        """Stop reading until every hold is released."""
        self._holds.add(why)
        if self.transport is not None:
            # Every time, not only on the first hold: an event loop may not
            # have honoured an earlier pause (uvloop, in connection_made), and
            # a hold added on top of that one must still stop the reading.
            self.transport.pause_reading()

    def release(self, why: str) -> None:
        self._holds.discard(why)
        if not self._holds and self.transport is not None:
            self.transport.resume_reading()

    def write(self, data: Any) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self.eof_sent:
            self.transport.write(data)

    async def drain(self) -> None:
        if self._room is not None:
            await asyncio.shield(self._room)

    def write_eof(self) -> None:
        t = self.transport
        if t is not None and not t.is_closing() and t.can_write_eof() and not self.eof_sent:
            self.eof_sent = True
            t.write_eof()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()  # after what is buffered has been written

    def _wake(self) -> None:
        if self._room is not None:
            if not self._room.done():
                self._room.set_result(None)
            self._room = None
