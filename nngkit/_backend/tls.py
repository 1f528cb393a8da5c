"""TLS configurations in the core, by id (``nk_tls_config_*``).

The core loads its TLS engine (OpenSSL 3) on first use; where that fails,
every call here raises `NotSupported` with the core's sentence saying what
to install.
"""

from __future__ import annotations

from typing import Optional

from .._errors import NotSupported, check
from .core import ffi, lib

__all__ = ["engine_error", "new_config", "free_config", "change",
           "AUTH_MODE", "SERVER_NAME", "CA_CHAIN", "OWN_CERT", "CA_FILE", "CERT_KEY_FILE"]

AUTH_MODE = int(lib.NK_TLS_AUTH_MODE)
SERVER_NAME = int(lib.NK_TLS_SERVER_NAME)
CA_CHAIN = int(lib.NK_TLS_CA_CHAIN)
OWN_CERT = int(lib.NK_TLS_OWN_CERT)
CA_FILE = int(lib.NK_TLS_CA_FILE)
CERT_KEY_FILE = int(lib.NK_TLS_CERT_KEY_FILE)


def engine_error() -> Optional[str]:
    """None if TLS works here, else why not (what to install)."""
    buf = ffi.new("char[]", 1024)
    if lib.nk_tls_engine_error(buf, len(buf)) == 0:
        return None
    return str(ffi.string(buf).decode("utf-8", "replace"))


def _require_engine() -> None:
    why = engine_error()
    if why is not None:
        raise NotSupported(why, int(lib.NK_ENOTSUP))


def new_config(server: bool) -> int:
    _require_engine()
    out = ffi.new("uint32_t *")
    check(lib.nk_tls_config_new(1 if server else 0, out))
    return int(out[0])


def free_config(cid: int) -> None:
    lib.nk_tls_config_free(cid)  # an id already gone is not an error at teardown


def _text(value: Optional[str]) -> object:
    return ffi.NULL if value is None else value.encode("utf-8")


def change(cid: int, what: int, a: Optional[str] = None, b: Optional[str] = None,
           passwd: Optional[str] = None, mode: int = 0) -> None:
    """One change of configuration ``cid``: ``what`` is one of the constants above."""
    check(lib.nk_tls_config_set(cid, what, _text(a), _text(b), _text(passwd), mode))
