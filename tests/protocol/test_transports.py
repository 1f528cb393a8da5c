"""Transport conformance through the public API: addresses, errors, ipc files, late listeners."""
from __future__ import annotations

import os
import socket

import pytest

from tests.helpers.addrs import ipc_path, split_tcp
from tests.helpers.impl import nk
from tests.helpers.sync import dial, listen


@pytest.mark.parametrize("scheme,host", [("tcp", "127.0.0.1"), ("tcp6", "::1")])
def test_tcp_listener_url_reports_bound_port(sockets, addr, scheme, host):
    url = listen(sockets(nk.Rep0), addr(scheme))
    _, got_host, port = split_tcp(url)
    assert got_host == host and port != 0, url


def test_blocking_dial_to_nothing_is_refused(sockets, addr, transport):
    url = addr(transport)
    if transport.startswith("tcp"):
        # a port that was just free, with nothing listening on it
        probe = sockets(nk.Rep0)
        url = listen(probe, url)
        probe.close()
    with pytest.raises(nk.ConnectionRefused):
        sockets(nk.Req0).dial(url, block=True)


def test_listen_twice_on_one_address_is_in_use(sockets, addr, transport):
    url = listen(sockets(nk.Rep0), addr(transport))
    with pytest.raises(nk.AddressInUse):
        sockets(nk.Rep0).listen(url)


def test_nonblocking_dial_connects_once_listener_appears(sockets, addr, transport, leak_check):
    url = addr(transport)
    if transport.startswith("tcp"):
        probe = sockets(nk.Rep0)
        url = listen(probe, url)
        probe.close()
    req = sockets(nk.Req0, reconnect_time_min=20, reconnect_time_max=50, send_timeout=5000, recv_timeout=5000)
    req.dial(url, block=False)
    rep = sockets(nk.Rep0, recv_timeout=5000)
    listen(rep, url)
    req.send(b"late listener")   # waits for the background redial
    assert rep.recv() == b"late listener"
    rep.send(b"found you")
    assert req.recv() == b"found you"


def test_ipc_listener_replaces_stale_file_and_unlinks_on_close(sockets, addr):
    url = addr("ipc")
    path = ipc_path(url)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nothing listens: a dead process's leftover
    assert os.path.exists(path)
    rep = sockets(nk.Rep0, recv_timeout=5000)
    listen(rep, url)
    req = sockets(nk.Req0, recv_timeout=5000)
    dial(req, url)
    req.send(b"via replaced file")
    assert rep.recv() == b"via replaced file"
    rep.close()
    assert not os.path.exists(path), "ipc socket file left behind after close"


def test_ipc_listen_on_live_path_is_in_use_and_leaves_file(sockets, addr):
    url = addr("ipc")
    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        live.bind(ipc_path(url))
        live.listen(1)
        with pytest.raises(nk.AddressInUse):
            sockets(nk.Rep0).listen(url)
        assert os.path.exists(ipc_path(url))
    finally:
        live.close()
        os.unlink(ipc_path(url))


def test_dialer_and_listener_objects(sockets, addr, transport):
    rep, req = sockets(nk.Rep0), sockets(nk.Req0)
    lst = rep.listen(addr(transport))
    d = req.dial(lst.url, block=True)
    assert d.url == lst.url
    assert len(rep.listeners) == 1
    assert len(req.dialers) == 1


def test_blocking_dial_to_wrong_protocol_returns_then_no_pipe(sockets, addr, transport):
    """As in NNG: the SP handshake completes, so the dial succeeds; the protocol
    layer then drops the pipe, and nothing can be sent through it."""
    url = listen(sockets(nk.Pair0), addr(transport))
    req = sockets(nk.Req0, send_timeout=100, reconnect_time_min=5000)
    req.dial(url, block=True)
    with pytest.raises(nk.Timeout):
        req.send(b"to a pair0")


def test_constructor_listen_and_dial_kwargs(sockets, addr, transport):
    """pynng semantics: dial= tries a blocking dial and, if refused, keeps dialing
    in the background, so the listener may come later."""
    url = addr(transport)
    if transport.startswith("tcp"):
        probe = sockets(nk.Rep0)
        url = listen(probe, url)
        probe.close()
    req = sockets(nk.Req0, dial=url, reconnect_time_min=20, reconnect_time_max=50,
                  send_timeout=5000, recv_timeout=5000)
    rep = sockets(nk.Rep0, listen=url, recv_timeout=5000)
    assert len(rep.listeners) == 1 and len(req.dialers) == 1
    req.send(b"kwargs")
    assert rep.recv() == b"kwargs"
    rep.send(b"work")
    assert req.recv() == b"work"
