"""Reading the newer FOIA releases (sources/ddp.py) into the warehouse, against pandas and Polars reading the same
files in the same run. No such release is in the shared data, so the bench makes them from the documented
arrest columns (DOMAIN §5.2): a CSV and a Parquet file of --rows rows (default 1,000,000), and a raw ICE workbook
of --xlsx-rows rows (default 50,000: writing a workbook is slow, reading it is what is measured):

    uv run python bench/bench_ddp.py [--rows 1000000] [--xlsx-rows 50000]

Each reader runs in a child process of its own, so its peak memory (max RSS) is its own: the release stage
(stages/outcomes.py) loading the file into a fresh DuckDB file with no memo, and pandas / Polars reading it to a
DataFrame in memory (every column as text for the CSV; pandas' calamine engine for the workbook), and, as the
floor under the stage, DuckDB storing the same file untyped in a fresh DuckDB file (most of the stage's time is
DuckDB writing the table, which a DataFrame in memory does not do).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from timing import PEAK, best_child, rows_line  # noqa: E402

HEADER = [
    "Apprehension Date",
    "Apprehension State",
    "Apprehension AOR",
    "Final Program",
    "Apprehension Method",
    "Apprehension Criminality",
    "Citizenship Country",
    "Gender",
    "Apprehension Site Landmark",
    "Unique Identifier",
]


STAGE = (
    PEAK
    + """
from pathlib import Path
import duckdb
from open287g import warehouse
from open287g.archive import Observation
from open287g.memo import Memo
from open287g.stages import outcomes
path, target = Path(sys.argv[1]), Path(sys.argv[2])
target.unlink(missing_ok=True)
con = duckdb.connect(str(target))
for name in ("files", "foia_files", *outcomes.TABLES.values()):
    cols = ", ".join('"' + c + '" ' + t for c, t in warehouse.TABLES[name])
    con.execute(f'CREATE TABLE "{name}" ({cols})')
o = Observation(sha256="b" * 64, name=path.name, size=path.stat().st_size, observed_on="2026-12-01",
                date_basis="given", source="bench", kind_hint=outcomes.KIND)
t = time.perf_counter()
releases = outcomes.describe([o], lambda s: path.open("rb").read(65536), lambda s: path)
outcomes.load(con, releases, Memo.none())
con.execute("CHECKPOINT")
report(t, con.execute("SELECT sum(rows_counted) FROM foia_files WHERE status = 'ok'").fetchone()[0])
"""
)

PANDAS = (
    PEAK
    + """
import pandas as pd
path = sys.argv[1]
t = time.perf_counter()
if path.endswith(".csv"):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
elif path.endswith(".parquet"):
    df = pd.read_parquet(path)
else:
    df = pd.concat(pd.read_excel(path, sheet_name=None, engine="calamine", skiprows=4, dtype=str).values())
report(t, len(df))
"""
)

STORE = (  # the floor under the stage: DuckDB storing the file as it is, untyped, in a fresh DuckDB file
    PEAK
    + """
from pathlib import Path
import duckdb
path, target = sys.argv[1], Path(sys.argv[2])
target.unlink(missing_ok=True)
con = duckdb.connect(str(target))
t = time.perf_counter()
read = f"read_csv('{path}', all_varchar = true)" if path.endswith(".csv") else f"read_parquet('{path}')"
con.execute(f"CREATE TABLE t AS SELECT * FROM {read}")
con.execute("CHECKPOINT")
report(t, con.execute("SELECT count(*) FROM t").fetchone()[0])
"""
)

POLARS = (
    PEAK
    + """
import polars as pl
path = sys.argv[1]
t = time.perf_counter()
df = pl.read_csv(path, infer_schema=False) if path.endswith(".csv") else pl.read_parquet(path)
report(t, df.height)
"""
)


def make(folder: Path, rows: int, xlsx_rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from open287g.sources import ddp

    rng = np.random.default_rng(287)
    start = np.datetime64("2023-09-01T00:00")
    dates = start + rng.integers(0, 790 * 24 * 60, rows).astype("timedelta64[m]")
    pick = lambda values: pa.array(np.array(values, dtype=object)[rng.integers(0, len(values), rows)])  # noqa: E731
    columns = [
        pa.array(dates.astype("datetime64[us]")),
        pick(["TEXAS", "GEORGIA", "FLORIDA", "NEW YORK", "CALIFORNIA"]),
        pick(["Houston Area of Responsibility", "Atlanta Area of Responsibility", "Miami Area of Responsibility"]),
        pick(["ERO Criminal Alien Program", "287(g) Program", "Fugitive Operations"]),
        pick(["287(g) Program", "CAP Local Incarceration", "Non-Custodial Arrest", "Located", "Custodial Arrest"]),
        pick(["1 Convicted Criminal", "2 Pending Criminal Charges", "3 Other Immigration Violator"]),
        pick(["MEXICO", "HONDURAS", "GUATEMALA", "EL SALVADOR", "VENEZUELA"]),
        pick(["Male", "Female"]),
        pick(["GWINNETT COUNTY JAIL", "HARRIS COUNTY JAIL", "MIA GENERAL AREA, NON-SPECIFIC", None]),
        pa.array([f"{i:040x}" for i in range(rows)]),
    ]
    table = pa.Table.from_arrays(columns, names=[ddp.key(h) for h in HEADER])
    out = {"csv": folder / "arrests.csv", "parquet": folder / "arrests.parquet", "xlsx": folder / "arrests.xlsx"}
    pacsv.write_csv(table, out["csv"])
    pq.write_table(table, out["parquet"])
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Admin Arrests")
    for line in (["U.S. Immigration and Customs Enforcement"], ["ERO-LESA"], ["FOIA"], []):
        sheet.append(line)
    sheet.append(HEADER)
    for row in table.slice(0, xlsx_rows).to_pylist():
        values = list(row.values())
        values[0] = dt.datetime.fromisoformat(str(values[0]))
        sheet.append(values)
    book.save(out["xlsx"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=50_000)
    ap.add_argument("--make", type=Path, help=argparse.SUPPRESS)  # the child that writes the files
    args = ap.parse_args()
    if args.make:
        make(args.make, args.rows, args.xlsx_rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # written by a child: a process's peak memory outlives exec, so this one stays small for the readers'
        argv = [sys.executable, __file__, "--make", tmp, "--rows", str(args.rows), "--xlsx-rows", str(args.xlsx_rows)]
        subprocess.run(argv, check=True)
        files = {form: Path(tmp) / f"arrests.{form}" for form in ("csv", "parquet", "xlsx")}
        for form, path in files.items():
            stage = best_child(STAGE, str(path), str(Path(tmp) / f"{form}.duckdb"))
            pandas = best_child(PANDAS, str(path))
            print(rows_line(f"{form}: stage into DuckDB", stage, pandas))
            print(rows_line(f"{form}: pandas", pandas))
            if form != "xlsx":
                print(rows_line(f"{form}: polars", best_child(POLARS, str(path)), pandas))
                print(
                    rows_line(
                        f"{form}: DuckDB storing it untyped",
                        best_child(STORE, str(path), str(Path(tmp) / "s.duckdb")),
                        pandas,
                    )
                )


if __name__ == "__main__":
    main()
