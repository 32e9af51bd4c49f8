"""Reading ICE's FOIA releases (every file under shared/data/foia: 2.1 million rows of arrests, encounters and
removals) into the warehouse, against pandas.read_csv and polars.read_csv reading the same files in the same run:

    uv run python bench/bench_foia.py [--data ../shared/data]

Each reader runs in a child process of its own, so its peak memory (max RSS) is its own:
1. `open287g import <data>/foia` into a fresh warehouse (archive, sniff, DuckDB reading the archived files, the
   build, the swap): the issue's target is under 5 s on 2 cores;
2. the release stage alone (stages/outcomes.py) into a fresh DuckDB file, cold (from the gzipped text) and warm
   (from the Parquet the build memo keeps);
3. pandas.read_csv and polars.read_csv of the same files, every column as text (what the stage does before it
   types dates), to DataFrames in memory only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from timing import PEAK, best_child, child, rows_line  # noqa: E402

IMPORT = (
    PEAK
    + """
from pathlib import Path
import duckdb
from open287g import pipeline
from open287g.archive import Archive
db, data = Path(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
pipeline.import_paths(db, Archive.beside(db), [data])
seconds = time.perf_counter() - t
con = duckdb.connect(str(db), read_only=True)
report(t, con.execute("SELECT sum(rows) FROM foia_files WHERE status = 'ok'").fetchone()[0], seconds)
"""
)

STAGE = (
    PEAK
    + """
from pathlib import Path
import duckdb
from open287g import warehouse
from open287g.archive import Archive
from open287g.memo import Memo
from open287g.stages import outcomes
archive, target, memo_path = Archive(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
memo = Memo(Path(memo_path), "bench") if memo_path else Memo.none()
con = duckdb.connect(str(target))
for name in ("files", "foia_files", *outcomes.TABLES.values()):
    cols = ", ".join('"' + c + '" ' + t for c, t in warehouse.TABLES[name])
    con.execute(f'CREATE TABLE "{name}" ({cols})')
releases = outcomes.describe(archive.observations(), lambda s: archive.read(s)[:65536], archive.object_path)
t = time.perf_counter()
outcomes.load(con, releases, memo)
con.execute("CHECKPOINT")
rows = con.execute("SELECT sum(rows) FROM foia_files WHERE status = 'ok'").fetchone()[0]
report(t, rows)
memo.save()
"""
)

PANDAS = (
    PEAK
    + """
from pathlib import Path
import pandas as pd
files = sorted(p for p in Path(sys.argv[1]).rglob("*.csv.gz") if p.name.startswith(("ERO", "ICE")))
t = time.perf_counter()
rows = sum(len(pd.read_csv(p, sep="|", skiprows=5, dtype=str, keep_default_na=False)) for p in files)
report(t, rows)
"""
)

POLARS = (
    PEAK
    + """
from pathlib import Path
import polars as pl
files = sorted(p for p in Path(sys.argv[1]).rglob("*.csv.gz") if p.name.startswith(("ERO", "ICE")))
t = time.perf_counter()
rows = sum(pl.read_csv(p, separator="|", skip_rows=5, infer_schema=False, quote_char='"').height for p in files)
report(t, rows)
"""
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    foia = ap.parse_args().data / "foia"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        imports = []
        for i in range(3):
            db = root / f"i{i}" / "w.duckdb"
            db.parent.mkdir()
            imports.append(child(IMPORT, str(db), str(foia)))
        imported = min(imports, key=lambda r: r["seconds"])
        archive = str(db.with_name("w.archive"))
        cold = min(
            (child(STAGE, archive, str(root / f"cold{i}.duckdb"), "") for i in range(3)), key=lambda r: r["seconds"]
        )
        child(STAGE, archive, str(root / "prime.duckdb"), str(root / "w.memo"))  # fills the memo's Parquet
        warm = min(
            (child(STAGE, archive, str(root / f"warm{i}.duckdb"), str(root / "w.memo")) for i in range(3)),
            key=lambda r: r["seconds"],
        )
        pandas = best_child(PANDAS, str(foia))
        polars = best_child(POLARS, str(foia))
    assert imported["rows"] == cold["rows"] == warm["rows"] == pandas["rows"] == polars["rows"], "row counts differ"
    print(f"{imported['rows']:,} rows of ICE's FOIA releases under {foia} (best of 3 each)")
    print(rows_line("open287g import of foia/ (target < 5 s)", imported, pandas))
    print(rows_line("release stage, cold (gzipped text)", cold, pandas))
    print(rows_line("release stage, warm (memo's Parquet)", warm, pandas))
    print(rows_line("pandas.read_csv (all text)", pandas))
    print(rows_line("polars.read_csv (all text)", polars, pandas))


if __name__ == "__main__":
    main()
