"""Messages and pipes.

A `Message` is a plain Python value (body, header, pipe); the core's
``nk_msg`` exists only while a message is in flight.  `to_nk` builds one for
a send and `take_body` / `take_message` turn a received one back into Python
objects and free it, so no Python object ever owns core memory.
"""

from __future__ import annotations

import atexit
import builtins
import itertools
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Union

from ._errors import Closed, MessageStateError, check
from ._ffi import ffi, lib
from ._options import BoolOption, IntOption, OptionAccess, StrOption
from ._stats import PipeStats, pipe_stats

if TYPE_CHECKING:
    from ._socket import Socket

BytesLike = Union[bytes, bytearray, memoryview]


def _as_view(data: Any) -> memoryview:
    if isinstance(data, str):
        raise ValueError('Cannot send type str.  Maybe you left out a ".encode()" somewhere?')
    view = memoryview(data)
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    return view


class Pipe(OptionAccess):
    """One connection between this socket and a peer.

    Pipes are named by their core id; two `Pipe` objects with the same id
    are equal.  A pipe that has gone away raises `Closed` when used.
    """

    _opt_kind = lib.NK_OBJ_PIPE

    url = StrOption("url", "The URL of the dialer or listener that made it.")
    protocol = IntOption("protocol", "This side's protocol number.")
    protocol_name = StrOption("protocol-name", "This side's protocol name.")
    peer = IntOption("peer", "The peer's protocol number, from its SP header.")
    peer_name = StrOption("peer-name", "The peer's protocol name.")
    tcp_nodelay = BoolOption("tcp-nodelay", "Whether Nagle's algorithm is off on this tcp connection (read from the kernel).")
    tcp_keepalive = BoolOption("tcp-keepalive", "Whether tcp keepalives are on for this connection (read from the kernel).")
    peer_pid = IntOption("ipc:peer-pid", "The peer process id of an ipc connection (SO_PEERCRED).")
    peer_uid = IntOption("ipc:peer-uid", "The peer user id of an ipc connection.")
    peer_gid = IntOption("ipc:peer-gid", "The peer group id of an ipc connection.")

    def __init__(self, pid: int, socket: Optional["Socket"] = None) -> None:
        self._pid = int(pid)
        self.socket = socket

    @property
    def id(self) -> int:
        """The pipe's core id."""
        return self._pid

    @property
    def _opt_id(self) -> int:
        return self._pid

    def close(self) -> None:
        """Close this connection; the socket and its other pipes stay up."""
        check(lib.nk_pipe_close(self._pid))

    @property
    def closed(self) -> bool:
        """Whether the connection has gone (closed by either side)."""
        try:
            self._ep_id(b"id")
        except Closed:
            return True
        return False

    def stats(self) -> PipeStats:
        """A snapshot of this connection's traffic (see `PipeStats`)."""
        return pipe_stats(self._pid)

    def _str_opt(self, name: bytes) -> str:
        buf = ffi.new("char[]", 512)
        check(lib.nk_opt_get_str(lib.NK_OBJ_PIPE, self._pid, name, buf, 512))
        return str(ffi.string(buf).decode("utf-8", "replace"))

    @property
    def remote_address(self) -> str:
        """The peer's address ("127.0.0.1:5555", "[::1]:5555", an ipc path)."""
        return self._str_opt(b"remote-address")

    @property
    def local_address(self) -> str:
        """This side's address of the connection."""
        return self._str_opt(b"local-address")

    def _ep_id(self, name: bytes) -> int:
        out = ffi.new("int64_t *")
        check(lib.nk_opt_get_int(lib.NK_OBJ_PIPE, self._pid, name, out))
        return int(out[0])

    @property
    def dialer(self) -> Any:
        """The `Dialer` that made this pipe, or None."""
        return self._owner()._dialers.get(self._ep_id(b"dialer")) if self.socket else None

    @property
    def listener(self) -> Any:
        """The `Listener` that accepted this pipe, or None."""
        return self._owner()._listeners.get(self._ep_id(b"listener")) if self.socket else None

    def send(self, data: BytesLike) -> None:
        """Send ``data`` through this pipe (via its socket)."""
        self._owner().send_msg(Message(data, self))

    async def asend(self, data: BytesLike) -> None:
        """Asynchronously send ``data`` through this pipe."""
        await self._owner().asend_msg(Message(data, self))

    def send_msg(self, msg: "Message") -> None:
        """Send ``msg`` through this pipe."""
        msg.pipe = self
        self._owner().send_msg(msg)

    async def asend_msg(self, msg: "Message") -> None:
        """Asynchronously send ``msg`` through this pipe."""
        msg.pipe = self
        await self._owner().asend_msg(msg)

    def _owner(self) -> "Socket":
        if self.socket is None:
            raise ValueError("this Pipe is not attached to a socket")
        return self.socket

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipe):
            return NotImplemented
        return self._pid == other._pid

    def __hash__(self) -> int:
        return hash((Pipe, self._pid))

    def __repr__(self) -> str:
        return "<Pipe id=%d>" % self._pid


