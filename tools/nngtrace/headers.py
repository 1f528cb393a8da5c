"""Per-protocol message headers: backtraces (REQ/REP, SURVEYOR/RESPONDENT) and the PAIR1 hop count.

Which header a message has depends on the protocol of the side that *sent*
it (known from its connection header).  Each problem is described with what
NNG does about it (sp-wire-protocol.md section 7).  Mirrors the core's
nki_wire_bt_scan, nki_wire_id and nki_wire_pair1_hops (csrc/core/wire.c,
fuzzed by csrc/fuzz/fuzz_bt.c, fuzz_id.c and fuzz_pair1.c).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import protocols

# NNG caps ttl-max at 15, so a backtrace is judged within 16 words.
MAX_WORDS = 16
HEAD_NEEDED = 4 * MAX_WORDS
TOP = 0x80000000
# a str as JSON text, exactly as json.dumps (ensure_ascii) writes it; C where available
json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii


@dataclass(frozen=True)
class SPHeader:
    kind: str                          # request, reply, survey, response, pair1, none
    size: int = 0                      # header bytes in front of the body
    id: Optional[int] = None           # request or survey id (top bit set)
    hops: Tuple[int, ...] = field(default=())  # backtrace words before the id
    hop_count: Optional[int] = None    # PAIR1
    problem: Optional[str] = None      # what is wrong, and what NNG does about it

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"kind": self.kind, "size": self.size}
        if self.id is not None:
            out["id"] = self.id
        if self.hops:
            out["hops"] = list(self.hops)
        if self.hop_count is not None:
            out["hop_count"] = self.hop_count
        if self.problem:
            out["problem"] = self.problem
        return out

    def json_text(self) -> str:
        """``to_json()`` as compact JSON text (it is in every message event)."""
        if self is NONE:
            return NONE_JSON
        out = '{"kind":%s,"size":%d' % (json_str(self.kind), self.size)
        if self.id is not None:
            out += ',"id":%d' % self.id
        if self.hops:
            out += ',"hops":[%s]' % ",".join(["%d" % h for h in self.hops])
        if self.hop_count is not None:
            out += ',"hop_count":%d' % self.hop_count
        if self.problem:
            out += ',"problem":' + json_str(self.problem)
        return out + "}"


NONE = SPHeader("none")  # shared: most messages have no protocol header
NONE_JSON = '{"kind":"none","size":0}'


def backtrace(kind: str, head: bytes, length: int, ttl: int) -> SPHeader:
    """Words up to and including the first with the top bit set."""
    words: List[int] = []
    for off in range(0, min(len(head), HEAD_NEEDED) - 3, 4):
        w = int.from_bytes(head[off:off + 4], "big")
        if w & TOP:
            hops = tuple(words)
            problem = None
            if len(hops) + 1 > ttl:
                problem = "backtrace of %d words exceeds ttl-max %d: NNG drops the message" % (len(hops) + 1, ttl)
            return SPHeader(kind, off + 4, w, hops, problem=problem)
        words.append(w)
    if length >= HEAD_NEEDED and len(head) >= HEAD_NEEDED:
        why = "no end word in the first %d words: NNG drops the message (over any ttl-max)" % MAX_WORDS
    elif length < 4:
        what = "survey" if kind in ("survey", "response") else "request"
        why = "%d bytes, shorter than a %s id: NNG closes this connection" % (length, what)
    else:
        why = "backtrace without an end word (no word with the top bit set): NNG closes this connection"
    return SPHeader(kind, 0, None, tuple(words), problem=why)


def pair1(head: bytes, length: int, ttl: int) -> SPHeader:
    if length < 4:
        return SPHeader("pair1", 0, problem="%d bytes, shorter than the PAIR1 hop count: NNG closes this connection"
                        % length)
    hops = int.from_bytes(head[:4], "big")
    problem = None
    if hops > 0xFF:
        problem = "hop count %d > 255: NNG closes this connection" % hops
    elif hops > ttl:
        problem = "hop count %d > ttl-max %d: NNG drops the message" % (hops, ttl)
    return SPHeader("pair1", 4, hop_count=hops, problem=problem)


def decode(sender: Optional[int], head: bytes, length: int, ttl: int = 8) -> SPHeader:
    """The header of a message of ``length`` bytes, of which ``head`` are the first."""
    kind = protocols.HEADER.get(sender) if sender is not None else None
    if kind is None:
        return NONE
    if kind == "pair1":
        return pair1(head, length, ttl)
    return backtrace(kind, head, length, ttl)
