"""The cipher's ceiling on this machine: ``openssl speed -evp aes-128-gcm``
on 16 KiB blocks (a TLS record's size), against which the 1 MiB tls+tcp
rate is reported.  One core, encryption only, no copies, no system calls:
no TLS stream can pass it."""

from __future__ import annotations

import math
import shutil
import subprocess

BLOCK = 16384


def aes128gcm_mb_s(seconds: int = 1) -> float:
    """MB/s (10^6 bytes) of AES-128-GCM over 16 KiB blocks; NaN without openssl."""
    exe = shutil.which("openssl")
    if exe is None:
        return math.nan
    try:
        out = subprocess.run([exe, "speed", "-evp", "aes-128-gcm", "-bytes", str(BLOCK),
                              "-seconds", str(seconds)], capture_output=True, text=True,
                             timeout=seconds + 30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return math.nan
    for line in out.splitlines():  # "AES-128-GCM    5626861.38k": thousands of bytes per second
        parts = line.split()
        if len(parts) == 2 and parts[0].upper() == "AES-128-GCM" and parts[1].endswith("k"):
            try:
                return float(parts[1][:-1]) / 1000.0
            except ValueError:
                return math.nan
    return math.nan
