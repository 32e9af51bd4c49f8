"""`open287g export`: the warehouse's datasets as CSV, Parquet, GeoJSON and a Datasette-ready SQLite file,
with a Frictionless datapackage.json and the data dictionary, into one folder.

The folder is built beside its destination and renamed into place, so a failed export leaves what was
there before; a destination that holds something other than an earlier export is refused. Nothing in it
depends on the clock: the same warehouse exports to the same bytes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from .. import queries
from . import formats, package, sqlite
from .datasets import BY_NAME, DATASETS, Dataset, read

FORMATS = ("csv", "parquet", "geojson", "sqlite")
MANIFEST = "export.json"


class ExportError(ValueError):
    """The export cannot be made; the message is the one-line reason."""


def parse_formats(text: str) -> tuple[str, ...]:
    """'csv,parquet' -> ('csv', 'parquet'), in FORMATS order; unknown names raise ExportError."""
    asked = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = sorted(set(asked) - set(FORMATS))
    if unknown or not asked:
        raise ExportError(f"unknown format {', '.join(unknown) or repr(text)}: choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in asked)


def _prepare(to: Path) -> Path:
    if to.exists() and (not to.is_dir() or (any(to.iterdir()) and not (to / MANIFEST).is_file())):
        raise ExportError(f"{to}: exists and is not an open287g export; give a new or empty folder")
    tmp = to.with_name(f".{to.name}.part")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
    except OSError as exc:
        raise ExportError(f"{to}: cannot be written ({exc.strerror})") from None
    return tmp


def _swap(tmp: Path, to: Path) -> None:
    old = to.with_name(f".{to.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if to.exists():
        to.rename(old)
    tmp.rename(to)
    shutil.rmtree(old, ignore_errors=True)


def about(con: duckdb.DuckDBPyConnection, on: dt.date) -> dict[str, str]:
    """What identifies an export: its day, the archive it was built from and open287g's version."""
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return {"day": on.isoformat(), "archive_digest": meta.get("archive_digest", ""), "version": version("open287g")}


def write(
    con: duckdb.DuckDBPyConnection,
    to: Path,
    formats_: tuple[str, ...] = FORMATS,
    on: dt.date | None = None,
    datasets: tuple[Dataset, ...] = DATASETS,
    progress=None,
) -> dict[str, Any]:
    """Export the datasets on day `on` (default: the record's newest) into folder `to`; returns the
    manifest written as export.json (datasets with their row counts and files)."""
    on = on or queries.latest_date(con)
    if on is None:
        raise ExportError("the warehouse lists no publication yet: nothing to export")
    queries.snapshot_of(con).check_day(on)  # a day outside the record: its ParamError, before anything is written
    to = to.resolve()  # '.' or 'out/' name a folder whose siblings the export is built among
    missing = [p for p in to.parents if not p.exists()]  # made for this export: removed again if it fails
    tmp = _prepare(to)
    try:
        manifest = _write(con, tmp, formats_, on, datasets, progress)
        _swap(tmp, to)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in missing:  # nearest first; one that holds anything else stays
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    return manifest


def _write(con, tmp: Path, formats_, on: dt.date, datasets, progress) -> dict[str, Any]:
    ident = about(con, on)
    cur = con.cursor()
    db = sqlite.SqliteWriter(tmp / "sqlite" / f"{sqlite.DATABASE}.db", datasets) if "sqlite" in formats_ else None
    entries: list[dict[str, Any]] = []
    covered = 0
    for ds in datasets:
        data = read(cur, ds, on).to_arrow_table()
        files = []
        if "csv" in formats_:
            formats.write_csv(cur, ds, data, tmp / "csv" / f"{ds.name}.csv")
            files.append(f"csv/{ds.name}.csv")
        if "parquet" in formats_:
            out = formats.write_parquet(ds, data, tmp / "parquet" / ds.name)
            files.append(str(out.relative_to(tmp)) + ("/" if out.is_dir() else ""))
        if "geojson" in formats_ and ds.name == "coverage":
            covered = formats.write_geojson(data, tmp / "geojson" / "covered-counties.geojson", ident["day"])
            files.append("geojson/covered-counties.geojson")
        if db:
            db.add(ds, data)
            files.append(f"sqlite/{sqlite.DATABASE}.db")
        entries.append({"name": ds.name, "rows": data.num_rows, "files": files})
        if progress:
            progress(ds.name, data.num_rows)
    if db:
        db.close()
        meta = sqlite.metadata(datasets, {"title": "open287g", "license": "US government works and MIT", **ident})
        _json(tmp / "sqlite" / "metadata.json", meta)
    rows = {e["name"]: e["rows"] for e in entries}
    if "csv" in formats_:
        descriptor = package.datapackage(rows, ident["day"], ident["version"], ident["archive_digest"])
        _json(tmp / "datapackage.json", descriptor)
    (tmp / "DATA_DICTIONARY.md").write_text(package.dictionary(datasets), encoding="utf-8")
    manifest: dict[str, Any] = {**ident, "formats": list(formats_), "datasets": entries}
    if "geojson" in formats_ and "coverage" in rows:
        manifest["covered_counties"] = covered
    _json(tmp / MANIFEST, manifest)
    return manifest


def _json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


__all__ = ["BY_NAME", "DATASETS", "FORMATS", "ExportError", "parse_formats", "write"]
