"""PAIR0, blocking API: two peers send to each other over ipc.

Pair0 is one-to-one and symmetric: either side may send at any time.
Run: python examples/pair/sync.py
"""

import os
import tempfile

import nngkit


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = "ipc://" + os.path.join(tmp, "pair.ipc")
        with nngkit.Pair0(listen=url, recv_timeout=5000) as left, \
                nngkit.Pair0(dial=url, recv_timeout=5000) as right:
            for i in range(3):
                left.send(b"ping %d" % i)
                print("right got:", right.recv().decode())
                right.send(b"pong %d" % i)
                print("left got: ", left.recv().decode())
    print("pair/sync: done over", url)


if __name__ == "__main__":
    main()
