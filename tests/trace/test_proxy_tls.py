"""tls+tcp and wss through the proxy, TLS terminated on each side, between every pair of pynng (mbedTLS 3.6),
Debian's nngcat (mbedTLS 2.28) and nngkit (OpenSSL): each side's TLS session (version, cipher, SNI, the
server's certificate subject and names, the verification), the plaintext decoded as over tcp and ws, checked
against what the peers sent; and TLS failures on either side, said with their reason."""
from __future__ import annotations

import json
import sys
from typing import Any, List

import pytest

from nngtrace import MessageEvent, Options, StateEvent, TlsEvent, TlsOptions, Tracer
from tests.helpers import peers
from tests.helpers.ws import WsClient
from tests.trace import peers as tp


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tp.Certs:
    return tp.make_certs(str(tmp_path_factory.mktemp("trace-pki")))


def _tls(t: Tracer, event: str) -> List[TlsEvent]:
    return [e for e in t.events if isinstance(e, TlsEvent) and e.event == event]


def _check_sessions(t: Tracer, certs: tp.Certs) -> None:
    sessions = {e.dir: e.data for e in _tls(t, "session")}
    up, down = sessions["up"], sessions["down"]
    for s in (up, down):
        assert s["version"] in ("TLSv1.2", "TLSv1.3") and s["cipher"]
    assert (up["side"], up["sni"], up["peer_subject"], up["verified"]) == ("client", "localhost", None, None)
    assert (down["side"], down["sni"], down["verified"]) == ("upstream", "localhost", True)
    assert down["peer_subject"].startswith("CN=nngkit test server,")
    assert down["peer_names"] == ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
    assert down["verify"] == "verified against %s, name localhost" % certs.ca
    assert not _tls(t, "failed")


@pytest.mark.parametrize("scheme", tp.TLS_SCHEMES)
@pytest.mark.parametrize("server", tp.IMPLS)
@pytest.mark.parametrize("client", tp.IMPLS)
def test_tls_reqrep_trace(client: str, server: str, scheme: str, certs: tp.Certs, procs: Any, sockets: Any,
                          tracer_loop: str) -> None:
    url, expect, handle = tp.start_rep(server, scheme, procs, sockets, certs)
    tls = TlsOptions(certs.cert, certs.key, certs.ca)
    with Tracer(tp.listen_url(scheme), url, Options(body="hex"), loop=tracer_loop, tls=tls) as t:
        assert t.url.startswith(scheme + "://localhost:")
        assert tp.req_once(client, t.url, procs, sockets, certs) == expect
        match = t.wait_for(lambda e: isinstance(e, StateEvent) and e.event == "match")
    assert (handle.finish()[0] == 0) if server == "nngcat" else handle.finish().result == b"ping"
    _check_sessions(t, certs)
    verdict = [e.text for e in t.events if e.event == "verdict"]
    assert verdict == ["REQ0 dialed REP0" + (" over ws: upgraded" if scheme == "wss" else ": compatible")]
    msgs = [e for e in t.events if isinstance(e, MessageEvent)]
    assert [(m.dir, m.proto, m.kind, m.length) for m in msgs] == [
        ("up", "req", "request", 8), ("down", "rep", "reply", 4 + len(expect))]
    request, reply = msgs
    assert request.id is not None and request.id & 0x80000000 and reply.id == request.id == match.id
    assert request.body == {"fmt": "hex", "text": '"\\x70\\x69\\x6e\\x67"', "shown": 4, "len": 4}
    if scheme == "wss":
        assert request.data["ws"]["masked"] and not reply.data["ws"]["masked"]


@pytest.mark.parametrize("scheme", tp.TLS_SCHEMES)
def test_untrusted_upstream_is_said_and_k_lets_it_through(scheme: str, certs: tp.Certs, procs: Any,
                                                          sockets: Any) -> None:
    url, expect, handle = tp.start_rep("nngkit", scheme, procs, sockets, certs)
    with Tracer(tp.listen_url(scheme), url, tls=TlsOptions(certs.cert, certs.key, certs.other_ca)) as t:
        with pytest.raises(Exception):
            sock = sockets(tp.module("nngkit").Req0, recv_timeout=2000,
                           tls_config=tp.tls_config("nngkit", certs, False))
            sock.dial(t.url, block=True)
            sock.send(b"ping")
            sock.recv()
        failed = t.wait_for(lambda e: isinstance(e, TlsEvent) and e.event == "failed")
        closed = t.wait_for(lambda e: e.event == "close" and e.conn == failed.conn)
    assert (failed.dir, failed.data["side"], failed.data["reason"]) == (
        "down", "upstream", "CERTIFICATE_VERIFY_FAILED")
    assert failed.data["verify"] in ("self-signed certificate in certificate chain",
                                     "unable to get local issuer certificate"), failed.data
    assert failed.text.startswith("upstream side: TLS failed: CERTIFICATE_VERIFY_FAILED: certificate ")
    assert closed.data == {"reason": "upstream-tls-failed"}
    with Tracer(tp.listen_url(scheme), url, tls=TlsOptions(certs.both, None, certs.other_ca, insecure=True)) as t:
        assert tp.req_once("pynng", t.url, procs, sockets, certs) == expect
        t.wait_for(lambda e: e.event == "match")
    (down,) = [e.data for e in _tls(t, "session") if e.dir == "down"]
    assert (down["verified"], down["verify"], down["peer_names"]) == (False, "not verified (-k)",
                                                                      ["DNS:localhost", "IP:127.0.0.1", "IP:::1"])


