"""Raw mode: headers handed to the application untouched (Message.header), over inproc, ipc and tcp.

pynng 0.9 opens no raw sockets through its classes, so these are nngkit-only;
the expected headers were checked against NNG 1.11 through pynng's ffi
(``nng_*_open_raw`` + ``nng_msg_header``): raw REP/RESPONDENT give
[pipe id][backtrace], raw BUS the 4-byte pipe id, raw PAIR1 the hop count as
received, raw SUB nothing (and no filtering).
"""
from __future__ import annotations

import pytest

from tests.helpers.impl import nk
from tests.helpers.raw import word
from tests.helpers.sync import dial, listen, wait_for
from tests.protocol.helpers_protocols import link, open_sock, star, transport  # noqa: F401

pytestmark = pytest.mark.nngkit_only

TOP = 0x80000000


def words(header: bytes):
    assert len(header) % 4 == 0, header.hex()
    return [int.from_bytes(header[i:i + 4], "big") for i in range(0, len(header), 4)]


async def test_raw_rep_header_is_pipe_id_then_request_id(connect, mode):
    rep, req, _ = connect(lambda **kw: nk.Rep0(raw=True, **kw), nk.Req0)
    assert rep.raw and not req.raw
    await mode.send(req, b"question")
    m = await mode.recv_msg(rep)
    assert m.bytes == b"question"
    pipe_id, req_id = words(m.header)
    assert pipe_id == m.pipe.id and not pipe_id & TOP
    assert req_id & TOP
    await mode.send_msg(rep, nk.Message(b"answer", header=m.header))
    assert await mode.recv(req) == b"answer"


async def test_raw_rep_reply_to_unknown_pipe_is_dropped(connect, mode):
    rep, req, _ = connect(lambda **kw: nk.Rep0(raw=True, **kw), nk.Req0)
    req.recv_timeout = 200
    await mode.send(req, b"q")
    m = await mode.recv_msg(rep)
    pipe_id, req_id = words(m.header)
    other = (pipe_id + 12345) & 0x7FFFFFFF
    await mode.send_msg(rep, nk.Message(b"lost", header=word(other) + word(req_id)))
    with pytest.raises(nk.Timeout):
        await mode.recv(req)
    req.recv_timeout = 5000
    await mode.send(req, b"q2")
    m = await mode.recv_msg(rep)
    await mode.send_msg(rep, nk.Message(b"found", header=m.header))
    assert await mode.recv(req) == b"found"


async def test_raw_req_sends_the_header_it_is_given(connect, mode):
    rep, req, _ = connect(nk.Rep0, lambda **kw: nk.Req0(raw=True, **kw))
    for rid in (0x80000007, 0xFFFFFFFF, 0x80000000):
        await mode.send_msg(req, nk.Message(b"q%x" % rid, header=word(rid)))
        assert await mode.recv(rep) == b"q%x" % rid
        await mode.send(rep, b"a%x" % rid)
        m = await mode.recv_msg(req)
        assert (m.header, m.bytes) == (word(rid), b"a%x" % rid)


async def test_raw_req_without_header_is_not_a_request(connect, mode):
    rep, req, _ = connect(nk.Rep0, lambda **kw: nk.Req0(raw=True, **kw), reconnect_time_min=20)
    (first,) = wait_for(lambda: req.pipes, what="the dialer's pipe")
    try:
        await mode.send(req, b"no backtrace")  # goes out as given; REP drops that pipe
        wait_for(lambda: first not in req.pipes, what="REP to drop the pipe it came on")
    except nk.NNGException:
        pass  # refusing it locally is fine too
    rep.recv_timeout = 200
    with pytest.raises(nk.Timeout):
        await mode.recv(rep)
    rep.recv_timeout = 5000  # a request with its backtrace gets through (on the new pipe)
    await mode.send_msg(req, nk.Message(b"proper", header=word(0x80000001)))
    assert (await mode.recv_msg(rep)).bytes == b"proper"


