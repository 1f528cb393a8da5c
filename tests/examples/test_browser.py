"""examples/browser in a real browser: headless Chromium, driven by selenium.

The page, served by the example's own PageServer, dials an nngkit Pub0 (as
a SUB) and an nngkit Rep0 (as a REQ writing its own request ids) over ws.
The test publishes known messages once the Pub0 has the page's pipe and the
page says it is connected, then asks questions through the page's form and
answers them from the Rep0; the page's lists must show exactly those (and
a 200 KiB message each way, which nngkit sends as 64 KiB fragments).  When
the browser leaves the page, the Pub0 loses its pipe.  A second test opens
WebSockets offering the subprotocol spelled three ways.
Chromium and chromedriver (Debian: chromium, chromium-driver) are peers:
without them the tests skip, or fail under NNGKIT_REQUIRE_PEERS=1; selenium
is in the test extra.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from typing import Any, Iterator, List

import pytest
from selenium import webdriver  # a test dependency: missing, it fails the run
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from tests.helpers import peers

SERVE_PY = os.path.join(peers.PROJECT_ROOT, "examples", "browser", "serve.py")
WAIT = 15.0  # seconds for anything the page does; each takes well under one
NEWS = ["news %d: héllo from Pub0" % i for i in range(5)]
QUESTIONS = ["hello", "sp from a web page", "ünïcode ✓"]
BIG = 200 * 1024  # over nngkit's 64 KiB ws:txframe-max: sent as fragments


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
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    # root in a container: no sandbox; /dev/shm may be small
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    # scripts/sanitize.sh preloads ASan for nngkit's core; chromedriver aborts under it
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    driver = webdriver.Chrome(options=options, service=Service(driver_path, env=env))
    try:
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()


def texts(driver: Any, list_id: str) -> List[str]:
    return [li.text for li in driver.find_elements("css selector", "#%s li" % list_id)]


def wait_until(driver: Any, what: str, check: Any) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: check(d), message="page: " + what)


def state(driver: Any, element_id: str) -> str:
    return driver.find_element("id", element_id).get_attribute("data-state")


def last_item_length(driver: Any, list_id: str) -> int:
    return driver.execute_script("return document.querySelector('#%s li:last-child').textContent.length" % list_id)


def hear_news(driver: Any, pub: Any) -> None:
    """Known messages, then one of 200 KiB (four ws frames, reassembled by the browser)."""
    for line in NEWS:
        pub.send(line.encode())
    wait_until(driver, "all the news", lambda d: len(texts(d, "news")) >= len(NEWS))
    assert texts(driver, "news") == NEWS
    pub.send(b"x" * BIG)
    wait_until(driver, "the big news", lambda d: len(texts(d, "news")) > len(NEWS))
    assert last_item_length(driver, "news") == BIG


def ask(driver: Any, rep: Any, answer: Any, question: str) -> None:
    """Asks through the page's form; a cooked Rep0 takes the request only if its id's high bit is set."""
    driver.execute_script("document.getElementById('question').value = arguments[0]", question)
    driver.find_element("id", "ask").click()
    assert rep.recv().decode() == question
    rep.send(answer(question.encode()))


def ask_questions(driver: Any, rep: Any, answer: Any) -> None:
    wait_until(driver, "REQ connected", lambda d: state(d, "req-status") == "open")
    for question in QUESTIONS + ["y" * BIG]:
        ask(driver, rep, answer, question)
    wait_until(driver, "all the replies", lambda d: len(texts(d, "replies")) > len(QUESTIONS))
    assert texts(driver, "replies")[:-1] == ["%s -> %s" % (q, q.upper()) for q in QUESTIONS]
    assert last_item_length(driver, "replies") == 2 * BIG + len(" -> ")
    ids = [int(li.get_attribute("data-id"), 16) for li in driver.find_elements("css selector", "#replies li")]
    assert all(i & 0x80000000 for i in ids)
    assert [(b - a) % (1 << 31) for a, b in zip(ids, ids[1:])] == [1] * len(QUESTIONS)


@pytest.mark.timeout(90)
def test_page_hears_pub0_and_asks_rep0(chromium, sockets, leak_check):
    serve = load_serve()
    pub, rep, config = serve.open_sockets()
    sockets.track(pub)
    sockets.track(rep)
    rep.recv_timeout = int(WAIT * 1000)
    subscribers: List[Any] = []
    attached, left = threading.Event(), threading.Event()
    pub.add_post_pipe_connect_cb(lambda pipe: (subscribers.append(pipe), attached.set()))
    pub.add_post_pipe_remove_cb(lambda pipe: left.set())
    server = serve.PageServer(config)
    try:
        chromium.get(server.url)
        wait_until(chromium, "SUB connected", lambda d: state(d, "sub-status") == "open")
        assert attached.wait(WAIT), "the Pub0 never got the page's pipe"
        # What the Pub0 saw: a browser's handshake, Origin and all.
        assert subscribers[0].get_opt_string("ws:request-header:Origin") == server.url.rstrip("/")
        assert "permessage-deflate" in subscribers[0].get_opt_string("ws:request-header:Sec-WebSocket-Extensions")
        hear_news(chromium, pub)
        ask_questions(chromium, rep, serve.answer)
        chromium.get("about:blank")  # leaving the page closes its WebSockets (close frames)
        assert left.wait(WAIT), "the Pub0 still has the page's pipe"
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
