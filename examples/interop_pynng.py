"""nngkit and pynng (which wraps C NNG 1.x) talking to each other over tcp.

1. An nngkit Req0 asks a pynng Rep0.
2. A pynng Req0 asks an nngkit Rep0.
3. A pynng Pub0 publishes to nngkit Sub0s (the publisher dials each
   subscriber: a blocking dial returns with the connection attached, so
   nothing published afterwards is lost).
4. A polyamorous nngkit Pair1 answers two pynng Pair1 peers, each on its own
   pipe.
Exits 77 (skipped) if pynng is not installed: pip install -e '.[test]'.
Run: python examples/interop_pynng.py
"""

import sys

import nngkit

try:
    import pynng
except ImportError:
    print("SKIP: pynng is not installed (pip install -e '.[test]')")
    sys.exit(77)

TIMEOUT_MS = 5000


def exchange(req, rep, text: bytes) -> bytes:
    """One request/reply round: req asks, rep answers in upper case."""
    req.send(text)
    rep.send(rep.recv().upper())
    return req.recv()


def main() -> None:
    # 1. nngkit asks, pynng answers.
    with pynng.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=TIMEOUT_MS) as rep:
        url = rep.listeners[0].url
        with nngkit.Req0(dial=url, recv_timeout=TIMEOUT_MS) as req:
            print("nngkit Req0 -> pynng Rep0 :", exchange(req, rep, b"hello from nngkit"))

    # 2. pynng asks, nngkit answers.
    with nngkit.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=TIMEOUT_MS) as rep:
        url = rep.listeners[0].url
        with pynng.Req0(dial=url, recv_timeout=TIMEOUT_MS) as req:
            print("pynng Req0 -> nngkit Rep0 :", exchange(req, rep, b"hello from pynng"))
    # 3. pynng publishes, nngkit subscribes.
    subs = [nngkit.Sub0(listen="tcp://127.0.0.1:0", topics=t, recv_timeout=TIMEOUT_MS)
            for t in (b"even", b"odd")]
    try:
        with pynng.Pub0() as pub:
            for sub in subs:
                pub.dial(sub.listeners[0].url, block=True)
            for i in range(4):
                pub.send(b"%s %d" % (b"odd" if i % 2 else b"even", i))
            got = [[sub.recv() for _ in range(2)] for sub in subs]
    finally:
        for sub in subs:
            sub.close()
    print("pynng Pub0 -> nngkit Sub0s:", got)
    assert got == [[b"even 0", b"even 2"], [b"odd 1", b"odd 3"]]

    # 4. A polyamorous nngkit Pair1 with two pynng Pair1 peers.
    with nngkit.Pair1(polyamorous=True, listen="tcp://127.0.0.1:0", recv_timeout=TIMEOUT_MS) as hub:
        url = hub.listeners[0].url
        with pynng.Pair1(dial=url, recv_timeout=TIMEOUT_MS) as a, \
                pynng.Pair1(dial=url, recv_timeout=TIMEOUT_MS) as b:
            a.send(b"I am a")
            b.send(b"I am b")
            for _ in range(2):
                msg = hub.recv_msg()
                msg.pipe.send(b"hello " + msg.bytes[5:])
            answers = (a.recv(), b.recv())
            print("nngkit Pair1 hub -> pynng peers:", answers)
            assert answers == (b"hello a", b"hello b"), answers

    print("interop_pynng: done (pynng %s)" % pynng.__version__)


if __name__ == "__main__":
    main()
