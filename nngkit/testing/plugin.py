"""The pytest plugin (entry point ``pytest11: nngkit``): fixtures, options and a marker, nothing else.

A project that uses none of them sees no change: this module imports only
pytest and the standard library; peers, tracers and certificates are
imported when a fixture is first used.  See docs/testing.md.
"""
from __future__ import annotations

import os
import shutil
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

_STATE = pytest.StashKey[Dict[str, Any]]()  # per test: its peer and trace factories
_SESSION = pytest.StashKey[Dict[str, Any]]()  # per session: where the C peer is built
REQUIRE_ENV = "NNGKIT_REQUIRE_PEERS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nngkit", "SP interop tests (nngkit.testing)")
    group.addoption("--sp-peers", action="append", default=[], metavar="IMPL[,IMPL]",
                    help="run only these peers of @sp_interop matrices (nngcat, pynng, libnng, nngkit)")
    group.addoption("--sp-transports", action="append", default=[], metavar="T[,T]",
                    help="run only these transports of @sp_interop matrices (tcp, ipc, inproc, ...)")
    group.addoption("--sp-require-peers", action="store_true", default=None,
                    help="a missing peer fails the test instead of skipping it (also %s=1)" % REQUIRE_ENV)
    parser.addini("sp_peers", "default for --sp-peers", type="args", default=[])
    parser.addini("sp_transports", "default for --sp-transports", type="args", default=[])
    parser.addini("sp_require_peers", "default for --sp-require-peers", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sp_interop(peers=[...], transports=[...]): run the test for each peer "
                            "implementation x transport (fixtures sp_impl, sp_transport; nngkit.testing)")


def peers_required(config: pytest.Config) -> bool:
    if config.getoption("sp_require_peers"):
        return True
    return os.environ.get(REQUIRE_ENV, "") == "1" or bool(config.getini("sp_require_peers"))


def _missing_handler(config: pytest.Config) -> Callable[[Exception], None]:
    def missing(e: Exception) -> None:
        if peers_required(config):
            pytest.fail("%s [peers are required: --sp-require-peers or %s=1]" % (e, REQUIRE_ENV), pytrace=False)
        pytest.skip(str(e))

    return missing


# --- the matrix -------------------------------------------------------------

