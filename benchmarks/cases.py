"""What the suite measures, and the target set for each figure (nngtrace's relay included).

A `Case` is one measured situation (say, PUSH/PULL of 1 KiB over ipc with
asyncio); `measure` runs it once for one implementation and returns its
figures by metric name.  Each metric of a case becomes one row of the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from .common import delivered, make_url

KIB, MIB = 1024, 1024 * 1024
SUBSCRIBERS = 16  # issue 15's fan-out
CONNS = 1000


@dataclass(frozen=True)
class Metric:
    key: str  # name in the measured dict
    label: str
    unit: str
    higher_is_better: bool
    # target on the ratio nngkit/pynng ("ratio"), nngkit/C NNG ("nng") or nngkit's own figure ("abs")
    target: Optional[Tuple[str, float]] = None


@dataclass(frozen=True)
class Case:
    group: str  # reqrep | pushpull | pubsub | conns | nngtrace-reqrep | nngtrace-pushpull
    transport: str
    mode: str  # sync | async | "-"; for nngtrace cases the proxy's event loop (uvloop | asyncio)
    size: int
    metrics: Tuple[Metric, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        size = "x%d" % self.size if self.group == "conns" else size_name(self.size)
        return "%s/%s/%s/%s" % (self.group, self.transport, self.mode, size)


def size_name(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return "%dMiB" % (n // MIB)
    if n >= KIB and n % KIB == 0:
        return "%dKiB" % (n // KIB)
    return "%dB" % n


def _rtt_metrics(transport: str, mode: str) -> Tuple[Metric, ...]:
    target = None
    if transport == "tcp" and mode == "async":
        target = ("ratio", 0.35)
    elif transport in ("tcp", "ipc", "ws", "tls+tcp") and mode == "sync":
        target = ("ratio", 0.8)
    return (Metric("rtt_median_us", "rtt median us", "us", False, target),
            Metric("rtt_p99_us", "rtt p99 us", "us", False))


def _tput_metric(transport: str, size: int) -> Metric:
    if size <= KIB:
        target = ("ratio", 5.0) if (transport in ("tcp", "ws", "tls+tcp") and size == 64) else None
        return Metric("msgs_per_s", "msg/s", "msg/s", True, target)
    target = None
    if size == MIB and transport in ("tcp", "tls+tcp"):  # issue 12's target for tls+tcp
        target = ("ratio", 2.5 if transport == "tcp" else 1.5)
    return Metric("mb_per_s", "MB/s", "MB/s", True, target)


def speaks(case: Case, impl: str) -> bool:
    """Whether `impl` can run `case`: the raw floor speaks tcp and ipc framing only."""
    return not (impl == "raw" and case.transport in ("ws", "tls+tcp"))


def all_cases(conns: int = CONNS) -> List[Case]:
    cases: List[Case] = []
    for transport in ("tcp", "ipc", "inproc"):
        for mode in ("sync", "async"):
            cases.append(Case("reqrep", transport, mode, 64, _rtt_metrics(transport, mode)))
    for transport in ("tcp", "ipc"):
        for size in (64, KIB, 64 * KIB, MIB):
            for mode in ("sync", "async"):
                cases.append(Case("pushpull", transport, mode, size, (_tput_metric(transport, size),)))
    cases += _stream_cases("ws") + _stream_cases("tls+tcp")
    for mode in ("sync", "async"):
        cases.append(Case("pubsub", "tcp", mode, 64, (
            Metric("per_sub_msgs_per_s", "msg/s per sub (x%d)" % SUBSCRIBERS, "msg/s", True,
                   ("nng", 2.0)),
            Metric("delivered", "delivered fraction", "fraction", True))))
    cases.append(Case("conns", "tcp", "-", conns, (  # targets of issue 15, set for 10,000
        Metric("kib_per_conn", "RSS KiB per conn", "KiB", False, ("abs", 4.0)),
        Metric("threads", "threads in process", "threads", False, ("abs", 2.0)),
        Metric("open_s", "all dials s", "s", False, ("abs", 2.0)),
        Metric("rss_kib", "RSS KiB total", "KiB", False))))
    for loop in ("uvloop", "asyncio"):
        cases += _nngtrace_cases(loop)
    return cases


def _nngtrace_cases(loop: str) -> List[Case]:
    """nngkit both ends, direct and through ``nngtrace proxy --json --out FILE`` (benchmarks/nngtrace_relay.py)."""
    def three(key: str, what: str, unit: str, higher: bool, target: Tuple[str, float]) -> Tuple[Metric, ...]:
        return (Metric(key + "_direct", "%s %s direct" % (what, unit), unit, higher),
                Metric(key + "_via", "%s %s via nngtrace" % (what, unit), unit, higher,
                       ("abs", target[1]) if target[0] == "via" else None),
                Metric(key + "_ratio", "%s via/direct (x)" % what, "x", higher,
                       ("abs", target[1]) if target[0] == "ratio" else None))
    return [Case("nngtrace-reqrep", "tcp", loop, 64, three("rtt", "rtt median", "us", False, ("ratio", 2.0))),
            Case("nngtrace-pushpull", "tcp", loop, 64, three("msgs", "rate", "msg/s", True, ("via", 50_000))),
            Case("nngtrace-pushpull", "tcp", loop, MIB, three("mb", "rate", "MB/s", True, ("via", 500)))]


def _stream_cases(transport: str) -> List[Case]:
    """ws and tls+tcp: REQ/REP 64 B, PUSH/PULL 64 B and 1 MiB, sync (tls+tcp's
    certificates: tls_certs.py)."""
    cases = [Case("reqrep", transport, "sync", 64, _rtt_metrics(transport, "sync"))]
    for size in (64, MIB):
        cases.append(Case("pushpull", transport, "sync", size, (_tput_metric(transport, size),)))
    return cases


@dataclass
class Timing:
    seconds: float  # measured part of one run
    warm: float  # unmeasured start of a streaming run
    conns: int = CONNS


def measure(case: Case, impl: str, peer: Any, timing: Timing, root: str) -> Dict[str, float]:
    """One run of `case` for `impl`; `peer` is its peer process (peer.Peer)."""
    from .peer import load, run_probe
    mod, lib = load(impl)
    call: Callable[..., Any] = mod.__dict__.get
    args: List[Any] = [] if lib is None else [lib]
    limit = timing.warm + timing.seconds
    supports = mod.__dict__.get("supports")
    if supports is not None and not supports(case, *args):
        return {}  # a rival without this case: its cell stays empty
    if case.group.startswith("nngtrace-"):
        return _measure_nngtrace(case, impl, timing)
    if case.group == "reqrep" and case.transport == "inproc":
        return dict(call("rtt_inproc")(*args, case.mode, timing.seconds))
    if case.group == "conns":
        url = peer.start("hold", make_url("tcp"))
        try:
            return run_probe(impl, root, url, timing.conns, 300)
        finally:
            peer.finish(30)
    if case.group == "reqrep":
        url = peer.start("rep", make_url(case.transport), mode=case.mode, seconds=timing.seconds)
        out = call("rtt")(*args, url, case.mode, timing.seconds)
    elif case.group == "pushpull":
        url = peer.start("push", make_url(case.transport), mode=case.mode, size=case.size,
                         seconds=limit)
        out = call("pull")(*args, url, case.mode, timing.warm, limit, size=case.size)
    else:
        url = peer.start("pub", make_url(case.transport), mode=case.mode, size=case.size,
                         seconds=limit, subs=SUBSCRIBERS)
        out = call("subs")(*args, url, case.mode, SUBSCRIBERS, timing.warm,
                           lambda: peer.say("go"), limit)
        return delivered(out, peer.finish(limit + 60))
    peer.finish(limit + 60)
    return dict(out)


def _measure_nngtrace(case: Case, impl: str, timing: Timing) -> Dict[str, float]:
    """Direct and proxied slices, alternated in one run (nngkit only; uvloop cases need uvloop)."""
    import importlib.util

    from . import nngtrace_relay
    if impl != "nngkit" or (case.mode == "uvloop" and importlib.util.find_spec("uvloop") is None):
        return {}
    kind = "rtt" if case.group == "nngtrace-reqrep" else size_name(case.size)
    key = case.metrics[0].key[:-len("_direct")]
    r = nngtrace_relay.measure(kind, 2 * timing.seconds, 4, timing.warm, case.mode)
    return {key + "_direct": r["direct"], key + "_via": r["via"], key + "_ratio": r["ratio"]}
