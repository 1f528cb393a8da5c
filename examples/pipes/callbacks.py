"""Pipe callbacks: a server that admits at most two clients at a time.

A pipe is one connection to one peer.  pynng's three callbacks run for each
pipe, in order, exactly once, in a Python thread of nngkit's (never on a
core thread):

- ``add_pre_pipe_connect_cb``: the peer has completed the handshake and
  waits to be admitted; closing the pipe here refuses it;
- ``add_post_pipe_connect_cb``: the peer is admitted;
- ``add_post_pipe_remove_cb``: the peer has gone.

A refused client does not give up: its dialer reconnects (here every 20 to
100 ms), and its request is sent as soon as a connection is admitted.
Run: python examples/pipes/callbacks.py
"""

import threading

import nngkit

LIMIT = 2
TIMEOUTS = dict(recv_timeout=5000, send_timeout=5000)


class Doorman:
    """Admits up to LIMIT peers; the callbacks all run in one thread, in order."""

    def __init__(self) -> None:
        self.admitted = set()
        self.refused = 0
        self.first_refusal = threading.Event()
        self.log = []

    def pre_connect(self, pipe: nngkit.Pipe) -> None:
        if len(self.admitted) >= LIMIT:
            self.refused += 1
            self.log.append("refused pipe %d from %s" % (pipe.id, pipe.remote_address))
            pipe.close()
            self.first_refusal.set()
        else:
            self.admitted.add(pipe.id)  # reserve the slot now, before the next pre_connect

    def post_connect(self, pipe: nngkit.Pipe) -> None:
        self.log.append("admitted pipe %d from %s" % (pipe.id, pipe.remote_address))

    def post_remove(self, pipe: nngkit.Pipe) -> None:
        if pipe.id in self.admitted:  # refused pipes were never admitted, so never removed
            self.admitted.discard(pipe.id)
            self.log.append("pipe %d gone" % pipe.id)


def serve(rep: nngkit.Rep0, count: int) -> None:
    for _ in range(count):
        rep.send(b"hello, " + rep.recv())


def main() -> None:
    doorman = Doorman()
    with nngkit.Rep0(**TIMEOUTS) as rep:
        rep.add_pre_pipe_connect_cb(doorman.pre_connect)
        rep.add_post_pipe_connect_cb(doorman.post_connect)
        rep.add_post_pipe_remove_cb(doorman.post_remove)
        url = rep.listen("tcp://127.0.0.1:0").url
        server = threading.Thread(target=serve, args=(rep, 3))
        server.start()
        options = dict(reconnect_time_min=20, reconnect_time_max=100, **TIMEOUTS)
        first, second = nngkit.Req0(dial=url, **options), nngkit.Req0(dial=url, **options)
        with nngkit.Req0(**options) as third:
            try:
                for name, client in (("first", first), ("second", second)):
                    client.send(name.encode())
                    print(name, "got", client.recv())
                third.dial(url, block=False)  # the handshake succeeds, then the server refuses
                third.send(b"third")          # queued until a connection is admitted
                assert doorman.first_refusal.wait(5), "the third client was not refused"
                first.close()                 # frees a slot; the third client's next try gets in
                print("third got", third.recv())
            finally:
                first.close()
                second.close()
                server.join(timeout=5)
    for line in doorman.log:
        print("  " + line)
    print("refused %d connection(s) while the server was full" % doorman.refused)
    assert doorman.refused >= 1
    print("pipes/callbacks: done")


if __name__ == "__main__":
    main()
