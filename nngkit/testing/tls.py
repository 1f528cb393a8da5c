"""``sp_tls``: a throw-away CA, a server certificate for localhost and a client certificate.

Made at run time with ``cryptography`` (EC P-256 keys, valid from an hour
ago for a day), as PEM strings and as files, with the matching nngcat flags
and TLS configurations for nngkit and pynng (the same arguments: nngkit's
TLSConfig is pynng's).
"""
from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from typing import Any, List, Tuple



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

    def nngcat_flags(self, role: str = "server") -> List[str]:
        """nngcat's options for a listening ("server") or dialing ("client") nngcat, both authenticated."""
        if role == "server":
            return ["--cert", self.server_cert_file, "--key", self.server_key_file, "--cacert", self.ca_file]
        if role == "client":
            return ["--cacert", self.ca_file, "--cert", self.client_cert_file, "--key", self.client_key_file]
        raise ValueError("role is 'server' or 'client', not %r" % role)

    def server_config(self, impl: str = "nngkit") -> Any:
        return self._config(impl, server=True)

    def client_config(self, impl: str = "nngkit") -> Any:
        return self._config(impl, server=False)

    def _config(self, impl: str, server: bool) -> Any:
        if impl not in ("nngkit", "pynng"):
            raise ValueError("TLS configurations are made for 'nngkit' or 'pynng', not %r" % impl)
        if impl == "nngkit":
            import nngkit

            cfg = nngkit.TLSConfig
        else:
            import pynng  # type: ignore[import-untyped, unused-ignore]

            cfg = pynng.TLSConfig
        if server:
            return cfg(cfg.MODE_SERVER, ca_string=self.ca_pem, own_key_string=self.server_key_pem,
                       own_cert_string=self.server_cert_pem, auth_mode=cfg.AUTH_MODE_OPTIONAL)
        return cfg(cfg.MODE_CLIENT, server_name="localhost", ca_string=self.ca_pem,
                   own_key_string=self.client_key_pem, own_cert_string=self.client_cert_pem)


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


def make(directory: str) -> TLSMaterials:
    """Generate the CA and both certificates, and write them under `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca_key, srv_key, cli_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _cert("nngkit.testing CA", ca_key, "nngkit.testing CA", ca_key, True, [], None)
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1"))]
    srv = _cert("localhost", srv_key, "nngkit.testing CA", ca_key, False, sans, ExtendedKeyUsageOID.SERVER_AUTH)
    cli = _cert("sp-client", cli_key, "nngkit.testing CA", ca_key, False, [x509.DNSName("sp-client")],
                ExtendedKeyUsageOID.CLIENT_AUTH)
    ca_pem = _pems(ca, ca_key)[0]
    (srv_pem, srv_key_pem), (cli_pem, cli_key_pem) = _pems(srv, srv_key), _pems(cli, cli_key)
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for name, text in (("ca.pem", ca_pem), ("server.crt", srv_pem), ("server.key", srv_key_pem),
                       ("client.crt", cli_pem), ("client.key", cli_key_pem)):
        paths[name] = os.path.join(directory, name)
        with open(paths[name], "w", encoding="ascii") as f:
            f.write(text)
        if name.endswith(".key"):
            os.chmod(paths[name], 0o600)
    return TLSMaterials(ca_pem, srv_pem, srv_key_pem, cli_pem, cli_key_pem, paths["ca.pem"], paths["server.crt"],
                        paths["server.key"], paths["client.crt"], paths["client.key"])
