"""Statistics: sock.stats(), pipe.stats(), dialer.stats(), listener.stats().

Every count is asserted exactly where the test controls every event; where
a count moves on another thread (a connection dropped by the peer side),
the test waits for the count itself, bounded in time.
"""
from __future__ import annotations

import dataclasses
import socket as pysocket

import pytest

from tests.helpers.impl import nk
from tests.helpers.raw import RawConn, word
from tests.helpers.sync import dial, listen, wait_for

pytestmark = pytest.mark.nngkit_only

PROTO_PUB0, PROTO_SUB0, PROTO_REQ0, PROTO_REP0 = 0x20, 0x21, 0x30, 0x31
SAFE = {"recv_timeout": 5000, "send_timeout": 5000}


def only_pipe(sock):
    return wait_for(lambda: sock.pipes[0] if len(sock.pipes) == 1 else None, what="one pipe")


def test_traffic_counts_messages_and_bytes(connect, leak_check):
    pull, push, _ = connect(nk.Pull0, nk.Push0)
    for i in range(3):
        push.send(b"%010d" % i)
    for i in range(3):
        assert pull.recv() == b"%010d" % i
    out, inn = push.stats(), pull.stats()
    assert (out.msgs_out, out.bytes_out, out.msgs_in, out.bytes_in) == (3, 30, 0, 0)
    assert (inn.msgs_in, inn.bytes_in, inn.msgs_out, inn.bytes_out) == (3, 30, 0, 0)
    assert dataclasses.asdict(only_pipe(push).stats()) == {
        "msgs_in": 0, "bytes_in": 0, "msgs_out": 3, "bytes_out": 30}
    assert dataclasses.asdict(only_pipe(pull).stats()) == {
        "msgs_in": 3, "bytes_in": 30, "msgs_out": 0, "bytes_out": 0}


def test_bytes_include_the_protocol_header(connect):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    req.send(b"0123456789")
    assert rep.recv() == b"0123456789"
    rep.send(b"abcde")
    assert req.recv() == b"abcde"
    # the 4-byte request id travels with both messages
    assert (req.stats().bytes_out, rep.stats().bytes_in) == (14, 14)
    assert (rep.stats().bytes_out, req.stats().bytes_in) == (9, 9)


def test_pipe_and_endpoint_lifecycle_counts(connect, leak_check):
    pull, push, _ = connect(nk.Pull0, nk.Push0)
    pipe = only_pipe(pull)
    (listener,), (dialer,) = pull.listeners, push.dialers
    s = pull.stats()
    assert (s.pipes, s.pipes_added, s.pipes_removed, s.listeners, s.dialers) == (1, 1, 0, 1, 0)
    assert push.stats().dialers == 1
    ls = listener.stats()
    assert (ls.pipes, ls.connects, ls.accepts, ls.disconnects, ls.rejects) == (1, 1, 1, 0, 0)
    ds = dialer.stats()
    assert (ds.pipes, ds.connects, ds.attempts, ds.connect_errors) == (1, 1, 1, 0)
    pipe.close()
    with pytest.raises(nk.Closed):
        pipe.stats()
    s = pull.stats()
    assert (s.pipes, s.pipes_added, s.pipes_removed) == (0, 1, 1)
    assert (listener.stats().disconnects, listener.stats().pipes) == (1, 0)
    wait_for(lambda: dialer.stats().disconnects == 1, what="dialer to see the disconnect")


def test_dialer_counts_failed_attempts_and_reconnects(sockets, addr):
    push = sockets(nk.Push0, reconnect_time_min=5, reconnect_time_max=10)
    # a port nobody listens on: take a bound one, then close that listener
    holder = sockets(nk.Pull0)
    dead = listen(holder, addr("tcp"))
    holder.close()
    dialer = push.dial(dead, block=False)
    ds = wait_for(lambda: (lambda d: d if d.reconnects >= 3 else None)(dialer.stats()),
                  what="three reconnects")
    # one snapshot is consistent: the first attempt plus one per reconnect,
    # each failed except possibly one still in progress
    assert ds.attempts == ds.reconnects + 1
    assert ds.attempts - 1 <= ds.connect_errors <= ds.attempts
    assert ds.connects == 0
    assert push.stats().reconnects >= ds.reconnects


def test_blocking_dial_refused_then_background(sockets, addr):
    push = sockets(nk.Push0, reconnect_time_min=5, reconnect_time_max=10)
    holder = sockets(nk.Pull0)
    dead = listen(holder, addr("tcp"))
    holder.close()
    with pytest.raises(nk.ConnectionRefused):
        push.dial(dead, block=True)
    assert push.dialers == () and push.stats().dialers == 0
    dialer = push.dial(dead)  # block=None: refused now, then in the background
    wait_for(lambda: dialer.stats().reconnects >= 1, what="a background reconnect")
    assert dialer.stats().connect_errors >= 2


def test_oversize_message_drops_the_connection(sockets, addr):
    pull = sockets(nk.Pull0, recv_max_size=100, **SAFE)
    push = sockets(nk.Push0, **SAFE)
    dial(push, listen(pull, addr("tcp")))
    push.send(b"x" * 100)  # at the limit: fine
    assert pull.recv() == b"x" * 100
    push.send(b"x" * 101)
    s = wait_for(lambda: (lambda st: st if st.drop_oversize == 1 else None)(pull.stats()),
                 what="the oversize drop")
    assert (s.msgs_in, s.bytes_in, s.pipes_removed) == (1, 100, 1)


