"""Process resource readings from /proc (Linux)."""
from __future__ import annotations

import os


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def status_kib(field: str) -> int:
    """A kB field of /proc/self/status, e.g. VmRSS or VmSize."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)
