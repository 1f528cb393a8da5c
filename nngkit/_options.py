"""Option descriptors: ``sock.recv_timeout = 100`` becomes one core call.

Every object that carries options (socket, context, dialer, listener, pipe)
has a class attribute ``_opt_kind`` (an ``NK_OBJ_*`` number) and a property
``_opt_id`` (its core id).  A descriptor knows only the option's core name
("recv-timeout", "req:resend-time", ...) and its Python type; the core checks
names, values and read-only-ness, so a wrong use raises the core's error
(``NotSupported``, ``ReadOnly``, ``InvalidOperation``...).  A closed object
has a stale id and raises ``Closed``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Generic, Optional, TypeVar, Union, overload

from ._backend.core import const
from ._backend.options import get_int, get_str, set_bin, set_int, set_str_bytes
from ._errors import check
from ._sockaddr import SockAddr, from_core

T = TypeVar("T")

_EWRITEONLY = const("EWRITEONLY")


def set_str(kind: int, oid: int, name: bytes, value: Union[str, bytes]) -> None:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if b"\0" in raw:
        raise ValueError("option strings cannot contain NUL bytes")
    set_str_bytes(kind, oid, name, raw)


def as_int(value: Any) -> int:
    """Accept ints, and floats that hold an exact integer (as pynng does)."""
    if isinstance(value, bool):
        return int(value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number != value:
        raise ValueError(
            "Invalid value %r of type %s.  Expected int." % (value, type(value).__name__)
        )
    return number


class Option(Generic[T]):
    """Base descriptor; subclasses say how a value crosses the boundary."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self._cname = name.encode("ascii")
        self.attr = name
        self.__doc__ = doc or "The %r option." % name

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    @overload
    def __get__(self, obj: None, owner: Optional[type] = None) -> "Option[T]":
        ...

    @overload
    def __get__(self, obj: object, owner: Optional[type] = None) -> T:
        ...

    def __get__(self, obj: Any, owner: Optional[type] = None) -> Any:
        if obj is None:
            return self
        return self._get(obj._opt_kind, obj._opt_id)

    def __set__(self, obj: Any, value: T) -> None:
        self._set(obj._opt_kind, obj._opt_id, value)

    def _get(self, kind: int, oid: int) -> T:
        raise NotImplementedError

    def _set(self, kind: int, oid: int, value: T) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return "<%s %r>" % (type(self).__name__, self.name)


class IntOption(Option[int]):
    """An integer option."""

    def _get(self, kind: int, oid: int) -> int:
        return get_int(kind, oid, self._cname)

    def _set(self, kind: int, oid: int, value: int) -> None:
        set_int(kind, oid, self._cname, as_int(value))


class MsOption(IntOption):
    """A duration in milliseconds (-1 is infinite)."""


class SizeOption(IntOption):
    """A size in bytes."""


class BoolOption(Option[bool]):
    """A boolean option (an integer 0/1 in the core)."""

    def _get(self, kind: int, oid: int) -> bool:
        return bool(get_int(kind, oid, self._cname))

    def _set(self, kind: int, oid: int, value: bool) -> None:
        set_int(kind, oid, self._cname, 1 if value else 0)


class StrOption(Option[str]):
    """A text option."""

    def _get(self, kind: int, oid: int) -> str:
        return get_str(kind, oid, self._cname)

    def _set(self, kind: int, oid: int, value: str) -> None:
        set_str(kind, oid, self._cname, value)


class SockAddrOption(Option[SockAddr]):
    """An address, read-only: a `SockAddr` of the class the object's URL calls for."""

    def _get(self, kind: int, oid: int) -> SockAddr:
        text = get_str(kind, oid, self._cname)
        return from_core(text, get_str(kind, oid, b"url"))

    def _set(self, kind: int, oid: int, value: SockAddr) -> None:
        raise TypeError("%s is read-only" % self.attr)  # pynng's error type


# pynng's class names, for code that introspects descriptors.
BooleanOption = BoolOption
StringOption = StrOption


def as_topic(topic: Union[str, bytes, bytearray, memoryview]) -> bytes:
    """A SUB topic as bytes (str topics are UTF-8, as in pynng)."""
    return topic.encode("utf-8") if isinstance(topic, str) else bytes(topic)


# -- generic access by NNG's option names ------------------------------------