async def test_raw_bus_header_is_the_pipe_id_and_skips_that_pipe(sockets, addr, transport, mode):
    raw = open_sock(sockets, nk.Bus0, raw=True)
    url = listen(raw, addr(transport))
    peers = [open_sock(sockets, nk.Bus0) for _ in range(2)]
    for p in peers:
        dial(p, url)
    for i, p in enumerate(peers):
        await mode.send(p, b"from %d" % i)
    msgs = {m.bytes: m for m in [await mode.recv_msg(raw) for _ in peers]}
    for i in range(2):
        m = msgs[b"from %d" % i]
        assert m.header == word(m.pipe.id) and not m.pipe.id & TOP
    skip_0 = msgs[b"from 0"].header
    await mode.send_msg(raw, nk.Message(b"not for 0", header=skip_0))
    await mode.send_msg(raw, nk.Message(b"for everyone"))
    assert await mode.recv(peers[0]) == b"for everyone"
    assert [await mode.recv(peers[1]) for _ in range(2)] == [b"not for 0", b"for everyone"]


async def test_raw_pair1_header_is_the_hop_count(connect, mode):
    raw, cooked, _ = connect(lambda **kw: nk.Pair1(raw=True, **kw), nk.Pair1)
    await mode.send(cooked, b"one hop")
    m = await mode.recv_msg(raw)
    assert (m.header, m.bytes) == (word(1), b"one hop")
    await mode.send_msg(raw, nk.Message(b"forwarded", header=word(3)))
    assert await mode.recv(cooked) == b"forwarded"


async def test_raw_pair1_refuses_missing_or_too_large_hop_count(connect, mode):
    raw, cooked, _ = connect(lambda **kw: nk.Pair1(raw=True, **kw), nk.Pair1)
    for header in (b"", word(0xFF), word(0x1000)):
        with pytest.raises(nk.ProtocolError):  # NNG 1.11: NNG_EPROTO for both
            await mode.send_msg(raw, nk.Message(b"bad", header=header))
    await mode.send_msg(raw, nk.Message(b"good", header=word(0)))
    assert await mode.recv(cooked) == b"good"


async def test_raw_sub_delivers_everything_with_no_header(sockets, addr, transport, mode):
    sub = open_sock(sockets, nk.Sub0, raw=True)
    pub = open_sock(sockets, nk.Pub0)
    link(pub, sub, addr, transport)
    bodies = [b"", b"topic-less", b"\x00\x01"]
    for b in bodies:
        await mode.send(pub, b)
    for b in bodies:
        m = await mode.recv_msg(sub)
        assert (m.header, m.bytes) == (b"", b)


async def test_raw_respondent_header_is_pipe_id_then_survey_id(sockets, addr, transport, mode):
    sv, (resp,) = star(sockets, addr, transport, nk.Surveyor0, lambda **kw: nk.Respondent0(raw=True, **kw), 1)
    await mode.send(sv, b"survey")
    m = await mode.recv_msg(resp)
    pipe_id, survey_id = words(m.header)
    assert pipe_id == m.pipe.id and survey_id & TOP
    await mode.send_msg(resp, nk.Message(b"answer", header=m.header))
    assert await mode.recv(sv) == b"answer"


async def test_raw_surveyor_sends_the_header_it_is_given(sockets, addr, transport, mode):
    sv, (resp,) = star(sockets, addr, transport, lambda **kw: nk.Surveyor0(raw=True, **kw), nk.Respondent0, 1)
    await mode.send_msg(sv, nk.Message(b"raw survey", header=word(0x80000042)))
    assert await mode.recv(resp) == b"raw survey"
    await mode.send(resp, b"answer")
    m = await mode.recv_msg(sv)
    assert (m.header, m.bytes) == (word(0x80000042), b"answer")


async def test_raw_push_pull_have_no_header(connect, mode):
    pull, push, _ = connect(lambda **kw: nk.Pull0(raw=True, **kw), lambda **kw: nk.Push0(raw=True, **kw))
    await mode.send(push, b"plain")
    m = await mode.recv_msg(pull)
    assert (m.header, m.bytes) == (b"", b"plain")


@pytest.mark.parametrize("cls", [nk.Req0, nk.Rep0, nk.Sub0, nk.Surveyor0, nk.Respondent0])
def test_no_contexts_on_raw_sockets(sockets, cls):
    s = sockets(cls, raw=True)
    assert s.raw
    with pytest.raises(nk.NotSupported):  # NNG: nng_ctx_open on a raw socket is NNG_ENOTSUP
        sockets.track(s.new_context())
