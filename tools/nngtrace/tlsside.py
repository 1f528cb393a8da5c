"""A relay socket that speaks TLS: ciphertext on the wire, plaintext to and from the relay.

The TLS engine is an ``ssl.SSLObject`` over memory BIOs, driven from the
socket's own callbacks, so it behaves the same on asyncio's loop and on
uvloop (no ``start_tls``: bytes a loop delivers before a pause took effect
are never lost), and a failed handshake is an event with its reason rather
than a log line.  Plaintext written before the handshake is over waits for
it.  An end of stream relayed to this side is sent as close_notify, then
a TCP half-close.
"""
from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any, List, Optional

from .side import Side

if TYPE_CHECKING:
    from .relay import Relay

READ = 1 << 16


class TlsSide(Side):
    def __init__(self, relay: "Relay", reads: str, ctx: ssl.SSLContext, server_side: bool,
                 server_hostname: Optional[str] = None) -> None:
        super().__init__(relay, reads)
        self.server_side = server_side
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.ssl = ctx.wrap_bio(self._in, self._out, server_side=server_side, server_hostname=server_hostname)
        self.ready = False
        self.failed = False
        self._pending: List[bytes] = []
        self._eof_pending = False
        self._ours = False  # the proxy closed this socket itself

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if not self.server_side:
            self._handshake()  # the ClientHello

    def data_received(self, data: bytes) -> None:
        if self.failed:
            return
        self._in.write(data)
        if not self.ready and not self._handshake():
            return
        plain: List[bytes] = []
        try:
            while True:
                chunk = self.ssl.read(READ)
                if not chunk:
                    break
                plain.append(chunk)
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:  # close_notify: the peer's end of stream
            self._flush()
            self._deliver(plain)
            self.eof_received()
            return
        except ssl.SSLError as e:
            return self._fail(e)
        self._flush()
        self._deliver(plain)

    def eof_received(self) -> bool:
        if not self.ready and not self.failed:  # the peer hung up in the handshake, without an alert
            self._fail(ConnectionResetError("the peer closed the connection during the TLS handshake"))
            return True
        return super().eof_received()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if not self.ready and not self.failed and not self._ours:
            self.failed = True  # a reset in the handshake (an alert it carried is lost with the reset)
            self.relay.tls_failed(self, exc or ConnectionResetError("connection lost during the TLS handshake"))
        super().connection_lost(exc)

    def _deliver(self, plain: List[bytes]) -> None:
        if plain:
            self.relay.data(self.reads, b"".join(plain))

    def _handshake(self) -> bool:
        try:
            self.ssl.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return False
        except (ssl.SSLError, ValueError) as e:
            self._fail(e)
            return False
        self._flush()
        self.ready = True
        self.relay.tls_ready(self)
        pending, self._pending = self._pending, []
        for data in pending:
            self.write(data)
        if self._eof_pending:
            self.write_eof()
        return True

    def _fail(self, e: BaseException) -> None:
        self._flush()  # the alert we send, if any
        self.failed = True
        self.relay.tls_failed(self, e)

    def _flush(self) -> None:
        out = self._out.read()
        if out:
            Side.write(self, out)

    def write(self, data: Any) -> None:
        if not self.ready:
            self._pending.append(bytes(data))
            return
        try:
            self.ssl.write(data)
        except ssl.SSLError as e:
            return self._fail(e)
        self._flush()

    def write_eof(self) -> None:
        if not self.ready:
            self._eof_pending = True
            return
        try:
            self.ssl.unwrap()
        except ssl.SSLWantReadError:  # the peer's close_notify has not come: ours is sent all the same
            pass
        except ssl.SSLError:
            pass
        self._flush()
        Side.write_eof(self)

    def abort(self) -> None:
        self._ours = True
        super().abort()

    def close(self) -> None:
        self._ours = True
        super().close()
