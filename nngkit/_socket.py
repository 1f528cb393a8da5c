"""Sockets, listeners and dialers.

A `Socket` holds its core id and nothing else of the core: everything it
does is one call of the backend (`_backend.objects`, `_backend.ops`).  Protocol subclasses (in
`_protocols`) only name the protocol number and their extra options.

Open sockets are tracked in a WeakSet; at interpreter exit they are closed
(which completes every pending operation with `Closed`) before the asyncio
completion queues are released, so exit neither hangs nor crashes.
"""

from __future__ import annotations

import atexit
import logging
import weakref
from typing import Any, ClassVar, Dict, Optional, Tuple, TypeVar, Union

from ._backend import asyncio_queue, objects
from ._backend.core import const
from ._backend.msg import Held
from ._context import Context, Messaging
from ._errors import ConnectionRefused
from ._message import Pipe
from ._pipes import PipeEvents
from ._options import (
    BoolOption, IntOption, MsOption, Option, OptionAccess, SizeOption, SockAddrOption, StrOption)
from ._stats import EndpointStats, SocketStats, endpoint_stats, socket_stats
from ._tls import TLSConfig, TLSConfigOption, check_not_freed

logger = logging.getLogger(__name__)

_open_sockets: "weakref.WeakSet[Socket]" = weakref.WeakSet()


def _url_bytes(address: Union[str, bytes]) -> bytes:
    """A URL as the core takes it (pynng accepts str or bytes)."""
    return bytes(address) if isinstance(address, (bytes, bytearray)) else address.encode("utf-8")


_E = TypeVar("_E", bound="_Endpoint")


class _Endpoint(OptionAccess):
    """What listeners and dialers share: an id, a socket, options, close."""

    _opt_kind: ClassVar[int]

    url = StrOption("url", "The URL; for a tcp listener on port 0, the bound one.")
    recv_max_size = SizeOption("recv-size-max")
    tcp_nodelay = BoolOption("tcp-nodelay", "Disable Nagle's algorithm on its new tcp connections (default: the socket's).")
    tcp_keepalive = BoolOption("tcp-keepalive", "Enable tcp keepalives on its new connections (default: the socket's).")
    peer = IntOption("peer", "The peer protocol number of its socket (read-only).")
    peer_name = StrOption("peer-name", "The peer protocol name of its socket (read-only).")
    tls_config = TLSConfigOption("tls-config", "Its `TLSConfig` (tls+tcp://, wss://), replacing its own.")
    tls_ca_file = StrOption("tls-ca-file", "Trust the PEM certificates of this file (write-only).")
    tls_cert_key_file = StrOption("tls-cert-key-file", "Its certificate(s) then key, one PEM file (write-only).")
    tls_auth_mode = IntOption("tls-authmode", "TLSConfig.AUTH_MODE_* (write-only).")
    tls_server_name = StrOption("tls-server-name", "The name the server's certificate must carry.")
    ws_txframe_max = SizeOption("ws:txframe-max", "ws: largest frame it sends; longer messages are fragmented.")
    ws_rxframe_max = SizeOption("ws:rxframe-max", "ws: largest frame it accepts.")
    ws_protocol = StrOption("ws:protocol", "ws: the subprotocol it asks for or answers (read-only).")
    reconnect_time_min = MsOption(
        "reconnect-time-min", "First reconnect delay in ms (a listener reads its socket's and cannot set it).")
    reconnect_time_max = MsOption(
        "reconnect-time-max", "Largest reconnect delay in ms (a listener reads its socket's and cannot set it).")
    local_address = SockAddrOption(
        "local-address", "A `SockAddr`: a listener's bound address; a tcp or ws dialer's is unspecified.")
    remote_address = SockAddrOption(
        "remote-address", "A `SockAddr`: only inproc endpoints have one (NotSupported elsewhere, as in NNG).")

    def __init__(self, eid: int, socket: "Socket") -> None:
        self._eid = eid
        self.socket = socket

    @property
    def id(self) -> int:
        """The endpoint's core id."""
        return self._eid

    @property
    def _opt_id(self) -> int:
        return self._eid

    def _close(self) -> None:
        raise NotImplementedError

    def stats(self) -> EndpointStats:
        """A snapshot of this endpoint's counters (see `EndpointStats`)."""
        return endpoint_stats(self._opt_kind, self._eid)

    def _configure(self, options: Dict[str, Any]) -> None:
        for attr, value in options.items():
            if not isinstance(getattr(type(self), attr, None), Option):
                raise TypeError("%s has no option %r" % (type(self).__name__, attr))
            setattr(self, attr, value)

    def __enter__(self: _E) -> _E:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self: _E) -> _E:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

    async def aclose(self) -> None:
        """`close` for async code (closing never blocks)."""
        self.close()

    def close(self) -> None:
        """Stop this endpoint and close its connections.  Idempotent."""
        self.socket._forget(self)
        self._close()

    def __repr__(self) -> str:
        return "<%s id=%d socket=%d>" % (type(self).__name__, self._eid, self.socket.id)


