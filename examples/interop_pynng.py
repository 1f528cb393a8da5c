"""nngkit and pynng (which wraps C NNG 1.x) talking to each other over tcp.

1. An nngkit Req0 asks a pynng Rep0.
2. A pynng Req0 asks an nngkit Rep0.
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
    print("interop_pynng: done (pynng %s)" % pynng.__version__)


if __name__ == "__main__":
    main()
