"""pynng's ``pynng.tls`` module: ``from nngkit.tls import TLSConfig``.

The class lives in `nngkit._tls`; this module only re-exports it.
"""

from ._tls import TLSConfig

__all__ = ["TLSConfig"]
