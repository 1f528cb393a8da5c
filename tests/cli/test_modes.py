"""The loops' timing rules, the NNG bugs we fix, and nngkit's additions.

Timeouts, --async and --compat are compared side by side with the real
nngcat; the fixes and additions (--count without --interval, --pair,
--stats, --format json, Ctrl-C) run ours in-process or as a subprocess.
"""
from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import nngkit
from nngcat import args, endpoints, loops
from tests.cli import harness
from tests.cli.harness import CliProc, Outcome, cli_argv, fixed_url, run_inproc, side_by_side
from tests.helpers.sync import Catcher, listen

SAFE = {"recv_timeout": 5000, "send_timeout": 5000}


def serve_in_thread(fn):
    t = Catcher(fn)
    t.start()
    return t


def rep_peer(sockets, replies, pause=0.0):
    """An nngkit Rep0 listening on tcp that answers each request; returns (url, thread)."""
    rep = sockets(nngkit.Rep0, **SAFE)
    url = listen(rep, "tcp://127.0.0.1:0")

    def serve():
        got = []
        for r in replies:
            got.append(rep.recv())
            if pause:
                time.sleep(pause)  # makes the exchange take >= 1 ms, which is what trips NNG's bug
            rep.send(r)
        return got

    return url, serve_in_thread(serve)


# -- send-then-receive: --count without --interval -------------------------------------

@pytest.mark.nngkit_only
def test_req_count_without_interval_does_n_exchanges(sockets):
    url, peer = rep_peer(sockets, [b"r0", b"r1", b"r2"])
    r = run_inproc(["--req0", "--dial", url, "-D", "ping", "-C", "3", "-Q"])
    assert (r.rc, r.out, r.err) == (0, b'"r0"\n"r1"\n"r2"\n', "")
    assert peer.finish().result == [b"ping"] * 3


def test_nng_fails_the_same_command_after_the_first_reply(sockets):
    """The bug we fix (nngcat-reference.md section 5), seen on the real binary."""
    url, peer = rep_peer(sockets, [b"r0", b"r1"], pause=0.01)
    r = harness.run_real(["--req0", "--dial", url, "-D", "ping", "-C", "2", "-Q"])
    # The timeout NNG computes is -1 - (ms elapsed since the send): usually the
    # first wait is still -1 and it fails after printing the first reply, but
    # when its own send crosses a millisecond tick (about 1 run in 20 here) it
    # fails before receiving anything.  Either way: exit 1 and this message.
    assert (r.rc, r.err) == (1, "Cannot set recv timeout: Invalid argument\n")
    assert r.out in (b'"r0"\n', b"")


def window(argv, elapsed):
    return loops.receive_window(args.parse(argv), elapsed)


def test_receive_window_rules():
    assert window([], 5) == -1                                   # no interval, no timeout: wait
    assert window(["--recv-timeout", "2"], 5) == 2000            # no interval: the timeout (NNG: -1 - 5)
    assert window(["-i", "1"], 300) == 700                       # what is left of the interval
    assert window(["-i", "1", "--recv-timeout", "1"], 0) == 1000
    assert window(["-i", "2", "--recv-timeout", "1"], 300) == 1000  # capped by the timeout
    assert window(["-i", "1"], 1000) == 0                        # NNG: -1 (wait forever)
    assert window(["-i", "1"], 1500) == 0                        # NNG: "Cannot set recv timeout"
    assert window(["-i", "1", "--recv-timeout", "0"], 300) == 700  # 0 is "not set" (NNG caps at 0)


# -- --pair ---------------------------------------------------------------------------

@pytest.mark.nngkit_only
def test_pair_talks_pair1(sockets):
    peer = sockets(nngkit.Pair1, **SAFE)
    url = listen(peer, "tcp://127.0.0.1:0")
    sender = serve_in_thread(lambda: peer.send(b"hello pair1"))
    r = run_inproc(["--pair", "--dial", url, "-C", "1", "--raw"])
    sender.finish()
    assert (r.rc, r.out, r.err) == (0, b"hello pair1", "")


# -- timeouts, side by side -------------------------------------------------------------

TIMEOUT_CASES = {  # args (ours listens, nobody comes) -> (rc, stderr)
    "pull-recv-timeout-ends-normally": (["--pull0", "--recv-timeout", "1"], 0, b""),
    "rep-recv-timeout-is-fatal": (["--rep0", "-D", "x", "--recv-timeout", "1"], 1, b"Receive error: Timed out\n"),
    "push-send-timeout-is-fatal": (["--push0", "-D", "x", "--send-timeout", "1"], 1, b"Send error: Timed out\n"),
    "req-send-timeout-is-fatal": (["--req0", "-D", "x", "--send-timeout", "1"], 1, b"Send error: Timed out\n"),
    "surveyor-survey-ends": (["--surveyor0", "-D", "x"], 0, b""),
    "bus-recv-timeout-ends": (["--bus0", "-D", "x", "--recv-timeout", "1"], 0, b""),
}


