"""Statistics: ``sock.stats()``, ``pipe.stats()``, ``dialer.stats()``.

Each call is one core call that copies the counters of one object at one
instant into a frozen dataclass; the core keeps counting, the snapshot does
not change.  Counters only grow (``pipes``, ``dialers`` and ``listeners``
are gauges: the number now).  A snapshot also reads like a mapping
(``stats["msgs_in"]``, ``dict(stats)``), so code that prints or logs every
counter needs no list of names.

Bytes are SP message bytes (protocol header + body) as carried by a
connection, without the transport's framing: one side's ``bytes_out`` is
its peer's ``bytes_in``.  A message counts as out once handed to a
connection.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Iterator, Type, TypeVar

from ._backend import counters

S = TypeVar("S", bound="_Stats")


@dataclasses.dataclass(frozen=True)
class _Stats:
    """Mapping-style access shared by the snapshot classes."""

    def __getitem__(self, name: str) -> int:
        if name not in self._names():
            raise KeyError(name)
        return int(getattr(self, name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def keys(self) -> Iterator[str]:
        """The counter names, in the core's order."""
        return iter(self._names())

    def as_dict(self) -> Dict[str, int]:
        """The counters as a plain dict."""
        return {name: int(getattr(self, name)) for name in self._names()}

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def _pick(cls: Type[S], counts: Dict[str, int]) -> S:
        return cls(**{name: counts[name] for name in cls._names()})


@dataclasses.dataclass(frozen=True)
class _Traffic(_Stats):
    msgs_in: int = 0
    """Messages received from peers."""
    bytes_in: int = 0
    """Their bytes (protocol header + body)."""
    msgs_out: int = 0
    """Messages handed to connections."""
    bytes_out: int = 0
    """Their bytes (protocol header + body)."""


@dataclasses.dataclass(frozen=True)
class SocketStats(_Traffic):
    """Counters of one socket (all its connections together)."""

    pipes: int = 0
    """Connections established now."""
    pipes_added: int = 0
    """Connections admitted after their handshake."""
    pipes_removed: int = 0
    """Admitted connections that ended."""
    dialers: int = 0
    """Dialers open now."""
    listeners: int = 0
    """Listeners open now."""
    rejects: int = 0
    """Connections refused at handshake: bad SP header, wrong peer
    protocol, or closed by a pre-connect callback; a failed TLS handshake
    (either end); a ws upgrade the listener refused."""
    handshake_timeouts: int = 0
    """Connections that did not complete the handshake within
    ``handshake_timeout``."""
    reconnects: int = 0
    """Dial attempts made by the reconnect back-off."""
    proto_errors: int = 0
    """Established connections dropped for a malformed message."""
    drop_oversize: int = 0
    """Connections dropped because a message exceeded ``recv_max_size``."""
    drop_send_full: int = 0
    """Messages dropped because a peer's send queue was full (PUB, BUS,
    SURVEYOR, polyamorous PAIR1, raw REP/RESPONDENT)."""
    drop_recv_full: int = 0
    """Messages dropped because the receive queue was full (SUB, BUS)."""
    drop_ttl: int = 0
    """Messages dropped because they had travelled more than ``ttl_max``
    hops."""
    drop_stale: int = 0
    """Replies or responses that nobody waited for any more."""
    drop_no_pipe: int = 0
    """Replies whose connection had gone."""


@dataclasses.dataclass(frozen=True)
class PipeStats(_Traffic):
    """Traffic of one connection: ``msgs_in``, ``bytes_in``, ``msgs_out``, ``bytes_out``."""


@dataclasses.dataclass(frozen=True)
class EndpointStats(_Stats):
    """Counters of one dialer or listener."""

    pipes: int = 0
    """Connections established through it now."""
    connects: int = 0
    """Connections that completed the SP handshake."""
    disconnects: int = 0
    """Established connections that ended."""
    rejects: int = 0
    """Its connections refused at handshake time."""
    handshake_timeouts: int = 0
    """Its connections that did not complete the handshake in time."""
    connect_errors: int = 0
    """Dialer: attempts that failed (refused, unreachable); listener:
    accept errors (out of file descriptors)."""
    attempts: int = 0
    """Dialer: connection attempts."""
    reconnects: int = 0
    """Dialer: attempts made by the reconnect back-off."""
    accepts: int = 0
    """Listener: connections accepted (before the handshake)."""


def socket_stats(sid: int) -> SocketStats:
    return SocketStats._pick(counters.socket_counters(sid))


def pipe_stats(pid: int) -> PipeStats:
    return PipeStats._pick(counters.pipe_counters(pid))


def endpoint_stats(kind: int, eid: int) -> EndpointStats:
    return EndpointStats._pick(counters.endpoint_counters(kind, eid))
