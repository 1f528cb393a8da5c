"""Running peers: what the test sees of them, whatever their implementation.

Each peer reports events as lines (pypeer.py and cpeer.c speak one line
protocol; nngcat's ``-v`` and ``--hex`` output is read into the same
events).  Readiness is an SP event: "ready" comes after a listener is bound
or after a synchronous dial (the SP handshake is done), "pipe add" when a
pipe is attached on the peer's side.  Nothing here sleeps to wait.
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional

GRACE = 3.0  # seconds between asking a peer to end and SIGKILL


class PeerError(AssertionError):
    """A peer did not start, did not do what was awaited in time, or failed."""


class Peer:
    """A running peer: ``.url``, ``.send()``, ``.recv()``, ``.received``, ``.stop()``, ``.returncode``, ``.stderr``."""

    impl = "?"

    def __init__(self, protocol: str, behaviour: Any, url: str) -> None:
        self.protocol, self.behaviour = protocol, behaviour
        self.url = url  # as asked for; replaced by the bound one when the peer is ready
        self.received: List[bytes] = []
        self.pipes_added = self.pipes_removed = self.sent = 0
        self.done = False
        self.errors: List[str] = []
        self.other_lines: List[str] = []
        self._taken = 0
        self._ready = False
        self._stopped = self._reported = False
        self._cond = threading.Condition()

    # --- events -------------------------------------------------------------
    def _on_line(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        with self._cond:
            if word == "recv":
                self.received.append(bytes.fromhex(rest))
            elif word == "ready":
                self.url, self._ready = rest or self.url, True
            elif line == "pipe add":
                self.pipes_added += 1
            elif line == "pipe rem":
                self.pipes_removed += 1
            elif word == "sent":
                self.sent += 1
            elif word == "done":
                self.done = True
            elif word == "error":
                self.errors.append(rest)
            else:
                self.other_lines.append(line)
            self._cond.notify_all()

    def _wait(self, pred: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not pred():
                left = deadline - time.monotonic()
                if self.returncode is not None and not pred():
                    self._reported = True  # the test has it as an exception: not a crash to add to its report
                    raise PeerError("%s ended (%s) while waiting for %s%s"
                                    % (self, self.exit_text(), what, self._stderr_tail()))
                if left <= 0:
                    raise PeerError("%s: no %s within %.1f s%s" % (self, what, timeout, self._stderr_tail()))
                self._cond.wait(min(left, 0.5))  # woken by every event and by the exit

    def _stderr_tail(self) -> str:
        err = self.stderr.strip()
        return "; stderr: " + err[-1000:] if err else ""

    # --- the test's side ----------------------------------------------------
    def recv(self, timeout: float = 10.0) -> bytes:
        """The next message the peer received (in order; each one once)."""
        self._wait(lambda: len(self.received) > self._taken, timeout, "message received")
        with self._cond:
            self._taken += 1
            return self.received[self._taken - 1]

    def wait_received(self, n: int, timeout: float = 10.0) -> List[bytes]:
        """Wait until the peer has received `n` messages in all; returns them."""
        self._wait(lambda: len(self.received) >= n, timeout, "%d messages received" % n)
        return list(self.received[:n])

    def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait for a pipe on the peer's side (not available from nngcat)."""
        self._wait(lambda: self.pipes_added > 0, timeout, "pipe on the peer's side")

    def wait_done(self, timeout: float = 10.0) -> None:
        """Wait until the behaviour is over (its count reached, or its sends made)."""
        self._wait(lambda: self.done, timeout, "end of its behaviour")

    def send(self, data: bytes, timeout: float = 10.0) -> None:
        """Make the peer send `data` on its socket (returns once it has)."""
        before = self.sent
        self._command("send " + bytes(data).hex())
        self._wait(lambda: self.sent > before, timeout, "send to complete")

    # --- to be provided by each kind ----------------------------------------
    def _command(self, line: str) -> None:
        raise NotImplementedError("%s takes no commands" % self)

    @property
    def returncode(self) -> Optional[int]:
        raise NotImplementedError

    @property
    def stderr(self) -> str:
        raise NotImplementedError

    def stop(self) -> Optional[int]:
        raise NotImplementedError

    # --- reporting ----------------------------------------------------------
    @property
    def pid(self) -> int:
        return os.getpid()

    def crashed(self) -> Optional[str]:
        """Why the peer failed on its own (None if it did not)."""
        if self._stopped or self._reported:
            return None
        self._settle()
        rc = self.returncode
        if rc is not None and rc != 0:
            return "%s %s" % (self, self.exit_text())
        if self.errors:
            return "%s reported: %s" % (self, "; ".join(self.errors))
        return None

    def _settle(self) -> None:
        """Let a peer that has exited finish reporting (its output read, its status known)."""

    def exit_text(self) -> str:
        rc = self.returncode
        if rc is None:
            return "still running"
        if rc < 0:
            try:
                return "killed by %s" % signal.Signals(-rc).name
            except ValueError:
                return "killed by signal %d" % -rc
        return "exit status %d" % rc

    def __repr__(self) -> str:
        return "<sp_peer %s %s pid %d>" % (self.impl, self.protocol, self.pid)


