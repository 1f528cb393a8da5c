"""The socket and its dialers/listeners, with NNG nngcat's error texts and -v lines.

NNG creates an endpoint (parsing the URL) and then starts it, and nngcat
words a failure by the step that failed: ``Unable to create dialer for URL``
or ``Unable to dial on URL``.  nngkit's ``dial``/``listen`` do both steps in
one call, so `_failure` sorts an error into NNG's step from the URL's shape
(what NNG 1.x rejects before it touches the network), keeping the texts.
"""

from __future__ import annotations

from typing import BinaryIO, Dict, Optional, Tuple, Type

import nngkit

from .args import Config, Fatal

SOCKETS: Dict[str, Type[nngkit.Socket]] = {
    "req0": nngkit.Req0,
    "rep0": nngkit.Rep0,
    "pub0": nngkit.Pub0,
    "sub0": nngkit.Sub0,
    "push0": nngkit.Push0,
    "pull0": nngkit.Pull0,
    "surveyor0": nngkit.Surveyor0,
    "respondent0": nngkit.Respondent0,
    "pair0": nngkit.Pair0,
    "pair1": nngkit.Pair1,
    "bus0": nngkit.Bus0,
}


class EndpointError(Fatal):
    """A dialer or listener could not start (no --stats summary follows it)."""


TCP_SCHEMES = ("tcp", "tcp4", "tcp6", "tls+tcp", "tls+tcp4", "tls+tcp6")

SECURE_SCHEMES = ("tls+tcp", "tls+tcp4", "tls+tcp6", "wss", "wss4", "wss6")


def _pem(data: bytes) -> str:
    return data.decode("latin-1")  # PEM is ASCII; anything else fails in the engine, as in NNG


def tls_config(cfg: Config, url: str, dialer: bool) -> Optional[nngkit.TLSConfig]:
    """The TLS settings of NNG nngcat for one TLS endpoint (None: leave its own).

    In NNG's order: --insecure (no verification), then --cert with --key
    (the key defaults to the --cert file; --key alone does nothing), then
    --cacert.  A failure is ``Unable to configure TLS: <error>``.
    """
    if not cfg.uses_tls or split_url(url)[0] not in SECURE_SCHEMES:
        return None  # NNG ignores TLS settings for other transports
    try:
        tls = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT if dialer else nngkit.TLSConfig.MODE_SERVER)
        if cfg.insecure:
            tls.set_auth_mode(nngkit.TLSConfig.AUTH_MODE_NONE)
        if cfg.cert is not None:
            tls.set_own_cert(_pem(cfg.cert), _pem(cfg.key if cfg.key is not None else cfg.cert))
        if cfg.cacert is not None:
            tls.set_ca_chain(_pem(cfg.cacert))
    except nngkit.NNGException as err:
        raise EndpointError("Unable to configure TLS: %s" % err) from None
    return tls


def split_url(url: str) -> Tuple[str, str, str, Optional[str], str]:
    """'scheme://host:port/path' -> (scheme, rest, host, port or None, path); '' if no '://'."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", "", "", None, ""
    hostport, slash, path = rest.partition("/")
    path = slash + path
    if hostport.startswith("["):
        close = hostport.find("]")
        host, tail = (hostport[:close + 1], hostport[close + 1:]) if close >= 0 else (hostport, "")
        port = tail[1:] if tail.startswith(":") else None
    else:
        host, colon, port_text = hostport.rpartition(":")
        host, port = (host, port_text) if colon else (hostport, None)
    return scheme.lower(), rest, host, port, path


def _create_time(url: str, dialer: bool, err: Exception) -> bool:
    """Would NNG 1.x have failed this while creating (not starting) the endpoint?"""
    if isinstance(err, nngkit.NotSupported) or "://" not in url:
        return True
    if not isinstance(err, (nngkit.AddressInvalid, nngkit.InvalidOperation, ValueError)):
        return False
    if not dialer:
        return True  # NNG's listeners resolve and check the address when created
    scheme, rest, host, port, _ = split_url(url)
    if scheme in TCP_SCHEMES:
        return host in ("", "*") or not port
    return rest == ""


def _failure(url: str, dialer: bool, err: Exception) -> EndpointError:
    if "://" not in url or not isinstance(err, nngkit.NNGException):
        text = "Invalid argument"  # NNG's URL parser rejects these with NNG_EINVAL
    elif not dialer and isinstance(err, nngkit.ConnectionRefused):
        text = "Entry not found"  # ipc listener in a missing directory (ENOENT)
    else:
        text = str(err)
    if _create_time(url, dialer, err):
        return EndpointError("Unable to create %s for %s: %s" % ("dialer" if dialer else "listener", url, text))
    return EndpointError("Unable to %s on %s: %s" % ("dial" if dialer else "listen", url, text))


def listener_display(url: str, bound: str) -> str:
    """The URL NNG prints for a listener: the given one, with a tcp port 0 resolved."""
    scheme, _, host, port, path = split_url(url)
    if scheme not in TCP_SCHEMES:
        return url
    _, _, _, bound_port, _ = split_url(bound)
    return "%s://%s:%s%s" % (scheme, "" if host == "*" else host, bound_port or port or "", path)


def open_socket(cfg: Config) -> nngkit.Socket:
    """The protocol's socket with nngcat's socket options applied (NNG's order)."""
    assert cfg.proto is not None
    sock = SOCKETS[cfg.proto]()
    try:
        if isinstance(sock, nngkit.Sub0):
            for topic in cfg.topics:
                sock.subscribe(topic)
        if cfg.send_timeout > 0:
            sock.send_timeout = cfg.send_timeout
        if cfg.recv_timeout > 0:
            sock.recv_timeout = cfg.recv_timeout
        # NNG 1.x has no receive limit unless --recv-maxsz is given; nngkit's 0 means none.
        sock.recv_max_size = cfg.recv_maxsz if cfg.recv_maxsz >= 0 else 0
    except BaseException:
        sock.close()
        raise
    return sock


def start(sock: nngkit.Socket, cfg: Config, stdout: BinaryIO) -> None:
    """Start every endpoint in command-line order; print -v lines as they come up."""
    for mode, url in cfg.addrs:
        dialer = mode == "dial"
        tls = tls_config(cfg, url, dialer)
        opts = {} if tls is None else {"tls_config": tls}
        try:
            if dialer:
                sock.dial(url, block=not cfg.async_dial, **opts)
            else:
                listener = sock.listen(url, **opts)
        except (nngkit.NNGException, ValueError, UnicodeError) as err:
            raise _failure(url, dialer, err) from None
        if cfg.verbose:
            if dialer:
                line = "Connected to: %s\n" % url
            else:
                line = "Listening at: %s\n" % listener_display(url, listener.url)
            stdout.write(line.encode("utf-8", "surrogateescape"))
            stdout.flush()
