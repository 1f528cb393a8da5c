"""Our nngcat against NNG's /usr/bin/nngcat: same scenario, same bytes.

Each test runs one scenario twice at once, with real nngcat and with ours as
the process under test and a pynng socket as the peer, and compares exit
code, stdout (the address replaced by <URL>), stderr and what the peer saw.
Both directions (nngcat listening with -v, nngcat dialing), tcp and ipc.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Tuple

import pytest

from tests.cli import harness
from tests.cli.harness import Outcome, answer, ask, collect, run_ut, send_all, side_by_side
from tests.helpers.payloads import payload
from tests.helpers.raw import RawConn

ALL_BYTES = bytes(range(256))
BIG = payload(70_000, seed=3)  # over 64 KiB: msgpack bin32, long hex/quoted lines
STDIN_BIN = bytes(range(255, -1, -1)) * 300  # 76800 bytes, every byte value
MESSAGES = [b"hello world", ALL_BYTES, b"", b'tab\there "q" back\\slash\r\n\x7f', BIG]

FORMATS = {
    "none": [],
    "no": ["--format", "no"],
    "raw": ["--format=raw"],
    "ascii": ["-A"],
    "quoted": ["--quoted"],
    "hex": ["--format:hex"],
    "msgpack": ["--msgpack"],
}

ALL_WAYS = [("tcp", True), ("tcp", False), ("ipc", True), ("ipc", False)]
TWO_WAYS = [("tcp", True), ("ipc", False)]  # for the slow scenarios: each direction, each transport
DIAL_WAYS = [("tcp", False), ("ipc", False)]
LISTEN_WAYS = [("tcp", True), ("ipc", True)]


def way_id(way) -> str:
    scheme, ut_listens = way
    return f"{scheme}-{'ours-listens' if ut_listens else 'ours-dials'}"


def listening_header(ut_listens: bool) -> bytes:
    return b"Listening at: <URL>\n" if ut_listens else b""


@pytest.fixture
def peer(pynng_peer):
    return pynng_peer


# -- every output format, receiving on PULL ------------------------------------------

@pytest.mark.parametrize("way", ALL_WAYS, ids=way_id)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_pull_prints_every_format_like_nngcat(peer, fmt, way):
    scheme, ut_listens = way
    args = ["--pull0", *FORMATS[fmt], "--count", str(len(MESSAGES))]
    real, ours = side_by_side(lambda kind: run_ut(kind, args, scheme, ut_listens, peer.Push0, send_all(MESSAGES)))
    harness.assert_same(real, ours)
    assert real.rc == 0, real
    body = real.out[len(listening_header(ut_listens)):]
    assert real.out.startswith(listening_header(ut_listens))
    if fmt in ("none", "no"):
        assert body == b""
    elif fmt == "raw":
        assert body == b"".join(MESSAGES)
    else:
        assert len(body) >= sum(map(len, MESSAGES))


# -- each protocol pair and mode -----------------------------------------------------

@dataclass
class Case:
    args: List[str]
    peer: str
    action: Callable[..., Any]
    expect_out: Optional[bytes] = None  # stdout after the -v line, when exact
    expect_peer: Any = None
    listen_args: List[str] = field(default_factory=list)  # extra args when ours listens
    stdin: Optional[bytes] = None
    setup: Optional[Callable[[Any], None]] = None
    ways: List[Tuple[str, bool]] = field(default_factory=lambda: list(ALL_WAYS))


def _subscribe_all(sock: Any) -> None:
    sock.subscribe(b"")


FAST = {
    "sub-topics": Case(["--sub0", "--subscribe=one", "--subscribe", "two", "--quoted", "--count=3"], "Pub0",
                       send_all([b"one flew", b"three", b"twofer test", b"one more"]),
                       expect_out=b'"one flew"\n"twofer test"\n"one more"\n'),
    "sub-everything": Case(["--sub", "--raw", "-C", "2"], "Pub0", send_all([b"any", b"thing"]), expect_out=b"anything"),
    "rep-without-data-only-prints": Case(["--rep0", "-Q", "-C", "2"], "Req0", send_all([b"q1", b"q2"]),
                                         expect_out=b'"q1"\n"q2"\n'),
    "respondent-without-data-only-prints": Case(["--respondent", "--hex", "-C", "1"], "Surveyor0",
                                                send_all([b"\x00\xff"]), expect_out=b'"\\x00\\xff"\n'),
    "req-empty-data": Case(["--req0", "--data=", "--msgpack"], "Rep0", answer([b""]), expect_out=b"\xc4\x00",
                           expect_peer=[b""]),
    "rep-replies": Case(["--rep", "--data", "pong", "-Q", "-C", "2"], "Req0", ask([b"ping", ALL_BYTES]),
                        expect_peer=[b"pong", b"pong"]),
    "req-asks": Case(["--req0", "-D", "ping", "--hex"], "Rep0", answer([ALL_BYTES]),
                     expect_out=b'"' + b"".join(b"\\x%02x" % b for b in ALL_BYTES) + b'"\n', expect_peer=[b"ping"]),
    "respondent-answers": Case(["--respondent0", "-D", "here", "--ascii", "-C", "1"], "Surveyor0",
                               ask([b"who\x00is\xffthere?"]), expect_out=b"who.is.there?", expect_peer=[b"here"]),
    "pair0-receives": Case(["--pair0", "--msgpack", "-C", "3"], "Pair0", send_all([b"a", ALL_BYTES, BIG])),
    "pair1-receives": Case(["--pair1", "-Q", "-C", "2"], "Pair1", send_all([ALL_BYTES, b"x"])),
    "bus-receives": Case(["--bus", "--raw", "-C", "2"], "Bus0", send_all([b"b1", b"b2"]), expect_out=b"b1b2"),
    "push-sends": Case(["--push0", "-D", "job", "-C", "3"], "Pull0", collect(3), expect_out=b"",
                       expect_peer=[b"job"] * 3),
    # PUB sends at once: when it dials, the dial is the event; when it listens, see --delay below
    "pub-sends-when-dialing": Case(["--pub", "-D", "news", "-C", "2"], "Sub0", collect(2), expect_out=b"",
                                   expect_peer=[b"news"] * 2, setup=_subscribe_all, ways=DIAL_WAYS),
    "push-file-stdin": Case(["--push0", "--file", "-"], "Pull0", collect(1), expect_out=b"",
                            expect_peer=[STDIN_BIN], stdin=STDIN_BIN),
    "req-file-stdin": Case(["--req0", "-F", "-", "-Q"], "Rep0", answer([ALL_BYTES[::-1]]),
                           expect_peer=[STDIN_BIN], stdin=STDIN_BIN),
}

SLOW = {  # a second or two each: survey time, --delay, --interval, --recv-timeout
    "surveyor-collects": Case(["--surveyor0", "-D", "anyone?", "--raw"], "Respondent0", answer([b"me"]),
                              expect_out=b"me", expect_peer=[b"anyone?"], listen_args=["-d", "1"], ways=TWO_WAYS),
    "pair1-sends-then-receives": Case(["--pair1", "-D", "hi", "-Q", "--recv-timeout", "1"], "Pair1",
                                      answer([b"r1"]), expect_out=b'"r1"\n', expect_peer=[b"hi"], ways=TWO_WAYS),
    "bus-sends-then-receives": Case(["--bus0", "-D", "hi", "--hex", "--recv-timeout", "1"], "Bus0",
                                    answer([b"yo"]), expect_out=b'"\\x79\\x6f"\n', expect_peer=[b"hi"],
                                    ways=[("tcp", False)]),  # bus-receives covers both directions
    "req-interval-count": Case(["--req0", "-D", "tick", "-i", "1", "-C", "2", "-Q"], "Rep0",
                               answer([b"tock1", b"tock2"]), expect_out=b'"tock1"\n"tock2"\n',
                               expect_peer=[b"tick", b"tick"], ways=TWO_WAYS),
    "pub-sends-after-delay": Case(["--pub0", "-D", "news", "--delay", "1"], "Sub0", collect(1), expect_out=b"",
                                  expect_peer=[b"news"], setup=_subscribe_all, ways=LISTEN_WAYS),
}


def _check_case(peer: Any, case: Case, scheme: str, ut_listens: bool) -> None:
    args = case.args + (case.listen_args if ut_listens else [])

    def scenario(kind: str) -> Outcome:
        return run_ut(kind, args, scheme, ut_listens, getattr(peer, case.peer), case.action,
                      stdin_data=case.stdin, peer_setup=case.setup)

    real, ours = side_by_side(scenario)
    harness.assert_same(real, ours)
    assert real.rc == 0, real
    if case.expect_out is not None:
        assert real.out == listening_header(ut_listens) + case.expect_out
    if case.expect_peer is not None:
        assert real.peer == case.expect_peer


CASES = {**FAST, **SLOW}
RUNS = [(name, way) for name in sorted(CASES) for way in CASES[name].ways]


@pytest.mark.parametrize("name,way", RUNS, ids=[f"{n}-{way_id(w)}" for n, w in RUNS])
def test_protocol_scenario_like_nngcat(peer, name, way):
    _check_case(peer, CASES[name], *way)


# -- --recv-maxsz: oversized messages drop their connection --------------------------

PUSH0, PULL0 = 0x50, 0x51


def _maxsz_scenario(kind: str, scheme: str) -> Outcome:
    """nngcat-reference.md's recvmaxsz check, each message from its own raw SP connection.

    A message nngcat has not taken yet dies with its connection, so a good
    one's connection stays open until nngcat has printed it; an oversized
    one's connection is closed by nngcat (that close is the event).
    """
    url = harness.fixed_url(scheme)
    proc = harness.CliProc(harness.cli_argv(kind, ["--recv-maxsz=5", "--pull0", "--quoted", "--count=3",
                                                   "--listen", url, "-v"]))
    try:
        assert proc.readline() == b"Listening at: " + url.encode()
        for body in (b"one", b"666666", b"7777777", b"55555", b"88888"):
            with RawConn.connect(url) as conn:
                conn.handshake(PUSH0)
                conn.send_frame(body)
                if len(body) > 5:
                    conn.expect_closed(timeout=5.0)
                else:
                    assert proc.readline() == b'"%s"' % body
        rc, out, err = proc.output()
    finally:
        proc.stop()
    return Outcome(rc, out.replace(url.encode(), b"<URL>"), err)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_recv_maxsz_drops_oversized_like_nngcat(scheme):
    real, ours = side_by_side(lambda kind: _maxsz_scenario(kind, scheme))
    harness.assert_same(real, ours)
    assert (real.rc, real.out) == (0, b'Listening at: <URL>\n"one"\n"55555"\n"88888"\n')
