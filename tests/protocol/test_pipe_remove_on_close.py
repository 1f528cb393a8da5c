"""Remove callbacks when the socket itself closes: each admitted pipe's
post-remove callback runs exactly once, whether the peer went first, the
socket closed first, or both closed at once; and close() returns only once
they have run (as NNG's nng_close does)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, List

import pytest

from tests.helpers.impl import IS_NNGKIT, nk

SCHEMES = ("inproc", "ipc", "tcp")
ROUNDS = 10


class Watch:
    """Records the post-connect and post-remove callbacks of one socket."""

    def __init__(self, sock: Any) -> None:
        self.added: List[int] = []
        self.removed: List[int] = []
        self.threads: List[str] = []
        self._admitted = threading.Semaphore(0)
        sock.add_post_pipe_connect_cb(self._on_add)
        sock.add_post_pipe_remove_cb(self._on_remove)

    def _on_add(self, pipe: Any) -> None:
        self.added.append(pipe.id)
        self._admitted.release()

    def _on_remove(self, pipe: Any) -> None:
        self.removed.append(pipe.id)
        self.threads.append(threading.current_thread().name)

    def wait_admitted(self, n: int) -> None:
        for _ in range(n):
            assert self._admitted.acquire(timeout=5), f"only {len(self.added)} of {n} pipes admitted"

    def assert_each_removed_once(self) -> None:
        assert len(self.added) == len(set(self.added))
        assert sorted(self.removed) == sorted(self.added), (self.added, self.removed)
        if IS_NNGKIT:  # nngkit runs callbacks in its per-socket Python thread
            assert all(t.startswith("nngkit-pipe-events-") for t in self.threads), self.threads


def _open(cls: Any, sockets: Any, **kw: Any) -> Any:
    return sockets(cls, recv_timeout=5000, send_timeout=5000, **kw)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_listener_closing_itself_removes_every_pipe_once(
        scheme: str, addr: Callable[[str], str], sockets: Any, leak_check: None) -> None:
    for _ in range(ROUNDS):
        server = _open(nk.Bus0, sockets)
        watch = Watch(server)
        url = server.listen(addr(scheme)).url
        peers = [_open(nk.Bus0, sockets) for _ in range(3)]
        for peer in peers:
            peer.dial(url, block=True)
        watch.wait_admitted(3)
        server.close()
        watch.assert_each_removed_once()  # already on return from close
        for peer in peers:
            peer.close()
        watch.assert_each_removed_once()  # and nothing more afterwards


@pytest.mark.parametrize("scheme", SCHEMES)
def test_dialer_closing_itself_removes_its_pipe_once(
        scheme: str, addr: Callable[[str], str], sockets: Any, leak_check: None) -> None:
    server = _open(nk.Pair0, sockets)
    url = server.listen(addr(scheme)).url
    for _ in range(ROUNDS):
        client = _open(nk.Pair0, sockets)
        watch = Watch(client)
        client.dial(url, block=True)
        watch.wait_admitted(1)
        client.close()
        assert len(watch.removed) == 1
        watch.assert_each_removed_once()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_peer_closing_just_before_the_socket_removes_the_pipe_once(
        scheme: str, addr: Callable[[str], str], sockets: Any, leak_check: None) -> None:
    """The peer's close and the socket's own close race for the same pipe."""
    for _ in range(2 * ROUNDS):
        server = _open(nk.Pair0, sockets)
        watch = Watch(server)
        client = _open(nk.Pair0, sockets)
        client.dial(server.listen(addr(scheme)).url, block=True)
        watch.wait_admitted(1)
        client.close()
        server.close()
        assert len(watch.removed) == 1
        watch.assert_each_removed_once()


@pytest.mark.nngkit_only  # NNG deadlocks when a pipe callback closes its own socket
@pytest.mark.parametrize("scheme", SCHEMES)
def test_socket_closed_from_its_own_callback_removes_the_pipe_once(
        scheme: str, addr: Callable[[str], str], sockets: Any, leak_check: None) -> None:
    server = _open(nk.Pair0, sockets)
    watch = Watch(server)
    removed = threading.Event()
    server.add_post_pipe_connect_cb(lambda pipe: server.close())
    server.add_post_pipe_remove_cb(lambda pipe: removed.set())
    client = _open(nk.Pair0, sockets)
    client.dial(server.listen(addr(scheme)).url, block=True)
    assert removed.wait(5), "the remove callback did not run"
    assert len(watch.removed) == 1
    watch.assert_each_removed_once()


@pytest.mark.nngkit_only  # the bound on close's wait is nngkit's (NNG waits forever)
def test_close_waits_for_a_stuck_remove_callback_only_so_long(
        addr: Callable[[str], str], sockets: Any, leak_check: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nngkit import _pipes

    monkeypatch.setattr(_pipes, "CLOSE_WAIT_S", 0.2)
    release, done = threading.Event(), threading.Event()
    server = _open(nk.Pair0, sockets)
    watch = Watch(server)
    server.add_post_pipe_remove_cb(lambda pipe: (release.wait(10), done.set()))
    client = _open(nk.Pair0, sockets)
    client.dial(server.listen(addr("inproc")).url, block=True)
    watch.wait_admitted(1)
    closer = threading.Thread(target=server.close)
    closer.start()
    closer.join(5)  # returns after the 0.2 s bound, not when the callback ends
    assert not closer.is_alive() and not done.is_set()
    release.set()
    assert done.wait(5)
    watch.assert_each_removed_once()  # and leak_check: the late thread freed it


@pytest.mark.nngkit_only  # pipe_events() is nngkit's
def test_event_stream_never_read_after_close_leaks_nothing(
        addr: Callable[[str], str], sockets: Any, leak_check: None) -> None:
    server = _open(nk.Bus0, sockets)
    server.pipe_events()  # recording starts; nothing ever reads
    url = server.listen(addr("ipc")).url
    for _ in range(3):
        _open(nk.Bus0, sockets).dial(url, block=True)
    server.close()  # remove events queued by the close are dropped with the socket


@pytest.mark.nngkit_only  # pipe_events() is nngkit's
async def test_event_stream_being_read_ends_at_close(
        addr: Callable[[str], str], sockets: Any, leak_check: None) -> None:
    server = _open(nk.Bus0, sockets)
    events = server.pipe_events()
    _open(nk.Bus0, sockets).dial(server.listen(addr("inproc")).url, block=True)
    ev, _ = await asyncio.wait_for(events.__anext__(), 5)
    assert ev == nk.PIPE_EV_ADD_POST
    waiting = asyncio.ensure_future(events.__anext__())
    asyncio.get_running_loop().call_soon(server.close)  # runs after the task's first step
    with pytest.raises(StopAsyncIteration):  # not the remove event of the close
        await asyncio.wait_for(waiting, 5)
