"""Smoke test of an installed nngkit (an sdist or a wheel in a fresh venv).

Run it with the venv's python from a directory outside the checkout, so that
``import nngkit`` finds the installed package and not the source tree:

    cd /tmp && /path/to/venv/bin/python /path/to/scripts/smoke_installed.py

It checks that the package came from this interpreter's prefix, that the
metadata, ``nngkit.__version__``, the compiled core and ``nngcat --version``
name one version, that every console script is installed and imports, and
that REQ/REP round trips over tcp and tls+tcp work.  Exit 0 on
success; any failure raises.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from typing import Tuple


def check_origin() -> None:
    import nngkit
    from nngkit import _ffi

    for mod in (nngkit, _ffi):
        path = os.path.realpath(mod.__file__ or "")
        if not path.startswith(os.path.realpath(sys.prefix) + os.sep):
            raise SystemExit("%s comes from %s, not from this venv (%s)" % (mod.__name__, path, sys.prefix))
    print("origin:", os.path.basename(_ffi.__file__ or ""), "in", os.path.dirname(nngkit.__file__ or ""))


def check_versions() -> None:
    import nngkit
    from nngkit._ffi import ffi, lib

    nngcat = os.path.join(os.path.dirname(sys.executable), "nngcat")
    out = subprocess.run([nngcat, "--version"], stdout=subprocess.PIPE, check=True, timeout=60).stdout
    found = {
        "metadata": metadata.version("nngkit"),
        "nngkit.__version__": nngkit.__version__,
        "nk_version()": ffi.string(lib.nk_version()).decode(),
        "nngcat --version": out.decode().rstrip("\n"),
    }
    if len(set(found.values())) != 1:
        raise SystemExit("versions disagree: %r" % found)
    print("version:", nngkit.__version__, "(metadata, __version__, core, nngcat --version)")


def check_scripts() -> None:
    # Every console script of the package is installed beside this python and
    # its entry point imports (nngcat --help exits 1, as NNG's does, so the
    # scripts are not run here; nngcat --version is, above).
    bindir = os.path.dirname(sys.executable)
    names = []
    for ep in metadata.distribution("nngkit").entry_points:
        if ep.group == "console_scripts":
            ep.load()
            if not os.access(os.path.join(bindir, ep.name), os.X_OK):
                raise SystemExit("console script %s is not installed in %s" % (ep.name, bindir))
            names.append(ep.name)
    if "nngcat" not in names:
        raise SystemExit("no nngcat console script: %r" % names)
    print("scripts:", ", ".join(sorted(names)))


def check_reqrep_tcp() -> None:
    import nngkit

    with nngkit.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=10000, send_timeout=10000) as rep:
        url = rep.listeners[0].url
        with nngkit.Req0(dial=url, recv_timeout=10000, send_timeout=10000) as req:
            req.send(b"ping")
            if rep.recv() != b"ping":
                raise SystemExit("REP received the wrong request")
            rep.send(b"pong")
            if req.recv() != b"pong":
                raise SystemExit("REQ received the wrong reply")
    print("req/rep over tcp:", url, "ok")


def _self_signed(directory: str) -> Tuple[str, str]:
    """A certificate for localhost and its key, made with the openssl tool
    (the venvs here have no Python package for it)."""
    tool = shutil.which("openssl") or "/usr/bin/openssl"
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run([tool, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def check_tls() -> None:
    import nngkit

    # The OpenSSL engine is loaded at run time from the system's libssl.so.3
    # (docs/install.md): a tls+tcp round trip with a certificate made now.
    with tempfile.TemporaryDirectory() as d:
        cert, key = _self_signed(d)
        with open(cert) as f:
            cert_pem = f.read()
        with open(key) as f:
            key_pem = f.read()
    server = nngkit.TLSConfig(nngkit.TLSConfig.MODE_SERVER, own_cert_string=cert_pem, own_key_string=key_pem)
    client = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT, ca_string=cert_pem)
    opts = dict(recv_timeout=10000, send_timeout=10000)
    with nngkit.Rep0(tls_config=server, **opts) as rep, nngkit.Req0(tls_config=client, **opts) as req:
        port = rep.listen("tls+tcp://127.0.0.1:0").port
        req.dial("tls+tcp://localhost:%d" % port, block=True)
        req.send(b"ping")
        msg = rep.recv_msg()
        rep.send(msg.bytes[::-1])
        if req.recv() != b"gnip":
            raise SystemExit("REQ received the wrong reply over tls+tcp")
    print("req/rep over tls+tcp: port", port, "ok")


def main() -> None:
    check_origin()
    check_versions()
    check_scripts()
    check_reqrep_tcp()
    check_tls()
    print("smoke test passed")


if __name__ == "__main__":
    main()
