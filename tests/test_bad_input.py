"""Bad input: a one-line error naming the file and the problem, a non-zero exit, the file kept in the
archive and listed as rejected, and nothing already built changed."""

import hashlib
import io
import json
import zipfile

import duckdb
import pytest

from helpers import rewrite, run, sheet

BASE = [
    "ice/participating/2026-03-02/participatingAgencies03022026am.xlsx",
    "ice/pending/2026-01-08/pendingAgencies01082026am.xlsx",
]


@pytest.fixture()
def base(tmp_path):
    db = tmp_path / "w.duckdb"
    for i, rel in enumerate(BASE):
        r = run(db, "import", "--observed", f"2026-03-0{i + 2}", sheet(rel))
        assert r.exit_code == 0, r.output
    return db


def snapshot(db):
    with duckdb.connect(str(db), read_only=True) as con:
        pubs = con.execute(
            "SELECT * EXCLUDE (seq) FROM publications WHERE status <> 'rejected' ORDER BY publication_id"
        ).fetchall()
        rows = con.execute("SELECT * FROM roster_rows ORDER BY publication_id, row_number").fetchall()
    return pubs, rows


def _zip_of_text():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return out.getvalue()


CASES = {
    "error_page.xlsx": (
        lambda: b"<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body>Reference #18</body></html>",
        "HTML",
    ),
    "truncated.xlsx": (lambda: sheet(BASE[0]).read_bytes()[:40000], "truncated or corrupt zip"),
    "not_a_workbook.xlsx": (_zip_of_text, "without xl/workbook.xml"),
    "empty.xlsx": (lambda: b"", "empty file"),
    "unknown_columns.xlsx": (
        lambda: rewrite(BASE[0], "xl/sharedStrings.xml", lambda d: d.replace(b">COUNTY<", b">PRECINCT<", 1)),
        "unknown column(s) 'PRECINCT'",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_rejected_and_changes_nothing(base, tmp_path, name):
    make, problem = CASES[name]
    bad = tmp_path / name
    bad.write_bytes(make())
    before = snapshot(base)

    r = run(base, "import", "--observed", "2026-03-10", bad)

    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(bad) in errors[0] and problem in errors[0], r.stderr
    assert snapshot(base) == before
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    kept = base.with_name("w.archive") / "objects" / sha[:2] / sha
    assert kept.read_bytes() == bad.read_bytes()
    listed = json.loads(run(base, "publications", "--status", "rejected", "--format", "json").stdout)
    assert [p["sha256s"] for p in listed] == [[sha]]
    assert listed[0]["status"] == "rejected" and problem in listed[0]["status_reason"]
    assert listed[0]["rows"] == 0 and listed[0]["first_observed"] == "2026-03-10"


def test_rejected_file_is_a_warning_in_check(base, tmp_path):
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    run(base, "import", bad)
    r = run(base, "check", "--format", "json")
    assert r.exit_code == 0
    check = {c["check_name"]: c for c in json.loads(r.stdout)}["rejected_files"]
    assert check["status"] == "warn" and check["n"] == 1 and "empty file" in check["items"][0]


def test_good_files_in_the_same_import_still_land(base, tmp_path):
    bad = tmp_path / "error_page.xlsx"
    bad.write_bytes(b"<html><body>503</body></html>")
    good = sheet("ice/participating/2026-03-09/participatingAgencies03092026am.xlsx")
    r = run(base, "import", "--observed", "2026-03-11", bad, good)
    assert r.exit_code == 1
    pubs = json.loads(run(base, "publications", "--format", "json").stdout)
    assert any("participatingAgencies03092026am.xlsx" in p["file_names"] and p["status"] == "ok" for p in pubs)


def test_missing_path_and_bad_log_fail_cleanly(base, tmp_path):
    before = snapshot(base)
    r = run(base, "import", tmp_path / "nowhere")
    assert r.exit_code == 1 and "no such file or folder" in r.stderr
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "snapshots.csv").write_text("date_observed,kind,file\n2026-13-01,participating,x.xlsx\n")
    r = run(base, "import", folder)
    assert r.exit_code == 1 and "snapshots.csv: line 2: bad date_observed" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert snapshot(base) == before


def test_folder_without_log_is_dated_by_the_workbook_and_says_so(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(sheet(BASE[1]).read_bytes())
    db = tmp_path / "w.duckdb"
    r = run(db, "import", folder)
    assert r.exit_code == 0, r.output
    assert "dated by the workbook's own modified date" in r.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        basis, day = con.execute("SELECT date_basis, observed_on FROM observations").fetchone()
    assert basis == "workbook_modified" and day.isoformat() == "2026-01-08"
