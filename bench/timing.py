"""Timing shared by the bench scripts (each runs its baseline in the same process)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

# prepended to the script a child process runs: `report` prints its seconds, rows and peak memory (max RSS) as JSON
PEAK = """
import json, resource, sys, time
def report(t, rows, seconds=None):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds or time.perf_counter() - t, "rows": rows, "peak_mb": peak}))
"""


def warehouse() -> Path:
    """The built warehouse a bench reads (`--db`, default the main job's), or exit saying how to build it."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("data/open287g.duckdb"))
    db = ap.parse_args().db
    if not db.exists():
        sys.exit(f"no warehouse at {db}: run ./scripts/main first (or give --db)")
    return db


def best(fn, n: int = 5) -> float:
    """The shortest of n runs of fn, in seconds: the least disturbed by the rest of a shared machine."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def child(script: str, *args: str) -> dict:
    """Run `script` (PEAK + code that calls report) in a fresh interpreter, so its peak memory is its own."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_child(script: str, *args: str, n: int = 3) -> dict:
    """The fastest of n child runs."""
    return min((child(script, *args) for _ in range(n)), key=lambda r: r["seconds"])


def rows_line(name: str, r: dict, base: dict | None = None, width: int = 38) -> str:
    """One reader's figures: seconds, rows/s, peak memory, and its speed against `base` (pandas)."""
    rate = r["rows"] / r["seconds"]
    ratio = f", {base['seconds'] / r['seconds']:.1f}x pandas" if base else ""
    return f"{name:<{width}} {r['seconds']:6.2f} s  {rate / 1e6:5.2f} M rows/s  peak {r['peak_mb']:5.0f} MB{ratio}"
