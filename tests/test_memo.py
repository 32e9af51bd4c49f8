"""The build memo: a build that reads only the files the last build had not read gives the warehouse a build
reading everything gives, and a memo that is stale, torn or left by a failed build never changes that."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import rewrite
from open287g import cache, pipeline, warehouse
from open287g.archive import Archive
from open287g.memo import Memo
from open287g.stages import documents, outcomes, references

NEWEST = "ice/participating/2026-03-27/participatingAgencies03272026am.xlsx"
TEXT_CACHE = cache.Cache(Path(__file__).resolve().parents[1] / "artifacts" / "text-cache")


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ between two warehouses: {table: (rows only in a, rows only in b)}. The meta
    table is left out (it names each warehouse's own archive)."""
    out = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY); ATTACH '{b}' AS b (READ_ONLY)")
        tables = [
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'a'").fetchall()
        ]
        assert sorted(tables) == sorted(
            t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'b'").fetchall()
        )
        for t in tables:
            if t == "meta":
                continue
            only_a = con.execute(f'SELECT count(*) FROM (FROM a."{t}" EXCEPT ALL FROM b."{t}")').fetchone()[0]
            only_b = con.execute(f'SELECT count(*) FROM (FROM b."{t}" EXCEPT ALL FROM a."{t}")').fetchone()[0]
            if only_a or only_b:
                out[t] = (only_a, only_b)
    return out


def new_list(tmp_path: Path) -> Path:
    """ICE's newest list without one of its rows, as a later list: an ending the build must find."""
    folder = tmp_path / "new"
    folder.mkdir()
    data = rewrite(
        NEWEST, "xl/worksheets/sheet1.xml", lambda x: re.sub(rb'<row r="5"[^>]*?(?:/>|>.*?</row>)', b"", x, flags=re.S)
    )
    (folder / "participatingAgencies04012026am.xlsx").write_bytes(data)
    return folder


def workbook_shas(archive: Archive) -> set[str]:
    return {
        o.sha256
        for o in archive.observations()
        if not references.is_reference(o) and not documents.is_document(o) and not outcomes.is_foia(o)
    }


def test_a_build_from_the_memo_is_the_build_that_reads_everything(built_copy, tmp_path, monkeypatch):
    memo_file = built_copy.with_name("open287g.memo")
    assert memo_file.is_file(), "the import left no memo"
    archive = Archive(built_copy.with_name("open287g.archive"))
    parsed, read_moas = [], []
    parse, read_moa = pipeline.pubstage.parse, documents.moa_text.read
    monkeypatch.setattr(pipeline.pubstage, "parse", lambda sha, *a: parsed.append(sha) or parse(sha, *a))
    monkeypatch.setattr(documents.moa_text, "read", lambda *a: read_moas.append(a) or read_moa(*a))
    result = pipeline.import_paths(built_copy, archive, [new_list(tmp_path)], dt.date(2026, 4, 1), cache=TEXT_CACHE)
    assert result.built and result.new_files == 1 and not result.rejected
    assert len(parsed) == 1 and not read_moas  # the new list, and no MOA: the rest came from the memo
    with duckdb.connect(str(built_copy), read_only=True) as con:
        assert con.execute("SELECT kind, agency_name FROM events WHERE date = '2026-04-01'").fetchall() == [
            ("ended", "Baldwin County Sheriff's Office")
        ]
        read_documents = {sha for (sha,) in con.execute("SELECT sha256 FROM documents WHERE status = 'ok'").fetchall()}

    fresh = tmp_path / "fresh" / "open287g.duckdb"
    fresh.parent.mkdir()
    shutil.copy(built_copy, fresh)
    with archive.writing():
        assert pipeline.build(fresh, archive, force=True, cache=TEXT_CACHE, workers=1, fresh=True)
    assert len(parsed) == len(workbook_shas(archive)) + 1 and read_moas  # everything read again
    assert differences(built_copy, fresh) == {}

    with memo_file.open("rb") as fh:
        saved = pickle.load(fh)["entries"]  # what the archive holds, no more
    assert set(saved["workbook"]) == workbook_shas(archive)
    assert {sha for sha, _, _ in saved["moa_fields"]} == read_documents and len(read_documents) == 80
    assert len(saved["comparison"]) == 1


@pytest.mark.parametrize("memo_bytes", [b"", b"not a pickle", pickle.dumps({"format": 0})])
def test_a_memo_that_does_not_load_is_read_again(built_copy, tmp_path, memo_bytes, monkeypatch):
    memo_file = built_copy.with_name("open287g.memo")
    memo_file.write_bytes(memo_bytes)
    archive = Archive(built_copy.with_name("open287g.archive"))
    parsed = []
    parse = pipeline.pubstage.parse
    monkeypatch.setattr(pipeline.pubstage, "parse", lambda sha, *a: parsed.append(sha) or parse(sha, *a))
    with archive.writing():
        assert pipeline.build(built_copy, archive, force=True, cache=TEXT_CACHE, workers=1)
    assert len(parsed) == len(workbook_shas(archive))
    assert Memo.beside(built_copy, "whatever").get("workbook", parsed[0]) is None  # another version: unused
    with memo_file.open("rb") as fh:
        assert set(pickle.load(fh)["entries"]["workbook"]) == workbook_shas(archive)


def test_a_failed_build_keeps_the_memo_and_the_warehouse(built_copy, tmp_path, monkeypatch):
    memo_file = built_copy.with_name("open287g.memo")
    before, db_before = memo_file.read_bytes(), built_copy.read_bytes()

    def fail(*args, **kwargs):
        raise RuntimeError("killed while writing")

    monkeypatch.setattr(warehouse, "publish", fail)
    archive = Archive(built_copy.with_name("open287g.archive"))
    with pytest.raises(RuntimeError):
        pipeline.import_paths(built_copy, archive, [new_list(tmp_path)], dt.date(2026, 4, 1), cache=TEXT_CACHE)
    assert memo_file.read_bytes() == before and built_copy.read_bytes() == db_before


def test_a_value_changed_after_it_was_kept_does_not_change_the_memo(tmp_path):
    memo = Memo(tmp_path / "w.memo", "v1")
    row = {"agency": "Ellis County Sheriff's Office"}
    memo.put("row", "h1", row)
    row["agency"] = "changed by a stage"
    assert memo.get("row", "h1") == {"agency": "Ellis County Sheriff's Office"}
    memo.get("row", "h1")["agency"] = "changed again"
    memo.save()
    again = Memo(tmp_path / "w.memo", "v1")
    assert again.get("row", "h1") == {"agency": "Ellis County Sheriff's Office"}
    assert again.get("row", "h2") is None and (again.hits, again.misses) == (1, 1)
    again.save()  # what this build did not use is not kept
    assert Memo(tmp_path / "w.memo", "v1").get("row", "h1") is not None
    assert Memo(tmp_path / "w.memo", "v2").get("row", "h1") is None  # other code, other readings
