"""What a peer does once it is connected: the usual SP roles, as plain data.

A behaviour travels to every kind of peer: as command-line flags to nngcat,
as arguments to the C and Python peers.  Every peer also records what it
receives (``peer.received``), whatever its behaviour.

=============  =============================  ======================================
behaviour      protocols                      what the peer does
=============  =============================  ======================================
``record()``   any that receives              receive and record (``count``: stop after N)
``echo()``     rep0, respondent0, pair, bus   answer each message with itself
``reply()``    rep0, respondent0              answer with ``data``, ``prefix`` + message, or ``fn(message)``
``publish()``  pub0                           send ``data`` ``count`` times once a subscriber is connected
``push()``     push0                          send ``data`` ``count`` times (push waits for a puller)
``request()``  req0, surveyor0                send ``data``, record the answers, ``count`` times
``send()``     pair0, pair1, bus0             send ``data`` ``count`` times once connected, record what comes
=============  =============================  ======================================

``reply(fn=...)`` runs Python code, so only an in-process nngkit peer takes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Union

RECEIVERS = ("rep0", "respondent0", "pair0", "pair1", "bus0", "sub0", "pull0", "req0", "surveyor0")
KINDS: Dict[str, "tuple[str, ...]"] = {
    "record": RECEIVERS,
    "echo": ("rep0", "respondent0", "pair0", "pair1", "bus0"),
    "reply": ("rep0", "respondent0"),
    "publish": ("pub0",),
    "push": ("push0",),
    "request": ("req0", "surveyor0"),
    "send": ("pair0", "pair1", "bus0"),
}
PROTOCOLS = ("req0", "rep0", "pub0", "sub0", "push0", "pull0", "surveyor0", "respondent0", "bus0", "pair0", "pair1")


class BehaviourUnsupported(Exception):
    """This peer implementation (or protocol) cannot act out this behaviour."""


@dataclass(frozen=True)
class Behaviour:
    kind: str
    data: bytes = b""
    count: int = 0        # 0: no limit (record) / once (senders)
    prefix: Optional[bytes] = None
    fn: Optional[Callable[[bytes], bytes]] = None

    def check(self, protocol: str) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError("unknown protocol %r (known: %s)" % (protocol, ", ".join(PROTOCOLS)))
        if protocol not in KINDS[self.kind]:
            raise BehaviourUnsupported("%s() is not a behaviour for %s (it is for %s)"
                                       % (self.kind, protocol, ", ".join(KINDS[self.kind])))

    @property
    def times(self) -> int:
        """How many sends a sending behaviour makes."""
        return max(self.count, 1)

    def args(self, data_file: Optional[str] = None) -> List[str]:
        """The C and Python peers' command-line form: bytes as hex, the data in `data_file` if given
        (an argument holds at most 128 KiB)."""
        data = ["--data-file", data_file] if data_file is not None else ["--data", self.data.hex()]
        out = ["--kind", self.kind, *data, "--count", str(self.count)]
        if self.prefix is not None:
            out += ["--prefix", self.prefix.hex()]
        if self.fn is not None:
            raise BehaviourUnsupported("reply(fn=...) runs Python code: only the in-process 'nngkit' peer takes it")
        return out


def record(count: int = 0) -> Behaviour:
    return Behaviour("record", count=count)


def echo() -> Behaviour:
    return Behaviour("echo")


def reply(data: Optional[bytes] = None, *, prefix: Optional[bytes] = None,
          fn: Optional[Callable[[bytes], bytes]] = None) -> Behaviour:
    if sum(x is not None for x in (data, prefix, fn)) != 1:
        raise ValueError("reply() takes exactly one of data, prefix, fn")
    return Behaviour("reply", data=data or b"", prefix=prefix, fn=fn)


def publish(data: bytes, count: int = 1) -> Behaviour:
    return Behaviour("publish", data=data, count=count)


def push(data: bytes, count: int = 1) -> Behaviour:
    return Behaviour("push", data=data, count=count)


def request(data: bytes, count: int = 1) -> Behaviour:
    return Behaviour("request", data=data, count=count)


def send(data: bytes, count: int = 1) -> Behaviour:
    return Behaviour("send", data=data, count=count)


BehaviourLike = Union[Behaviour, str, None]


def coerce(b: BehaviourLike) -> Behaviour:
    """None and "record" mean record(); "echo" means echo()."""
    if b is None or b == "record":
        return record()
    if b == "echo":
        return echo()
    if isinstance(b, Behaviour):
        return b
    raise TypeError("behaviour must be a Behaviour (see nngkit.testing.behaviours), 'echo' or 'record', not %r" % (b,))
