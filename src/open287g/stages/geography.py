"""Geography: each agency's jurisdiction level, its county (or counties) by FIPS, and its ORI.

Order of evidence for a county, first that answers wins:
  1. the reviewed table data/agency_places.csv (doubtful cases, each with its reason);
  2. the sheet's COUNTY cells for the agency (most recent first), matched to the county table of its
     state — exactly, or one or two letters off when that is the only close county ("Calacasieu");
  3. the agency's own name ("Polk County Sheriff's Office", "Calcasieu Parish ...");
  4. the FBI roster: the agency of the same state and kind whose name agrees; its county list gives
     every county of a multi-county city, and its ORI is kept when the match is unique;
  5. the reviewed table data/agency_home_counties.csv: agencies whose rows never name a county (most
     of Florida's city police), so that a build without the FBI roster places them too.
State agencies cover their whole state and get no county.

The county table is us-atlas's (always there); the ACS table, when imported, adds populations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import DamerauLevenshtein

from ..domain import vocab
from ..domain.names import county_name_key, distinctive, name_key
from ..domain.text import fold

LEVELS = ("county", "municipal", "state", "other")
# FBI roster agency types that can match each level
_ROSTER_TYPES = {
    "county": {"County"},
    "municipal": {"City"},
    "state": {"State Police", "Other State Agency"},
    "other": {"University or College", "Other", "Other State Agency", "Tribal", "County", "City"},
}
# Words that name the force or the kind of place, not the place ('City of Melbourne Police Dept.')
_FORCE_WORDS = frozenset(
    [
        "police",
        "department",
        "sheriffs",
        "office",
        "public",
        "safety",
        "services",
        "marshals",
        "marshal",
        "city",
        "town",
        "of",
        "the",
    ]
)


def _core(name: str) -> str:
    return " ".join(t for t in name_key(name).split() if t not in _FORCE_WORDS)


@cache
def _rules() -> list[tuple[re.Pattern, str | None, str]]:
    rules = []
    for row in sorted(vocab.data_rows("jurisdiction_rules.csv"), key=lambda r: int(r["order"])):
        if row["level"] not in LEVELS or not row["reason"].strip():
            raise ValueError(f"jurisdiction_rules.csv: bad row {row}")
        rules.append((re.compile(row["pattern"]), row["sheet_type"] or None, row["level"]))
    return rules


@cache
def _overrides() -> dict[tuple[str, str], dict]:
    """(state, name_key) -> {level, fips (list), reason} from the reviewed table."""
    out = {}
    for row in vocab.data_rows("agency_places.csv"):
        if not row["reason"].strip() or (row["level"] and row["level"] not in LEVELS):
            raise ValueError(f"agency_places.csv: bad row {row}")
        fips = [f for f in row["county_fips"].split("|") if f]
        out[(row["state"], name_key(row["name"]))] = {"level": row["level"] or None, "fips": fips}
    return out


@cache
def _home_counties() -> dict[tuple[str, str], list[str]]:
    """(state, name_key) -> county FIPS, for agencies the sheets place nowhere (reviewed table)."""
    out = {}
    for row in vocab.data_rows("agency_home_counties.csv"):
        fips = [f for f in row["county_fips"].split("|") if re.fullmatch(r"\d{5}", f)]
        if not row["reason"].strip() or not fips or len(fips) != len(row["county_fips"].split("|")):
            raise ValueError(f"agency_home_counties.csv: bad row {row}")
        out[(row["state"], name_key(row["name"]))] = fips
    return out


def home_counties(state: str, names: list[str]) -> list[str]:
    """The reviewed home counties of an agency known by any of `names` (ICE renames agencies)."""
    table = _home_counties()
    return next((table[(state, name_key(n))] for n in names if (state, name_key(n)) in table), [])


def jurisdiction_level(name: str, sheet_type: str | None, state: str) -> tuple[str, str]:
    """(level, how) for an agency name and the TYPE the sheet gives it."""
    override = _overrides().get((state, name_key(name)))
    if override and override["level"]:
        return override["level"], "reviewed"
    text = fold(name).replace("'", "")
    for pattern, when_type, level in _rules():
        if (when_type is None or when_type == sheet_type) and pattern.search(text):
            return level, "rule"
    if sheet_type in ("county", "municipal", "state"):
        return sheet_type, "sheet_type"
    return "other", "default"


class Counties:
    """County lookup by state: exact key ('St. Johns' = 'Saint Johns', 'Doña Ana' = 'Dona Ana'), the key
    without spaces ('De Kalb' = 'DeKalb', 'La Salle' = 'LaSalle'), key + ' city', then a typo of one or
    two letters."""

    def __init__(self, counties: list[dict]) -> None:
        self.by_fips = {c["fips"]: c for c in counties}
        self.by_state: dict[str, dict[str, str]] = defaultdict(dict)
        self.compact: dict[str, dict[str, str | None]] = defaultdict(dict)
        for c in counties:
            key = county_name_key(c["name"])
            self.by_state[c["state"]].setdefault(key, c["fips"])
            squeezed, seen = key.replace(" ", ""), self.compact[c["state"]]
            # two counties of a state with the same letters are told apart by the spacing: neither here
            seen[squeezed] = c["fips"] if seen.get(squeezed, c["fips"]) == c["fips"] else None

    def state_fips(self, state: str) -> list[str]:
        return sorted(self.by_state.get(state, {}).values())

    def find(self, state: str, name: str | None) -> tuple[str | None, str]:
        if not name or not name.strip():
            return None, "none"
        table = self.by_state.get(state, {})
        key = county_name_key(name)
        if not key:
            return None, "none"
        if key in table:
            return table[key], "exact"
        if fips := self.compact[state].get(key.replace(" ", "")):
            return fips, "exact"
        if f"{key} city" in table:
            return table[f"{key} city"], "independent_city"
        if len(key) >= 5:
            # one slip for short names, two for long ones: 'Bowie' must not become 'Boone'
            limit = 1 if len(key) < 8 else 2
            close = [
                (DamerauLevenshtein.distance(key, k), f) for k, f in table.items() if abs(len(k) - len(key)) <= limit
            ]
            close = sorted(d for d in close if d[0] <= limit)
            if close and (len(close) == 1 or close[1][0] > close[0][0]):
                return close[0][1], "typo"
        return None, "none"


def _name_county(name: str) -> str | None:
    """The county an agency names itself after: 'Polk County Sheriff's Office' -> 'Polk County'."""
    m = re.search(r"((?:[A-Z][\w.'-]*\s+){1,3})(County|Parish|Borough)\b", name)
    if m:
        return f"{m[1].strip()} {m[2]}"
    m = re.search(r"\bCounty of ([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)?)", name)
    return f"{m[1]} County" if m else None


