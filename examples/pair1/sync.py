"""PAIR1, blocking API: a monogamous pair, then a polyamorous hub with three peers.

1. ``Pair1()`` is like Pair0 (one peer, either side sends at any time), with a
   hop count on the wire that NNG's pair v1 peers expect.
2. ``Pair1(polyamorous=True)`` accepts many peers.  Each received `Message`
   names the ``pipe`` (connection) it came from, and ``msg.pipe.send()``
   answers exactly that peer.  The peers here are ordinary monogamous Pair1
   sockets.
Run: python examples/pair1/sync.py
"""

import nngkit

TIMEOUTS = dict(recv_timeout=5000, send_timeout=5000)
PEERS = 3


def monogamous() -> None:
    with nngkit.Pair1(listen="inproc://pair1-mono", **TIMEOUTS) as left, \
            nngkit.Pair1(dial="inproc://pair1-mono", **TIMEOUTS) as right:
        left.send(b"hello right")
        right.send(b"hello left")
        print("monogamous: right got %r, left got %r" % (right.recv(), left.recv()))


def polyamorous() -> None:
    with nngkit.Pair1(polyamorous=True, listen="tcp://127.0.0.1:0", **TIMEOUTS) as hub:
        url = hub.listeners[0].url
        peers = [nngkit.Pair1(dial=url, **TIMEOUTS) for _ in range(PEERS)]
        try:
            # A peer that dialed may send at once: its dial returned after the handshake.
            for i, peer in enumerate(peers):
                peer.send(b"peer %d checking in" % i)
            for _ in peers:
                msg = hub.recv_msg()
                print("hub got %r on pipe %d from %s"
                      % (msg.bytes, msg.pipe.id, msg.pipe.remote_address))
                msg.pipe.send(b"welcome, " + msg.bytes.split(b" checking")[0])
            for i, peer in enumerate(peers):
                answer = peer.recv()
                print("peer %d got %r" % (i, answer))
                assert answer == b"welcome, peer %d" % i, answer
            assert len(hub.pipes) == PEERS
        finally:
            for peer in peers:
                peer.close()


def main() -> None:
    monogamous()
    polyamorous()
    print("pair1/sync: done")


if __name__ == "__main__":
    main()