def test_slow_subscriber_drops_are_counted_and_not_sent(sockets, addr):
    pub = sockets(nk.Pub0, send_buffer_size=2)
    url = listen(pub, addr("tcp"))
    conn = RawConn.connect(url)
    conn.sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096)
    try:
        conn.handshake(PROTO_SUB0)
        wait_for(lambda: pub.stats().pipes == 1, what="the subscriber's pipe")
        body = b"p" * (256 * 1024)
        for _ in range(64):  # 16 MiB: far more than the kernel buffers hold
            pub.send(body)
        s = pub.stats()
        assert s.drop_send_full > 0
        assert s.msgs_out + s.drop_send_full == 64
        assert s.bytes_out == s.msgs_out * len(body)
    finally:
        conn.close()


def test_subscriber_queue_full_drops(connect):
    pub, sub, _ = connect(nk.Pub0, nk.Sub0)
    sub.recv_buffer_size = 1
    sub.subscribe(b"")
    # the subscription is local to SUB; a round of probes shows the pipe is up
    pipe_up = wait_for(lambda: len(pub.pipes) == 1, what="pub pipe")
    assert pipe_up
    for i in range(5):
        pub.send(b"m%d" % i)
    s = wait_for(lambda: (lambda st: st if st.msgs_in == 5 else None)(sub.stats()),
                 what="all five at the subscriber")
    assert s.drop_recv_full == 4
    sub.recv()
    sub.recv_timeout = 50
    with pytest.raises(nk.Timeout):
        sub.recv()


def _bad_then_good(conn, hops: int, good: bytes) -> None:
    route = b"".join(word(i + 1) for i in range(hops))  # hop words: high bit clear
    conn.send_frame(route + word(0x80000001) + b"too far")
    conn.send_frame(word(0x80000002) + good)


@pytest.mark.parametrize("scheme", ["tcp", "ipc"])
def test_ttl_exceeded_drop(sockets, addr, scheme):
    rep = sockets(nk.Rep0, **SAFE)
    url = listen(rep, addr(scheme))
    with RawConn.connect(url) as conn:
        conn.handshake(PROTO_REQ0)
        _bad_then_good(conn, 8, b"fine")  # 8 hop words + the id: 9 hops > ttl-max 8
        assert rep.recv() == b"fine"  # in order: the bad one was handled first
        assert rep.stats().drop_ttl == 1
        assert rep.stats().msgs_in == 2


def test_stale_reply_drop(sockets, addr):
    req = sockets(nk.Req0, **SAFE)
    url = listen(req, addr("tcp"))
    with RawConn.connect(url) as conn:
        conn.handshake(PROTO_REP0)
        wait_for(lambda: req.stats().pipes == 1, what="req's pipe")
        req.send(b"q")
        frame = conn.read_frame()
        conn.send_frame(word(0x80000000 | 12345) + b"stale")
        conn.send_frame(frame[:4] + b"answer")
        assert req.recv() == b"answer"
        assert req.stats().drop_stale == 1


def test_reply_to_a_gone_pipe_is_counted(sockets, addr):
    rep = sockets(nk.Rep0, **SAFE)
    url = listen(rep, addr("tcp"))
    conn = RawConn.connect(url)
    conn.handshake(PROTO_REQ0)
    conn.send_frame(word(0x80000007) + b"ask")
    assert rep.recv() == b"ask"
    conn.close()
    wait_for(lambda: rep.stats().pipes_removed == 1, what="the asker to be gone")
    rep.send(b"nobody listens")
    assert rep.stats().drop_no_pipe == 1


def test_handshake_rejects_and_timeouts(sockets, addr):
    rep = sockets(nk.Rep0)
    rep.handshake_timeout = 200
    url = listen(rep, addr("tcp"))
    (listener,) = rep.listeners
    with RawConn.connect(url) as conn:
        conn.handshake(PROTO_PUB0)  # REP's peer must be REQ
        conn.expect_closed()
    with RawConn.connect(url) as conn:
        conn.read_header()
        conn.send(b"\x00XX\x00\x00\x30\x00\x00")  # bad magic
        conn.expect_closed()
    with RawConn.connect(url) as conn:
        conn.read_header()  # and say nothing
        conn.expect_closed()
    s, ls = rep.stats(), listener.stats()
    assert (s.rejects, s.handshake_timeouts, s.pipes_added) == (2, 1, 0)
    assert (ls.rejects, ls.handshake_timeouts, ls.accepts, ls.connects) == (2, 1, 3, 0)


def test_refused_by_pre_connect_callback(connect):
    rep, req, _ = connect(nk.Rep0, nk.Req0)
    rep.add_pre_pipe_connect_cb(lambda pipe: pipe.close())
    url = rep.listeners[0].url
    other = nk.Req0(reconnect_time_min=10000)
    try:
        other.dial(url, block=False)
        wait_for(lambda: rep.stats().rejects >= 1, what="the callback's refusal")
    finally:
        other.close()
    assert rep.stats().pipes == 1


def test_closed_objects_raise_closed(sockets, addr):
    s = sockets(nk.Pair0)
    lst = s.listen(addr("inproc"))
    lst.close()
    with pytest.raises(nk.Closed):
        lst.stats()
    s.close()
    with pytest.raises(nk.Closed):
        s.stats()


def test_snapshot_is_frozen_and_reads_like_a_mapping(sockets):
    from nngkit._ffi import ffi

    s = sockets(nk.Pair1).stats()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.msgs_in = 5  # type: ignore[misc]
    assert s["msgs_in"] == 0 and dict(s) == s.as_dict() and len(s) == len(list(s))
    with pytest.raises(KeyError):
        s["nope"]
    # the dataclasses name exactly the C structures' fields, in order
    for cls, ctype in ((nk.SocketStats, "nk_sock_stats"), (nk.PipeStats, "nk_pipe_stats"),
                       (nk.EndpointStats, "nk_ep_stats")):
        assert [f.name for f in dataclasses.fields(cls)] == [n for n, _ in ffi.typeof(ctype).fields]