_FORCE = re.compile(r"\b(sheriff|police)", re.I)


class Roster:
    """The FBI roster, indexed by state and distinctive name."""

    def __init__(self, rows: list[dict]) -> None:
        self.by_state: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            key = distinctive(r["name"], r["state"]) or name_key(r["name"])
            self.by_state[r["state"]][key].append(r)

    def find(self, state: str, name: str, level: str) -> dict | None:
        key = distinctive(name, state) or name_key(name)
        types = _ROSTER_TYPES[level]
        hits = [r for r in self.by_state.get(state, {}).get(key, []) if r["agency_type"] in types]
        # the FBI names a county's sheriff by the county alone ('Cobb') and its police in full ('Cobb County
        # Police Department'): a sheriff is never the county's police department, nor the police its sheriff
        force = _FORCE.search(name)
        hits = [
            r
            for r in hits
            if not (force and (other := _FORCE.search(r["name"])) and other[0].lower() != force[0].lower())
        ]
        if len(hits) > 1:  # 'Melbourne' and 'Melbourne Village': keep the one named exactly
            hits = [r for r in hits if _core(r["name"]) == _core(name)]
        return hits[0] if len(hits) == 1 else None


@dataclass
class References:
    """The reference tables, indexed once (this can run while the workbooks are being read)."""

    counties: list[dict]
    table: Counties
    roster: list[dict]
    fbi: Roster
    aor_states: list[dict]  # ICE field office -> state (reference table), for linking FOIA landmarks


def prepare(refs: dict[str, list[dict]], atlas_counties: list[dict]) -> References:
    counties = county_table(atlas_counties, refs["county_population"])
    roster = refs["fbi_roster"]
    return References(counties, Counties(counties), roster, Roster(roster), refs.get("aor_states", []))


def place(agencies: list[dict], sheet_counties: dict[str, list[str]], ref: References) -> tuple[list[dict], list[dict]]:
    """Agencies with jurisdiction_level, county_fips, ori and how each was decided; and one row per
    (agency, county) it covers locally."""
    table, fbi = ref.table, ref.fbi
    out, places = [], []
    for a in agencies:
        level, level_how = jurisdiction_level(a["name"], a["agency_type"], a["state"])
        # the sheet's COUNTY cells, most recent first, as (fips or None, how found)
        named = [table.find(a["state"], c) for c in sheet_counties.get(a["agency_id"], [])]
        match = fbi.find(a["state"], a["name"], level)
        roster_fips = _roster_fips(match, a["state"], table) if match else []
        fips, how = _counties_of(a, level, named, roster_fips, table)
        # the ORI only when the roster match is unique and agrees on the county
        ori = match["ori"] if match and (not fips or fips[0] in roster_fips) else None
        out.append(
            {
                **a,
                "jurisdiction_level": level,
                "level_method": level_how,
                "county_fips": fips[0] if fips else None,
                "county_fips_all": fips,
                "county_method": how,
                "ori": ori,
                "sheet_county_fips": sorted({f for f, _ in named if f}),
            }
        )
        for i, f in enumerate(fips):
            places.append({"agency_id": a["agency_id"], "county_fips": f, "is_primary": i == 0, "method": how})
    return out, places


