"""pynng's ``pynng.sockaddr`` module: ``from nngkit.sockaddr import InAddr``.

The classes live in `nngkit._sockaddr`; this module only re-exports them.
Addresses are `str` subclasses: see `SockAddr`.
"""

from ._sockaddr import (
    NNG_AF_ABSTRACT,
    NNG_AF_INET,
    NNG_AF_INET6,
    NNG_AF_INPROC,
    NNG_AF_IPC,
    NNG_AF_UNSPEC,
    NNG_AF_ZT,
    AbstractAddr,
    In6Addr,
    InAddr,
    InprocAddr,
    IPCAddr,
    SockAddr,
    ZTAddr,
)

__all__ = [
    "SockAddr", "InAddr", "In6Addr", "IPCAddr", "InprocAddr", "AbstractAddr", "ZTAddr",
    "NNG_AF_UNSPEC", "NNG_AF_INPROC", "NNG_AF_IPC", "NNG_AF_INET", "NNG_AF_INET6",
    "NNG_AF_ZT", "NNG_AF_ABSTRACT",
]
