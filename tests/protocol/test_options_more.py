"""Endpoint and pipe options by NNG's names: tcp-nodelay/keepalive,
ipc:permissions, ipc peer credentials, tcp-bound-port, pipe url/protocol,
and the generic get_opt/set_opt on every object that has options.

Pipe tcp options are read back from the kernel (getsockopt on the
connection's fd), so they show what was really applied, not what was asked.
"""
from __future__ import annotations

import os
import socket as pysocket
import stat

import pytest

from tests.helpers.addrs import ipc_path
from tests.helpers.impl import nk
from tests.helpers.sync import dial, listen, wait_for

pytestmark = pytest.mark.nngkit_only

SAFE = {"recv_timeout": 5000, "send_timeout": 5000}


def pipe_of(sock):
    return wait_for(lambda: sock.pipes[0] if len(sock.pipes) == 1 else None, what="one pipe")


def _fmt(addr) -> str:
    return ("[%s]:%d" if ":" in addr[0] else "%s:%d") % addr[:2]


def kernel_tcp_options(pipe):
    """(nodelay, keepalive) of the pipe's connection, asked of the kernel
    through this process's own fd table (independent of nngkit's getter)."""
    want = (pipe.local_address, pipe.remote_address)
    for name in os.listdir("/proc/self/fd"):
        try:
            s = pysocket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue  # not a socket (or gone meanwhile)
        with s:
            try:
                if s.type != pysocket.SOCK_STREAM or s.family not in (pysocket.AF_INET, pysocket.AF_INET6):
                    continue
                if (_fmt(s.getsockname()), _fmt(s.getpeername())) != want:
                    continue
            except OSError:
                continue
            return (bool(s.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY)),
                    bool(s.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE)))
    raise AssertionError("no fd for %s <- %s" % want)


@pytest.mark.parametrize("scheme", ["tcp", "tcp6"])
def test_tcp_defaults_are_nodelay_on_keepalive_off(sockets, addr, scheme):
    pull = sockets(nk.Pull0, **SAFE)
    push = sockets(nk.Push0, **SAFE)
    dial(push, listen(pull, addr(scheme)))
    for sock in (pull, push):
        assert (sock.tcp_nodelay, sock.tcp_keepalive) == (True, False)
        p = pipe_of(sock)
        assert (p.tcp_nodelay, p.tcp_keepalive) == (True, False)


def test_socket_tcp_options_reach_new_connections(sockets, addr):
    pull = sockets(nk.Pull0, **SAFE)
    push = sockets(nk.Push0, **SAFE)
    pull.tcp_nodelay = False
    pull.tcp_keepalive = True
    url = listen(pull, addr("tcp"))
    (listener,) = pull.listeners
    assert (listener.tcp_nodelay, listener.tcp_keepalive) == (False, True)  # inherited
    dial(push, url)
    assert (pipe_of(pull).tcp_nodelay, pipe_of(pull).tcp_keepalive) == (False, True)
    assert (pipe_of(push).tcp_nodelay, pipe_of(push).tcp_keepalive) == (True, False)
    assert kernel_tcp_options(pipe_of(pull)) == (False, True)
    assert kernel_tcp_options(pipe_of(push)) == (True, False)


def test_endpoint_tcp_options_override_the_socket(sockets, addr):
    pull = sockets(nk.Pull0, **SAFE)
    push = sockets(nk.Push0, **SAFE)
    url = pull.listen(addr("tcp"), tcp_nodelay=False).url
    dialer = push.dial(url, block=True, tcp_keepalive=True)
    assert (dialer.tcp_nodelay, dialer.tcp_keepalive) == (True, True)
    assert (push.tcp_keepalive, pull.tcp_nodelay) == (False, True)  # sockets unchanged
    assert pipe_of(push).tcp_keepalive is True
    assert pipe_of(pull).tcp_nodelay is False
    # a change on a running dialer applies to its next connection
    dialer.tcp_nodelay = False
    pipe_of(push).close()
    wait_for(lambda: len(push.pipes) == 1 and push.pipes[0].tcp_nodelay is False,
             timeout=10.0, what="the redialled connection without nodelay")


