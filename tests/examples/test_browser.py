"""examples/browser in a real browser: headless Chromium, driven by selenium.

The page, served by the example's own PageServer, dials an nngkit Pub0 (as
a SUB) and an nngkit Rep0 (as a REQ writing its own request ids) over ws.
The test publishes known messages once the Pub0 has the page's pipe and the
page says it is connected, then asks questions through the page's form and
answers them from the Rep0; the page's lists must show exactly those.
Chromium, chromedriver (Debian: chromium, chromium-driver) and selenium are
peers: without them the test skips, or fails under NNGKIT_REQUIRE_PEERS=1.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from typing import Any, Iterator, List

import pytest

from tests.helpers import peers

SERVE_PY = os.path.join(peers.PROJECT_ROOT, "examples", "browser", "serve.py")
WAIT = 15.0  # seconds for anything the page does; each takes well under one
NEWS = ["news %d: héllo from Pub0" % i for i in range(5)]
QUESTIONS = ["hello", "sp from a web page", "ünïcode ✓"]


def load_serve() -> Any:
    spec = importlib.util.spec_from_file_location("browser_serve", SERVE_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for the module (0.6 s to start); each test loads its page afresh."""
    binary = peers.require_file(shutil.which("chromium") or "/usr/bin/chromium", "chromium")
    driver_path = peers.require_file(shutil.which("chromedriver") or "/usr/bin/chromedriver", "chromium-driver")
    webdriver = peers.require_module("selenium.webdriver")
    service = peers.require_module("selenium.webdriver.chrome.service")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    # root in a container: no sandbox; /dev/shm may be small
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    # scripts/sanitize.sh preloads ASan for nngkit's core; chromedriver aborts under it
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    driver = webdriver.Chrome(options=options, service=service.Service(driver_path, env=env))
    try:
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()


def texts(driver: Any, list_id: str) -> List[str]:
    return [li.text for li in driver.find_elements("css selector", "#%s li" % list_id)]


def wait_until(driver: Any, what: str, check: Any) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(lambda d: check(d), message="page: " + what)


@pytest.mark.timeout(90)
def test_page_hears_pub0_and_asks_rep0(chromium, sockets, leak_check):
    serve = load_serve()
    pub, rep, config = serve.open_sockets()
    sockets.track(pub)
    sockets.track(rep)
    rep.recv_timeout = int(WAIT * 1000)
    subscribers: List[Any] = []
    attached = threading.Event()
    pub.add_post_pipe_connect_cb(lambda pipe: (subscribers.append(pipe), attached.set()))
    server = serve.PageServer(config)
    try:
        chromium.get(server.url)
        state = lambda d, id: d.find_element("id", id).get_attribute("data-state")  # noqa: E731
        wait_until(chromium, "SUB connected", lambda d: state(d, "sub-status") == "open")
        assert attached.wait(WAIT), "the Pub0 never got the page's pipe"
        # What the Pub0 saw: a browser's handshake, Origin and all.
        assert subscribers[0].get_opt_string("ws:request-header:Origin") == server.url.rstrip("/")
        assert "permessage-deflate" in subscribers[0].get_opt_string("ws:request-header:Sec-WebSocket-Extensions")
        for line in NEWS:
            pub.send(line.encode())
        wait_until(chromium, "all the news", lambda d: len(texts(d, "news")) >= len(NEWS))
        assert texts(chromium, "news") == NEWS

        wait_until(chromium, "REQ connected", lambda d: state(d, "req-status") == "open")
        field, button = chromium.find_element("id", "question"), chromium.find_element("id", "ask")
        for question in QUESTIONS:
            field.clear()
            field.send_keys(question)
            button.click()
            assert rep.recv().decode() == question  # a cooked Rep0 takes it: the id's high bit is set
            rep.send(serve.answer(question.encode()))
        wait_until(chromium, "all the replies", lambda d: len(texts(d, "replies")) >= len(QUESTIONS))
        assert texts(chromium, "replies") == ["%s -> %s" % (q, q.upper()) for q in QUESTIONS]
        ids = [int(li.get_attribute("data-id"), 16) for li in chromium.find_elements("css selector", "#replies li")]
        assert all(i & 0x80000000 for i in ids)
        assert [(b - a) % (1 << 31) for a, b in zip(ids, ids[1:])] == [1, 1]
    finally:
        server.close()


# Opens a WebSocket with one subprotocol, reports how the upgrade ended.
OPEN_WS = """
const done = arguments[arguments.length - 1];
const ws = new WebSocket(arguments[0], arguments[1]);
ws.onopen = () => { done("open " + ws.protocol); ws.close(); };
ws.onclose = (ev) => done("closed " + ev.code);
"""


@pytest.mark.timeout(90)
@pytest.mark.parametrize("offer", ["rep.sp.nanomsg.org", "REP.sp.nanomsg.org", "Rep.Sp.Nanomsg.Org"])
def test_chromium_takes_the_answer_to_any_spelling(chromium, sockets, leak_check, offer):
    """NNG matches the subprotocol in any case and echoes the browser's own
    spelling; Chromium fails the upgrade on any other echo."""
    serve = load_serve()
    pub, rep, config = serve.open_sockets()
    sockets.track(pub)
    sockets.track(rep)
    server = serve.PageServer(config)
    try:
        chromium.get(server.url)
        chromium.set_script_timeout(WAIT)
        assert chromium.execute_async_script(OPEN_WS, config["rep"], offer) == "open " + offer
    finally:
        server.close()
