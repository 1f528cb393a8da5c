"""ws:// against pynng (libnng 1.11), Debian's nngcat 1.5.2 and nngkit itself.

Every pair (REQ/REP, PUB/SUB, PUSH/PULL, PAIR1) both ways round, either side
listening, with 0 B, 64 B, 200 KiB (fragmented) and 3 MiB messages; then the
listener's answers to careless and hostile peers (each closes only its own
connection while a good peer keeps being served), listeners sharing one
port by path, and the ws options.  Facts: tls-and-ws.md §4-§6,
sp-wire-protocol.md §5.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Tuple

import pytest

from tests.helpers.addrs import free_tcp_port
from tests.helpers.fanout import until_all_hear
from tests.helpers.impl import nk
from tests.helpers.payloads import payload
from tests.helpers.peers import unbuffered
from tests.helpers.ws import WsClient, good_round_trip

OPTS = {"recv_timeout": 10000, "send_timeout": 10000, "recv_max_size": 0}
PAIRS = {"reqrep": ("Req0", "Rep0"), "pubsub": ("Pub0", "Sub0"), "pushpull": ("Push0", "Pull0"),
         "pair1": ("Pair1", "Pair1")}
BODIES = [b"", payload(64, 1), payload(200 * 1024, 2), payload(3 << 20, 3)]


def rx(s: Any) -> bytes:
    return s.recv_msg().bytes  # pynng's recv() fails on an empty message


def connect(listener: Any, dialer: Any, listener_is_nngkit: bool) -> None:
    url = "ws://127.0.0.1:%d/sp" % (0 if listener_is_nngkit else free_tcp_port())
    bound = listener.listen(url)
    dialer.dial(bound.url if listener_is_nngkit else url, block=True)


def exchange(kind: str, a: Any, b: Any) -> None:
    """a is the first socket of the pair (REQ, PUB, PUSH, PAIR1)."""
    if kind == "pubsub":
        b.subscribe(b"")
        until_all_hear(a.send, [b])
    for body in BODIES:
        a.send(body)
        assert rx(b) == body
        if kind in ("reqrep", "pair1"):
            b.send(body[::-1] + b"!")
            assert rx(a) == body[::-1] + b"!"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(PAIRS))
@pytest.mark.parametrize("nk_first", [True, False], ids=["nngkit-first", "pynng-first"])
@pytest.mark.parametrize("nk_listens", [True, False], ids=["nngkit-listens", "pynng-listens"])
def test_pairs_with_pynng(sockets, pynng_peer, kind, nk_first, nk_listens):
    first, second = PAIRS[kind]
    ours = sockets(getattr(nk, first if nk_first else second), **OPTS)
    theirs = sockets.track(getattr(pynng_peer, second if nk_first else first)(**OPTS))
    a, b = (ours, theirs) if nk_first else (theirs, ours)
    if nk_listens:
        connect(ours, theirs, True)
    else:
        connect(theirs, ours, False)
    exchange(kind, a, b)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(PAIRS))
@pytest.mark.parametrize("first_listens", [True, False], ids=["first-listens", "second-listens"])
def test_pairs_nngkit_with_nngkit(sockets, kind, first_listens):
    first, second = PAIRS[kind]
    a, b = sockets(getattr(nk, first), **OPTS), sockets(getattr(nk, second), **OPTS)
    if first_listens:
        connect(a, b, True)
    else:
        connect(b, a, True)
    exchange(kind, a, b)


def test_nngcat_rep_answers_nngkit_req(require_peer, procs, sockets):
    nngcat = require_peer("nngcat")
    url = "ws://127.0.0.1:%d/sp" % free_tcp_port()
    req = sockets(nk.Req0, **OPTS)
    p = procs(unbuffered([nngcat, "--rep0", "--listen", url, "--data", "pong", "--count", "1", "-v", "--raw"]))
    assert p.readline(timeout=10.0) == b"Listening at: " + url.encode()  # the event, not a sleep
    req.dial(url, block=True)
    req.send(b"ping")
    assert req.recv() == b"pong"
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, b"ping"), err


def test_nngcat_req_asks_nngkit_rep(require_peer, procs, sockets):
    nngcat = require_peer("nngcat")
    rep = sockets(nk.Rep0, **OPTS)
    url = rep.listen("ws://127.0.0.1:0/sp").url
    p = procs([nngcat, "--req0", "--dial", url, "--data", "ping", "--raw"])
    assert rep.recv() == b"ping"
    rep.send(b"pong")
    rc, out, err = p.finish(timeout=10.0)
    assert (rc, out) == (0, b"pong"), err


# -- what the listener answers, and that it goes on serving ------------------

@pytest.fixture
def rep_listener(sockets) -> Tuple[Any, int]:
    rep = sockets(nk.Rep0, **OPTS)
    url = rep.listen("ws://127.0.0.1:0/sp").url
    return rep, int(url.rsplit(":", 1)[1].split("/")[0])


def is_refused(port: int, change: Dict[str, Any], status: int) -> None:
    """An upgrade request with `change` gets `status`, and the connection is then closed."""
    c = WsClient(port)
    try:
        c.send_request(**change)
        assert c.status() == status
        assert c.closed_within(3.0)
    finally:
        c.close()


@pytest.mark.parametrize("change,status", [
    ({"proto": "req.sp.nanomsg.org"}, 400),
    ({"proto": None}, 400),
    ({"path": "/other"}, 404),
    ({"path": "/sp/sub"}, 404),
    ({"host": "localhost"}, 404),
    ({"version": "HTTP/1.0"}, 505),
    ({"method": "POST"}, 405),
    ({"method": "HEAD"}, 400),
    ({"extra": "Content-Length: 5\r\n", "body": b"hello"}, 413),
    ({"key": "abc"}, 400),
])
def test_bad_upgrade_gets_nngs_status(rep_listener, pynng_peer, sockets, change, status):
    rep, port = rep_listener
    is_refused(port, change, status)
    good_round_trip(rep, port, pynng_peer, sockets)
    assert refusals(rep) == (1, 1, 1)  # counted once, on the listener that refused; the good peer joined


def refusals(sock: Any) -> Tuple[int, int, int]:
    """The socket's and its (one) listener's rejects, and the socket's pipes added."""
    return sock.stats().rejects, sock.listeners[0].stats().rejects, sock.stats().pipes_added


