"""``sp_peer(impl, protocol, listen=URL | dial=URL, behaviour=...)``: starting peers, and stopping them all.

A listening peer is returned once its listener is bound (``.url`` is the
bound address: a tcp port 0 is resolved); a dialing one once its dial has
completed the SP handshake.  Every peer started here is stopped by
``stop_all()`` (the fixture's teardown), by its own handle.
"""
from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Union

from . import behaviours as bh
from .impls import PeerMissing, locate
from .peer import InProcessPeer, NngcatPeer, Peer, ProcessPeer
from .urls import TRANSPORTS, TransportUnavailable, transport

if TYPE_CHECKING:
    from .tls import TLSMaterials

PYPEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pypeer.py")
Topics = Optional[Sequence[Union[bytes, str]]]


def scheme_of(url: str) -> str:
    scheme = url.partition("://")[0]
    if scheme == "tcp" and url.startswith("tcp://["):
        return "tcp6"
    return scheme


def check_transport(impl: str, url: str) -> None:
    name = scheme_of(url)
    t = TRANSPORTS.get(name)
    if t is None:
        return  # a scheme the registry does not know (abstract://...): let the peer judge it
    transport(name)  # raises TransportUnavailable where this nngkit or host cannot have it
    if impl not in t.impls:
        raise TransportUnavailable("a %s peer cannot use %s (possible: %s)" % (impl, name, ", ".join(sorted(t.impls))))


def _topic_hex(topics: Topics) -> List[str]:
    out: List[str] = []
    for t in topics or []:
        out += ["--topic", (t.encode() if isinstance(t, str) else bytes(t)).hex()]
    return out


def nngcat_args(protocol: str, listening: bool, b: bh.Behaviour, datafile: str, topics: Topics) -> List[str]:
    """nngcat's flags for a behaviour.  Where nngcat cannot see a subscriber, bus peer or respondent arrive
    (it listens as PUB, BUS or SURVEYOR), it sends again every second until stopped."""
    args = ["--" + protocol] + ([] if protocol in ("push0", "pub0") else ["--hex"])  # senders refuse a format
    for t in topics if topics is not None else ([b""] if protocol == "sub0" else []):
        args += ["--subscribe", t if isinstance(t, str) else bytes(t).decode("latin-1")]
    if b.kind == "echo" or b.prefix is not None or b.fn is not None:
        raise bh.BehaviourUnsupported("nngcat answers only with constant data: use reply(data) with it")
    if b.kind == "record":
        return args + (["--count", str(b.count)] if b.count else [])
    args += ["--file", datafile]
    if b.kind == "reply":
        return args + (["--count", str(b.count)] if b.count else [])
    if listening and protocol in ("pub0", "bus0", "surveyor0"):
        return args + ["--interval", "1"]
    if protocol in ("push0", "pub0"):
        return args + ["--count", str(b.times)]
    # req0, surveyor0, pair, bus send and then receive.  Once: no --count (NNG's nngcat then receives
    # until the exchange ends); more: one per second (with --count and no --interval it computes a
    # negative receive timeout and fails with "Cannot set recv timeout").
    return args + (["--count", str(b.times), "--interval", "1"] if b.times > 1 else [])


class PeerFactory:
    """The ``sp_peer`` fixture's value; ``missing`` turns a PeerMissing into a skip or a failure."""

    def __init__(self, workdir: str, cache_dir: str, missing: Callable[[PeerMissing], None],
                 timeout: float = 10.0, tls: Optional[Callable[[], "TLSMaterials"]] = None) -> None:
        self.workdir, self.cache_dir, self.missing, self.timeout = workdir, cache_dir, missing, timeout
        self.tls = tls  # -> the session's sp_tls materials, made on first use
        self.peers: List[Peer] = []

    def _tls_args(self, kind: str, listening: bool, url: str, tls: Optional["TLSMaterials"]) -> List[str]:
        """The certificates a peer on a TLS address is started with (none for other addresses)."""
        from .tls import uses_tls

        if not uses_tls(url):
            return []
        if tls is None:
            if self.tls is None:
                raise TransportUnavailable("this PeerFactory was given no TLS materials for %s" % url)
            tls = self.tls()
        role = "server" if listening else "client"
        return tls.nngcat_flags(role) if kind == "nngcat" else tls.peer_args(role)

    def __call__(self, impl: str, protocol: str, *, listen: Optional[str] = None, dial: Optional[str] = None,
                 behaviour: bh.BehaviourLike = None, topics: Topics = None, subprocess: bool = False,
                 tls: Optional["TLSMaterials"] = None) -> Peer:
        if (listen is None) == (dial is None):
            raise TypeError("sp_peer() takes exactly one of listen=URL, dial=URL")
        url = str(listen if listen is not None else dial)
        b = bh.coerce(behaviour)
        b.check(protocol)
        try:
            where = locate(impl, self.cache_dir)
        except PeerMissing as e:
            self.missing(e)
            raise
        kind = "nngkit-process" if impl == "nngkit" and subprocess else impl
        check_transport(kind, url)
        side = ["--listen" if listen is not None else "--dial", url,
                *self._tls_args(kind, listen is not None, url, tls)]
        peer = self._start(impl, kind, where, protocol, side, b, topics)
        self.peers.append(peer)
        peer._wait(lambda: peer._ready, self.timeout, "listener" if listen is not None else "completed dial")
        return peer

    def _start(self, impl: str, kind: str, where: str, protocol: str, side: List[str],
               b: bh.Behaviour, topics: Topics) -> Peer:
        """Start a peer; `side` is --listen or --dial, the URL, and the TLS options."""
        os.makedirs(self.workdir, exist_ok=True)
        listening, url = side[0] == "--listen", side[1]
        datafile = os.path.join(self.workdir, "data-%d.bin" % len(self.peers))
        with open(datafile, "wb") as f:
            f.write(b.data)
        if kind == "nngcat":
            stdbuf = shutil.which("stdbuf")
            if stdbuf is None:  # nngcat does not flush its -v line into a pipe: make its stdout line-buffered
                self.missing(PeerMissing("nngcat", "stdbuf (coreutils) is needed to read nngcat's -v line"))
            argv = [str(stdbuf), "-oL", where, *side, "-v", *nngcat_args(protocol, listening, b, datafile, topics)]
            return NngcatPeer(impl, protocol, b, url, argv, self.workdir, commands=False)
        if kind == "nngkit":
            from . import pypeer

            spec = pypeer.parse(["--proto", protocol, *side, *self._behaviour_args(b), *_topic_hex(topics)])
            return InProcessPeer(protocol, b, url, spec, b.fn)
        if kind == "libnng":
            argv = [where, "--proto", protocol, *side, *b.args(datafile), *_topic_hex(topics)]
        else:  # pynng, nngkit-process
            argv = [sys.executable, PYPEER, "--module", where, "--proto", protocol, *side, *b.args(datafile),
                    *_topic_hex(topics)]
        return ProcessPeer(impl, protocol, b, url, argv, self.workdir, env=child_env())

    @staticmethod
    def _behaviour_args(b: bh.Behaviour) -> List[str]:
        return b.args() if b.fn is None else bh.Behaviour(b.kind, b.data, b.count).args()

    def stop_all(self) -> None:
        """Stop every peer (the last started first), even when stopping one fails."""
        errors: List[BaseException] = []
        for peer in reversed(self.peers):
            try:
                peer.stop()
            except Exception as e:  # noqa: BLE001 - raised after the others are stopped
                errors.append(e)
        if errors:
            raise errors[0]


def child_env() -> Dict[str, str]:
    """The environment of Python peers: this one, with the directory nngkit is imported from on the path."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
