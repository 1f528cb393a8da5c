"""Every error text and exit code: ours (in-process) and NNG's real nngcat, against the reference.

Each case is checked twice: our `run()` must print exactly the expected
stderr (and stdout) and return the expected code, and so must
/usr/bin/nngcat, which keeps the expectations honest.  Cases where nngkit
differs on purpose are at the end, marked nngkit_only.
"""
from __future__ import annotations

import socket

import pytest

import nngkit
from nngcat import args
from tests.cli.harness import fixed_url, run_inproc, run_real


@pytest.fixture
def ctx(tmp_path):
    """Values for the {placeholders} in the cases; holds a busy tcp port open."""
    pem = tmp_path / "c.pem"
    pem.write_bytes(b"pem")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    values = {
        "pem": str(pem),
        "dir": str(tmp_path),
        "missing": str(tmp_path / "missing"),
        "refused": fixed_url("tcp"),
        "free": fixed_url("tcp"),
        "busy": "tcp://127.0.0.1:%d" % busy.getsockname()[1],
        "ipcdir": str(tmp_path / "nodir"),
    }
    yield values
    busy.close()


def fill(items, ctx):
    return [x.format(**ctx) if isinstance(x, str) else x for x in items]


# (argv, stderr line, stdout)  -- every one exits 1
CASES = {
    # parser
    "ambiguous-prefix": (["--re"], "Option --re is ambiguous (specify in full)."),
    "ambiguous-p": (["--p"], "Option --p is ambiguous (specify in full)."),
    "ambiguous-empty-name": (["--"], "Option -- is ambiguous (specify in full)."),
    "ambiguous-empty-with-value": (["--=x"], "Option --=x is ambiguous (specify in full)."),
    "invalid-long": (["--bogus"], "Option --bogus is invalid."),
    "invalid-short": (["-y"], "Option -y is invalid."),
    "no-clustering": (["-vq"], "Option -vq is invalid."),
    "switch-with-value": (["--verbose=1"], "Option --verbose=1 is invalid."),
    "switch-with-colon-value": (["--compat:yes"], "Option --compat:yes is invalid."),
    "triple-dash": (["---req0"], "Option ---req0 is invalid."),
    "missing-value-long": (["--dial"], "Option --dial requires argument."),
    "missing-value-short": (["-L"], "Option -L requires argument."),
    "missing-value-format": (["--req0", "--format"], "Option --format requires argument."),
    "first-error-wins": (["--bogus", "-h"], "Option --bogus is invalid."),
    # duplicates, reported where they happen
    "two-protocols": (["--req0", "--rep0", "--bogus"], "Only one protocol may be specified."),
    "sub-and-sub0": (["--sub0", "--sub"], "Only one protocol may be specified."),
    "two-formats": (["--raw", "--hex"], "Format may be specified only once."),
    "format-then-flag": (["--format=raw", "-Q"], "Format may be specified only once."),
    "bad-format": (["--format", "RAW"], "Invalid format specified."),
    "two-data": (["-D", "x", "-D", "y"], "Data (--file, --data) may be specified only once."),
    "data-then-missing-file": (["-D", "x", "-F", "{missing}"], "Data (--file, --data) may be specified only once."),
    "two-cacerts": (["--cacert", "{pem}", "--cacert", "{missing}"], "CA Certificate (--cacert) may be specified only once."),
    "two-keys": (["--key", "{pem}", "--key", "{pem}"], "Key (--key) may be specified only once."),
    "two-certs": (["--cert", "{pem}", "-E", "{pem}"], "Cert (--cert) may be specified only once."),
    # files
    "missing-file": (["-F", "{missing}", "-D", "x"], "Cannot open file {missing}: No such file or directory"),
    "directory-file": (["--file", "{dir}"], "Read from {dir} failed: Is a directory"),
    "missing-cacert": (["--insecure", "--cacert", "{missing}"], "Cannot open file {missing}: No such file or directory"),
    # integers
    "empty-integer": (["-C", ""], "Empty integer argument."),
    "not-an-integer": (["--count", "x"], "Integer argument expected."),
    "negative": (["-C", "-1"], "Integer argument expected."),
    "fraction": (["--recv-timeout", "0.5"], "Integer argument expected."),
    "leading-space": (["-i", " 1"], "Integer argument expected."),
    "plus-sign": (["-d", "+1"], "Integer argument expected."),
    "non-ascii-digit": (["-C", "\u0663"], "Integer argument expected."),
    "delay-too-large": (["-d", "86401"], "Integer argument too large."),
    "timeout-too-large": (["--send-timeout", "100000"], "Integer argument too large."),
    "too-large-before-bad-char": (["-d", "100000x"], "Integer argument too large."),
    "port-too-large": (["-l", "65537"], "Integer argument too large."),
    "count-overflow": (["-C", "2147483648"], "Integer argument overflow."),
    "maxsz-overflow": (["-Z", "4294967295"], "Integer argument overflow."),
    # validation order
    "nothing": ([], "No address specified."),
    "no-address": (["--pull0"], "No address specified."),
    "stops-at-non-option": (["--pull0", "foo", "--dial", "x"], "No address specified."),
    "wrapped-count-is-fine": (["-C", "9999999999", "--pull0"], "No address specified."),
    "no-protocol": (["--dial", "x"], "No protocol specified."),
    "no-protocol-format": (["--dial", "x", "--raw"], "No protocol specified."),
    "async-compat": (["--dial", "x", "--compat", "--async", "-C", "1"], "Options --async and --compat are incompatible."),
    "count-compat": (["--dial", "x", "--compat", "-C", "1"], "Options --count and --compat are incompatible."),
    "pair1-compat": (["--dial", "x", "--compat", "--pair1"], "Protocol does not support --compat."),
    "compat-before-subscribe": (["--dial", "x", "--compat", "--pair1", "--subscribe", "a"], "Protocol does not support --compat."),
    "subscribe-req": (["--dial", "x", "--req0", "--subscribe", "a"], "Protocol does not support --subscribe."),
    "subscribe-no-protocol": (["--dial", "x", "--subscribe", "a"], "Protocol does not support --subscribe."),
    "pull-data": (["--dial", "x", "--pull0", "-D", "x", "-i", "1"], "Protocol does not support --file or --data."),
    "sub-interval": (["--dial", "x", "--sub0", "-i", "1"], "Protocol does not support --interval."),
    "push-format": (["--dial", "x", "--push0", "--raw"], "Protocol does not support --format options."),
    "pub-format-no": (["--dial", "x", "--pub0", "--format", "no", "-D", "x"], "Protocol does not support --format options."),
    "push-no-data": (["--dial", "x", "--push0"], "Protocol requires either --file or --data."),
    "req-no-data": (["--dial", "x", "--req0"], "Protocol requires either --file or --data."),
    "surveyor-no-data": (["--dial", "x", "--surveyor0"], "Protocol requires either --file or --data."),
    "rep-interval": (["--dial", "x", "--rep0", "-i", "1", "-D", "x"], "Protocol does not support --interval."),
    "respondent-interval": (["--dial", "x", "--respondent0", "-i", "1"], "Protocol does not support --interval."),
    "bus-interval": (["--dial", "x", "--bus0", "-i", "1"], "Option --interval requires either --file or --data."),
    "pair0-interval": (["--dial", "x", "--pair0", "-i", "0"], "Option --interval requires either --file or --data."),
    # endpoints
    "unknown-scheme-dial": (["--req0", "-D", "x", "--dial", "foo://x"], "Unable to create dialer for foo://x: Not supported"),
    "unknown-scheme-listen": (["--pull0", "--listen", "zt://x"], "Unable to create listener for zt://x: Not supported"),
    "empty-url": (["--pull0", "--dial", ""], "Unable to create dialer for : Invalid argument"),
    "no-scheme": (["--pull0", "--listen", "foo"], "Unable to create listener for foo: Invalid argument"),
    "no-port-dial": (["--pull0", "--dial", "tcp://127.0.0.1"], "Unable to create dialer for tcp://127.0.0.1: Address invalid"),
    "no-host-dial": (["--pull0", "--dial", "tcp://:5"], "Unable to create dialer for tcp://:5: Address invalid"),
    "empty-tcp": (["--pull0", "--dial", "tcp://"], "Unable to create dialer for tcp://: Address invalid"),
    "empty-ipc": (["--pull0", "--dial", "ipc://"], "Unable to create dialer for ipc://: Address invalid"),
    "bad-port-dial": (["--pull0", "--dial", "tcp://127.0.0.1:abc"], "Unable to dial on tcp://127.0.0.1:abc: Address invalid"),
    "port-65536-dial": (["--pull0", "-l", "65536"], "Unable to dial on tcp://127.0.0.1:65536: Address invalid"),
    "port-65536-listen": (["--pull0", "-L", "65536"], "Unable to create listener for tcp://127.0.0.1:65536: Address invalid"),
    "refused": (["--pull0", "--dial", "{refused}"], "Unable to dial on {refused}: Connection refused"),
    "refused-ipc": (["--pull0", "-x", "{ipcdir}/s"], "Unable to dial on ipc:///{ipcdir}/s: Connection refused"),
    "refused-inproc": (["--pull0", "--dial", "inproc://nobody-here"], "Unable to dial on inproc://nobody-here: Connection refused"),
    "ipc-listen-missing-dir": (["--pull0", "--listen", "ipc://{ipcdir}/s"], "Unable to listen on ipc://{ipcdir}/s: Entry not found"),
    "address-in-use": (["--pull0", "--listen", "{busy}"], "Unable to listen on {busy}: Address in use"),
    "zt-home-ignored": (["--zt-home", "/x", "--dial", "{refused}", "--pull"], "Unable to dial on {refused}: Connection refused"),
    "socket-name-ignored": (["--socket-name", "s", "--pull0", "--dial", "{refused}"], "Unable to dial on {refused}: Connection refused"),
}

