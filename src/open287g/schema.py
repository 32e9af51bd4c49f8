"""Every table and column with its description, read from one reviewed file, data/schema.csv: the
warehouse's DDL (warehouse.TABLES), the exports' column lists, the Frictionless datapackage, the
Datasette metadata and the data dictionary on the downloads page and in docs/ all come from it.

A row with an empty `column` describes its table; its `type` says what it is: `table` (built by the
stages), `view` (a query over tables, made with the warehouse) or `export` (a named query's answer
written only by `open287g export`). A column's `key` holds `primary` when it is part of the table's
primary key and `table.column` when its values are that table's key (a foreign key)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = ("table", "view", "export")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type: VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, or X[] for a list
    description: str
    primary: bool = False
    references: tuple[str, str] | None = None  # (table, column)


@dataclass(frozen=True)
class Table:
    name: str
    kind: str
    description: str
    columns: tuple[Column, ...]

    @property
    def primary_key(self) -> list[str]:
        return [c.name for c in self.columns if c.primary]

    @property
    def foreign_keys(self) -> list[tuple[str, str, str]]:
        """(column, table, column) for every column that refers to another table's key."""
        return [(c.name, *c.references) for c in self.columns if c.references]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


class SchemaError(ValueError):
    """schema.csv is malformed; the message names the row."""


@cache
def tables() -> dict[str, Table]:
    """Every table, view and export, in the file's order."""
    return parse(resources.files("open287g").joinpath("data/schema.csv").read_text(encoding="utf-8"))


def parse(text: str) -> dict[str, Table]:
    """schema.csv's text -> its tables; a malformed row raises SchemaError naming its line."""
    heads: dict[str, tuple[str, str]] = {}
    columns: dict[str, list[Column]] = {}
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        name, col, kind, key, description = (row[k].strip() for k in ("table", "column", "type", "key", "description"))
        where = f"schema.csv line {line}"
        if not description:
            raise SchemaError(f"{where}: {name}.{col or '(table)'} has no description")
        if not col:
            if kind not in KINDS or name in heads:
                raise SchemaError(f"{where}: table row for {name!r} must say one of {KINDS}, once")
            heads[name] = (kind, description)
            columns[name] = []
            continue
        if name not in heads:
            raise SchemaError(f"{where}: column {col!r} comes before its table row {name!r}")
        refs = [k for k in key.split() if k != "primary"]
        if len(refs) > 1 or any(r.count(".") != 1 for r in refs):
            raise SchemaError(f"{where}: key {key!r} is not 'primary' and/or one table.column")
        ref = tuple(refs[0].split(".")) if refs else None
        columns[name].append(Column(col, kind, description, "primary" in key.split(), ref))
    out = {n: Table(n, k, d, tuple(columns[n])) for n, (k, d) in heads.items()}
    for t in out.values():
        for c, table, column in t.foreign_keys:
            if table not in out or column not in {x.name for x in out[table].columns}:
                raise SchemaError(f"schema.csv: {t.name}.{c} refers to {table}.{column}, which is not described")
    return out


def table(name: str) -> Table:
    return tables()[name]


def ddl() -> dict[str, list[tuple[str, str]]]:
    """The warehouse's stored tables: name -> [(column, DuckDB type)], in build order."""
    return {t.name: [(c.name, c.type) for c in t.columns] for t in tables().values() if t.kind == "table"}
