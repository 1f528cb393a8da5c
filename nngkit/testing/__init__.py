"""nngkit.testing: a pytest plugin for interop tests against real SP peers (nngcat, pynng, libnng, nngkit).

Installed with nngkit (entry point ``pytest11``), it adds the fixtures
``sp_url``, ``sp_peer``, ``sp_trace``, ``sp_tls``, ``sp_impl``,
``sp_transport``, the marker ``@pytest.mark.sp_interop(peers=..., transports=...)``
and the options ``--sp-peers``, ``--sp-transports``, ``--sp-require-peers``.
Behaviours for ``sp_peer`` are in ``nngkit.testing.behaviours``.  See docs/testing.md.
"""
from __future__ import annotations

from typing import Any

__all__ = ["behaviours", "Peer", "PeerError", "TransportUnavailable", "BehaviourUnsupported", "PeerMissing"]

_WHERE = {"Peer": "peer", "PeerError": "peer", "TransportUnavailable": "urls",
          "BehaviourUnsupported": "behaviours", "PeerMissing": "impls"}


def __getattr__(name: str) -> Any:
    """Names are imported on first use: the plugin itself must cost nothing at pytest start-up."""
    import importlib

    if name == "behaviours":
        return importlib.import_module(".behaviours", __name__)
    if name in _WHERE:
        return getattr(importlib.import_module("." + _WHERE[name], __name__), name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
