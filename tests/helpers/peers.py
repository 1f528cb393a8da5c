"""External peers that nngkit.testing's sp_peer does not run: programs driven by their output.

``require_peer`` / ``require_module`` skip when a peer is absent, unless
NNGKIT_REQUIRE_PEERS=1 (CI), where an absent peer is a failure; binaries are
found as the plugin finds them.  ``Proc`` is a child process read line by
line with deadlines (nanocat, nngcat's own CLI comparisons); it is only
ever ended by its own Popen handle.
"""
from __future__ import annotations

import importlib
import os
import selectors
import shutil
import subprocess
import sys
import time
from typing import Any, List, NoReturn, Optional, Sequence

import pytest

from nngkit.testing.impls import native_binary

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT_ROOT = os.path.dirname(os.path.dirname(HERE))


def _missing(what: str) -> NoReturn:
    msg = f"peer {what} is not available"
    if os.environ.get("NNGKIT_REQUIRE_PEERS", "") == "1":
        pytest.fail(msg + " (NNGKIT_REQUIRE_PEERS=1)", pytrace=False)
    pytest.skip(msg)


def require_peer(binary: str) -> str:
    """Absolute path of the native (C) `binary` (not nngkit's Python nngcat), or skip/fail."""
    return native_binary(binary) or _missing(binary)


def require_file(path: str, package: str) -> str:
    """`path` if it exists (a header or library of a Debian package), or skip/fail naming the package."""
    return path if os.path.exists(path) else _missing(f"{package} ({path})")


def require_module(name: str) -> Any:
    """Import the Python package `name` (a peer or an optional framework), or skip/fail."""
    try:
        return importlib.import_module(name)
    except ImportError:
        _missing("%s (Python package)" % name)


def require_pynng() -> Any:
    return require_module("pynng")


class Proc:
    """A child process with line-oriented, deadline-bounded stdout reading."""

    def __init__(self, argv: Sequence[str], env: Optional[dict] = None, cwd: Optional[str] = None) -> None:
        self.argv = list(argv)
        self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=cwd)
        assert self.p.stdout is not None and self.p.stderr is not None
        self.stdout, self.stderr = self.p.stdout, self.p.stderr
        self._out = b""
        self.lines: List[bytes] = []

    def readline(self, timeout: float = 10.0) -> bytes:
        """Next stdout line (without newline); fails if none arrives in time."""
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._out:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    raise AssertionError(f"no output line from {self.argv[:3]} in {timeout}s; "
                                         f"stderr: {self.stderr_now()!r}")
                chunk = os.read(self.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError(f"{self.argv[:3]} closed stdout (rc={self.p.poll()}); "
                                         f"partial={self._out!r}; stderr: {self.stderr_now()!r}")
                self._out += chunk
        finally:
            sel.close()
        line, _, self._out = self._out.partition(b"\n")
        self.lines.append(line)
        return line

    def stderr_now(self) -> bytes:
        if self.p.poll() is None:
            return b"(still running)"
        return self.stderr.read() or b""

    def finish(self, timeout: float = 10.0):
        """Wait for exit; returns (rc, remaining stdout, stderr)."""
        try:
            out, err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.argv[:3]} did not exit within {timeout}s") from None
        return self.p.returncode, self._out + out, err

    def kill(self) -> None:
        """SIGKILL and reap (only this child)."""
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=10)

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=5)
        for f in (self.p.stdout, self.p.stderr):
            if f is not None:
                f.close()


def python_argv(script: str, *args: str) -> List[str]:
    return [sys.executable, "-c", script, *args]


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = PROJECT_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def unbuffered(argv: Sequence[str]) -> List[str]:
    """Run a C program with unbuffered stdout (nngcat does not flush -v lines)."""
    stdbuf = shutil.which("stdbuf")
    return ([stdbuf, "-o0"] if stdbuf else []) + list(argv)
