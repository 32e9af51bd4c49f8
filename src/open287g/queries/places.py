"""The named queries about places: which counties a query names, and a county's answer to "does an
agency here work with ICE under 287(g)?" — the county's own agencies (its sheriff, its jail), the other
local ones, the statewide ones apart, and its past agreements with their end dates. The search page,
the county page, the API and the CLI call these."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..domain import places

if TYPE_CHECKING:
    from . import Db

PAGE_SIZE = 50


def _rows(db: Db, sql: str, params: dict) -> list[dict[str, Any]]:
    from . import _cursor

    with _cursor(db) as con:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def find_places(db: Db, query: str) -> list[dict[str, Any]]:
    """The counties a query names: a FIPS code is its county; otherwise those whose own words fit
    (`fit` 3: the same words, 2: the query's words among the name's, 1: a word begun), in the state it
    names. Only the best fit is kept, 2 and 3 counting as one ("Miami": Miami County and Miami-Dade;
    "Cook": never Cooke), the most populous first; and, unless it says "County", the counties of the
    cities named exactly so (`cities`: "Charlotte, NC" is Mecklenburg County)."""
    q = places.read_query(query)
    if q.fips:
        rows = _rows(db, "SELECT * FROM counties WHERE fips = $f", {"f": q.fips})
        return [{**r, "fit": 3, "cities": []} for r in rows]
    if not q.words:
        return []
    sql = "SELECT fips, name, state, population FROM counties WHERE $state::VARCHAR IS NULL OR state = $state"
    fits = [{**r, "fit": places.match(q, r["name"]), "cities": []} for r in _rows(db, sql, {"state": q.state})]
    best = max((r["fit"] for r in fits), default=0)
    found = [r for r in fits if r["fit"] and (r["fit"] >= 2 if best >= 2 else r["fit"] == best)]
    if not set(places.fold(query).split()) & places.KIND_WORDS:  # "Cook County" names no city
        found = _with_cities(db, q, found, {r["fips"]: r for r in fits})
    return sorted(found, key=lambda r: (-(r["population"] or 0), r["state"], r["name"]))


def _with_cities(db: Db, q: places.PlaceQuery, found: list[dict], counties: dict[str, dict]) -> list[dict]:
    """The counties found, and those holding a city named exactly so in the FBI roster (Houston, TX:
    Harris, Fort Bend and Montgomery), each with `cities`, the city names that led to it."""
    first = q.words[0]
    sql = (
        "SELECT name, state, county_fips FROM cities WHERE ($state::VARCHAR IS NULL OR state = $state) "
        "AND strip_accents(lower(name)) LIKE $like"
    )
    out = {r["fips"]: r for r in found}
    for city in _rows(db, sql, {"state": q.state, "like": f"%{first}%"}):
        fit = places.match(q, city["name"])
        # the same words; or one half of a city joined with its county ("Charlotte-Mecklenburg")
        if not (fit == 3 or (fit == 2 and "-" in city["name"])):
            continue
        for fips in city["county_fips"] or []:
            if fips in counties:
                hit = out.setdefault(fips, {**counties[fips], "fit": 3, "cities": []})
                hit["fit"] = max(hit["fit"], 3)
                if city["name"] not in hit["cities"]:
                    hit["cities"].append(city["name"])
    return list(out.values())


def county_answer(db: Db, fips: str, on: dt.date | None = None) -> dict[str, Any] | None:
    """One county's answer on a day (the newest by default); None for an unknown FIPS. See
    county_answers."""
    return county_answers(db, [fips], on).get(fips)


def county_answers(db: Db, fips: list[str], on: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """Each county's answer on a day: `answer` "yes" when an agreement of a local agency applies there
    (in ICE's list in effect that day), else "no"; `county_agencies` (the county's own: sheriff, jail,
    county police), `other_local` (cities, towns, districts; `home_fips` and `home_county`: where the agency is based),
    `statewide`, each with its models and agreements; `past` (local agreements that applied there and
    ended by that day, with `ended_on`); `list_day`, the day ICE's list in effect that day was posted;
    `record_start`, the first day of the record."""
    from . import in_effect, latest_date, snapshot_of

    snap = snapshot_of(db)
    snap.check_day(on)
    day = on or latest_date(db)
    list_day = snap.list_day(day)
    counties = _rows(
        db, "SELECT fips, name, state, population FROM counties WHERE list_contains($f, fips)", {"f": fips}
    )
    covered = _rows(
        db,
        """SELECT c.fips, a.agency_id, a.name, a.jurisdiction_level, a.county_fips AS home_fips,
                  h.name AS home_county, c.statewide,
                  list(DISTINCT g.model ORDER BY g.model) AS models,
                  list(DISTINCT g.agreement_id ORDER BY g.agreement_id) AS agreement_ids,
                  min(g.signed) AS signed
           FROM publication_covered c JOIN agencies a USING (agency_id)
           JOIN publication_agreements pa ON pa.publication_id = c.publication_id AND pa.agency_id = c.agency_id
           JOIN agreements g ON g.agreement_id = pa.agreement_id AND g.model = c.model
           LEFT JOIN counties h ON h.fips = a.county_fips
           WHERE c.publication_id = $pub AND list_contains($f, c.fips)
           GROUP BY ALL ORDER BY a.name, a.agency_id""",
        {"pub": in_effect(db, day), "f": fips},
    )
    past = _rows(
        db,
        """SELECT ac.county_fips AS fips, g.agreement_id, g.agency_id, a.name, g.model, g.signed, g.first_listed,
                  g.last_listed, g.ended_on, g.status, g.superseded_by
           FROM agreements g JOIN agencies a USING (agency_id)
           JOIN agency_counties ac ON ac.agency_id = g.agency_id AND list_contains($f, ac.county_fips)
           WHERE a.jurisdiction_level <> 'state' AND g.status IN ('ended', 'superseded')
             AND g.ended_on IS NOT NULL AND g.ended_on <= $day
           ORDER BY g.ended_on DESC, g.agreement_id""",
        {"f": fips, "day": day},
    )
    start = _rows(db, "SELECT min(from_date) AS d FROM in_effect WHERE kind = 'participating'", {})[0]["d"]
    out = {}
    for county in counties:
        here = [r for r in covered if r["fips"] == county["fips"]]
        current = {i for r in here for i in r["agreement_ids"]}
        local = [r for r in here if not r["statewide"]]
        out[county["fips"]] = {
            **county,
            "on": day,
            "list_day": list_day,
            "record_start": start,
            "answer": "yes" if local else "no",
            "county_agencies": [r for r in local if r["jurisdiction_level"] == "county"],
            "other_local": [r for r in local if r["jurisdiction_level"] != "county"],
            "statewide": [r for r in here if r["statewide"]],
            "past": [r for r in past if r["fips"] == county["fips"] and r["agreement_id"] not in current],
        }
    return out


def search(db: Db, query: str, page: int = 1, on: dt.date | None = None) -> dict[str, Any]:
    """Places and agencies a query finds: `places` (counties, each with its answer on `on`, default the
    newest list), `agencies` (the
    page-th 50 of those whose names fit), their counts, and `go`: the one county page the query
    leads straight to (a FIPS code, or one county named with its kind or state, or the only thing found)."""
    from . import find_agencies

    found = find_places(db, query)
    agencies = find_agencies(db, query) if query.strip() else None
    total = 0 if agencies is None else agencies.height
    answers = county_answers(db, [p["fips"] for p in found[:PAGE_SIZE]], on)
    shown = [{**p, **answers[p["fips"]]} for p in found[:PAGE_SIZE]]
    q = places.read_query(query)
    named = bool(q.fips or q.state or set(places.fold(query).split()) & places.KIND_WORDS)
    go = found[0]["fips"] if len(found) == 1 and found[0]["fit"] == 3 and (named or total == 0) else None
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)  # beyond the last page: the last page
    start = (page - 1) * PAGE_SIZE
    return {
        "query": query,
        "go": go,
        "places": shown,
        "n_places": len(found),
        "agencies": [] if agencies is None else agencies.slice(start, PAGE_SIZE).to_dicts(),
        "n_agencies": total,
        "page": page,
        "pages": pages,
    }
