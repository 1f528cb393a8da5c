"""PUB/SUB and REQ/REP over WebSocket (ws://), sharing one port by path.

1. A Pub0 listens at ws://127.0.0.1:PORT/news (port 0: the system picks
   one) and a Rep0 at /rpc on the same port: one HTTP server per address,
   the request's path picks the listener, as in NNG.
2. Each subscriber names itself in a request header it sets before its
   dialer starts (``dial(..., start=False)``, then
   ``ws:request-header:X-Client``); the publisher reads it on the pipe.
3. A Req0 at /rpc asks for the subscribers' names; a path nobody listens
   at is refused (NNG's listener answers 404).
Run: python examples/websocket/pubsub.py
"""

import threading

import nngkit

TIMEOUT_MS = 5000
NAMES = ("alice", "bob")


def subscriber(url: str, name: str) -> nngkit.Sub0:
    sub = nngkit.Sub0(topics=b"", recv_timeout=TIMEOUT_MS)
    dialer = sub.dial(url, start=False)
    dialer.set_opt_string("ws:request-header:X-Client", name)
    dialer.start(block=True)
    return sub


def main() -> None:
    attached, clients = threading.Semaphore(0), []

    def on_attach(pipe: nngkit.Pipe) -> None:
        clients.append(pipe.get_opt_string("ws:request-header:X-Client"))
        attached.release()

    with nngkit.Pub0() as pub, nngkit.Rep0(recv_timeout=TIMEOUT_MS) as rep:
        pub.add_post_pipe_connect_cb(on_attach)
        news = pub.listen("ws://127.0.0.1:0/news")
        port = news.url.split(":")[2].split("/")[0]
        rep.listen("ws://127.0.0.1:%s/rpc" % port)
        print("listening: /news and /rpc on one port, subprotocol", news.ws_protocol)
        subs = [subscriber(news.url, name) for name in NAMES]
        try:
            for _ in NAMES:
                if not attached.acquire(timeout=5):
                    raise SystemExit("a subscriber did not attach within 5 s")
            print("publisher sees clients:", sorted(clients))
            pub.send(b"headline: ws works")
            for name, sub in zip(NAMES, subs):
                print("%s got %r" % (name, sub.recv().decode()))
            with nngkit.Req0(dial="ws://127.0.0.1:%s/rpc" % port, recv_timeout=TIMEOUT_MS) as req:
                req.send(b"who is subscribed?")
                rep.recv()
                rep.send(b", ".join(n.encode() for n in sorted(clients)))
                print("rpc answer:", req.recv().decode())
                try:
                    req.dial("ws://127.0.0.1:%s/nowhere" % port, block=True)
                except nngkit.NNGException as exc:
                    print("dial to /nowhere refused:", type(exc).__name__)
        finally:
            for sub in subs:
                sub.close()
    print("websocket/pubsub: done")


if __name__ == "__main__":
    main()