# Cases whose stdout is not empty: the -v lines of the endpoints that did start.
STDOUT = {
    "listen-then-refused": (["--pull0", "-v", "--listen", "{free}", "--dial", "{refused}"],
                            "Unable to dial on {refused}: Connection refused", "Listening at: {free}\n"),
}


def expectation(name, ctx):
    argv, err, *out = (CASES.get(name) or STDOUT[name])
    return fill(argv, ctx), err.format(**ctx) + "\n", (out[0].format(**ctx).encode() if out else b"")


ALL = sorted(CASES) + sorted(STDOUT)


@pytest.mark.parametrize("name", ALL)
def test_our_error_text_and_exit_code(ctx, name):
    argv, err, out = expectation(name, ctx)
    r = run_inproc(argv)
    assert (r.rc, r.err, r.out) == (1, err, out)


@pytest.mark.parametrize("name", ALL)
def test_real_nngcat_prints_the_same(ctx, name):
    argv, err, out = expectation(name, ctx)
    r = run_real(argv)
    assert (r.rc, r.err, r.out) == (1, err, out)


def test_help_goes_to_stdout_and_exits_1_with_nngs_text_plus_our_lines():
    ours, real = run_inproc(["--help"]), run_real(["-h"])
    assert (ours.rc, ours.err, real.rc, real.err) == (1, "", 1, "")
    added = {
        "  --bus0                 (or alias --bus)",
        "  --stats                (summary on stderr at the end)",
    }
    changed = {
        "  --format <no|ascii|hex|msgpack|quoted|raw|json>": "  --format <no|ascii|hex|msgpack|quoted|raw>",
        "  --recv-timeout <secs>  (or alias --receive-timeout <secs>)": "  --recv-timeout <secs>",
    }
    lines = [changed.get(line, line) for line in ours.out.decode().split("\n") if line not in added]
    assert "\n".join(lines).encode() == real.out
    assert set(ours.out.decode().split("\n")) >= added


