"""Fixtures of the trace tests."""
from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "uvloop"])
def tracer_loop(request: pytest.FixtureRequest) -> str:
    """The proxy's event loop: relay tests run on asyncio's own and on uvloop's (the command line's default;
    uvloop is a test dependency, so its absence fails these tests instead of skipping them)."""
    return str(request.param)
