"""nngkit and the real C nngcat (Debian's nng-utils, /usr/bin/nngcat).

1. nngcat --req0 dials an nngkit Rep0 over tcp, sends a request and prints
   the reply.
2. nngcat --rep0 dials an nngkit Req0 (REQ may listen too) over ipc and
   answers one request.
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


def main() -> None:
    if not os.access(NNGCAT, os.X_OK):
        print("SKIP: %s not found (apt-get install -y nng-utils)" % NNGCAT)
        sys.exit(77)
    version = subprocess.run([NNGCAT, "--version"], capture_output=True, timeout=10).stdout
    print("using %s %s" % (NNGCAT, version.decode().strip()))
    nngkit_answers_nngcat()
    nngcat_answers_nngkit()
    print("interop_nngcat: done")


if __name__ == "__main__":
    main()
