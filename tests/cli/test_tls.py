"""nngcat's TLS flags (--cacert, --cert/-E, --key, --insecure/-k) against
NNG's /usr/bin/nngcat (1.5.2, mbedTLS 2.28): the same error texts, and
tls+tcp round trips between the two in both directions.  mbedTLS 2.28 does
not match IP addresses in certificates, so the dialer names 'localhost'.
Certificates are made for the run (trustme)."""
from __future__ import annotations

from typing import Any, List

import pytest

from tests.cli.harness import cli_argv, fixed_url, run_inproc, run_real
from tests.tls.pki import Pki, make_pki

REFUSED = "tls+tcp://127.0.0.1:5"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pki: Pki = make_pki(str(tmp_path_factory.mktemp("nngcat-pki")))
    return {
        "ca": pki.file("ca.pem", pki.ca_pem),
        "other": pki.file("other.pem", pki.other_ca_pem),
        "cert": pki.file("cert.pem", pki.cert_pem(pki.server)),
        "key": pki.file("key.pem", pki.key_pem(pki.server)),
        "both": pki.file("both.pem", pki.cert_pem(pki.server) + pki.key_pem(pki.server)),
        "bad": pki.file("bad.pem", "not a certificate\n"),
    }


@pytest.mark.parametrize("flags", [
    ["--cacert", "{bad}"], ["--cert", "{bad}"], ["--cert", "{cert}"], ["-E{bad}", "--key", "{key}"],
    ["--key", "{key}"], ["-k"], ["--insecure", "--cacert", "{ca}"], ["--cert", "{cert}", "--key", "{key}"],
], ids=["bad-cacert", "bad-cert", "cert-without-key", "bad-cert-good-key", "key-alone", "k",
        "insecure-cacert", "cert-and-key"])
def test_errors_are_nngs(files, flags):
    argv = ["--push0", *[f.format(**files) for f in flags], "--dial", REFUSED, "--data", "x"]
    real, ours = run_real(argv), run_inproc(argv)
    assert (ours.rc, ours.err) == (real.rc, real.err)
    assert ours.err in ("Unable to configure TLS: Cryptographic error\n",
                        "Unable to dial on %s: Connection refused\n" % REFUSED)


def exchange(procs: Any, listener: str, dialer: str, listen_flags: List[str], dial_flags: List[str]) -> bytes:
    url = fixed_url("tcp").replace("tcp://", "tls+tcp://")
    srv = procs(cli_argv(listener, ["--rep0", "-v", "--quoted", "--data", "world", *listen_flags, "--listen", url]))
    assert srv.readline(15).startswith(b"Listening at: ")
    port = url.rsplit(":", 1)[1]
    cli = procs(cli_argv(dialer, ["--req0", "--quoted", "--data", "hello", *dial_flags,
                                  "--dial", "tls+tcp://localhost:" + port]))
    rc, out, err = cli.finish(20)
    assert rc == 0, err
    assert srv.readline(15) == b"\"hello\""
    return out


@pytest.mark.parametrize("listener,dialer", [("real", "ours"), ("ours", "real"), ("ours", "ours")])
def test_round_trip_with_nngs_nngcat(procs, files, listener, dialer):
    out = exchange(procs, listener, dialer, ["--cert", files["both"]], ["--cacert", files["ca"]])
    assert out == b"\"world\"\n"


@pytest.mark.parametrize("listener,dialer", [("real", "ours"), ("ours", "real")])
def test_separate_key_file_and_insecure(procs, files, listener, dialer):
    out = exchange(procs, listener, dialer, ["-E", files["cert"], "--key", files["key"]], ["-k"])
    assert out == b"\"world\"\n"


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_untrusted_server_fails_the_dial(procs, files, kind):
    url = fixed_url("tcp").replace("tcp://", "tls+tcp://")
    srv = procs(cli_argv("ours", ["--rep0", "-v", "--data", "w", "--cert", files["both"], "--listen", url]))
    assert srv.readline(15).startswith(b"Listening at: ")
    cli = procs(cli_argv(kind, ["--req0", "--data", "h", "--cacert", files["other"],
                                "--dial", "tls+tcp://localhost:" + url.rsplit(":", 1)[1]]))
    rc, out, err = cli.finish(20)
    assert rc == 1 and out == b""
    assert err.startswith(b"Unable to dial on tls+tcp://localhost:"), err