@pytest.mark.parametrize("scheme", ["ipc", "inproc"])
def test_tcp_options_elsewhere_read_as_configured(sockets, addr, scheme):
    # as NNG: they cannot be set on other transports' endpoints, and read
    # (there and on their pipes) as the socket's values
    s = sockets(nk.Pair0, **SAFE)
    s.tcp_keepalive = True
    lst = s.listen(addr(scheme))
    with pytest.raises(nk.NotSupported):
        lst.tcp_nodelay = False
    with pytest.raises(nk.NotSupported):
        lst.port
    assert (lst.tcp_nodelay, lst.tcp_keepalive) == (True, True)
    other = sockets(nk.Pair0, **SAFE)
    dial(other, lst.url)
    assert (pipe_of(s).tcp_nodelay, pipe_of(s).tcp_keepalive) == (True, True)
    assert (pipe_of(other).tcp_nodelay, pipe_of(other).tcp_keepalive) == (True, False)


def test_tcp_bound_port_and_addresses(sockets, addr):
    s = sockets(nk.Rep0)
    lst = s.listen(addr("tcp"))
    port = int(lst.url.rsplit(":", 1)[1])
    assert lst.port == port != 0
    assert lst.local_address == "127.0.0.1:%d" % port
    assert (lst.peer, lst.peer_name) == (0x30, "req")
    assert lst.get_opt("tcp-bound-port") == port
    req = sockets(nk.Req0)
    d = req.dial(lst.url, block=True)
    assert (d.url, d.peer, d.peer_name) == (lst.url, 0x31, "rep")


def test_ipc_permissions_before_start(sockets, addr):
    s = sockets(nk.Rep0)
    url = addr("ipc")
    lst = s.listen(url, ipc_permissions=0o600)
    assert stat.S_IMODE(os.stat(ipc_path(url)).st_mode) == 0o600
    lst.ipc_permissions = 0o640  # on a running listener: applied at once
    assert stat.S_IMODE(os.stat(ipc_path(url)).st_mode) == 0o640
    with pytest.raises(nk.WriteOnly):
        lst.ipc_permissions
    with pytest.raises(nk.InvalidOperation):
        lst.ipc_permissions = 0o170000


def test_ipc_permissions_only_on_ipc_listeners(sockets, addr):
    s = sockets(nk.Rep0)
    with pytest.raises(nk.NotSupported):
        s.listen(addr("tcp"), ipc_permissions=0o600)
    assert s.listeners == () and s.stats().listeners == 0  # nothing kept
    lst = s.listen(addr("ipc"))
    d = sockets(nk.Req0).dial(lst.url, block=True)
    with pytest.raises(nk.NotSupported):
        d.set_opt("ipc:permissions", 0o600)
    with pytest.raises(TypeError):
        s.listen(addr("ipc"), no_such_option=1)


def test_ipc_peer_credentials_in_process(connect, transport):
    pair0, pair1, _ = connect(nk.Pair0, nk.Pair0)
    for sock in (pair0, pair1):
        p = pipe_of(sock)
        if transport != "ipc":
            with pytest.raises(nk.NotSupported):
                p.peer_pid
            continue
        assert (p.peer_pid, p.peer_uid, p.peer_gid) == (os.getpid(), os.getuid(), os.getgid())
        assert p.get_opt("ipc:peer-pid") == os.getpid()


def test_pipe_identity_options(connect, transport):
    rep, req, url = connect(nk.Rep0, nk.Req0)
    rp, qp = pipe_of(rep), pipe_of(req)
    assert rp.url == qp.url == url
    assert (rp.protocol, rp.protocol_name, rp.peer, rp.peer_name) == (0x31, "rep", 0x30, "req")
    assert (qp.protocol, qp.protocol_name, qp.peer, qp.peer_name) == (0x30, "req", 0x31, "rep")
    assert rp.listener is rep.listeners[0] and qp.dialer is req.dialers[0]
    assert not rp.closed
    rp.close()
    assert rp.closed