def _lonely(kind, ut_args):
    url = fixed_url("ipc")
    proc = CliProc(cli_argv(kind, [*ut_args, "-v", "--listen", url]))
    try:
        rc, out, err = proc.output(timeout=10)
    finally:
        proc.stop()
    return Outcome(rc, out.replace(url.encode(), b"<URL>"), err)


def test_timeouts_like_nngcat():
    """All six scenarios, real and ours, run at once (each takes about a second)."""
    harness.real_nngcat()
    runs = {(name, kind): Catcher(lambda a=case[0], k=kind: _lonely(k, a))
            for name, case in TIMEOUT_CASES.items() for kind in harness.KINDS}
    for r in runs.values():
        r.start()
    for r in runs.values():
        r.finish(20)
        assert r.error is None, r.error
    for name, (_, rc, err) in TIMEOUT_CASES.items():
        real, ours = runs[(name, "real")].result, runs[(name, "ours")].result
        harness.assert_same(real, ours)
        assert (real.rc, real.out, real.err) == (rc, b"Listening at: <URL>\n", err), name


# -- --async and --compat: dial in the background, side by side ----------------------------

@pytest.mark.parametrize("mode", [["--async", "-C", "1"], ["--compat", "--recv-timeout", "1"]], ids=["async", "compat"])
def test_background_dial_like_nngcat(pynng_peer, mode):
    def scenario(kind):
        url = fixed_url("tcp")
        proc = CliProc(cli_argv(kind, ["--pull0", *mode, "-Q", "-v", "--dial", url]))
        peer = pynng_peer.Push0(**harness.PEER_TIMEOUTS)
        try:
            assert proc.readline() == b"Connected to: " + url.encode()  # printed before connecting
            peer.listen(url)
            peer.send(b"late")
            rc, out, err = proc.output()
        finally:
            peer.close()
            proc.stop()
        return Outcome(rc, out.replace(url.encode(), b"<URL>"), err)

    real, ours = side_by_side(scenario)
    harness.assert_same(real, ours)
    assert (real.rc, real.out) == (0, b'Connected to: <URL>\n"late"\n')


def test_verbose_lines_for_several_endpoints_like_nngcat(tmp_path):
    refused = fixed_url("tcp")
    ipc = "ipc://%s/v.sock" % tmp_path
    argv = ["--pull0", "-v", "--listen", "tcp://*:0", "--listen", "tcp://127.0.0.1:0/", "-X", str(tmp_path / "x"),
            "--listen", ipc, "--dial", refused]
    real = harness.run_real(argv)
    for leftover in (tmp_path / "v.sock", tmp_path / "x"):  # cleanup, not a check: the
        leftover.unlink(missing_ok=True)  # real nngcat may leave its ipc files behind
    ours = run_inproc(argv)
    ports = re.compile(rb":\d+")
    assert ports.sub(b":N", ours.out) == ports.sub(b":N", real.out) == (
        b"Listening at: tcp://:N\nListening at: tcp://127.0.0.1:N/\n"
        b"Listening at: ipc:///" + str(tmp_path).encode() + b"/x\nListening at: " + ipc.encode() + b"\n")
    assert (ours.rc, ours.err) == (real.rc, real.err) == (1, "Unable to dial on %s: Connection refused\n" % refused)


def test_listener_display_rules():
    show = endpoints.listener_display
    assert show("tcp://*:0", "tcp://*:4567") == "tcp://:4567"
    assert show("tcp://127.0.0.1:0/", "tcp://127.0.0.1:4567") == "tcp://127.0.0.1:4567/"
    assert show("tcp://[::1]:0", "tcp://[::1]:4567") == "tcp://[::1]:4567"
    assert show("tcp6://[::1]:80", "tcp6://[::1]:80") == "tcp6://[::1]:80"
    assert show("ipc:///tmp/x", "ipc:///tmp/x") == "ipc:///tmp/x"
    assert show("inproc://a", "inproc://a") == "inproc://a"


# -- other accepted options -------------------------------------------------------------

def test_ignored_options_do_not_disturb_a_session(sockets):
    peer = sockets(nngkit.Push0, **SAFE)
    url = listen(peer, "tcp://127.0.0.1:0")
    sender = serve_in_thread(lambda: peer.send(b"ok"))
    r = run_inproc(["--zt-home", "/nowhere", "--socket-name", "n", "--pull0", "-v", "-C", "1", "--raw", "--dial", url])
    sender.finish()
    assert (r.rc, r.out, r.err) == (0, b"Connected to: %s\nok" % url.encode(), "")


