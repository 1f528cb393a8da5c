"""pynng's ``pynng.options`` module: its typed option helpers by NNG name.

pynng's descriptors call these with a pynng object and an option name
(``_getopt_string(sock, "socket-name")``); programs that reach for them
run unchanged.  Here each is one call of the object's own option access
(`get_opt_int`, `set_opt_string`, ...), which nngkit's sockets, contexts,
dialers, listeners and pipes all have.  Unlike pynng's, every setter
raises the core's error (pynng's ``_setopt_size`` and ``_setopt_ms``
drop it: setting a listener's reconnect time silently does nothing).
"""

from __future__ import annotations

from typing import Any, List, Union

from ._errors import NotSupported
from ._options import OptionAccess, as_int
from ._sockaddr import SockAddr, from_core
from ._tls import TLSConfig

Name = Union[str, bytes]

__all__: List[str] = []  # pynng's helpers are private names, kept for its programs


def _name(option: Name) -> str:
    return option.decode("ascii") if isinstance(option, (bytes, bytearray)) else option


def _getopt_int(py_obj: OptionAccess, option: Name) -> int:
    return py_obj.get_opt_int(_name(option))


def _setopt_int(py_obj: OptionAccess, option: Name, value: Any) -> None:
    py_obj.set_opt_int(_name(option), as_int(value))


_getopt_size = _getopt_int
_setopt_size = _setopt_int
_getopt_ms = _getopt_int
_setopt_ms = _setopt_int


def _getopt_string(py_obj: OptionAccess, option: Name) -> str:
    return py_obj.get_opt_string(_name(option))


def _setopt_string(py_obj: OptionAccess, option: Name, value: Union[str, bytes]) -> None:
    py_obj.set_opt_string(_name(option), value.decode("utf-8") if isinstance(value, bytes) else value)


_setopt_string_nonnull = _setopt_string


def _getopt_bool(py_obj: OptionAccess, option: Name) -> bool:
    return py_obj.get_opt_bool(_name(option))


def _setopt_bool(py_obj: OptionAccess, option: Name, value: Any) -> None:
    py_obj.set_opt_bool(_name(option), value)


def _getopt_sockaddr(py_obj: OptionAccess, option: Name) -> SockAddr:
    """An address option as a `SockAddr` (its class from the object's URL)."""
    return from_core(py_obj.get_opt_string(_name(option)), py_obj.get_opt_string("url"))


def _setopt_ptr(py_obj: Any, option: Name, value: Any) -> None:
    """pynng's one pointer option: a `TLSConfig` as ``tls-config``."""
    if not isinstance(value, TLSConfig):
        raise ValueError("Invalid value %r of type %s.  Expected TLSConfig." % (value, type(value)))
    if _name(option) != "tls-config":
        raise NotSupported("Not supported")
    py_obj.tls_config = value
