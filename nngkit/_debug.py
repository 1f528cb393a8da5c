"""Debug hooks: live object counts in the core, for leak checks in tests."""

from __future__ import annotations

from typing import Dict

from ._backend import asyncio_queue, counters


def live_counts() -> Dict[str, int]:
    """How many core objects of each kind are alive right now.

    Keys: msgs, aios, pipes, sockets, fds, ctxs, endpoints.  The core first
    waits for its deferred frees; the completion queues of closed event
    loops are released first too.  A running event loop that has done
    asyncio I/O holds one completion queue (its fd and in-flight aios).
    """
    asyncio_queue.release_closed_loops()
    return counters.object_counts()
