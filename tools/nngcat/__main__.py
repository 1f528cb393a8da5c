"""Entry point of the ``nngcat`` console script and of ``python -m nngcat``."""

import signal
import sys

from . import app


def main() -> int:
    """Run nngcat with the process's arguments and standard streams."""
    # Like the C tool: a closed output pipe (`nngcat ... | head`) ends us quietly.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    return app.run(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
