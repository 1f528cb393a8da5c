"""Messages across the boundary: Python values in, Python values out.

The core's ``nk_msg`` exists only while a message is in flight: `to_nk`
builds the one a send hands over, a receive copies what it needs out of the
one it got and frees it (`Parts` for a whole message), and no Python object
above the backend ever holds one.  `Held` keeps the received messages whose
receiver had stopped waiting, for the next receive.

Large `bytes` are not copied into a message: the core borrows their buffer
(``nk_msg_lend``; bytes are immutable) and `lent` keeps each alive until the
core hands its token back (`reclaim`).
"""

from __future__ import annotations

import atexit
import itertools
from typing import Any, Dict, List, NamedTuple

from .._errors import check
from .core import ffi, lib

__all__ = ["LEND_MIN", "lent", "reclaim", "as_view", "to_nk", "free", "Parts", "parts_of", "Held"]

LEND_MIN = 64 * 1024
_RECLAIM_BATCH = 64
lent: Dict[int, bytes] = {}
_tokens = itertools.count(1)

free = lib.nk_msg_free
"""Frees an ``nk_msg *`` (NULL is fine)."""

_buffer = ffi.buffer


def reclaim() -> None:
    """Drop the lent bodies the core no longer uses."""
    tokens = ffi.new("uint64_t[]", _RECLAIM_BATCH)  # per call: threads may race here
    while True:
        n = lib.nk_msg_reclaim(tokens, _RECLAIM_BATCH)
        for i in range(n):
            lent.pop(int(tokens[i]), None)
        if n < _RECLAIM_BATCH:
            return


def _lend(data: bytes, mp: Any) -> None:
    token = next(_tokens)
    lent[token] = data
    rv = lib.nk_msg_lend(mp, ffi.from_buffer(data), len(data), token)
    if rv:
        del lent[token]
        check(rv)


@atexit.register
def _keep_lent_at_exit() -> None:
    """Bodies still lent at exit must outlive the interpreter's teardown
    (the core's thread may still write them out): keep them forever."""
    reclaim()
    if lent:
        import ctypes
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(lent))


def as_view(data: Any) -> memoryview:
    """`data` as a flat byte view (what a message body may be made of)."""
    if isinstance(data, str):
        raise ValueError('Cannot send type str.  Maybe you left out a ".encode()" somewhere?')
    view = memoryview(data)
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    return view


def to_nk(data: Any, header: bytes = b"", pipe_id: int = 0) -> Any:
    """A new ``nk_msg *`` holding ``data`` (the caller owns it until a send takes it)."""
    if lent:
        reclaim()
    mp = ffi.new("nk_msg **")
    if type(data) is bytes and len(data) >= LEND_MIN:
        _lend(data, mp)
        m = mp[0]
    else:
        view = as_view(data)
        size = view.nbytes
        check(lib.nk_msg_alloc(mp, size))
        m = mp[0]
        if size:
            ffi.memmove(lib.nk_msg_body(m), view, size)
    if header:
        rv = lib.nk_msg_header_append(m, ffi.from_buffer(header), len(header))
        if rv:
            free(m)
            check(rv)
    if pipe_id:
        lib.nk_msg_set_pipe(m, pipe_id)
    return m


class Parts(NamedTuple):
    """A received message, copied out of the core: what a `Message` is made of."""

    body: bytes
    header: bytes
    pipe: int


def _copy(ptr: Any, size: int) -> bytes:
    return _buffer(ptr, size)[:] if size else b""


def parts_of(m: Any) -> Parts:
    """The parts of a received ``nk_msg *``, which is freed."""
    try:
        return Parts(_copy(lib.nk_msg_body(m), lib.nk_msg_len(m)),
                     _copy(lib.nk_msg_header(m), lib.nk_msg_header_len(m)), int(lib.nk_msg_pipe(m)))
    finally:
        free(m)


class Held(List[Any]):
    """Received ``nk_msg *`` whose receiver stopped waiting (a cancelled task,
    an interrupted call), oldest first, for the next receive of the same
    socket or context; with ``keeps=False`` (Req0) they are dropped instead."""

    __slots__ = ("keeps",)

    def __init__(self, keeps: bool) -> None:
        super().__init__()
        self.keeps = keeps

    def keep(self, m: Any) -> None:
        if self.keeps:
            self.append(m)
        else:
            free(m)

    def take(self, whole: bool) -> Any:
        """The oldest held message: its body, or with `whole` its `Parts`."""
        parts = parts_of(self.pop(0))
        return parts if whole else parts.body

    def free(self) -> None:
        while self:
            free(self.pop())
