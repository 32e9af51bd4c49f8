"""The export's file formats, each written from one dataset's Arrow table (datasets.read, materialised once).

CSV: one file per dataset, UTF-8, a header row, ISO dates and times, lists as JSON arrays (as the
datapackage declares them), nothing for NULL. Parquet: one file per dataset, or a folder of hive
partitions (`county_months/state=TX/data_0.parquet`) where the dataset names a partition column, so
DuckDB, Polars, Spark or BigQuery read the folder as one table. GeoJSON: the covered counties with their
coverage figures. SQLite: see sqlite.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .. import atlas

if TYPE_CHECKING:
    import pyarrow as pa

    from .datasets import Dataset


def _select_for_csv(ds: Dataset) -> str:
    out = []
    for c in ds.table.columns:
        name = f'"{c.name}"'
        if c.type.endswith("[]"):
            out.append(f"to_json({name})::VARCHAR AS {name}")
        elif c.type == "TIMESTAMP":
            out.append(f"strftime({name}, '%Y-%m-%dT%H:%M:%S') AS {name}")
        else:
            out.append(name)
    return ", ".join(out)


def write_csv(con: duckdb.DuckDBPyConnection, ds: Dataset, data: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.register("data", data)
    try:
        con.execute(f"COPY (SELECT {_select_for_csv(ds)} FROM data) TO '{path}' (HEADER, DELIMITER ',')")
    finally:
        con.unregister("data")


def write_parquet(ds: Dataset, data: pa.Table, path: Path) -> Path:
    """`path` without suffix; returns the file or folder written: one file per partition, rows in the dataset's
    order. pyarrow's writer (zstd) took 0.18 s for roster_rows where DuckDB's COPY took 0.41 s (bench_export)."""
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    if not ds.partition:
        out = path.with_suffix(".parquet")
        pq.write_table(data, out, compression="zstd")
        return out
    pads.write_dataset(
        data,
        path,
        format="parquet",
        partitioning=[ds.partition],
        partitioning_flavor="hive",
        basename_template="data_{i}.parquet",
        file_options=pads.ParquetFileFormat().make_write_options(compression="zstd"),
        existing_data_behavior="delete_matching",
        preserve_order=True,
    )
    return path


def _rings(arcs: list, geometry: dict) -> list:
    def ring(indexes: list[int]) -> list[list[float]]:
        points: list[list[float]] = []
        for i in indexes:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(arc[1:] if points else arc)  # each arc starts where the previous one ended
        return points

    arcs_of = geometry.get("arcs") or []
    polygons: list = {"Polygon": [arcs_of], "MultiPolygon": arcs_of}.get(geometry["type"], [])
    out = []
    for polygon in polygons:
        rings = [ring(r) for r in polygon]
        if len(rings[0]) >= 4:  # an islet whose outline collapses at this precision is left out, as GeoJSON asks
            out.append([r for r in rings if len(r) >= 4])
    return out


def _county_shapes() -> dict[str, list]:
    """FIPS -> MultiPolygon coordinates (longitude, latitude to 5 decimals, ~1 m) from us-atlas's counties-10m."""
    topo = json.loads(atlas.path("counties-10m.json").read_text())
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append([round(x * sx + tx, 5), round(y * sy + ty, 5)])
        arcs.append(points)
    return {g["id"]: _rings(arcs, g) for g in topo["objects"]["counties"]["geometries"]}


def write_geojson(data: pa.Table, path: Path, day: str) -> int:
    """The covered counties of `coverage` as a FeatureCollection, each with its row as properties.
    Returns the number of features."""
    shapes = _county_shapes()
    features = []
    for row in data.to_pylist():
        if row["covered"] and shapes.get(row["fips"]):
            props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            geometry = {"type": "MultiPolygon", "coordinates": shapes[row["fips"]]}
            features.append({"type": "Feature", "id": row["fips"], "properties": props, "geometry": geometry})
    collection = {"type": "FeatureCollection", "name": f"covered counties on {day}", "features": features}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return len(features)