@pytest.mark.parametrize("head", [
    b"hello there\r\n\r\n",
    b"GET /sp\r\n\r\n",
    b"\x00\x01\x02\r\n\r\n",
    b"GET /sp HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
    b"GET /sp HTTP/1.1\r\n folded\r\n\r\n",
], ids=["not-http", "no-version", "binary", "no-colon", "folded-line"])
def test_garbage_heads_are_dropped_and_counted(rep_listener, pynng_peer, sockets, head):
    rep, port = rep_listener
    c = WsClient(port)
    try:
        c.send_raw(head)
        assert c.closed_within(3.0, expect_no_answer=True)
    finally:
        c.close()
    assert refusals(rep) == (1, 1, 0)
    good_round_trip(rep, port, pynng_peer, sockets)


def answer(port: int, change: Dict[str, Any]) -> Tuple[str, Dict[str, str], bytes]:
    """A refused upgrade's answer: status line, headers by lower-case name, body."""
    c = WsClient(port)
    try:
        c.send_request(**change)
        lines = c.head().split("\r\n")
        headers = dict((k.lower(), v.strip()) for k, _, v in (ln.partition(":") for ln in lines[1:] if ln))
        body = c._take(int(headers.get("content-length", "0")), time.monotonic() + 5)
    finally:
        c.close()
    return lines[0], headers, body


@pytest.mark.parametrize("change", [
    {"proto": "req.sp.nanomsg.org"},
    {"path": "/other"},
    {"method": "POST"},
    {"extra": "Content-Length: 5\r\n", "body": b"hello"},
    {"version": "HTTP/1.0"},
    {"key": "abc"},
    {"path": "/other", "extra": "Connection: close\r\n"},
], ids=["400", "404", "405", "413", "505", "400-key", "404-close"])
def test_refusal_answers_are_nngs_byte_for_byte(sockets, pynng_peer, change):
    """Status line, Content-Type, Content-Length, Connection and the HTML
    page, from nngkit's listener and from NNG's (pynng)."""
    ours = sockets(nk.Rep0, **OPTS)
    port = int(ours.listen("ws://127.0.0.1:0/sp").url.rsplit(":", 1)[1].split("/")[0])
    theirs = sockets.track(pynng_peer.Rep0(**OPTS))
    their_port = free_tcp_port()
    theirs.listen("ws://127.0.0.1:%d/sp" % their_port)
    got, want = answer(port, change), answer(their_port, change)
    assert got == want
    assert want[1]["content-type"] == "text/html; charset=UTF-8"
    assert b"<h1><span>%s</span></h1>" % want[0].split()[1].encode() in want[2]
    assert ("connection" in want[1]) == ("Connection" in change.get("extra", "") or "version" in change)


