"""Fixtures of the trace tests."""
from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "uvloop"])
def tracer_loop(request: pytest.FixtureRequest) -> str:
    """The proxy's event loop: relay tests run on asyncio's own and on uvloop's (the command line's default)."""
    if request.param == "uvloop":
        pytest.importorskip("uvloop")
    return str(request.param)
