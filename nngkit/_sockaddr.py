"""Socket addresses under pynng's names (``pynng.sockaddr``).

Each address is a `str` whose value is what ``str()`` of pynng's object
gives ("127.0.0.1:5555", "[::1]:5555", an ipc path, "inproc://name",
"abstract://name"), so code that compares addresses with strings keeps
working, and it carries pynng's attributes with pynng's values and types:
``family`` (NNG's ``NNG_AF_*`` number), ``family_as_str``, and per class
``port`` and ``addr`` (as pynng has them: in network byte order read as a
native integer), ``path`` or ``name``.  The core reports addresses as text;
`from_core` turns that text into the right class, knowing the URL's scheme.
"""

from __future__ import annotations

import socket
import sys
import urllib.parse
from typing import Dict, Tuple, Type

# NNG's address families (nng.h), the numbers pynng's ``family`` gives.
NNG_AF_UNSPEC = 0
NNG_AF_INPROC = 1
NNG_AF_IPC = 2
NNG_AF_INET = 3
NNG_AF_INET6 = 4
NNG_AF_ZT = 5
NNG_AF_ABSTRACT = 6


def _native(data: bytes) -> int:
    """Bytes in network order read as a native integer, as NNG's struct holds them."""
    return int.from_bytes(data, sys.byteorder)


class SockAddr(str):
    """An address; this base class is an unspecified one (family 0)."""

    type_to_str: Dict[int, str] = {
        NNG_AF_UNSPEC: "Unspecified",
        NNG_AF_INPROC: "inproc",
        NNG_AF_IPC: "ipc",
        NNG_AF_INET: "inet",
        NNG_AF_INET6: "inetv6",
        NNG_AF_ZT: "zerotier",
        NNG_AF_ABSTRACT: "abstract",
    }
    family: int = NNG_AF_UNSPEC

    def __new__(cls, text: str = "") -> "SockAddr":
        # pynng's str() of an unspecified address is its struct's repr
        return str.__new__(cls, text or "nng_sockaddr {.family = %d}" % cls.family)

    @property
    def family_as_str(self) -> str:
        """The family's name: "inet", "inetv6", "ipc", "inproc", "abstract", ..."""
        return self.type_to_str[self.family]

    def __repr__(self) -> str:
        return "%s(%s)" % (type(self).__name__, str.__repr__(self))


class _HostPort(SockAddr):
    """What InAddr and In6Addr share: "host:port" text."""

    def _split(self) -> Tuple[str, int]:
        host, _, port = self.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def port(self) -> int:
        """The port in network byte order read as a native integer (pynng's value)."""
        return _native(self._split()[1].to_bytes(2, "big"))


class InAddr(_HostPort):
    """An IPv4 address and port ("127.0.0.1:5555")."""

    family = NNG_AF_INET

    @property
    def addr(self) -> int:
        """The IPv4 address in network byte order read as a native integer."""
        return _native(socket.inet_aton(self._split()[0]))


class In6Addr(_HostPort):
    """An IPv6 address and port ("[::1]:5555")."""

    family = NNG_AF_INET6

    @property
    def addr(self) -> bytes:
        """The 16 bytes of the IPv6 address."""
        return socket.inet_pton(socket.AF_INET6, self._split()[0])


class IPCAddr(SockAddr):
    """An ipc (unix domain socket) path."""

    family = NNG_AF_IPC

    @property
    def path_bytes(self) -> bytes:
        return self.encode()

    @property
    def path(self) -> str:
        return str(self)


class InprocAddr(SockAddr):
    """An inproc address: its whole URL ("inproc://name")."""

    family = NNG_AF_INPROC

    @property
    def name_bytes(self) -> bytes:
        return self.encode()

    @property
    def name(self) -> str:
        return str(self)


class AbstractAddr(SockAddr):
    """A Linux abstract socket: "abstract://" and its name, percent-encoded."""

    family = NNG_AF_ABSTRACT

    @classmethod
    def from_name(cls, raw: bytes) -> "AbstractAddr":
        """The address of the abstract socket named ``raw`` (pynng's spelling)."""
        try:
            addr = cls("abstract://" + urllib.parse.quote(raw.decode("utf-8")))
        except UnicodeDecodeError:
            addr = cls("abstract://" + raw.hex())
        addr.__dict__["_raw"] = raw  # the hex spelling does not round-trip
        return addr

    @property
    def name_bytes(self) -> bytes:
        """The name as the kernel has it (NUL bytes included)."""
        raw = self.__dict__.get("_raw")
        return raw if raw is not None else urllib.parse.unquote_to_bytes(self[len("abstract://"):])

    @property
    def name(self) -> str:
        """The name as text (pynng gives repr() of the bytes when it is not UTF-8)."""
        raw = self.name_bytes
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return repr(raw)


class ZTAddr(SockAddr):
    """A ZeroTier address; nngkit has no zt transport, so none is ever made."""

    family = NNG_AF_ZT


_BY_SCHEME: Dict[str, Type[SockAddr]] = {
    "inproc": InprocAddr, "ipc": IPCAddr, "unix": IPCAddr, "abstract": AbstractAddr,
}


def from_core(text: str, url: str) -> SockAddr:
    """The address the core reported as ``text`` for an object of ``url``.

    "" is an unspecified address (a tcp dialer's own end before NNG binds one).
    """
    if not text:
        return SockAddr()
    kind = _BY_SCHEME.get(url.partition("://")[0])
    if kind is AbstractAddr:
        # the core gives the URL as written: the name is its percent-decoding
        return AbstractAddr.from_name(urllib.parse.unquote_to_bytes(text.partition("://")[2]))
    if kind is not None:
        return kind(text)
    return In6Addr(text) if text.startswith("[") else InAddr(text)
