"""SURVEYOR/RESPONDENT, blocking API: ask everyone, collect answers until a deadline.

A survey goes to every connected respondent; answers are collected for
``survey_time`` ms.  When the deadline passes, ``recv`` raises `Timeout`,
and an answer that comes later is dropped, even if it arrives during the
next survey (each answer carries its survey's id).  Sending a survey never
waits: one sent before the surveyor has attached a respondent is lost for
it, so the surveyor counts attached connections with a pipe callback first.
Run: python examples/survey/sync.py
"""

import threading

import nngkit

NAMES = ["fast1", "fast2", "slow"]
SURVEY_MS = 300


def respond(name: str, sock: nngkit.Respondent0, late: threading.Event) -> None:
    while True:
        try:
            question = sock.recv()
        except nngkit.Closed:
            return
        if name == "slow" and question == b"round 2":
            late.wait(5)  # answer only once the surveyor has given up on round 2
        sock.send(b"%s answers %s" % (name.encode(), question))


def collect(surveyor: nngkit.Surveyor0, expected: int) -> list:
    """Answers to the current survey: `expected` of them, or fewer at the deadline."""
    answers = []
    while len(answers) < expected:
        try:
            answers.append(surveyor.recv().decode())
        except nngkit.Timeout:  # the survey's deadline passed
            break
    return sorted(answers)


def main() -> None:
    attached = threading.Semaphore(0)
    late = threading.Event()
    with nngkit.Surveyor0(survey_time=SURVEY_MS) as surveyor:
        surveyor.add_post_pipe_connect_cb(lambda pipe: attached.release())
        url = surveyor.listen("tcp://127.0.0.1:0").url
        socks = [nngkit.Respondent0(dial=url, recv_timeout=5000) for _ in NAMES]
        threads = [threading.Thread(target=respond, args=(n, s, late)) for n, s in zip(NAMES, socks)]
        for t in threads:
            t.start()
        try:
            for _ in NAMES:
                assert attached.acquire(timeout=5), "a respondent did not connect"

            surveyor.send(b"round 1")
            print("round 1:", collect(surveyor, len(NAMES)))

            surveyor.send(b"round 2")
            answers = collect(surveyor, len(NAMES))
            print("round 2 (slow misses the %d ms deadline):" % SURVEY_MS, answers)
            assert answers == ["fast1 answers round 2", "fast2 answers round 2"]
            try:
                surveyor.recv()
            except nngkit.BadState:
                print("after the deadline, recv raises BadState until the next survey")
            else:
                raise SystemExit("recv after the deadline returned a message")
            late.set()  # now slow sends its answer to round 2: it will be dropped

            surveyor.send(b"round 3")
            answers = collect(surveyor, len(NAMES))
            print("round 3:", answers)
            assert answers == ["%s answers round 3" % n for n in sorted(NAMES)]
        finally:
            for s in socks:
                s.close()
            for t in threads:
                t.join(timeout=5)
    print("survey/sync: done")


if __name__ == "__main__":
    main()
