"""The newer FOIA releases the Deportation Data Project posts (sources/ddp.py): arrests and detainers as ICE's raw
workbooks (title lines, a table continued over sheets) and as the project's Parquet and CSV files. No such file is
in the shared data, so the tests make them from the documented columns (DOMAIN §5.2) and count their rows here,
independently of the import."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from ddp_files import (
    ARRESTS,
    DETAINERS,
    WRITERS,
    arrest_rows,
    detainer_rows,
    fiscal,
    write_csv,
    write_parquet,
    write_xlsx,
)
from helpers import SHEETS, run
from open287g import cache, pipeline
from open287g.archive import Archive
from open287g.sources import ddp

TEXT_CACHE = cache.Cache(Path(__file__).resolve().parents[1] / "artifacts" / "text-cache")


def import_folder(db: Path, folder: Path, observed: dt.date | None = None):
    return pipeline.import_paths(db, Archive.beside(db), [folder], observed, cache=TEXT_CACHE)


def counted(db: Path, command: str, *args: str) -> list[dict]:
    return json.loads(run(db, command, *args, "--format", "json").stdout)


@pytest.mark.parametrize("form", list(WRITERS))
def test_each_form_reads_as_the_rows_it_holds(tmp_path, form):
    arrests = arrest_rows(1500, dt.date(2023, 9, 1), dt.date(2025, 10, 31))
    detainers = detainer_rows(900, dt.date(2023, 11, 1), dt.date(2025, 2, 28))
    folder = tmp_path / "ddp"
    folder.mkdir()
    kwargs = {"per_sheet": 600} if form == "xlsx" else {}
    WRITERS[form](folder / f"arrests.{form}", ARRESTS, arrests, **kwargs)
    WRITERS[form](folder / f"detainers.{form}", DETAINERS, detainers)
    db = tmp_path / "open287g.duckdb"
    result = import_folder(db, folder)
    assert result.built and not result.rejected
    by_year = {r["fiscal_year"]: r for r in counted(db, "arrests", "--method", "all")}
    assert {y: r["arrests"] for y, r in by_year.items()} == Counter(fiscal(r[0]) for r in arrests)
    g = Counter(fiscal(r[0]) for r in arrests if r[5] == "287(g) Program")
    assert {r["fiscal_year"]: r["arrests"] for r in counted(db, "arrests")} == g
    crim = {r["criminality"]: r["arrests"] for r in counted(db, "arrests", "--by", "criminality")}
    assert crim == Counter(r[6] for r in arrests if r[5] == "287(g) Program")
    marks = {r["landmark"]: r["arrests"] for r in counted(db, "arrests", "--by", "landmark")}
    assert marks == Counter(r[11] for r in arrests if r[5] == "287(g) Program")
    months = counted(db, "detainers", "--program", "all", "--by", "month")
    assert {r["month"]: r["detainers"] for r in months} == Counter(r[0].strftime("%Y-%m") for r in detainers)
    facilities = {r["facility"]: r["detainers"] for r in counted(db, "detainers", "--by", "facility")}
    assert facilities == Counter(r[3] for r in detainers if r[6] == "287(g) Program")
    lifted = {r["lift_reason"]: r["detainers"] for r in counted(db, "detainers", "--by", "lift_reason")}
    assert lifted == Counter(r[9] for r in detainers if r[6] == "287(g) Program")
    with duckdb.connect(str(db), read_only=True) as c:
        files = c.execute("SELECT table_name, format, status, rows FROM foia_files ORDER BY 1").fetchall()
        first = c.execute("SELECT min(date), max(date) FROM foia_arrests").fetchone()
    assert files == [
        ("arrests", form.split(".")[0], "ok", len(arrests)),
        ("detainers", form.split(".")[0], "ok", len(detainers)),
    ]
    assert first == (min(r[0] for r in arrests).date(), max(r[0] for r in arrests).date())


def test_the_coding_change_of_july_2025_is_said_when_the_records_reach_it(tmp_path):
    folder = tmp_path / "ddp"
    folder.mkdir()
    write_csv(folder / "arrests.csv", ARRESTS, arrest_rows(200, dt.date(2024, 1, 1), dt.date(2025, 6, 30)))
    db = tmp_path / "open287g.duckdb"
    assert import_folder(db, folder).built
    assert "Custodial Arrest" not in run(db, "arrests").stderr
    later = tmp_path / "later"
    later.mkdir()
    write_csv(later / "arrests.csv", ARRESTS, arrest_rows(200, dt.date(2025, 7, 1), dt.date(2025, 9, 30), seed=3))
    assert import_folder(db, later).built
    assert "Custodial Arrest" in run(db, "arrests").stderr


def test_overlapping_releases_count_each_day_once_from_the_newest(tmp_path):
    """An older release keeps only its days no newer one covers; the same rows in another form supersede their
    twin whole; nothing is counted twice."""
    old = arrest_rows(1200, dt.date(2023, 9, 1), dt.date(2025, 6, 30), seed=5)
    new = arrest_rows(1000, dt.date(2024, 10, 1), dt.date(2025, 10, 31), seed=6)
    db = tmp_path / "open287g.duckdb"
    for k, (name, rows, when) in enumerate(
        [("old.csv", old, dt.date(2025, 7, 1)), ("new.parquet", new, dt.date(2025, 11, 1))]
    ):
        folder = tmp_path / f"r{k}"
        folder.mkdir()
        (write_csv if name.endswith(".csv") else write_parquet)(folder / name, ARRESTS, rows)
        assert import_folder(db, folder, when).built
    start = min(r[0] for r in new).date()
    expected = Counter(fiscal(r[0]) for r in old if r[0].date() < start) + Counter(fiscal(r[0]) for r in new)
    assert {r["fiscal_year"]: r["arrests"] for r in counted(db, "arrests", "--method", "all")} == expected
    twin = tmp_path / "twin"
    twin.mkdir()
    write_xlsx(twin / "new_raw.xlsx", ARRESTS, new, per_sheet=400)
    assert import_folder(db, twin, dt.date(2025, 11, 2)).built
    assert {r["fiscal_year"]: r["arrests"] for r in counted(db, "arrests", "--method", "all")} == expected
    with duckdb.connect(str(db), read_only=True) as c:
        files = c.execute(
            "SELECT format, status, rows, rows_counted, superseded_by IS NOT NULL FROM foia_files ORDER BY format"
        ).fetchall()
    kept_old = sum(1 for r in old if r[0].date() < start)
    assert files == [
        ("csv", "ok", len(old), kept_old, False),
        ("parquet", "superseded", len(new), 0, True),
        ("xlsx", "ok", len(new), len(new), False),
    ]


def test_bad_files_are_rejected_in_one_line_and_change_nothing(tmp_path):
    folder = tmp_path / "ddp"
    folder.mkdir()
    rows = arrest_rows(300, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    write_csv(folder / "arrests.csv", ARRESTS, rows)
    db = tmp_path / "open287g.duckdb"
    assert import_folder(db, folder).built
    before = counted(db, "arrests", "--method", "all")
    bad = tmp_path / "bad"
    bad.mkdir()
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(ARRESTS)
    book.active.append(rows[0])
    other = book.create_sheet("More")
    other.append([*ARRESTS[:-1], "Something Else"])  # a continuation with other columns
    other.append(rows[1])
    book.save(bad / "mixed.xlsx")
    text = (folder / "arrests.csv").read_bytes()
    (bad / "cut.csv").write_bytes(text[: len(text) // 2])
    result = import_folder(db, bad, dt.date(2026, 1, 1))
    assert sorted(line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in result.rejected) == ["cut.csv", "mixed.xlsx"]
    assert all("\n" not in line and "cannot be read as a FOIA release of arrests" in line for line in result.rejected)
    assert any("other columns" in line for line in result.rejected)
    assert counted(db, "arrests", "--method", "all") == before
    assert len(Archive.beside(db).observations()) == 3  # the rejected files are kept too


def test_a_roster_workbook_is_not_a_release():
    workbook = sorted(SHEETS.rglob("*.xlsx"))[-1]
    with workbook.open("rb") as fh:
        assert ddp.sniff(workbook, fh.read(ddp.HEAD_BYTES)) is None


def test_detainer_facilities_link_to_agencies_and_every_interface_answers(built_ddp):
    from fastapi.testclient import TestClient

    from open287g.web.app import create_app

    db, _, detainers = built_ddp
    by_agency = {r["agency"]: r["detainers"] for r in counted(db, "detainers", "--by", "agency")}
    gwinnett = sum(1 for r in detainers if r[3] == "GWINNETT COUNTY JAIL" and r[6] == "287(g) Program")
    assert by_agency["GA/gwinnett-county-sheriffs-office"] == gwinnett
    marks = {(r["landmark"], r["aor"]): r for r in counted(db, "landmarks")}
    harris = marks[("HARRIS COUNTY JAIL", None)]  # no AOR: looked up in the facility's own state
    assert harris["state"] == "TX" and harris["county_fips"] == "48201" and harris["detainers"] > 0
    assert marks[("QUEENS CENTRAL BOOKING", "New York City Area of Responsibility")]["link"] != "agency"
    client = TestClient(create_app(db))
    api = client.get("/api/v1/detainers", params={"by": "facility"}).json()
    assert {r["facility"]: r["detainers"] for r in api} == Counter(r[3] for r in detainers if r[6] == "287(g) Program")
    csv_text = client.get("/api/v1/detainers", params={"by": "facility", "format": "csv"}).text
    assert csv_text.splitlines()[0] == "facility,detainers,all_detainers,share,first_date,last_date"
    assert client.get("/api/v1/detainers", params={"by": "nothing"}).status_code == 400
    about = client.get("/api/v1/arrests/about").json()
    assert about["detainers"]["detainers"] == len(detainers)
    assert any("Custodial Arrest" in c for c in about["caveats"]["en"])
    assert any("Custodial Arrest" in c for c in about["caveats"]["es"])
    for lang in ("en", "es"):
        html = client.get("/arrests", params={"lang": lang}).text
        assert 'id="detainers"' in html and 'id="criminality"' in html and "GWINNETT COUNTY JAIL" in html
    # the national releases' counts are untouched by the newer ones, which add their own years
    years = {r["fiscal_year"] for r in counted(db, "arrests")}
    assert {2016, 2017, 2018, 2019, 2025} <= years


def test_without_detainers_the_command_says_so(tmp_path):
    folder = tmp_path / "ddp"
    folder.mkdir()
    write_csv(folder / "arrests.csv", ARRESTS, arrest_rows(50, dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    db = tmp_path / "open287g.duckdb"
    assert import_folder(db, folder).built
    done = run(db, "detainers")
    assert done.exit_code != 0 and "no detainer release" in done.stderr and len(done.stderr.strip().splitlines()) == 1