@pytest.mark.parametrize("argv,limit", [([], 0), (["-Z", "5"], 5), (["-Z", "0"], 0x7FFFFFFF)])
def test_receive_limit_is_nng_1x_unlimited_unless_given(argv, limit):
    sock = endpoints.open_socket(args.validate(args.parse(["--pull0", "--dial", "x", *argv])))
    try:
        assert sock.recv_max_size == limit
    finally:
        sock.close()


# -- --stats and --format json (nngkit additions) ----------------------------------------

@pytest.mark.nngkit_only
def test_stats_for_req_has_counts_and_round_trips(sockets):
    url, peer = rep_peer(sockets, [b"abc"] * 3)
    r = run_inproc(["--req0", "--dial", url, "-D", "ping", "-C", "3", "--stats"])
    peer.finish()
    assert (r.rc, r.out) == (0, b"")
    lines = r.err.splitlines()
    assert lines[:3] == ["nngcat stats", "  sent:       3 messages, 12 bytes", "  received:   3 messages, 9 bytes"]
    assert re.fullmatch(r"  rate:       [0-9.]+ messages/s", lines[4])
    assert re.fullmatch(r"  round trip: n=3 min=[0-9.]+ p50=[0-9.]+ p90=[0-9.]+ p99=[0-9.]+ max=[0-9.]+ ms", lines[5])


@pytest.mark.nngkit_only
def test_stats_for_push_has_no_round_trips_and_goes_after_errors(sockets):
    r = run_inproc(["--push0", "-D", "12345", "--stats", "--send-timeout", "1", "-L", "0"])
    assert r.rc == 1
    assert r.err.startswith("Send error: Timed out\nnngcat stats\n  sent:       0 messages, 0 bytes\n")
    assert "round trip" not in r.err


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.nngkit_only
def test_stats_use_rich_on_a_terminal(sockets):
    url, peer = rep_peer(sockets, [b"pong"])
    err = _Terminal()
    rc = harness.app.run(["--req0", "--dial", url, "-D", "x", "--stats"], io.BytesIO(), io.BytesIO(), err)
    assert rc == 0 and peer.finish().result == [b"x"]
    text = err.getvalue()
    assert "nngcat stats" in text and "\x1b[" in text and "1 messages, 4 bytes" in text and "round trip" in text


@pytest.mark.nngkit_only
def test_format_json_lines(sockets):
    peer = sockets(nngkit.Push0, **SAFE)
    url = listen(peer, "tcp://127.0.0.1:0")
    bodies = [b"text", "\u00e9t\u00e9".encode(), b"\xff\x00", b""]
    sender = serve_in_thread(lambda: [peer.send(b) for b in bodies])
    r = run_inproc(["--pull0", "--format", "json", "-C", "4", "--dial", url])
    sender.finish()
    objs = [json.loads(line) for line in r.out.splitlines()]
    assert r.rc == 0 and len(objs) == 4
    assert [o["encoding"] for o in objs] == ["utf-8", "utf-8", "base64", "utf-8"]
    assert objs[1]["body"] == "\u00e9t\u00e9" and objs[2]["body"] == "/wA=" and objs[3]["size"] == 0


# -- the process: entry points and Ctrl-C -----------------------------------------------

def test_python_dash_m_and_the_console_script_run_ours():
    p = subprocess.run([sys.executable, "-m", "nngcat", "--version"], capture_output=True, timeout=20)
    assert (p.returncode, p.stdout) == (0, (nngkit.__version__ + "\n").encode())
    script = os.path.join(os.path.dirname(sys.executable), "nngcat")
    if not os.path.exists(script):
        pytest.skip("the nngcat console script is not installed next to this python")
    p = subprocess.run([script, "--bogus"], capture_output=True, timeout=20)
    assert (p.returncode, p.stderr) == (1, b"Option --bogus is invalid.\n")


@pytest.mark.nngkit_only
def test_ctrl_c_ends_with_130_and_prints_stats(tmp_path):
    url = "ipc://%s/c.sock" % tmp_path
    proc = CliProc([sys.executable, "-m", "nngcat", "--pull0", "--stats", "-v", "--listen", url])
    try:
        assert proc.readline() == b"Listening at: " + url.encode()
        proc.p.send_signal(signal.SIGINT)
        rc, out, err = proc.output(timeout=10)
    finally:
        proc.stop()
    assert rc == 130
    assert err.startswith(b"nngcat stats\n  sent:       0 messages, 0 bytes\n  received:   0 messages, 0 bytes\n")