def test_generic_get_set_opt_on_every_object(connect):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    req.set_opt("recv-timeout", 1234)
    assert req.recv_timeout == 1234 and req.get_opt("recv-timeout") == 1234
    req.set_opt("req:resend-time", 777)
    assert req.resend_time == 777
    assert req.get_opt("socket-name") == req.name
    assert req.get_opt("raw") is False
    ctx = req.new_context()
    try:
        ctx.set_opt("send-timeout", 55)
        assert ctx.get_opt_ms("send-timeout") == 55 == ctx.send_timeout
        with pytest.raises(nk.NotSupported):
            ctx.get_opt("no-such-option")
    finally:
        ctx.close()
    d = req.dialers[0]
    d.set_opt_ms("reconnect-time-min", 50)
    assert d.reconnect_time_min == 50
    assert d.get_opt_string("url") == d.url
    lst = rep.listeners[0]
    lst.set_opt_size("recv-size-max", 4096)
    assert lst.recv_max_size == 4096 and lst.get_opt_size("recv-size-max") == 4096
    p = pipe_of(req)
    assert p.get_opt("url") == d.url and p.get_opt_int("peer") == 0x31
    with pytest.raises(nk.NotSupported):
        req.get_opt("sub:prefnew")
    with pytest.raises(nk.NotSupported):  # a name this protocol lacks
        rep.set_opt("sub:subscribe", b"x")


def test_generic_bool_and_bytes_options(sockets):
    sub = sockets(nk.Sub0)
    sub.set_opt_bool("sub:prefnew", False)
    assert sub.get_opt("sub:prefnew") is False and sub.get_opt_bool("sub:prefnew") is False
    sub.set_opt("sub:subscribe", b"topic")
    sub.set_opt("sub:unsubscribe", "topic")
    with pytest.raises(nk.WriteOnly):
        sub.get_opt("sub:subscribe")
    sub.set_opt_string("socket-name", "hello")
    assert sub.name == "hello"
    sub.set_opt_int("recv-buffer", 7)
    assert sub.recv_buffer_size == 7


def test_two_step_endpoints_in_the_c_api(sockets, addr):
    from nngkit._ffi import ffi, lib

    s = sockets(nk.Bus0)
    lid, did = ffi.new("uint32_t *"), ffi.new("uint32_t *")
    url = addr("inproc").encode()
    assert lib.nk_listener_create(s.id, url, lid) == 0
    assert lib.nk_dialer_create(s.id, url, did) == 0
    # not started: nothing listens yet, so a blocking start is refused and
    # leaves the dialer for another try
    assert lib.nk_dialer_start(did[0], 0) == lib.NK_ECONNREFUSED
    assert lib.nk_listener_start(lid[0]) == 0
    assert lib.nk_listener_start(lid[0]) == lib.NK_ESTATE
    assert lib.nk_dialer_start(did[0], 0) == 0
    assert lib.nk_dialer_start(did[0], 0) == lib.NK_ESTATE
    assert s.stats().pipes == 2  # both ends of the inproc connection are this socket's
    assert lib.nk_ep_stats_get(lib.NK_OBJ_SOCKET, s.id, ffi.new("nk_ep_stats *")) == lib.NK_EINVAL
    assert lib.nk_dialer_close(did[0]) == 0 and lib.nk_listener_close(lid[0]) == 0
    assert lib.nk_listener_start(lid[0]) == lib.NK_ECLOSED
    assert lib.nk_dialer_start(did[0], 0) == lib.NK_ECLOSED



@pytest.mark.parametrize("first", ["dialer", "listener"])
def test_closing_an_endpoint_of_a_socket_connected_to_itself(sockets, addr, leak_check, first):
    # regression: closing the dialer freed the inproc peer pipe under the
    # close loop's feet (both pipes belong to the same socket)
    bus = sockets(nk.Bus0, **SAFE)
    lst = bus.listen(addr("inproc"))
    d = bus.dial(lst.url, block=True)
    assert bus.stats().pipes == 2
    (d if first == "dialer" else lst).close()
    assert bus.stats().pipes == 0
    assert bus.stats().pipes_removed == 2


