"""Import of every shared workbook, checked against figures computed without the import code."""

import csv
import json
from collections import defaultdict

import openpyxl
import pytest

from helpers import SHARED, run


def snapshots():
    with (SHARED / "snapshots.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def sheet_versions():
    with (SHARED / "sheets" / "sheet_versions.csv").open(newline="") as fh:
        return {r["sha256"]: r for r in csv.DictReader(fh)}


def test_every_shared_workbook_is_imported(con):
    expected = {r["sha256"] for r in snapshots()}
    got = {
        sha
        for (sha,) in con.execute(
            "SELECT sha256 FROM files WHERE status = 'ok' AND kind IN ('participating', 'pending')"
        ).fetchall()
    }
    assert got == expected and len(got) == 488
    assert con.execute("SELECT count(*) FROM files WHERE status <> 'ok'").fetchall()[0][0] == 0
    # the three reference tables and the nine FOIA releases are archived beside the rosters
    refs = con.execute(
        "SELECT kind, count(*) FROM files WHERE kind NOT IN ('participating', 'pending', 'moa') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert refs == [
        ("aor_states", 1),
        ("county_population", 1),
        ("fbi_roster", 1),
        ("foia_arrests", 4),
        ("foia_encounters", 2),
        ("foia_removals", 3),
    ]


def test_rows_equal_the_workbooks_non_blank_rows(con):
    """sheet_versions.csv counts each file's non-blank data rows (computed by the data's curators)."""
    versions = sheet_versions()
    got = dict(
        con.execute("SELECT f.sha256, p.rows FROM files f JOIN publications p USING (publication_id)").fetchall()
    )
    assert got.keys() == versions.keys()
    wrong = {sha: (got[sha], int(v["data_rows"])) for sha, v in versions.items() if got[sha] != int(v["data_rows"])}
    assert not wrong


def _openpyxl_rows(path):
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    n = sum(1 for row in ws.iter_rows(min_row=2, values_only=True) if any(str(v).strip() for v in row if v is not None))
    wb.close()
    return n


@pytest.mark.parametrize("step", [0, 37, 111, 200, 321, 487])
def test_rows_agree_with_openpyxl(con, step):
    """A second, fully independent count for a spread of files across all layouts."""
    versions = sorted(sheet_versions().values(), key=lambda r: (r["first_observed"], r["file"]))
    v = versions[step]
    rows = con.execute(
        "SELECT p.rows FROM files f JOIN publications p USING (publication_id) WHERE f.sha256 = ?", [v["sha256"]]
    ).fetchone()[0]
    assert rows == _openpyxl_rows(SHARED / v["file"])


def test_observations_come_from_the_log(con):
    expected = {(r["sha256"], r["date_observed"], r["file"]) for r in snapshots()}
    got = {
        (sha, day.isoformat(), src.split(str(SHARED) + "/", 1)[1])
        for sha, day, src in con.execute(
            "SELECT sha256, observed_on, source FROM observations WHERE kind_hint IN ('participating', 'pending')"
        ).fetchall()
    }
    assert got == expected
    bases = con.execute(
        "SELECT DISTINCT date_basis FROM observations WHERE kind_hint IN ('participating', 'pending')"
    ).fetchall()
    assert bases == [("snapshots_csv",)]


def test_publication_dates_span_all_observations_of_their_files(con):
    days = defaultdict(set)
    for r in snapshots():
        days[r["sha256"]].add(r["date_observed"])
    for pub, first, last, shas in con.execute(
        "SELECT publication_id, first_observed, last_observed, sha256s FROM publications"
    ).fetchall():
        seen = set().union(*(days[s] for s in shas))
        assert (first.isoformat(), last.isoformat()) == (min(seen), max(seen)), pub


def test_content_identical_files_collapse(con):
    n_files, n_pubs = con.execute(
        "SELECT count(*), count(DISTINCT publication_id) FROM files WHERE kind IN ('participating', 'pending')"
    ).fetchall()[0]
    assert n_files == 488 and n_pubs < n_files
    multi = con.execute("SELECT count(*) FROM publications WHERE len(sha256s) > 1").fetchone()[0]
    assert multi > 20


def test_no_real_publication_is_suspect_or_rejected(con):
    assert con.execute("SELECT count(*) FROM publications WHERE status <> 'ok'").fetchone()[0] == 0


def test_qa_checks_pass_on_the_shared_data(con):
    fails = con.execute("SELECT check_name, detail FROM qa_checks WHERE status = 'fail'").fetchall()
    assert fails == []


def test_cli_publications_json_contract(built):
    r = run(built, "publications", "--format", "json")
    assert r.exit_code == 0, r.output
    pubs = json.loads(r.stdout)
    assert len(pubs) > 400
    for p in pubs:
        assert {"kind", "first_observed", "last_observed", "rows", "status"} <= p.keys()
        assert p["kind"] in ("participating", "pending") and p["status"] in ("ok", "suspect", "rejected")
        assert len(p["first_observed"]) == 10 and p["first_observed"] <= p["last_observed"]
        assert isinstance(p["rows"], int)
        assert p["sha256s"] and p["observed_dates"]


def test_cli_reads_db_from_environment_and_prints_csv(built):
    r = run(None, "publications", "--format", "csv", "--kind", "pending", env={"OPEN287G_DB": str(built)})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("publication_id,kind,status,first_observed,last_observed,rows")
    assert all(",pending," in line for line in lines[1:]) and len(lines) > 200


def test_cli_check_exits_zero_and_lists_checks(built):
    r = run(built, "check", "--format", "json")
    assert r.exit_code == 0, r.output
    names = {c["check_name"] for c in json.loads(r.stdout)}
    assert {
        "publication_rows_stored",
        "unmapped_state",
        "unmapped_model",
        "suspect_publications",
        "rejected_files",
    } <= names


def test_second_import_has_nothing_to_do(built_copy, shared):
    before = built_copy.stat().st_mtime_ns
    r = run(built_copy, "import", shared)
    assert r.exit_code == 0, r.output
    assert "nothing new" in r.stderr
    assert built_copy.stat().st_mtime_ns == before
