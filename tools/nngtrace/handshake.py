"""The 8-byte SP connection header, and the verdict on a pair of them in words.

NNG's transport checks bytes 0-3 (00 'S' 'P' 00) and 6-7 (00 00) and closes
on any difference; the protocol layer then checks bytes 4-5 against its peer
number and closes on a mismatch (sp-wire-protocol.md section 2).  Mirrors the
core's nki_wire_hs_parse (csrc/core/wire.c), in Python and with reasons.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from . import protocols

HS_LEN = 8
MAGIC = b"\x00SP\x00"


@dataclass(frozen=True)
class Header:
    """One side's 8 bytes: the protocol number if the transport accepts them."""

    raw: bytes
    proto: Optional[int]
    problems: Tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _looks_like(raw: bytes) -> str:
    if raw[:4] in (b"GET ", b"POST", b"HTTP", b"PUT ", b"HEAD"):
        return " (this looks like HTTP)"
    if raw[:1] == b"\x16":
        return " (this looks like a TLS ClientHello)"
    return ""


def parse(raw: bytes) -> Header:
    """Judge 8 header bytes as NNG's transport does (shorter input: truncated)."""
    raw = bytes(raw[:HS_LEN])
    if len(raw) < HS_LEN:
        return Header(raw, None, ("truncated header: %d of 8 bytes" % len(raw),))
    problems = []
    if raw[0:3] != MAGIC[0:3]:
        # not SP at all: the other bytes mean nothing
        return Header(raw, None, ("bad magic %s, expected 00 53 50%s" % (raw[0:3].hex(" "), _looks_like(raw)),))
    if raw[3] != 0:
        problems.append("version byte %d, expected 0" % raw[3])
    if raw[6:8] != b"\x00\x00":
        problems.append("reserved bytes 6-7 are %s, must be 00 00" % raw[6:8].hex(" "))
    proto = None if problems else (raw[4] << 8) | raw[5]
    return Header(raw, proto, tuple(problems))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    text: str


def _side(h: Optional[Header], who: str) -> Optional[str]:
    if h is None:
        return "%s sent no header" % who
    if not h.ok:
        return "%s sent a bad SP header: %s" % (who, "; ".join(h.problems))
    return None


def verdict(dialer: Optional[Header], listener: Optional[Header]) -> Verdict:
    """What NNG makes of this pair, e.g. "REQ0 dialed PUB0: NNG closes ... (protocol mismatch)"."""
    for h, who in ((dialer, "the dialer"), (listener, "the listener")):
        why = _side(h, who)
        if why:
            return Verdict(False, why + ": NNG closes this connection")
    assert dialer is not None and listener is not None and dialer.proto is not None and listener.proto is not None
    a, b = dialer.proto, listener.proto
    pair = "%s dialed %s" % (protocols.display(a), protocols.display(b))
    if protocols.compatible(a, b):
        return Verdict(True, pair + ": compatible")
    unknown = [p for p in (a, b) if p not in protocols.PROTOCOLS]
    why = "unknown protocol number" if unknown else "protocol mismatch"
    return Verdict(False, "%s: NNG closes this connection (%s)" % (pair, why))
