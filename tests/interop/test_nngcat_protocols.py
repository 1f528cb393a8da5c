"""nngkit against the real C nngcat (nng-utils 1.5.2) for every protocol pair it offers.

--pub0/--sub0, --push0/--pull0, --surveyor0/--respondent0, --bus0, --pair1,
tcp and ipc, both directions ("nngcat-listens": nngkit dials once nngcat's
-v line "Listening at:" is out, under stdbuf; "nngkit-listens": nngcat dials).
Output is --quoted (one line per message, C escapes) or --raw; bytes are
checked exactly.  Where nngkit listens as a fan-out sender it keeps sending
until nngcat prints (tests/helpers/cliout.py).  Each nngcat runs with a
count, a delay or a receive timeout, so it ends by itself.
"""
from __future__ import annotations

import pytest

from tests.helpers.cliout import feed_until_lines, line_or_none
from tests.helpers.impl import nk
from tests.helpers.peers import unbuffered
from tests.helpers.sync import listen
from tests.interop.test_nngcat import TIMEOUTS, fixed_url, start_listening_nngcat

SCHEMES = ["tcp", "ipc"]
BINARY = b"A\t\n\r\"\\\x01\x7f\xff z"
QUOTED = b'"A\\t\\n\\r\\"\\\\\\x01\\x7f\\xff z"'


@pytest.fixture(params=["nngcat-listens", "nngkit-listens"])
def direction(request):
    return request.param


@pytest.fixture
def nngcat(require_peer):
    return require_peer("nngcat")


def run_nngcat(procs, nngcat, direction, args, url, ours):
    """Start nngcat listening (then `ours` dials) or dialing `url` (where `ours` listens).

    A dialing nngcat (synchronous dial) prints "Connected to:" once its SP
    handshake with `ours` is done; that line is consumed here.
    """
    if direction == "nngcat-listens":
        return start_listening_nngcat(procs, [nngcat, *args, "--listen", url, "-v"], url, dialer=ours)
    p = procs(unbuffered([nngcat, *args, "--dial", url, "-v"]))
    assert p.readline(timeout=10.0) == b"Connected to: " + url.encode()
    return p


def endpoint(direction, ours, scheme, addr):
    """The url to use: a fixed one for a listening nngcat, else ours, bound now."""
    if direction == "nngcat-listens":
        return fixed_url(scheme, addr)
    return listen(ours, addr(scheme))


def finish_ok(p, expected_out):
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, expected_out), err


# -- PUB0 / SUB0 ----------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngkit_pub_to_nngcat_sub(procs, nngcat, sockets, addr, scheme, direction):
    pub = sockets(nk.Pub0, **TIMEOUTS)
    url = endpoint(direction, pub, scheme, addr)
    p = run_nngcat(procs, nngcat, direction, ["--sub0", "--subscribe", "news", "--quoted", "--count", "3"], url, pub)

    def publish(i):
        pub.send(b"weather %d" % i)
        pub.send(b"news %d" % i)

    lines = feed_until_lines(publish, p, 3)
    assert all(line.startswith(b'"news ') and line.endswith(b'"') for line in lines), lines
    numbers = [int(line[6:-1]) for line in lines]
    assert numbers == list(range(numbers[0], numbers[0] + 3)), lines  # nothing lost once connected
    finish_ok(p, b"")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngcat_pub_to_nngkit_sub(procs, nngcat, sockets, addr, tmp_path, scheme, direction):
    sub = sockets(nk.Sub0, topics=b"A", **TIMEOUTS)
    src = tmp_path / "body.bin"
    src.write_bytes(BINARY)
    url = endpoint(direction, sub, scheme, addr)
    # a listening nngcat sends after --delay 1 (we dial within it); a dialing one sends once connected
    delay = ["--delay", "1"] if direction == "nngcat-listens" else []
    p = run_nngcat(procs, nngcat, direction, ["--pub0", "--file", str(src), "--count", "1", *delay], url, sub)
    assert sub.recv() == BINARY
    finish_ok(p, b"")


