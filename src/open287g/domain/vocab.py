"""Data-driven normalisation of states, support types and agency types.

Each mapping lives in a reviewed CSV in `open287g/data/` with a reason for every row; lookups go
through `fold()` so case and stray whitespace never need their own row.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from .text import fold

MODELS = ("JEM", "TFM", "WSO")
AGENCY_TYPES = ("county", "municipal", "state")
ARREST_287G = "287(g) Program"  # the apprehension method ICE codes a 287(g) arrest with (DOMAIN §5.2)


def data_rows(name: str) -> list[dict[str, str]]:
    """The rows of one of our reviewed tables in open287g/data (a CSV with a header)."""
    with resources.files("open287g.data").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def _table(name: str, value_column: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for row in data_rows(name):
        key = fold(row["variant"])
        if key in table and table[key] != row[value_column]:
            raise ValueError(f"{name}: {row['variant']!r} maps to two values")
        table[key] = row[value_column]
    return table


@cache
def state_names() -> dict[str, str]:
    """2-letter code -> official name, for every state, DC and territory."""
    return {row["code"]: row["name"] for row in data_rows("states.csv")}


@cache
def state_names_es() -> dict[str, str]:
    """2-letter code -> the name in Spanish (states.csv `name_es`: the Spanish names in common use, e.g.
    Nuevo México, Carolina del Norte, Pensilvania; the English name where Spanish writes it the same)."""
    return {row["code"]: row["name_es"] for row in data_rows("states.csv")}


def state_names_in(lang: str) -> dict[str, str]:
    """2-letter code -> the state's name in a page's language (es: Spanish; anything else: English)."""
    return state_names_es() if lang == "es" else state_names()


@cache
def state_fips() -> dict[str, str]:
    """2-letter code -> the state's 2-digit FIPS code."""
    return {row["code"]: row["fips"] for row in data_rows("states.csv")}


@cache
def _states() -> dict[str, str]:
    table = {fold(name): code for code, name in state_names_es().items()}  # a Spanish reader's words too
    table.update({fold(name): code for code, name in state_names().items()})
    table.update({fold(code): code for code in state_names()})
    for variant, code in _table("state_variants.csv", "code").items():
        if code not in state_names():
            raise ValueError(f"state_variants.csv: unknown code {code!r}")
        table[variant] = code
    return table


def state_code(raw: object) -> str | None:
    return _states().get(fold(raw))


def model_code(raw: object) -> str | None:
    return _table("models.csv", "model").get(fold(raw))


# Values that mean "no value" in the TYPE and COUNTY columns (already folded).
MISSING_MARKERS = ("", "#na", "n/a", "na", "#n/a", "none")


def is_missing(raw: object) -> bool:
    return fold(raw) in MISSING_MARKERS


def agency_type(raw: object) -> str | None:
    return _table("agency_types.csv", "agency_type").get(fold(raw))