def test_version_prints_a_version_and_exits_0():
    ours, real = run_inproc(["-V", "--bogus"]), run_real(["--version"])
    assert (ours.rc, ours.out, ours.err) == (0, (nngkit.__version__ + "\n").encode(), "")
    assert real.rc == 0 and real.out.count(b".") == 2 and real.err == ""


# -- deliberate differences ------------------------------------------------------

@pytest.mark.nngkit_only
def test_pair_is_a_protocol_here_and_broken_in_nng(ctx):
    argv = ["--pair", "--dial", ctx["refused"]]
    assert run_real(argv).err == "No protocol specified.\n"
    assert run_inproc(argv).err == "Unable to dial on %s: Connection refused\n" % ctx["refused"]
    assert run_inproc(["--pair", "--req0"]).err == "Only one protocol may be specified.\n"


@pytest.mark.nngkit_only
@pytest.mark.parametrize("extra", [["--receive-timeout", "1"], ["--stats"], ["--format", "json"]])
def test_nngkit_additions_are_rejected_by_nng_and_accepted_here(ctx, extra):
    argv = ["--pull0", *extra, "--dial", ctx["refused"]]
    assert run_real(argv).err in ("Option %s is invalid.\n" % extra[0], "Invalid format specified.\n")
    assert run_inproc(argv).err == "Unable to dial on %s: Connection refused\n" % ctx["refused"]


@pytest.mark.parametrize("flag", [["-k"], ["--insecure"], ["--cacert", "{pem}"], ["--cert", "{pem}"],
                                  ["--key", "{pem}"], ["-E{pem}"]])
def test_tls_flags_are_ignored_for_a_tcp_address(ctx, flag):
    argv = ["--pull0", *fill(flag, ctx), "--dial", ctx["refused"]]
    r = run_inproc(argv)
    assert (r.rc, r.err) == (1, "Unable to dial on %s: Connection refused\n" % ctx["refused"])
    assert run_real(argv).err == r.err


@pytest.mark.nngkit_only
def test_tls_validation_errors_still_come_first(ctx):
    r = run_inproc(["-k", "--dial", "x"])
    assert r.err == "No protocol specified.\n"


@pytest.mark.nngkit_only
def test_a_tls_url_is_dialed_as_nng_does():
    argv = ["--pull0", "--dial", "tls+tcp://127.0.0.1:5"]
    r = run_inproc(argv)
    assert (r.rc, r.err) == (1, "Unable to dial on tls+tcp://127.0.0.1:5: Connection refused\n")
    assert run_real(argv).err == r.err


def test_every_table_entry_is_reachable():
    """No long name in the table shadows another (each resolves to itself)."""
    for opt in args.OPTIONS:
        argv = ["--" + opt.name] + (["1"] if opt.takes_value else [])
        found = next(args.split_options(argv))[0]
        assert found.name == opt.name
