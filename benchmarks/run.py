"""nngkit beside pynng and a raw-socket floor: latency, throughput, fan-out, memory.

Run from the repository root:  python -m benchmarks [--quick] [--json FILE] [--plot FILE.svg]
(python -m benchmarks --replot FILE.json --plot FILE.svg redraws a saved run.)
(or python benchmarks/run.py).  Every figure is the median of several runs
with their min-max; the implementations take turns inside each round
(nngkit, pynng, raw, then pynng, raw, nngkit, ...) so machine noise hits all
alike, and the ratio nngkit/pynng comes from the same rounds.  Server sides
(REP, PUSH, PUB) run in one peer process per implementation; inproc cases
stay in this process (a thread, or a task on the same loop).  Loopback only.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

if not __package__:  # run as a script: python benchmarks/run.py
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import common, tls_certs  # noqa: E402
from benchmarks.cases import Case, Timing, all_cases, measure, speaks  # noqa: E402
from benchmarks.cbuild import binary  # noqa: E402
from benchmarks.peer import C_IMPLS, IMPLS, Peer, PeerError  # noqa: E402
from benchmarks.report import Runs, cell, print_table, rows, write_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = dict(rounds=3, seconds=0.1, warm=0.03)
FULL = dict(rounds=5, seconds=0.5, warm=0.1)


def parse(argv: Optional[List[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 short rounds (under a minute)")
    ap.add_argument("--rounds", type=int, help="runs per implementation and case (default 5)")
    ap.add_argument("--seconds", type=float, help="measured length of one run (default 0.5)")
    ap.add_argument("--json", metavar="FILE", help="also write JSON lines to FILE ('-': stdout)")
    ap.add_argument("--only", action="append", default=[], metavar="TEXT",
                    help="only cases whose name (group/transport/mode/size) contains TEXT; repeatable")
    ap.add_argument("--impls", default=",".join(IMPLS),
                    help="comma list of %s (nng: C NNG on the system libnng; nng11: C NNG on pynng's bundled NNG 1.11; raw, rawc: Python and C floors; "
                         "asyncio: plain asyncio streams)" % ",".join(IMPLS))
    ap.add_argument("--conns", type=int, default=10_000, help="sockets in the memory case (default 10000)")
    ap.add_argument("--plot", metavar="FILE.svg", help="also draw the ratios to FILE (needs matplotlib)")
    ap.add_argument("--replot", metavar="FILE.json",
                    help="measure nothing: draw --plot from a saved --json FILE")
    ap.add_argument("--list", action="store_true", help="list the case names and exit")
    args = ap.parse_args(argv)
    if args.replot and not args.plot:
        ap.error("--replot needs --plot FILE.svg")
    base = QUICK if args.quick else FULL
    args.rounds = max(1, min(args.rounds or base["rounds"], 50))
    args.seconds = max(0.02, min(args.seconds or base["seconds"], 30.0))
    args.warm = base["warm"] if args.seconds <= 1 else 0.2
    args.conns = max(2, min(args.conns, 50_000))
    args.impls = [i for i in args.impls.split(",") if i]
    bad = set(args.impls) - set(IMPLS)
    if bad:
        ap.error("unknown implementation(s): %s" % ", ".join(sorted(bad)))
    return args


def _meta(args: argparse.Namespace) -> Dict[str, Any]:
    versions = {}
    for name in ("nngkit", "pynng"):
        try:
            versions[name] = __import__(name).__version__
        except Exception:
            versions[name] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, timeout=10,
                                capture_output=True, text=True).stdout.strip()
    except Exception:
        commit = ""
    return {"python": platform.python_version(), "versions": versions, "commit": commit,
            "cpus": os.cpu_count(), "rounds": args.rounds, "seconds": args.seconds,
            "warm": args.warm, "conns": args.conns, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
            "caption": "Python %s, %s cpus, nngkit %s (%s), pynng %s. rtt lower is better; "
                       "rates higher. REP/PUSH/PUB sides in a second process (inproc: same "
                       "process); asyncio cases are asyncio on both sides. nngtrace cases: nngkit "
                       "at both ends in this process, the proxy (--json --out FILE, on the loop "
                       "named) a second one; via/direct is the median over alternating slices." % (
                           platform.python_version(), os.cpu_count(), versions["nngkit"], commit,
                           versions["pynng"])}


def _build_c(args: argparse.Namespace) -> List[str]:
    """Build the C rivals now; one that cannot be built leaves the run with a note."""
    notes = []
    for impl in [i for i in args.impls if i in C_IMPLS]:
        path, why = binary(impl)
        if path is None:
            args.impls.remove(impl)
            notes.append("%s skipped: %s." % (impl, why))
            print("note: %s skipped: %s" % (impl, why), file=sys.stderr)
    return notes


def _tls_setup(cases: List[Case], notes: List[str]) -> List[Case]:
    """Make the tls+tcp cases' certificates before the peers start (they
    inherit them); without trustme those cases leave the run with a note."""
    if not any(c.transport == "tls+tcp" for c in cases):
        return cases
    try:
        tls_certs.make()
    except RuntimeError as e:
        print("note: tls+tcp cases skipped: %s" % e, file=sys.stderr)
        notes.append("tls+tcp cases skipped: no trustme.")
        return [c for c in cases if c.transport != "tls+tcp"]
    return cases


def _cipher_note(records: List[Dict[str, Any]], meta: Dict[str, Any]) -> None:
    """The 1 MiB tls+tcp rates beside `openssl speed -evp aes-128-gcm` (16 KiB blocks)."""
    from benchmarks.cipher_ceiling import aes128gcm_mb_s
    row = next((r for r in records if r["case"] == "pushpull/tls+tcp/sync/1MiB"), None)
    if row is None:
        return
    ceiling = aes128gcm_mb_s()
    meta["aes128gcm_16k_mb_s"] = None if math.isnan(ceiling) else round(ceiling, 1)
    if math.isnan(ceiling):
        return
    parts = ["%s %.0f%%" % (i, 100 * row[i]["median"] / ceiling) for i in ("nngkit", "pynng")
             if i in row and row[i].get("n")]
    note = ("openssl speed -evp aes-128-gcm, 16 KiB blocks: %.0f MB/s; 1 MiB tls+tcp as a share of "
            "it: %s." % (ceiling, ", ".join(parts) or "-"))
    meta["caption"] += " " + note
    print(note, file=sys.stderr)


def run_case(case: Case, impls: List[str], peers: Dict[str, Peer], timing: Timing,
             rounds: int) -> Runs:
    runs: Runs = {impl: {m.key: [] for m in case.metrics} for impl in impls}
    for r in range(rounds):
        order = impls[r % len(impls):] + impls[:r % len(impls)]
        for impl in order:
            if not speaks(case, impl):
                continue
            try:
                out = measure(case, impl, peers[impl], timing, ROOT)
            except Exception as e:
                print("  %s %s round %d failed: %s: %s" % (case.name, impl, r + 1,
                                                           type(e).__name__, e), file=sys.stderr)
                out = {}
                peers[impl].restart()
            for m in case.metrics:
                runs[impl][m.key].append(float(out.get(m.key, math.nan)))
    return runs


def _plot(args: argparse.Namespace, records: List[Dict[str, Any]], meta: Dict[str, Any]) -> int:
    from benchmarks.plot import PlotUnavailable, load_json, plot
    try:
        if args.replot:
            meta, records = load_json(args.replot)
        n = plot(records, meta, args.plot)
    except (PlotUnavailable, ValueError, OSError) as e:
        print("python -m benchmarks: %s" % e, file=sys.stderr)
        return 1
    print("wrote %s (%d rows)" % (args.plot, n), file=sys.stderr)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse(argv)
    if args.plot:  # say so now rather than after the whole run
        import importlib.util
        if importlib.util.find_spec("matplotlib") is None:
            print("python -m benchmarks: --plot needs matplotlib: pip install 'nngkit[bench]' "
                  "(or pip install matplotlib)", file=sys.stderr)
            return 1
        if args.replot:
            return _plot(args, [], {})
    cases = [c for c in all_cases(args.conns) if not args.only or any(t in c.name for t in args.only)]
    if args.list or not cases:
        print("\n".join(c.name for c in all_cases(args.conns)))
        return 0 if cases else 2
    timing = Timing(seconds=args.seconds, warm=args.warm, conns=args.conns)
    notes = _build_c(args)
    cases = _tls_setup(cases, notes)
    meta = _meta(args)
    meta["caption"] += "".join(" " + n for n in notes)
    peers: Dict[str, Peer] = {}
    records: List[Dict[str, Any]] = []
    t_start = time.monotonic()
    try:
        for impl in args.impls:
            try:
                peers[impl] = Peer(impl, ROOT)
            except PeerError as e:  # e.g. nngkit not importable: nothing to measure
                print("python -m benchmarks: %s" % e, file=sys.stderr)
                return 1
        for case in cases:
            t0 = time.monotonic()
            rounds = args.rounds if case.group != "conns" else (1 if args.quick else 2)
            recs = rows(case, run_case(case, args.impls, peers, timing, rounds), args.impls)
            records.extend(recs)
            first = recs[0]
            print("%-28s %s  (%.1f s)" % (case.name, "  ".join(
                "%s %s" % (i, cell(first[i], first["unit"])) for i in args.impls),
                time.monotonic() - t0), file=sys.stderr, flush=True)
    finally:
        for p in peers.values():
            p.close()
        if common._ipc_dir:
            shutil.rmtree(common._ipc_dir, ignore_errors=True)
        tls_certs.remove()
    _cipher_note(records, meta)
    meta["elapsed_s"] = round(time.monotonic() - t_start, 1)
    meta["loadavg"] = [round(x, 2) for x in os.getloadavg()]  # at the end of the run
    print_table(records, args.impls, meta)
    if args.json:
        write_json(args.json, records, meta)
    return _plot(args, records, meta) if args.plot else 0


if __name__ == "__main__":
    sys.exit(main())
