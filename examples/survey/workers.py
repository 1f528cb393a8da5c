"""A survey of worker processes: who is there, and how busy are they?

The supervisor's Surveyor0 listens on an ipc path; each worker process
(started with multiprocessing) dials it with a Respondent0 and answers every
survey.  The supervisor waits until it has attached all workers (a pipe
callback), asks for their status, then tells them to quit.  A worker that
has answered "bye" exits once the supervisor hangs up (a pipe-removed
callback), so its answer is never lost by closing too early.
Run: python examples/survey/workers.py
"""

import multiprocessing
import os
import sys
import tempfile
import threading

import nngkit

WORKERS = 3


def worker(number: int, url: str) -> None:
    hung_up = threading.Event()
    with nngkit.Respondent0(recv_timeout=10000) as sock:
        sock.add_post_pipe_remove_cb(lambda pipe: hung_up.set())
        sock.dial(url, block=True)
        while True:
            question = sock.recv()  # Timeout after 10 s: the worker gives up
            if question == b"quit":
                sock.send(b"worker %d: bye" % number)
                hung_up.wait(10)
                return
            sock.send(b"worker %d (pid %d): %d jobs queued" % (number, os.getpid(), number * 7 % 5))


def survey(surveyor: nngkit.Surveyor0, question: bytes) -> list:
    surveyor.send(question)
    answers = []
    while len(answers) < WORKERS:
        try:
            answers.append(surveyor.recv().decode())
        except nngkit.Timeout:
            break
    return sorted(answers)


def main() -> None:
    spawn = multiprocessing.get_context("spawn")
    attached = threading.Semaphore(0)
    with tempfile.TemporaryDirectory() as tmp:
        url = "ipc://" + os.path.join(tmp, "supervisor.ipc")
        with nngkit.Surveyor0(survey_time=5000) as surveyor:
            surveyor.add_post_pipe_connect_cb(lambda pipe: attached.release())
            surveyor.listen(url)
            procs = [spawn.Process(target=worker, args=(i, url)) for i in range(WORKERS)]
            for p in procs:
                p.start()
            try:
                for _ in procs:
                    assert attached.acquire(timeout=20), "a worker did not connect"
                status = survey(surveyor, b"status?")
                for line in status:
                    print(line)
                assert len(status) == WORKERS, status
                byes = survey(surveyor, b"quit")
                print(byes)
                assert byes == ["worker %d: bye" % i for i in range(WORKERS)]
            finally:
                surveyor.close()  # the workers waiting for the hang-up exit now
                for p in procs:
                    p.join(timeout=10)
                    if p.exitcode is None:
                        p.kill()
                        p.join(timeout=5)
        codes = [p.exitcode for p in procs]
    print("worker exit codes:", codes)
    if codes != [0] * WORKERS:
        sys.exit(1)
    print("survey/workers: done")


if __name__ == "__main__":
    main()
