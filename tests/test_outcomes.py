"""Enforcement outcomes: ICE's FOIA releases in the warehouse, counted as the raw files count them, and the
files that cannot be read rejected with their reason."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from helpers import SHARED, run
from open287g import cache, pipeline
from open287g.archive import Archive
from open287g.sources import ice_foia

RELEASES = SHARED / "foia" / "uwchr_2019-ICFO-53623"
TEXT_CACHE = cache.Cache(Path(__file__).resolve().parents[1] / "artifacts" / "text-cache")


def raw_rows(path: Path):
    """The data rows of a release as Python's csv module reads them, header found by hand (5 preamble lines)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines()
    reader = csv.reader(lines[5:], delimiter="|")
    header = next(reader)
    for row in reader:
        yield dict(zip(header, row, strict=False))


def after_the_shared_files() -> dt.date:
    """A day after the shared releases were observed (dated by their mtime): files observed then are newest."""
    return dt.date.fromtimestamp(max(p.stat().st_mtime for p in RELEASES.iterdir())) + dt.timedelta(days=1)


def fiscal_year(mdy: str) -> int:
    m, _, y = mdy.split("/")
    return int(y) + (int(m) >= 10)


@pytest.fixture(scope="module")
def raw_arrests():
    """(287(g) arrests, all arrests) by fiscal year, counted from the raw files independently of the import."""
    g, everything = Counter(), Counter()
    for path in sorted(RELEASES.glob("EROArrests_FY*.csv.gz")):
        for row in raw_rows(path):
            fy = fiscal_year(row["Apprehension Date"])
            everything[fy] += 1
            g[fy] += row["Apprehension Method"] == "287(g) Program"
    return g, everything


def test_arrests_by_fiscal_year_are_the_raw_files_counts(built, raw_arrests):
    g, everything = raw_arrests
    assert sum(g.values()) == 29012 and sum(everything.values()) == 544059  # MANIFEST §3
    r = run(built, "arrests", "--method", "287g", "--by", "fiscal_year", "--format", "json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert [(x["fiscal_year"], x["arrests"], x["all_arrests"]) for x in got] == [
        (fy, g[fy], everything[fy]) for fy in sorted(g)
    ]
    assert all(x["share"] == round(x["arrests"] / x["all_arrests"], 4) for x in got)
    assert "coded 287(g)" in r.stderr and "free text" in r.stderr
    every = json.loads(run(built, "arrests", "--method", "all", "--format", "json").stdout)
    assert [(x["fiscal_year"], x["arrests"]) for x in every] == sorted(everything.items())


def test_every_breakdown_adds_up_to_the_same_arrests(built, raw_arrests):
    total = sum(raw_arrests[0].values())
    for by in ("month", "aor", "landmark", "disposition", "citizenship", "method"):
        got = json.loads(run(built, "arrests", "--by", by, "--format", "json").stdout)
        assert sum(x["arrests"] for x in got) == total, by
        assert all(set(x) == {by, "arrests", "all_arrests", "share", "first_date", "last_date"} for x in got)
    months = json.loads(run(built, "arrests", "--by", "month", "--format", "json").stdout)
    assert months[0]["month"] == "2015-10" and months[-1]["month"] == "2019-08"
    landmarks = json.loads(run(built, "arrests", "--by", "landmark", "--format", "json").stdout)
    assert landmarks[0]["landmark"] == "GWINNETT COUNTY JAIL - 287(G)"  # the most, as UWCHR's tables show
    assert [x["arrests"] for x in landmarks if x["landmark"]] == sorted(
        (x["arrests"] for x in landmarks if x["landmark"]), reverse=True
    )


def test_encounters_and_removals_keep_every_released_row(con):
    for table, pattern in (("foia_encounters", "EROEncounters_*"), ("foia_removals", "ICERemovals_*")):
        expected = sum(1 for p in RELEASES.glob(pattern) for _ in raw_rows(p))
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == expected, table
    files = con.execute("SELECT table_name, count(*) FROM foia_files WHERE status = 'ok' GROUP BY 1 ORDER BY 1")
    assert files.fetchall() == [("arrests", 4), ("encounters", 2), ("removals", 3)]
    # redactions are withheld values, not text: none survives in any column
    redacted = con.execute(
        "SELECT count(*) FROM foia_removals WHERE starts_with(threat_level, '(B)(') OR starts_with(citizenship, '(B)(')"
    ).fetchone()[0]
    assert redacted == 0
    assert con.execute("SELECT count(*) FROM foia_removals WHERE threat_level IS NULL").fetchone()[0] > 0


