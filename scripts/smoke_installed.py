"""Smoke test of an installed nngkit (an sdist or a wheel in a fresh venv).

Run it with the venv's python from a directory outside the checkout, so that
``import nngkit`` finds the installed package and not the source tree:

    cd /tmp && /path/to/venv/bin/python /path/to/scripts/smoke_installed.py

It checks that the package came from this interpreter's prefix, that the
metadata, ``nngkit.__version__``, the compiled core and ``nngcat --version``
name one version, that every console script is installed and imports, and
that a REQ/REP round trip over tcp works.  Exit 0 on
success; any failure raises.
"""
from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata


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


def check_tls() -> None:
    import nngkit

    # TLS (issue 12) does not exist yet.  When it lands, this smoke test must
    # make a tls+tcp round trip too; failing here makes sure it is not forgotten.
    if hasattr(nngkit, "TLSConfig"):
        raise SystemExit("nngkit has TLS now: add a tls+tcp round trip to scripts/smoke_installed.py")
    print("tls: not in this version of nngkit")


def main() -> None:
    check_origin()
    check_versions()
    check_scripts()
    check_reqrep_tcp()
    check_tls()
    print("smoke test passed")


if __name__ == "__main__":
    main()
