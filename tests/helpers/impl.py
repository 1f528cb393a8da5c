"""Which implementation the suite drives, and the few places where it matters.

The suite targets nngkit.  ``NNGKIT_TEST_IMPL=pynng`` runs the same tests with
pynng standing in, which checks the test logic against real NNG; tests marked
``nngkit_only`` (nngkit extensions and deliberate differences) are then skipped.
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Dict, Optional

IMPL_NAME = os.environ.get("NNGKIT_TEST_IMPL", "").strip() or "nngkit"
if IMPL_NAME not in ("nngkit", "pynng"):
    raise RuntimeError(f"NNGKIT_TEST_IMPL must be nngkit or pynng, not {IMPL_NAME!r}")

nk: Any = importlib.import_module(IMPL_NAME)
IS_NNGKIT = IMPL_NAME == "nngkit"

# nngkit keeps a receive limit like NNG 2.0 (1 GiB); NNG 1.x has none (0).
DEFAULT_RECV_MAX = (1 << 30) if IS_NNGKIT else 0

COUNT_KEYS = ("msgs", "aios", "pipes", "sockets", "fds", "ctxs", "endpoints")


def live_counts() -> Optional[Dict[str, int]]:
    """nngkit's live object counts, or None when the impl has no such hook."""
    if not IS_NNGKIT:
        return None
    from nngkit import _debug  # noqa: PLC0415 (only exists in nngkit)

    return dict(_debug.live_counts())


def recv_bytes(s: Any) -> bytes:
    """recv() that also works for empty messages under pynng (its recv() raises)."""
    if IS_NNGKIT:
        return s.recv()
    return s.recv_msg().bytes


async def arecv_bytes(s: Any) -> bytes:
    if IS_NNGKIT:
        return await s.arecv()
    return (await s.arecv_msg()).bytes
