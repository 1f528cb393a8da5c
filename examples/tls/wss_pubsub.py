"""PUB/SUB over secure WebSocket (wss://): WebSocket inside TLS.

The publisher listens at wss://localhost:PORT/news (port 0: the system
picks one) with the demo server certificate beside this file; two
subscribers trust the demo CA and check the name "localhost".  A wss
listener is an HTTPS server, so the same TLSConfig classes apply; the
WebSocket part (paths, subprotocol pub.sp.nanomsg.org) is ws://'s
(docs/websocket.md).  The demo certificates are for the examples only:
make your own for anything else (docs/tls.md).
Run: python examples/tls/wss_pubsub.py
"""

import os
import threading

import nngkit

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT_MS = 5000
NAMES = ("carol", "dave")


def main() -> None:
    server = nngkit.TLSConfig(nngkit.TLSConfig.MODE_SERVER,
                              cert_key_file=os.path.join(HERE, "demo-server.pem"))
    client = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT, ca_files=os.path.join(HERE, "demo-ca.pem"))
    attached = threading.Semaphore(0)
    with nngkit.Pub0(tls_config=server) as pub:
        pub.add_post_pipe_connect_cb(lambda pipe: attached.release())
        news = pub.listen("wss://localhost:0/news")
        print("listening on wss, subprotocol", news.ws_protocol)
        subs = [nngkit.Sub0(topics=b"", recv_timeout=TIMEOUT_MS, tls_config=client) for _ in NAMES]
        try:
            for sub in subs:
                sub.dial(news.url, block=True)
            for _ in NAMES:
                if not attached.acquire(timeout=5):
                    raise SystemExit("a subscriber did not attach within 5 s")
            pub.send(b"headline: wss works")
            for name, sub in zip(NAMES, subs):
                pipe = sub.pipes[0]
                print("%s got %r (server verified: %s, its name: %s)" % (
                    name, sub.recv().decode(), pipe.tls_verified, pipe.tls_peer_cn))
        finally:
            for sub in subs:
                sub.close()
    print("tls/wss_pubsub: done")


if __name__ == "__main__":
    main()