class Listener(_Endpoint):
    """Accepts connections on one address; made by `Socket.listen`."""

    _opt_kind = const("OBJ_LISTENER")

    port = IntOption("tcp-bound-port", "The bound port of a tcp, tls+tcp, ws or wss listener (the real one after port 0).")
    ipc_permissions = IntOption(
        "ipc:permissions", "Mode of an ipc listener's socket file (e.g. 0o600); write-only.")

    ws_response_headers = StrOption(
        "ws:response-headers", "ws: extra \"Name: value\" lines (CRLF between) for the upgrade's answer.")

    def start(self) -> None:
        """Start listening: for a listener made with ``listen(..., start=False)``."""
        check_not_freed(self)
        objects.start_listener(self._eid)

    def _close(self) -> None:
        objects.close_listener(self._eid)


class Dialer(_Endpoint):
    """Connects (and reconnects) to one address; made by `Socket.dial`."""

    _opt_kind = const("OBJ_DIALER")

    ws_request_headers = StrOption(
        "ws:request-headers", "ws: extra \"Name: value\" lines (CRLF between) for the upgrade request.")

    def start(self, block: Optional[bool] = None) -> None:
        """Start dialing, for a dialer made with ``dial(..., start=False)``.

        ``block`` as in `Socket.dial`.
        """
        check_not_freed(self)
        if block is None:
            try:
                objects.start_dialer(self._eid, True)
            except ConnectionRefused:
                logger.debug("blocking dial to %s refused; dialing in the background", self.url)
                objects.start_dialer(self._eid, False)
        else:
            objects.start_dialer(self._eid, block)

    def _close(self) -> None:
        objects.close_dialer(self._eid)


