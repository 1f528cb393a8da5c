"""nngcat over wss:// against NNG's /usr/bin/nngcat (1.5.2, mbedTLS 2.28), in
both directions, with certificates made for the run (trustme).  mbedTLS 2.28
does not match IP addresses in certificates, and a ws listener checks the
Host header against its own host: both sides name 'localhost'."""
from __future__ import annotations

from typing import Any

import pytest

from tests.cli.harness import cli_argv, fixed_url
from tests.tls.pki import Pki, make_pki


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pki: Pki = make_pki(str(tmp_path_factory.mktemp("nngcat-wss-pki")))
    return {
        "ca": pki.file("ca.pem", pki.ca_pem),
        "other": pki.file("other.pem", pki.other_ca_pem),
        "both": pki.file("both.pem", pki.cert_pem(pki.server) + pki.key_pem(pki.server)),
    }


def wss_url() -> str:
    return "wss://localhost:%s/cat" % fixed_url("tcp").rsplit(":", 1)[1]


@pytest.mark.parametrize("listener,dialer", [("real", "ours"), ("ours", "real"), ("ours", "ours")])
def test_round_trip_with_nngs_nngcat(procs, files, listener, dialer):
    url = wss_url()
    srv = procs(cli_argv(listener, ["--rep0", "-v", "--quoted", "--data", "world", "--cert", files["both"],
                                    "--listen", url]))
    assert srv.readline(15).startswith(b"Listening at: ")
    cli = procs(cli_argv(dialer, ["--req0", "--quoted", "--data", "hello", "--cacert", files["ca"],
                                  "--dial", url]))
    rc, out, err = cli.finish(20)
    assert rc == 0, err
    assert out == b"\"world\"\n"
    assert srv.readline(15) == b"\"hello\""


@pytest.mark.parametrize("kind", ["real", "ours"])
def test_untrusted_server_fails_the_dial(procs, files, kind):
    url = wss_url()
    srv = procs(cli_argv("ours", ["--rep0", "-v", "--data", "w", "--cert", files["both"], "--listen", url]))
    assert srv.readline(15).startswith(b"Listening at: ")
    cli = procs(cli_argv(kind, ["--req0", "--data", "h", "--cacert", files["other"], "--dial", url]))
    rc, out, err = cli.finish(20)
    assert rc == 1 and out == b""
    assert err.startswith(b"Unable to dial on wss://localhost:"), err
