"""The HTTP API's answers, held in memory for one warehouse snapshot.

Each method gives exactly what the named query of the same name in queries.py gives (the tests compare
them on every publication); queries.py stays the definition and serves the CLI and the Python API.
They are kept here because a DuckDB query costs 0.5-5 ms to plan and run, and the API answers
hundreds of requests a second on two cores: every point-in-time answer depends only on the
publication in effect, so it is a filter over lists read once, in their final order and already
serialised to JSON by DuckDB. A snapshot never changes, so nothing here is ever invalidated.
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict

import duckdb

from .queries import (
    AGENCY_AGREEMENT_ORDER,
    AGENCY_COLUMNS,
    AGENCY_ORDER,
    AGREEMENT_COLUMNS,
    AGREEMENT_ORDER,
    EVENT_COLUMNS,
    EVENT_ORDER,
    MODELS,
    STATE_TOTALS,
    STATEWIDE_STATES,
    counts_record,
    coverage_record,
)

_EMPTY = array("I")
_MODEL = {m: m for m in MODELS}  # one string per model: the lists hold hundreds of thousands


def _ranges(keys: list) -> dict:
    """key -> (first, past last) position, for a list sorted on that key."""
    spans: dict = {}
    for i, key in enumerate(keys):
        first, _ = spans.get(key, (i, i))
        spans[key] = (first, i + 1)
    return spans


def _within(positions, span: tuple[int, int]) -> tuple[int, int]:
    """Where in `positions` (sorted) those that fall in `span` begin and end."""
    return bisect_left(positions, span[0]), bisect_left(positions, span[1])


def _between(positions, span: tuple[int, int]):
    """The positions (sorted) that fall in a span."""
    first, last = _within(positions, span)
    return positions[first:last]


def _json_models(models) -> str:
    """Distinct models as DuckDB lists them (list(DISTINCT ... ORDER BY ...)): sorted, null last."""
    key = frozenset(models)
    text = _MODEL_LISTS.get(key)
    if text is None:
        text = _MODEL_LISTS[key] = json.dumps(sorted(key, key=lambda m: (m is None, m)), separators=(",", ":"))
    return text


_MODEL_LISTS: dict[frozenset, str] = {}  # at most 2^4 sets of JEM, TFM, WSO, null


def _json_list(parts) -> str:
    return "[" + ",".join(parts) + "]"


class Answers:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._days(con)
        self._agreements(con)
        self._agencies(con)
        self._events(con)
        self._figures(con)
        self._counties(con)

    # -- reading the snapshot ---------------------------------------------------------------
    def _days(self, con) -> None:
        self.from_dates: dict[str, list[dt.date]] = {"participating": [], "pending": []}
        self.in_effect_pubs: dict[str, list[str]] = {"participating": [], "pending": []}
        for kind, day, pub in con.execute(
            "SELECT kind, from_date, publication_id FROM in_effect ORDER BY kind, from_date"
        ).fetchall():
            self.from_dates.setdefault(kind, []).append(day)
            self.in_effect_pubs.setdefault(kind, []).append(pub)
        self.latest = max((days[-1] for days in self.from_dates.values() if days), default=None)

    def _agreements(self, con) -> None:
        rows = con.execute(
            f"SELECT a.agreement_id, a.agency_id, a.state, a.model, a.status, to_json(a)::VARCHAR "
            f"FROM (SELECT {AGREEMENT_COLUMNS} FROM agreements a) a ORDER BY {AGREEMENT_ORDER}"
        ).fetchall()
        _, self.agreement_agency, states, self.agreement_model, self.agreement_status, self.agreement_json = (
            [list(c) for c in zip(*rows)] if rows else ([], [], [], [], [], [])
        )
        self.agreement_states = _ranges(states)
        # publication -> positions of its agreements, ascending (so already in list order)
        self.pub_agreements = {
            pub: array("I", positions)
            for pub, positions in con.execute(
                f"""WITH o AS (SELECT agreement_id, row_number() OVER (ORDER BY {AGREEMENT_ORDER}) - 1 AS pos FROM agreements a)
                    SELECT publication_id, list(DISTINCT pos ORDER BY pos) FROM publication_agreements JOIN o USING (agreement_id)
                    GROUP BY 1"""
            ).fetchall()
        }
        self.agreements_of: dict[str, list[str]] = defaultdict(list)
        for agency_id, j in con.execute(
            f"SELECT agency_id, to_json(a)::VARCHAR FROM agreements a ORDER BY agency_id, {AGENCY_AGREEMENT_ORDER}"
        ).fetchall():
            self.agreements_of[agency_id].append(j)

    def _agencies(self, con) -> None:
        # the static part of each agency's row, split where its listed models and agreements go
        placeholders = AGENCY_COLUMNS.format(models="NULL::VARCHAR[]", agreements="NULL::BIGINT")
        rows = con.execute(
            f"SELECT a.agency_id, a.state, to_json(a)::VARCHAR FROM (SELECT {placeholders} FROM agencies a) a "
            f"ORDER BY {AGENCY_ORDER}"
        ).fetchall()
        self.agency_parts = []
        for _, _, j in rows:
            head, rest = j.split('"models":null', 1)
            middle, tail = rest.split('"agreements":null', 1)
            self.agency_parts.append((head + '"models":', middle + '"agreements":', tail))
        self.agency_states = _ranges([r[1] for r in rows])
        # publication -> (agency position, model) of each agreement listed, ordered by agency
        self.pub_agency_models: dict[str, tuple[array, list]] = {
            pub: (array("I", positions), [_MODEL.get(m, m) for m in models])
            for pub, positions, models in con.execute(
                f"""WITH o AS (SELECT agency_id, row_number() OVER (ORDER BY {AGENCY_ORDER}) - 1 AS pos FROM agencies a)
                    SELECT pa.publication_id, list(o.pos ORDER BY o.pos, g.model), list(g.model ORDER BY o.pos, g.model)
                    FROM publication_agreements pa JOIN agreements g USING (agreement_id) JOIN o ON o.agency_id = pa.agency_id
                    GROUP BY 1"""
            ).fetchall()
        }
        self.agency_json = dict(con.execute("SELECT agency_id, to_json(a)::VARCHAR FROM agencies a").fetchall())

    def _events(self, con) -> None:
        rows = con.execute(
            f"SELECT date, state, kind, agency_id, to_json(t)::VARCHAR FROM (SELECT {EVENT_COLUMNS} FROM events) t "
            f"ORDER BY {EVENT_ORDER}"
        ).fetchall()
        self.event_dates, self.event_states, self.event_kinds, agency_ids, self.event_json = (
            [list(c) for c in zip(*rows)] if rows else ([], [], [], [], [])
        )
        self.events_of: dict[str, list[str]] = defaultdict(list)
        for agency_id, j in zip(agency_ids, self.event_json):
            self.events_of[agency_id].append(j)

    def _figures(self, con) -> None:
        self.pub_counts = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT publication_id, rows, agreements, agencies, jem, tfm, wso FROM publication_counts"
            ).fetchall()
        }
        self.pub_coverage: dict[str, dict] = defaultdict(dict)
        for pub, model, local, counties, states, population in con.execute(
            "SELECT publication_id, model, local_only, counties, states, population FROM publication_coverage"
        ).fetchall():
            self.pub_coverage[pub][(model, local)] = {
                "counties": counties,
                "states": states,
                "population": int(population),
            }
        self.statewide = dict(con.execute(STATEWIDE_STATES).fetchall())
        self.counties_total, self.population_total = con.execute(
            "SELECT count(*), sum(population) FROM counties"
        ).fetchall()[0]
        self.state_totals = {s: (c, p) for s, c, p in con.execute(STATE_TOTALS).fetchall()}
        self.state_coverage = {  # (publication, state) -> (counties, population, statewide, models)
            (pub, state): (c, p, w, [_MODEL.get(m, m) for m in ms])
            for pub, state, c, p, w, ms in con.execute(
                "SELECT publication_id, state, counties, population, statewide, models FROM publication_state_coverage"
            ).fetchall()
        }

    def _counties(self, con) -> None:
        rows = con.execute(
            "SELECT fips, state, to_json({'fips': fips, 'name': name, 'state': state, 'population': population})::VARCHAR "
            "FROM counties ORDER BY fips"
        ).fetchall()
        self.county_heads = [j[:-1] for _, _, j in rows]  # the county's own fields, then the day's
        self.county_uncovered = [
            h + ',"local_agencies":0,"local_models":[],"statewide_models":[],"covered":false}'
            for h in self.county_heads
        ]
        index = {fips: i for i, (fips, _, _) in enumerate(rows)}
        self.county_states = _ranges([state for _, state, _ in rows])
        # where each agency's agreements apply: every county of its state (statewide), its counties
        # (local), or nowhere (level unknown) -- as in the view publication_covered
        places = defaultdict(list)
        for agency_id, fips in con.execute(
            "SELECT agency_id, county_fips FROM agency_counties ORDER BY 1, 2"
        ).fetchall():
            if fips in index:  # (a warehouse built without the county table has none)
                places[agency_id].append(index[fips])
        self.agency_reach = [
            ("state", state)
            if level == "state"
            else ("local", places.get(agency_id, []))
            if level is not None
            else (None, None)
            for agency_id, state, level in con.execute(
                f"SELECT a.agency_id, a.state, a.jurisdiction_level FROM agencies a ORDER BY {AGENCY_ORDER}"
            ).fetchall()
        ]

    # -- point in time ----------------------------------------------------------------------
    def in_effect(self, on, kind: str = "participating") -> str | None:
        if on is None:  # as in SQL: no day, no publication
            return None
        i = bisect_right(self.from_dates.get(kind, []), on) - 1
        return self.in_effect_pubs[kind][i] if i >= 0 else None

    def day_and_publications(self, on) -> tuple:
        day = on if on is not None else self.latest
        if day is None:
            return None, None, None
        return day, self.in_effect(day), self.in_effect(day, "pending")

    def counts(self, on=None) -> dict:
        day, pub, pending_pub = self.day_and_publications(on)
        return counts_record(day, pub, pending_pub, self.pub_counts)

    def coverage(self, on=None) -> dict:
        day, pub, _ = self.day_and_publications(on)
        return coverage_record(
            day,
            pub,
            self.pub_coverage.get(pub, {}),
            self.counties_total,
            self.population_total,
            self.statewide.get(pub),
        )

    # -- lists, as JSON arrays --------------------------------------------------------------
    def agreements(self, on=None, state=None, model=None, status=None, newest: bool = False) -> str:
        if on is not None or newest:
            _, pub, pending_pub = self.day_and_publications(on)
            positions = self.pub_agreements.get(
                pending_pub if status in ("pending", "pending_removed") else pub, _EMPTY
            )
        else:
            positions = range(len(self.agreement_json))
        if state is not None:
            positions = _between(positions, self.agreement_states.get(state, (0, 0)))
        models, statuses, parts = self.agreement_model, self.agreement_status, self.agreement_json
        return _json_list(
            parts[p]
            for p in positions
            if (model is None or models[p] == model) and (status is None or statuses[p] == status)
        )

    def agencies(self, on=None, state=None) -> str:
        _, pub, _ = self.day_and_publications(on)
        positions, models = self.pub_agency_models.get(pub, (_EMPTY, []))
        first, last = (
            (0, len(positions)) if state is None else _within(positions, self.agency_states.get(state, (0, 0)))
        )
        out, i = [], first
        while i < last:
            agency, j = positions[i], i
            while j < last and positions[j] == agency:
                j += 1
            head, middle, tail = self.agency_parts[agency]
            out.append(head + _json_models(models[i:j]) + middle + str(j - i) + tail)
            i = j
        return _json_list(out)

    def changes(self, since=None, until=None, state=None, kind=None, exclude=()) -> str:
        dates = self.event_dates
        first = bisect_left(dates, since) if since is not None else 0
        last = bisect_right(dates, until) if until is not None else len(dates)
        states, kinds, parts = self.event_states, self.event_kinds, self.event_json
        return _json_list(
            parts[i]
            for i in range(first, last)
            if (state is None or states[i] == state) and (kind is None or kinds[i] == kind) and kinds[i] not in exclude
        )

    def county_figures(self, on=None) -> str:
        """One row per county: local agencies and their models, statewide models, covered or not."""
        pub = self.in_effect(on if on is not None else self.latest)
        positions, models = self.pub_agency_models.get(pub, (_EMPTY, []))
        local: dict[int, tuple[set, set]] = {}
        statewide_models = defaultdict(set)
        for agency, model in zip(positions, models):
            reach, where = self.agency_reach[agency]
            if reach == "local":
                for county in where:
                    agencies, found = local.setdefault(county, (set(), set()))
                    agencies.add(agency)
                    found.add(model)
            elif reach == "state":
                statewide_models[where].add(model)
        statewide = {}
        for state, found in statewide_models.items():
            first, last = self.county_states.get(state, (0, 0))
            statewide.update(dict.fromkeys(range(first, last), _json_models(found)))
        out = self.county_uncovered.copy()
        for i in local.keys() | statewide.keys():
            agencies, found = local.get(i, ((), ()))
            out[i] = (
                f'{self.county_heads[i]},"local_agencies":{len(agencies)},"local_models":{_json_models(found)},'
                f'"statewide_models":{statewide.get(i, "[]")},"covered":true}}'
            )
        return _json_list(out)

    # -- one state, one agency --------------------------------------------------------------
    def state_summary(self, state: str, on=None) -> dict:
        on = on if on is not None else self.latest
        pub = self.in_effect(on)
        span = self.agreement_states.get(state)
        counts = {"agreements": 0, "agencies": 0, "jem": 0, "tfm": 0, "wso": 0, "agreements_ever": 0}
        if span is not None:
            listed = _between(self.pub_agreements.get(pub, _EMPTY), span)
            models = [self.agreement_model[p] for p in listed]
            counts = {
                "agreements": len(listed),
                "agencies": len({self.agreement_agency[p] for p in listed}),
                "jem": models.count("JEM"),
                "tfm": models.count("TFM"),
                "wso": models.count("WSO"),
                "agreements_ever": span[1] - span[0],
            }
        covered = self.state_coverage.get((pub, state))
        coverage = None
        if covered is not None:
            counties, population, statewide, models = covered
            counties_total, population_total = self.state_totals[state]
            coverage = {
                "counties": counties,
                "counties_total": counties_total,
                "population": population,
                "population_total": population_total,
                "statewide": statewide,
                "models": models,
            }
        return {"state": state, "on": str(on), **counts, "coverage": coverage}

    def agency_profile(self, agency_id: str) -> str | None:
        """The agency's row with its agreements and its events, oldest first, as one JSON object."""
        row = self.agency_json.get(agency_id)
        if row is None:
            return None
        return (
            row[:-1]
            + ',"agreements":'
            + _json_list(self.agreements_of.get(agency_id, []))
            + ',"events":'
            + _json_list(self.events_of.get(agency_id, []))
            + "}"
        )
