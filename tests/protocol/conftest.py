"""Fixtures for protocol tests: two impl sockets connected over `transport`."""
from __future__ import annotations

from typing import Any, Callable, Tuple

import pytest

from tests.helpers.sync import marry

SAFE = {"recv_timeout": 5000, "send_timeout": 5000}


@pytest.fixture
def connect(sockets: Any, addr: Callable[[str], str], transport: str) -> Callable[..., Tuple[Any, Any, str]]:
    """connect(listener_cls, dialer_cls, **options) -> (listener, dialer, bound url).

    Both sockets get the options (5 s send/recv timeouts unless given) and the
    dialer has completed its SP handshake when this returns.
    """
    def make(listener_cls: Any, dialer_cls: Any, **options: Any) -> Tuple[Any, Any, str]:
        opts = {**SAFE, **options}
        lsock = sockets(listener_cls, **opts)
        dsock = sockets(dialer_cls, **opts)
        url = marry(lsock, dsock, addr(transport))
        return lsock, dsock, url

    return make