class Message:
    """A message: a body, an optional protocol header and an optional pipe.

    On receive, ``pipe`` says which connection the message came from; on
    send, a set ``pipe`` asks the protocol to use that connection (for
    protocols that route by pipe).  As in pynng, a message is handed over
    by a successful send: sending it again, or reading its body afterwards,
    raises `MessageStateError`.
    """

    __slots__ = ("_data", "_header", "_pipe", "_sent")

    def __init__(self, data: BytesLike, pipe: Optional[Pipe] = None, *, header: BytesLike = b"") -> None:
        self._data = bytes(_as_view(data))
        self._header = bytes(_as_view(header))
        self._pipe: Optional[Pipe] = None
        self._sent = False
        if pipe is not None:
            self.pipe = pipe

    @property
    def bytes(self) -> builtins.bytes:
        """The message body (`MessageStateError` once the message was sent)."""
        if self._sent:
            raise MessageStateError("Message buffer is no longer available after sending.")
        return self._data

    @property
    def _buffer(self) -> memoryview:
        """The body as a buffer (pynng's name)."""
        return memoryview(self.bytes)

    @property
    def header(self) -> builtins.bytes:
        """The protocol header (request ids, backtraces); usually empty."""
        return self._header

    @property
    def pipe(self) -> Optional[Pipe]:
        """The pipe the message came from, or should go out on."""
        return self._pipe

    @pipe.setter
    def pipe(self, pipe: Optional[Pipe]) -> None:
        if pipe is not None and not isinstance(pipe, Pipe):
            raise ValueError("pipe must be type Pipe, not %s" % type(pipe).__name__)
        self._pipe = pipe

    def __len__(self) -> int:
        return len(self.bytes)

    def __repr__(self) -> str:
        pipe = self._pipe.id if self._pipe is not None else None
        return "<Message %d bytes, header %d bytes, pipe=%s>" % (
            len(self._data), len(self._header), pipe)


# Large `bytes` are not copied into the message: the core borrows their
# buffer (nk_msg_lend; bytes are immutable) and `_lent` keeps each alive
# until the core hands its token back (nk_msg_reclaim).
LEND_MIN = 64 * 1024
_RECLAIM_BATCH = 64
_lent: Dict[int, bytes] = {}
_tokens = itertools.count(1)


def _reclaim() -> None:
    """Drop the bodies the core no longer uses."""
    tokens = ffi.new("uint64_t[]", _RECLAIM_BATCH)  # per call: threads may race here
    while True:
        n = lib.nk_msg_reclaim(tokens, _RECLAIM_BATCH)
        for i in range(n):
            _lent.pop(int(tokens[i]), None)
        if n < _RECLAIM_BATCH:
            return


def _lend(data: bytes, mp: Any) -> None:
    token = next(_tokens)
    _lent[token] = data
    rv = lib.nk_msg_lend(mp, ffi.from_buffer(data), len(data), token)
    if rv:
        del _lent[token]
        check(rv)


@atexit.register
def _keep_lent_at_exit() -> None:
    """Bodies still lent at exit must outlive the interpreter's teardown
    (the core's thread may still write them out): keep them forever."""
    _reclaim()
    if _lent:
        import ctypes
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_lent))


def to_nk(data: Any, header: bytes = b"", pipe_id: int = 0) -> Any:
    """A new ``nk_msg *`` holding ``data`` (the caller owns it)."""
    if _lent:
        _reclaim()
    mp = ffi.new("nk_msg **")
    if type(data) is bytes and len(data) >= LEND_MIN:
        _lend(data, mp)
        m = mp[0]
    else:
        view = _as_view(data)
        size = view.nbytes
        check(lib.nk_msg_alloc(mp, size))
        m = mp[0]
        if size:
            ffi.memmove(lib.nk_msg_body(m), view, size)
    if header:
        rv = lib.nk_msg_header_append(m, ffi.from_buffer(header), len(header))
        if rv:
            lib.nk_msg_free(m)
            check(rv)
    if pipe_id:
        lib.nk_msg_set_pipe(m, pipe_id)
    return m


def msg_to_nk(msg: Message) -> Any:
    """A new ``nk_msg *`` for sending `msg`."""
    if not isinstance(msg, Message):
        raise TypeError("expected a Message, not %s" % type(msg).__name__)
    if msg._sent:
        raise MessageStateError("Attempted to send the same message more than once.")
    pid = msg.pipe.id if msg.pipe is not None else 0
    return to_nk(msg._data, msg.header, pid)


def _copy(ptr: Any, size: int) -> bytes:
    return ffi.buffer(ptr, size)[:] if size else b""


def take_body(m: Any) -> bytes:
    """The body of a received ``nk_msg *``, which is freed."""
    try:
        return _copy(lib.nk_msg_body(m), lib.nk_msg_len(m))
    finally:
        lib.nk_msg_free(m)


def take_message(m: Any, pipe_for: Callable[[int], Optional[Pipe]]) -> Message:
    """A `Message` made from a received ``nk_msg *``, which is freed."""
    try:
        msg = Message.__new__(Message)
        msg._data = _copy(lib.nk_msg_body(m), lib.nk_msg_len(m))
        msg._header = _copy(lib.nk_msg_header(m), lib.nk_msg_header_len(m))
        msg._pipe = pipe_for(lib.nk_msg_pipe(m))
        msg._sent = False
        return msg
    finally:
        lib.nk_msg_free(m)
