"""Contexts, and the send/receive surface they share with sockets.

`Messaging` holds the eight send/receive methods (sync and async, bytes and
`Message`) plus ``async for``; a class using it supplies its core id, whether
that is a context (``_is_ctx``), how to name a received message's pipe, and
a `Held` store.  Each method is one call of `_backend.ops`: the one send
path and the one receive path, for bytes and whole messages alike.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Optional, Type, TypeVar

from ._backend import objects, ops
from ._backend.core import const
from ._backend.msg import Held
from ._errors import Closed
from ._message import BytesLike, Message, Pipe, mark_sent, outgoing, received
from ._options import MsOption
from ._options import OptionAccess

if TYPE_CHECKING:
    from types import TracebackType

    from ._socket import Socket

_M = TypeVar("_M", bound="Messaging")


F = TypeVar("F", bound=Callable[..., Any])


def async_method(fn: F) -> F:
    """Marks a method that returns a coroutine as a coroutine function for
    `inspect.iscoroutinefunction` (Python 3.12+, as pynng's are)."""
    mark = getattr(inspect, "markcoroutinefunction", None)
    return mark(fn) if mark is not None else fn


class Messaging:
    """Send and receive, blocking or async, on a socket or a context.

    A message that the core delivered to a receive whose caller had already
    given up (cancelled task, Ctrl-C) is held and returned by the next
    receive, so cancellation loses nothing.  Req0 drops it instead: giving up
    on a reply abandons the request, as in NNG.
    """

    __slots__ = ()

    _held: Held
    _keeps_held: bool = True
    _is_ctx = 0  # for the backend's send and receive
    _streams = False  # only receives (PULL, SUB): nothing it sends answers them

    @property
    def id(self) -> int:
        """The core id of the socket or context."""
        raise NotImplementedError

    def _pipe_for(self, pid: int) -> Optional[Pipe]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # `with` and `async with` close the owner; so does garbage collection.
    def __enter__(self: _M) -> _M:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional["TracebackType"]) -> None:
        self.close()

    async def __aenter__(self: _M) -> _M:
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                        tb: Optional["TracebackType"]) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def send(self, data: BytesLike, block: bool = True) -> None:
        """Send ``data``.  With ``block=False``, raise `TryAgain` instead of waiting."""
        ops.send(self.id, self._is_ctx, data, block)

    def recv(self, block: bool = True) -> bytes:
        """Receive a message body.  With ``block=False``, raise `TryAgain` if none is ready.

        Waits at most the socket's ``recv_timeout`` (then `Timeout`); raises
        `Closed` if the socket (or context) is closed meanwhile.
        """
        return ops.recv(self.id, self._is_ctx, block, self._held, False)

    def send_msg(self, msg: Message, block: bool = True) -> None:
        """Send a `Message` (body, header and, if set, the pipe to use)."""
        ops.send(self.id, self._is_ctx, outgoing(msg), block)
        mark_sent(msg)

    def recv_msg(self, block: bool = True) -> Message:
        """Receive a `Message`, with its header and the pipe it came from."""
        parts = ops.recv(self.id, self._is_ctx, block, self._held, True)
        return received(parts, self._pipe_for(parts.pipe))

    # asend and arecv return the backend's coroutine rather than wrap it in
    # one of their own: a second coroutine per call was about 0.2 us of the
    # 1.0-1.3 us an async send or receive costs.  Awaiting them, or making a
    # task of them, is as with pynng's `async def`; the coroutine keeps the
    # socket or context alive (`owner`), as such a method's frame would.
    @async_method
    def asend(self, data: BytesLike) -> Coroutine[Any, Any, None]:
        """Asynchronously send ``data`` (await the result)."""
        return ops.asend(self.id, self._is_ctx, data, self)

    @async_method
    def arecv(self) -> Coroutine[Any, Any, bytes]:
        """Asynchronously receive a message body (await the result)."""
        return ops.arecv(self.id, self._is_ctx, self._held, False, self)

    async def asend_msg(self, msg: Message) -> None:
        """Asynchronously send a `Message`."""
        await ops.asend(self.id, self._is_ctx, outgoing(msg))
        mark_sent(msg)

    async def arecv_msg(self) -> Message:
        """Asynchronously receive a `Message`."""
        parts = await ops.arecv(self.id, self._is_ctx, self._held, True, self)
        return received(parts, self._pipe_for(parts.pipe))

    def __aiter__(self) -> "Messaging":
        return self

    async def __anext__(self) -> bytes:
        """The next received body; iteration ends when the owner is closed."""
        try:
            return await self.arecv()
        except Closed:
            raise StopAsyncIteration from None


class Context(OptionAccess, Messaging):
    """An independent state machine on a socket (Req0, Rep0, Sub0, Surveyor0, Respondent0).

    Make one with ``socket.new_context()``.  Each context has its own
    outstanding request (or reply), so many can run concurrently on one
    socket, from threads or tasks.  Options set here (``recv_timeout``,
    ``send_timeout``, ``resend_time`` on Req0) apply to this context only.
    """

    __slots__ = ("_cid", "_socket", "_closed", "_held", "__weakref__")

    _opt_kind = const("OBJ_CTX")
    _is_ctx = 1

    recv_timeout = MsOption("recv-timeout")
    send_timeout = MsOption("send-timeout")

    def __init__(self, socket: "Socket") -> None:
        self._closed = True
        self._cid = 0
        self._held = Held(self._keeps_held)
        self._socket = socket
        self._cid = objects.open_context(socket.id)
        self._closed = False

    @property
    def id(self) -> int:
        """The context's core id."""
        return self._cid

    @property
    def _opt_id(self) -> int:
        return self._cid

    @property
    def socket(self) -> "Socket":
        """The socket this context belongs to."""
        return self._socket

    def _pipe_for(self, pid: int) -> Optional[Pipe]:
        return self._socket._pipe_for(pid)

    def close(self) -> None:
        """Close the context; its pending operations fail with `Closed`.  Idempotent."""
        if not self._closed:
            self._closed = True
            self._held.free()
            objects.close_context(self._cid)

    def __repr__(self) -> str:
        return "<%s id=%d socket=%d>" % (type(self).__name__, self._cid, self._socket.id)
