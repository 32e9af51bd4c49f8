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

The facilities of the newer releases' detainers (sources/ddp.py) are linked the same way, each in the state the
release gives it rather than all the states of its area.
"""

from __future__ import annotations

import re
from collections import defaultdict

import duckdb
from rapidfuzz import fuzz, process

from ..domain import landmarks, link_reasons
from ..domain.names import name_key
from ..domain.vocab import ARREST_287G, state_names
from .geography import References

_NEVER = ("nonspecific", "federal", "state_facility")  # kinds the rule never links (why: domain/link_reasons.py)
_EXACT = ("exact", "independent_city")  # Counties.find methods the rule accepts (never a typo)
# where a county's jail is not its sheriff's: prison boards (PA), elected jailers (KY), state-run jails (CT, RI,
# VT, DE, HI, AK); there the rule links the county only
_NO_SHERIFF_JAILS = {
    "PA": "prison_boards",
    "KY": "county_jailers",
    "CT": "the_state",
    "RI": "the_state",
    "VT": "the_state",
    "DE": "the_state",
    "HI": "the_state",
    "AK": "the_state",
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


def link(
    con: duckdb.DuckDBPyConnection,
    ref: References,
    agencies: list[dict],
    cities: list[dict],
    reviewed: list[dict],
) -> list[dict]:
    """One `landmark_links` row per distinct (aor, landmark) of the arrests, and (aor, facility) of the detainers,
    loaded in `con`; `reviewed`: our checked table (domain.tables.landmark_links). A detainer's facility is looked
    up in the state the release gives it."""
    found = con.execute(
        f"""SELECT aor, text, sum(n287)::BIGINT, sum(n)::BIGINT, sum(d287)::BIGINT, sum(d)::BIGINT,
                   list(DISTINCT state) FILTER (WHERE state IS NOT NULL)
            FROM (SELECT aor, landmark AS text, count(*) FILTER (WHERE method = '{ARREST_287G}') AS n287,
                         count(*) AS n, 0 AS d287, 0 AS d, NULL AS state
                  FROM foia_arrests WHERE landmark IS NOT NULL GROUP BY ALL
                  UNION ALL
                  SELECT aor, facility, 0, 0, count(*) FILTER (WHERE via_287g), count(*), state
                  FROM foia_detainers WHERE facility IS NOT NULL GROUP BY ALL)
            GROUP BY 1, 2"""
    ).fetchall()
    linker = _Linker(ref, agencies, cities, reviewed)
    codes = {name.lower(): code for code, name in state_names().items()}
    out = []
    for aor, raw, n287, n, d287, d, states in sorted(found, key=lambda r: (r[0] or "", r[1])):
        hint = {codes[s.lower()] for s in states or [] if s.lower() in codes}
        row = linker.link(aor, raw, n287 + d287 > 0, hint)
        out.append({"aor": aor, "landmark": raw, "arrests_287g": n287, "arrests": n, **row})
        out[-1].update(detainers_287g=d287, detainers=d)
    return out


def count_linked(con: duckdb.DuckDBPyConnection) -> None:
    """Fill `linked_arrests` from the arrests and their links (after `landmark_links` is written): the arrests
    placed in a state, per county, agency and day."""
    con.execute(
        f"""INSERT INTO linked_arrests
            SELECT l.state, l.county_fips, l.agency_id, a.date, any_value(a.fiscal_year),
                   count(*) FILTER (WHERE a.method = '{ARREST_287G}'), count(*)
            FROM foia_arrests a JOIN landmark_links l ON l.aor IS NOT DISTINCT FROM a.aor AND l.landmark = a.landmark
            WHERE l.state IS NOT NULL GROUP BY 1, 2, 3, 4"""
    )


class _Linker:
    def __init__(self, ref: References, agencies: list[dict], cities: list[dict], reviewed: list[dict]) -> None:
        self.counties = ref.table
        self.offices = aor_states(ref.aor_states)
        self.reviewed = {(r["aor"], r["text"]): r for r in reviewed}
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

    def link(self, aor: str | None, raw: str, suggest: bool, states_given: set[str] | None = None) -> dict:
        lm = landmarks.read(raw)
        reviewed = self.reviewed.get((aor or "", lm.text)) or self.reviewed.get(("", lm.text))
        if reviewed:
            agency = self.ids.get(reviewed["agency_id"] or "")
            said = [("reviewed", {"en": reviewed["reason"], "es": reviewed["reason_es"]})]
            if reviewed["agency_id"] and agency is None:  # a record of part of the lists, or a typo: said, not hidden
                said.append(("agency_absent", {"id": reviewed["agency_id"]}))
            return self._row(lm, reviewed["state"], reviewed["county_fips"], agency, "reviewed", said, [])
        states = {lm.state} if lm.state else states_given or self.offices.get(office(aor), set())
        if lm.kind in _NEVER:
            return self._row(lm, None, None, None, "rule", [(lm.kind, {})], [])
        if not states:
            return self._row(lm, None, None, None, "rule", [("no_states", {})], self._suggest(lm, set(), suggest))
        hits, what = self._place(lm, states)
        where = "/".join(sorted(states))
        if len(hits) != 1:
            parts = (
                [("in_several", {"what": what, "where": where, "hits": ", ".join(sorted(f"{s} {f}" for s, f in hits))})]
                if hits
                else [("not_found", {"where": where})]
            )
            return self._row(lm, None, None, None, "rule", parts, self._suggest(lm, states, suggest))
        ((state, fips),) = hits
        agency = None
        why: list[tuple[str, dict]] = [
            ("placed", {"what": what, "state": state, "fips": fips, "where": where})
            if fips
            else ("placed_state", {"what": what, "state": state, "where": where})
        ]
        if lm.kind == "jail" and fips and lm.counties and "REGIONAL" not in lm.text:  # a county's own jail
            sheriffs = self.sheriffs.get(fips, [])
            if state in _NO_SHERIFF_JAILS:
                why.append(("not_sheriffs", {"state": state, "body": _NO_SHERIFF_JAILS[state]}))
            elif len(sheriffs) == 1:
                agency = sheriffs[0]["agency_id"]
                why.append(("sheriff", {}))
            else:
                why.append(("no_sheriff", {}) if not sheriffs else ("two_sheriffs", {}))
        if lm.kind == "agency" and lm.city:  # a city's police, named as our record names it
            named = name_key(f"{lm.city} Police Department")
            police = [a for a in self.by_state.get(state, []) if name_key(a["name"]) == named]
            if len(police) == 1:
                agency = police[0]["agency_id"]
                why.append(("police", {"name": police[0]["name"]}))
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

    def _row(self, lm, state, fips, agency, basis, why: list[tuple[str, dict]], suggestions) -> dict:
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
            "reason": link_reasons.phrase(why, "en"),
            "reason_es": link_reasons.phrase(why, "es"),
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