def test_closing_a_socket_connected_to_itself_many_times(addr, leak_check):
    # several self-connections: socket close walks a pipe list whose inproc
    # peers close with each pipe
    bus = nk.Bus0(**SAFE)
    url = bus.listen(addr("inproc")).url
    for _ in range(3):
        bus.dial(url, block=True)
    assert bus.stats().pipes == 6
    bus.close()
    with pytest.raises(nk.Closed):
        bus.send(b"x")


def test_listener_options_before_and_after_binding(sockets, addr):
    from nngkit._ffi import ffi, lib

    s = sockets(nk.Rep0)
    lid, out = ffi.new("uint32_t *"), ffi.new("int64_t *")
    assert lib.nk_listener_create(s.id, b"tcp://127.0.0.1:0", lid) == 0
    assert lib.nk_opt_get_int(lib.NK_OBJ_LISTENER, lid[0], b"tcp-bound-port", out) == lib.NK_ESTATE
    assert lib.nk_listener_start(lid[0]) == 0
    assert lib.nk_opt_get_int(lib.NK_OBJ_LISTENER, lid[0], b"tcp-bound-port", out) == 0 and out[0] > 0
    assert lib.nk_listener_close(lid[0]) == 0


@pytest.mark.parametrize("kind", ["NK_OBJ_SOCKET", "NK_OBJ_CTX", "NK_OBJ_DIALER",
                                  "NK_OBJ_LISTENER", "NK_OBJ_PIPE"])
def test_every_option_call_on_a_stale_id_is_closed(kind):
    # nngkit.h: a stale id yields NK_ECLOSED, whatever the call and the name
    # (some calls said NK_ENOTSUP for contexts, endpoints and pipes)
    from nngkit._ffi import ffi, lib

    k = getattr(lib, kind)
    stale = 0  # never given out: every id map starts at 1
    out, buf = ffi.new("int64_t *"), ffi.new("char[]", 64)
    for name in (b"recv-timeout", b"url", b"sub:subscribe", b"no-such-option"):
        assert lib.nk_opt_get_int(k, stale, name, out) == lib.NK_ECLOSED
        assert lib.nk_opt_set_int(k, stale, name, 1) == lib.NK_ECLOSED
        assert lib.nk_opt_get_str(k, stale, name, buf, 64) == lib.NK_ECLOSED
        assert lib.nk_opt_set_str(k, stale, name, b"x") == lib.NK_ECLOSED
        assert lib.nk_opt_set_bin(k, stale, name, b"x", 1) == lib.NK_ECLOSED


def test_closed_context_options_are_closed(sockets):
    ctx = sockets(nk.Req0).new_context()
    ctx.close()
    with pytest.raises(nk.Closed):
        ctx.get_opt_string("url")
    with pytest.raises(nk.Closed):
        ctx.set_opt_string("url", "x")


def test_byte_options_on_live_endpoints_and_pipes_are_not_supported(connect):
    rep, req, url = connect(nk.Rep0, nk.Req0)
    for obj in (req.dialers[0], rep.listeners[0], pipe_of(req)):
        with pytest.raises(nk.NotSupported):  # it said Closed, of a live object
            obj.set_opt("sub:subscribe", b"x")
        assert obj.get_opt("url") == url


def test_ipc_permissions_on_a_vanished_file(sockets, addr):
    s = sockets(nk.Rep0)
    url = addr("ipc")
    lst = s.listen(url)
    os.unlink(ipc_path(url))  # someone removed the socket file
    with pytest.raises(nk.NoEntry):
        lst.ipc_permissions = 0o600


async def test_endpoints_are_context_managers(sockets, addr, mode):
    # with / async with / aclose close the endpoint and forget it (pynng 0.9+ names)
    s = sockets(nk.Pair0)
    with s.listen(addr("inproc")) as lst:
        assert s.listeners == (lst,)
    assert s.listeners == ()
    if mode.is_async:
        async with s.listen(addr("inproc")) as lst2:
            d = s.dial(lst2.url, block=True)
            assert s.dialers == (d,)
            await d.aclose()
            await d.aclose()  # idempotent
            assert s.dialers == ()
        assert s.listeners == ()
