"""Reference tables imported next to the rosters: the FBI law-enforcement roster (ORI, county, agency
type), the ACS county population table (county FIPS, name, population) and the states each ICE field office
(area of responsibility) covers.

`kind_of(name)` recognises them by file name; `read(kind, data)` turns bytes into rows or raises
`ReferenceTableError` with a one-line reason.
"""

from __future__ import annotations

import csv
import io
import re

KINDS = {
    "fbi_roster": re.compile(r"^fbi_lee.*\.csv$", re.I),
    "county_population": re.compile(r"^county_aor_population.*\.csv$", re.I),
    "aor_states": re.compile(r"^ice_areas_of_responsibility.*\.csv$", re.I),
}
# For the import's notice when a kind was never imported: what it is, and what a build lacks without it.
DESCRIPTIONS = {
    "fbi_roster": "FBI roster (fbi_lee*.csv)",
    "county_population": "county population table (county_aor_population*.csv)",
    "aor_states": "ICE areas of responsibility by state (ice_areas_of_responsibility*.csv)",
}
WITHOUT = {
    "fbi_roster": "agencies get no ORI, and city agencies are placed by the sheet's COUNTY and our reviewed "
    "table only (no roster to settle a wrong county or give every county of a city)",
    "county_population": "counties have no population, so coverage counts counties but not people",
    "aor_states": "FOIA arrest landmarks are linked only where their text names the state, or by our reviewed "
    "table (no field office's states to find a jail's county in)",
}
_COLUMNS = {
    "fbi_roster": ("ori", "pub_agency_name", "state_abbr", "county_name", "agency_type_name"),
    "county_population": ("geoid", "name", "estimate"),
    "aor_states": ("office_name", "state_name", "county_name"),
}


class ReferenceTableError(ValueError):
    """The file is not the reference table its name says; the message is the one-line reason."""


def kind_of(name: str) -> str | None:
    return next((kind for kind, pattern in KINDS.items() if pattern.match(name)), None)


def read(kind: str, data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReferenceTableError("not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=kind == "aor_states")  # `"a", "b"`
    missing = [c for c in _COLUMNS[kind] if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceTableError(f"missing column(s) {', '.join(missing)} for a {kind} table")
    rows = list(reader)
    if not rows:
        raise ReferenceTableError(f"no rows in the {kind} table")
    if kind == "county_population":
        return [_county(r, i) for i, r in enumerate(rows, start=2)]
    if kind == "aor_states":  # one row per office and state; a county only where an office covers part of it
        return [
            {
                "office": r["office_name"].strip(),
                "state_name": r["state_name"].strip(),
                "county": r["county_name"].strip(),
            }
            for r in rows
        ]
    return [
        {
            "ori": r["ori"].strip(),
            "name": r["pub_agency_name"].strip(),
            "state": r["state_abbr"].strip(),
            "counties": [c.strip() for c in (r["county_name"] or "").split(",") if c.strip()],
            "agency_type": r["agency_type_name"].strip(),
        }
        for r in rows
    ]


def _county(r: dict, line: int) -> dict:
    fips = r["geoid"].strip().zfill(5)
    if not re.fullmatch(r"\d{5}", fips):
        raise ReferenceTableError(f"line {line}: bad county FIPS {r['geoid']!r}")
    name = r["name"].split(",")[0].strip()
    try:
        population = int(float(r["estimate"])) if r["estimate"] not in ("", "NA") else None
    except ValueError:
        raise ReferenceTableError(f"line {line}: bad population {r['estimate']!r}") from None
    return {"fips": fips, "name": name, "population": population}
