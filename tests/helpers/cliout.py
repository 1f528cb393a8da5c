"""Reading a command-line peer's (nngcat, nanocat) output while feeding it.

A PUB that listens cannot know when a subscriber process has connected, so
it publishes in a bounded loop until the process prints what it received:
the printed line is the event.  ``line_or_none`` is a non-failing readline.
"""
from __future__ import annotations

import time
from typing import Any, Callable, List, Optional


def line_or_none(p: Any, timeout: float) -> Optional[bytes]:
    """The next stdout line of peers.Proc `p`, or None if none came in time.

    An exited process (EOF) still raises, once it has been reaped.
    """
    try:
        return p.readline(timeout=timeout)
    except AssertionError:
        if p.p.poll() is not None:
            raise
        return None


def feed_until_lines(send: Callable[[int], Any], p: Any, n: int, timeout: float = 10.0,
                     wait: float = 0.05) -> List[bytes]:
    """Call send(i) for i = 0, 1, ... until `p` has printed n lines; return them."""
    deadline = time.monotonic() + timeout
    lines: List[bytes] = []
    i = 0
    while len(lines) < n:
        assert time.monotonic() < deadline and i < 2000, f"only {lines!r} after {i} sends"
        send(i)
        i += 1
        line = line_or_none(p, wait)
        if line is not None:
            lines.append(line)
    return lines
