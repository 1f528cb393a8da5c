"""The backend's spare nk_op list (nngkit/_backend/ops.py `_spare`), shared
by asend, arecv and recv: an op is kept only when clean."""
from __future__ import annotations

from nngkit._backend import ops
from nngkit._backend.core import ffi


def spare_clean() -> bool:
    """Every spare op holds no message and no aio."""
    return all(op.msg == ffi.NULL and op.aio == ffi.NULL for op in list(ops._spare))