# -- PUSH0 / PULL0 --------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngkit_push_to_nngcat_pull(procs, nngcat, sockets, addr, scheme, direction):
    push = sockets(nk.Push0, **TIMEOUTS)
    url = endpoint(direction, push, scheme, addr)
    p = run_nngcat(procs, nngcat, direction, ["--pull0", "--quoted", "--count", "3"], url, push)
    for body in (b"one", BINARY, b""):  # push waits for the puller: nothing is lost
        push.send(body)
    finish_ok(p, b'"one"\n' + QUOTED + b'\n""\n')


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngcat_push_to_nngkit_pull(procs, nngcat, sockets, addr, tmp_path, scheme, direction):
    pull = sockets(nk.Pull0, **TIMEOUTS)
    body = bytes(range(256)) * 64
    src = tmp_path / "body.bin"
    src.write_bytes(body)
    url = endpoint(direction, pull, scheme, addr)
    p = run_nngcat(procs, nngcat, direction, ["--push0", "--file", str(src), "--count", "2"], url, pull)
    assert [pull.recv(), pull.recv()] == [body, body]
    finish_ok(p, b"")


# -- SURVEYOR0 / RESPONDENT0 ----------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngkit_surveyor_nngcat_respondent(procs, nngcat, sockets, addr, scheme, direction):
    sv = sockets(nk.Surveyor0, survey_time=300, **TIMEOUTS)
    url = endpoint(direction, sv, scheme, addr)
    p = run_nngcat(procs, nngcat, direction, ["--respondent0", "--data", "here", "--quoted", "--count", "1"], url, sv)
    answer = None
    for _ in range(50):  # a listening surveyor cannot tell when nngcat is in: survey again
        sv.send(BINARY)
        try:
            answer = sv.recv()
            break
        except nk.Timeout:
            continue
    assert answer == b"here"
    finish_ok(p, QUOTED + b"\n")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nngcat_surveyor_nngkit_respondent(procs, nngcat, sockets, addr, scheme, direction):
    resp = sockets(nk.Respondent0, **TIMEOUTS)
    url = endpoint(direction, resp, scheme, addr)
    # a listening nngcat repeats its survey after 1 s (its first may go out before we dial)
    again = ["--interval", "1", "--count", "2"] if direction == "nngcat-listens" else []
    p = run_nngcat(procs, nngcat, direction, ["--surveyor0", "--data", "census", "--quoted", *again], url, resp)
    assert resp.recv() == b"census"
    resp.send(BINARY)
    finish_ok(p, QUOTED + b"\n")


# -- BUS0 -----------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_bus_nngcat_and_nngkit(procs, nngcat, sockets, addr, scheme, direction):
    bus = sockets(nk.Bus0, **TIMEOUTS)
    url = endpoint(direction, bus, scheme, addr)
    if direction == "nngcat-listens":
        # nngcat only receives here; nngkit dialed, so its first message reaches nngcat
        p = run_nngcat(procs, nngcat, direction, ["--bus0", "--quoted", "--count", "1"], url, bus)
        bus.send(BINARY)
        finish_ok(p, QUOTED + b"\n")
        return
    # nngcat dials, sends, then prints what comes back until 1 s of silence
    p = run_nngcat(procs, nngcat, direction, ["--bus0", "--data", "from nngcat", "--quoted",
                                              "--recv-timeout", "1"], url, bus)
    assert bus.recv() == b"from nngcat"
    bus.send(BINARY)
    finish_ok(p, QUOTED + b"\n")


# -- PAIR1 ----------------------------------------------------------------------

@pytest.mark.parametrize("scheme", SCHEMES)
def test_pair1_nngcat_and_nngkit(procs, nngcat, sockets, addr, scheme, direction):
    pair = sockets(nk.Pair1, **TIMEOUTS)
    url = endpoint(direction, pair, scheme, addr)
    p = run_nngcat(procs, nngcat, direction, ["--pair1", "--data", "hi", "--quoted", "--recv-timeout", "1"],
                   url, pair)
    assert pair.recv() == b"hi"  # PAIR1 send waits for the peer on both sides
    pair.send(BINARY)
    pair.send(b"second")
    finish_ok(p, QUOTED + b'\n"second"\n')


def test_line_or_none_is_none_while_nngcat_is_quiet(procs, nngcat, addr):
    """The helper the PUB tests rely on: a quiet, running nngcat gives None, not a failure."""
    url = fixed_url("tcp", addr)
    p = start_listening_nngcat(procs, [nngcat, "--sub0", "--listen", url, "--quoted", "-v"], url)
    assert line_or_none(p, 0.05) is None
