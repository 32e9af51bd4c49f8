"""Files of the newer FOIA releases (sources/ddp.py) made from the documented columns (DOMAIN §5.2), in each form
the Deportation Data Project posts: ICE's raw workbook, and the project's Parquet and CSV. The shared data holds
none, so tests make them."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from open287g.sources import ddp

# the columns as ICE releases them (DOMAIN §5.2); the project's files spell them in snake_case
ARRESTS = [
    "Apprehension Date",
    "Apprehension State",
    "Apprehension AOR",
    "Final Program",
    "Final Program Group",
    "Apprehension Method",
    "Apprehension Criminality",
    "Case Status",
    "Departed Date",
    "Citizenship Country",
    "Gender",
    "Apprehension Site Landmark",
    "Unique Identifier",
]
DETAINERS = [
    "Detainer Prepare Date",
    "Facility State",
    "Facility AOR",
    "Detention Facility",
    "Detention Facility Code",
    "Facility City",
    "Final Program",
    "Apprehension Method",
    "Detainer Prepared Criminality",
    "Detainer Lift Reason",
    "Detainer Type",
    "Citizenship Country",
    "Gender",
    "Unique Identifier",
]
METHODS = ["287(g) Program", "CAP Local Incarceration", "Non-Custodial Arrest", "Located", "Custodial Arrest"]
CRIMINALITY = ["1 Convicted Criminal", "2 Pending Criminal Charges", "3 Other Immigration Violator"]
LANDMARKS = [
    ("GWINNETT COUNTY JAIL", "GEORGIA", "Atlanta Area of Responsibility"),
    ("ATL GENERAL AREA, NON-SPECIFIC", "GEORGIA", "Atlanta Area of Responsibility"),
    ("HARRIS COUNTY JAIL", "TEXAS", "Houston Area of Responsibility"),
    (None, "FLORIDA", "Miami Area of Responsibility"),
]
FACILITIES = [
    ("GWINNETT COUNTY JAIL", "GEORGIA", "Atlanta Area of Responsibility", "GWINNGA", "LAWRENCEVILLE"),
    ("HARRIS COUNTY JAIL", "TEXAS", None, "HARRITX", "HOUSTON"),
    ("QUEENS CENTRAL BOOKING", "NEW YORK", "New York City Area of Responsibility", "QUEENNY", "QUEENS"),
]
PROGRAMS = ["287(g) Program", "ERO Criminal Alien Program"]
LIFTED = ["Booked into Detention", "Detainer Declined by LEA", None]


def day(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    d = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    return dt.datetime(d.year, d.month, d.day, rng.randrange(24), rng.randrange(60))


def arrest_rows(n: int, first: dt.date, last: dt.date, seed: int = 1) -> list[list]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        landmark, state, aor = rng.choice(LANDMARKS)
        method = rng.choice(METHODS)
        out.append(
            [
                day(rng, first, last),
                state,
                aor,
                "287(g) Program" if method == "287(g) Program" else "ERO Criminal Alien Program",
                "ICE",
                method,
                rng.choice(CRIMINALITY),
                "ACTIVE",
                None,
                rng.choice(["MEXICO", "HONDURAS", "GUATEMALA"]),
                rng.choice(["Male", "Female"]),
                landmark,
                f"{seed:04d}{i:036d}",
            ]
        )
    return out


def detainer_rows(n: int, first: dt.date, last: dt.date, seed: int = 2) -> list[list]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        facility, state, aor, code, city = rng.choice(FACILITIES)
        out.append(
            [
                day(rng, first, last),
                state,
                aor,
                facility,
                code,
                city,
                rng.choice(PROGRAMS),
                rng.choice(METHODS),
                rng.choice(CRIMINALITY),
                rng.choice(LIFTED),
                "I247A - Immigration Detainer - Notice of Action",
                "MEXICO",
                "Male",
                f"{seed:04d}{i:036d}",
            ]
        )
    return out


def fiscal(d: dt.date) -> int:
    return d.year + (d.month >= 10)


def write_xlsx(path: Path, header: list[str], rows: list[list], per_sheet: int | None = None) -> Path:
    """ICE's raw form: title lines above the header, the table continued on further sheets, a notes sheet."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    per_sheet = per_sheet or len(rows) or 1
    for k, start in enumerate(range(0, max(len(rows), 1), per_sheet)):
        sheet = book.create_sheet(f"Admin Arrests {k + 1}")
        sheet.append(["U.S. Immigration and Customs Enforcement"])
        sheet.append(["ERO Law Enforcement Systems and Analysis"])
        sheet.append(["2025-ICLI-00019_2024-ICFO-39357"])
        sheet.append([])
        for row in [header, *rows[start : start + per_sheet]]:
            sheet.append(row)
    book.create_sheet("Notes").append(["Data as of the extraction date; fields redacted under (b)(6), (b)(7)(c)."])
    book.save(path)
    return path


def write_parquet(path: Path, header: list[str], rows: list[list]) -> Path:
    """The project's processed form: snake_case names, dates typed."""
    columns = list(zip(*rows)) if rows else [[] for _ in header]
    arrays = []
    for name, values in zip(header, columns):
        if name.endswith("Date"):
            arrays.append(pa.array(list(values), pa.timestamp("us")))
        else:
            arrays.append(pa.array(list(values), pa.string()))
    pq.write_table(pa.Table.from_arrays(arrays, names=[ddp.key(h) for h in header]), path)
    return path


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    text_rows = [[v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in r] for r in rows]
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([ddp.key(h) for h in header])
        w.writerows(text_rows)
    return path


WRITERS = {"xlsx": write_xlsx, "parquet": write_parquet, "csv": write_csv, "csv.gz": write_csv}


def ddp_warehouse(built: Path, folder: Path, cache) -> tuple[Path, list[list], list[list]]:
    """A copy of a built warehouse with made arrests and detainers (Oct 2024 to Aug 2025) imported into it."""
    from open287g import pipeline
    from open287g.archive import Archive

    folder.mkdir(parents=True)
    db = folder / "open287g.duckdb"
    shutil.copy(built, db)
    shutil.copytree(built.with_name("open287g.archive"), folder / "open287g.archive")
    shutil.copy(built.with_name("open287g.memo"), folder / "open287g.memo")
    files = folder / "ddp"
    files.mkdir()
    detainers = detainer_rows(600, dt.date(2024, 10, 1), dt.date(2025, 8, 31))
    arrests = arrest_rows(800, dt.date(2024, 10, 1), dt.date(2025, 8, 31))
    write_parquet(files / "detainers.parquet", DETAINERS, detainers)
    write_parquet(files / "arrests.parquet", ARRESTS, arrests)
    result = pipeline.import_paths(
        db, Archive(folder / "open287g.archive"), [files], dt.date(2026, 11, 30), cache=cache
    )
    assert result.built and not result.rejected
    return db, arrests, detainers
