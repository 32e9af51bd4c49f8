"""Import speed and memory against an openpyxl baseline, measured in the same run.

    uv run python bench/bench_import.py [--data ../shared/data] [--baseline-files N]

MOA text comes from the text cache ($OPEN287G_CACHE, default artifacts/text-cache: what a second build
sees); bench_moa.py times reading the MOAs cold.

Prints: full import of every shared workbook into a fresh warehouse (default worker count and one
process), the openpyxl baseline reading the same distinct files (values + hyperlinks), their ratios,
the time of a second import of the same folder (a fresh `open287g` process, start-up included), and
peak memory of the import process. Absolute times vary on a shared machine; the ratios are the figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("OPEN287G_CACHE", str(REPO / "artifacts" / "text-cache"))

CHILD = """
import json, resource, sys, time
from pathlib import Path
from open287g import pipeline
from open287g.archive import Archive
db, data, workers = Path(sys.argv[1]), Path(sys.argv[2]), (int(sys.argv[3]) or None)
t = time.perf_counter()
r = pipeline.import_paths(db, Archive.beside(db), [data], workers=workers)
elapsed = time.perf_counter() - t
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "files": r.files_seen, "built": r.built}))
"""


READ_ONLY = """
import json, sys, time
from pathlib import Path
from open287g import pipeline
from open287g.archive import Archive
from open287g.stages import documents, publications, references
db, data = Path(sys.argv[1]), Path(sys.argv[2])
archive = Archive.beside(db)
pipeline.import_paths(db, archive, [data])  # fills the archive; timed below is the roster stage alone
obs = [o for o in archive.observations() if not references.is_reference(o) and not documents.is_document(o)]
shas = sorted({o.sha256 for o in obs})
t = time.perf_counter()
parsed = {p.sha256: p for p in pipeline._parse_all(archive, shas, None)}
publications.assemble(obs, parsed, {h: r for p in parsed.values() for h, r in p.new_rows.items()})
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def read_stage(data: Path) -> float:
    """Reading every workbook (values and hyperlinks) into rows and publications, without the later
    stages (identity, history, geography, aggregates) that the full import also runs."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", READ_ONLY, str(Path(tmp) / "w.duckdb"), str(data)],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout)["seconds"]


def import_once(data: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(tmp) / "w.duckdb"), str(data), str(workers)],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout)


def openpyxl_baseline(files: list[Path]) -> float:
    import openpyxl

    t = time.perf_counter()
    for f in files:
        wb = openpyxl.load_workbook(f)  # hyperlinks need the full (not read-only) reader
        ws = wb.worksheets[0]
        for row in ws.iter_rows():
            for cell in row:
                _ = cell.value, (cell.hyperlink.target if cell.hyperlink else None)
        wb.close()
    return time.perf_counter() - t


def second_import(data: Path) -> float:
    exe = Path(sys.executable).with_name("open287g")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        subprocess.run([exe, "--db", db, "import", data], check=True, capture_output=True)
        t = time.perf_counter()
        out = subprocess.run([exe, "--db", db, "import", data], check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        assert "nothing new" in out.stderr, out.stderr
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--baseline-files", type=int, default=0, help="limit the baseline to N files (0: all)")
    args = ap.parse_args()
    with (args.data / "snapshots.csv").open() as fh:
        files = sorted({args.data / r["file"] for r in csv.DictReader(fh)})
    print(f"distinct workbooks: {len(files)}")

    ours = import_once(args.data, 0)
    ours1 = import_once(args.data, 1)
    sample = files if not args.baseline_files else files[:: max(1, len(files) // args.baseline_files)]
    base = openpyxl_baseline(sample) * len(files) / len(sample)
    again = second_import(args.data)
    reading = read_stage(args.data)

    print(f"open287g import, default workers : {ours['seconds']:7.2f} s  peak {ours['peak_mb']:.0f} MB")
    print(f"open287g import, one process     : {ours1['seconds']:7.2f} s  peak {ours1['peak_mb']:.0f} MB")
    note = "" if len(sample) == len(files) else f" (extrapolated from {len(sample)} files)"
    print(f"openpyxl values+hyperlinks only  : {base:7.2f} s{note}")
    print(f"ratio baseline/import (default)  : {base / ours['seconds']:7.1f}x   (target >= 5x)")
    print(f"ratio baseline/import (1 process): {base / ours1['seconds']:7.1f}x")
    print(
        f"roster stage alone (read+publish.): {reading:7.2f} s  ratio {base / reading:.1f}x"
        " (what the openpyxl baseline does)"
    )
    print(f"second import, nothing new       : {again:7.2f} s  (target < 1 s, process start-up included)")
    print(f"peak memory of the import        : {max(ours['peak_mb'], ours1['peak_mb']):7.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
