"""``sp_tls``: a throw-away CA, a server certificate for localhost and a client certificate.

Made at run time with ``cryptography`` (EC P-256 keys, valid from an hour
ago for a day), as PEM strings and as files, with what each kind of peer
is started with (nngcat's flags, the Python and C peers' options) and TLS
configurations for nngkit and pynng (the same arguments: nngkit's TLSConfig
is pynng's).  ``variant()`` gives materials that a peer must refuse: another
CA, a server certificate for another name, no own certificate.
"""
from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

TLS_SCHEMES = ("tls+tcp", "wss")  # and their 4/6 forms
VARIANTS = ("other-ca", "wrong-name", "no-cert")
_variants: Dict[Tuple[str, str], "TLSMaterials"] = {}


def uses_tls(url: str) -> bool:
    scheme = url.partition("://")[0]
    return scheme.rstrip("46") in TLS_SCHEMES


@dataclass(frozen=True)
class TLSMaterials:
    ca_pem: str
    server_cert_pem: str
    server_key_pem: str
    client_cert_pem: str
    client_key_pem: str
    ca_file: str
    server_cert_file: str
    server_key_file: str
    client_cert_file: str
    client_key_file: str
    server_cert_key_file: str = ""  # the certificate, then the key, in one PEM file (NNG's cert-key-file)
    client_cert_key_file: str = ""
    ca_key_pem: str = ""  # signs the variants' certificates
    directory: str = ""
    server_name: str = "localhost"  # what the server certificate names, and its clients check

    # --- peers ----------------------------------------------------------------
    def nngcat_flags(self, role: str = "server") -> List[str]:
        """nngcat's options for a listening ("server") or dialing ("client") nngcat.  NNG's nngcat
        verifies a server by default and never asks a client for its certificate."""
        cert, key = self._own(role)
        own = ["--cert", cert, "--key", key] if cert else []
        return own + ["--cacert", self.ca_file] if role == "server" else ["--cacert", self.ca_file] + own

    def peer_args(self, role: str) -> List[str]:
        """The C and Python peers' options (pypeer.py, cpeer.c) for a listening ("server") or dialing
        ("client") peer: a server requires a client certificate, a client checks the server's."""
        cert, _ = self._own(role)
        own = self.server_cert_key_file if role == "server" else self.client_cert_key_file
        return ["--tls-ca-file", self.ca_file] + (["--tls-cert-key-file", own] if cert else [])

    def _own(self, role: str) -> Tuple[str, str]:
        if role == "server":
            return self.server_cert_file, self.server_key_file
        if role == "client":
            return self.client_cert_file, self.client_key_file
        raise ValueError("role is 'server' or 'client', not %r" % role)

    # --- nngkit and pynng -----------------------------------------------------
    def server_config(self, impl: str = "nngkit", required: bool = False) -> Any:
        """A server configuration; a client certificate is checked if sent, and must be sent if `required`."""
        return self._config(impl, server=True, required=required)

    def client_config(self, impl: str = "nngkit") -> Any:
        return self._config(impl, server=False)

    def listen_options(self, url: str) -> Dict[str, Any]:
        """Keywords for nngkit's ``listen(url, ...)``: on a TLS address, a server configuration that
        requires the client's certificate (mutual TLS); on any other, none."""
        return {"tls_config": self.server_config(required=True)} if uses_tls(url) else {}

    def dial_options(self, url: str) -> Dict[str, Any]:
        """Keywords for nngkit's ``dial(url, ...)``: on a TLS address, the client configuration."""
        return {"tls_config": self.client_config()} if uses_tls(url) else {}

    def _config(self, impl: str, server: bool, required: bool = False) -> Any:
        if impl not in ("nngkit", "pynng"):
            raise ValueError("TLS configurations are made for 'nngkit' or 'pynng', not %r" % impl)
        if impl == "nngkit":
            import nngkit

            cfg = nngkit.TLSConfig
        else:
            import pynng  # type: ignore[import-untyped, unused-ignore]

            cfg = pynng.TLSConfig
        if server:
            if not self.server_cert_pem:
                raise ValueError("these materials have no server certificate")
            return cfg(cfg.MODE_SERVER, ca_string=self.ca_pem, own_key_string=self.server_key_pem,
                       own_cert_string=self.server_cert_pem,
                       auth_mode=cfg.AUTH_MODE_REQUIRED if required else cfg.AUTH_MODE_OPTIONAL)
        own: Dict[str, Any] = ({"own_key_string": self.client_key_pem, "own_cert_string": self.client_cert_pem}
                               if self.client_cert_pem else {})
        return cfg(cfg.MODE_CLIENT, server_name=self.server_name, ca_string=self.ca_pem, **own)

    # --- what a peer must refuse ----------------------------------------------
    def variant(self, kind: str) -> "TLSMaterials":
        """Materials a peer of these must refuse, made once: "other-ca" (a CA of its own, and
        certificates from it), "wrong-name" (the server certificate names only wrong.example),
        "no-cert" (the CA, and no certificate of its own).  Each one's own client_config()
        is a client its server_config() accepts."""
        if kind not in VARIANTS:
            raise ValueError("variant is one of %s, not %r" % (", ".join(VARIANTS), kind))
        key = (self.ca_file, kind)
        if key not in _variants:
            _variants[key] = _make_variant(self, kind)
        return _variants[key]


