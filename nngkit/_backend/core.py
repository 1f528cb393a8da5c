"""The compiled core, loaded once, and its constants for the layers above.

The only module of the package that imports the cffi extension.  `ffi` and
`lib` are for the other backend modules; modules above the backend take
constants through `const` and never touch ``lib``.
"""

from __future__ import annotations

import os

try:
    from .._ffi import ffi, lib
except ModuleNotFoundError as e:
    # The usual cause: Python runs from a source checkout whose core was never
    # built there.  `pip install .` builds it into site-packages only, and the
    # checkout's nngkit/, first on the path from the repository root, hides that.
    if e.name != "nngkit._ffi":
        raise  # something the core needs (e.g. cffi's backend): its own message says
    raise ImportError(
        "nngkit's compiled core (nngkit._ffi) is not in %s: this is a source checkout "
        "whose core was not built, and it hides any installed nngkit.  Run "
        "'pip install -e .' in the checkout (builds the core in place), or run Python "
        "from outside the checkout to use the installed copy."
        % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ) from e

__all__ = ["ffi", "lib", "const", "strerror", "version"]


def const(name: str) -> int:
    """The core's constant ``NK_<name>`` ("ECLOSED", "OBJ_PIPE", "PROTO_REQ0", ...)."""
    return int(getattr(lib, "NK_" + name))


def strerror(rv: int) -> str:
    """The core's text for error number `rv`."""
    return str(ffi.string(lib.nk_strerror(rv)).decode("utf-8", "replace"))


def version() -> str:
    """The version the core was compiled as."""
    return str(ffi.string(lib.nk_version()).decode("ascii", "replace"))