def test_the_reader_finds_the_header_whatever_the_preamble(tmp_path):
    lines = gzip.decompress((RELEASES / "EROArrests_FY2016.csv.gz").read_bytes()).decode().splitlines()
    plain = "\n".join(["Some other unit", *lines[:3], "", *lines[3:50]]) + "\n"  # 7 lines before the header
    release = ice_foia.sniff(plain.encode())
    assert release is not None and release.table == "arrests" and release.header_line == 7
    assert (release.foia_number, release.fiscal_year, release.compression) == ("2019-ICFO-53623", 2016, "none")
    path = tmp_path / "arrests.txt"
    path.write_text(plain)
    with duckdb.connect() as c:
        rows = c.execute(f"SELECT count(*), min(date) FROM ({ice_foia.select([path], release)})").fetchone()
    assert rows == (50 - 6, dt.date(2015, 10, 1))
    assert ice_foia.sniff(b"<html><body>Access Denied</body></html>") is None
    assert ice_foia.sniff(b"\x1f\x8b\x08\x00broken") is None


def test_a_release_again_uncompressed_and_a_truncated_one(built_copy, tmp_path):
    """The FY2016 arrests again (uncompressed: other bytes, the same table) and the FY2017 arrests cut short: the
    first supersedes the gzipped file without counting an arrest twice, the second is rejected in one line."""
    folder = tmp_path / "later"
    folder.mkdir()
    plain = gzip.decompress((RELEASES / "EROArrests_FY2016.csv.gz").read_bytes())
    (folder / "EROArrests_FY2016.csv").write_bytes(plain)
    data = (RELEASES / "EROArrests_FY2017.csv.gz").read_bytes()
    (folder / "EROArrests_FY2017_cut.csv.gz").write_bytes(data[: len(data) // 2])
    before = json.loads(run(built_copy, "arrests", "--format", "json").stdout)
    archive = Archive(built_copy.with_name("open287g.archive"))
    result = pipeline.import_paths(built_copy, archive, [folder], after_the_shared_files(), cache=TEXT_CACHE)
    assert result.built and result.new_files == 2
    assert len(result.rejected) == 1
    assert "EROArrests_FY2017_cut.csv.gz: cannot be read as a FOIA release of arrests: " in result.rejected[0]
    assert json.loads(run(built_copy, "arrests", "--format", "json").stdout) == before
    with duckdb.connect(str(built_copy), read_only=True) as c:
        statuses = c.execute(
            "SELECT fiscal_year, status, superseded_by IS NOT NULL FROM foia_files WHERE table_name = 'arrests' "
            "ORDER BY fiscal_year, status"
        ).fetchall()
    assert statuses == [
        (2016, "ok", False),
        (2016, "superseded", True),
        (2017, "ok", False),
        (2017, "rejected", False),
        (2018, "ok", False),
        (2019, "ok", False),
    ]


def test_arrests_without_releases_and_bad_parameters_say_so_in_one_line(tmp_path):
    db = tmp_path / "w.duckdb"
    small = tmp_path / "in"
    small.mkdir()
    shutil.copy(SHARED / "sheets" / "ice" / "pending" / "2026-01-08" / "pendingAgencies01082026am.xlsx", small)
    pipeline.import_paths(db, Archive.beside(db), [small], cache=TEXT_CACHE)
    for args, message in (
        (["arrests"], "no FOIA arrest release in the warehouse"),
        (["arrests", "--by", "city"], "--by: unknown breakdown 'city'"),
        (["arrests", "--method", "cap"], "--method: unknown method 'cap'"),
    ):
        r = run(db, *args)
        assert r.exit_code == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_the_release_reader_reads_what_csv_reads(tmp_path):
    """Quoted pipes and quotes inside a landmark, a blank landmark and a redacted cell, on a release the test makes."""
    head = [
        '"ERO-LESA Statistical Tracking Unit"||||||||',
        '"For Official Use Only (FOUO)/Pre-decisional"||||||||',
        '"2019-ICFO-53623"||||||||',
        "||||||||",
        '"ERO Administrative Arrests for FY2016"||||||||',
        '"Area of Responsibility"|"Apprehension Date"|"Apprehension Method"|"Apprehension Landmark"|"Operation"|'
        '"Processing Disposition"|"Birth Date"|"Citizenship"|"Gender"',
    ]
    body = [
        '"Atlanta Area of Responsibility"|10/1/2015|"287(g) Program"|"COBB | ""MAIN"" JAIL"||"Detainer"|'
        '"(B)(6);(B)(7)(C) "|"MEXICO"|"Male"',
        '"Atlanta Area of Responsibility"|9/30/2016|"287(g) Program"|""||"Detainer"|"(B)(6);(B)(7)(C) "|'
        '"(B)(6) "|"Female"',
    ]
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress("\n".join(head + body).encode()))
    release = ice_foia.sniff(path.read_bytes())
    assert release is not None
    with duckdb.connect() as c:
        got = c.execute(f"SELECT date, landmark, citizenship FROM ({ice_foia.select([path], release)})").fetchall()
    expected = list(csv.reader(io.StringIO("\n".join(body)), delimiter="|"))
    assert [g[1] for g in got] == [expected[0][3], None]
    assert got == [(dt.date(2015, 10, 1), 'COBB | "MAIN" JAIL', "MEXICO"), (dt.date(2016, 9, 30), None, None)]


def test_operations_are_set_beside_the_records_of_their_days(built, built_copy):
    ops = json.loads(run(built, "operations", "--format", "json").stdout)
    assert [o["operation_id"] for o in ops] == ["geaux-2025", "flood-the-zone-2025", "tidal-wave-2025"]
    assert all(o["sources"] and all(u.startswith("https://") for u in o["sources"]) for o in ops)
    tidal = ops[-1]
    assert (tidal["states"], tidal["claimed_arrests"], tidal["start_date"]) == (["FL"], 1120, "2025-04-21")
    # the records end in 2019
    assert not any(o["records_cover"] or o["records_287g_arrests_nationwide"] is not None for o in ops)
    # an operation the records do span: its days' arrests, counted apart from the query
    with duckdb.connect(str(built_copy)) as c:
        c.execute(
            "INSERT INTO operations (operation_id, name, start_date, end_date, states, sources, reviewed) "
            "VALUES ('test-2017', 'A test operation', '2017-03-01', '2017-03-07', ['GA'], ['https://example.org'], "
            "false)"
        )
        g, every = c.execute(
            "SELECT count(*) FILTER (WHERE method = '287(g) Program'), count(*) FROM foia_arrests "
            "WHERE date >= '2017-03-01' AND date <= '2017-03-07'"
        ).fetchone()
    answered = json.loads(run(built_copy, "operations", "--format", "json").stdout)
    test = next(o for o in answered if o["name"] == "A test operation")
    counted = (test["records_287g_arrests_nationwide"], test["records_all_arrests_nationwide"])
    assert test["records_cover"] and counted == (g, every) and g > 0


def test_a_bad_operations_row_is_refused_in_one_line(monkeypatch):
    from open287g.domain import tables

    good = tables.operations()[0]
    row = {k: ("" if v is None else " ".join(v) if isinstance(v, list) else str(v)) for k, v in good.items()}
    for change, message in (
        ({"sources": ""}, "needs its sources"),
        ({"end_date": "2025-01-01"}, "ends before it starts"),
        ({"states": "XX"}, "unknown state"),
        ({"start_date": "21/04/2025"}, "YYYY-MM-DD"),
    ):
        monkeypatch.setattr(tables, "data_rows", lambda name, change=change: [{**row, "reviewed": "yes", **change}])
        with pytest.raises(ValueError, match=message) as info:
            tables.operations()
        assert str(info.value).startswith("operations.csv: line 2 (") and "\n" not in str(info.value)


def test_the_api_answers_as_the_command_line(built):
    from fastapi.testclient import TestClient

    from open287g.web.app import create_app

    client = TestClient(create_app(built))
    cli = json.loads(run(built, "arrests", "--by", "aor", "--format", "json").stdout)
    api = client.get("/api/v1/arrests?by=aor&method=287g")
    assert api.status_code == 200 and api.json() == cli
    csv_twin = client.get("/api/v1/arrests?by=aor&format=csv")
    assert csv_twin.text.splitlines()[0] == "aor,arrests,all_arrests,share,first_date,last_date"
    assert len(csv_twin.text.splitlines()) == len(cli) + 1
    assert 'filename="open287g-arrests-287g-by-aor.csv"' in csv_twin.headers["content-disposition"]
    bad = client.get("/api/v1/arrests?by=city")
    assert bad.status_code == 400 and "unknown breakdown 'city'" in bad.json()["detail"]
    assert client.get("/api/v1/operations").json() == json.loads(run(built, "operations", "--format", "json").stdout)


def foia_only(folder: Path) -> Path:
    """A warehouse of the shared FOIA releases alone (the rosters are not needed to count arrests)."""
    db = folder / "open287g.duckdb"
    result = pipeline.import_paths(db, Archive.beside(db), [SHARED / "foia"], cache=TEXT_CACHE)
    assert result.built and not result.rejected
    return db


def by_year(db: Path, method: str = "all") -> list[tuple[int, int]]:
    got = json.loads(run(db, "arrests", "--method", method, "--format", "json").stdout)
    return [(x["fiscal_year"], x["arrests"]) for x in got]


def test_rows_not_titles_decide_what_is_counted_once(tmp_path, raw_arrests):
    """A re-release whose title names other days, and releases without any preamble, are the same rows: each
    fiscal year is counted once, from the newest file; a text cut mid-row on the same day is rejected."""
    db = foia_only(tmp_path / "o'brien")  # a quote in the path reaches no SQL unescaped
    expected = sorted(raw_arrests[1].items())
    assert by_year(db) == expected
    later = tmp_path / "later"
    later.mkdir()
    fy19 = gzip.decompress((RELEASES / "EROArrests_FY2019.csv.gz").read_bytes()).decode()
    (later / "EROArrests_FY2019_retitled.csv").write_text(fy19.replace("8/31/2019)", "9/30/2019)", 1))
    for fy in (2016, 2017):
        lines = gzip.decompress((RELEASES / f"EROArrests_FY{fy}.csv.gz").read_bytes()).decode().splitlines(True)
        (later / f"arrests_{fy}_bare.csv").write_text("".join(lines[5:]))  # the header first, no preamble
    fy18 = gzip.decompress((RELEASES / "EROArrests_FY2018.csv.gz").read_bytes())
    (later / "EROArrests_FY2018_cut.csv").write_bytes(fy18[: len(fy18) // 2])
    result = pipeline.import_paths(db, Archive.beside(db), [later], after_the_shared_files(), cache=TEXT_CACHE)
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in result.rejected] == ["EROArrests_FY2018_cut.csv"]
    assert by_year(db) == expected and by_year(db, "287g") == sorted(raw_arrests[0].items())
    with duckdb.connect(str(db), read_only=True) as c:
        statuses = c.execute(
            "SELECT f.names[1], s.status, s.rows FROM foia_files s JOIN files f USING (sha256) "
            "WHERE s.table_name = 'arrests' ORDER BY 1"
        ).fetchall()
    assert statuses == [
        ("EROArrests_FY2016.csv.gz", "superseded", 110104),
        ("EROArrests_FY2017.csv.gz", "superseded", 143470),
        ("EROArrests_FY2018.csv.gz", "ok", 158581),
        ("EROArrests_FY2018_cut.csv", "rejected", 0),
        ("EROArrests_FY2019.csv.gz", "superseded", 131904),
        ("EROArrests_FY2019_retitled.csv", "ok", 131904),
        ("arrests_2016_bare.csv", "ok", 110104),
        ("arrests_2017_bare.csv", "ok", 143470),
    ]


def test_a_torn_memo_copy_is_read_around_and_rebuild_reads_the_text(tmp_path, raw_arrests):
    db = foia_only(tmp_path)
    kept = sorted(db.with_name("open287g.memo.d").iterdir())
    assert len(kept) == 3  # one Parquet file per table (its files are read together)
    for f in kept:
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])  # torn
    archive = Archive.beside(db)
    with archive.writing():
        assert pipeline.build(db, archive, force=True, cache=TEXT_CACHE)
    assert by_year(db) == sorted(raw_arrests[1].items())
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM foia_files WHERE status <> 'ok'").fetchone()[0] == 0
    # rebuild reads the releases again, whatever the memo holds: its copies are written anew
    before = {f.name: f.stat().st_mtime_ns for f in db.with_name("open287g.memo.d").iterdir()}
    with archive.writing():
        assert pipeline.build(db, archive, force=True, cache=TEXT_CACHE, fresh=True)
    after = {f.name: f.stat().st_mtime_ns for f in db.with_name("open287g.memo.d").iterdir()}
    assert after.keys() == before.keys() and all(after[k] != before[k] for k in after)
    assert by_year(db) == sorted(raw_arrests[1].items())
