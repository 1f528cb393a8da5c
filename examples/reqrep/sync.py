"""Request/reply, blocking API: a Rep0 server thread answers a Req0 client.

Both ends run in this one process over tcp://127.0.0.1 on a free port.
Run: python examples/reqrep/sync.py
"""

import threading

import nngkit

REQUESTS = 3


def serve(rep: nngkit.Rep0) -> None:
    # Answer exactly REQUESTS requests; recv_timeout bounds every wait.
    for _ in range(REQUESTS):
        request = rep.recv()
        rep.send(b"reply to " + request)


def main() -> None:
    with nngkit.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=5000) as rep:
        url = rep.listeners[0].url  # the port the OS picked
        server = threading.Thread(target=serve, args=(rep,), daemon=True)
        server.start()
        # A blocking dial returns once the SP handshake is done.
        with nngkit.Req0(dial=url, recv_timeout=5000) as req:
            for i in range(REQUESTS):
                req.send(b"request %d" % i)
                print("req0 got:", req.recv().decode())
        server.join(timeout=5)
    print("reqrep/sync: done, url was", url)


if __name__ == "__main__":
    main()
