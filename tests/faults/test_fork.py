"""fork(): a child gets a fresh core of its own (multiprocessing's default
start method on Linux); the parent's sockets keep working in the parent."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest

import nngkit


def _child(url: str, parent_sock_id: int, q: Any) -> None:
    try:
        with nngkit.Req0(dial=url, recv_timeout=5000) as req:
            req.send(b"from child")
            q.put(req.recv())
        from nngkit._ffi import lib
        # the parent's socket id, seen from here, names nothing
        q.put(lib.nk_socket_close(parent_sock_id) == lib.NK_ECLOSED)
    except BaseException as exc:  # report instead of hanging the parent
        q.put(repr(exc))


# Python 3.12+ warns that fork() with threads running may deadlock; the
# core's atfork handlers are what make it safe here.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_forked_child_uses_its_own_core() -> None:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    with nngkit.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=10000) as rep:
        proc = ctx.Process(target=_child, args=(rep.listeners[0].url, rep.id, q))
        proc.start()
        try:
            assert rep.recv() == b"from child"
            rep.send(b"from parent")
            assert q.get(timeout=10) == b"from parent"
            assert q.get(timeout=10) is True  # the parent's id means nothing there
        finally:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        assert proc.exitcode == 0
        # and the parent's socket still serves
        with nngkit.Req0(dial=rep.listeners[0].url, recv_timeout=5000) as req:
            req.send(b"again")
            assert rep.recv() == b"again"


def _inproc_child(url: str, q: Any) -> None:
    try:
        # the parent's inproc listener is not here: dialing it finds no one ...
        with nngkit.Pair0() as pair:
            try:
                pair.dial(url, block=True)
                q.put("dialed the parent's listener")
            except nngkit.ConnectionRefused:
                q.put("refused")
        # ... and its name is free for a listener of the child's own
        with nngkit.Pair0(listen=url) as a, nngkit.Pair0(dial=url, recv_timeout=5000) as b:
            b.send(b"child")
            q.put(a.recv())
    except BaseException as exc:  # report instead of hanging the parent
        q.put(repr(exc))


# The inproc transport's fork hook (registered with the core) is what empties
# the child's listener registry.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_forked_child_has_no_inproc_listeners_of_the_parent() -> None:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    url = "inproc://fork-parent-only"
    with nngkit.Pair0(listen=url) as parent:
        proc = ctx.Process(target=_inproc_child, args=(url, q))
        proc.start()
        try:
            assert q.get(timeout=10) == "refused"
            assert q.get(timeout=10) == b"child"
        finally:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        assert proc.exitcode == 0
        # the parent's listener still serves
        with nngkit.Pair0(dial=url, recv_timeout=5000) as peer:
            peer.send(b"parent")
            parent.recv_timeout = 5000
            assert parent.recv() == b"parent"
