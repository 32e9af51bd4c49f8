"""A build sees every rule: an edit to a reviewed table or to the stage code rebuilds the warehouse on
the next import, and `open287g rebuild` forces one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from helpers import REPO, run, sheet

WORKBOOK = "ice/participating/2026-03-09/participatingAgencies03092026am.xlsx"


def _cli(src: Path, db: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI of the package copy under `src`, in a fresh process."""
    # the copy has no node_modules beside it: the county atlas comes from the checkout's
    env = {**os.environ, "PYTHONPATH": str(src), "OPEN287G_ATLAS_DIR": str(REPO / "node_modules" / "us-atlas")}
    code = "import sys; from open287g.cli import app; app(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, "--db", str(db), *args], env=env, capture_output=True, text=True, check=False
    )


def _fips(db: Path, agency_id: str) -> str | None:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT county_fips FROM agencies WHERE agency_id = ?", [agency_id]).fetchone()[0]


def test_an_edited_reviewed_table_rebuilds_the_warehouse(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO / "src" / "open287g", src / "open287g", ignore=shutil.ignore_patterns("__pycache__"))
    db = tmp_path / "w.duckdb"
    first = _cli(src, db, "import", "--observed", "2026-03-09", str(sheet(WORKBOOK)))
    assert first.returncode == 0, first.stderr
    agency = "TX/ellis-county-sheriffs-office"
    assert _fips(db, agency) == "48139"
    again = _cli(src, db, "import", "--observed", "2026-03-09", str(sheet(WORKBOOK)))
    assert "nothing new; warehouse unchanged" in again.stderr

    # a reviewed place for the agency (a test-only row) must reach the warehouse on the next import
    places = src / "open287g" / "data" / "agency_places.csv"
    with places.open("a", encoding="utf-8") as fh:
        fh.write('TX,Ellis County Sheriff\'s Office,county,48113,"test row: placed in Dallas County"\n')
    edited = _cli(src, db, "import", "--observed", "2026-03-09", str(sheet(WORKBOOK)))
    assert edited.returncode == 0, edited.stderr
    assert "warehouse rebuilt" in edited.stderr
    assert _fips(db, agency) == "48113"

    # so must an edit to the stage code
    stage = src / "open287g" / "stages" / "qa.py"
    stage.write_text(stage.read_text() + "\n# an edit\n")
    assert "warehouse rebuilt" in _cli(src, db, "import", str(sheet(WORKBOOK)), "--observed", "2026-03-09").stderr


def test_rebuild_forces_a_build_and_needs_an_archive(tmp_path):
    db = tmp_path / "w.duckdb"
    missing = run(db, "rebuild")
    assert missing.exit_code == 1 and "no archive yet" in missing.stderr
    assert run(db, "import", "--observed", "2026-03-09", sheet(WORKBOOK)).exit_code == 0
    before = db.stat().st_mtime_ns
    forced = run(db, "rebuild")
    assert forced.exit_code == 0 and "warehouse rebuilt" in forced.stderr
    assert db.stat().st_mtime_ns != before
    with duckdb.connect(str(db), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert {"archive_digest", "code_digest", "tables_digest"} <= meta.keys()


def test_serve_refuses_a_warehouse_of_another_version_in_one_line(built_copy):
    with duckdb.connect(str(built_copy)) as con:  # as a v0.1 warehouse: no former ids
        con.execute("ALTER TABLE agreements DROP COLUMN former_ids")
    r = run(built_copy, "serve", "--port", "1")
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot be served" in lines[0] and "open287g rebuild" in lines[0]


def test_the_library_rebuilds_under_the_archive_lock(tmp_path):
    import open287g

    db = tmp_path / "w.duckdb"
    archive = open287g.Archive(tmp_path / "w.archive")
    open287g.import_paths(db, archive, [sheet(WORKBOOK)], observed=None)
    assert open287g.build(db, archive) is False  # nothing changed
    assert open287g.build(db, archive, force=True) is True
    assert open287g.queries.counts(duckdb.connect(str(db), read_only=True))["agreements"] > 1000