def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("sp_interop")
    if marker is None:
        return
    from .matrix import from_marker

    names = [n for n in ("sp_impl", "sp_transport") if n in metafunc.fixturenames]
    if not names:
        raise pytest.UsageError("%s: @sp_interop needs the test to use sp_impl, sp_transport, sp_peer or sp_url"
                                % metafunc.definition.nodeid)
    cells = from_marker(marker.args, marker.kwargs)
    pick = [("sp_impl", "sp_transport").index(n) for n in names]
    values: List[Tuple[str, ...]] = []
    for cell in cells:
        v = tuple(cell[i] for i in pick)
        if v not in values:
            values.append(v)
    # names as one string: a list of one name would take each value (a str) as a sequence of values
    metafunc.parametrize(",".join(names), values if len(names) > 1 else [v[0] for v in values], indirect=True,
                         ids=["-".join(v) for v in values])


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    from_opts = {k: config.getoption(k) or config.getini(k) for k in ("sp_peers", "sp_transports")}
    if not any(from_opts.values()):
        return
    from .matrix import split_option

    allowed = {"sp_impl": set(split_option(from_opts["sp_peers"])),
               "sp_transport": set(split_option(from_opts["sp_transports"]))}
    keep: List[pytest.Item] = []
    drop: List[pytest.Item] = []
    for item in items:
        params = getattr(item, "callspec", None)
        params = params.params if params is not None else {}
        out = any(allowed[k] and k in params and params[k] not in allowed[k] for k in allowed)
        (drop if out else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# --- fixtures ---------------------------------------------------------------

@pytest.fixture
def sp_impl(request: pytest.FixtureRequest) -> Optional[str]:
    """The peer implementation of this @sp_interop cell (None outside a matrix); skips if it is missing."""
    impl = getattr(request, "param", None)
    if impl is not None:
        from .impls import PeerMissing, locate

        try:
            locate(impl, _session(request.config, request)["cache"])
        except PeerMissing as e:
            _missing_handler(request.config)(e)
    return impl


@pytest.fixture
def sp_transport(request: pytest.FixtureRequest) -> Optional[str]:
    """The transport of this @sp_interop cell (None outside a matrix)."""
    name = getattr(request, "param", None)
    if name == "tcp6":
        from .urls import has_ipv6_loopback

        if not has_ipv6_loopback():
            pytest.skip("tcp6: this host has no IPv6 loopback")
    if name in ("tls+tcp", "wss"):
        from .urls import TransportUnavailable, transport

        try:
            transport(name)
        except TransportUnavailable as e:  # nngkit built without its TLS engine: as a missing peer
            _missing_handler(request.config)(e)
    return name


def _session(config: pytest.Config, request: pytest.FixtureRequest) -> Dict[str, Any]:
    """Per-session state: where the C peer is built (shared by xdist workers)."""
    if _SESSION not in config.stash:
        base = request.getfixturevalue("tmp_path_factory").getbasetemp()
        root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        config.stash[_SESSION] = {"cache": str(root / "nngkit-sp-cache")}
    return config.stash[_SESSION]


def _item_state(request: pytest.FixtureRequest) -> Dict[str, Any]:
    stash: pytest.Stash = request.node.stash
    return stash.setdefault(_STATE, {})


@pytest.fixture
def sp_url(sp_transport: Optional[str], tmp_path: Any) -> Any:
    """sp_url(transport=None) -> a fresh loopback address (default: this @sp_interop cell's transport)."""
    from .urls import make_url, short_dir

    ipc: Dict[str, Any] = {}

    def make(transport: Optional[str] = None) -> str:
        name = transport or sp_transport
        if name is None:
            raise TypeError("sp_url() needs a transport outside an @sp_interop matrix: sp_url('tcp')")
        if name == "ipc" and not ipc:
            ipc["dir"], ipc["temporary"] = short_dir(str(tmp_path))
        return make_url(name, ipc.get("dir", ""))

    yield make
    if ipc.get("temporary"):
        shutil.rmtree(ipc["dir"], ignore_errors=True)


@pytest.fixture
def sp_peer(request: pytest.FixtureRequest, sp_impl: Optional[str], tmp_path: Any) -> Any:
    """sp_peer(impl, protocol, listen=URL | dial=URL, behaviour=...) -> a running peer, stopped after the test."""
    from .factory import PeerFactory

    factory = PeerFactory(str(tmp_path / "sp_peer"), _session(request.config, request)["cache"],
                          _missing_handler(request.config), tls=lambda: request.getfixturevalue("sp_tls"))
    _item_state(request)["peers"] = factory
    yield factory
    factory.stop_all()


@pytest.fixture
def sp_trace(request: pytest.FixtureRequest, sp_url: Callable[..., str]) -> Any:
    """sp_trace(peer_or_url, **nngtrace_options) -> a started nngtrace Tracer; dial its .url instead."""
    from .trace import TraceFactory

    factory = TraceFactory(lambda scheme: sp_url(scheme), tls=lambda: request.getfixturevalue("sp_tls"))
    _item_state(request)["traces"] = factory
    yield factory
    factory.close_all()


@pytest.fixture(scope="session")
def sp_tls(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A CA, a localhost server certificate and a client certificate (PEM strings, files, nngcat flags,
    TLS configurations); sp_peer gives them to every peer on a tls+tcp or wss address."""
    from .tls import make

    return make(str(tmp_path_factory.mktemp("sp_tls")))


# --- reports ----------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    state = item.stash.get(_STATE, None)
    if not state:
        return
    rep = outcome.get_result()
    from .report import amend

    amend(rep, state)
