"""A web page as an SP peer: a Pub0 and a Rep0 over ws://, and the page.

1. A Pub0 listens at ws://127.0.0.1:PORT/news and a Rep0 at /rpc on the
   same port (port 0: the system picks one).
2. An HTTP server in a thread serves index.html and app.js, and
   config.json with those two URLs.  The page (plain JavaScript) dials
   both: as a SUB with the subprotocol "pub.sp.nanomsg.org", as a REQ with
   "rep.sp.nanomsg.org", writing each request's 4-byte id itself.
3. The publisher sends the time every second; the Rep0 answers each
   question in capitals.  Ctrl-C stops.

The page comes from a loopback address too: Chromium refuses a page from
another network a WebSocket to 127.0.0.1 (local network access checks).  tests/examples/test_browser.py runs the page in headless
Chromium.
Run: python examples/browser/serve.py [--port HTTP_PORT], then open the URL it prints.
"""

import argparse
import http.server
import json
import os
import threading
import time
from typing import Dict, Tuple

import nngkit

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_FILES = {"/": ("index.html", "text/html"), "/index.html": ("index.html", "text/html"),
              "/app.js": ("app.js", "text/javascript")}
POLL_MS = 200  # how often the answering loop looks at the stop flag


def open_sockets() -> Tuple[nngkit.Pub0, nngkit.Rep0, Dict[str, str]]:
    """The Pub0 and the Rep0, listening on one ws port, and their URLs."""
    pub, rep = nngkit.Pub0(), nngkit.Rep0(recv_timeout=POLL_MS)
    try:
        news = pub.listen("ws://127.0.0.1:0/news")
        port = news.url.split(":")[2].split("/")[0]
        rpc = rep.listen("ws://127.0.0.1:%s/rpc" % port)
    except BaseException:
        pub.close()
        rep.close()
        raise
    return pub, rep, {"pub": news.url, "rep": rpc.url}


def page_handler(config: Dict[str, str]) -> type:
    """A request handler for the page's files and config.json (HTTP/1.0: one request per connection)."""
    config_body = json.dumps(config).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/config.json":
                self.reply(config_body, "application/json")
            elif self.path in PAGE_FILES:
                name, ctype = PAGE_FILES[self.path]
                with open(os.path.join(HERE, name), "rb") as f:
                    self.reply(f.read(), ctype + "; charset=utf-8")
            else:
                self.send_error(404)

        def reply(self, body: bytes, ctype: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the page's own status says what happens

    return Handler


class PageServer:
    """The page's HTTP server on 127.0.0.1, running in a thread of its own."""

    def __init__(self, config: Dict[str, str], port: int = 0) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), page_handler(config))
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        # poll_interval: how long close() may wait for the loop to notice
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="http")
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()  # also joins the request threads
        self.thread.join()


def answer(question: bytes) -> bytes:
    return question.decode("utf-8", "replace").upper().encode()


def answer_until(rep: nngkit.Rep0, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            question = rep.recv()
        except nngkit.Timeout:
            continue
        rep.send(answer(question))


def publish(pub: nngkit.Pub0, config: Dict[str, str], url: str) -> None:
    print("Pub0 at %(pub)s, Rep0 at %(rep)s" % config)
    print("open %s in a browser (Ctrl-C stops)" % url, flush=True)
    while True:
        pub.send(time.strftime("news: it is %H:%M:%S").encode())
        time.sleep(1)  # the publisher's pace, not a wait for anything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: any free one)")
    args = parser.parse_args()
    pub, rep, config = open_sockets()
    stop = threading.Event()
    answering = threading.Thread(target=answer_until, args=(rep, stop), name="rep")
    server = None
    try:
        server = PageServer(config, args.port)
        answering.start()
        publish(pub, config, server.url)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if answering.is_alive():
            answering.join()
        if server is not None:
            server.close()
        pub.close()
        rep.close()
    print("browser/serve: done")


if __name__ == "__main__":
    main()
