"""Entry point of the ``nngcat`` console script and of ``python -m nngcat``."""

import sys

from . import app


def main() -> int:
    """Run nngcat with the process's arguments and standard streams."""
    return app.run(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
