"""Pipe events: pynng's callbacks (run in a Python thread, never a core
thread) and the async event stream; pipes, addresses, endpoints."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, List, Tuple

import nngkit
from tests.helpers.impl import nk
from tests.helpers.sync import marry


def _wait(event: threading.Event) -> None:
    assert event.wait(5), "pipe event did not arrive within 5 s"


def test_callbacks_fire_once_each_in_order_and_pre_connect_can_refuse() -> None:
    seen: List[Tuple[str, int]] = []
    removed = threading.Event()
    with nngkit.Rep0(listen="tcp://127.0.0.1:0") as rep:
        refused: List[int] = []

        def pre(pipe: nngkit.Pipe) -> None:
            seen.append(("pre", pipe.id))
            if not refused:  # refuse the first peer; it redials
                refused.append(pipe.id)
                pipe.close()

        rep.add_pre_pipe_connect_cb(pre)
        rep.add_post_pipe_connect_cb(lambda p: seen.append(("post", p.id)))
        rep.add_post_pipe_remove_cb(lambda p: (seen.append(("rem", p.id)), removed.set()))
        with nngkit.Req0(dial=rep.listeners[0].url, reconnect_time_min=20, recv_timeout=5000) as req:
            req.send(b"ping")
            msg = rep.recv_msg()
            assert msg.bytes == b"ping"
            assert msg.pipe in rep.pipes and len(rep.pipes) == 1
            assert msg.pipe.listener is rep.listeners[0]
            assert msg.pipe.remote_address.startswith("127.0.0.1:")
            rep.send(b"pong")
            assert req.recv() == b"pong"
        _wait(removed)
        admitted = msg.pipe.id
    assert seen[0] == ("pre", refused[0])
    assert ("post", refused[0]) not in seen and ("rem", refused[0]) not in seen
    assert seen[-3:] == [("pre", admitted), ("post", admitted), ("rem", admitted)]


async def test_async_pipe_event_stream() -> None:
    with nngkit.Pair0(listen="inproc://pipe-events") as server:
        events = server.pipe_events()
        client = nngkit.Pair0(dial="inproc://pipe-events")
        ev, pipe = await asyncio.wait_for(events.__anext__(), 5)
        assert ev == nngkit.PIPE_EV_ADD_POST and pipe in server.pipes
        client.close()
        ev2, pipe2 = await asyncio.wait_for(events.__anext__(), 5)
        assert (ev2, pipe2) == (nngkit.PIPE_EV_REM_POST, pipe)
        assert server.pipes == ()


def test_a_closed_socket_has_no_pipes_dialers_or_listeners(
        sockets: Any, addr: Callable[[str], str]) -> None:
    server = sockets(nk.Pair0, recv_timeout=5000)
    client = sockets(nk.Pair0, recv_timeout=5000)
    marry(server, client, addr("inproc"))
    assert len(server.pipes) == 1 and len(client.pipes) == 1
    server.close()
    client.close()
    for sock in (server, client):  # as pynng: empty, not an error
        assert sock.pipes == ()
        assert tuple(sock.dialers) == () and tuple(sock.listeners) == ()
