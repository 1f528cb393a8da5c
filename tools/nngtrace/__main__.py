"""Entry point of the ``nngtrace`` console script and of ``python -m nngtrace``."""

import sys

from .cli import run


def main() -> int:
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
