"""The SP protocol numbers: names, peers, and which header each one puts on the wire.

The number is family * 16 + role (docs: sp-wire-protocol.md section 1).
``HEADER`` says how a message *sent* by that protocol starts: a backtrace
ending in a request/survey id, the 4-byte PAIR1 hop count, or nothing.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

# number -> (name as NNG spells it, display name, peer number)
PROTOCOLS: Dict[int, Tuple[str, str, int]] = {
    0x10: ("pair", "PAIR0", 0x10),
    0x11: ("pair1", "PAIR1", 0x11),
    0x20: ("pub", "PUB0", 0x21),
    0x21: ("sub", "SUB0", 0x20),
    0x30: ("req", "REQ0", 0x31),
    0x31: ("rep", "REP0", 0x30),
    0x50: ("push", "PUSH0", 0x51),
    0x51: ("pull", "PULL0", 0x50),
    0x62: ("surveyor", "SURVEYOR0", 0x63),
    0x63: ("respondent", "RESPONDENT0", 0x62),
    0x70: ("bus", "BUS0", 0x70),
}

BY_NAME: Dict[str, int] = {v[0]: k for k, v in PROTOCOLS.items()}

# What a message sent by this protocol carries in front of the body.
HEADER: Dict[int, str] = {
    0x30: "request",   # backtrace: [hops...] request id (top bit set)
    0x31: "reply",     # the request's backtrace echoed
    0x62: "survey",
    0x63: "response",
    0x11: "pair1",     # u32 hop count, always
}


def name(proto: Optional[int]) -> Optional[str]:
    """NNG's short name ("req"), or "0xNNNN" for an unknown number, None for unknown."""
    if proto is None:
        return None
    known = PROTOCOLS.get(proto)
    return known[0] if known else "0x%04x" % proto


def display(proto: Optional[int]) -> str:
    """The name used in sentences: "REQ0", or "protocol 0x0abc"."""
    if proto is None:
        return "(no protocol)"
    known = PROTOCOLS.get(proto)
    return known[1] if known else "protocol 0x%04x" % proto


def peer_of(proto: int) -> Optional[int]:
    known = PROTOCOLS.get(proto)
    return known[2] if known else None


def compatible(a: int, b: int) -> bool:
    """True when NNG would keep a connection between protocols a and b."""
    return peer_of(a) == b and peer_of(b) == a
