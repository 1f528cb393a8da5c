"""The nngkit.testing pytest plugin, run on inner test files with pytester (in subprocesses).

Every inner test writes the PIDs of the peers it started to a file; after
each run those processes must be gone (the plugin stops them, by PID).
"""
from __future__ import annotations

import os
import re
from typing import List

import pytest

pytest_plugins = ["pytester"]

CONFTEST = '''
import os
import pytest

@pytest.fixture
def peer(sp_peer):
    """sp_peer, with each PID written to pids.txt."""
    def start(*args, **kw):
        p = sp_peer(*args, **kw)
        with open(os.path.join(os.environ["SP_PIDS_DIR"], "pids.txt"), "a") as f:
            f.write("%d\\n" % p.pid)
        return p
    return start
'''


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("NNGKIT_REQUIRE_PEERS", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    monkeypatch.setenv("SP_PIDS_DIR", str(pytester.path))
    pytester.makeconftest(CONFTEST)
    return pytester


def run(p: pytest.Pytester, *args: str) -> pytest.RunResult:
    result = p.runpytest_subprocess("-p", "no:cacheprovider", "-rA", *args, timeout=240)
    assert_no_process_left(p)
    return result


def started_pids(p: pytest.Pytester) -> List[int]:
    path = p.path / "pids.txt"
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_no_process_left(p: pytest.Pytester) -> None:
    left = [pid for pid in started_pids(p) if pid != os.getpid() and alive(pid)]
    assert not left, "peer processes still running after the run: %s" % left


MATRIX = '''
import nngkit, pytest
from nngkit.testing import behaviours as b

@pytest.mark.sp_interop(peers=["nngcat", "pynng", "libnng", "nngkit"], transports=["tcp", "ipc", "inproc"])
def test_rep_peer(peer, sp_url, sp_impl):
    rep = peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"pong"))
    with nngkit.Req0(dial=rep.url, recv_timeout=5000) as req:
        req.send(b"ping")
        assert req.recv() == b"pong"
    assert rep.recv() == b"ping"
'''


def test_a_passing_matrix_runs_every_cell(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_matrix=MATRIX)
    result = run(inner, "-v")
    result.assert_outcomes(passed=9)  # 3 process peers x (tcp, ipc) + nngkit x (tcp, ipc, inproc)
    for cell in ("nngcat-tcp", "nngcat-ipc", "pynng-ipc", "libnng-tcp", "nngkit-inproc"):
        result.stdout.fnmatch_lines(["*test_rep_peer?%s? PASSED*" % cell])
    assert len(started_pids(inner)) == 9


def test_options_narrow_the_matrix(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_matrix=MATRIX)
    result = run(inner, "--sp-peers", "nngcat,libnng", "--sp-transports", "ipc")
    result.assert_outcomes(passed=2, deselected=7)


def test_ini_keys_narrow_the_matrix(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_matrix=MATRIX)
    inner.makeini("[pytest]\nsp_peers = nngkit\nsp_transports = inproc tcp\n")
    run(inner).assert_outcomes(passed=2, deselected=7)


def test_a_failing_test_reports_the_trace_and_the_peers_stderr(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_fail='''
        import nngkit
        from nngkit.testing import behaviours as b

        def test_it(peer, sp_url, sp_trace):
            rep = peer("nngcat", "rep0", listen=sp_url("tcp"), behaviour=b.reply(b"pong"))
            tracer = sp_trace(rep)
            with nngkit.Req0(dial=tracer.url, recv_timeout=5000) as req:
                req.send(b"ping-through-the-tracer")
                assert req.recv() == b"pong"
            peer("nngcat", "rep0", listen=rep.url)  # the address is taken: nngcat fails
    ''')
    result = run(inner)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(r"-+ sp_trace tcp://127\.0\.0\.1:\d+ -> tcp://127\.0\.0\.1:\d+ -+\n", out), out
    assert "REQ0 dialed REP0: compatible" in out
    assert '"ping-through-the-tracer"' in out
    assert re.search(r"-+ sp_peer nngcat rep0 at tcp://127\.0\.0\.1:\d+, pid \d+ \(exit status 1\): stderr -+\n"
                     r"Unable to listen on tcp://127\.0\.0\.1:\d+: Address in use", out), out
    assert "Address in use" in out


def test_a_crashed_peer_fails_the_test(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_crash='''
        import os, signal
        from nngkit.testing import behaviours as b

        def test_it(peer, sp_url):
            p = peer("libnng", "pull0", listen=sp_url("ipc"), behaviour=b.record())
            os.kill(p.pid, signal.SIGSEGV)  # as if it had crashed; the test body itself passes
            assert p.proc.wait(10) == -signal.SIGSEGV
    ''')
    result = run(inner)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*a peer failed during the test:*", "*libnng pull0*killed by SIGSEGV*"])


def test_a_peer_that_ends_well_does_not_fail_the_test(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_done='''
        import nngkit
        from nngkit.testing import behaviours as b

        def test_it(peer, sp_url):
            with nngkit.Pull0(recv_timeout=5000) as pull:
                url = pull.listen(sp_url("tcp")).url
                p = peer("nngcat", "push0", dial=url, behaviour=b.push(b"job", count=2))
                assert [pull.recv(), pull.recv()] == [b"job", b"job"]
                p.wait_done()
                assert p.proc.wait(10) == 0
    ''')
    run(inner).assert_outcomes(passed=1)


MISSING = '''
from nngkit.testing import behaviours as b

def test_it(peer, sp_url):
    peer("nngcat", "rep0", listen=sp_url("tcp"), behaviour=b.reply(b"x"))
'''


def test_a_missing_peer_skips_with_the_install_hint(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNGKIT_SP_NNGCAT", str(inner.path / "no-such-nngcat"))
    inner.makepyfile(test_missing=MISSING)
    result = run(inner)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*sp_peer 'nngcat' is not available*apt-get install nng-utils*"])


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_missing_peer_fails_when_peers_are_required(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                      how: str) -> None:
    monkeypatch.setenv("NNGKIT_SP_NNGCAT", str(inner.path / "no-such-nngcat"))
    inner.makepyfile(test_missing=MISSING)
    if how == "env":
        monkeypatch.setenv("NNGKIT_REQUIRE_PEERS", "1")
    result = run(inner, *(["--sp-require-peers"] if how == "option" else []))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*sp_peer 'nngcat' is not available*peers are required*"])


def test_a_missing_peer_in_a_matrix_skips_that_cell_only(inner: pytest.Pytester,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNGKIT_SP_NNGCAT", str(inner.path / "no-such-nngcat"))
    inner.makepyfile(test_matrix=MATRIX)
    run(inner, "--sp-transports", "tcp").assert_outcomes(passed=3, skipped=1, deselected=5)


def test_two_xdist_workers_never_share_a_port(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_ports='''
        import os, pytest
        from nngkit.testing import behaviours as b

        @pytest.mark.parametrize("i", range(16))
        def test_listen(peer, sp_url, i):
            p = peer("nngcat", "pull0", listen=sp_url("tcp"), behaviour=b.record())
            with open("ports-%s.txt" % os.environ["PYTEST_XDIST_WORKER"], "a") as f:
                f.write(p.url + "\\n")
    ''')
    result = run(inner, "-n", "2")
    result.assert_outcomes(passed=16)
    urls = {w: (inner.path / ("ports-%s.txt" % w)).read_text().split() for w in ("gw0", "gw1")}
    assert all(urls.values()), urls  # both workers ran tests
    every = urls["gw0"] + urls["gw1"]
    assert len(every) == 16 and len(set(every)) == 16, every


def test_unavailable_transports_say_so(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without nngkit's TLS engine, tls+tcp and wss addresses say why, and their cells skip saying it
    (or fail, when peers are required)."""
    monkeypatch.setenv("NNGKIT_TLS_ENGINE", "/nonexistent/libssl.so.3")
    inner.makepyfile(test_tls='''
        import re
        import pytest
        from nngkit.testing import TransportUnavailable

        @pytest.mark.parametrize("name", ["tls+tcp", "wss"])
        def test_url(sp_url, name):
            with pytest.raises(TransportUnavailable, match=re.escape("transport %s is not available in this nngkit" % name)):
                sp_url(name)

        @pytest.mark.sp_interop(peers=["pynng"], transports=["tls+tcp"])
        def test_cell(sp_url):
            sp_url()
    ''')
    result = run(inner, "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*transport tls+tcp is not available in this nngkit*libssl*"])
    run(inner, "--sp-require-peers").assert_outcomes(passed=2, errors=1)  # in its setup, as a missing peer


TLS_CELLS = '''
import re
import pytest
import nngkit
from nngkit.testing import behaviours as b

def test_urls(sp_url):
    assert re.fullmatch(r"tls\\+tcp://localhost:[0-9]+", sp_url("tls+tcp"))
    a, b_ = sp_url("wss"), sp_url("wss")
    assert re.fullmatch(r"wss://localhost:[0-9]+/sp-[0-9]+-[0-9]+-[0-9a-f]{8}", a), a
    assert a.split("/", 3)[3] != b_.split("/", 3)[3]

@pytest.mark.sp_interop(transports=["tls+tcp", "wss"])
def test_peer_listens(peer, sp_url, sp_impl, sp_tls):
    rep = peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"pong"))
    with nngkit.Req0(recv_timeout=10000, send_timeout=10000) as req:
        req.dial(rep.url, block=True, **sp_tls.dial_options(rep.url))
        req.send(b"ping")
        assert req.recv() == b"pong"
        assert req.pipes[0].tls_verified

@pytest.mark.sp_interop(transports=["tls+tcp", "wss"])
def test_peer_dials(peer, sp_url, sp_impl, sp_tls):
    url = sp_url()
    with nngkit.Rep0(recv_timeout=10000, send_timeout=10000) as rep:
        rep.listen(url, **sp_tls.listen_options(url))  # requires the peer's certificate
        req = peer(sp_impl, "req0", dial=url, behaviour=b.request(b"ping"))
        msg = rep.recv_msg()
        assert msg.bytes == b"ping" and msg.pipe.tls_peer_cn == "sp-client"
        rep.send(b"pong")
        assert req.recv() == b"pong"
'''


def test_tls_urls_and_cells(inner: pytest.Pytester) -> None:
    """tls+tcp and wss addresses name localhost (the certificates' name); every peer has both, and gets
    the session's certificates, mutual TLS whichever side listens."""
    inner.makepyfile(test_tls=TLS_CELLS)
    result = run(inner, "-v")
    result.assert_outcomes(passed=17)
    result.stdout.fnmatch_lines(["*test_peer_listens?nngcat-tls+tcp?*PASSED*", "*test_peer_listens?nngkit-wss?*PASSED*",
                                 "*test_peer_dials?pynng-wss?*PASSED*", "*test_peer_dials?libnng-wss?*PASSED*"])


def test_ws_urls_and_cells(inner: pytest.Pytester) -> None:
    """sp_url("ws") is a loopback port and a path of its own; every peer has a ws cell and talks over it."""
    inner.makepyfile(test_ws='''
        import re
        import pytest
        import nngkit
        from nngkit.testing import behaviours as b

        def test_url(sp_url):
            a, b_ = sp_url("ws"), sp_url("ws")
            assert re.fullmatch(r"ws://127\\.0\\.0\\.1:[0-9]+/sp-[0-9]+-[0-9]+-[0-9a-f]{8}", a), a
            assert a.split("/", 3)[3] != b_.split("/", 3)[3]

        @pytest.mark.sp_interop(transports=["ws"])
        def test_rep(sp_peer, sp_url, sp_impl):
            rep = sp_peer(sp_impl, "rep0", listen=sp_url(), behaviour=b.reply(b"pong"))
            with nngkit.Req0(recv_timeout=10000, send_timeout=10000) as req:
                req.dial(rep.url, block=True)
                req.send(b"ping")
                assert req.recv() == b"pong"
    ''')
    result = run(inner, "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*test_rep?nngcat-ws?*PASSED*", "*test_rep?pynng-ws?*PASSED*",
                                 "*test_rep?libnng-ws?*PASSED*", "*test_rep?nngkit-ws?*PASSED*"])


def test_tls_materials(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_tls='''
        import ssl
        import pytest
        from nngkit.testing import TransportUnavailable

        def test_it(sp_tls):
            ctx = ssl.create_default_context(cafile=sp_tls.ca_file)  # the server certificate is for localhost
            srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            srv.load_cert_chain(sp_tls.server_cert_file, sp_tls.server_key_file)
            assert sp_tls.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
            assert sp_tls.nngcat_flags("client")[:2] == ["--cacert", sp_tls.ca_file]
            assert type(sp_tls.server_config()).__name__ == "TLSConfig"
            assert sp_tls.client_config("pynng") is not None
            with pytest.raises(ValueError):
                sp_tls.client_config("mangos")
    ''')
    run(inner).assert_outcomes(passed=1)


def test_no_change_for_a_project_that_uses_none_of_it(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = run(inner, "-v")
    result.assert_outcomes(passed=1)
    assert "sp_" not in result.stdout.str()


def test_help_lists_the_options(inner: pytest.Pytester) -> None:
    result = inner.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--sp-peers*", "*--sp-transports*", "*--sp-require-peers*"])
