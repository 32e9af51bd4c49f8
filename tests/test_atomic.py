"""The warehouse is swapped in whole: a failure or a kill mid-import leaves the previous one intact."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from helpers import sheet
from open287g import pipeline, warehouse
from open287g.archive import Archive

FIRST = "ice/pending/2026-01-08/pendingAgencies01082026am.xlsx"


def contents(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT publication_id, rows FROM publications ORDER BY 1").fetchall()


@pytest.fixture()
def small(tmp_path):
    db = tmp_path / "w.duckdb"
    pipeline.import_paths(db, Archive(tmp_path / "w.archive"), [sheet(FIRST)])
    return db


def test_failure_while_writing_keeps_the_old_warehouse(small, tmp_path, monkeypatch):
    before = contents(small)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(warehouse, "_arrow", broken)
    with pytest.raises(RuntimeError):
        pipeline.import_paths(
            small, Archive(tmp_path / "w.archive"), [sheet("ice/pending/2025-02-20/pendingAgencies.xlsx")]
        )
    assert contents(small) == before
    # no half-written file is left (the MOA search index and the build memo beside the warehouse are the earlier
    # build's)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.archive", "w.duckdb", "w.memo", "w.search.sqlite"]
    # the file reached the archive before the build failed; the next build picks it up
    monkeypatch.undo()
    assert pipeline.build(small, Archive(tmp_path / "w.archive"))
    assert len(contents(small)) == 2


def test_kill_mid_import_leaves_the_previous_warehouse(small, tmp_path, shared):
    before = contents(small)
    proc = subprocess.Popen(
        [sys.executable, "-m", "open287g", "--db", str(small), "import", str(shared)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(3)  # the full import takes well over this: the kill lands while reading or writing
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    now = contents(small)
    assert now == before or len(now) > 400  # the old warehouse, or (on a very fast machine) the new one whole
    # the interrupted import can simply be run again
    result = pipeline.import_paths(small, Archive(tmp_path / "w.archive"), [shared])
    assert not result.rejected and len(contents(small)) > 400
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb.building")] == []
