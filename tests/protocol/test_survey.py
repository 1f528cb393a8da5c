"""SURVEYOR0/RESPONDENT0 between impl sockets over inproc, ipc and tcp, sync and asyncio (§7.2).

The surveyor dials its respondents, so a survey sent right after the dials
reaches all of them.  Deadlines are short (survey_time in ms) to keep this fast.
"""
from __future__ import annotations

import time

import pytest

from tests.helpers.fanout import drain
from tests.helpers.gate import Gate
from tests.helpers.impl import nk
from tests.helpers.modes import run_workers
from tests.helpers.sync import dial, listen
from tests.protocol.helpers_protocols import collect, open_sock, star, transport  # noqa: F401

SHORT = 300  # ms


def survey_star(sockets, addr, transport, n=3, survey_time=SHORT):
    return star(sockets, addr, transport, nk.Surveyor0, nk.Respondent0, n,
                hub_opts={"survey_time": survey_time})


async def test_three_respondents_and_a_late_answer_dropped(sockets, addr, transport, mode, leak_check):
    sv, rs = survey_star(sockets, addr, transport)
    await mode.send(sv, b"who is there?")
    for r in rs:
        assert await mode.recv(r) == b"who is there?"
    for i, r in enumerate(rs[:2]):
        await mode.send(r, b"me %d" % i)
    assert sorted(await collect(mode, sv, 2)) == [b"me 0", b"me 1"]
    with pytest.raises(nk.Timeout):  # the third one keeps quiet until the deadline
        await mode.recv(sv)
    await mode.send(rs[2], b"late")  # after the deadline: discarded
    await mode.send(sv, b"second survey")
    for i, r in enumerate(rs):
        assert await mode.recv(r) == b"second survey"
        await mode.send(r, b"again %d" % i)
    assert sorted(await collect(mode, sv, 3)) == [b"again 0", b"again 1", b"again 2"]


async def test_recv_after_deadline_is_timeout_then_bad_state(sockets, addr, transport, mode):
    sv, (r,) = survey_star(sockets, addr, transport, n=1)
    with pytest.raises(nk.BadState):  # no survey yet
        await mode.recv(sv)
    await mode.send(sv, b"q")
    assert await mode.recv(r) == b"q"
    t0 = time.monotonic()
    with pytest.raises(nk.Timeout):  # the pending recv ends with the survey
        await mode.recv(sv)
    waited = time.monotonic() - t0
    assert 0.8 * SHORT / 1000 <= waited < 3.0, waited
    with pytest.raises(nk.BadState):  # and afterwards there is no survey to receive for
        await mode.recv(sv)


async def test_a_recv_that_times_out_ends_the_survey(sockets, addr, transport, mode):
    """NNG (1.5.2 and 1.11): a surveyor recv ended by recv_timeout (or cancelled) ends the
    survey, even before survey_time: later answers are dropped, recv is BadState."""
    sv, (r,) = survey_star(sockets, addr, transport, n=1, survey_time=5000)
    sv.recv_timeout = 100
    await mode.send(sv, b"q")
    assert await mode.recv(r) == b"q"
    with pytest.raises(nk.Timeout):
        await mode.recv(sv)
    await mode.send(r, b"answer within survey_time")
    sv.recv_timeout = 1000
    with pytest.raises(nk.BadState):
        await mode.recv(sv)


async def test_answer_to_an_older_survey_is_dropped(sockets, addr, transport, mode):
    sv, (r,) = survey_star(sockets, addr, transport, n=1, survey_time=5000)
    await mode.send(sv, b"first")
    assert await mode.recv(r) == b"first"
    await mode.send(sv, b"second")            # replaces the first survey
    await mode.send(r, b"answer to first")    # carries the first survey's id: dropped
    assert await mode.recv(r) == b"second"
    await mode.send(r, b"answer to second")
    assert await mode.recv(sv) == b"answer to second"
    sv.recv_timeout = 150
    with pytest.raises(nk.Timeout):
        await mode.recv(sv)


async def test_survey_without_respondents_does_not_block(sockets, addr, transport, mode):
    sv = open_sock(sockets, nk.Surveyor0, survey_time=100, send_timeout=100)
    sv.listen(addr(transport))
    t0 = time.monotonic()
    await mode.send(sv, b"anyone?")
    assert time.monotonic() - t0 < 0.09
    with pytest.raises(nk.Timeout):
        await mode.recv(sv)


async def test_survey_never_blocks_on_a_stalled_respondent(sockets, addr, transport, mode):
    sv, (r,) = survey_star(sockets, addr, transport, n=1, survey_time=5000)
    sv.send_timeout = 100
    t0 = time.monotonic()
    for i in range(300):  # the respondent reads nothing meanwhile
        await mode.send(sv, b"%04d" % i + b"x" * 65536)
    assert time.monotonic() - t0 < 5.0, "SURVEYOR applied back-pressure"
    # Some surveys arrived, in order, the rest were dropped; the next survey
    # gets through and its answer comes back.
    got = [int(body[:4]) for body in drain(r, wait_ms=500)]
    assert got and got == sorted(set(got)), got[:20]
    assert len(got) < 300, "nothing was dropped: the sends must have waited"
    await mode.send(sv, b"after")
    assert await mode.recv(r) == b"after"
    await mode.send(r, b"answer")
    assert await mode.recv(sv) == b"answer"


