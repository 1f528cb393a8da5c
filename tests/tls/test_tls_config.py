"""TLSConfig as pynng has it (constants, constructor, methods, ValueErrors),
AUTH_MODE_NONE honoured, PEM from files (one cert-key file, an encrypted
key), the tls_* endpoint options, and NotSupported where the engine cannot
be loaded."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization

from tests.helpers.impl import IS_NNGKIT, nk

T = {"recv_timeout": 5000, "send_timeout": 5000}


def test_constants_are_nngs():
    c = nk.TLSConfig
    assert (c.MODE_CLIENT, c.MODE_SERVER) == (0, 1)
    assert (c.AUTH_MODE_NONE, c.AUTH_MODE_OPTIONAL, c.AUTH_MODE_REQUIRED) == (0, 1, 2)


@pytest.mark.parametrize("kw,text", [
    (dict(ca_string="x", ca_files=["y"]), "ca_string and ca_files"),
    (dict(own_cert_string="x", own_key_string="y", cert_key_file="z"), "cert_key_file"),
    (dict(own_cert_string="x"), "both set or unset"),
    (dict(own_key_string="y"), "both set or unset"),
])
def test_value_errors(kw, text):
    with pytest.raises(ValueError, match=text):
        nk.TLSConfig(nk.TLSConfig.MODE_CLIENT, **kw)


def test_bad_pem_is_a_crypto_error(pki):
    with pytest.raises(nk.CryptoError):
        nk.TLSConfig(nk.TLSConfig.MODE_CLIENT, ca_string="not a certificate")
    with pytest.raises(nk.CryptoError):
        nk.TLSConfig(nk.TLSConfig.MODE_SERVER, own_cert_string=pki.cert_pem(pki.server), own_key_string="no key")
    with pytest.raises(nk.NoEntry):
        nk.TLSConfig(nk.TLSConfig.MODE_CLIENT, ca_files="/nonexistent/ca.pem")


def connect(sockets, scfg, ccfg, host="localhost"):
    srv = sockets(nk.Rep0, tls_config=scfg, **T)
    cli = sockets(nk.Req0, tls_config=ccfg, **T)
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    cli.dial("tls+tcp://%s:%d" % (host, port), block=True)
    cli.send(b"q")
    assert srv.recv() == b"q"
    return srv, cli, port


@pytest.mark.skipif(not IS_NNGKIT, reason="pynng drops AUTH_MODE_NONE in the constructor (pynng issue 83)")
def test_auth_mode_none_in_the_constructor_is_honoured(sockets, server_config):
    connect(sockets, server_config(), nk.TLSConfig(nk.TLSConfig.MODE_CLIENT,
                                                   auth_mode=nk.TLSConfig.AUTH_MODE_NONE))


def test_client_without_ca_cannot_reach_the_server_by_default(sockets, server_config):
    with pytest.raises(nk.AuthenticationError):
        connect(sockets, server_config(), nk.TLSConfig(nk.TLSConfig.MODE_CLIENT))


def test_cert_key_file_with_encrypted_key_and_ca_files(sockets, pki):
    key = serialization.load_pem_private_key(pki.server.private_key_pem.bytes(), None)
    enc = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"s3cret")).decode()
    path = pki.file("server-enc.pem", pki.cert_pem(pki.server) + enc)
    with pytest.raises(nk.CryptoError):
        nk.TLSConfig(nk.TLSConfig.MODE_SERVER, cert_key_file=path, passwd="wrong")
    scfg = nk.TLSConfig(nk.TLSConfig.MODE_SERVER, cert_key_file=path, passwd="s3cret")
    ca_files = [pki.file("other.pem", pki.other_ca_pem), pki.file("ca.pem", pki.ca_pem)]
    connect(sockets, scfg, nk.TLSConfig(nk.TLSConfig.MODE_CLIENT, ca_files=ca_files))


def test_methods_after_construction(sockets, pki):
    scfg = nk.TLSConfig(nk.TLSConfig.MODE_SERVER)
    scfg.set_own_cert(pki.cert_pem(pki.server), pki.key_pem(pki.server))
    scfg.set_auth_mode(nk.TLSConfig.AUTH_MODE_OPTIONAL)
    ccfg = nk.TLSConfig(nk.TLSConfig.MODE_CLIENT)
    ccfg.set_ca_chain(pki.ca_pem)
    ccfg.set_server_name("localhost")
    ccfg.set_cert_key_file(pki.file("client.pem", pki.cert_pem(pki.client) + pki.key_pem(pki.client)))
    connect(sockets, scfg, ccfg, host="127.0.0.1")
    with pytest.raises(nk.InvalidOperation):
        nk.TLSConfig(nk.TLSConfig.MODE_SERVER).set_auth_mode(7)
    with pytest.raises(nk.Busy):  # in use: NNG refuses any change before it looks at the value
        scfg.set_auth_mode(7)


def test_a_configuration_is_busy_once_an_endpoint_started_with_it(sockets, pki, server_config, client_config):
    """As NNG 1.11 (pynng raises Busy): a TLSConfig may change until a
    listener or dialer starts with it, then never again, not even after
    that endpoint closed; nor may the tls_* options of a started endpoint."""
    scfg, ccfg = server_config(), client_config()
    srv = sockets(nk.Rep0, tls_config=scfg, **T)
    cli = sockets(nk.Req0, tls_config=ccfg, **T)
    scfg.set_auth_mode(nk.TLSConfig.AUTH_MODE_NONE)  # set on a socket, no endpoint yet: free
    ccfg.set_server_name("localhost")
    port = srv.listen("tls+tcp://127.0.0.1:0").port
    for change in (lambda: scfg.set_auth_mode(nk.TLSConfig.AUTH_MODE_OPTIONAL),
                   lambda: scfg.set_ca_chain(pki.ca_pem),
                   lambda: scfg.set_own_cert(pki.cert_pem(pki.server), pki.key_pem(pki.server)),
                   lambda: scfg.set_server_name("x"),
                   lambda: setattr(srv.listeners[0], "tls_auth_mode", nk.TLSConfig.AUTH_MODE_NONE)):
        with pytest.raises(nk.Busy):
            change()
    cli.dial("tls+tcp://127.0.0.1:%d" % port, block=True)
    with pytest.raises(nk.Busy):
        ccfg.add_ca_file(pki.file("ca.pem", pki.ca_pem))
    with pytest.raises(nk.Busy):
        cli.dialers[0].tls_server_name = "localhost"
    cli.close()
    with pytest.raises(nk.Busy):
        ccfg.set_server_name("localhost")
    other = sockets(nk.Req0, **T)
    d = other.dial("tls+tcp://127.0.0.1:9", block=False, tls_ca_file=pki.file("ca.pem", pki.ca_pem))
    with pytest.raises(nk.Busy):  # a dialer's own configuration too, once it dials
        d.tls_ca_file = pki.file("ca.pem", pki.ca_pem)


@pytest.mark.skipif(not IS_NNGKIT, reason="pynng aborts the process here (NNG panics on the freed config)")
def test_a_freed_configuration_says_so(sockets, pki, server_config, client_config):
    """A TLSConfig freed (its __del__ called) and used again: Closed naming
    the TLSConfig, for its methods, for setting it, and for an endpoint
    that would start with it."""
    cfg = client_config()
    holder = sockets(nk.Req0, tls_config=cfg, **T)
    cfg.__del__()
    for use in (lambda: cfg.set_server_name("localhost"), lambda: sockets(nk.Req0, tls_config=cfg),
                lambda: holder.dial("tls+tcp://127.0.0.1:9", block=False),
                lambda: holder.listen("tls+tcp://127.0.0.1:0")):
        with pytest.raises(nk.Closed, match="TLSConfig has been freed"):
            use()
    assert not holder.dialers and not holder.listeners
    from nngkit._backend import tls
    cfg = client_config()
    behind = sockets(nk.Req0, tls_config=cfg, **T)
    tls.free_config(cfg._id)  # the core's side gone while the object lives: the core says Closed
    for url in ("tls+tcp://127.0.0.1:9", "wss://127.0.0.1:9/x"):
        with pytest.raises(nk.Closed):
            behind.dial(url, block=True)
    for url in ("tls+tcp://127.0.0.1:0", "wss://127.0.0.1:0/x"):
        with pytest.raises(nk.Closed):
            behind.listen(url)


@pytest.mark.skipif(not IS_NNGKIT, reason="reading tls_config back is nngkit's")
def test_socket_tls_config_is_kept_and_checked(sockets, server_config):
    cfg = server_config()
    s = sockets(nk.Rep0, tls_config=cfg)
    assert s.tls_config is cfg
    with pytest.raises(ValueError, match="Expected TLSConfig"):
        s.tls_config = "nope"


def test_endpoint_options_by_pynng_names(sockets, pki, server_config):
    srv = sockets(nk.Rep0, **T)
    lst = srv.listen("tls+tcp://127.0.0.1:0",
                     tls_cert_key_file=pki.file("srv.pem", pki.cert_pem(pki.server) + pki.key_pem(pki.server)),
                     tls_auth_mode=nk.TLSConfig.AUTH_MODE_NONE)
    cli = sockets(nk.Req0, **T)
    cli.dial("tls+tcp://127.0.0.1:%d" % lst.port, block=True,
             tls_ca_file=pki.file("ca2.pem", pki.ca_pem), tls_server_name="localhost")
    cli.send(b"opt")
    assert srv.recv() == b"opt"
    d = cli.dialers[0]
    assert d.tls_server_name == "localhost"
    assert d.get_opt("tls-server-name") == "localhost"


@pytest.mark.skipif(not IS_NNGKIT, reason="nngkit's engine loading")
def test_missing_engine_raises_not_supported_naming_the_package():
    code = (
        "import nngkit\n"
        "for f in (lambda: nngkit.TLSConfig(0), lambda: nngkit.Rep0().listen('tls+tcp://127.0.0.1:0')):\n"
        "    try:\n        f()\n    except nngkit.NotSupported as e:\n        print('NS', e)\n"
        "s = nngkit.Rep0(); s.listen('tcp://127.0.0.1:0'); s.close(); print('tcp ok')\n"
    )
    env = dict(os.environ, NNGKIT_TLS_ENGINE="/nonexistent/libssl.so.3")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stderr
    assert len(lines) == 3 and lines[2] == "tcp ok", out.stdout
    assert all(line.startswith("NS ") and "libssl" in line for line in lines[:2]), lines
