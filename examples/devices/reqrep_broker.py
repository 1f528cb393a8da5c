"""A REQ/REP broker: clients and workers meet at a device, neither knows the other.

    clients (Req0) --dial--> front: raw Rep0 |device| back: raw Req0 <--dial-- workers (Rep0)

``nngkit.device(front, back)`` relays requests from the front to a worker
and each reply back to the client that asked, inside the C core (no Python
runs per message).  The sockets are raw (``raw=True``): they pass the
request's routing header through instead of handling it.  Clients and
workers can come and go; the device runs until either of its sockets
closes.  Clients, workers and the broker are threads of one process here;
in real life they would be separate programs.
Run: python examples/devices/reqrep_broker.py
"""

import collections
import os
import tempfile
import threading

import nngkit

WORKERS = 2
CLIENTS = 4
REQUESTS = 3
TIMEOUTS = dict(recv_timeout=5000, send_timeout=5000)


def work(name: str, sock: nngkit.Rep0) -> None:
    while True:
        try:
            request = sock.recv()
        except nngkit.Closed:
            return
        sock.send(b"%s: %s" % (name.encode(), request.upper()))


def client(number: int, url: str, answers: list) -> None:
    with nngkit.Req0(dial=url, **TIMEOUTS) as req:
        for i in range(REQUESTS):
            question = b"client %d question %d" % (number, i)
            req.send(question)
            reply = req.recv()
            assert reply.endswith(b": " + question.upper()), reply
            answers.append(reply.decode())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        front_url = "tcp://127.0.0.1:0"
        back_url = "ipc://" + os.path.join(tmp, "workers.ipc")
        workers_in = threading.Semaphore(0)
        with nngkit.Rep0(raw=True) as front, nngkit.Req0(raw=True) as back:
            front_url = front.listen(front_url).url
            back.add_post_pipe_connect_cb(lambda pipe: workers_in.release())
            back.listen(back_url)
            broker = threading.Thread(target=nngkit.device, args=(front, back))
            broker.start()

            worker_socks = [nngkit.Rep0(dial=back_url, **TIMEOUTS) for _ in range(WORKERS)]
            workers = [threading.Thread(target=work, args=("worker%d" % i, s))
                       for i, s in enumerate(worker_socks)]
            for t in workers:
                t.start()
            try:
                for _ in range(WORKERS):  # so that requests spread over both workers
                    assert workers_in.acquire(timeout=5), "a worker did not connect"
                answers: list = []
                clients = [threading.Thread(target=client, args=(i, front_url, answers))
                           for i in range(CLIENTS)]
                for t in clients:
                    t.start()
                for t in clients:
                    t.join(timeout=10)
            finally:
                front.close()  # the device returns once either socket is closed
                broker.join(timeout=5)
                for s in worker_socks:
                    s.close()
                for t in workers:
                    t.join(timeout=5)
    served = collections.Counter(a.split(":")[0] for a in answers)
    print("%d requests answered through the broker; per worker: %s"
          % (len(answers), dict(sorted(served.items()))))
    print("for example:", answers[0])
    assert len(answers) == CLIENTS * REQUESTS
    assert not broker.is_alive()
    print("devices/reqrep_broker: done")


if __name__ == "__main__":
    main()
