"""Large `bytes` are sent without a copy: the core borrows their buffer (nngkit only).

The core must never change a borrowed body (receivers over inproc get their
own copy), and must hand every loan back so that Python drops its reference:
after a send, successful or not, the sent object's reference count returns
to what it was.
"""
from __future__ import annotations

import sys

import pytest

from tests.helpers.impl import nk
from tests.helpers.payloads import payload
from tests.helpers.sync import wait_for
from tests.protocol.helpers_protocols import link, open_sock, transport  # noqa: F401

pytestmark = pytest.mark.nngkit_only

BIG = 256 * 1024


def reclaim() -> None:
    from nngkit._backend import msg

    msg.reclaim()


def test_borrowed_bytes_arrive_intact_and_are_released(sockets, addr, transport, leak_check):
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, transport)
    body = payload(BIG, 1)
    refs = sys.getrefcount(body)
    for _ in range(3):
        push.send(body)
    for _ in range(3):
        assert pull.recv() == body
    assert wait_for(lambda: reclaim() or sys.getrefcount(body) <= refs)


def test_bytes_are_never_changed_by_a_receiver_that_rewrites_its_copy(sockets, addr):
    # Over inproc the surveyor gets the very message the raw respondent sent
    # and moves the survey id from it in place: that must be its own copy.
    surveyor = open_sock(sockets, nk.Surveyor0)
    respondent = open_sock(sockets, nk.Respondent0, raw=True)
    link(surveyor, respondent, addr, "inproc")
    surveyor.send(b"question")
    question = respondent.recv_msg()
    reply = nk.Message(payload(BIG, 2), question.pipe, header=question.header)
    pristine = bytes(bytearray(reply.bytes))
    respondent.send_msg(reply)
    assert surveyor.recv() == pristine
    assert reply._data == pristine  # the lent body (reply.bytes raises once sent, as in pynng)


def test_failed_sends_hand_the_loan_back(sockets):
    push = open_sock(sockets, nk.Push0, send_timeout=0)
    body = payload(BIG, 3)
    refs = sys.getrefcount(body)
    with pytest.raises(nk.TryAgain):
        push.send(body, block=False)
    with pytest.raises(nk.Timeout):
        push.send(body)
    assert wait_for(lambda: reclaim() or sys.getrefcount(body) <= refs)


def test_mutable_buffers_are_copied(sockets, addr):
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, "tcp")
    buf = bytearray(payload(BIG, 4))
    push.send(buf)
    buf[:] = bytes(len(buf))  # changed before it may even have gone out
    assert pull.recv() == payload(BIG, 4)


def test_a_zero_token_or_null_buffer_is_refused():
    from nngkit._ffi import ffi, lib

    mp = ffi.new("nk_msg **")
    data = ffi.new("char[]", 8)
    assert lib.nk_msg_lend(mp, data, 8, 0) == lib.NK_EINVAL
    assert lib.nk_msg_lend(mp, ffi.NULL, 8, 1) == lib.NK_EINVAL


def test_later_small_sends_release_a_large_one(sockets, addr):
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, "tcp")
    body = payload(BIG, 5)
    refs = sys.getrefcount(body)
    push.send(body)
    assert pull.recv() == body

    def tick() -> bool:
        push.send(b"tick")  # only small sends from here on
        assert pull.recv() == b"tick"
        return sys.getrefcount(body) <= refs

    assert wait_for(tick)


def _try_recv(sock) -> None:
    try:
        sock.recv(block=False)
    except nk.TryAgain:
        pass


def test_loans_come_back_without_another_send(sockets, addr):
    # a program that sends one large body, then only receives, must not
    # keep the body alive until some later send
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, "tcp")
    body = payload(BIG, 4)
    refs = sys.getrefcount(body)
    push.send(body)
    assert pull.recv() == body
    assert wait_for(lambda: _try_recv(pull) or sys.getrefcount(body) <= refs)
