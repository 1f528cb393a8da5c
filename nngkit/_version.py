"""The package version, checked against the compiled core at import time."""

from ._backend.core import version

__version__ = "0.1.0"


def _check_core_version() -> None:
    core = version()
    if core != __version__:
        raise ImportError(
            "nngkit %s found a compiled core of version %s (nngkit._ffi); "
            "rebuild it with 'pip install -e .'" % (__version__, core)
        )


_check_core_version()
