"""`changes` over the whole record, against a baseline that diffs consecutive publications' rows
directly (what a tool without an events table does), measured in the same run.

    uv run python bench/bench_history.py [--data ../shared/data]

Builds a fresh warehouse from the shared data first (its time is printed too: the history stage is
part of it), then times, best of 5: the `changes` query over every event, the baseline diff, and the
`open287g changes --format json` command as a fresh process (start-up included; target < 1 s).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from open287g import pipeline, queries
from open287g.archive import Archive
from timing import best

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("OPEN287G_CACHE", str(REPO / "artifacts" / "text-cache"))  # MOA text read once

BASELINE = """
WITH pubs AS (SELECT publication_id, seq, lag(publication_id) OVER (ORDER BY seq) prev, first_observed
              FROM publications WHERE kind = 'participating' AND status = 'ok'),
     keys AS (SELECT DISTINCT publication_id, row_key, state, agency, model, signed FROM roster_rows)
SELECT p.first_observed, 'listed', k.* FROM pubs p JOIN keys k ON k.publication_id = p.publication_id
WHERE p.prev IS NOT NULL AND NOT EXISTS (SELECT 1 FROM keys o WHERE o.publication_id = p.prev AND o.row_key = k.row_key)
UNION ALL
SELECT p.first_observed, 'ended', k.* FROM pubs p JOIN keys k ON k.publication_id = p.prev
WHERE NOT EXISTS (SELECT 1 FROM keys n WHERE n.publication_id = p.publication_id AND n.row_key = k.row_key)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        t = time.perf_counter()
        pipeline.import_paths(db, Archive(Path(tmp) / "w.archive"), [args.data])
        build = time.perf_counter() - t
        con = duckdb.connect(str(db), read_only=True)
        n_events = len(queries.changes(con))
        ours = best(lambda: queries.changes(con))
        n_base = len(con.execute(BASELINE).fetchall())
        base = best(lambda: con.execute(BASELINE).fetchall())
        con.close()
        exe = Path(sys.executable).with_name("open287g")
        cmd = [exe, "--db", db, "changes", "--format", "json"]
        wall = best(lambda: subprocess.run(cmd, check=True, capture_output=True), n=3)
    print(f"full import incl. identity and history : {build:6.2f} s")
    print(f"changes query, whole record            : {ours * 1000:6.1f} ms  ({n_events} events)")
    print(f"baseline row diff of publications      : {base * 1000:6.1f} ms  ({n_base} listed/ended rows, no identity)")
    print(f"ratio baseline/changes                 : {base / ours:6.1f}x")
    print(f"`open287g changes --format json` (all) : {wall:6.2f} s  (fresh process; target < 1 s)")


if __name__ == "__main__":
    main()
