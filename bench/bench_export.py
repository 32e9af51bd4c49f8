"""The export (exports/) on a warehouse built from the shared data, against pandas writing the same tables,
in the same process:

    uv run python bench/bench_export.py [--db data/open287g.duckdb]

For the two largest datasets (roster_rows, foia_arrests) each format is written as the export writes it (DuckDB
COPY for CSV, pyarrow for Parquet, executemany for SQLite) and as pandas would (to_csv, to_parquet with pyarrow, to_sql
through sqlite3), from the same Arrow table. Then the whole export, every format, and a release.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from open287g import exports
from open287g.exports import formats, release, sqlite
from open287g.exports.datasets import BY_NAME, read
from timing import best, warehouse


def main() -> None:
    db = warehouse()
    con = duckdb.connect(str(db), read_only=True)
    tmp = Path(tempfile.mkdtemp())
    try:
        day = exports.queries.latest_date(con)
        for name in ("roster_rows", "foia_arrests"):
            measure(con, name, day, tmp)
        whole = best(lambda: exports.write(con, tmp / "export"), n=1)
        size = sum(p.stat().st_size for p in (tmp / "export").rglob("*") if p.is_file()) / 2**20
        print(f"whole export, every format: {whole:.1f} s, {size:,.0f} MiB")
        one = best(lambda: release.release(con, tmp / "releases"), n=1)
        print(f"a release (export + changelog + checksums): {one:.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(con: duckdb.DuckDBPyConnection, name: str, day, tmp: Path) -> None:
    ds = BY_NAME[name]
    data = read(con.cursor(), ds, day).to_arrow_table()
    frame = data.to_pandas()
    print(f"{name}: {data.num_rows:,} rows × {data.num_columns} columns")
    ours = best(lambda: formats.write_csv(con.cursor(), ds, data, tmp / "a.csv"), n=3)
    theirs = best(lambda: frame.to_csv(tmp / "b.csv", index=False), n=3)
    print(f"  CSV      DuckDB COPY {ours:6.2f} s   pandas to_csv     {theirs:6.2f} s  ({theirs / ours:.1f}x)")
    ours = best(lambda: formats.write_parquet(ds, data, tmp / "p" / name), n=3)
    theirs = best(lambda: frame.to_parquet(tmp / "b.parquet", compression="zstd"), n=3)
    print(f"  Parquet  pyarrow     {ours:6.2f} s   pandas to_parquet {theirs:6.2f} s  ({theirs / ours:.1f}x)")

    def ours_sqlite() -> None:
        w = sqlite.SqliteWriter(tmp / "a.db", (ds,))
        w.add(ds, data)
        w.db.close()

    def pandas_sqlite() -> None:
        (tmp / "b.db").unlink(missing_ok=True)
        with sqlite3.connect(tmp / "b.db") as lite:
            frame.astype(object).where(frame.notna(), None).map(_plain).to_sql(name, lite, index=False)

    ours, theirs = best(ours_sqlite, n=1), best(pandas_sqlite, n=1)
    print(f"  SQLite   executemany {ours:6.2f} s   pandas to_sql     {theirs:6.2f} s  ({theirs / ours:.1f}x)")


def _plain(v):
    """What sqlite3 can bind: lists as their text (the export writes JSON), dates as ISO text."""
    if hasattr(v, "tolist"):
        return str(v.tolist())
    return v.isoformat() if hasattr(v, "isoformat") else v


if __name__ == "__main__":
    main()
