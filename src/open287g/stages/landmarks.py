"""Linking the landmarks of ICE's FOIA arrests to places and agencies (`landmark_links`), so arrests can be
counted by state, county, agency and agreement.

Each distinct (area of responsibility, landmark) of the arrest releases is linked once:

1. Our reviewed table (data/landmark_links.csv) settles it when it lists the string, with its reason.
2. Otherwise the rule: `domain.landmarks.read` says what the text names; a county name must be a county, named
   exactly, of exactly one of the states of the arrest's area of responsibility (or of the state the text gives);
   a city likewise, and in a single county. A jail or sheriff is then the county's sheriff's office when our
   record lists exactly one (and the FBI roster's county agency gives the ORI when there is exactly one); a
   city's police department is the agency of our record with exactly that name in that state.
   ICE's own offices, "general area" codes, federal and state prisons are never linked by the rule.
3. Nothing else links. Close names (rapidfuzz, blocked by the same states) are kept as `suggestions` for a
   reviewer and never merged: fuzzy scores rate wrong pairs as high as right ones (Cobb/Crosby).

`link` is 'agency' (an agency of our record), 'place' (a state and county, or a state), or 'none'.
"""

from __future__ import annotations

import re
from collections import defaultdict

import duckdb
from rapidfuzz import fuzz, process

from ..domain import landmarks, tables
from ..domain.names import name_key
from ..domain.vocab import state_names
from .geography import References

_NEVER = {  # kinds the rule never links, and why
    "nonspecific": "an ICE office, program or 'general area' code, not a place or agency",
    "federal": "a federal body or facility, or a private prison, not a 287(g) partner",
    "state_facility": "a state prison or department: linked only by our reviewed table",
}
_EXACT = ("exact", "independent_city")  # Counties.find methods the rule accepts (never a typo)
# where a county's jail is not its sheriff's: prison boards (PA), elected jailers (KY), state-run jails (CT, RI,
# VT, DE, HI, AK); there the rule links the county only
_NO_SHERIFF_JAILS = {
    "PA": "prison boards",
    "KY": "county jailers",
    "CT": "the state",
    "RI": "the state",
    "VT": "the state",
    "DE": "the state",
    "HI": "the state",
    "AK": "the state",
}
_NOT_A_CITY = re.compile(r"REGIONAL|\b[A-Z]+ERN\b")  # "NORTHERN REGIONAL JAIL" is no city's


def office(aor: str | None) -> str:
    """ICE's field office of an AOR as released: 'St. Paul Area of Responsibility' -> 'st paul'."""
    text = re.sub(r"\s+area of responsibility$", "", (aor or "").strip().lower())
    return " ".join(text.replace(".", " ").split())


def aor_states(rows: list[dict]) -> dict[str, set[str]]:
    """field office -> the states it covers (reference table `aor_states`)."""
    codes = {name.lower(): code for code, name in state_names().items()}
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if code := codes.get(r["state_name"].lower()):
            out[office(r["office"])].add(code)
    return dict(out)


def link(con: duckdb.DuckDBPyConnection, ref: References, agencies: list[dict], cities: list[dict]) -> list[dict]:
    """One `landmark_links` row per distinct (aor, landmark) of the arrests loaded in `con`."""
    found = con.execute(
        """SELECT aor, landmark, count(*) FILTER (WHERE method = '287(g) Program'), count(*)
           FROM foia_arrests WHERE landmark IS NOT NULL GROUP BY ALL"""
    ).fetchall()
    linker = _Linker(ref, agencies, cities)
    return [
        {"aor": aor, "landmark": raw, "arrests_287g": n287, "arrests": n, **linker.link(aor, raw, n287 > 0)}
        for aor, raw, n287, n in sorted(found, key=lambda r: (r[0] or "", r[1]))
    ]


