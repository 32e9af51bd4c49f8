"""The documents that travel with an export, all made from data/schema.csv: the Frictionless
datapackage.json (a resource per CSV with its schema: types, descriptions, primary and foreign keys),
Datasette's metadata (sqlite.metadata) and the data dictionary in Markdown (docs/data-dictionary.md, the
downloads page, each release)."""

from __future__ import annotations

from typing import Any

from .. import schema
from .datasets import DATASETS, Dataset

_FIELD_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "DOUBLE": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
}
# What the export holds is ICE's (federal government works, no copyright) or open287g's own (MIT).
LICENSES = [
    {"name": "other-pd", "title": "US federal government works, 17 U.S.C. 105: ICE's rosters, MOAs and FOIA records"},
    {
        "name": "MIT",
        "path": "https://opensource.org/license/mit",
        "title": "open287g's reviewed tables and derived fields",
    },
]
SOURCES = [
    {
        "title": "ICE, Delegation of Immigration Authority Section 287(g)",
        "path": "https://www.ice.gov/identify-and-arrest/287g",
    },
    {"title": "ICE FOIA library, enforcement records", "path": "https://www.ice.gov/foia/library"},
]


def field_type(column: schema.Column) -> str:
    return "array" if column.type.endswith("[]") else _FIELD_TYPES[column.type]


def _field(column: schema.Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": field_type(column), "description": column.description}
    if column.type == "TIMESTAMP":
        field["format"] = "%Y-%m-%dT%H:%M:%S"
    if column.primary:
        field["constraints"] = {"required": True}
    return field


def _resource(ds: Dataset, names: set[str], rows: int) -> dict[str, Any]:
    t = ds.table
    table_schema: dict[str, Any] = {"fields": [_field(c) for c in t.columns]}
    if t.primary_key:
        table_schema["primaryKey"] = t.primary_key
    fks = [
        {"fields": [col], "reference": {"resource": other, "fields": [key]}}
        for col, other, key in t.foreign_keys
        if other in names and other != ds.name
    ]
    if fks:
        table_schema["foreignKeys"] = fks
    return {
        "name": ds.name,
        "path": f"csv/{ds.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": t.description,
        "schema": table_schema,
        "stats": {"rows": rows},
    }


def datapackage(rows: dict[str, int], day: str, version: str, archive_digest: str) -> dict[str, Any]:
    """The descriptor for the CSVs of the datasets in `rows` (name -> row count)."""
    names = set(rows)
    return {
        "profile": "tabular-data-package",
        "name": "open287g",
        "title": f"open287g: the US 287(g) program, agreements and their record, as of {day}",
        "description": (
            "Every ICE 287(g) roster publication kept and read exactly, the agreements, agencies and changes it "
            "shows, where each agreement applies, the MOA documents' fields, ICE's FOIA enforcement records "
            "joined to the agreements, and state law. Built by open287g from its archive (digest "
            f"{archive_digest}); the data dictionary is DATA_DICTIONARY.md."
        ),
        "version": version,
        "created": f"{day}T00:00:00Z",
        "licenses": LICENSES,
        "sources": SOURCES,
        "resources": [_resource(ds, names, rows[ds.name]) for ds in DATASETS if ds.name in names],
    }


DICTIONARY_FIELDS = (
    "dataset", "group", "column", "type", "primary_key", "references", "description", "table_description",
)  # fmt: skip


def dictionary_tables(datasets: tuple[Dataset, ...] = DATASETS) -> list[dict[str, Any]]:
    """The dictionary as data: each exported dataset with its description and its columns (name, Frictionless
    type, part of the primary key, the table.column it refers to among the datasets, description)."""
    names = {d.name for d in datasets}
    return [
        {
            "dataset": ds.name,
            "group": ds.group,
            "description": ds.table.description,
            "partition": ds.partition,
            "columns": [
                {
                    "column": c.name,
                    "type": field_type(c),
                    "primary_key": c.primary,
                    "references": ".".join(c.references) if c.references and c.references[0] in names else None,
                    "description": c.description,
                }
                for c in ds.table.columns
            ],
        }
        for ds in datasets
    ]


def dictionary_rows(datasets: tuple[Dataset, ...] = DATASETS) -> list[dict[str, Any]]:
    """One row per exported column (the API's CSV twin)."""
    return [
        {"dataset": t["dataset"], "group": t["group"], **c, "table_description": t["description"]}
        for t in dictionary_tables(datasets)
        for c in t["columns"]
    ]


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def dictionary(datasets: tuple[Dataset, ...] = DATASETS) -> str:
    """Markdown: every exported table with its description, keys and columns (type, key, description)."""
    out = ["# Data dictionary", "", "Made from `src/open287g/data/schema.csv` (which also builds the warehouse).", ""]
    group = None
    for ds in datasets:
        t = ds.table
        if ds.group != group:
            group = ds.group
            out += [f"## {group.capitalize()}", ""]
        out += [f"### `{t.name}`", "", _md(t.description), ""]
        notes = []
        if t.primary_key:
            notes.append("primary key " + ", ".join(f"`{c}`" for c in t.primary_key))
        if ds.partition:
            notes.append(f"Parquet partitioned by `{ds.partition}`")
        if ds.search:
            notes.append("full-text search (SQLite) on " + ", ".join(f"`{c}`" for c in ds.search))
        if notes:
            line = "; ".join(notes)
            out += [line[0].upper() + line[1:] + ".", ""]
        out += ["| column | type | key | description |", "| --- | --- | --- | --- |"]
        for c in t.columns:
            key = ", ".join(
                [*(["primary"] if c.primary else []), *([f"→ `{'.'.join(c.references)}`"] if c.references else [])]
            )
            out.append(f"| `{c.name}` | {field_type(c)} | {key} | {_md(c.description)} |")
        out.append("")
    return "\n".join(out)
