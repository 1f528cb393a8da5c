"""nngcat's whole behaviour, callable in-process: ``run(argv, ...) -> exit code``.

A stub for now; the real tool (issue 4) parses NNG nngcat's options and runs
its recv/send/request/reply loops on the public ``nngkit`` API.
"""

from typing import BinaryIO, List, TextIO


def run(argv: List[str], stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO) -> int:
    """Run nngcat with ``argv`` (without the program name); return the exit code."""
    stderr.write("nngkit nngcat: not implemented yet (see issue 4)\n")
    stderr.flush()
    return 1
