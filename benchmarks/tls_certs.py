"""Certificates for the tls+tcp cases, made when a run starts (trustme).

The driver makes a CA and a server certificate for localhost in a private
directory and names the directory in ``NKBENCH_TLS_DIR``, which the peer
processes it starts afterwards inherit.  Nothing is checked in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Dict, Optional

ENV = "NKBENCH_TLS_DIR"
SERVER_NAME = "localhost"
CA_FILE = "ca.pem"
SERVER_FILE = "server.pem"  # certificate chain, then the key
_made: Optional[str] = None


def make() -> str:
    """Make the certificates once per run (or reuse the inherited ones); raises
    RuntimeError, naming the package, without trustme."""
    global _made
    if os.environ.get(ENV):
        return os.environ[ENV]
    try:
        import trustme
    except ImportError:
        raise RuntimeError("the tls+tcp cases need trustme to make their certificates: "
                           "pip install 'nngkit[bench]' (or pip install trustme)") from None
    ca = trustme.CA()
    leaf = ca.issue_cert(SERVER_NAME, "127.0.0.1", common_name="nngkit benchmark server")
    d = tempfile.mkdtemp(prefix="nkbtls")
    ca.cert_pem.write_to_path(os.path.join(d, CA_FILE))
    with open(os.path.join(d, SERVER_FILE), "wb") as f:
        f.write(b"".join(blob.bytes() for blob in leaf.cert_chain_pems) + leaf.private_key_pem.bytes())
    os.environ[ENV] = _made = d
    return d


def remove() -> None:
    """Remove what make() made in this process."""
    global _made
    if _made is not None:
        shutil.rmtree(_made, ignore_errors=True)
        os.environ.pop(ENV, None)
        _made = None


def socket_kw(lib: Any, url: Optional[str], server: bool) -> Dict[str, Any]:
    """The socket keywords a tls+tcp url needs with `lib` (pynng's API): a
    server configuration with the certificate, or a client one trusting the CA."""
    if not url or not url.startswith("tls+"):
        return {}
    d = os.environ.get(ENV)
    if not d:
        raise RuntimeError("%s is not set: the driver makes the certificates" % ENV)
    if server:
        cfg = lib.TLSConfig(lib.TLSConfig.MODE_SERVER, cert_key_file=os.path.join(d, SERVER_FILE))
    else:
        cfg = lib.TLSConfig(lib.TLSConfig.MODE_CLIENT, server_name=SERVER_NAME,
                            ca_files=[os.path.join(d, CA_FILE)])
    return {"tls_config": cfg}
