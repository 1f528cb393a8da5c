"""The compiled core, loaded once, and its constants for the layers above.

The only module of the package that imports the cffi extension.  `ffi` and
`lib` are for the other backend modules; modules above the backend take
constants through `const` and never touch ``lib``.
"""

from __future__ import annotations

from .._ffi import ffi, lib

__all__ = ["ffi", "lib", "const", "strerror", "version"]


def const(name: str) -> int:
    """The core's constant ``NK_<name>`` ("ECLOSED", "OBJ_PIPE", "PROTO_REQ0", ...)."""
    return int(getattr(lib, "NK_" + name))


def strerror(rv: int) -> str:
    """The core's text for error number `rv`."""
    return str(ffi.string(lib.nk_strerror(rv)).decode("utf-8", "replace"))


def version() -> str:
    """The version the core was compiled as."""
    return str(ffi.string(lib.nk_version()).decode("ascii", "replace"))
