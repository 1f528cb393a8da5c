"""Knowing that a fan-out sender (PUB, BUS, SURVEYOR) reaches its receivers.

These protocols drop what they send while a peer's pipe is not attached on
the sender's side yet, and a blocking dial only vouches for the dialer's side.
When the sender dialed, it is ready; when it listened, ``until_all_hear``
sends numbered probes until every receiver has one (no fixed sleeps), then
drains each receiver up to the last probe so none is left for the test.

Receivers may be nngkit or pynng sockets (or contexts): only ``recv_msg`` and
``recv_timeout`` are used, and timeouts are recognised by the class name.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Sequence

PROBE = b"__probe__"


def is_timeout(exc: BaseException) -> bool:
    return type(exc).__name__ == "Timeout"


def recv_body(s: Any) -> bytes:
    """recv that works for empty messages with pynng too."""
    return s.recv_msg().bytes


def drain(s: Any, wait_ms: int = 100, limit: int = 10000) -> List[bytes]:
    """Every message `s` has (or gets within wait_ms of the previous one)."""
    saved = s.recv_timeout
    s.recv_timeout = wait_ms
    out: List[bytes] = []
    try:
        while len(out) < limit:
            try:
                out.append(recv_body(s))
            except Exception as e:  # noqa: BLE001 - only Timeout ends the drain
                if not is_timeout(e):
                    raise
                break
    finally:
        s.recv_timeout = saved
    return out


def _probe_number(body: bytes, prefix: bytes) -> int:
    assert body.startswith(prefix), f"expected a probe, got {body[:40]!r}"
    return int(body[len(prefix):])


def until_all_hear(send: Callable[[bytes], Any], receivers: Sequence[Any], timeout: float = 5.0,
                   probe_ms: int = 50, prefix: bytes = PROBE) -> int:
    """Send probes (prefix + number) until each receiver got one; returns probes sent.

    On return every receiver has consumed all probes, the last one included.
    """
    saved = [r.recv_timeout for r in receivers]
    heard: Dict[int, int] = {}
    deadline = time.monotonic() + timeout
    sent = 0
    try:
        for r in receivers:
            r.recv_timeout = probe_ms
        while len(heard) < len(receivers):
            if time.monotonic() >= deadline or sent >= 1000:
                raise AssertionError(f"only {len(heard)} of {len(receivers)} receivers heard "
                                     f"{sent} probes within {timeout}s")
            sent += 1
            send(prefix + b"%d" % sent)
            for i, r in enumerate(receivers):
                if i in heard:
                    continue
                try:
                    heard[i] = _probe_number(recv_body(r), prefix)
                except Exception as e:  # noqa: BLE001 - Timeout: not attached yet
                    if not is_timeout(e):
                        raise
        for i, r in enumerate(receivers):
            r.recv_timeout = 2000
            got = heard[i]
            while got != sent:  # every later probe reached this attached receiver too
                got = _probe_number(recv_body(r), prefix)
        return sent
    finally:
        for r, t in zip(receivers, saved):
            r.recv_timeout = t