class _Linker:
    def __init__(self, ref: References, agencies: list[dict], cities: list[dict]) -> None:
        self.counties = ref.table
        self.offices = aor_states(ref.aor_states)
        self.reviewed = {(r["aor"], r["text"]): r for r in tables.landmark_links()}
        self.ids = {a["agency_id"]: a["agency_id"] for a in agencies}
        self.ids.update({old: a["agency_id"] for a in agencies for old in a.get("former_ids") or []})
        self.sheriffs: dict[str, list[dict]] = defaultdict(list)
        self.by_state: dict[str, list[dict]] = defaultdict(list)
        for a in agencies:
            self.by_state[a["state"]].append(a)
            if a.get("county_fips") and a.get("jurisdiction_level") == "county" and "sheriff" in a["name"].lower():
                self.sheriffs[a["county_fips"]].append(a)
        self.cities: dict[tuple[str, str], list[str]] = {}
        for c in cities:
            self.cities.setdefault((c["state"], name_key(c["name"])), list(c["county_fips"] or []))
        self.fbi_county: dict[str, list[dict]] = defaultdict(list)
        for r in ref.roster:
            if r["agency_type"] == "County":
                for county in r["counties"]:
                    fips, how = self.counties.find(r["state"], county)
                    if fips and how in _EXACT:
                        self.fbi_county[fips].append(r)

    def link(self, aor: str | None, raw: str, suggest: bool) -> dict:
        lm = landmarks.read(raw)
        reviewed = self.reviewed.get((aor or "", lm.text)) or self.reviewed.get(("", lm.text))
        if reviewed:
            agency = self.ids.get(reviewed["agency_id"] or "")
            fips = reviewed["county_fips"]
            return self._row(lm, reviewed["state"], fips, agency, "reviewed", reviewed["reason"], [])
        states = {lm.state} if lm.state else self.offices.get(office(aor), set())
        if lm.kind in _NEVER:
            return self._row(lm, None, None, None, "rule", _NEVER[lm.kind], [])
        if not states:
            return self._row(
                lm,
                None,
                None,
                None,
                "rule",
                "no area of responsibility or state to look the name up in",
                self._suggest(lm, set(), suggest),
            )
        hits, what = self._place(lm, states)
        where = "/".join(sorted(states))
        if len(hits) != 1:
            why = (
                f"{what} is in more than one of {where}: " + ", ".join(sorted(f"{s} {f}" for s, f in hits))
                if hits
                else f"names no county or city of {where}"
            )
            return self._row(lm, None, None, None, "rule", why, self._suggest(lm, states, suggest))
        ((state, fips),) = hits
        agency, why = (
            None,
            (
                f"{what} is in {state} ({fips}), the only one among {where}"
                if fips
                else f"{what} is in {state} only among {where}, but in more than one county"
            ),
        )
        if lm.kind == "jail" and fips and lm.counties and "REGIONAL" not in lm.text:  # a county's own jail
            sheriffs = self.sheriffs.get(fips, [])
            if state in _NO_SHERIFF_JAILS:
                why += f"; in {state} county jails are run by {_NO_SHERIFF_JAILS[state]}, not sheriffs"
            elif len(sheriffs) == 1:
                agency, why = sheriffs[0]["agency_id"], why + "; the jail is its sheriff's"
            else:
                why += "; its sheriff is not in ICE's lists since 2021" if not sheriffs else "; two sheriffs listed"
        if lm.kind == "agency" and lm.city:  # a city's police, named as our record names it
            named = name_key(f"{lm.city} Police Department")
            police = [a for a in self.by_state.get(state, []) if name_key(a["name"]) == named]
            if len(police) == 1:
                agency, why = police[0]["agency_id"], why + f"; {police[0]['name']} is of our record"
        return self._row(lm, state, fips, agency, "rule", why, [] if agency else self._suggest(lm, {state}, suggest))

    def _place(self, lm: landmarks.Landmark, states: set[str]) -> tuple[set[tuple[str, str | None]], str]:
        """The (state, county FIPS) the text's county or city names in `states`, and what was looked up."""
        hits: set[tuple[str, str | None]] = set()
        for name in lm.counties:  # the longest spelling that is a county anywhere in the states wins
            for s in states:
                fips, how = self.counties.find(s, f"{name} County")
                if fips and how in _EXACT:
                    hits.add((s, fips))
            if hits:
                named = {self.counties.by_fips[f]["name"] for _, f in hits if f and f in self.counties.by_fips}
                return hits, " / ".join(sorted(named)) or f"{name.title()} County"
        if lm.city:
            for s in states:
                if lm.city.endswith(" CITY"):  # an independent city: Baltimore city, Richmond city
                    fips, how = self.counties.find(s, lm.city)
                    if fips and how in _EXACT:
                        hits.add((s, fips))
                    continue
                if _NOT_A_CITY.search(lm.city):
                    continue
                counties = self.cities.get((s, name_key(lm.city)))  # never a county's name: Jackson, GA
                if counties is not None:
                    hits.add((s, counties[0] if len(counties) == 1 else None))
            return hits, lm.city.title()
        return set(), lm.counties[0].title() + " County" if lm.counties else lm.text

    def _row(self, lm, state, fips, agency, basis, reason, suggestions) -> dict:
        ori = None
        if fips and lm.kind == "jail" and lm.counties and basis == "rule" and state not in _NO_SHERIFF_JAILS:
            roster = self.fbi_county.get(fips, [])
            ori = roster[0]["ori"] if len(roster) == 1 else None
        return {
            "text": lm.text,
            "kind": lm.kind,
            "state": state,
            "county_fips": fips,
            "agency_id": agency,
            "ori": ori,
            "link": "agency" if agency else "place" if state else "none",
            "basis": basis,
            "reason": reason,
            "suggestions": suggestions,
        }

    def _suggest(self, lm: landmarks.Landmark, states: set[str], wanted: bool) -> list[str]:
        """Agencies of our record in the same states whose names are close: for a reviewer, never a link."""
        if not wanted or lm.kind in _NEVER:
            return []
        pool = [a for s in sorted(states or self.by_state) for a in self.by_state.get(s, [])]
        names = [a["name"].upper() for a in pool]
        best = process.extract(lm.text, names, scorer=fuzz.token_set_ratio, limit=3, score_cutoff=85)
        return [f"{pool[i]['agency_id']} ({score:.0f})" for _, score, i in best]
