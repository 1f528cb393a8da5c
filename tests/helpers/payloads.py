"""Message bodies for tests."""
from __future__ import annotations

SIZES = [0, 1, 64 * 1024, 4 * 1024 * 1024]
SIZE_IDS = ["0B", "1B", "64KiB", "4MiB"]


def payload(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes of the given size that differ per seed and position."""
    block = bytes((i * 131 + seed * 17 + (i >> 8)) & 0xFF for i in range(4093))  # prime length
    return (block * (size // len(block) + 1))[:size]
