"""Timing shared by the bench scripts (each runs its baseline in the same process)."""

from __future__ import annotations

import time


def best(fn, n: int = 5) -> float:
    """The shortest of n runs of fn, in seconds: the least disturbed by the rest of a shared machine."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
