"""Core aios as the backend uses them: allocate, wait in slices, rescue.

A blocking wait holds off Python's signal handling, so `wait` waits in
slices of `SLICE_MS` with the GIL released: other threads run and Ctrl-C is
handled between slices (the operation is then cancelled and waited for
before the exception goes on).
"""

from __future__ import annotations

from typing import Any, Optional

from .._errors import check
from .core import ffi, lib
from .msg import Held

__all__ = ["SLICE_MS", "new_aio", "free_aio", "wait", "cancel", "rescue_from"]

SLICE_MS = 100  # how long a sync wait holds off Python signal handling

free_aio = lib.nk_aio_free
"""Cancels a pending operation, waits for it, frees any message it holds and the aio."""

_aio_wait = lib.nk_aio_wait


def new_aio() -> Any:
    ap = ffi.new("nk_aio **")
    check(lib.nk_aio_alloc(ap))
    return ap[0]


def wait(aio: Any) -> None:
    """Wait until `aio` completes; on an interrupt, cancel it first."""
    try:
        while not _aio_wait(aio, SLICE_MS):
            pass
    except BaseException:
        cancel(aio)
        raise


def cancel(aio: Any) -> None:
    """Cancel the operation on `aio` (if still going) and wait until it has completed."""
    lib.nk_aio_cancel(aio)
    _aio_wait(aio, -1)


def rescue_from(aio: Any, held: Optional[Held]) -> None:
    """A completed receive nobody will read: its message goes to `held`."""
    if held is not None and not lib.nk_aio_busy(aio) and lib.nk_aio_result(aio) == 0:
        m = lib.nk_aio_get_msg(aio)
        if m != ffi.NULL:
            held.keep(m)
