"""`TLSConfig`: pynng's TLS configuration, for ``tls+tcp://`` and ``wss://`` URLs.

The same constructor, constants, methods and `ValueError` rules as
``pynng.TLSConfig``, with one difference: ``auth_mode=AUTH_MODE_NONE`` given
to the constructor is honoured (pynng skips a falsy mode, pynng issue 83).
The configuration lives in the core (one id); a socket, dialer or listener
given it keeps this object alive for as long as it uses it.  As in NNG, it
cannot change once a listener or dialer started with it (`Busy`); one freed
(``__del__``) and used again raises `Closed` (pynng's process aborts).
"""

from __future__ import annotations

from typing import Any, List, Optional, Union

from ._backend import tls
from ._backend.options import set_int
from ._errors import Closed
from ._options import Option

__all__ = ["TLSConfig"]


def _text(value: Union[str, bytes]) -> str:
    return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else str(value)


class TLSConfig:
    """A TLS configuration: a client's or a server's certificates and checks.

    ``mode`` is `MODE_CLIENT` or `MODE_SERVER` (any other value is a
    client, as in NNG).  A client verifies the
    server by default (against ``server_name``, else the URL's host); a
    server asks for a client certificate only with ``auth_mode``
    `AUTH_MODE_OPTIONAL` or `AUTH_MODE_REQUIRED`.  ``ca_string`` and
    ``own_cert_string``/``own_key_string`` are PEM text; ``ca_files`` a path
    or a list of paths; ``cert_key_file`` one PEM file holding the
    certificate(s) then the key; ``passwd`` decrypts the key.
    """

    MODE_CLIENT = 0
    MODE_SERVER = 1

    AUTH_MODE_NONE = 0
    AUTH_MODE_OPTIONAL = 1
    AUTH_MODE_REQUIRED = 2

    def __init__(self, mode: int, server_name: Optional[str] = None, ca_string: Optional[str] = None,
                 own_key_string: Optional[str] = None, own_cert_string: Optional[str] = None,
                 auth_mode: Optional[int] = None, ca_files: Optional[Union[str, List[str]]] = None,
                 cert_key_file: Optional[str] = None, passwd: Optional[str] = None) -> None:
        self._id = 0
        if ca_string and ca_files:
            raise ValueError("Cannot set both ca_string and ca_files!")
        if (own_cert_string or own_key_string) and cert_key_file:
            raise ValueError("Cannot set both own_{key,cert}_string an cert_key_file!")
        if bool(own_cert_string) != bool(own_key_string):
            raise ValueError("own_key_string and own_cert_string must be both set or unset")
        if isinstance(ca_files, str):
            ca_files = [ca_files]
        self._id = tls.new_config(mode == self.MODE_SERVER)
        self._mode = mode
        if server_name:
            self.set_server_name(server_name)
        if ca_string:
            self.set_ca_chain(ca_string)
        if own_key_string and own_cert_string:
            self.set_own_cert(own_cert_string, own_key_string, passwd)
        if auth_mode is not None:  # AUTH_MODE_NONE (0) included, unlike pynng
            self.set_auth_mode(auth_mode)
        for path in ca_files or ():
            self.add_ca_file(path)
        if cert_key_file:
            self.set_cert_key_file(cert_key_file, passwd)

    def __del__(self) -> None:
        if getattr(self, "_id", 0):
            tls.free_config(self._id)
            self._id = 0

    def _live(self) -> int:
        """The core's id; a configuration freed (``__del__`` called) raises `Closed`."""
        if not self._id:
            raise Closed("this TLSConfig has been freed: make a new one")
        return self._id

    def set_server_name(self, server_name: str) -> None:
        """The name the server's certificate must carry (and the SNI sent)."""
        tls.change(self._live(), tls.SERVER_NAME, _text(server_name))

    def set_ca_chain(self, chain: str, crl: Optional[str] = None) -> None:
        """Trust the PEM certificate(s) in ``chain``; ``crl``: a PEM CRL."""
        tls.change(self._live(), tls.CA_CHAIN, _text(chain), None if crl is None else _text(crl))

    def set_own_cert(self, cert: str, key: str, passwd: Optional[str] = None) -> None:
        """This side's PEM certificate (chain) and key (``passwd`` if encrypted)."""
        tls.change(self._live(), tls.OWN_CERT, _text(cert), _text(key), None if passwd is None else _text(passwd))

    def set_auth_mode(self, mode: int) -> None:
        """`AUTH_MODE_NONE`, `AUTH_MODE_OPTIONAL` or `AUTH_MODE_REQUIRED`."""
        tls.change(self._live(), tls.AUTH_MODE, mode=int(mode))

    def add_ca_file(self, path: str) -> None:
        """Trust the PEM certificates (and CRLs) of a file."""
        tls.change(self._live(), tls.CA_FILE, _text(path))

    def set_cert_key_file(self, path: str, passwd: Optional[str] = None) -> None:
        """This side's certificate(s) then key, from one PEM file."""
        tls.change(self._live(), tls.CERT_KEY_FILE, _text(path), None, None if passwd is None else _text(passwd))

    def __repr__(self) -> str:
        return "<TLSConfig %s id=%d>" % ("server" if self._mode == self.MODE_SERVER else "client", self._id)


class TLSConfigOption(Option[Optional[TLSConfig]]):
    """``tls_config`` of a socket, dialer or listener: a `TLSConfig`.

    Reading gives back the object that was set (None if none); the holder
    keeps it alive while it may still make connections with it.
    """

    def __get__(self, obj: Any, owner: Optional[type] = None) -> Any:
        if obj is None:
            return self
        return obj.__dict__.get("_tls_config")

    def __set__(self, obj: Any, value: Optional[TLSConfig]) -> None:
        if not isinstance(value, TLSConfig):
            raise ValueError("Invalid value %r of type %s.  Expected TLSConfig." % (value, type(value).__name__))
        set_int(obj._opt_kind, obj._opt_id, b"tls-config", value._live())
        obj.__dict__["_tls_config"] = value


def check_not_freed(endpoint: Any) -> None:
    """Before an endpoint starts: the `TLSConfig` it would use (its own
    ``tls_config``, else its socket's) must not have been freed."""
    cfg = endpoint.__dict__.get("_tls_config") or endpoint.socket.__dict__.get("_tls_config")
    if cfg is not None:
        cfg._live()
