"""Every program in examples/ runs to success as a subprocess, with a time limit.

The list is examples/demo.py's EXAMPLES (the demo runs the same programs),
and every example file must be on it, or on its NOT_RUN list with a reason
(browser/serve.py serves a page until stopped: test_browser.py runs it).
An example exits 77 only when a peer it needs is absent; that is a skip,
or a failure under NNGKIT_REQUIRE_PEERS=1 (tests/helpers/peers.py decides,
as for interop tests).  Examples take well under a second each, so they run one by one.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from typing import Any, Dict, List

import pytest

from tests.helpers import peers

EXAMPLES_DIR = os.path.join(peers.PROJECT_ROOT, "examples")
TIME_LIMIT = 30.0  # seconds per example; each normally takes < 1 s
SKIPPED = 77
# The peer each interop example needs, and how to ask for it.
NEEDS: Dict[str, Any] = {
    "interop_pynng.py": peers.require_pynng,
    "interop_nngcat.py": lambda: peers.require_peer("nngcat"),
    "reqrep/async_trio.py": lambda: peers.require_module("trio"),
}
# Lines an example must print, beyond its final "done": what it shows.
OUTPUT: Dict[str, List[str]] = {
    "websocket/pubsub.py": [
        "listening: /news and /rpc on one port, subprotocol pub.sp.nanomsg.org",
        "publisher sees clients: ['alice', 'bob']",
        "alice got 'headline: ws works'",
        "bob got 'headline: ws works'",
        "rpc answer: alice, bob",
        "dial to /nowhere refused: ConnectionRefused",
    ],
    "tls/reqrep.py": [
        "req0 got: answer to hello over TLS",
        "server verified by the client: True",
        "a client that does not trust the demo CA: refused",
        "refused handshakes counted by the listener: 1",
        "mutual TLS: you are 'nngkit demo client'",
    ],
    "tls/wss_pubsub.py": [
        "listening on wss, subprotocol pub.sp.nanomsg.org",
        "carol got 'headline: wss works' (server verified: True, its name: localhost)",
        "dave got 'headline: wss works' (server verified: True, its name: localhost)",
    ],
    # What these print is what they received: their exit code alone would
    # not tell a delivered message from a send that delivers nothing.
    "reqrep/sync.py": ["req0 got: reply to request %d" % i for i in range(3)],
    "reqrep/async.py": ["req0 got: HELLO FROM CLIENT %d" % i for i in range(3)],
    "pair/sync.py": [line for i in range(3)
                     for line in ("right got: ping %d" % i, "left got:  pong %d" % i)],
    "pair/async.py": ["left heard:  %r" % ["right says %d" % i for i in range(5)],
                      "right heard: %r" % ["left says %d" % i for i in range(5)]],
}


def _load_demo() -> Any:
    spec = importlib.util.spec_from_file_location("examples_demo", os.path.join(EXAMPLES_DIR, "demo.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLES = list(_load_demo().EXAMPLES)
NOT_RUN = dict(_load_demo().NOT_RUN)  # run elsewhere (browser/serve.py: test_browser.py)


def _example_files() -> set:
    found = set()
    for root, _dirs, files in os.walk(EXAMPLES_DIR):
        for name in files:
            if name.endswith(".py") and not name.startswith("_"):
                found.add(os.path.relpath(os.path.join(root, name), EXAMPLES_DIR).replace(os.sep, "/"))
    return found - {"demo.py"}


def test_demo_lists_every_example_once() -> None:
    assert len(EXAMPLES) == len(set(EXAMPLES)) and not set(EXAMPLES) & set(NOT_RUN)
    assert set(EXAMPLES) | set(NOT_RUN) == _example_files()


def test_peer_table_names_listed_examples() -> None:
    assert set(NEEDS) <= set(EXAMPLES) and set(OUTPUT) <= set(EXAMPLES)


@pytest.mark.timeout(TIME_LIMIT + 15)
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs(name: str) -> None:
    try:
        proc = subprocess.run([sys.executable, os.path.join(EXAMPLES_DIR, name)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIME_LIMIT,
                              env=peers.child_env(), cwd=peers.PROJECT_ROOT)
    except subprocess.TimeoutExpired as exc:  # run() has killed it
        pytest.fail("%s did not finish within %.0f s; output:\n%s"
                    % (name, TIME_LIMIT, (exc.output or b"").decode(errors="replace")))
    output = proc.stdout.decode(errors="replace")
    if proc.returncode == SKIPPED:
        need = NEEDS.get(name)
        assert need is not None, "%s exited 77 but needs no peer:\n%s" % (name, output)
        need()  # skips, or fails under NNGKIT_REQUIRE_PEERS=1
        pytest.fail("%s exited 77 (peer missing) although its peer is present:\n%s" % (name, output))
    assert proc.returncode == 0, "%s exited %d:\n%s" % (name, proc.returncode, output)
    assert "done" in output.splitlines()[-1], "%s did not report success:\n%s" % (name, output)
    missing = [line for line in OUTPUT.get(name, []) if line not in output.splitlines()]
    assert not missing, "%s did not print %s:\n%s" % (name, missing, output)