def _name(cn: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nngkit.testing"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Any, issuer: str, issuer_key: Any, ca: bool, sans: List[Any], usage: Any) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if usage is not None:
        b = b.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _pems(cert: Any, key: Any) -> Tuple[str, str]:
    from cryptography.hazmat.primitives import serialization

    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


CA_NAME = "nngkit.testing CA"


def _leaves(ca_key: Any, server_names: List[str]) -> Tuple[Tuple[str, str], Tuple[str, str]]:
    """(server cert, key) for `server_names` and (client cert, key), signed by `ca_key`, as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    srv_key, cli_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    sans = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() or ":" in n else x509.DNSName(n)
            for n in server_names]
    srv = _cert(server_names[0], srv_key, CA_NAME, ca_key, False, sans, ExtendedKeyUsageOID.SERVER_AUTH)
    cli = _cert("sp-client", cli_key, CA_NAME, ca_key, False, [x509.DNSName("sp-client")],
                ExtendedKeyUsageOID.CLIENT_AUTH)
    return _pems(srv, srv_key), _pems(cli, cli_key)


def _write(directory: str, texts: Dict[str, str]) -> Dict[str, str]:
    """Each text in its file under `directory` (keys readable by their owner only); name -> path."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, text in texts.items():
        paths[name] = os.path.join(directory, name)
        secret = name.endswith((".key", ".pem")) and name != "ca.pem"
        fd = os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
        with open(fd, "w", encoding="ascii") as f:
            f.write(text)
    return paths


def _materials(directory: str, ca_pem: str, ca_key_pem: str, server: Tuple[str, str],
               client: Tuple[str, str], server_name: str = "localhost") -> TLSMaterials:
    texts = {"ca.pem": ca_pem, "server.crt": server[0], "server.key": server[1], "client.crt": client[0],
             "client.key": client[1], "server-cert-key.pem": server[0] + server[1],
             "client-cert-key.pem": client[0] + client[1]}
    p = _write(directory, {k: v for k, v in texts.items() if v})
    return TLSMaterials(ca_pem, server[0], server[1], client[0], client[1], p["ca.pem"], p.get("server.crt", ""),
                        p.get("server.key", ""), p.get("client.crt", ""), p.get("client.key", ""),
                        p.get("server-cert-key.pem", ""), p.get("client-cert-key.pem", ""), ca_key_pem, directory,
                        server_name)


def _new_ca() -> Tuple[Any, str, str]:
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_pem, ca_key_pem = _pems(_cert(CA_NAME, ca_key, CA_NAME, ca_key, True, [], None), ca_key)
    return ca_key, ca_pem, ca_key_pem


def make(directory: str) -> TLSMaterials:
    """Generate the CA and both certificates, and write them under `directory`."""
    ca_key, ca_pem, ca_key_pem = _new_ca()
    server, client = _leaves(ca_key, ["localhost", "127.0.0.1", "::1"])
    return _materials(directory, ca_pem, ca_key_pem, server, client)


def _make_variant(m: TLSMaterials, kind: str) -> TLSMaterials:
    from cryptography.hazmat.primitives import serialization

    where = os.path.join(m.directory, kind)
    if kind == "other-ca":
        return make(where)
    if kind == "no-cert":
        return _materials(where, m.ca_pem, "", ("", ""), ("", ""))
    ca_key = serialization.load_pem_private_key(m.ca_key_pem.encode(), None)
    server, client = _leaves(ca_key, ["wrong.example"])
    return _materials(where, m.ca_pem, "", server, client, "wrong.example")
