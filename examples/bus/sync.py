"""BUS, blocking API: a message reaches direct peers only; BUS does not forward.

Star: ``b`` and ``c`` dial the hub ``a``.  When ``b`` sends, ``a`` hears it but
``c`` does not: a BUS node never passes on what it receives.  When ``a``
sends, both ``b`` and ``c`` hear it.  (For everyone to hear everyone, connect
every pair of nodes; see examples/bus/async.py, or relay with a device.)

Like PUB, BUS sends never wait and a message sent before a connection is
attached on the sender's side is lost for that peer, so the hub counts its
attached connections (pipe callback) before it speaks.  ``b`` and ``c``
dialed, and a blocking dial returns with the connection attached.
Run: python examples/bus/sync.py
"""

import threading

import nngkit

URL = "inproc://bus-star"
TIMEOUTS = dict(recv_timeout=5000)


def main() -> None:
    attached = threading.Semaphore(0)
    with nngkit.Bus0(**TIMEOUTS) as a:
        a.add_post_pipe_connect_cb(lambda pipe: attached.release())
        a.listen(URL)
        with nngkit.Bus0(dial=URL, **TIMEOUTS) as b, nngkit.Bus0(dial=URL, **TIMEOUTS) as c:
            for _ in range(2):
                assert attached.acquire(timeout=5), "a peer did not connect"

            b.send(b"from b")
            print("a got:", a.recv())
            a.send(b"from a")
            got_c = c.recv()
            got_b = b.recv()
            # Had a forwarded b's message, c would have got it before a's own.
            print("c got:", got_c, " (not b's message: no forwarding)")
            print("b got:", got_b, " (a sender does not hear itself)")
            assert got_c == b"from a" and got_b == b"from a"
    print("bus/sync: done")


if __name__ == "__main__":
    main()
