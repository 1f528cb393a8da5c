"""Ctrl-C interrupts a blocking recv; the interpreter exits with sockets and operations pending."""
from __future__ import annotations

import signal
import threading
import time

import pytest

from tests.helpers.impl import IMPL_NAME, nk
from tests.helpers.peers import child_env, python_argv
from tests.helpers.sync import wait_thread_in_call


@pytest.mark.nngkit_only  # pynng cannot interrupt a blocked recv
@pytest.mark.parametrize("target", ["socket", "context"])
def test_blocking_recv_interrupted_by_sigint(sockets, addr, target):
    main = threading.main_thread()
    assert threading.current_thread() is main
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    rep = sockets(nk.Rep0, recv_timeout=10000)
    rep.listen(addr("inproc"))
    obj = sockets.track(rep.new_context()) if target == "context" else rep
    fired = []

    def fire() -> None:
        wait_thread_in_call(main.ident, ("recv",))
        fired.append(time.monotonic())
        signal.pthread_kill(main.ident, signal.SIGINT)

    timer = threading.Thread(target=fire, daemon=True)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            obj.recv()
        done = time.monotonic()
    finally:
        timer.join(5)
        signal.signal(signal.SIGINT, previous)
    assert fired, "the signal was never sent"
    assert done - fired[0] < 1.0, f"KeyboardInterrupt came {done - fired[0]:.2f}s after SIGINT"
    # the socket is still usable afterwards
    rep.recv_timeout = 50
    with pytest.raises(nk.Timeout):
        rep.recv()


EXIT_CHILD = r"""
import asyncio, importlib, sys, threading, time
mod = importlib.import_module(sys.argv[1])
variant = sys.argv[2]
url = "tcp://127.0.0.1:0"

def in_call(t, name):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        f = sys._current_frames().get(t.ident)
        while f is not None:
            if f.f_code.co_name == name:
                return
            f = f.f_back
        time.sleep(0.005)
    raise SystemExit("thread never blocked in " + name)

rep = mod.Rep0()
bound = rep.listen(url).url
req = mod.Req0()
req.dial(bound, block=True)
a = mod.Pair0()
b = mod.Pair0()
b.dial(a.listen(url).url, block=True)

if variant == "threads":
    req.send(b"never answered")
    assert rep.recv() == b"never answered"
    for fn in (req.recv, a.recv, mod.Rep0().recv, mod.Pair0().send):
        t = threading.Thread(target=fn, args=(b"x",) if fn.__name__ == "send" else (), daemon=True)
        t.start()
        in_call(t, fn.__name__)
elif variant == "asyncio-run":
    async def main():
        tasks = [asyncio.ensure_future(a.arecv()), asyncio.ensure_future(b.arecv()),
                 asyncio.ensure_future(mod.Pair0().asend(b"x"))]
        for _ in range(5):
            await asyncio.sleep(0)
        assert not any(t.done() for t in tasks)
    asyncio.run(main())   # pending tasks are cancelled at shutdown
elif variant == "loop-abandoned":
    loop = asyncio.new_event_loop()
    tasks = [loop.create_task(a.arecv()), loop.create_task(rep.arecv())]
    loop.run_until_complete(asyncio.sleep(0))
    assert not any(t.done() for t in tasks)
    # exit with the loop still open and the operations pending
print("DONE", flush=True)
"""


@pytest.mark.timeout(90)
@pytest.mark.parametrize("variant", [
    "threads", "asyncio-run",
    # libnng via pynng panics here (nni_aio_fini: pthread_mutex_lock) at interpreter exit
    pytest.param("loop-abandoned", marks=pytest.mark.nngkit_only),
])
def test_interpreter_exit_with_pending_operations_does_not_hang(procs, variant):
    child = procs(python_argv(EXIT_CHILD, IMPL_NAME, variant), env=child_env())
    rc, out, err = child.finish(timeout=30.0)
    assert b"DONE" in out, err.decode(errors="replace")
    assert rc == 0, err.decode(errors="replace")
    for bad in (b"Fatal Python error", b"Segmentation fault", b"Aborted"):
        assert bad not in err, err.decode(errors="replace")
