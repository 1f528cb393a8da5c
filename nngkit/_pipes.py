"""Pipe events: pynng's pipe callbacks, and an async stream of events.

The core queues an event for each pipe admitted (post-connect) and removed
(post-remove); with a pre-connect callback registered it also holds every
new pipe until the application has looked at it.  Callbacks run in one
Python thread per socket (never on a core thread), in order, exactly once
per pipe and event, also for the pipes that closing the socket removes
(close waits for those, as NNG's does); a pre-connect callback may refuse
a peer with ``pipe.close()``.  Without callbacks, ``async for event, pipe in
sock.pipe_events()`` reads the same events in an event loop.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

from ._backend import events
from ._errors import Closed, NNGException
from ._message import Pipe

if TYPE_CHECKING:
    from ._socket import Socket

logger = logging.getLogger(__name__)

PipeCallback = Callable[[Pipe], Any]

# How long close() waits for the callbacks of the pipes it removed, so that
# a callback stuck forever cannot hang it (NNG would wait without limit).
CLOSE_WAIT_S = 10.0

ADD_PRE = events.ADD_PRE
ADD_POST = events.ADD_POST
REM_POST = events.REM_POST


class PipeEvents:
    """The pipe-callback surface of `Socket` (mixed in)."""

    _callbacks: Optional[Dict[int, List[PipeCallback]]]
    _pipe_thread: Optional[threading.Thread]

    # pynng's names ---------------------------------------------------------

    def add_pre_pipe_connect_cb(self, callback: PipeCallback) -> None:
        """Call ``callback(pipe)`` before a new peer is admitted; it may close it."""
        self._add_cb(ADD_PRE, callback)

    def add_post_pipe_connect_cb(self, callback: PipeCallback) -> None:
        """Call ``callback(pipe)`` after a new peer has been admitted."""
        self._add_cb(ADD_POST, callback)

    def add_post_pipe_remove_cb(self, callback: PipeCallback) -> None:
        """Call ``callback(pipe)`` after a peer has gone."""
        self._add_cb(REM_POST, callback)

    def remove_pre_pipe_connect_cb(self, callback: PipeCallback) -> None:
        """Stop calling ``callback`` before new peers are admitted."""
        self._remove_cb(ADD_PRE, callback)

    def remove_post_pipe_connect_cb(self, callback: PipeCallback) -> None:
        """Stop calling ``callback`` after new peers are admitted."""
        self._remove_cb(ADD_POST, callback)

    def remove_post_pipe_remove_cb(self, callback: PipeCallback) -> None:
        """Stop calling ``callback`` after peers go."""
        self._remove_cb(REM_POST, callback)

    @property
    def pipes(self) -> Tuple[Pipe, ...]:
        """The connections this socket has now (none once it is closed)."""
        sock = self._as_socket()
        try:
            ids = events.pipe_ids(sock.id)
        except Closed:
            return ()  # as pynng, and as .dialers and .listeners
        return tuple(p for p in (sock._pipe_for(pid) for pid in ids) if p)

    def pipe_events(self) -> AsyncIterator[Tuple[int, Pipe]]:
        """An async iterator of ``(event, pipe)`` until the socket closes.

        Events are `PIPE_EV_ADD_POST` and `PIPE_EV_REM_POST`; recording
        starts with this call.  Do not combine with callbacks: both read
        the same events.
        """
        self._enable(hold=False)
        return self._pipe_event_stream()

    async def _pipe_event_stream(self) -> AsyncIterator[Tuple[int, Pipe]]:
        sock = self._as_socket()
        while True:
            try:
                ev, pid = await events.anext_event(sock.id)
            except Closed:
                return
            if sock.closed:
                return  # the stream ends at close, before the close's own events
            pipe = sock._pipe_for(pid)
            if pipe is not None:
                yield ev, pipe

    # machinery ------------------------------------------------------------

    def _as_socket(self) -> "Socket":
        return self  # type: ignore[return-value]

    def _add_cb(self, ev: int, callback: PipeCallback) -> None:
        if self._callbacks is None:
            self._callbacks = {ADD_PRE: [], ADD_POST: [], REM_POST: []}
        self._callbacks[ev].append(callback)
        self._enable(hold=bool(self._callbacks[ADD_PRE]))
        if self._pipe_thread is None:
            self._pipe_thread = threading.Thread(
                target=self._run_callbacks, name="nngkit-pipe-events-%d" % self._as_socket().id,
                daemon=True)
            self._pipe_thread.start()

    def _remove_cb(self, ev: int, callback: PipeCallback) -> None:
        if self._callbacks is not None and callback in self._callbacks[ev]:
            self._callbacks[ev].remove(callback)
            self._enable(hold=bool(self._callbacks[ADD_PRE]))

    def _enable(self, hold: bool) -> None:
        events.notify(self._as_socket().id, hold)

    def _end_pipe_events(self) -> None:
        """After the core closed the socket: let the callback thread run the
        remove callbacks of the pipes the close removed, then drop whatever
        no one will read (the event stream ends at close)."""
        thread = self._pipe_thread
        if thread is threading.current_thread():
            return  # closed from a callback: the thread drains after it returns
        if thread is not None:
            thread.join(CLOSE_WAIT_S)
            if thread.is_alive():
                logger.warning("pipe callbacks of socket %d still running after %.0f s; "
                               "close returns without them", self._as_socket().id, CLOSE_WAIT_S)
                return  # the thread frees the socket when it has drained
        events.drop(self._as_socket().id)

    def _run_callbacks(self) -> None:
        sock = self._as_socket()
        while True:
            try:
                ev, pid = events.next_event(sock.id)
            except Closed:
                return
            except BaseException:  # interpreter shutdown
                return
            pipe = sock._pipe_for(pid) or Pipe(pid, sock)
            for cb in list((self._callbacks or {}).get(ev, ())):
                try:
                    cb(pipe)
                except Exception:
                    logger.exception("pipe callback %r failed", cb)
            if ev == ADD_PRE:
                try:
                    events.accept(pid)  # closed meanwhile: a callback refused it
                except NNGException as e:
                    logger.error("admitting pipe %d: %s", pid, e)
