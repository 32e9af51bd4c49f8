"""The county table every build has: us-atlas's counties-10m.json (TopoJSON, npm, pinned in package.json;
found by atlas.path). Each county geometry carries its 5-digit FIPS as `id` and its bare name as
`properties.name` ("Harris", "Hopewell", "Doña Ana"); the state comes from the FIPS prefix through our
states.csv. The reference tables are optional, the atlas is not: without it the sheets' COUNTY cells
could be matched to nothing.

`read(data)` turns the file's bytes into {fips, state, name} rows, or raises `AtlasError` with a
one-line reason.
"""

from __future__ import annotations

import json
import re

from ..domain import vocab

COUNTIES = "counties-10m.json"
# County-equivalents whose kind the atlas does not say and that take no 'County' after the name:
# Alaska's boroughs and census areas, DC, and the territories' islands and districts.
_BARE = frozenset({"AK", "DC", "GU", "MP", "AS", "VI"})
_KIND = {"LA": "Parish", "PR": "Municipio"}


class AtlasError(ValueError):
    """The file is not the county atlas; the message is the one-line reason."""


def read(data: bytes) -> list[dict]:
    try:
        geometries = json.loads(data)["objects"]["counties"]["geometries"]
        rows = [(str(g["id"]), str(g["properties"]["name"])) for g in geometries]
    except (ValueError, KeyError, TypeError):
        raise AtlasError("not us-atlas county TopoJSON (objects.counties.geometries with id and name)") from None
    state_of = {fips: code for code, fips in vocab.state_fips().items()}
    out = []
    for fips, name in rows:
        if not re.fullmatch(r"\d{5}", fips):
            raise AtlasError(f"bad county FIPS {fips!r} ({name})")
        if fips[:2] in state_of:
            state = state_of[fips[:2]]
            out.append({"fips": fips, "state": state, "name": display_name(name, state, fips)})
    if not out:
        raise AtlasError("no counties of a known state")
    return sorted(out, key=lambda c: c["fips"])


def display_name(name: str, state: str, fips: str) -> str:
    """'Harris' -> 'Harris County', 'Calcasieu' -> 'Calcasieu Parish'. County codes from 510 up are
    independent cities (Virginia's, Baltimore, St. Louis, Carson City), named as the Census names them
    ('Hopewell city'), which keeps them apart from the county of the same name ('Fairfax County')."""
    if int(fips[2:]) >= 510:
        return name if name.lower().endswith(" city") else f"{name} city"
    if state in _BARE:
        return name
    return f"{name} {_KIND.get(state, 'County')}"
