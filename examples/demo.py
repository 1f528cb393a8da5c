"""Run every nngkit example in turn and report what happened.

Each example runs in its own Python process with a time limit; its output
is shown indented.  An example that exits 77 was skipped because a peer
(pynng, /usr/bin/nngcat) is missing.  Exit status: 0 unless one failed.
Run: python examples/demo.py
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Every example, in the order the demo runs them (tests/examples checks that
# no example file is missing from this list).
EXAMPLES = [
    "reqrep/sync.py",
    "reqrep/async.py",
    "reqrep/async_trio.py",
    "reqrep/resend.py",
    "pair/sync.py",
    "pair/async.py",
    "pair1/sync.py",
    "pair1/async.py",
    "pubsub/sync.py",
    "pubsub/async.py",
    "pipeline/sync.py",
    "pipeline/async.py",
    "survey/sync.py",
    "survey/async.py",
    "survey/workers.py",
    "bus/sync.py",
    "bus/async.py",
    "devices/reqrep_broker.py",
    "devices/pubsub_hub.py",
    "pipes/callbacks.py",
    "pipes/events_async.py",
    "websocket/pubsub.py",
    "tls/reqrep.py",
    "tls/wss_pubsub.py",
    "interop_pynng.py",
    "interop_nngcat.py",
]
# Examples the demo leaves out, and why.
NOT_RUN = {
    "browser/serve.py": "serves a web page until Ctrl-C; run it and open the URL it prints "
                        "(tests/examples/test_browser.py drives it in headless Chromium)",
}
TIME_LIMIT = 60  # seconds per example
SKIPPED = 77


def run_one(name: str) -> str:
    print("=== %s" % name, flush=True)
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, os.path.join(HERE, name)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired as exc:
        output, status = exc.output or b"", "FAIL (no exit after %d s)" % TIME_LIMIT
    else:
        output = proc.stdout
        if proc.returncode == 0:
            status = "ok"
        elif proc.returncode == SKIPPED:
            status = "skipped"
        else:
            status = "FAIL (exit %d)" % proc.returncode
    for line in output.decode(errors="replace").splitlines():
        print("    " + line)
    status += " in %.2f s" % (time.monotonic() - start)
    print("--- %s: %s\n" % (name, status), flush=True)
    return status


def main() -> int:
    results = [(name, run_one(name)) for name in EXAMPLES]
    print("Summary")
    for name, status in results:
        print("  %-26s %s" % (name, status))
    for name, why in NOT_RUN.items():
        print("  %-26s not run: %s" % (name, why))
    failed = [name for name, status in results if status.startswith("FAIL")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
