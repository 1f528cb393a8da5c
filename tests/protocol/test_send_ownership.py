"""The one rule for a send's message, at the core's API (nngkit only; see
docs/architecture.md, "Message ownership on a failed send"): a send that
succeeds takes the message, a send that fails gives it back to the caller
with the result, on every send entry point and failure path.  Each test
checks that the very message it sent comes back, intact, and frees it."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.helpers.impl import nk
from tests.protocol.helpers_protocols import link, open_sock

pytestmark = pytest.mark.nngkit_only

BODY = b"given back"
WAIT_MS = 5000  # bound on every wait below; each completes far sooner


@pytest.fixture
def core() -> Iterator[Any]:
    from nngkit._ffi import ffi, lib

    yield ffi, lib


def _message(core: Any) -> Any:
    ffi, lib = core
    mp = ffi.new("nk_msg **")
    assert lib.nk_msg_alloc(mp, len(BODY)) == 0
    ffi.memmove(lib.nk_msg_body(mp[0]), BODY, len(BODY))
    return mp[0]


def _returned(core: Any, m: Any) -> bytes:
    """The body of a message given back to the test, which frees it."""
    ffi, lib = core
    try:
        return ffi.buffer(lib.nk_msg_body(m), lib.nk_msg_len(m))[:]
    finally:
        lib.nk_msg_free(m)


def _closed_socket_id(sockets: Any) -> int:
    sock = open_sock(sockets, nk.Push0)
    sid = sock.id
    sock.close()
    return sid


def test_send_wait_gives_the_message_back_when_the_socket_is_closed(core, sockets, leak_check):
    ffi, lib = core
    sid = _closed_socket_id(sockets)
    m = _message(core)
    op = ffi.new("nk_op *")
    assert lib.nk_send_wait(sid, 0, m, ffi.NULL, 0, 0, 0, op) == lib.NK_ECLOSED
    assert op.msg == m and op.aio == ffi.NULL
    assert _returned(core, op.msg) == BODY


def test_send_wait_gives_back_the_copy_it_made_of_data(core, sockets, leak_check):
    ffi, lib = core
    sid = _closed_socket_id(sockets)
    op = ffi.new("nk_op *")
    assert lib.nk_send_wait(sid, 0, ffi.NULL, BODY, len(BODY), 0, 0, op) == lib.NK_ECLOSED
    assert op.msg != ffi.NULL
    assert _returned(core, op.msg) == BODY


def test_send_wait_gives_the_message_back_for_not_now_and_state_errors(core, sockets, leak_check):
    ffi, lib = core
    push = open_sock(sockets, nk.Push0)  # no puller: a zero timeout says "not now"
    rep = open_sock(sockets, nk.Rep0)  # no request received: a reply is refused
    for sid, err in ((push.id, lib.NK_EAGAIN), (rep.id, lib.NK_ESTATE)):
        m = _message(core)
        op = ffi.new("nk_op *")
        assert lib.nk_send_wait(sid, 0, m, ffi.NULL, 0, 0, 0, op) == err
        assert op.msg == m
        assert _returned(core, op.msg) == BODY


def test_a_pending_send_wait_gives_the_message_back_through_op_finish(core, sockets, leak_check):
    ffi, lib = core
    push = open_sock(sockets, nk.Push0)
    m = _message(core)
    op = ffi.new("nk_op *")
    assert lib.nk_send_wait(push.id, 0, m, ffi.NULL, 0, 50, 0, op) == lib.NK_PENDING
    assert op.aio != ffi.NULL and op.msg == ffi.NULL  # the running aio holds it
    try:
        assert lib.nk_aio_wait(op.aio, WAIT_MS) == 1
        assert lib.nk_op_finish(op) == lib.NK_ETIMEDOUT
        assert op.msg == m
    finally:
        lib.nk_aio_free(op.aio)
    assert _returned(core, op.msg) == BODY


def test_a_started_send_gives_the_message_back_through_op_finish(core, sockets, leak_check):
    ffi, lib = core
    sid = _closed_socket_id(sockets)
    cqp = ffi.new("nk_cq **")
    assert lib.nk_cq_open(cqp) == 0
    try:
        m = _message(core)
        op = ffi.new("nk_op *")
        assert lib.nk_send_start(sid, 0, m, ffi.NULL, 0, cqp[0], 7, op) == 0
        try:
            assert lib.nk_aio_wait(op.aio, WAIT_MS) == 1
            assert lib.nk_op_finish(op) == lib.NK_ECLOSED
            assert op.msg == m
        finally:
            lib.nk_aio_free(op.aio)
        assert _returned(core, op.msg) == BODY
    finally:
        lib.nk_cq_close(cqp[0])


def test_the_aio_api_leaves_a_failed_send_in_the_aio(core, sockets, leak_check):
    ffi, lib = core
    sid = _closed_socket_id(sockets)
    ap = ffi.new("nk_aio **")
    assert lib.nk_aio_alloc(ap) == 0
    try:
        m = _message(core)
        lib.nk_aio_set_msg(ap[0], m)
        lib.nk_sock_send(sid, ap[0])
        assert lib.nk_aio_wait(ap[0], WAIT_MS) == 1
        assert lib.nk_aio_result(ap[0]) == lib.NK_ECLOSED
        back = lib.nk_aio_get_msg(ap[0])
        assert back == m
    finally:
        lib.nk_aio_free(ap[0])
    assert _returned(core, back) == BODY


def test_a_successful_send_takes_the_message(core, sockets, addr, leak_check):
    ffi, lib = core
    push = open_sock(sockets, nk.Push0)
    pull = open_sock(sockets, nk.Pull0)
    link(push, pull, addr, "inproc")
    op = ffi.new("nk_op *")
    assert lib.nk_send_wait(push.id, 0, _message(core), ffi.NULL, 0, WAIT_MS, WAIT_MS, op) == 0
    assert op.msg == ffi.NULL and op.aio == ffi.NULL
    assert pull.recv() == BODY