class ProcessPeer(Peer):
    """A peer in a child process; its stdout is read by a thread, its stderr goes to a file."""

    def __init__(self, impl: str, protocol: str, behaviour: Any, url: str, argv: List[str], workdir: str,
                 env: Optional[Dict[str, str]] = None, commands: bool = True) -> None:
        super().__init__(protocol, behaviour, url)
        self.impl, self.argv, self._takes_commands = impl, argv, commands
        self._exited = False
        self._err_path = os.path.join(workdir, "stderr-%d.txt" % id(self))
        with open(self._err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                         env=env, cwd=workdir)
        self._reader = threading.Thread(target=self._read, name="sp-peer-out", daemon=True)
        self._reader.start()

    def _lines(self) -> Iterator[str]:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            yield raw.decode("utf-8", "replace").rstrip("\n")

    def _read(self) -> None:
        for line in self._lines():
            self._on_line(line)
        rc = self.proc.wait()
        with self._cond:
            self.done = self.done or rc == 0  # a peer that ends well on its own (nngcat --count) is done
            self._exited = True
            self._cond.notify_all()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _settle(self) -> None:
        # The process may be gone while the reader still drains its output: a
        # crash seen by the test (proc.wait) must not pass unnoticed here.
        if self.proc.poll() is not None:
            self._reader.join(5)

    @property
    def returncode(self) -> Optional[int]:
        """The exit status, once everything the peer printed has been read (None before)."""
        return self.proc.returncode if self._exited else None

    @property
    def stderr(self) -> str:
        try:
            with open(self._err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _command(self, line: str) -> None:
        if not self._takes_commands:
            raise PeerError("%s cannot be told to send: it sends only what its behaviour says" % self)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise PeerError("%s is gone (%s)%s" % (self, self.exit_text(), self._stderr_tail())) from None

    def stop(self) -> Optional[int]:
        """End the peer: "quit" (or SIGTERM), then SIGKILL after GRACE; only this child is signalled."""
        if self.proc.poll() is None:
            self._stopped = True
            self._ask_to_end()
            try:
                self.proc.wait(GRACE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._reader.join(5)
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        return self.proc.returncode

    def _ask_to_end(self) -> None:
        if self._takes_commands:
            try:
                self._command("quit")
                self.proc.wait(GRACE)
                return
            except (PeerError, subprocess.TimeoutExpired):
                pass
        self.proc.terminate()


class NngcatPeer(ProcessPeer):
    """NNG's nngcat: ``-v`` says where it listens or that its dial is done; ``--hex`` prints each message."""

    def _on_line(self, line: str) -> None:
        if line.startswith('"') and line.endswith('"'):
            super()._on_line("recv " + line[1:-1].replace("\\x", ""))
        elif line.startswith("Listening at: ") or line.startswith("Connected to: "):
            super()._on_line("ready " + line.split(": ", 1)[1])
        else:
            super()._on_line(line)


class InProcessPeer(Peer):
    """An nngkit socket in a thread of the test's own process (the only kind that can use inproc)."""

    impl = "nngkit"

    def __init__(self, protocol: str, behaviour: Any, url: str, spec: Any,
                 fn: Optional[Callable[[bytes], bytes]]) -> None:
        super().__init__(protocol, behaviour, url)
        self._commands: "queue.Queue[str]" = queue.Queue()
        self._failure: Optional[BaseException] = None
        self._trace = ""
        self._rc: Optional[int] = None
        self._thread = threading.Thread(target=self._main, args=(spec, fn), name="sp-peer-nngkit", daemon=True)
        self._thread.start()

    def _main(self, spec: Any, fn: Optional[Callable[[bytes], bytes]]) -> None:
        import traceback

        import nngkit

        from . import pypeer

        try:
            pypeer.run(nngkit, spec, self._on_line, iter(self._commands.get, "quit"), fn=fn)
            self._rc = 0
        except BaseException as e:  # noqa: BLE001 - the peer's failure, for the report
            self._failure = e
            self._trace = "".join(traceback.format_exception(type(e), e, e.__traceback__))
            self._rc = 1
        with self._cond:
            self._cond.notify_all()

    @property
    def returncode(self) -> Optional[int]:
        return self._rc

    @property
    def stderr(self) -> str:
        return self._trace

    def _command(self, line: str) -> None:
        if self._rc is not None:
            raise PeerError("%s is gone (%s)%s" % (self, self.exit_text(), self._stderr_tail()))
        self._commands.put(line)

    def stop(self) -> Optional[int]:
        if self._rc is None:
            self._stopped = True
            self._commands.put("quit")
            self._thread.join(GRACE + 10)
            if self._thread.is_alive():
                raise PeerError("%s did not stop within %.0f s" % (self, GRACE + 10))
        return self._rc
