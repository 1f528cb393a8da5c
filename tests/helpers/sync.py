"""Connecting sockets and waiting for conditions, without sleeps as synchronisation.

A blocking dial in nngkit (as in NNG) returns only after the SP handshake, so
``dial(sock, url)`` is the usual way to know two sockets are connected.  Where
no event exists, ``wait_for`` polls a condition in a loop bounded in time.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, Iterable, List, Optional, TypeVar

from .impl import nk

T = TypeVar("T")


def wait_for(cond: Callable[[], T], timeout: float = 5.0, interval: float = 0.005,
             what: str = "condition") -> T:
    """Poll cond() until truthy (bounded by timeout); return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def send_until_full(sock: Any, bodies: Iterable[bytes]) -> List[bytes]:
    """Send `bodies` in turn until a send times out (the connection is
    full: give `sock` a short send_timeout); what was accepted.  Fails if
    every one was."""
    sent: List[bytes] = []
    for data in bodies:
        try:
            sock.send(data)
        except nk.Timeout:
            return sent
        sent.append(data)
    raise AssertionError("a peer that does not read never stopped the sender")


def listen(sock: Any, url: str) -> str:
    """Start a listener and return its bound url (tcp port 0 resolved)."""
    return sock.listen(url).url


def dial(sock: Any, url: str) -> Any:
    """Blocking dial: returns once the SP handshake with the listener is done."""
    return sock.dial(url, block=True)


def dial_retry(sock: Any, url: str, timeout: float = 5.0) -> Any:
    """Blocking dial, retried while the listener (another process) is not up yet."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        try:
            return sock.dial(url, block=True)
        except nk.ConnectionRefused:
            if time.monotonic() >= deadline or attempts > 500:
                raise
            time.sleep(0.01)


def marry(listener: Any, dialer: Any, url: str) -> str:
    """listener listens on url, dialer dials it and is connected on return."""
    bound = listen(listener, url)
    dial(dialer, bound)
    return bound


def thread_in_call(ident: Optional[int], names: Iterable[str]) -> bool:
    """True when thread `ident` has a frame of a function named in `names`."""
    frame = sys._current_frames().get(ident) if ident is not None else None
    wanted = set(names)
    while frame is not None:
        if frame.f_code.co_name in wanted:
            return True
        frame = frame.f_back
    return False


def wait_thread_in_call(ident: Optional[int], names: Iterable[str], timeout: float = 5.0) -> None:
    names = tuple(names)
    wait_for(lambda: thread_in_call(ident, names), timeout=timeout,
             what=f"thread {ident} to enter {names}")


class Catcher(threading.Thread):
    """Runs fn in a daemon thread and keeps its result or exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._fn = fn
        self.result: Any = None
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.result = self._fn()
        except BaseException as e:  # noqa: BLE001 - reported to the test
            self.error = e

    def finish(self, timeout: float = 5.0) -> "Catcher":
        self.join(timeout)
        assert not self.is_alive(), f"thread still blocked after {timeout}s"
        return self


def probe_until_connected(sender: Any, receiver: Any, timeout: float = 5.0, probe_timeout_ms: int = 100) -> int:
    """Send numbered probes until one reaches `receiver`; returns the probes sent.

    For protocols without delivery guarantees (PAIR0) after a reconnect: a probe
    written to a pipe that is already dead is lost, so retry with a short recv
    timeout, then drain every later probe so none is left in the receiver.
    """
    saved = receiver.recv_timeout
    receiver.recv_timeout = probe_timeout_ms
    deadline = time.monotonic() + timeout
    sent = 0
    try:
        while True:
            sent += 1
            sender.send(b"__probe__%d" % sent)
            try:
                got = receiver.recv()
                break
            except nk.Timeout:
                if time.monotonic() >= deadline or sent >= 200:
                    raise AssertionError(f"no probe arrived within {timeout}s ({sent} sent)") from None
        receiver.recv_timeout = max(1000, saved if saved and saved > 0 else 1000)
        last = b"__probe__%d" % sent
        while got != last:  # later probes went to the same live pipe: collect them
            assert got.startswith(b"__probe__"), got
            got = receiver.recv()
        return sent
    finally:
        receiver.recv_timeout = saved


def recv_within(sock: Any, timeout_ms: int) -> Any:
    """`sock.recv()` with `timeout_ms` as its receive timeout this once."""
    old = sock.recv_timeout
    sock.recv_timeout = timeout_ms
    try:
        return sock.recv()
    finally:
        sock.recv_timeout = old
