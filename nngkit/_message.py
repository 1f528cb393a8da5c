"""Messages and pipes.

A `Message` is a plain Python value (body, header, pipe); the core's
``nk_msg`` exists only while a message is in flight, in the backend
(`_backend.msg`): a send takes the `Parts` of a message (`outgoing`), a
receive gives them (`received`), so no Python object ever owns core memory.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, List, Optional, Union

from ._backend import objects, options
from ._backend.core import const
from ._backend.msg import Parts, as_view
from ._errors import Closed, MessageStateError
from ._options import BoolOption, IntOption, OptionAccess, SockAddrOption, StrOption
from ._stats import PipeStats, pipe_stats

if TYPE_CHECKING:
    from ._socket import Socket

BytesLike = Union[bytes, bytearray, memoryview]


class Pipe(OptionAccess):
    """One connection between this socket and a peer.

    Pipes are named by their core id; two `Pipe` objects with the same id
    are equal.  A pipe that has gone away raises `Closed` when used.
    """

    _opt_kind = const("OBJ_PIPE")

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
    tls_verified = BoolOption("tls-verified", "Whether the peer's certificate was verified (tls+tcp, wss).")
    tls_peer_cn = StrOption("tls-peer-cn", "The common name of the peer's certificate (tls+tcp, wss).")
    remote_address = SockAddrOption(
        "remote-address", "The peer's address, a `SockAddr` (a str: \"127.0.0.1:5555\", \"[::1]:5555\", an ipc path).")
    local_address = SockAddrOption("local-address", "This side's address of the connection, a `SockAddr`.")

    @property
    def tls_peer_alt_names(self) -> List[str]:
        """The DNS and IP alternative names of the peer's certificate (tls+tcp, wss)."""
        text = options.get_str(self._opt_kind, self._pid, b"tls-peer-alt-names")
        return [name for name in text.split("\n") if name]

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
        objects.close_pipe(self._pid)

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

    def _ep_id(self, name: bytes) -> int:
        return options.get_int(self._opt_kind, self._pid, name)

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
        self._data = bytes(as_view(data))
        self._header = bytes(as_view(header))
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


def outgoing(msg: Message) -> Parts:
    """What a send of `msg` hands to the backend (`MessageStateError` once sent)."""
    if not isinstance(msg, Message):
        raise TypeError("expected a Message, not %s" % type(msg).__name__)
    if msg._sent:
        raise MessageStateError("Attempted to send the same message more than once.")
    return Parts(msg._data, msg._header, msg._pipe.id if msg._pipe is not None else 0)


def mark_sent(msg: Message) -> None:
    """A successful send handed `msg` over (as in pynng)."""
    msg._sent = True


def received(parts: Parts, pipe: Optional[Pipe]) -> Message:
    """A `Message` made of what a receive gave, from `pipe`."""
    msg = Message.__new__(Message)
    msg._data, msg._header, msg._pipe, msg._sent = parts.body, parts.header, pipe, False
    return msg