async def test_answers_go_back_to_their_own_surveyor(sockets, addr, transport, mode):
    r = open_sock(sockets, nk.Respondent0)
    url = listen(r, addr(transport))
    svs = [open_sock(sockets, nk.Surveyor0, survey_time=5000) for _ in range(2)]
    for sv in svs:
        dial(sv, url)
    for i, sv in enumerate(svs):
        await mode.send(sv, b"from surveyor %d" % i)
        assert await mode.recv(r) == b"from surveyor %d" % i
        await mode.send(r, b"for surveyor %d" % i)
    for i, sv in enumerate(svs):
        assert await mode.recv(sv) == b"for surveyor %d" % i


async def test_respondent_send_without_survey_is_bad_state(sockets, addr, transport, mode):
    sv, (r,) = survey_star(sockets, addr, transport, n=1, survey_time=5000)
    with pytest.raises(nk.BadState):
        await mode.send(r, b"unasked")
    await mode.send(sv, b"q")
    assert await mode.recv(r) == b"q"
    await mode.send(r, b"a")
    with pytest.raises(nk.BadState):  # one answer per received survey
        await mode.send(r, b"a second answer")
    assert await mode.recv(sv) == b"a"


async def test_eight_concurrent_surveyor_contexts(sockets, addr, transport, mode, leak_check):
    sv, rs = survey_star(sockets, addr, transport, survey_time=5000)
    n = 8
    ctxs = [sockets.track(sv.new_context()) for _ in range(n)]
    gate = Gate(n, mode.is_async)

    def surveyor(ctx, i):
        async def run():
            await mode.send(ctx, b"s%d" % i)
            await gate.wait()  # all eight surveys are open at once
            return sorted(await collect(mode, ctx, len(rs)))
        return run

    def respondent(r, j):
        async def run():
            for _ in range(n):
                await mode.send(r, b"r%d:" % j + await mode.recv(r))
        return run

    results = await run_workers(mode, [surveyor(c, i) for i, c in enumerate(ctxs)]
                                + [respondent(r, j) for j, r in enumerate(rs)])
    for i in range(n):
        assert results[i] == [b"r%d:s%d" % (j, i) for j in range(len(rs))]


async def test_respondent_contexts_answer_their_own_surveys(sockets, addr, transport, mode):
    r = open_sock(sockets, nk.Respondent0)
    url = listen(r, addr(transport))
    svs = [open_sock(sockets, nk.Surveyor0, survey_time=5000) for _ in range(2)]
    for sv in svs:
        dial(sv, url)
    ctxs = [sockets.track(r.new_context()) for _ in range(2)]
    for i, sv in enumerate(svs):
        await mode.send(sv, b"q%d" % i)
    got = [await mode.recv(c) for c in ctxs]  # both surveys held at once
    assert sorted(got) == [b"q0", b"q1"]
    for c, q in reversed(list(zip(ctxs, got))):
        await mode.send(c, b"answer " + q)
    for i, sv in enumerate(svs):
        assert await mode.recv(sv) == b"answer q%d" % i


def test_survey_time_default_and_setter(sockets):
    sv = sockets(nk.Surveyor0)
    assert (sv.protocol, sv.peer, sv.protocol_name, sv.peer_name) == (0x62, 0x63, "surveyor", "respondent")
    r = sockets(nk.Respondent0)
    assert (r.protocol, r.peer, r.protocol_name, r.peer_name) == (0x63, 0x62, "respondent", "surveyor")
    assert sv.survey_time == 1000
    sv.survey_time = 250
    assert sv.survey_time == 250
    assert sockets(nk.Surveyor0, survey_time=40).survey_time == 40
    assert r.ttl_max == 8


@pytest.mark.nngkit_only  # pynng 0.9 contexts have no options; NNG 1.11 gives the same values via nng_ctx_get_ms
def test_context_survey_time_inherited_then_own(sockets):
    sv = sockets(nk.Surveyor0)
    before = sockets.track(sv.new_context())
    sv.survey_time = 300
    after = sockets.track(sv.new_context())
    assert before.survey_time == 1000  # a context takes the socket's value when it is made
    assert after.survey_time == 300
    after.survey_time = 123
    assert (after.survey_time, sv.survey_time, before.survey_time) == (123, 300, 1000)


@pytest.mark.nngkit_only  # context options: see above
async def test_context_deadlines_are_independent(sockets, addr, transport, mode):
    sv, (r,) = survey_star(sockets, addr, transport, n=1, survey_time=5000)
    fast, slow = sockets.track(sv.new_context()), sockets.track(sv.new_context())
    fast.survey_time = 150
    slow.survey_time = 3000
    rctxs = [sockets.track(r.new_context()) for _ in range(2)]
    await mode.send(fast, b"fast")
    await mode.send(slow, b"slow")
    held = {await mode.recv(c): c for c in rctxs}
    assert sorted(held) == [b"fast", b"slow"]
    t0 = time.monotonic()
    with pytest.raises(nk.Timeout):
        await mode.recv(fast)
    assert time.monotonic() - t0 < 2.0  # ended by its own 150 ms, not the socket's 5 s
    await mode.send(held[b"fast"], b"too late")  # accepted by the respondent, dropped by the surveyor
    await mode.send(held[b"slow"], b"in time")  # the slow survey is still open
    assert await mode.recv(slow) == b"in time"
    with pytest.raises(nk.BadState):
        await mode.recv(fast)
