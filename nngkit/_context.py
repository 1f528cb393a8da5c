"""Contexts, and the send/receive surface they share with sockets.

`Messaging` holds the eight send/receive methods (sync and async, bytes and
`Message`) plus ``async for``; a class using it supplies only how to start
an operation on an aio (``nk_sock_*`` or ``nk_ctx_*`` with its id) and how
to name a received message's pipe.  The waiting itself is in `_aio`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Type, TypeVar

from . import _aio, _direct
from ._errors import Closed, check
from ._ffi import ffi, lib
from ._message import BytesLike, Message, Pipe, msg_to_nk, take_body, take_message
from ._options import MsOption
from ._options import OptionAccess

if TYPE_CHECKING:
    from types import TracebackType

    from ._socket import Socket

_M = TypeVar("_M", bound="Messaging")


class Messaging:
    """Send and receive, blocking or asyncio, on a socket or a context.

    A message that the core delivered to a receive whose caller had already
    given up (cancelled task, Ctrl-C) is kept and returned by the next
    receive, so cancellation loses nothing.  Req0 drops it instead: giving up
    on a reply abandons the request, as in NNG.
    """

    __slots__ = ()

    _rescued: Optional[List[Any]]
    _keeps_rescued: bool = True
    _is_ctx = 0  # for nk_send_wait / nk_recv_wait

    @property
    def id(self) -> int:
        """The core id of the socket or context."""
        raise NotImplementedError

    def _start_recv(self, aio: Any) -> None:
        raise NotImplementedError

    def _pipe_for(self, pid: int) -> Optional[Pipe]:
        raise NotImplementedError

    def _rescue(self, m: Any) -> None:
        if self._keeps_rescued:
            if self._rescued is None:
                self._rescued = []  # type: ignore[misc]  # a slot of each subclass
            self._rescued.append(m)
        else:
            lib.nk_msg_free(m)

    def _recv_nk(self, block: bool) -> Any:
        if self._rescued:
            return self._rescued.pop(0)
        return _aio.recv(self._start_recv, block, self._rescue)

    async def _arecv_nk(self) -> Any:
        if self._rescued:
            return self._rescued.pop(0)
        return await _aio.arecv(self._start_recv, self._rescue)

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

    def _free_rescued(self) -> None:
        while self._rescued:
            lib.nk_msg_free(self._rescued.pop())

    def send(self, data: BytesLike, block: bool = True) -> None:
        """Send ``data``.  With ``block=False``, raise `TryAgain` instead of waiting."""
        _direct.send(self.id, self._is_ctx, *_direct.payload(data), block)

    def recv(self, block: bool = True) -> bytes:
        """Receive a message body.  With ``block=False``, raise `TryAgain` if none is ready.

        Waits at most the socket's ``recv_timeout`` (then `Timeout`); raises
        `Closed` if the socket (or context) is closed meanwhile.
        """
        if self._rescued:
            return take_body(self._rescued.pop(0))
        return _direct.recv(self.id, self._is_ctx, block, self._rescue)

    def send_msg(self, msg: Message, block: bool = True) -> None:
        """Send a `Message` (body, header and, if set, the pipe to use)."""
        _direct.send(self.id, self._is_ctx, msg_to_nk(msg), ffi.NULL, 0, block)
        msg._sent = True

    def recv_msg(self, block: bool = True) -> Message:
        """Receive a `Message`, with its header and the pipe it came from."""
        return take_message(self._recv_nk(block), self._pipe_for)

    async def asend(self, data: BytesLike) -> None:
        """Asynchronously send ``data``."""
        await _direct.asend(self.id, self._is_ctx, data)

    async def arecv(self) -> bytes:
        """Asynchronously receive a message body."""
        if self._rescued:
            return take_body(self._rescued.pop(0))
        return await _direct.arecv(self.id, self._is_ctx, self._rescue)

    async def asend_msg(self, msg: Message) -> None:
        """Asynchronously send a `Message`."""
        await _direct.asend(self.id, self._is_ctx, None, msg_to_nk(msg))
        msg._sent = True

    async def arecv_msg(self) -> Message:
        """Asynchronously receive a `Message`."""
        return take_message(await self._arecv_nk(), self._pipe_for)

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

    __slots__ = ("_cid", "_socket", "_closed", "_rescued", "__weakref__")

    _opt_kind = lib.NK_OBJ_CTX
    _is_ctx = 1

    recv_timeout = MsOption("recv-timeout")
    send_timeout = MsOption("send-timeout")

    def __init__(self, socket: "Socket") -> None:
        self._closed = True
        self._cid = 0
        self._rescued = None
        self._socket = socket
        cid = ffi.new("uint32_t *")
        check(lib.nk_ctx_open(socket.id, cid))
        self._cid = int(cid[0])
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

    def _start_recv(self, aio: Any) -> None:
        lib.nk_ctx_recv(self._cid, aio)

    def _pipe_for(self, pid: int) -> Optional[Pipe]:
        return self._socket._pipe_for(pid)

    def close(self) -> None:
        """Close the context; its pending operations fail with `Closed`.  Idempotent."""
        if not self._closed:
            self._closed = True
            self._free_rescued()
            rv = lib.nk_ctx_close(self._cid)
            if rv != lib.NK_ECLOSED:
                check(rv)

    def __repr__(self) -> str:
        return "<%s id=%d socket=%d>" % (type(self).__name__, self._cid, self._socket.id)
