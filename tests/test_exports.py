"""The exports from the full shared-data warehouse: the schema every format is made from, CSV/Parquet/GeoJSON/
SQLite, the Frictionless datapackage (validated by frictionless itself), the SQLite file opened by Datasette's
own client, Parquet reloaded by DuckDB with the warehouse's counts, releases byte-identical when built from one
archive, and the Python API against the CLI."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import html
import io
import json
import os
import shutil
import sqlite3
from pathlib import Path

import duckdb
import polars as pl
import pytest

import open287g
from helpers import run
from open287g import cache, exports, pipeline, schema
from open287g.archive import Archive
from open287g.exports import datasets, release
from open287g.exports.datasets import DATASETS


@pytest.fixture(scope="module")
def exported(built, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("export") / "open287g"
    with duckdb.connect(str(built), read_only=True) as con:
        manifest = exports.write(con, out)
    return out, manifest


def _count(con, name: str) -> int:
    return con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]


# -- the schema -------------------------------------------------------------------------------------------
def test_every_table_and_column_of_the_warehouse_is_described_and_built_from_the_schema(con):
    tables = schema.tables()
    for t in tables.values():
        assert len(t.description) > 20 and "TODO" not in t.description, t.name
        for c in t.columns:
            assert len(c.description) > 10 and "TODO" not in c.description, f"{t.name}.{c.name}"
    built = con.execute(
        "SELECT table_name, list(column_name ORDER BY ordinal_position), list(data_type ORDER BY ordinal_position) "
        "FROM information_schema.columns GROUP BY 1"
    ).fetchall()
    built = {name: list(zip(cols, types)) for name, cols, types in built}
    for t in tables.values():
        if t.kind in ("table", "view"):
            assert built[t.name] == [(c.name, c.type) for c in t.columns], t.name
    described = {n for n, t in tables.items() if t.kind != "export"}
    derived = {"publication_agreements", "publication_counts", "publication_coverage", "publication_covered"}
    assert set(built) - described - derived - {"publication_state_coverage"} == set()


def test_declared_keys_hold_in_the_warehouse(con):
    """Every primary key is unique and non-null, every foreign key's values exist in the table it names."""
    for t in schema.tables().values():
        if t.kind == "export":
            continue
        if t.primary_key:
            cols = ", ".join(f'"{c}"' for c in t.primary_key)
            dupes = f'SELECT count(*) FROM (SELECT {cols} FROM "{t.name}" GROUP BY ALL HAVING count(*) > 1)'
            assert con.execute(dupes).fetchall()[0][0] == 0, f"{t.name}: duplicate {t.primary_key}"
            nulls = " OR ".join(f'"{c}" IS NULL' for c in t.primary_key)
            assert con.execute(f'SELECT count(*) FROM "{t.name}" WHERE {nulls}').fetchall()[0][0] == 0, t.name
        for col, other, key in t.foreign_keys:
            if schema.table(other).kind == "export":
                continue
            keys = f'SELECT "{key}" FROM "{other}" WHERE "{key}" IS NOT NULL'
            sql = f'SELECT count(*) FROM "{t.name}" WHERE "{col}" IS NOT NULL AND "{col}" NOT IN ({keys})'
            missing = con.execute(sql).fetchall()[0][0]
            assert missing == 0, f"{t.name}.{col}: {missing} values not in {other}.{key}"


@pytest.mark.parametrize(
    "text, says",
    [
        ("table,column,type,key,description\nt,,table,,\n", "line 2: t.(table) has no description"),
        ("table,column,type,key,description\nt,a,VARCHAR,,x\n", "line 2: column 'a' comes before its table row 't'"),
        ("table,column,type,key,description\nt,,sheet,,x\n", "line 2: table row for 't' must say one of"),
        ("table,column,type,key,description\nt,,table,,x\nt,a,VARCHAR,u.v,y\n", "t.a refers to u.v, which is not"),
        ("table,column,type,key,description\nt,,table,,x\nt,a,VARCHAR,a.b.c,y\n", "line 3: key 'a.b.c' is not"),
    ],
)
def test_a_malformed_schema_row_is_one_line_naming_it(text, says):
    with pytest.raises(schema.SchemaError) as exc:
        schema.parse(text)
    assert says in str(exc.value) and "\n" not in str(exc.value)


