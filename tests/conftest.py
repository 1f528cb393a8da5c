"""Shared fixtures for the nngkit test suite.

- ``addr(scheme)``: a fresh address for inproc / ipc / tcp / tcp6 (tcp ones
  bind port 0; read the bound url from the listener's ``.url``).
- ``sockets(cls, **kw)``: opens a socket and closes it after the test.
- ``leak_check``: after the test has closed everything, nngkit's live object
  counts must all return to zero.
- ``serve(cls, scheme, **options)``: an impl socket listening for raw peers.
- ``transport`` / ``mode``: parametrisation over schemes and sync/asyncio/trio
  (a coroutine test whose mode is "trio" runs under `trio.run`).
- ``require_peer(binary)``: skip (or fail under NNGKIT_REQUIRE_PEERS=1);
  ``pynng_peer`` does the same for the pynng package.
- ``procs(argv)``: child processes that are always stopped (by their own
  handle) after the test.
- a per-test hard timeout through faulthandler (marker ``timeout(seconds)``).
- nngkit.testing's fixtures (sp_peer, sp_url, ...): installing nngkit registers
  the plugin; an install whose metadata predates it gets it from here.
"""
from __future__ import annotations

import faulthandler
import functools
import inspect
import os
import sys
from typing import Any, Callable, List, Tuple

import pytest

from tests.helpers import addrs, peers
from tests.helpers.impl import IMPL_NAME, IS_NNGKIT, live_counts
from tests.helpers.modes import MODES
from tests.helpers.sync import listen, wait_for

DEFAULT_TIMEOUT = float(os.environ.get("NNGKIT_TEST_TIMEOUT", "30"))


def _plugin_registered() -> bool:
    from importlib.metadata import entry_points

    return any(ep.value == "nngkit.testing.plugin" for ep in entry_points(group="pytest11"))


pytest_plugins = [] if _plugin_registered() else ["nngkit.testing.plugin"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "timeout(seconds): hard per-test timeout (faulthandler, exits)")
    config.addinivalue_line("markers", "nngkit_only: nngkit extension or deliberate difference from NNG")


def pytest_report_header(config: pytest.Config) -> str:
    return f"nngkit tests: implementation under test = {IMPL_NAME}"


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    if IS_NNGKIT:
        return
    skip = pytest.mark.skip(reason=f"nngkit-only behaviour (impl is {IMPL_NAME})")
    for item in items:
        if item.get_closest_marker("nngkit_only"):
            item.add_marker(skip)


# On Python 3.9, pytest-asyncio 1.2 (the last release for 3.9) asks
# asyncio.get_event_loop() for the loop to restore around each async test,
# and that call makes a loop that nobody closes; the garbage collector then
# reports it (ResourceWarning, an error here) in whatever test is running.
# One loop made here, and closed at the end, is the one it finds instead.
_py39_main_loop: Any = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _py39_main_loop
    if sys.version_info < (3, 10):
        import asyncio

        _py39_main_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_py39_main_loop)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    addrs.cleanup_ipc_dir()
    if _py39_main_loop is not None:
        _py39_main_loop.close()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Any:
    """Run a coroutine test in "trio" mode under trio instead of asyncio.

    pytest-asyncio has already wrapped the coroutine function for its own
    runner; the original is the wrapper's ``__wrapped__``.
    """
    callspec = getattr(pyfuncitem, "callspec", None)
    if callspec is None or callspec.params.get("mode") != "trio":
        return None
    func = inspect.unwrap(pyfuncitem.obj)
    if not inspect.iscoroutinefunction(func):
        return None
    import trio

    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    trio.run(functools.partial(func, **args))
    return True


def _dump_fd(config: pytest.Config) -> Any:
    try:
        from _pytest.faulthandler import fault_handler_stderr_fd_key

        return config.stash[fault_handler_stderr_fd_key]
    except (ImportError, KeyError):
        return sys.__stderr__


@pytest.fixture(autouse=True)
def _hard_timeout(request: pytest.FixtureRequest):
    """Dump all stacks and exit if one test (setup to teardown) hangs."""
    marker = request.node.get_closest_marker("timeout")
    seconds = float(marker.args[0]) if marker else DEFAULT_TIMEOUT
    faulthandler.dump_traceback_later(seconds, exit=True, file=_dump_fd(request.config))
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def addr() -> Callable[[str], str]:
    def make(scheme: str) -> str:
        if scheme == "tcp6" and not addrs.has_ipv6_loopback():
            pytest.skip("no IPv6 loopback on this host")
        return addrs.make_addr(scheme)

    return make


@pytest.fixture(params=addrs.SCHEMES)
def transport(request: pytest.FixtureRequest, addr: Callable[[str], str]) -> str:
    """A scheme name; tests call addr(transport) for each address they need."""
    addr(request.param)  # skips tcp6 early where unsupported
    return request.param


@pytest.fixture(params=sorted(MODES))
def mode(request: pytest.FixtureRequest) -> Any:
    return MODES[request.param]


class SocketFactory:
    """Opens sockets (and tracks contexts etc.) and closes them all at the end."""

    def __init__(self) -> None:
        self._objs: List[Any] = []

    def __call__(self, cls: Any, **kw: Any) -> Any:
        return self.track(cls(**kw))

    def track(self, obj: Any) -> Any:
        self._objs.append(obj)
        return obj

    def close_all(self) -> None:
        while self._objs:
            obj = self._objs.pop()
            try:
                obj.close()
            except Exception:  # noqa: BLE001 - already closed is fine here
                pass


@pytest.fixture
def sockets():
    factory = SocketFactory()
    yield factory
    factory.close_all()


def _all_zero(counts: Any) -> bool:
    return all(v == 0 for v in counts.values())


@pytest.fixture
def leak_check(sockets: SocketFactory):
    """After the test (and after closing its sockets), every live count is zero."""
    before = live_counts()
    yield
    sockets.close_all()
    if before is None:
        return
    last = {}

    def settled() -> bool:
        last.update(live_counts() or {})
        return _all_zero(last)

    try:
        wait_for(settled, timeout=3.0, interval=0.01, what="live counts to return to zero")
    except AssertionError:
        note = "" if _all_zero(before) else f" (already non-zero when the test started: {before})"
        pytest.fail(f"leak: live counts after close = {last}{note}", pytrace=False)


@pytest.fixture
def serve(sockets: SocketFactory, addr: Callable[[str], str]) -> Callable[..., Tuple[Any, str]]:
    """serve(cls, scheme, **options) -> (socket, bound url), for raw-socket peers.

    Options are set as properties before listening; recv/send timeouts default
    to 5 s so that a wrong expectation fails instead of hanging.
    """
    def make(cls: Any, scheme: str, **options: Any) -> Tuple[Any, str]:
        s = sockets(cls)
        options.setdefault("recv_timeout", 5000)
        options.setdefault("send_timeout", 5000)
        for name, value in options.items():
            setattr(s, name, value)
        return s, listen(s, addr(scheme))

    return make


@pytest.fixture
def procs():
    """procs(argv, **popen_kw) -> peers.Proc; every one is stopped after the test."""
    started: List[peers.Proc] = []

    def start(argv: Any, **kw: Any) -> peers.Proc:
        p = peers.Proc(argv, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def require_peer() -> Callable[[str], str]:
    return peers.require_peer


@pytest.fixture
def pynng_peer() -> Any:
    """The pynng module as an interop peer (skip/fail when absent)."""
    return peers.require_pynng()
