"""State across messages: replies matched to requests, resends, unknown ids, late survey answers.

Keyed by (family, id) across connections, because NNG re-sends a request
on another pipe when the first one dies.  Bounded: at most MAX_PENDING ids
are remembered, the oldest forgotten first.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .events import MessageEvent, StateEvent

MAX_PENDING = 65536
ASKS = {"request": "req", "survey": "survey"}
ANSWERS = {"reply": "req", "response": "survey"}


@dataclass
class Pending:
    conn: int
    first: float
    last: float
    sends: int = 1
    answers: int = 0
    abandoned: bool = False


class Tracker:
    def __init__(self, survey_time: Optional[float] = None) -> None:
        self.survey_time = survey_time  # seconds; None: do not judge lateness
        self._pending: "OrderedDict[Tuple[str, int], Pending]" = OrderedDict()
        self._latest: Dict[Tuple[int, str], Pending] = {}  # (conn, family) -> its newest ask
        self._at = 0.0

    def on_message(self, ev: MessageEvent, at: Optional[float] = None) -> List[StateEvent]:
        """State events for a message delivered at ``at`` (default: when seen; later when a fault delays it)."""
        if ev.hdr.id is None:
            return []
        self._at = ev.ts if at is None else at
        if ev.hdr.kind in ASKS:
            return self._ask(ev, ASKS[ev.hdr.kind], ev.hdr.id)
        if ev.hdr.kind in ANSWERS:
            return self._answer(ev, ANSWERS[ev.hdr.kind], ev.hdr.id)
        return []

    def _state(self, ev: MessageEvent, name: str, text: str, **data: object) -> StateEvent:
        return StateEvent(self._at, ev.conn, ev.dir, "state", name, text, ev.proto, dict(data, id=ev.hdr.id),
                          id=ev.hdr.id)

    def _ask(self, ev: MessageEvent, family: str, ident: int) -> List[StateEvent]:
        key = (family, ident)
        p = self._pending.get(key)
        if p is not None:
            after = self._at - p.last
            p.sends += 1
            p.last = self._at
            what = "request" if family == "req" else "survey"
            return [self._state(ev, "resend", "%s 0x%08x sent again (send %d), %.3f s after the previous one"
                                % (what, ident, p.sends, after), after=round(after, 6), sends=p.sends)]
        older = self._latest.get((ev.conn, family))
        if older is not None and not older.answers:
            older.abandoned = True  # a new request/survey supersedes the old one in NNG
        self._pending[key] = self._latest[(ev.conn, family)] = Pending(ev.conn, self._at, self._at)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
        return []

    def _answer(self, ev: MessageEvent, family: str, ident: int) -> List[StateEvent]:
        p = self._pending.get((family, ident))
        if p is None:
            return [self._state(ev, "unknown-id", "%s to unknown id 0x%08x: NNG drops it" % (ev.hdr.kind, ident))]
        rtt = self._at - p.last
        p.answers += 1
        if family == "req" and p.answers > 1:
            return [self._state(ev, "unknown-id", "second reply to 0x%08x (already answered): NNG drops it"
                                % ident, rtt=round(rtt, 6))]
        if p.abandoned:
            return [self._state(ev, "stale", "%s to 0x%08x, which a newer one superseded: NNG drops it"
                                % (ev.hdr.kind, ident), rtt=round(rtt, 6))]
        out = [self._state(ev, "match", "%s to 0x%08x after %.3f ms%s" % (
            ev.hdr.kind, ident, rtt * 1e3, " (%d sends)" % p.sends if p.sends > 1 else ""),
            rtt=round(rtt, 6), sends=p.sends)]
        if family == "survey" and self.survey_time is not None and self._at - p.first > self.survey_time:
            late = self._at - p.first
            out.append(self._state(ev, "late", "response to survey 0x%08x after %.3f s, past the survey time %.3f s:"
                                   " NNG drops it" % (ident, late, self.survey_time), after=round(late, 6)))
        return out
