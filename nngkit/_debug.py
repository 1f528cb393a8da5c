"""Debug hooks: live object counts in the core, for leak checks in tests."""

from __future__ import annotations

from typing import Dict

from . import _aio
from ._ffi import ffi, lib

_KEYS = {
    "msgs": lib.NK_DEBUG_MSGS,
    "aios": lib.NK_DEBUG_AIOS,
    "pipes": lib.NK_DEBUG_PIPES,
    "sockets": lib.NK_DEBUG_SOCKETS,
    "fds": lib.NK_DEBUG_FDS,
    "ctxs": lib.NK_DEBUG_CTXS,
    "endpoints": lib.NK_DEBUG_ENDPOINTS,
}


def live_counts() -> Dict[str, int]:
    """How many core objects of each kind are alive right now.

    Keys: msgs, aios, pipes, sockets, fds, ctxs, endpoints.  The core first
    waits for its deferred frees; the completion queues of closed event
    loops are released first too.  A running event loop that has done
    asyncio I/O holds one completion queue (its fd and in-flight aios).
    """
    _aio.release_closed_loops()
    out = ffi.new("int64_t[]", lib.NK_DEBUG_NCOUNTS)
    lib.nk_debug_counts(out)
    return {key: int(out[index]) for key, index in _KEYS.items()}