def _counties_of(
    a: dict, level: str, named: list[tuple[str | None, str]], roster_fips: list[str], table: Counties
) -> tuple[list[str], str]:
    state = a["state"]
    override = _overrides().get((state, name_key(a["name"])))
    if override and override["fips"]:
        return override["fips"], "reviewed"
    if level == "state":
        return [], "statewide"
    primary, how = next(((f, f"sheet_county_{found}") for f, found in named if f), (None, "none"))
    if not primary:
        primary, found = table.find(state, _name_county(a["name"]))
        if primary:
            how = f"agency_name_{found}"
    if level == "municipal" and roster_fips:
        if primary and primary not in roster_fips and "township" not in name_key(a["name"]):
            # the city is named exactly once in the FBI roster and that roster places it elsewhere:
            # the sheet's COUNTY cell is the slip (Tye, TX was given Galveston County; it is in Taylor).
            # Township names repeat across counties, so for them the sheet wins.
            return roster_fips, "fbi_roster_over_sheet"
        # a city in several counties covers them all; the sheet's county (if any) comes first
        ordered = [primary] + [f for f in roster_fips if f != primary] if primary else roster_fips
        return ordered, how if primary else "fbi_roster"
    if primary:
        return [primary], how
    if roster_fips:
        return roster_fips, "fbi_roster"
    if home := home_counties(state, [a["name"], *a.get("names", [])]):
        return home, "reviewed_home"
    return [], "none"


def _roster_fips(match: dict, state: str, table: Counties) -> list[str]:
    out = []
    for county in match["counties"]:
        fips, _ = table.find(state, county)
        if fips and fips not in out:
            out.append(fips)
    return out


def county_table(atlas_counties: list[dict], population_rows: list[dict]) -> list[dict]:
    """The atlas's counties (names and FIPS of every state and territory) with the ACS population where
    that table was imported; a county only the ACS table knows is kept under its ACS name."""
    population = {r["fips"]: r for r in population_rows}
    out = [{**c, "population": population.pop(c["fips"], {}).get("population")} for c in atlas_counties]
    by_fips = {v: k for k, v in vocab.state_fips().items()}
    for r in population.values():
        if r["fips"][:2] in by_fips:
            out.append({**r, "state": by_fips[r["fips"][:2]]})
    return sorted(out, key=lambda c: c["fips"])


def build(tables: dict[str, list], ref: References) -> dict[str, list[dict]]:
    """The geography stage: agencies placed (and each agreement given its agency's county FIPS), the
    county table, the agency-county pairs, and the cities the FBI roster names with the counties they
    lie in (for finding a county by its city)."""
    agencies, places = place(tables["agencies"], _sheet_counties(tables), ref)
    home = {a["agency_id"]: a["county_fips"] for a in agencies}
    for agreement in tables.get("agreements", []):  # each agreement where its agency is placed
        agreement["county_fips"] = home.get(agreement["agency_id"])
    return {
        "agencies": agencies,
        "agency_counties": places,
        "counties": ref.counties,
        "reference_agencies": ref.roster,
        "cities": cities(ref),
    }


def cities(ref: References) -> list[dict]:
    """Each city of the FBI roster (its police agencies of type City: "Houston", TX) once per state, with
    the FIPS of the counties the roster places it in (Houston: Harris, Fort Bend, Montgomery)."""
    out: dict[tuple[str, str], dict] = {}
    for row in ref.roster:
        if row["agency_type"] != "City" or not row["name"]:
            continue
        fips = _roster_fips(row, row["state"], ref.table)
        if not fips:
            continue
        city = out.setdefault(
            (row["state"], row["name"]), {"name": row["name"], "state": row["state"], "county_fips": []}
        )
        city["county_fips"] += [f for f in fips if f not in city["county_fips"]]
    return [out[k] for k in sorted(out)]


def _sheet_counties(tables: dict[str, list]) -> dict[str, list[str]]:
    """agency id -> the COUNTY cells of its rows, most recent publication first, each once."""
    pubs = {p["publication_id"]: p for p in tables["publications"]}
    value = {v["row_hash"]: v["county_raw"] for v in tables["row_values"]}
    agency_of_hash = {h["row_hash"]: h["agency_id"] for h in tables["hash_identity"]}
    seen: dict[str, list[tuple]] = defaultdict(list)

    def note(agency: str | None, pub: dict, county: str | None) -> None:
        if agency and county and county.strip():
            seen[agency].append(((pub["kind"] == "participating", pub["first_observed"], pub["seq"] or 0), county))

    for r in tables["publication_rows"]:
        pub = pubs[r["publication_id"]]
        if pub["kind"] == "participating" and pub["status"] == "ok":
            note(agency_of_hash.get(r["row_hash"]), pub, value[r["row_hash"]])
    cell = {
        (r["publication_id"], r["row_number"]): value[r["row_hash"]]
        for r in tables["publication_rows"]
        if pubs[r["publication_id"]]["kind"] == "pending"
    }
    for r in tables["pending_identity"]:
        note(r["agency_id"], pubs[r["publication_id"]], cell.get((r["publication_id"], r["row_number"])))
    out = {}
    for agency, items in seen.items():
        ordered = []
        for _, county in sorted(items, reverse=True):
            if county not in ordered:
                ordered.append(county)
        out[agency] = ordered
    return out
