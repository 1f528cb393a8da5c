"""Core objects by id: sockets, contexts, listeners, dialers, pipes, devices.

Each function is one core call (or a short fixed sequence) plus `check`.
Closing an object that is already closed is not an error, except for a
pipe (pynng raises `Closed` there).
"""

from __future__ import annotations

from typing import Any, Callable

from .._errors import NotSupported, check
from . import tls
from .core import const, ffi, lib
from .msg import lent, reclaim

__all__ = [
    "open_socket", "close_socket", "open_context", "close_context",
    "create_listener", "start_listener", "close_listener",
    "create_dialer", "start_dialer", "close_dialer", "close_pipe", "run_device",
]

_ECLOSED = const("ECLOSED")
_DEVICE_SLICE_MS = 100  # device waits are sliced so Ctrl-C still interrupts


def _new_id(call: Callable[[Any], int]) -> int:
    out = ffi.new("uint32_t *")
    check(call(out))
    return int(out[0])


def _closed(rv: int) -> None:
    if rv != _ECLOSED:
        check(rv)


def open_socket(proto: int, raw: bool) -> int:
    return _new_id(lambda out: lib.nk_socket_open(proto, 1 if raw else 0, out))


def close_socket(sid: int) -> None:
    """Close: the socket's pending operations complete with `Closed`."""
    rv = lib.nk_socket_close(sid)
    if lent:
        reclaim()  # bodies the closed pipes gave back
    _closed(rv)


def open_context(sid: int) -> int:
    return _new_id(lambda out: lib.nk_ctx_open(sid, out))


def close_context(cid: int) -> None:
    _closed(lib.nk_ctx_close(cid))


_ENOTSUP = const("ENOTSUP")
_SECURE_SCHEMES = (b"tls+", b"wss")


def _create(call: Callable[[Any], int], url: bytes) -> int:
    """An endpoint's id; a TLS URL the core cannot serve says what is missing."""
    out = ffi.new("uint32_t *")
    rv = call(out)
    if rv == _ENOTSUP and url.lower().startswith(_SECURE_SCHEMES):
        why = tls.engine_error()
        if why is not None:
            raise NotSupported(why, rv)
    check(rv)
    return int(out[0])


def create_listener(sid: int, url: bytes) -> int:
    return _create(lambda out: lib.nk_listener_create(sid, url, out), url)


def start_listener(lid: int) -> None:
    check(lib.nk_listener_start(lid))


def close_listener(lid: int) -> None:
    _closed(lib.nk_listener_close(lid))


def create_dialer(sid: int, url: bytes) -> int:
    return _create(lambda out: lib.nk_dialer_create(sid, url, out), url)


def start_dialer(did: int, block: bool) -> None:
    """Connect now (`block`: or raise), else in the background, retrying."""
    check(lib.nk_dialer_start(did, 0 if block else lib.NK_FLAG_NONBLOCK))


def close_dialer(did: int) -> None:
    _closed(lib.nk_dialer_close(did))


def close_pipe(pid: int) -> None:
    check(lib.nk_pipe_close(pid))


def run_device(sid1: int, sid2: int) -> None:
    """Relay between two raw sockets in the core until either closes."""
    did = _new_id(lambda out: lib.nk_device_open(sid1, sid2, out))
    try:
        while not lib.nk_device_wait(did, _DEVICE_SLICE_MS):
            pass
    finally:
        lib.nk_device_close(did)