# -- the files --------------------------------------------------------------------------------------------
def test_csv_and_parquet_hold_every_row_of_the_warehouse(exported, built):
    out, manifest = exported
    rows = {d["name"]: d["rows"] for d in manifest["datasets"]}
    assert list(rows) == [d.name for d in DATASETS]
    with duckdb.connect(str(built), read_only=True) as con:
        for ds in DATASETS:
            if ds.table.kind != "export":
                assert rows[ds.name] == _count(con, ds.name), ds.name
        assert rows["county_months"] == open287g.county_panel(db=con).height
        assert rows["coverage"] == _count(con, "counties")
        assert rows["compliance"] == sum(
            len(open287g.compliance(s, db=con)) for s in ("FL", "GA", "TX")
        )  # the three counted mandates
    reload = duckdb.connect()
    for ds in DATASETS:
        cols = [c.name for c in ds.table.columns]
        with open(out / "csv" / f"{ds.name}.csv", newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            assert next(reader) == cols, ds.name
            assert sum(1 for _ in reader) == rows[ds.name], ds.name
        if ds.partition:
            where = out / "parquet" / ds.name
            assert len({p.name.split("=")[0] for p in where.iterdir()}) == 1
            source = f"read_parquet('{where}/**/*.parquet', hive_partitioning = true)"
        else:
            source = f"read_parquet('{out / 'parquet' / ds.name}.parquet')"
        got = reload.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
        assert got == rows[ds.name], ds.name
        names = [r[0] for r in reload.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        assert sorted(names) == sorted(cols), ds.name


def test_partitioned_parquet_answers_like_the_warehouse(exported, con):
    out, _ = exported
    source = f"read_parquet('{out}/parquet/county_months/**/*.parquet', hive_partitioning = true)"
    texas = (
        duckdb.connect()
        .execute(f"SELECT count(*), sum(jem) FROM {source} WHERE state = 'TX' AND month = '2026-03'")
        .fetchall()[0]
    )
    panel = open287g.county_panel(since="2026-03", until="2026-03", state="TX", db=con)
    assert texas == (panel.height, panel["jem"].sum()) and texas[0] == 254
    by_year = pl.scan_parquet(out / "parquet" / "foia_arrests" / "**" / "*.parquet", hive_partitioning=True)
    got = by_year.filter(pl.col("method") == "287(g) Program").group_by("fiscal_year").len().sort("fiscal_year")
    want = open287g.arrests(db=con).select("fiscal_year", "arrests")
    assert got.collect().rows() == want.rows()


def test_lists_in_csv_are_json_arrays_and_times_iso(exported, con):
    out, _ = exported
    with open(out / "csv" / "agreements.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    renamed = [r for r in rows if json.loads(r["former_ids"])]
    assert renamed and all(isinstance(json.loads(r["names"]), list) for r in rows)
    want = con.execute("SELECT count(*) FROM agreements WHERE len(former_ids) > 0").fetchall()[0][0]
    assert len(renamed) == want
    with open(out / "csv" / "publications.csv", newline="", encoding="utf-8") as f:
        stamps = [r["workbook_modified"] for r in csv.DictReader(f) if r["workbook_modified"]]
    assert stamps and all(len(s) == 19 and s[10] == "T" for s in stamps)


def test_roster_rows_carry_their_file_and_row_number(exported, con):
    out, _ = exported
    rows = pl.read_parquet(out / "parquet" / "roster_rows" / "kind=participating" / "*.parquet")
    pub, sha, n = con.execute(
        "SELECT publication_id, sha256s[1], rows FROM publications WHERE kind = 'participating' AND status = 'ok' "
        "ORDER BY first_observed DESC LIMIT 1"
    ).fetchall()[0]
    mine = rows.filter(pl.col("publication_id") == pub)
    assert mine.height == n and set(mine["sha256"]) == {sha}
    assert mine["row_number"].sort().to_list() == sorted(
        r[0] for r in con.execute("SELECT row_number FROM publication_rows WHERE publication_id = ?", [pub]).fetchall()
    )


def test_geojson_has_the_covered_counties_with_their_figures(exported, con):
    out, manifest = exported
    geo = json.loads((out / "geojson" / "covered-counties.geojson").read_text())
    covered = open287g.coverage(db=con)["counties"][0]
    assert len(geo["features"]) == covered == manifest["covered_counties"]
    harris = next(f for f in geo["features"] if f["id"] == "48201")
    assert harris["properties"]["name"] == "Harris County" and harris["properties"]["covered"] is True
    lon, lat = harris["geometry"]["coordinates"][0][0][0]
    assert -96 < lon < -94.9 and 29.4 < lat < 30.2
    for f in geo["features"]:
        for polygon in f["geometry"]["coordinates"]:
            assert all(ring[0] == ring[-1] and len(ring) >= 4 for ring in polygon), f["id"]


# -- the datapackage ----------------------------------------------------------------------------------------
def test_frictionless_validates_the_datapackage(exported):
    from frictionless import Package

    out, _ = exported
    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    descriptor = json.loads((out / "datapackage.json").read_text())
    agreements = next(r for r in descriptor["resources"] if r["name"] == "agreements")
    assert agreements["schema"]["primaryKey"] == ["agreement_id"]
    assert {"fields": ["agency_id"], "reference": {"resource": "agencies", "fields": ["agency_id"]}} in agreements[
        "schema"
    ]["foreignKeys"]
    field = next(f for f in agreements["schema"]["fields"] if f["name"] == "former_ids")
    assert field["type"] == "array"
    assert field["description"] == schema.table("agreements").column("former_ids").description


def test_frictionless_would_catch_a_broken_key(exported, tmp_path):
    """The keys the package declares are checked: a duplicated agency and an agreement of an unknown agency
    in a cut of the real files are both reported."""
    from frictionless import Package

    out, _ = exported
    descriptor = json.loads((out / "datapackage.json").read_text())
    (tmp_path / "csv").mkdir()
    keep = [r for r in descriptor["resources"] if r["name"] in ("agencies", "agreements", "counties")]
    for r in keep:
        lines = (out / r["path"]).read_text(encoding="utf-8").splitlines(keepends=True)
        if r["name"] == "agencies":
            lines = [*lines, lines[1]]
        (tmp_path / r["path"]).write_text("".join(lines), encoding="utf-8")
    agreements = (tmp_path / "csv" / "agreements.csv").read_text(encoding="utf-8")
    (tmp_path / "csv" / "agreements.csv").write_text(
        agreements.replace("AK/department-of-corrections,", "AK/no-such-agency,", 1), encoding="utf-8"
    )
    for r in keep:
        r["schema"]["foreignKeys"] = [
            fk for fk in r["schema"].get("foreignKeys", []) if fk["reference"]["resource"] in {k["name"] for k in keep}
        ]
        r.pop("stats")
    (tmp_path / "datapackage.json").write_text(json.dumps({**descriptor, "resources": keep}))
    report = Package(str(tmp_path / "datapackage.json")).validate()
    types = {e[0] for e in report.flatten(["type"])}
    assert {"primary-key", "foreign-key"} <= types


# -- SQLite for Datasette -----------------------------------------------------------------------------------
def test_datasette_opens_the_sqlite_export(exported, con):
    from datasette.app import Datasette
    from datasette.utils import tilde_encode

    out, _ = exported
    db = out / "sqlite" / "open287g.db"
    meta = json.loads((out / "sqlite" / "metadata.json").read_text())
    harris = "GA/harris-county-sheriffs-office"

    async def visit():
        ds = Datasette([str(db)], metadata=meta)
        agencies = (await ds.client.get("/open287g/agencies.json?_size=1")).json()
        found = (await ds.client.get("/open287g/agencies.json?_search=harris&_shape=array")).json()
        pages = (await ds.client.get("/open287g/document_pages.json?_search=detainer&_shape=array")).json()
        row = await ds.client.get(f"/open287g/agencies/{tilde_encode(harris)}.json?_shape=array")
        page = await ds.client.get("/open287g/agreements")
        fks = await ds.client.get("/open287g/agreements.json?_labels=on&_shape=array&_size=1")
        return agencies, found, pages, row, page, fks

    agencies, found, pages, row, page, fks = asyncio.run(visit())
    assert agencies["filtered_table_rows_count"] == _count(con, "agencies")
    assert harris in {a["agency_id"] for a in found}
    assert pages and all("detainer" in p["text"].lower() for p in pages)
    assert row.status_code == 200 and row.json()[0]["name"] == "Harris County Sheriff's Office"
    assert page.status_code == 200 and schema.table("agreements").description.split(".")[0] in html.unescape(page.text)
    assert fks.json()[0]["agency_id"]["label"]  # the foreign key resolved to the agency's name
    with sqlite3.connect(db) as lite:
        assert lite.execute("PRAGMA foreign_key_check").fetchall() == []
        refs = {r[2] for r in lite.execute("PRAGMA foreign_key_list(agreements)")}
        assert refs == {"agencies", "counties"}


# -- releases -----------------------------------------------------------------------------------------------
def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_releases_built_from_one_archive_are_byte_identical(built, tmp_path):
    """Release twice into one folder (an earlier day, then the newest); then rebuild the warehouse from the
    same archive elsewhere and do it again: every file is the same bytes."""
    import datetime as dt

    rebuilt = tmp_path / "again.duckdb"
    text = cache.Cache(Path(os.environ[cache.ENV]))  # the OCR text, so no page is read twice
    assert pipeline.build(rebuilt, Archive(built.with_name("open287g.archive")), force=True, cache=text, fresh=True)
    day = dt.date(2026, 2, 27)
    folders = []
    for db, name in ((built, "one"), (rebuilt, "two")):
        with duckdb.connect(str(db), read_only=True) as con:
            release.release(con, tmp_path / name, day)
            newest = release.release(con, tmp_path / name)
        folders.append(newest)
    assert folders[0].name == folders[1].name == "open287g-2026-03-27"
    one, two = _files(folders[0]), _files(folders[1])
    assert one == two and len(one) > 60
    sums = (folders[0] / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ")[1]: line.split("  ")[0] for line in sums}
    assert listed == {k: v for k, v in one.items() if k != "SHA256SUMS"}
    log = (folders[0] / "CHANGELOG.md").read_text()
    assert "previous release, 2026-02-27" in log
    with duckdb.connect(str(built), read_only=True) as con:
        n = open287g.changes(since="2026-02-28", until="2026-03-27", db=con).height
        listed = open287g.counts(on="2026-03-27", db=con)["agreements"][0]
    assert f"## Events after 2026-02-27: {n:,}" in log and f"| {listed:,} |" in log
    assert "date-released: 2026-03-27" in (folders[0] / "CITATION.cff").read_text()
    first = (tmp_path / "one" / "open287g-2026-02-27" / "CHANGELOG.md").read_text()
    assert "The first release in this folder" in first


# -- the CLI ------------------------------------------------------------------------------------------------
def test_cli_export_writes_the_formats_asked_and_refuses_what_it_should(built, tmp_path):
    r = run(built, "export", "--to", tmp_path / "x", "--format", "csv,geojson")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == [
        "DATA_DICTIONARY.md", "csv", "datapackage.json", "export.json", "geojson"
    ]  # fmt: skip
    assert "26 datasets" in r.stderr
    before = _files(tmp_path / "x")
    for args, says in [
        (["--format", "xlsx"], "error: --format: unknown format xlsx: choose from csv, parquet, geojson, sqlite"),
        (["--on", "2019-01-01"], "error: --on: 2019-01-01 is before the record begins"),
    ]:
        r = run(built, "export", "--to", tmp_path / "x", *args)
        assert r.exit_code == 1 and r.stderr.strip().startswith(says), r.stderr
    assert _files(tmp_path / "x") == before  # nothing already written changed
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    r = run(built, "export", "--to", tmp_path / "mine", "--format", "csv")
    assert r.exit_code == 1 and "exists and is not an open287g export" in r.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
    assert not list(tmp_path.glob(".*part"))
    r = run(built, "export", "--to", "/dev/null/x", "--format", "geojson")
    assert r.exit_code == 1 and r.stderr.strip() == "error: /dev/null/x: cannot be written (Not a directory)", r.stderr


def test_an_export_to_the_current_folder_and_from_python_checks_its_formats(built, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(built, "export", "--to", ".", "--format", "geojson").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DATA_DICTIONARY.md", "export.json", "geojson"]
    assert open287g.export(tmp_path / "py", formats="csv", db=str(built))["formats"] == ["csv"]
    with pytest.raises(exports.ExportError, match="unknown format xlsx"):
        open287g.export(tmp_path / "bad", formats=("xlsx",), db=str(built))
    assert not (tmp_path / "bad").exists()


def test_a_release_that_fails_leaves_no_folder_it_made(built, tmp_path, monkeypatch):
    """A disk that fills mid-release: the error reaches the caller and the folders made for it are gone."""

    def full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports.formats, "write_geojson", full)
    (tmp_path / "kept").mkdir()
    with duckdb.connect(str(built), read_only=True) as con, pytest.raises(OSError, match="No space left"):
        release.release(con, tmp_path / "kept" / "releases" / "2026")
    assert [p.name for p in tmp_path.iterdir()] == ["kept"] and not any((tmp_path / "kept").iterdir())


# -- the Python API -----------------------------------------------------------------------------------------
def test_the_python_api_answers_as_the_cli(built):
    db = str(built)
    cli = json.loads(run(built, "agreements", "--state", "TX", "--model", "JEM", "--format", "json").stdout)
    frame = open287g.agreements(state="Texas", model="jem", db=db)
    assert isinstance(frame, pl.DataFrame)
    assert frame["agreement_id"].to_list() == [a["agreement_id"] for a in cli]
    counts = json.loads(run(built, "counts", "--on", "2025-06-30", "--format", "json").stdout)
    row = open287g.counts(on="2025-06-30", db=db).row(0, named=True)
    assert row["agreements"] == counts["agreements"] and row["by_model_TFM"] == counts["by_model"]["TFM"]
    changes = json.loads(run(built, "changes", "--since", "2026-03-01", "--format", "json").stdout)
    assert open287g.changes(since="2026-03-01", db=db)["event_id"].to_list() == [e["event_id"] for e in changes]
    arrests = json.loads(run(built, "arrests", "--format", "json").stdout)
    assert open287g.arrests(db=db).select("fiscal_year", "arrests").rows() == [
        (a["fiscal_year"], a["arrests"]) for a in arrests
    ]
    assert type(open287g.agencies(state="FL", db=db, pandas=True)).__name__ == "DataFrame"
    assert open287g.agencies(state="FL", db=db, pandas=True).shape == open287g.agencies(state="FL", db=db).shape
    with pytest.raises(ValueError, match="state: unknown state 'XX'"):
        open287g.agreements(state="XX", db=db)
    assert (Path(open287g.__file__).parent / "py.typed").is_file()


def test_an_export_over_an_earlier_one_replaces_it_whole(built, tmp_path):
    target = tmp_path / "e"
    with duckdb.connect(str(built), read_only=True) as con:
        exports.write(con, target, ("csv",))
        (target / "csv" / "stale.csv").write_text("x")
        exports.write(con, target, ("geojson",))
    assert sorted(p.name for p in target.iterdir()) == ["DATA_DICTIONARY.md", "export.json", "geojson"]
    shutil.rmtree(target)


def test_the_dictionary_api_and_its_csv_twin_describe_the_exported_package(exported, built):
    """/api/v1/dictionary (JSON and CSV) says of every exported column what datapackage.json says of it."""
    from fastapi.testclient import TestClient

    from open287g.web.app import create_app

    out, _ = exported
    declared = {
        (r["name"], f["name"]): (f["type"], f.get("description"))
        for r in json.loads((out / "datapackage.json").read_text())["resources"]
        for f in r["schema"]["fields"]
    }
    with TestClient(create_app(built)) as client:
        rows = client.get("/api/v1/dictionary").json()
        twin = list(csv.DictReader(io.StringIO(client.get("/api/v1/dictionary?format=csv").text)))
    assert {(r["dataset"], r["column"]): (r["type"], r["description"]) for r in rows} == declared
    assert [(r["dataset"], r["column"], r["type"]) for r in twin] == [
        (r["dataset"], r["column"], r["type"]) for r in rows
    ]


def test_an_export_on_an_earlier_day_reads_nothing_after_it(con):
    """`--on`: the day's answers (coverage, the county x month panel, compliance) read no later list."""
    on = dt.date(2025, 6, 15)
    months = datasets.read(con, datasets.BY_NAME["county_months"], on).pl()
    assert months["month"].max() == "2025-06" and months["day"].max() <= on
    june = months.filter(pl.col("month") == "2025-06")
    covered = datasets.read(con, datasets.BY_NAME["coverage"], on).pl().filter(pl.col("covered"))
    assert set(june.filter(pl.col("covered"))["fips"]) == set(covered["fips"])
    # a day whose first compliance rows have no pending date (the column's type comes from every row)
    compliance = datasets.read(con, datasets.BY_NAME["compliance"], dt.date(2025, 6, 1)).pl()
    assert compliance.height and compliance.schema["pending_since"] == pl.Date
