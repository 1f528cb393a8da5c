"""The pynng-compatible public names a drop-in user relies on."""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk

CLASSES = ["Req0", "Rep0", "Pair0", "Message", "Context", "Dialer", "Listener", "Pipe", "Socket"]
EXCEPTIONS = ["NNGException", "Timeout", "Closed", "TryAgain", "BadState", "ConnectionRefused",
              "AddressInUse", "MessageTooLarge", "ProtocolError", "ConnectionReset", "Canceled"]
METHODS = ["send", "recv", "asend", "arecv", "send_msg", "recv_msg", "asend_msg", "arecv_msg",
           "new_context", "listen", "dial", "close"]


@pytest.mark.parametrize("name", CLASSES + EXCEPTIONS)
def test_public_name_exists(name):
    assert hasattr(nk, name), name


@pytest.mark.parametrize("name", EXCEPTIONS[1:])
def test_exceptions_share_a_base(name):
    assert issubclass(getattr(nk, name), nk.NNGException)


@pytest.mark.parametrize("cls", ["Req0", "Rep0", "Pair0"])
def test_socket_methods(cls):
    for m in METHODS:
        if cls == "Pair0" and m == "new_context":
            continue
        assert callable(getattr(getattr(nk, cls), m, None)), f"{cls}.{m}"


@pytest.mark.nngkit_only
def test_exceptions_also_subclass_builtins():
    assert issubclass(nk.Timeout, TimeoutError)
    assert issubclass(nk.ConnectionRefused, ConnectionRefusedError)


def test_message_keeps_bytes():
    m = nk.Message(b"body")
    assert m.bytes == b"body"
    assert m.pipe is None


@pytest.mark.nngkit_only
def test_message_has_header():
    assert nk.Message(b"body").header == b""


def test_str_is_rejected_by_send(sockets):
    with pytest.raises((TypeError, ValueError)):
        sockets(nk.Pair0, send_timeout=10).send("text, not bytes")
