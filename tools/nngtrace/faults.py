"""Fault injection for the proxy: what to do to each relayed message, seeded and counted.

Probabilities are drawn from one random.Random(seed) in message order, so a
run with the same seed and the same traffic makes the same decisions.  A
fault applies to messages in the chosen direction(s) that pass the filter
(``proto=NAME``, ``kind=request|reply|survey|response|pair1|none``,
``id=0xHEX``, comma-separated, all must hold), at most ``limit`` times per
kind when a limit is given.  corrupt-header XORs the first payload byte with
0xff: a request id loses its top bit (the REP sees a backtrace with no end),
a PAIR1 hop count goes over 255; both make NNG close the connection.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .events import MessageEvent

KINDS = ("drop", "delay", "dup", "corrupt-header", "close", "stall")


@dataclass
class FaultSpec:
    seed: int = 0
    drop: float = 0.0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    dup: float = 0.0
    corrupt: float = 0.0
    close_after: Optional[int] = None   # messages relayed (that pass the filter), then close both sides
    stall_after: Optional[int] = None   # messages relayed, then stop reading that direction
    direction: str = "both"
    filter: Dict[str, str] = field(default_factory=dict)
    limit: Optional[int] = None         # at most this many faults of each kind

    def active(self) -> bool:
        return bool(self.drop or self.delay_ms or self.jitter_ms or self.dup or self.corrupt
                    or self.close_after is not None or self.stall_after is not None)


def parse_filter(text: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in ("proto", "kind", "id"):
            raise ValueError("bad filter term %r (use proto=NAME, kind=KIND, id=0xHEX)" % part)
        out[key] = value.lower()
    return out


def parse_delay(text: str) -> "tuple[float, float]":
    ms, _, jitter = text.partition(":")
    return float(ms), float(jitter or 0)


@dataclass
class Decision:
    faults: List[str] = field(default_factory=list)   # in KINDS
    delay: float = 0.0                                  # seconds


class FaultPlan:
    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.counts: "Counter[str]" = Counter()
        self.seen: "Counter[str]" = Counter()  # matching messages per direction

    def covers(self, d: str) -> bool:
        return self.spec.active() and self.spec.direction in ("both", d)

    def matches(self, ev: MessageEvent) -> bool:
        f = self.spec.filter
        if "proto" in f and (ev.proto or "") != f["proto"]:
            return False
        if "kind" in f and ev.hdr.kind != f["kind"]:
            return False
        return "id" not in f or (ev.hdr.id is not None and ev.hdr.id == int(f["id"], 16))

    def _take(self, kind: str, p: float) -> bool:
        hit = p > 0 and self.rng.random() < p
        if hit and self.spec.limit is not None and self.counts[kind] >= self.spec.limit:
            return False
        if hit:
            self.counts[kind] += 1
        return hit

    def decide(self, d: str, ev: MessageEvent) -> Decision:
        """The faults for this message (already known to be in a covered direction)."""
        out = Decision()
        if not self.matches(ev):
            return out
        self.seen[d] += 1
        s = self.spec
        if s.stall_after is not None and self.seen[d] > s.stall_after and self._take("stall", 1.0):
            return Decision(["stall"])
        if s.close_after is not None and self.seen[d] > s.close_after and self._take("close", 1.0):
            return Decision(["close"])
        if self._take("drop", s.drop):
            return Decision(["drop"])
        if self._take("corrupt-header", s.corrupt):
            out.faults.append("corrupt-header")
        if self._take("dup", s.dup):
            out.faults.append("dup")
        if (s.delay_ms or s.jitter_ms) and self._take("delay", 1.0):
            out.delay = max(0.0, s.delay_ms + self.rng.uniform(-s.jitter_ms, s.jitter_ms)) / 1e3
            out.faults.append("delay")
        return out
