"""A small Rep0 service: it answers every request with the request in capitals."""
from __future__ import annotations

import threading
from typing import Any

import nngkit


class ShoutService:
    def __init__(self, url: str, **listen_options: Any) -> None:
        self.sock = nngkit.Rep0()
        # the bound address (a tcp port 0 resolved); options such as tls_config= go to the listener
        self.url = self.sock.listen(url, **listen_options).url
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                request = self.sock.recv()
            except nngkit.Closed:
                return
            self.sock.send(request.upper())

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)

    def __enter__(self) -> "ShoutService":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