class Socket(PipeEvents, OptionAccess, Messaging):
    """A socket of one of the scalability protocols; use a subclass.

    Keyword arguments set options before ``listen``/``dial`` happen:
    ``recv_timeout``, ``send_timeout``, ``recv_max_size``,
    ``reconnect_time_min``, ``reconnect_time_max``, ``name``,
    ``recv_buffer_size``, ``send_buffer_size``, plus the protocol's own
    (``resend_time`` for Req0).  ``listen=url`` and ``dial=url`` then start
    endpoints; ``block_on_dial`` is passed to `dial` as ``block``.
    ``raw=True`` opens a raw-mode socket.
    """

    # Protocol data, set by subclasses.
    _proto: ClassVar[Optional[int]] = None
    _extra_options: ClassVar[Tuple[str, ...]] = ()

    _opt_kind = const("OBJ_SOCKET")

    name = StrOption("socket-name", "The socket's name (for debugging).")
    protocol = IntOption("protocol", "The protocol number (read-only).")
    protocol_name = StrOption("protocol-name", "The protocol name (read-only).")
    peer = IntOption("peer", "The peer's protocol number (read-only).")
    peer_name = StrOption("peer-name", "The peer's protocol name (read-only).")
    recv_timeout = MsOption("recv-timeout", "Receive timeout in ms (-1: none).")
    send_timeout = MsOption("send-timeout", "Send timeout in ms (-1: none).")
    recv_max_size = SizeOption("recv-size-max", "Largest message accepted, in bytes; larger ones drop their connection.")
    recv_buffer_size = IntOption("recv-buffer", "Messages buffered on receive.")
    send_buffer_size = IntOption("send-buffer", "Messages buffered on send.")
    reconnect_time_min = MsOption("reconnect-time-min", "First reconnect delay in ms.")
    reconnect_time_max = MsOption("reconnect-time-max", "Largest reconnect delay in ms (0: no backoff).")
    ttl_max = IntOption("ttl-max", "Maximum hops a message may travel.")
    tcp_nodelay = BoolOption("tcp-nodelay", "Disable Nagle's algorithm on new tcp connections.")
    tcp_keepalive = BoolOption("tcp-keepalive", "Enable tcp keepalives on new connections.")
    handshake_timeout = MsOption("handshake-timeout", "Drop peers that do not finish the SP handshake in time (ms).")
    tls_config = TLSConfigOption("tls-config", "The `TLSConfig` of its tls+tcp:// and wss:// dialers and listeners.")
    recv_fd = IntOption(
        "recv-fd", "A descriptor that polls readable while a receive would not block (only poll it; "
        "NotSupported for send-only protocols). Closed with the socket.")
    send_fd = IntOption(
        "send-fd", "A descriptor that polls readable while a send would not block (only poll it; "
        "NotSupported for receive-only protocols). Closed with the socket.")

    def __init__(
        self,
        *,
        dial: Optional[Union[str, bytes]] = None,
        listen: Optional[Union[str, bytes]] = None,
        recv_timeout: Optional[int] = None,
        send_timeout: Optional[int] = None,
        recv_max_size: Optional[int] = None,
        recv_buffer_size: Optional[int] = None,
        send_buffer_size: Optional[int] = None,
        reconnect_time_min: Optional[int] = None,
        reconnect_time_max: Optional[int] = None,
        name: Optional[str] = None,
        block_on_dial: Optional[bool] = None,
        tls_config: Optional[TLSConfig] = None,
        raw: bool = False,
        async_backend: Optional[str] = None,
        **protocol_options: Any,
    ) -> None:
        self._closed = True  # until the core socket exists
        self._sid = 0
        self._held = Held(self._keeps_held)
        self._callbacks = None
        self._pipe_thread = None
        self._raw = bool(raw)
        self._listeners: Dict[int, Listener] = {}
        self._dialers: Dict[int, Dialer] = {}
        # made on the first Pipe asked for: an empty WeakValueDictionary is ~0.6 KiB, a
        # seventh of a socket's memory when a process holds thousands of them
        self._pipes: "Optional[weakref.WeakValueDictionary[int, Pipe]]" = None
        proto = self._check_arguments(async_backend, protocol_options)
        self._sid = objects.open_socket(proto, self._raw)
        self._closed = False
        _open_sockets.add(self)
        settings = dict(
            recv_timeout=recv_timeout, send_timeout=send_timeout,
            recv_max_size=recv_max_size, recv_buffer_size=recv_buffer_size,
            send_buffer_size=send_buffer_size, reconnect_time_min=reconnect_time_min,
            reconnect_time_max=reconnect_time_max, name=name, tls_config=tls_config, **protocol_options,
        )
        try:
            self._start(settings, listen, dial, block_on_dial)
        except BaseException:
            self.close()
            raise

    def _check_arguments(self, async_backend: Optional[str], protocol_options: Dict[str, Any]) -> int:
        """The protocol number to open, once the arguments are known to be valid."""
        if self._proto is None:
            raise TypeError("Cannot directly instantiate a Socket.  Try a subclass.")
        # The running framework is detected per call; naming one is accepted for pynng's sake.
        if async_backend not in (None, "asyncio", "trio"):
            raise ValueError("The async backend %s is not currently supported." % async_backend)
        unknown = set(protocol_options) - set(self._extra_options)
        if unknown:
            raise TypeError("%s() got unexpected keyword argument(s): %s"
                            % (type(self).__name__, ", ".join(sorted(unknown))))
        return self._proto

    def _start(self, settings: Dict[str, Any], listen: Optional[Union[str, bytes]],
               dial: Optional[Union[str, bytes]], block_on_dial: Optional[bool]) -> None:
        """Set the constructor's options, then listen and dial (in that order)."""
        for attr, value in settings.items():
            if value is not None:
                setattr(self, attr, value)
        if listen is not None:
            self.listen(listen)
        if dial is not None:
            self.dial(dial, block=block_on_dial)

    # -- identity -------------------------------------------------------

    @property
    def id(self) -> int:
        """The socket's core id."""
        return self._sid

    @property
    def _opt_id(self) -> int:
        return self._sid

    @property
    def raw(self) -> bool:
        """Whether the socket was opened in raw mode."""
        return self._raw

    @property
    def closed(self) -> bool:
        """Whether `close` has been called."""
        return self._closed

    # -- endpoints ------------------------------------------------------

    def listen(self, address: Union[str, bytes], flags: int = 0, *, start: bool = True,
               **options: Any) -> Listener:
        """Accept connections at ``address`` (``tcp://``, ``ipc://``, ``inproc://``, ``ws://``).

        ``options`` are `Listener` attributes set before it starts, e.g.
        ``ipc_permissions=0o600``, ``tcp_nodelay=False``, ``recv_max_size``.
        ``start=False`` (nngkit only): create it, set what no attribute names
        (``set_opt_string("ws:response-header:X-Id", "7")``), then `Listener.start`.
        ``flags`` is accepted for pynng and ignored, as NNG ignores it.
        """
        listener = Listener(objects.create_listener(self._sid, _url_bytes(address)), self)
        try:
            listener._configure(options)
            if start:
                listener.start()
        except BaseException:
            objects.close_listener(listener.id)
            raise
        self._listeners[listener.id] = listener
        return listener

    def dial(self, address: Union[str, bytes], block: Optional[bool] = None, *, start: bool = True,
             **options: Any) -> Dialer:
        """Connect to ``address``.

        ``block=True``: connect now or raise.  ``block=False``: connect in
        the background, retrying until it works.  ``block=None`` (default):
        try to connect now, and if that is refused, go on in the background.
        ``options`` are `Dialer` attributes set before the first attempt
        (``tcp_nodelay=False``, ``reconnect_time_min=50``,
        ``ws_request_headers="X-Id: 7"``, ...).  ``start=False`` (nngkit
        only): create it without connecting; set options, then `Dialer.start`.
        """
        dialer = Dialer(objects.create_dialer(self._sid, _url_bytes(address)), self)
        try:
            dialer._configure(options)
            if start:
                dialer.start(block)
        except BaseException:
            objects.close_dialer(dialer.id)
            raise
        self._dialers[dialer.id] = dialer
        return dialer

    def _forget(self, endpoint: _Endpoint) -> None:
        table: Dict[int, Any] = self._listeners if isinstance(endpoint, Listener) else self._dialers
        table.pop(endpoint.id, None)

    @property
    def listeners(self) -> Tuple[Listener, ...]:
        """The listeners started by `listen` and not closed."""
        return tuple(self._listeners.values())

    @property
    def dialers(self) -> Tuple[Dialer, ...]:
        """The dialers started by `dial` and not closed."""
        return tuple(self._dialers.values())

    # -- messaging (the methods themselves are in Messaging) -------------

    def _pipe_for(self, pid: int) -> Optional[Pipe]:
        if not pid:
            return None
        pipes = self._pipes
        if pipes is None:
            pipes = self._pipes = weakref.WeakValueDictionary()
        pipe = pipes.get(pid)
        if pipe is None:
            pipe = Pipe(pid, self)
            pipes[pid] = pipe
        return pipe

    def stats(self) -> SocketStats:
        """A snapshot of this socket's counters (see `SocketStats`)."""
        return socket_stats(self._sid)

    def new_context(self) -> Context:
        """A new `Context` on this socket (Req0, Rep0, Sub0, Surveyor0, Respondent0)."""
        return Context(self)

    # -- lifetime -------------------------------------------------------

    def close(self) -> None:
        """Close the socket: pending operations fail with `Closed`.  Idempotent."""
        if self._closed:
            return
        self._closed = True
        _open_sockets.discard(self)
        self._listeners.clear()
        self._dialers.clear()
        self._held.free()
        objects.close_socket(self._sid)
        self._end_pipe_events()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return "<%s id=%d%s>" % (type(self).__name__, self._sid, state)


def _close_all_at_exit() -> None:
    for sock in list(_open_sockets):
        try:
            sock.close()
        except Exception:
            pass
    asyncio_queue.release_at_exit()


atexit.register(_close_all_at_exit)