def test_good_upgrade_echoes_the_subprotocol(rep_listener):
    rep, port = rep_listener
    c = WsClient(port)
    try:
        c.send_request(path="/sp/?q=1")
        head = c.head()
        assert head.startswith("HTTP/1.1 101 ") and c.accept_ok(head)
        assert "\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n" in head
        c.send_frame(b"\x80\x00\x00\x01hi")
        assert rep.recv() == b"hi"
        rep.send(b"yo")
        assert c.read_frame() == (True, 2, b"\x80\x00\x00\x01yo")
    finally:
        c.close()


# What Chromium 156 sends beside the upgrade headers (its request to a ws
# listener, seen on the wire): nothing in it is checked by NNG.
BROWSER_HEADERS = ("Origin: http://127.0.0.1:8000\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\r\n"
                   "Pragma: no-cache\r\nCache-Control: no-cache\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
                   "Accept-Language: en-US,en;q=0.9\r\n"
                   "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")


def upgrade_answer(port: int, **request: Any) -> Tuple[str, list]:
    """The status line and the Sec-WebSocket-Protocol/-Extensions lines of the answer."""
    c = WsClient(port)
    try:
        c.send_request(extra=BROWSER_HEADERS, **request)
        lines = c.head().split("\r\n")
    finally:
        c.close()
    return lines[0], [x for x in lines if x.lower().startswith(("sec-websocket-protocol", "sec-websocket-ext"))]


@pytest.mark.parametrize("request_change", [
    {}, {"proto": "REP.sp.nanomsg.org"}, {"proto": "Rep.Sp.Nanomsg.Org"},
    {"proto": "rep.sp.nanomsg.org, x.example"}, {"host": "localhost"},
], ids=["browser", "upper-case", "mixed-case", "two-offered", "localhost"])
def test_browser_upgrade_is_answered_as_nng_answers_it(rep_listener, pynng_peer, sockets, request_change):
    """Origin and the permessage-deflate offer are ignored (no extension is
    accepted); the subprotocol is echoed as the browser spelled it, since a
    browser refuses an answer that is not one of its offers, byte for byte."""
    rep, port = rep_listener
    theirs = sockets.track(pynng_peer.Rep0())
    their_port = free_tcp_port()
    theirs.listen("ws://127.0.0.1:%d/sp" % their_port)
    assert upgrade_answer(port, **request_change) == upgrade_answer(their_port, **request_change)
    good_round_trip(rep, port, pynng_peer, sockets)


@pytest.mark.parametrize("name,frame,code", [
    ("garbage-after-upgrade", b"\x00garbage after the upgrade", 1002),
    ("claims-2pow62", bytes([0x82, 0xFF]) + (1 << 62).to_bytes(8, "big") + b"\x01\x02\x03\x04", 1009),
    ("text-frame", None, 1003),
    ("unmasked", bytes([0x82, 0x02]) + b"hi", 1002),
])
def test_bad_frames_close_only_their_connection(rep_listener, pynng_peer, sockets, name, frame, code):
    rep, port = rep_listener
    c = WsClient(port)
    try:
        c.upgrade()
        if frame is None:
            c.send_frame(b"hello", opcode=1)
        else:
            c.send_raw(frame)
        assert c.read_close() == code
        assert c.closed_within(3.0)
    finally:
        c.close()
    good_round_trip(rep, port, pynng_peer, sockets)


def test_ping_is_answered_with_pong(rep_listener):
    rep, port = rep_listener
    c = WsClient(port)
    try:
        c.upgrade()
        c.send_frame(b"are you there", opcode=9)
        assert c.read_frame() == (True, 10, b"are you there")
    finally:
        c.close()


