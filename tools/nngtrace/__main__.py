"""Entry point of the ``nngtrace`` console script and of ``python -m nngtrace``."""

import sys


def main() -> int:
    # The console script is installed with nngkit itself, but its output needs
    # rich, which comes with the cli extra (as for nngcat's --stats table).
    try:
        from .cli import run
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] != "rich":
            raise
        sys.stderr.write("nngtrace needs the rich package: pip install 'nngkit[cli]'\n")
        return 1
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
