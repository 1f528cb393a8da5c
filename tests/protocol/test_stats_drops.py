"""Drop counters, one protocol path at a time.

Each test makes exactly one kind of drop happen and then shows, with a
message that does get through (in order, on the same connection), that the
dropped one was handled first; so the counts are exact without polling.
"""
from __future__ import annotations

import socket as pysocket

import pytest

from tests.helpers.impl import nk
from tests.helpers.raw import RawConn, word
from tests.helpers.sync import dial, listen, wait_for

pytestmark = pytest.mark.nngkit_only

PAIR1, SURVEYOR0, RESPONDENT0 = 0x11, 0x62, 0x63
SAFE = {"recv_timeout": 5000, "send_timeout": 5000}


def served(sockets, addr, cls, peer_proto, **kw):
    sock = sockets(cls, **SAFE, **kw)
    conn = RawConn.connect(listen(sock, addr("tcp")))
    conn.handshake(peer_proto)
    wait_for(lambda: sock.stats().pipes == 1, what="the raw peer's pipe")
    return sock, conn


def test_pair1_hop_count_over_ttl(sockets, addr):
    pair, conn = served(sockets, addr, nk.Pair1, PAIR1)
    with conn:
        conn.send_frame(word(9) + b"far")  # 9 hops > ttl-max 8
        conn.send_frame(word(1) + b"near")
        assert pair.recv() == b"near"
        assert (pair.stats().drop_ttl, pair.stats().msgs_in) == (1, 2)


def test_pair1_polyamorous_to_a_gone_pipe(sockets, addr):
    pair, conn = served(sockets, addr, nk.Pair1, PAIR1, polyamorous=True)
    pipe = pair.pipes[0]
    conn.close()
    wait_for(lambda: pair.stats().pipes_removed == 1, what="the peer to leave")
    pair.send_msg(nk.Message(b"to nobody", pipe))
    assert pair.stats().drop_no_pipe == 1
    pair.send(b"no peer at all")  # polyamorous never blocks
    assert (pair.stats().drop_send_full, pair.stats().msgs_out) == (1, 0)


def test_pair1_polyamorous_slow_peer(sockets, addr):
    pair, conn = served(sockets, addr, nk.Pair1, PAIR1, polyamorous=True)
    conn.sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096)
    with conn:
        pipe = pair.pipes[0]
        body = b"p" * (256 * 1024)
        for _ in range(64):  # far more than the kernel buffers hold
            pair.send_msg(nk.Message(body, pipe))
        s = pair.stats()
        assert s.drop_send_full > 0 and s.msgs_out + s.drop_send_full == 64


def test_raw_rep_reply_to_an_unknown_pipe(sockets):
    rep = sockets(nk.Rep0, raw=True)
    rep.send_msg(nk.Message(b"lost", header=word(0x12345) + word(0x80000001)))
    assert rep.stats().drop_no_pipe == 1 and rep.stats().msgs_out == 0


def test_surveyor_stale_response(sockets, addr):
    surv, conn = served(sockets, addr, nk.Surveyor0, RESPONDENT0)
    with conn:
        surv.send(b"who?")
        survey = conn.read_frame()
        conn.send_frame(word(0x80000000 | 999) + b"late")
        conn.send_frame(survey[:4] + b"me")
        assert surv.recv() == b"me"
        assert surv.stats().drop_stale == 1


def test_raw_surveyor_hop_count_over_ttl(sockets, addr):
    surv, conn = served(sockets, addr, nk.Surveyor0, RESPONDENT0, raw=True)
    with conn:
        route = b"".join(word(i + 1) for i in range(15))  # 15 hop words + the id: 16 > 15
        conn.send_frame(route + word(0x80000001) + b"far")
        conn.send_frame(word(0x80000002) + b"near")
        assert surv.recv() == b"near"
        assert surv.stats().drop_ttl == 1


def test_respondent_ttl(sockets, addr):
    resp, conn = served(sockets, addr, nk.Respondent0, SURVEYOR0)
    with conn:
        route = b"".join(word(i + 1) for i in range(8))
        conn.send_frame(route + word(0x80000001) + b"far")
        conn.send_frame(word(0x80000002) + b"near")
        assert resp.recv() == b"near"
        assert resp.stats().drop_ttl == 1


@pytest.mark.parametrize("prefnew", [True, False])
def test_sub_queue_full_keeps_newest_or_oldest(sockets, addr, prefnew):
    pub = sockets(nk.Pub0, **SAFE)
    sub = sockets(nk.Sub0, topics=b"", recv_buffer_size=1, **SAFE)
    sub.set_opt("sub:prefnew", prefnew)
    dial(sub, listen(pub, addr("inproc")))
    for i in range(5):
        pub.send(b"m%d" % i)
    s = wait_for(lambda: (lambda st: st if st.msgs_in == 5 else None)(sub.stats()),
                 what="all five at the subscriber")
    assert s.drop_recv_full == 4
    assert sub.recv() == (b"m4" if prefnew else b"m0")


def test_bus_receive_queue_full(sockets, addr):
    a = sockets(nk.Bus0, recv_buffer_size=1, **SAFE)
    b = sockets(nk.Bus0, **SAFE)
    dial(b, listen(a, addr("inproc")))
    for i in range(4):
        b.send(b"b%d" % i)
    wait_for(lambda: a.stats().msgs_in == 4, what="all four at the bus")
    assert a.stats().drop_recv_full == 3


def test_pipe_options_a_transport_lacks(connect, transport):
    pair0, _, _ = connect(nk.Pair0, nk.Pair0)
    p = wait_for(lambda: pair0.pipes[0] if pair0.pipes else None, what="a pipe")
    with pytest.raises(nk.NotSupported):
        p.get_opt("ipc:peer-nothing")
    with pytest.raises(nk.NotSupported):
        p.get_opt("no-such-option")
