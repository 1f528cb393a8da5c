"""Why REQ/REP requests must be idempotent: a REQ socket resends.

1. The server that got the request goes away before replying: the request
   is sent again at once to another server.  Both servers received it.
2. The server is alive but the reply never comes (lost, or the server
   ignored it): after ``resend_time`` ms the same request is sent again.
Either way the application sees one ``send`` and one reply, while the
request may have run more than once: make requests safe to repeat (or
detect duplicates on the server).
Run: python examples/reqrep/resend.py
"""

import time

import nngkit

TIMEOUTS = dict(recv_timeout=5000, send_timeout=5000)


def server_dies() -> None:
    with nngkit.Rep0(listen="inproc://resend-a", **TIMEOUTS) as a, \
            nngkit.Rep0(listen="inproc://resend-b", **TIMEOUTS) as b, \
            nngkit.Req0(dial="inproc://resend-a", **TIMEOUTS) as req:
        req.send(b"add 10 EUR to account 42")
        print("server A got:", a.recv())
        req.dial("inproc://resend-b", block=True)
        a.close()  # A dies before replying
        request = b.recv()
        print("server B got:", request, "(the same request, resent at once)")
        b.send(b"done")
        print("client got:", req.recv(), "- but the request ran on A and on B")
        assert request == b"add 10 EUR to account 42"


def reply_lost() -> None:
    with nngkit.Rep0(listen="tcp://127.0.0.1:0", **TIMEOUTS) as rep, \
            nngkit.Req0(resend_time=200, **TIMEOUTS) as req:
        req.dial(rep.listeners[0].url)
        start = time.monotonic()
        req.send(b"get balance of account 42")
        first = rep.recv_msg()
        # We never answer `first`; the next recv gets the resent copy.
        second = rep.recv_msg()
        print("server got %r, then again %r after %.2f s (resend_time is 0.2 s)"
              % (first.bytes, second.bytes, time.monotonic() - start))
        rep.send(b"balance: 100 EUR")
        print("client got:", req.recv())
        assert first.bytes == second.bytes


def main() -> None:
    server_dies()
    reply_lost()
    print("reqrep/resend: done")


if __name__ == "__main__":
    main()
