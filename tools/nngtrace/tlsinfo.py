"""TLS for the proxy's tls+tcp and wss sides: the two contexts, and the facts it reports about a session.

The proxy terminates TLS on each side: to clients it is a server with
``--cert``/``--key`` (it asks them for no certificate, as NNG's listener by
default); upstream it is a client that verifies the server against
``--cacert`` (the system's CAs without it) and the forward URL's host name,
as NNG's dialer does by default, unless ``-k``/``--insecure``; it offers
``--cert``/``--key`` there too, for a server that asks (or, from the Python
API, ``upstream_cert``/``upstream_key``: a client certificate of its own).  TLS 1.2 at least,
as NNG.  Python's ssl module: this is the tracer, not nngkit's data path.
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class TlsOptions:
    cert: Optional[str] = None     # PEM certificate (chain); the key too when ``key`` is None
    key: Optional[str] = None
    cacert: Optional[str] = None   # PEM CA file to verify the upstream server with
    insecure: bool = False         # upstream: no verification (nngcat's -k)
    upstream_cert: Optional[str] = None  # upstream's own certificate when it differs from ``cert``
    upstream_key: Optional[str] = None


def server_context(o: TlsOptions) -> ssl.SSLContext:
    if not o.cert:
        raise ValueError("listening on tls+tcp:// or wss:// needs --cert (and --key unless the file has it)")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(o.cert, o.key)

    def sni(obj: Any, name: Optional[str], _ctx: ssl.SSLContext) -> None:
        obj.nngtrace_sni = name  # read back for the session event

    ctx.sni_callback = sni
    return ctx


def client_context(o: TlsOptions) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if o.insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif o.cacert:
        ctx.load_verify_locations(o.cacert)
    else:
        ctx.load_default_certs()
    if o.upstream_cert:
        ctx.load_cert_chain(o.upstream_cert, o.upstream_key)
    elif o.cert:
        ctx.load_cert_chain(o.cert, o.key)
    return ctx


def peer_certificate(obj: ssl.SSLObject) -> Optional[Tuple[str, List[str]]]:
    """(subject, names) of the peer's certificate, verified or not; None when it sent none."""
    der = obj.getpeercert(binary_form=True)
    if not der:
        return None
    try:
        from cryptography import x509  # reads an unverified certificate too

        cert = x509.load_der_x509_certificate(der)
        subject = cert.subject.rfc4514_string()
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = ["DNS:%s" % n for n in san.get_values_for_type(x509.DNSName)] + \
                ["IP:%s" % n for n in san.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            names = []
        return subject, names
    except ImportError:
        d = obj.getpeercert() or {}  # only when verified
        rdns: Any = d.get("subject", ())
        subject = ",".join("%s=%s" % (kv[0], kv[1]) for rdn in rdns for kv in rdn) or "(unverified: no details)"
        sans: Any = d.get("subjectAltName", ())
        return subject, ["%s:%s" % (kv[0], kv[1]) for kv in sans]


def session_facts(obj: ssl.SSLObject, server_side: bool, o: TlsOptions) -> Dict[str, Any]:
    """What a finished handshake established, as the ``tls``/``session`` event's fields."""
    cipher = obj.cipher()
    peer = peer_certificate(obj)
    facts: Dict[str, Any] = {
        "side": "client" if server_side else "upstream",
        "version": obj.version(), "cipher": cipher[0] if cipher else None,
        "sni": getattr(obj, "nngtrace_sni", None) if server_side else obj.server_hostname,
        "peer_subject": peer[0] if peer else None, "peer_names": peer[1] if peer else [],
    }
    if server_side:
        facts["verified"], facts["verify"] = None, "no client certificate asked for"
    elif o.insecure:
        facts["verified"], facts["verify"] = False, "not verified (-k)"
    else:
        facts["verified"] = True
        facts["verify"] = "verified against %s, name %s" % (o.cacert or "the system's CAs", obj.server_hostname)
    return facts


def session_text(f: Dict[str, Any]) -> str:
    text = "%s side: %s %s, SNI %s" % (f["side"], f["version"], f["cipher"], f["sni"] or "(none)")
    if f["peer_subject"] is not None:
        text += ", peer certificate %s [%s]" % (f["peer_subject"], ", ".join(f["peer_names"]))
    elif f["side"] == "upstream":
        text += ", no server certificate"
    return text + ", " + f["verify"]


def failure_facts(e: BaseException, server_side: bool) -> Dict[str, Any]:
    """A failed handshake or session: the library's reason, the alert it names, the verification message."""
    reason = getattr(e, "reason", None) or (str(e) if isinstance(e, ConnectionError) else type(e).__name__)
    alert = None
    if isinstance(reason, str) and "ALERT_" in reason:
        alert = reason.split("ALERT_", 1)[1].lower().replace("_", " ")
    verify = getattr(e, "verify_message", None)
    who = "client" if server_side else "upstream"
    text = "%s side: TLS failed: %s" % (who, reason)
    if alert:
        text += " (the peer sent alert '%s')" % alert
    if verify:
        text += ": certificate %s" % verify
    return {"side": who, "reason": reason, "alert": alert, "verify": verify, "error": str(e), "text": text}
