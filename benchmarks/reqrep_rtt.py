"""REQ/REP round trips per second over loopback tcp: nngkit vs pynng.

For each library a Rep0 echo server runs in its own process; this process
is the Req0 client and sends 64-byte requests back to back for a fixed time.
Runs alternate between the libraries (nngkit, pynng, nngkit, ...) so that
machine noise hits both alike; the median of the rounds is reported.
Both sides use the blocking API.

Run: python benchmarks/reqrep_rtt.py [--quick] [--seconds S] [--rounds N]
"""

import argparse
import importlib
import select
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Tuple

LIBS = ("nngkit", "pynng")
PAYLOAD = b"x" * 64
IDLE_LIMIT_MS = 60000  # a server with no request for this long exits
START_LIMIT = 30  # seconds for a server to print its URL
MAX_TRIPS = 10_000_000  # per timed run; the duration normally ends it first
MAX_SERVED = 10**9  # per server process


def serve(lib_name: str) -> None:
    """Echo server: print the bound URL, then answer until idle or killed."""
    lib = importlib.import_module(lib_name)
    with lib.Rep0(listen="tcp://127.0.0.1:0", recv_timeout=IDLE_LIMIT_MS) as rep:
        print(rep.listeners[0].url, flush=True)
        for _ in range(MAX_SERVED):
            try:
                msg = rep.recv()
            except lib.Timeout:
                return
            rep.send(msg)


def start_server(lib_name: str) -> Tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", lib_name],
                            stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], START_LIMIT)
    url = proc.stdout.readline().strip() if ready else ""
    if not url.startswith("tcp://"):
        proc.kill()
        raise SystemExit("%s server did not start (got %r)" % (lib_name, url))
    return proc, url


def timed_run(req, seconds: float) -> float:
    """Round trips per second for about ``seconds``."""
    trips, start = 0, time.perf_counter()
    deadline = start + seconds
    while trips < MAX_TRIPS:
        for _ in range(100):  # check the clock every 100 trips
            req.send(PAYLOAD)
            req.recv()
        trips += 100
        if time.perf_counter() >= deadline:
            break
    return trips / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds of 0.3 s (a smoke test)")
    ap.add_argument("--seconds", type=float, default=2.0, help="length of one run (default 2)")
    ap.add_argument("--rounds", type=int, default=5, help="runs per library (default 5)")
    ap.add_argument("--serve", choices=LIBS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    seconds, rounds = (0.3, 3) if args.quick else (min(args.seconds, 30.0), min(args.rounds, 50))

    libs = {name: importlib.import_module(name) for name in LIBS}
    servers = {name: start_server(name) for name in LIBS}
    results: Dict[str, List[float]] = {name: [] for name in LIBS}
    try:
        clients = {name: libs[name].Req0(dial=servers[name][1], recv_timeout=5000)
                   for name in LIBS}
        for name in LIBS:  # warm up connections and caches
            for _ in range(1000):
                clients[name].send(PAYLOAD)
                clients[name].recv()
        for r in range(rounds):
            for name in LIBS:
                results[name].append(timed_run(clients[name], seconds))
            print("round %d: " % (r + 1) + "  ".join(
                "%s %.0f/s" % (n, results[n][-1]) for n in LIBS), flush=True)
        for c in clients.values():
            c.close()
    finally:
        for proc, _ in servers.values():
            proc.kill()
            proc.wait(timeout=10)

    med = {name: statistics.median(results[name]) for name in LIBS}
    print()
    print("REQ/REP round trips, tcp://127.0.0.1, 64-byte messages, blocking API")
    print("median of %d runs of %.1f s each (Python %s)" % (rounds, seconds, sys.version.split()[0]))
    print("%-8s %-10s %14s %12s" % ("library", "version", "round trips/s", "us per trip"))
    for name in LIBS:
        version = getattr(libs[name], "__version__", "?")
        print("%-8s %-10s %14.0f %12.1f" % (name, version, med[name], 1e6 / med[name]))
    print("ratio nngkit/pynng: %.2f" % (med["nngkit"] / med["pynng"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