def test_slow_and_huge_heads_are_dropped_while_others_are_served(rep_listener, pynng_peer, sockets):
    rep, port = rep_listener
    slow, huge = WsClient(port), WsClient(port)
    try:
        slow.send_raw(b"GET /sp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        huge.send_raw(b"GET /sp HTTP/1.1\r\nX-Big: " + b"a" * (100 * 1024) + b"\r\n\r\n", tolerate_reset=True)
        good_round_trip(rep, port, pynng_peer, sockets)
        assert huge.closed_within(3.0, expect_no_answer=True)
        assert slow.closed_within(4.0, expect_no_answer=True)  # NNG's 2 s for a head
    finally:
        slow.close()
        huge.close()
    good_round_trip(rep, port, pynng_peer, sockets)
    st = rep.stats()
    assert (st.rejects, st.handshake_timeouts, st.pipes_added) == (1, 1, 2)  # huge, slow; the good peers
    ls = rep.listeners[0].stats()
    assert (ls.rejects, ls.handshake_timeouts) == (1, 1)


def test_fragments_are_at_most_txframe_max(rep_listener):
    rep, port = rep_listener
    for limit, want in ((None, 65536), (1000, 1000)):
        if limit:
            rep.listeners[0].set_opt_size("ws:txframe-max", limit)
        c = WsClient(port)
        try:
            c.upgrade()
            c.send_frame(b"\x80\x00\x00\x02q")
            rep.recv()
            rep.send(payload(200 * 1024, 4))
            frames = c.read_message()
            assert [op for op, _ in frames] == [2] + [0] * (len(frames) - 1)
            assert max(n for _, n in frames) == want and sum(n for _, n in frames) == 4 + 200 * 1024
        finally:
            c.close()


def test_rxframe_max_and_recv_max_size(sockets):
    rep = sockets(nk.Rep0, **OPTS)
    rep.recv_max_size = 1000
    lst = rep.listen("ws://127.0.0.1:0/sp")
    lst.set_opt_size("ws:rxframe-max", 500)
    port = int(lst.url.rsplit(":", 1)[1].split("/")[0])
    for frames, code in (([600], 1009), ([400, 400, 400], 1009), ([400, 400], None)):
        c = WsClient(port)
        try:
            c.upgrade()
            for i, n in enumerate(frames):
                c.send_frame(b"\x80\x00\x00\x03" + b"z" * (n - 4) if i == 0 else b"z" * n,
                             opcode=2 if i == 0 else 0, fin=i == len(frames) - 1)
            if code is None:
                assert len(rep.recv()) == sum(frames) - 4
            else:
                assert c.read_close() == code
        finally:
            c.close()


def test_listeners_share_a_port_by_path(sockets, pynng_peer):
    rep, pull, other = sockets(nk.Rep0, **OPTS), sockets(nk.Pull0, **OPTS), sockets(nk.Rep0, **OPTS)
    url_a = rep.listen("ws://127.0.0.1:0/a").url
    port = int(url_a.rsplit(":", 1)[1].split("/")[0])
    pull.listen("ws://127.0.0.1:%d/b" % port)
    with pytest.raises(nk.AddressInUse):
        other.listen("ws://127.0.0.1:%d/a" % port)
    req = sockets.track(pynng_peer.Req0(**OPTS))
    push = sockets.track(pynng_peer.Push0(**OPTS))
    req.dial("ws://127.0.0.1:%d/a" % port, block=True)
    push.dial("ws://127.0.0.1:%d/b" % port, block=True)
    req.send(b"to a")
    assert rep.recv() == b"to a"
    rep.send(b"from a")
    assert req.recv() == b"from a"
    rep.close()
    push.send(b"to b, a closed")
    assert pull.recv() == b"to b, a closed"


def test_refusals_count_on_the_listener_that_refused(sockets):
    """On a shared port a request for a path is refused (and counted) by that
    path's listener; one that no path routes (or no HTTP at all), by the
    port's first listener."""
    one, two = sockets(nk.Rep0, **OPTS), sockets(nk.Rep0, **OPTS)
    port = int(one.listen("ws://127.0.0.1:0/one").url.rsplit(":", 1)[1].split("/")[0])
    two.listen("ws://127.0.0.1:%d/two" % port)
    for change, status in (({"path": "/two", "proto": "pub.sp.nanomsg.org"}, 400),
                           ({"path": "/three"}, 404), ({"path": "/two", "version": "HTTP/1.0"}, 505)):
        is_refused(port, change, status)
    c = WsClient(port)
    try:
        c.send_raw(b"hello there\r\n\r\n")  # no path at all
        assert c.closed_within(3.0, expect_no_answer=True)
    finally:
        c.close()
    assert refusals(one) == (2, 2, 0)  # /three and the garbage
    assert refusals(two) == (2, 2, 0)  # the wrong subprotocol, HTTP/1.0


def test_ws_options_on_endpoints_and_pipes(sockets):
    rep, req = sockets(nk.Rep0, **OPTS), sockets(nk.Req0, **OPTS)
    lst = rep.listen("ws://127.0.0.1:0/sp")
    lst.set_opt_string("ws:response-headers", "X-Served-By: nngkit")
    d = req.dial(lst.url + "?x=1", block=True)
    assert lst.get_opt_string("ws:protocol") == "rep.sp.nanomsg.org"
    assert d.get_opt_string("ws:protocol") == "rep.sp.nanomsg.org"
    assert lst.get_opt_size("ws:rxframe-max") == 1 << 20 and d.get_opt_size("ws:txframe-max") == 65536
    req.send(b"q")
    m = rep.recv_msg()
    p = m.pipe
    assert p.get_opt("ws:request-uri") == "/sp?x=1"  # typed by name, as the other options
    assert p.get_opt_string("ws:protocol") == "rep.sp.nanomsg.org"
    assert "\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org" in "\r\n" + p.get_opt_string("ws:request-headers")
    rep.send(b"a")
    assert req.recv() == b"a"
    (dp,) = req.pipes
    res = dp.get_opt_string("ws:response-headers")
    assert "Sec-WebSocket-Accept: " in res and res.endswith("X-Served-By: nngkit")
    assert dp.get_opt_string("remote-address") == lst.url.split("/")[2]


def test_one_header_by_name_nngkit_to_nngkit(sockets):
    """ws:request-header:<Name> on a dialer not started yet, ws:response-header:<Name>
    on a listener; both read back by name (any case) on either side's pipe."""
    rep, req = sockets(nk.Rep0, **OPTS), sockets(nk.Req0, **OPTS)
    lst = rep.listen("ws://127.0.0.1:0/sp", start=False)
    lst.set_opt_string("ws:response-header:X-Served-By", "nngkit")
    lst.start()
    d = req.dial(lst.url, start=False, ws_request_headers="X-Trace: a")
    d.set_opt_string("ws:request-header:X-Id", "7")
    d.set_opt_string("ws:request-header:x-id", "8")  # the same header: replaced
    assert d.ws_request_headers == "X-Trace: a\r\nx-id: 8\r\n"
    assert d.get_opt("ws:request-header:X-ID") == "8"
    d.set_opt_string("ws:request-header:X-Long", "v" * 5000)  # longer than a first read's buffer
    assert d.get_opt("ws:request-header:x-long") == "v" * 5000
    assert d.ws_request_headers == "X-Trace: a\r\nx-id: 8\r\nX-Long: %s\r\n" % ("v" * 5000)
    d.start(block=True)
    req.send(b"q")
    p = rep.recv_msg().pipe
    assert p.get_opt("ws:request-header:X-Id") == "8" and p.get_opt("ws:request-header:x-trace") == "a"
    assert p.get_opt("ws:request-header:X-Long") == "v" * 5000
    assert p.get_opt("ws:request-header:Host") == lst.url.split("/")[2]
    with pytest.raises(nk.NoEntry):
        p.get_opt("ws:request-header:X-Absent")
    rep.send(b"a")
    assert req.recv() == b"a"
    (dp,) = req.pipes
    assert dp.get_opt("ws:response-header:x-served-by") == "nngkit"
    assert dp.get_opt("ws:response-header:Sec-WebSocket-Protocol") == "rep.sp.nanomsg.org"


def test_one_header_refusals(sockets):
    rep, req = sockets(nk.Rep0, **OPTS), sockets(nk.Req0, **OPTS)
    lst = rep.listen("ws://127.0.0.1:0/sp")
    d = req.dial(lst.url, start=False)
    with pytest.raises(nk.InvalidOperation):  # one line only: no forged head
        d.set_opt_string("ws:request-header:X-Id", "7\r\nX-Evil: 1")
    with pytest.raises(nk.InvalidOperation):
        d.set_opt_string("ws:request-header:Bad Name", "7")
    with pytest.raises(nk.NotSupported):  # the prefix alone names no header
        d.set_opt_string("ws:request-header:", "7")
    with pytest.raises(nk.NotSupported):  # each side its own head
        lst.set_opt_string("ws:request-header:X-Id", "7")
    with pytest.raises(nk.NotSupported):
        d.set_opt_string("ws:response-header:X-Id", "7")
    with pytest.raises(nk.NotSupported):  # a tcp dialer has no ws options
        req.dial("tcp://127.0.0.1:1", start=False).set_opt_string("ws:request-header:X-Id", "7")
    assert d.ws_request_headers == ""


def test_one_header_by_name_with_pynng(sockets, pynng_peer):
    """nngkit's custom request header as pynng's listener pipe reads it, and
    nngkit's custom response header as pynng's dialer pipe reads it.  (pynng
    0.9 crashes setting ws:response-header:<Name> on its started listener, so
    that direction is not tried.)"""
    from pynng import options as popts

    theirs = sockets.track(pynng_peer.Rep0(**OPTS))
    url = "ws://127.0.0.1:%d/sp" % free_tcp_port()
    theirs.listen(url)
    req = sockets(nk.Req0, **OPTS)
    d = req.dial(url, start=False)
    d.set_opt_string("ws:request-header:X-Id", "nngkit-7")
    d.start(block=True)
    req.send(b"q")
    assert popts._getopt_string(theirs.recv_msg().pipe, "ws:request-header:X-Id") == "nngkit-7"
    rep = sockets(nk.Rep0, **OPTS)
    lst = rep.listen("ws://127.0.0.1:0/sp", start=False)
    lst.set_opt_string("ws:response-header:X-Served-By", "nngkit")
    lst.start()
    preq = sockets.track(pynng_peer.Req0(**OPTS))
    preq.dial(lst.url, block=True)
    preq.send(b"q")
    rep.send(rep.recv())
    assert preq.recv() == b"q"
    assert popts._getopt_string(preq.pipes[0], "ws:response-header:X-Served-By") == "nngkit"


def test_ws_options_as_dial_and_listen_arguments(sockets):
    """The Dialer/Listener attributes given to dial()/listen() apply before the
    first connection: with frames of at most 1000 B a 5000 B message passes a
    listener that takes frames of 4096 B at most."""
    rep, req = sockets(nk.Rep0, **OPTS), sockets(nk.Req0, **OPTS)
    lst = rep.listen("ws://127.0.0.1:0/sp", ws_rxframe_max=4096, ws_response_headers="X-A: 1")
    d = req.dial(lst.url, start=False, ws_txframe_max=1000)
    assert req.pipes == () and d.ws_txframe_max == 1000 and lst.ws_rxframe_max == 4096
    assert lst.ws_protocol == "rep.sp.nanomsg.org" and d.ws_protocol == "rep.sp.nanomsg.org"
    d.start()
    req.send(payload(5000, 4))
    assert rep.recv() == payload(5000, 4)
    assert req.pipes[0].get_opt("ws:response-headers").endswith("\r\nX-A: 1")
    with pytest.raises(nk.NotSupported):  # read-only: the socket's protocol decides
        d.ws_protocol = "x"


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]"])
def test_a_ws_listener_tells_its_bound_port_as_nng_does(sockets, pynng_peer, host):
    """tcp-bound-port on a ws listener at port 0: NNG answers the port its server
    bound (pynng through its option helper), and so does nngkit's Listener.port."""
    import pynng.options

    with pynng_peer.Pair0() as theirs:
        their_listener = theirs.listen("ws://%s:0/p" % host)
        their_port = pynng.options._getopt_int(their_listener, "tcp-bound-port")
        assert str(their_listener.local_address).endswith(":%d" % their_port)
        ours = sockets(nk.Pair0, **OPTS)
        listener = ours.listen("ws://%s:0/p" % host)
        assert 0 < listener.port < 65536
        assert listener.url == "ws://%s:%d/p" % (host, listener.port)
        assert str(listener.local_address).endswith(":%d" % listener.port)
        theirs.dial(listener.url, block=True)  # the port it tells is the one that answers
        theirs.send(b"to the port told")
        assert ours.recv() == b"to the port told"