# How each named option crosses the boundary.  Names not listed are read
# and written as integers; the core decides whether they exist.
OPTION_TYPES: Dict[str, str] = {
    "recv-timeout": "ms", "send-timeout": "ms", "reconnect-time-min": "ms",
    "reconnect-time-max": "ms", "handshake-timeout": "ms", "req:resend-time": "ms",
    "surveyor:survey-time": "ms",
    "recv-size-max": "size",
    "recv-buffer": "int", "send-buffer": "int", "ttl-max": "int", "protocol": "int",
    "peer": "int", "id": "int", "socket": "int", "dialer": "int", "listener": "int",
    "tcp-bound-port": "int", "ipc:permissions": "int", "ipc:peer-pid": "int",
    "ipc:peer-uid": "int", "ipc:peer-gid": "int",
    "raw": "bool", "tcp-nodelay": "bool", "tcp-keepalive": "bool",
    "pair1:polyamorous": "bool", "sub:prefnew": "bool",
    "socket-name": "str", "protocol-name": "str", "peer-name": "str", "url": "str",
    "local-address": "str", "remote-address": "str",
    "sub:subscribe": "bytes", "sub:unsubscribe": "bytes",
    "ws:txframe-max": "size", "ws:rxframe-max": "size", "ws:protocol": "str",
    "ws:request-headers": "str", "ws:response-headers": "str", "ws:request-uri": "str",
    "tls-ca-file": "str", "tls-cert-key-file": "str", "tls-server-name": "str",
    "tls-verified": "bool", "tls-peer-cn": "str", "tls-peer-alt-names": "str",
}

OptValue = Union[int, bool, str, bytes]


# Families of names: "ws:request-header:X-Id" is one header, as text.
PREFIX_TYPES: Dict[str, str] = {"ws:request-header:": "str", "ws:response-header:": "str"}


def option_type(name: str) -> str:
    """'int', 'ms', 'size', 'bool', 'str' or 'bytes' for an NNG option name."""
    for prefix, typ in PREFIX_TYPES.items():
        if name.startswith(prefix):
            return typ
    return OPTION_TYPES.get(name, "int")


def get_named(kind: int, oid: int, name: str, typ: Optional[str] = None) -> OptValue:
    typ = typ or option_type(name)
    cname = name.encode("ascii")
    if typ == "str":
        return get_str(kind, oid, cname)
    if typ == "bytes":
        check(_EWRITEONLY)
    value = get_int(kind, oid, cname)
    return bool(value) if typ == "bool" else value


def set_named(kind: int, oid: int, name: str, value: Any, typ: Optional[str] = None) -> None:
    typ = typ or option_type(name)
    cname = name.encode("ascii")
    if typ == "str":
        set_str(kind, oid, cname, value)
    elif typ == "bytes":
        set_bin(kind, oid, cname, as_topic(value))
    elif typ == "bool":
        set_int(kind, oid, cname, 1 if value else 0)
    else:
        set_int(kind, oid, cname, as_int(value))


class OptionAccess:
    """``get_opt``/``set_opt`` by NNG's option names, on every object with options.

    ``sock.get_opt("recv-timeout")``, ``pipe.get_opt("tcp-nodelay")``,
    ``req.set_opt("req:resend-time", 500)``: the value's type comes from
    `OPTION_TYPES` (unknown names are integers); the typed variants force
    one.  Errors are the core's (`NotSupported` for an unknown name or an
    option this object does not have).
    """

    __slots__ = ()

    _opt_kind: ClassVar[int]

    @property
    def _opt_id(self) -> int:
        raise NotImplementedError

    def get_opt(self, name: str) -> OptValue:
        """The option ``name`` ("recv-timeout", "tcp-nodelay", "url", ...)."""
        return get_named(self._opt_kind, self._opt_id, name)

    def set_opt(self, name: str, value: OptValue) -> None:
        """Set the option ``name``."""
        set_named(self._opt_kind, self._opt_id, name, value)

    def get_opt_int(self, name: str) -> int:
        """An integer option."""
        return get_int(self._opt_kind, self._opt_id, name.encode("ascii"))

    def set_opt_int(self, name: str, value: int) -> None:
        """Set an integer option."""
        set_named(self._opt_kind, self._opt_id, name, value, "int")

    get_opt_ms = get_opt_int
    set_opt_ms = set_opt_int
    get_opt_size = get_opt_int
    set_opt_size = set_opt_int

    def get_opt_bool(self, name: str) -> bool:
        """A boolean option."""
        return bool(self.get_opt_int(name))

    def set_opt_bool(self, name: str, value: bool) -> None:
        """Set a boolean option."""
        set_named(self._opt_kind, self._opt_id, name, value, "bool")

    def get_opt_string(self, name: str) -> str:
        """A text option."""
        return get_str(self._opt_kind, self._opt_id, name.encode("ascii"))

    def set_opt_string(self, name: str, value: str) -> None:
        """Set a text option."""
        set_named(self._opt_kind, self._opt_id, name, value, "str")
