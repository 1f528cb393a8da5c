"""Listener reconnect times and pynng's `pynng.options` helpers, beside pynng.

NNG lets a listener read its socket's reconnect times and refuses to set
them (NNG_ENOTSUP, which pynng's setter drops: the assignment silently does
nothing); nngkit reads the same values and raises `NotSupported`.
"""
from __future__ import annotations

import pytest

import nngkit
import nngkit.options
from tests.helpers import addrs
from tests.helpers.impl import nk
from tests.helpers.sync import wait_for

NAMES = ("reconnect-time-min", "reconnect-time-max")


def _listeners(mod, url):
    return mod.Pair0(reconnect_time_min=300, reconnect_time_max=900, listen=url)


@pytest.mark.parametrize("scheme", ["tcp", "inproc", "ipc"])
def test_listener_reads_its_sockets_reconnect_times(scheme, pynng_peer, leak_check) -> None:
    url = addrs.make_addr(scheme)
    for mod in (pynng_peer, nk):
        with _listeners(mod, url) as s:
            listener = s.listeners[0]
            assert (listener.reconnect_time_min, listener.reconnect_time_max) == (300, 900), mod
            s.reconnect_time_min = 444
            assert listener.reconnect_time_min == 444, mod


def test_listener_refuses_reconnect_times_as_nng(pynng_peer, leak_check) -> None:
    url = addrs.make_addr("tcp")
    with _listeners(pynng_peer, url) as s:  # what NNG itself answers
        for name in NAMES:
            rv = pynng_peer.lib.nng_listener_set_ms(s.listeners[0].listener, name.encode(), 50)
            assert rv == pynng_peer.lib.NNG_ENOTSUP
    with _listeners(nk, url) as s:
        listener = s.listeners[0]
        for attr in ("reconnect_time_min", "reconnect_time_max"):
            with pytest.raises(nngkit.NotSupported):
                setattr(listener, attr, 50)
        assert listener.reconnect_time_min == 300
        with pytest.raises(nngkit.NotSupported):
            s.listen(addrs.make_addr("inproc"), reconnect_time_min=5)


def test_dialer_reconnect_times_still_set(leak_check) -> None:
    with nk.Pair0() as s:
        dialer = s.dial(addrs.make_addr("inproc"), block=False)
        dialer.reconnect_time_min, dialer.reconnect_time_max = 25, 400
        assert (dialer.reconnect_time_min, dialer.reconnect_time_max) == (25, 400)
        assert s.reconnect_time_min == 1000


def _pair(mod, url):
    a, b = mod.Pair0(listen=url), mod.Pair0(dial=url)
    wait_for(lambda: a.pipes and b.pipes, what="both pipes")
    return a, b


def _read_all(opts, a, b):
    pipe, listener, dialer = a.pipes[0], a.listeners[0], b.dialers[0]
    return [
        opts._getopt_string(a, "socket-name"), opts._getopt_string(a, b"protocol-name"),
        opts._getopt_int(a, "protocol"), opts._getopt_ms(a, "recv-timeout"),
        opts._getopt_bool(a, "raw"), opts._getopt_bool(pipe, "tcp-nodelay"),
        opts._getopt_ms(dialer, "reconnect-time-min"), opts._getopt_int(pipe, "peer"),
        str(opts._getopt_sockaddr(listener, "local-address")),
        type(opts._getopt_sockaddr(pipe, "remote-address")).__name__,
    ]


def test_option_helpers_read_as_pynngs(pynng_peer, leak_check) -> None:
    url = "tcp://127.0.0.1:%d" % addrs.free_tcp_port()
    results = []
    for mod, opts in ((pynng_peer, pynng_peer.options), (nk, nngkit.options)):
        a, b = _pair(mod, url)
        with a, b:
            opts._setopt_string(a, "socket-name", "named")
            opts._setopt_ms(a, "recv-timeout", 1234)
            opts._setopt_int(b, "send-buffer", 7)
            assert opts._getopt_int(b, "send-buffer") == 7
            opts._setopt_bool(b.dialers[0], "tcp-nodelay", False)
            assert opts._getopt_bool(b.dialers[0], "tcp-nodelay") is False
            results.append(_read_all(opts, a, b))
    assert results[0] == results[1]
    assert results[1][0] == "named"


def test_option_helpers_raise_what_pynng_raises(pynng_peer, leak_check) -> None:
    with pynng_peer.Pair0() as p, nk.Pair0() as k:
        for mod, opts, s in ((pynng_peer, pynng_peer.options, p), (nk, nngkit.options, k)):
            with pytest.raises(ValueError):
                opts._setopt_int(s, "recv-buffer", 1.5)
            with pytest.raises(mod.NotSupported):
                opts._getopt_int(s, "no-such-option")
            with pytest.raises(ValueError):
                opts._setopt_ptr(s, "tls-config", object())
        config = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT)
        nngkit.options._setopt_ptr(k, "tls-config", config)
        assert k.tls_config is config
