"""Ids once issued resolve forever: a warehouse built from more (later) publications keeps every id
of one built from a prefix of them, and every id the first builds (v0.1) issued."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from helpers import REPO, SHARED, run
from open287g import pipeline, queries
from open287g.archive import Archive
from open287g.web.app import create_app

ROWS = "SELECT publication_id, row_number, agency_id, agreement_id FROM roster_rows WHERE agreement_id IS NOT NULL"


def _prefix_folder(root: Path, until: str) -> Path:
    """The shared data as it stood on `until`: its observation log cut there, the files as they are."""
    folder = root / f"shared-{until}"
    (folder / "reference").mkdir(parents=True)
    (folder / "sheets").symlink_to(SHARED / "sheets")
    for f in (SHARED / "reference").glob("*.csv"):
        (folder / "reference" / f.name).symlink_to(f)
    with (SHARED / "snapshots.csv").open(newline="") as src, (folder / "snapshots.csv").open("w", newline="") as dst:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(r for r in reader if r["date_observed"] <= until)
    return folder


# Where a prefix build's ids name other rows in the full build than in the prefix, and why: each
# id still resolves, but to the agreement later publications show those rows belong to. Listed
# exactly, so that a new case fails the test. The days are month-ends and the eves of the county
# corrections and pending-list changes that once moved ids (2025-08-05, 2026-01-10); the prefix of
# the issue is 2025-10-31.
FRANKLIN = "PA/franklin-county-sheriffs-office/WSO/2025-03-07"  # a pending row converts to a later spell
MOVED = {
    "2025-06-30": {
        # 2025-04-14 corrected to 2025-04-15 after the prefix: its rows join the corrected agreement
        "FL/st-cloud-police-department/TFM/2025-04-14",
        # pending rows listed while the signed agreement was already on the list: later publications
        # show the pending run went on, and it converts to the later signing
        "PA/lower-burrell-fourth-ward-constable/TFM/2025-05-16",
        FRANKLIN,
    },
    "2025-08-05": {FRANKLIN},
    "2025-10-31": set(),
    "2026-01-10": set(),
    "2026-01-31": set(),
}
# agencies whose names by then include a pending name later publications give to another agency
RENAMED_AWAY = {"2025-06-30": {"PA/lower-burrell-fourth-ward-constable"}}


@pytest.fixture(scope="module", params=sorted(MOVED))
def prefix(request, tmp_path_factory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("prefix")
    db = root / "w.duckdb"
    result = pipeline.import_paths(db, Archive(root / "w.archive"), [_prefix_folder(root, request.param)])
    assert result.built and not result.rejected
    return request.param, db


def test_every_id_of_a_prefix_build_names_the_same_rows_in_the_full_build(prefix, con):
    """Each id of a build from the observations up to a day resolves in the full build, to the
    agreement that lists the same rows of the same publications, and to an agency that still goes by
    the names it had then (rows of an agreement carried on under another body move with it)."""
    until, db = prefix
    with duckdb.connect(str(db), read_only=True) as old:
        earlier = old.execute(ROWS).fetchall()
        agencies = old.execute("SELECT agency_id, names FROM agencies").fetchall()
        agreements = [a for (a,) in old.execute("SELECT agreement_id FROM agreements").fetchall()]
    assert len(earlier) > 20_000 and len(agencies) > 500
    names = dict(con.execute("SELECT agency_id, names FROM agencies").fetchall())
    current = {a: queries.resolve_agency(con, a) for a, _ in agencies}
    assert all(current.values())
    lost = {a for a, known in agencies if not set(known) <= set(names[current[a] or ""])}
    assert lost == RENAMED_AWAY.get(until, set())
    assert [a for a in agreements if queries.resolve_agreement(con, a) is None] == []
    now = {(p, n): g for p, n, _, g in con.execute(ROWS).fetchall()}
    moved = {g for p, n, _, g in earlier if queries.resolve_agreement(con, g) != now[(p, n)]}
    assert moved == MOVED[until]


@pytest.mark.parametrize(
    "issued_by",
    [
        "v0_1",  # every agency and agreement id of a full build by v0.1
        # every id, current and former, of a full build at 5e8a805 (stable ids, before the fidelity
        # rules: its pending spells of the back-filled 2025-05-25 list no longer exist, and resolve
        # to their agency's record of that model)
        "v0_2",
    ],
)
def test_ids_earlier_builds_issued_still_resolve(con, issued_by):
    """tests/data/ids_issued_<version>.csv: ids issued by full builds of earlier versions."""
    with (REPO / "tests" / "data" / f"ids_issued_{issued_by}.csv").open(newline="") as fh:
        issued = list(csv.DictReader(fh))
    assert len(issued) > 3000
    unresolved = [
        r["id"]
        for r in issued
        if (queries.resolve_agency if r["kind"] == "agency" else queries.resolve_agreement)(con, r["id"]) is None
    ]
    assert unresolved == []


def test_a_former_id_is_never_another_entitys_current_id(con):
    for table, column in (("agencies", "agency_id"), ("agreements", "agreement_id")):
        clash = con.execute(
            f"SELECT f FROM (SELECT unnest(former_ids) AS f FROM {table}) WHERE f IN (SELECT {column} FROM {table})"
        ).fetchall()
        twice = con.execute(
            f"SELECT f FROM (SELECT unnest(former_ids) AS f FROM {table}) GROUP BY f HAVING count(*) > 1"
        ).fetchall()
        assert clash == [] and twice == [], table


def test_name_fix_table_names_agencies_and_keeps_the_typo_as_former_id(con):
    # Minnesota has no Freedom County: ICE's first listing was a typo for Freeborn
    row = con.execute("SELECT names, former_ids FROM agencies WHERE agency_id = 'MN/freeborn-county-sheriffs-office'")
    names, former = row.fetchone()
    assert "Freedom County Sheriff's Office" in names and "MN/freedom-county-sheriffs-office" in former


def test_agreements_all_json_carries_former_ids(built):
    r = run(built, "agreements", "--all", "--format", "json")
    records = json.loads(r.stdout)
    assert len(records) > 1700 and all(isinstance(a["former_ids"], list) for a in records)
    # a pending listing later signed keeps its pending id
    assert any(
        f.endswith("/pending") and not a["agreement_id"].endswith("/pending") for a in records for f in a["former_ids"]
    )


def test_cli_agency_answers_for_a_former_id(built):
    r = run(built, "agency", "TX/lampass-county-sheriffs-office", "--format", "json")
    assert r.exit_code == 0
    profile = json.loads(r.stdout)
    assert profile["agency_id"] == "TX/lampasas-county-sheriffs-office"
    assert "TX/lampass-county-sheriffs-office" in profile["former_ids"]
    assert "former id" in r.stderr


def test_api_and_page_redirect_a_former_id_permanently(built):
    client = TestClient(create_app(built))
    for path, query in (
        ("/api/v1/agencies/TX/lampass-county-sheriffs-office", ""),  # (the API takes no ?lang=)
        ("/agencies/TX/lampass-county-sheriffs-office", "?lang=es"),
    ):
        r = client.get(path + query, follow_redirects=False)
        assert r.status_code == 301
        assert r.headers["location"] == path.replace("lampass", "lampasas") + query
        assert client.get(path).status_code == 200
    assert client.get("/api/v1/agencies/TX/no-such-agency").status_code == 404
