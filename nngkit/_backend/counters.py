"""Counters read from the core: statistics snapshots and debug object counts.

A snapshot is every field of the core's stats struct, copied at one instant
into a plain dict; the `_stats` classes pick their names from it.
"""

from __future__ import annotations

from typing import Any, Dict

from .._errors import check
from .core import ffi, lib

__all__ = ["socket_counters", "pipe_counters", "endpoint_counters", "object_counts"]


def _fields(raw: Any, ctype: str) -> Dict[str, int]:
    return {name: int(getattr(raw, name)) for name, _ in ffi.typeof(ctype).fields}


def socket_counters(sid: int) -> Dict[str, int]:
    raw = ffi.new("nk_sock_stats *")
    check(lib.nk_sock_stats_get(sid, raw))
    return _fields(raw, "nk_sock_stats")


def pipe_counters(pid: int) -> Dict[str, int]:
    raw = ffi.new("nk_pipe_stats *")
    check(lib.nk_pipe_stats_get(pid, raw))
    return _fields(raw, "nk_pipe_stats")


def endpoint_counters(kind: int, eid: int) -> Dict[str, int]:
    raw = ffi.new("nk_ep_stats *")
    check(lib.nk_ep_stats_get(kind, eid, raw))
    return _fields(raw, "nk_ep_stats")


_OBJECTS = {
    "msgs": lib.NK_DEBUG_MSGS,
    "aios": lib.NK_DEBUG_AIOS,
    "pipes": lib.NK_DEBUG_PIPES,
    "sockets": lib.NK_DEBUG_SOCKETS,
    "fds": lib.NK_DEBUG_FDS,
    "ctxs": lib.NK_DEBUG_CTXS,
    "endpoints": lib.NK_DEBUG_ENDPOINTS,
}


def object_counts() -> Dict[str, int]:
    """How many core objects of each kind are alive (after deferred frees)."""
    out = ffi.new("int64_t[]", lib.NK_DEBUG_NCOUNTS)
    lib.nk_debug_counts(out)
    return {key: int(out[index]) for key, index in _OBJECTS.items()}
