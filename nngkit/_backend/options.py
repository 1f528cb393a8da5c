"""Options of core objects, by kind (``NK_OBJ_*``), id and NNG's option name.

The core checks names, values and read-only-ness and answers with an error
number, raised here (`NotSupported`, `ReadOnly`, `InvalidOperation`, ...).
"""

from __future__ import annotations

from .._errors import check
from .core import ffi, lib

__all__ = ["get_int", "set_int", "get_str", "set_str_bytes", "set_bin"]

# String options are read into a buffer that grows until the value fits.
_STR_FIRST = 1024
_STR_LIMIT = 1 << 16


def get_int(kind: int, oid: int, name: bytes) -> int:
    out = ffi.new("int64_t *")
    check(lib.nk_opt_get_int(kind, oid, name, out))
    return int(out[0])


def set_int(kind: int, oid: int, name: bytes, value: int) -> None:
    check(lib.nk_opt_set_int(kind, oid, name, value))


def get_str(kind: int, oid: int, name: bytes) -> str:
    size = _STR_FIRST
    while True:
        buf = ffi.new("char[]", size)
        rv = lib.nk_opt_get_str(kind, oid, name, buf, size)
        # NK_EINVAL also means "did not fit": retry with more room, bounded.
        if rv == lib.NK_EINVAL and size < _STR_LIMIT:
            size *= 4
            continue
        check(rv)
        return str(ffi.string(buf).decode("utf-8", "replace"))


def set_str_bytes(kind: int, oid: int, name: bytes, raw: bytes) -> None:
    """Set a text option (`raw`: its UTF-8 bytes, no NUL)."""
    check(lib.nk_opt_set_str(kind, oid, name, raw))


def set_bin(kind: int, oid: int, name: bytes, value: bytes) -> None:
    """Set a byte-string option (``sub:subscribe`` and friends)."""
    check(lib.nk_opt_set_bin(kind, oid, name, value, len(value)))
