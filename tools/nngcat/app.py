"""nngcat's whole behaviour, callable in-process: ``run(argv, ...) -> exit code``.

The steps are NNG nngcat's: parse (acting on each option in order), validate,
open the socket and set its options, start the endpoints (printing the -v
lines), then run the protocol's loop.  Anything fatal prints one line to
stderr and gives exit code 1; a normal end gives 0.  Built only on the
public ``nngkit`` API.
"""

from __future__ import annotations

import sys
from typing import BinaryIO, Callable, List, Optional, TextIO

import nngkit

from . import args, endpoints, fmt, loops
from .args import Config, Fatal
from .stats import Stats


def _printer(cfg: Config, stdout: BinaryIO) -> Callable[[bytes], None]:
    render = fmt.formatter(cfg.format)

    def show(body: bytes) -> None:
        out = render(body)
        if out:
            stdout.write(out)
            stdout.flush()

    return show


def _say(stream: TextIO, text: str) -> None:
    stream.write(text + "\n")
    stream.flush()


def _open(cfg: Config) -> nngkit.Socket:
    try:
        return endpoints.open_socket(cfg)
    except nngkit.NNGException as e:
        raise Fatal("Unable to open socket: %s" % e) from None


def _serve(cfg: Config, stdout: BinaryIO, stderr: TextIO) -> int:
    """Everything after validation; returns the exit code.

    --stats are printed once the endpoints are up (also after a fatal error
    in the loop), or when Ctrl-C ends nngcat at any point after that.
    """
    sock: Optional[nngkit.Socket] = None
    stats = Stats()
    show_stats = False
    code = 0
    try:
        sock = _open(cfg)
        show_stats = cfg.stats
        endpoints.start(sock, cfg, stdout)
        loops.run_mode(loops.Session(sock, cfg, _printer(cfg, stdout), stats))
    except Fatal as e:
        _say(stderr, str(e))
        code = 1
        show_stats = show_stats and not isinstance(e, endpoints.EndpointError)
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 1
    finally:
        if sock is not None:
            sock.close()
    if show_stats:
        stats.render(stderr)
    return code


def run(argv: List[str], stdin: Optional[BinaryIO] = None, stdout: Optional[BinaryIO] = None,
        stderr: Optional[TextIO] = None) -> int:
    """Run nngcat with ``argv`` (without the program name); return the exit code.

    ``stdin``/``stdout`` are binary streams, ``stderr`` a text stream; they
    default to the process's own.
    """
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout.buffer
    stderr = stderr if stderr is not None else sys.stderr
    try:
        cfg = args.validate(args.parse(list(argv), stdin))
    except args.Finish as done:
        stdout.write(done.text.encode("utf-8"))
        stdout.flush()
        return done.code
    except Fatal as e:
        _say(stderr, str(e))
        return 1
    return _serve(cfg, stdout, stderr)
