"""nngkit and the real C nngcat (Debian's nng-utils, /usr/bin/nngcat).

1. nngcat --req0 dials an nngkit Rep0 over tcp, sends a request and prints
   the reply.
2. nngcat --rep0 dials an nngkit Req0 (REQ may listen too) over ipc and
   answers one request.
3. PUSH/PULL both ways: nngcat --pull0 prints what an nngkit Push0 sends,
   and an nngkit Pull0 receives what nngcat --push0 sends.
4. An nngkit Surveyor0 asks nngcat --respondent0, after a pipe callback has
   said that nngcat's connection is attached (a survey sent earlier would be
   lost: surveys never wait).
nngkit always listens and nngcat dials, so nothing waits for nngcat to be
ready.  We call /usr/bin/nngcat by full path: pip installs nngkit's own
(unfinished) nngcat script, which may come first on PATH.
Exits 77 (skipped) if /usr/bin/nngcat is absent: apt-get install nng-utils.
Run: python examples/interop_nngcat.py
"""

import os
import subprocess
import sys
import tempfile
import threading

import nngkit

NNGCAT = "/usr/bin/nngcat"
TIMEOUT_MS = 5000


def nngkit_answers_nngcat() -> None:
    with nngkit.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=TIMEOUT_MS) as rep:
        url = rep.listeners[0].url
        cmd = [NNGCAT, "--req0", "--dial", url, "--data", "hello from nngcat", "--quoted"]
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as cat:
            try:
                request = rep.recv()
                rep.send(b"nngkit got: " + request)
                out, err = cat.communicate(timeout=10)
            finally:
                cat.kill()  # no-op if it already exited
        print("nngkit Rep0 received:", request)
        print("nngcat --req0 printed:", out.decode().strip(), "| exit", cat.returncode)
        if cat.returncode != 0:
            raise SystemExit("nngcat failed: " + err.decode())


def nngcat_answers_nngkit() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = "ipc://" + os.path.join(tmp, "nngcat.ipc")
        with nngkit.Req0(listen=url, recv_timeout=TIMEOUT_MS) as req:
            cmd = [NNGCAT, "--rep0", "--dial", url, "--data", "reply from nngcat",
                   "--count", "1", "--quoted"]
            with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as cat:
                try:
                    # Queued until nngcat's connection arrives, then delivered.
                    req.send(b"hello from nngkit")
                    reply = req.recv()
                    out, err = cat.communicate(timeout=10)
                finally:
                    cat.kill()
        print("nngcat --rep0 printed:", out.decode().strip(), "| exit", cat.returncode)
        print("nngkit Req0 received:", reply)
        if cat.returncode != 0:
            raise SystemExit("nngcat failed: " + err.decode())


def run_nngcat(args: list, talk) -> bytes:
    """Run nngcat with args, call talk() meanwhile, and return nngcat's output."""
    with subprocess.Popen([NNGCAT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as cat:
        try:
            talk()
            out, err = cat.communicate(timeout=10)
        finally:
            cat.kill()  # no-op if it already exited
    if cat.returncode != 0:
        raise SystemExit("nngcat %s failed: %s" % (args[0], err.decode()))
    return out


def pipeline_both_ways() -> None:
    with nngkit.Push0(listen="tcp://127.0.0.1:0", send_timeout=TIMEOUT_MS) as push:
        url = push.listeners[0].url
        # send() waits until nngcat's connection can take the message (back-pressure)
        out = run_nngcat(["--pull0", "--dial", url, "--count", "2", "--quoted"],
                         lambda: [push.send(b"task %d" % i) for i in range(2)])
        print("nngcat --pull0 printed:", out.decode().splitlines())
        assert out == b'"task 0"\n"task 1"\n', out
    with nngkit.Pull0(listen="tcp://127.0.0.1:0", recv_timeout=TIMEOUT_MS) as pull:
        got = []
        run_nngcat(["--push0", "--dial", pull.listeners[0].url, "--data", "result from nngcat"],
                   lambda: got.append(pull.recv()))
        print("nngkit Pull0 received:", got[0])
        assert got == [b"result from nngcat"]


def survey_nngcat() -> None:
    attached = threading.Semaphore(0)
    with nngkit.Surveyor0(survey_time=TIMEOUT_MS) as surveyor:
        surveyor.add_post_pipe_connect_cb(lambda pipe: attached.release())
        url = surveyor.listen("tcp://127.0.0.1:0").url
        answers = []

        def ask() -> None:
            if not attached.acquire(timeout=10):
                raise SystemExit("nngcat --respondent0 did not connect")
            surveyor.send(b"anyone there?")
            answers.append(surveyor.recv())

        out = run_nngcat(["--respondent0", "--dial", url, "--data", "nngcat here",
                          "--count", "1", "--quoted"], ask)
        print("nngcat --respondent0 printed:", out.decode().strip(), "| nngkit got:", answers[0])
        assert answers == [b"nngcat here"]


def main() -> None:
    if not os.access(NNGCAT, os.X_OK):
        print("SKIP: %s not found (apt-get install -y nng-utils)" % NNGCAT)
        sys.exit(77)
    version = subprocess.run([NNGCAT, "--version"], capture_output=True, timeout=10).stdout
    print("using %s %s" % (NNGCAT, version.decode().strip()))
    nngkit_answers_nngcat()
    nngcat_answers_nngkit()
    pipeline_both_ways()
    survey_nngcat()
    print("interop_nngcat: done")


if __name__ == "__main__":
    main()