@pytest.mark.parametrize("client", ("pynng", "nngcat"))
def test_client_that_does_not_trust_the_proxy(client: str, certs: tp.Certs, procs: Any, sockets: Any,
                                              tmp_path: Any) -> None:
    """NNG refuses the proxy's certificate (its CA is not the client's): the client side's failure names the
    alert NNG sent."""
    url, _, _ = tp.start_rep("nngkit", "tls+tcp", procs, sockets, certs)
    untrusted = tp.make_certs(str(tmp_path))
    with Tracer(tp.listen_url("tls+tcp"), url, tls=TlsOptions(untrusted.cert, untrusted.key, certs.ca)) as t:
        if client == "nngcat":
            p = procs([tp.peers.require_peer("nngcat"), "--req0", "--dial", t.url, "--data", "x", "--cacert",
                       certs.ca])
            assert p.finish()[0] != 0
        else:
            sock = sockets(tp.module("pynng").Req0, tls_config=tp.tls_config("pynng", certs, False))
            with pytest.raises(Exception):
                sock.dial(t.url, block=True)
        failed = t.wait_for(lambda e: isinstance(e, TlsEvent) and e.event == "failed")
    assert (failed.dir, failed.data["side"]) == ("up", "client")
    if failed.data["alert"] is None:  # NNG reset the connection after its alert, and the reset can lose it
        assert failed.data["reason"] in ("the peer closed the connection during the TLS handshake",
                                         "[Errno 104] Connection reset by peer"), failed.data
    else:
        assert failed.data["alert"] in ("unknown ca", "bad certificate", "certificate unknown"), failed.data
        assert "(the peer sent alert '%s')" % failed.data["alert"] in failed.text


def test_cleartext_client_at_a_tls_listener(certs: tp.Certs, procs: Any, sockets: Any) -> None:
    url, _, _ = tp.start_rep("nngkit", "wss", procs, sockets, certs)
    with Tracer(tp.listen_url("wss"), url, tls=TlsOptions(certs.cert, certs.key, certs.ca)) as t:
        c = WsClient(int(t.url.rsplit(":", 1)[1].split("/")[0]))
        try:
            c.send_request()
            failed = t.wait_for(lambda e: isinstance(e, TlsEvent) and e.event == "failed")
        finally:
            c.close()
    assert (failed.dir, failed.data["side"], failed.data["reason"]) == ("up", "client", "HTTP_REQUEST")
    assert not [e for e in t.events if e.layer in ("ws", "msg")]


def test_bad_certificate_files_fail_at_start(certs: tp.Certs, tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="needs --cert"):
        Tracer("tls+tcp://localhost:0", "tls+tcp://localhost:1").__enter__()
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(OSError):
        Tracer("wss://localhost:0/sp", "wss://localhost:1/sp", tls=TlsOptions(str(junk))).__enter__()


def test_command_line_spells_tls_as_nngcat(certs: tp.Certs, procs: Any, sockets: Any) -> None:
    """-E/--cert (certificate and key in one file), --cacert and -k, as nngcat spells them; nngcat dials it."""
    url, expect, handle = tp.start_rep("nngcat", "wss", procs, sockets, certs)
    proxy = procs([sys.executable, "-m", "nngtrace", "proxy", "--listen", "wss://localhost:0/sp", "--forward", url,
                   "-E", certs.both, "--cacert", certs.other_ca, "-k", "--json"], env=peers.child_env())
    listening = json.loads(proxy.readline())
    assert listening["event"] == "listening" and listening["url"].startswith("wss://localhost:")
    assert tp.req_once("nngcat", listening["url"], procs, sockets, certs) == expect
    seen: List[Any] = []
    for _ in range(40):  # each readline has its own deadline
        seen.append(json.loads(proxy.readline()))
        if seen[-1]["event"] == "match":
            break
    down = [o for o in seen if o["layer"] == "tls" and o["dir"] == "down"]
    assert [(o["event"], o["verified"], o["verify"], o["sni"]) for o in down] == [
        ("session", False, "not verified (-k)", "localhost")]
    assert [o["text"] for o in seen if o["event"] == "verdict"] == ["REQ0 dialed REP0 over ws: upgraded"]
    assert handle.finish()[0] == 0
