"""REQ/REP over TLS (tls+tcp://), then with mutual TLS.

The certificates are the demo ones beside this file (examples/tls/): a demo
CA, a server certificate for localhost and 127.0.0.1, and a client
certificate, all signed by that CA, whose key was thrown away.  They are
for this example only: make your own for anything else (docs/tls.md).

1. The Rep0 listens with the server's certificate and key (one PEM file:
   certificate, then key); the Req0 trusts the demo CA and checks that the
   server is "localhost", the host of the URL it dials.
2. A client that trusts another CA is refused (AuthenticationError), and the
   listener counts the refused handshake in its statistics.
3. Mutual TLS: a second Rep0 asks for a client certificate
   (AUTH_MODE_REQUIRED), and the replying side reads on its pipe who the
   client is.
Run: python examples/tls/reqrep.py
"""

import os
import time

import nngkit

HERE = os.path.dirname(os.path.abspath(__file__))
CA, SERVER, CLIENT = (os.path.join(HERE, name) for name in ("demo-ca.pem", "demo-server.pem",
                                                             "demo-client.pem"))
TIMEOUT_MS = 5000


def round_trip(req: nngkit.Req0, rep: nngkit.Rep0, text: bytes) -> bytes:
    req.send(text)
    msg = rep.recv_msg()
    rep.send(b"answer to " + msg.bytes)
    return req.recv()


def server_and_client() -> None:
    server = nngkit.TLSConfig(nngkit.TLSConfig.MODE_SERVER, cert_key_file=SERVER)
    client = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT, ca_files=CA)
    with nngkit.Rep0(tls_config=server, recv_timeout=TIMEOUT_MS) as rep, \
            nngkit.Req0(tls_config=client, recv_timeout=TIMEOUT_MS) as req:
        port = rep.listen("tls+tcp://127.0.0.1:0").port
        req.dial("tls+tcp://localhost:%d" % port, block=True)
        print("req0 got: %s" % round_trip(req, rep, b"hello over TLS").decode())
        print("server verified by the client:", req.pipes[0].tls_verified)
        stranger = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT)  # trusts no CA at all
        with nngkit.Req0(tls_config=stranger) as lost:
            try:
                lost.dial("tls+tcp://localhost:%d" % port, block=True)
            except nngkit.AuthenticationError:
                print("a client that does not trust the demo CA: refused")
        print("refused handshakes counted by the listener:",
              _wait_rejects(rep.listeners[0], 1))


def _wait_rejects(listener: nngkit.Listener, n: int) -> int:
    """The server learns of the refusal from the client's alert, a moment
    after the client: wait (bounded) for the counter."""
    deadline = time.monotonic() + 5
    while listener.stats().rejects < n and time.monotonic() < deadline:
        time.sleep(0.01)
    return listener.stats().rejects


def mutual() -> None:
    server = nngkit.TLSConfig(nngkit.TLSConfig.MODE_SERVER, cert_key_file=SERVER, ca_files=CA,
                              auth_mode=nngkit.TLSConfig.AUTH_MODE_REQUIRED)
    client = nngkit.TLSConfig(nngkit.TLSConfig.MODE_CLIENT, ca_files=CA, cert_key_file=CLIENT)
    with nngkit.Rep0(tls_config=server, recv_timeout=TIMEOUT_MS) as rep, \
            nngkit.Req0(tls_config=client, recv_timeout=TIMEOUT_MS) as req:
        port = rep.listen("tls+tcp://127.0.0.1:0").port
        req.dial("tls+tcp://localhost:%d" % port, block=True)
        req.send(b"who am I?")
        msg = rep.recv_msg()
        rep.send(("you are %r" % msg.pipe.tls_peer_cn).encode())
        print("mutual TLS: %s" % req.recv().decode())


def main() -> None:
    server_and_client()
    mutual()
    print("tls/reqrep: done")


if __name__ == "__main__":
    main()
