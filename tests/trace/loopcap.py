"""A real capture on the loopback interface with Debian's tcpdump, driven by its own output.

``LoopCapture(path, port)`` starts ``tcpdump -i lo -n -l -U --print -w FILE
port P``; ``ready()`` returns once tcpdump says "listening on lo" (or raises
``NotPermitted`` with tcpdump's words when the system refuses the capture:
no CAP_NET_RAW, no such device); ``wait_ended(n)`` returns once n
connections have ended (a FIN each way, or a RST) in the file (with -U and
--print, tcpdump prints a packet only after writing and flushing it); ``stop()`` ends it with SIGINT
by its PID and returns its closing statistics.  Every wait has a deadline.
"""
from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import time
from typing import Dict, FrozenSet, List, Set

from tests.helpers import peers

REFUSED = (b"Operation not permitted", b"You don't have permission", b"Permission denied",
           b"No such device exists", b"that device doesn't support")
# "IP 127.0.0.1.36354 > 127.0.0.1.45678: Flags [F.]" (IPv4 on lo, -n)
SEGMENT = re.compile(rb" IP \S+\.(\d+) > \S+\.(\d+): Flags \[([^\]]*)\]")


class CaptureFallback(UserWarning):
    """Shown (not an error) when a test records with the proxy because capturing on lo was refused."""


class NotPermitted(Exception):
    """The system does not let this process capture on lo (the reason is tcpdump's)."""


class LoopCapture:
    def __init__(self, path: str, port: int) -> None:
        tcpdump = peers.require_peer("tcpdump")
        self.argv = [tcpdump, "-i", "lo", "-n", "-l", "-U", "--print", "-w", path, "port", str(port)]
        self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.err = b""
        self.out = b""
        self.fins = 0

    def _read(self, fd: int, timeout: float) -> bytes:
        """Whatever the pipe has within the timeout (b"" at its end); raises on the deadline."""
        sel = selectors.DefaultSelector()
        sel.register(fd, selectors.EVENT_READ)
        try:
            if not sel.select(max(0.0, timeout)):
                raise AssertionError("tcpdump said nothing in time; stderr so far: %r; printed: %r"
                                     % (self.err, self.out[-3000:]))
        finally:
            sel.close()
        return os.read(fd, 65536)

    def ready(self, timeout: float = 10.0) -> None:
        assert self.p.stderr is not None
        deadline = time.monotonic() + timeout
        while b"listening on lo" not in self.err:
            chunk = self._read(self.p.stderr.fileno(), deadline - time.monotonic())
            self.err += chunk
            if not chunk:
                self.p.wait(timeout=10)
                why = self.err.decode(errors="replace").strip()
                if any(r in self.err for r in REFUSED):
                    raise NotPermitted("tcpdump -i lo exited %d: %s" % (self.p.returncode, why))
                raise AssertionError("tcpdump exited %d before listening: %s" % (self.p.returncode, why))

    def ended(self) -> int:
        """Connections ended so far: a FIN from both ends, or a RST."""
        fins: Dict[FrozenSet[bytes], Set[bytes]] = {}
        done: Set[FrozenSet[bytes]] = set()
        for src, dst, flags in SEGMENT.findall(self.out):
            key = frozenset((src, dst))
            if b"R" in flags:
                done.add(key)
            if b"F" in flags:
                fins.setdefault(key, set()).add(src)
                if len(fins[key]) == 2:
                    done.add(key)
        return len(done)

    def wait_ended(self, n: int, timeout: float = 10.0) -> List[bytes]:
        """Returns the packet lines printed so far once ``n`` connections have ended."""
        assert self.p.stdout is not None
        deadline = time.monotonic() + timeout
        while self.ended() < n:
            chunk = self._read(self.p.stdout.fileno(), deadline - time.monotonic())
            if not chunk:
                raise AssertionError("tcpdump ended before %d connections did: %r" % (n, self.out[-500:]))
            self.out += chunk
        return self.out.splitlines()

    def stop(self) -> str:
        """SIGINT to this tcpdump's PID; its closing statistics ("N packets captured"...)."""
        if self.p.poll() is None:
            os.kill(self.p.pid, signal.SIGINT)
        try:
            _, err = self.p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(timeout=10)
            raise AssertionError("tcpdump did not stop on SIGINT") from None
        return (self.err + err).decode(errors="replace")
