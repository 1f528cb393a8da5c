"""PUSH/PULL pipeline, blocking API: a ventilator, three workers and a sink.

The ventilator's Push0 hands each task to one ready worker (round robin);
each worker's Push0 sends its result to the sink's Pull0, which fair-queues
the results of all workers.  Unlike PUB, PUSH never drops: a send waits
until some Pull0 can take the message (back-pressure).
Workers are threads here; they could as well be other processes or hosts.
Run: python examples/pipeline/sync.py
"""

import collections
import os
import tempfile
import threading

import nngkit

WORKERS = 3
TASKS = 12
TIMEOUTS = dict(recv_timeout=5000, send_timeout=5000)


def worker(name: str, tasks: nngkit.Pull0, results: nngkit.Push0) -> None:
    while True:
        try:
            n = int(tasks.recv())
        except nngkit.Closed:  # the main thread closes our sockets when all is done
            return
        results.send(b"%s %d %d" % (name.encode(), n, n * n))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        task_url = "ipc://" + os.path.join(tmp, "tasks.ipc")
        result_url = "ipc://" + os.path.join(tmp, "results.ipc")
        attached = threading.Semaphore(0)
        with nngkit.Push0(**TIMEOUTS) as ventilator, nngkit.Pull0(listen=result_url, **TIMEOUTS) as sink:
            # Wait until every worker is connected, so the tasks spread over all of them.
            ventilator.add_post_pipe_connect_cb(lambda pipe: attached.release())
            ventilator.listen(task_url)
            sockets, threads = [], []
            for i in range(WORKERS):
                pull = nngkit.Pull0(dial=task_url, **TIMEOUTS)
                push = nngkit.Push0(dial=result_url, **TIMEOUTS)
                sockets += [pull, push]
                threads.append(threading.Thread(target=worker, args=("worker%d" % i, pull, push)))
                threads[-1].start()
            try:
                for _ in range(WORKERS):
                    assert attached.acquire(timeout=5), "a worker did not connect"
                for n in range(TASKS):
                    ventilator.send(b"%d" % n)
                per_worker = collections.Counter()
                squares = {}
                for _ in range(TASKS):
                    name, n, square = sink.recv().split()
                    per_worker[name.decode()] += 1
                    squares[int(n)] = int(square)
            finally:
                for s in sockets:
                    s.close()
                for t in threads:
                    t.join(timeout=5)
    print("tasks per worker:", dict(sorted(per_worker.items())))
    print("squares:", [squares[n] for n in range(TASKS)])
    assert squares == {n: n * n for n in range(TASKS)}
    assert len(per_worker) == WORKERS  # every worker got some
    print("pipeline/sync: done")


if __name__ == "__main__":
    main()
