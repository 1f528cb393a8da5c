"""Kept for old instructions: the REQ/REP tcp round-trip rows of the suite.

Same as ``python -m benchmarks --only reqrep/tcp`` (extra options pass
through, e.g. ``--quick``).  See run.py for the whole suite.
"""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from benchmarks.run import main
    sys.exit(main(["--only", "reqrep/tcp"] + sys.argv[1:]))
