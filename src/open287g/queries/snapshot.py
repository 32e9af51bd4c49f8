"""Point-in-time answers, each defined once, over one warehouse snapshot held in memory.

Every point-in-time answer (counts, coverage, agreements, agencies, changes, state and county figures,
agency profiles) depends only on the publication in effect on the day asked, so the snapshot's lists
are read once, in their final order and already serialised to JSON by DuckDB, and each answer is a
filter over them: the CLI, the Python API (`open287g.queries`, which turns these answers into Polars
DataFrames) and the HTTP API all call these methods. A snapshot never changes, so nothing here is
ever invalidated. The rule "the publication in effect on D" is `Snapshot.in_effect`, and only it.
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING

import duckdb

from ..domain import vocab

if TYPE_CHECKING:
    import polars as pl

MODELS = vocab.MODELS

# The columns and orders of the lists. Every order ends in a key, so that a list has one order.
AGREEMENT_COLUMNS = """a.agreement_id, a.agency_id, a.agency_name, a.state, a.model, a.signed, a.status, a.first_listed,
    a.last_listed, a.ended_on, a.county, a.county_fips, a.agency_type, a.moa_url, a.moa_state, a.superseded_by,
    a.supersedes, a.pending_first_listed, a.days_pending_to_signed, a.n_spells, a.names, a.former_ids, a.signed_listed,
    a.signed_basis, a.signed_reason, a.moa_url_listed, a.moa_file_date, a.moa_mislinked_to, a.renewed_on,
    a.moa_sha256, a.addendum_sha256"""
AGREEMENT_ORDER = "a.state, a.agency_name, a.model, a.signed, a.agreement_id"
EVENT_COLUMNS = """date, kind, agency_id, agreement_id, state, model, agency_name, signed, previous_name,
    previous_signed, moa_url, previous_moa_url, moa_date, related_agreement_id, rule, previous_date,
    from_publication_id, to_publication_id, from_sha256, to_sha256, event_id"""
EVENT_ORDER = "date, state, agency_name, kind, agreement_id, agency_id, from_publication_id, to_publication_id"
# an agency on a day: `models` and `agreements` are its agreements listed that day
AGENCY_COLUMNS = """a.agency_id, a.name, a.state, a.jurisdiction_level, a.county_fips, {models} AS models,
    a.county_fips_all, a.ori, a.county_method, a.level_method, {agreements} AS agreements, a.names, a.former_ids"""
AGENCY_ORDER = "a.state, a.name, a.agency_id"
AGENCY_AGREEMENT_ORDER = "model, signed, agreement_id"


# Per publication, the states where a statewide agency has an agreement listed; per state, its
# counties and people (read for every publication at once).
STATEWIDE_STATES = """
    SELECT pa.publication_id, list(DISTINCT a.state ORDER BY a.state) AS states
    FROM publication_agreements pa JOIN agencies a USING (agency_id) WHERE a.jurisdiction_level = 'state' GROUP BY 1
"""
STATE_TOTALS = "SELECT state, count(*) AS counties, sum(population)::BIGINT AS population FROM counties GROUP BY 1"


def counts_record(day, pub, pending_pub, found: dict) -> dict:
    """The counts answer from publication_counts rows (publication -> rows, agreements, agencies, jem,
    tfm, wso)."""
    rows, agreements, agencies, jem, tfm, wso = found.get(pub or "", (0,) * 6)
    pending_rows, pending = found.get(pending_pub, (0, 0))[:2]
    return {
        "on": str(day),
        "agreements": agreements or 0,
        "agencies": agencies or 0,
        "by_model": {"JEM": jem or 0, "TFM": tfm or 0, "WSO": wso or 0},
        "rows": rows or 0,
        "pending": pending or 0,
        "pending_rows": pending_rows or 0,
        "publication_id": pub,
        "pending_publication_id": pending_pub,
    }


def coverage_record(day, pub, measured: dict, counties_total, population_total, statewide) -> dict:
    """The coverage answer from publication_coverage rows ((model, local_only) -> figures)."""
    empty = {"counties": 0, "states": 0, "population": 0}
    every = measured.get(("*", False), empty)
    return {
        "on": str(day),
        **every,
        "local": measured.get(("*", True), empty),
        "counties_total": counties_total,
        "population_total": int(population_total or 0),
        "population_share": round(every["population"] / population_total, 4) if population_total else None,
        "statewide_agreements_in": statewide or [],
        "by_model": {m: measured.get((m, False), empty) for m in MODELS},
        "publication_id": pub,
    }


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


class Snapshot:
    """One warehouse snapshot's answers. `cursor` opens a DuckDB cursor on the snapshot; its parts
    are read on first use (a command that counts never reads the events), or all at once with
    `load()` (the server, which then needs no cursor for these answers)."""

    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection]) -> None:
        self.cursor = cursor

    def load(self) -> Snapshot:
        self._need("_days", "_agreements", "_agencies", "_events", "_figures", "_counties", "_schemas")
        return self

    def _need(self, *parts: str) -> None:
        """Read these parts of the snapshot if not yet read."""
        for part in parts:
            getattr(self, part)

    def _read(self, sql: str) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql).fetchall()
        finally:
            cur.close()

    # -- reading the snapshot ---------------------------------------------------------------
    @cached_property
    def _days(self) -> bool:
        self.from_dates: dict[str, list[dt.date]] = {"participating": [], "pending": []}
        self.in_effect_pubs: dict[str, list[str]] = {"participating": [], "pending": []}
        for kind, day, pub in self._read(
            "SELECT kind, from_date, publication_id FROM in_effect ORDER BY kind, from_date"
        ):
            self.from_dates.setdefault(kind, []).append(day)
            self.in_effect_pubs.setdefault(kind, []).append(pub)
        self._latest = max((days[-1] for days in self.from_dates.values() if days), default=None)
        return True

    @property
    def latest(self) -> dt.date | None:
        """The newest day the snapshot knows (the default day of every answer)."""
        self._need("_days")
        return self._latest

    @cached_property
    def _agreements(self) -> bool:
        rows = self._read(
            f"SELECT a.agreement_id, a.agency_id, a.state, a.model, a.status, to_json(a)::VARCHAR "
            f"FROM (SELECT {AGREEMENT_COLUMNS} FROM agreements a) a ORDER BY {AGREEMENT_ORDER}"
        )
        ids, self.agreement_agency, states, self.agreement_model, self.agreement_status, self.agreement_json = (
            [list(c) for c in zip(*rows)] if rows else ([], [], [], [], [], [])
        )
        self.agreement_states = _ranges(states)
        position = {a: i for i, a in enumerate(ids)}
        # publication -> positions of its agreements, ascending (so already in list order)
        listed: dict[str, list[int]] = defaultdict(list)
        for pub, agreement in self._read("SELECT publication_id, agreement_id FROM publication_agreements"):
            listed[pub].append(position[agreement])
        self.pub_agreements = {pub: array("I", sorted(set(p))) for pub, p in listed.items()}
        self.agreements_of: dict[str, list[str]] = defaultdict(list)
        for agency_id, j in self._read(
            f"SELECT agency_id, to_json(a)::VARCHAR FROM agreements a ORDER BY agency_id, {AGENCY_AGREEMENT_ORDER}"
        ):
            self.agreements_of[agency_id].append(j)
        self.agreement_ids = _resolver(self._read("SELECT agreement_id, former_ids FROM agreements"))
        return True

    @cached_property
    def records_of(self) -> dict[tuple[str, str], list[str]]:
        """(agency, model) -> its records, pending ones first, then the most recently listed (read
        only when an id needs it)."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for agency_id, model, agreement_id in self._read(
            """SELECT agency_id, model, agreement_id FROM agreements
               ORDER BY agency_id, model, status <> 'pending', signed IS NOT NULL,
                        coalesce(last_listed, pending_last_listed) DESC, agreement_id"""
        ):
            out[(agency_id, model)].append(agreement_id)
        return out

    @cached_property
    def _agencies(self) -> bool:
        # the static part of each agency's row, split where its listed models and agreements go
        placeholders = AGENCY_COLUMNS.format(models="NULL::VARCHAR[]", agreements="NULL::BIGINT")
        rows = self._read(
            f"SELECT a.agency_id, a.state, to_json(a)::VARCHAR FROM (SELECT {placeholders} FROM agencies a) a "
            f"ORDER BY {AGENCY_ORDER}"
        )
        self.agency_parts = []
        for _, _, j in rows:
            head, rest = j.split('"models":null', 1)
            middle, tail = rest.split('"agreements":null', 1)
            self.agency_parts.append((head + '"models":', middle + '"agreements":', tail))
        self.agency_states = _ranges([r[1] for r in rows])
        position = {r[0]: i for i, r in enumerate(rows)}
        # publication -> (agency position, model) of each agreement listed, ordered by agency
        listed: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pub, agency_id, model in self._read(
            "SELECT pa.publication_id, pa.agency_id, g.model FROM publication_agreements pa "
            "JOIN agreements g USING (agreement_id)"
        ):
            listed[pub].append((position[agency_id], _MODEL.get(model, model)))
        self.pub_agency_models: dict[str, tuple[array, list]] = {}
        for pub, pairs in listed.items():
            pairs.sort(key=lambda p: (p[0], p[1] is None, p[1] or ""))
            self.pub_agency_models[pub] = (array("I", [p for p, _ in pairs]), [m for _, m in pairs])
        self.agency_json = dict(self._read("SELECT agency_id, to_json(a)::VARCHAR FROM agencies a"))
        self.agency_ids = _resolver(self._read("SELECT agency_id, former_ids FROM agencies"))
        return True

    @cached_property
    def _events(self) -> bool:
        rows = self._read(
            "SELECT date, state, kind, agency_id, model, signed, to_json(t)::VARCHAR "
            f"FROM (SELECT {EVENT_COLUMNS} FROM events) t ORDER BY {EVENT_ORDER}"
        )
        (
            self.event_dates,
            self.event_states,
            self.event_kinds,
            self.event_agencies,
            self.event_models,
            self.event_signed,
            self.event_json,
        ) = [list(c) for c in zip(*rows)] if rows else ([], [], [], [], [], [], [])
        self.events_of: dict[str, list[int]] = defaultdict(list)
        for i, agency_id in enumerate(self.event_agencies):
            self.events_of[agency_id].append(i)
        return True

    @cached_property
    def _figures(self) -> bool:
        self.pub_counts = {
            r[0]: r[1:]
            for r in self._read(
                "SELECT publication_id, rows, agreements, agencies, jem, tfm, wso FROM publication_counts"
            )
        }
        self.pub_coverage: dict[str, dict] = defaultdict(dict)
        for pub, model, local, counties, states, population in self._read(
            "SELECT publication_id, model, local_only, counties, states, population FROM publication_coverage"
        ):
            self.pub_coverage[pub][(model, local)] = {
                "counties": counties,
                "states": states,
                "population": int(population),
            }
        self.statewide = dict(self._read(STATEWIDE_STATES))
        self.counties_total, self.population_total = self._read("SELECT count(*), sum(population) FROM counties")[0]
        self.state_totals = {s: (c, p) for s, c, p in self._read(STATE_TOTALS)}
        # publication -> its states' coverage (state, counties, population, statewide, models), the
        # most people first
        self.pub_state_coverage: dict[str, list[tuple]] = defaultdict(list)
        for pub, state, c, p, w, ms in self._read(
            "SELECT publication_id, state, counties, population, statewide, models FROM publication_state_coverage "
            "ORDER BY publication_id, population DESC NULLS LAST, state"
        ):
            self.pub_state_coverage[pub].append((state, c, p, w, [_MODEL.get(m, m) for m in ms]))
        return True

    @cached_property
    def _counties(self) -> bool:
        rows = self._read(
            "SELECT fips, state, "
            "to_json({'fips': fips, 'name': name, 'state': state, 'population': population})::VARCHAR "
            "FROM counties ORDER BY fips"
        )
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
        for agency_id, fips in self._read("SELECT agency_id, county_fips FROM agency_counties ORDER BY 1, 2"):
            if fips in index:  # (a warehouse built without the county table has none)
                places[agency_id].append(index[fips])
        self.agency_reach = [
            ("state", state)
            if level == "state"
            else ("local", places.get(agency_id, []))
            if level is not None
            else (None, None)
            for agency_id, state, level in self._read(
                f"SELECT a.agency_id, a.state, a.jurisdiction_level FROM agencies a ORDER BY {AGENCY_ORDER}"
            )
        ]
        return True

    @cached_property
    def county_agencies(self) -> dict[str, list[str]]:
        """The local agencies placed in each county (by FIPS), whatever their status: a county's feed."""
        out: dict[str, list[str]] = defaultdict(list)
        for agency_id, counties in self._read(
            "SELECT agency_id, list_distinct(list_append(coalesce(county_fips_all, []), county_fips)) FROM agencies "
            "WHERE jurisdiction_level IS DISTINCT FROM 'state' ORDER BY agency_id"
        ):
            for fips in counties or []:
                if fips:
                    out[fips].append(agency_id)
        return dict(out)

    @cached_property
    def county_names(self) -> dict[str, str]:
        """Every county's name by FIPS ("48201" -> "Harris County"), as the county table spells it."""
        return dict(self._read("SELECT fips, name FROM counties"))

    @cached_property
    def _schemas(self) -> dict[str, pl.Schema]:
        """The column types of each list, for its DataFrame."""
        import polars  # noqa: F401  (DuckDB converts through it)

        lists = {
            "agreements": f"SELECT {AGREEMENT_COLUMNS} FROM agreements a",
            "agreement_records": "SELECT * FROM agreements",
            "agencies": f"SELECT {AGENCY_COLUMNS.format(models='[]::VARCHAR[]', agreements='0::BIGINT')} "
            "FROM agencies a",
            "agency_records": "SELECT * FROM agencies",
            "events": f"SELECT {EVENT_COLUMNS} FROM events",
            "counties": "SELECT fips, name, state, population, 0::BIGINT AS local_agencies, "
            "[]::VARCHAR[] AS local_models, []::VARCHAR[] AS statewide_models, false AS covered FROM counties",
        }
        out = {}
        for name, sql in lists.items():
            cur = self.cursor()
            try:
                out[name] = cur.sql(f"{sql} LIMIT 0").pl().schema
            finally:
                cur.close()
        return out

    def frame(self, name: str, text: str) -> pl.DataFrame:
        """A list answer (JSON text) as a DataFrame with the list's column types."""
        import io

        import polars

        return polars.read_json(io.StringIO(text), schema=self._schemas[name])

    # -- point in time ----------------------------------------------------------------------
    def in_effect(self, on: dt.date | None, kind: str = "participating") -> str | None:
        """The publication in effect on a day: the latest ok publication of that list observed on or
        before it, never stepping back to an older one seen again (the warehouse's in_effect table);
        None before the first observation or without a day."""
        self._need("_days")
        if on is None:
            return None
        i = bisect_right(self.from_dates.get(kind, []), on) - 1
        return self.in_effect_pubs[kind][i] if i >= 0 else None

    @property
    def first(self) -> dt.date | None:
        """The first day of the record: the first list in effect."""
        self._need("_days")
        return min((days[0] for days in self.from_dates.values() if days), default=None)

    def check_day(self, on: dt.date | None, name: str = "on") -> None:
        """A day the record can answer for: from its first list to today (a day after ICE's newest list
        is answered by it; one before the record, or to come, is refused, never answered with another day's
        figures)."""
        from .params import ParamError

        first, today = self.first, dt.date.today()
        if on is None or first is None:
            return
        if on < first or on > today:
            where = "before the record begins" if on < first else "after today"
            raise ParamError(name, f"{on} is {where}: the record answers for {first} to {today}")

    def list_day(self, on: dt.date | None, kind: str = "participating") -> dt.date | None:
        """The day the list in effect on `on` took effect (its posting); None before the record."""
        self._need("_days")
        days, day = self.from_dates.get(kind, []), on if on is not None else self.latest
        i = bisect_right(days, day) - 1 if day is not None else -1
        return days[i] if i >= 0 else None

    def day_and_publications(self, on: dt.date | None) -> tuple:
        """(day, participating publication, pending publication); no day means the newest."""
        self.check_day(on)
        day = on if on is not None else self.latest
        if day is None:
            return None, None, None
        return day, self.in_effect(day), self.in_effect(day, "pending")

    def months(self, on: dt.date | None) -> list[tuple[str, dt.date]]:
        """(YYYY-MM, its last day or `on` if sooner) for each month from the first observation to `on`."""
        self._need("_days")
        on = on if on is not None else self.latest
        firsts = [days[0] for days in self.from_dates.values() if days]
        if on is None or not firsts:
            return []
        out, month = [], min(firsts).replace(day=1)
        while month <= on:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            out.append((month.strftime("%Y-%m"), min(following - dt.timedelta(days=1), on)))
            month = following
        return out

    def counts(self, on: dt.date | None = None) -> dict:
        """Agreements, agencies and rows listed on a day, by model, and the pending list that day."""
        day, pub, pending_pub = self.day_and_publications(on)
        self._need("_figures")
        return counts_record(day, pub, pending_pub, self.pub_counts)

    def coverage(self, on: dt.date | None = None) -> dict:
        """Where at least one agreement applies on a day: counties (a local agency's counties, or every
        county of a state with a statewide agreement), states and people; overall, local only, by model."""
        day, pub, _ = self.day_and_publications(on)
        self._need("_figures")
        return coverage_record(
            day,
            pub,
            self.pub_coverage.get(pub or "", {}),
            self.counties_total,
            self.population_total,
            self.statewide.get(pub),
        )

    # -- lists, as JSON arrays --------------------------------------------------------------
    def agreements(self, on=None, state=None, model=None, status=None, newest: bool = False) -> str:
        """Agreements listed on a day (participating list; with status pending or pending_removed, the
        pending list), or every agreement when no day is given (`newest`: the newest day instead);
        filtered by state, model and status. With a day, `active` and `pending` mean listed on that
        day's participating or pending list (an agreement pending then may be active now); the other
        statuses are today's."""
        self._need("_agreements")
        if on is not None or newest:
            _, pub, pending_pub = self.day_and_publications(on)
            positions = self.pub_agreements.get(
                pending_pub if status in ("pending", "pending_removed") else pub, _EMPTY
            )
        else:
            positions = array("I", range(len(self.agreement_json)))
        if state is not None:
            positions = _between(positions, self.agreement_states.get(state, (0, 0)))
        if (on is not None or newest) and status in ("active", "pending"):
            status = None  # listed on the day's list is what active (or pending) meant that day
        models, statuses, parts = self.agreement_model, self.agreement_status, self.agreement_json
        return _json_list(
            parts[p]
            for p in positions
            if (model is None or models[p] == model) and (status is None or statuses[p] == status)
        )

    def agencies(self, on=None, state=None) -> str:
        """Agencies with an agreement listed on a day, placed, with the models and number of agreements
        listed that day."""
        self._need("_agencies")
        _, pub, _ = self.day_and_publications(on)
        positions, models = self.pub_agency_models.get(pub or "", (_EMPTY, []))
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

    def changes(self, *filters, newest_first: bool = False, limit: int | None = None, offset: int = 0, **named) -> str:
        """Events between two days (inclusive), each naming the two publications it compares, filtered as
        `_change_positions` says; oldest first (or newest), the `limit` events after the first `offset`."""
        found = self._change_positions(*filters, **named)
        if newest_first:
            found.reverse()
        end = None if limit is None else offset + limit
        return _json_list(self.event_json[i] for i in found[offset:end])

    def count_changes(self, *filters, **named) -> int:
        """How many events `changes` finds with the same filters (all pages)."""
        return len(self._change_positions(*filters, **named))

    def _change_positions(
        self,
        since=None,
        until=None,
        state=None,
        kind=None,
        agency_id=None,
        exclude=(),
        model=None,
        signed_since=None,
        signed_until=None,
        county=None,
    ) -> list[int]:
        """The events listed between two days (inclusive), of a state, kind, agency and model, without the
        kinds excluded, whose signing date falls between signed_since and signed_until."""
        self._need("_events")
        dates = self.event_dates
        first = bisect_left(dates, since) if since is not None else 0
        last = bisect_right(dates, until) if until is not None else len(dates)
        if county is not None:  # the events of the local agencies placed in the county
            mine = {i for a in self.county_agencies.get(county, []) for i in self.events_of.get(a, [])}
            if agency_id is not None:
                mine &= set(self.events_of.get(agency_id, []))
            positions: Iterable[int] = sorted(i for i in mine if first <= i < last)
        else:
            positions = (
                range(first, last)
                if agency_id is None
                else [i for i in self.events_of.get(agency_id, []) if first <= i < last]
            )
        states, kinds, models, signed = self.event_states, self.event_kinds, self.event_models, self.event_signed
        return [
            i
            for i in positions
            if (state is None or states[i] == state)
            and (kind is None or kinds[i] == kind)
            and kinds[i] not in exclude
            and (model is None or models[i] == model)
            and (signed_since is None or (signed[i] is not None and signed[i] >= signed_since))
            and (signed_until is None or (signed[i] is not None and signed[i] <= signed_until))
        ]

    def county_figures(self, on=None) -> str:
        """One row per county on a day: local agencies and their models, statewide models, covered or not."""
        self._need("_agencies", "_counties")
        pub = self.in_effect(on if on is not None else self.latest)
        positions, models = self.pub_agency_models.get(pub or "", (_EMPTY, []))
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
            agencies, found = local.get(i, (set(), set()))
            out[i] = (
                f'{self.county_heads[i]},"local_agencies":{len(agencies)},"local_models":{_json_models(found)},'
                f'"statewide_models":{statewide.get(i, "[]")},"covered":true}}'
            )
        return _json_list(out)

    # -- states, one agency -----------------------------------------------------------------
    def states(self, on=None, state=None) -> list[dict]:
        """Every state or territory with an agreement ever (or one), with its figures on a day: the
        most agreements first."""
        self._need("_agreements")
        listed = self.pub_agreements.get(self.in_effect(on if on is not None else self.latest) or "", _EMPTY)
        out = []
        for code, span in self.agreement_states.items():
            if state is not None and code != state:
                continue
            now = _between(listed, span)
            models = [self.agreement_model[p] for p in now]
            out.append(
                {
                    "state": code,
                    "agreements": len(now),
                    "agencies": len({self.agreement_agency[p] for p in now}),
                    "jem": models.count("JEM"),
                    "tfm": models.count("TFM"),
                    "wso": models.count("WSO"),
                    "agreements_ever": span[1] - span[0],
                }
            )
        return sorted(out, key=lambda r: (-r["agreements"], r["state"]))

    def state_coverage(self, on=None, state=None) -> list[dict]:
        """Per state (or one) where agreements apply on a day: counties and people covered, of how many,
        whether a statewide agreement applies, the models; the most people first."""
        self._need("_figures")
        out = []
        pub = self.in_effect(on if on is not None else self.latest)
        for code, counties, population, statewide, models in self.pub_state_coverage.get(pub or "", []):
            if state is None or code == state:
                counties_total, population_total = self.state_totals[code]
                out.append(
                    {
                        "state": code,
                        "counties": counties,
                        "counties_total": counties_total,
                        "population": population,
                        "population_total": population_total,
                        "statewide": statewide,
                        "models": models,
                    }
                )
        return out

    def state_summary(self, state: str, on=None) -> dict:
        """One state on a day: its figures, and where its agreements apply (nowhere: no county of its
        total, no one of its people)."""
        on = on if on is not None else self.latest
        counts = self.states(on, state)
        covered = self.state_coverage(on, state)
        empty = {"agreements": 0, "agencies": 0, "jem": 0, "tfm": 0, "wso": 0, "agreements_ever": 0}
        self._need("_figures")
        counties_total, population_total = self.state_totals.get(state, (0, 0))
        nowhere = {
            "counties": 0,
            "counties_total": counties_total,
            "population": 0,
            "population_total": population_total,
            "statewide": False,
            "models": [],
        }
        return {
            "state": state,
            "on": str(on),
            **({k: v for k, v in counts[0].items() if k != "state"} if counts else empty),
            "coverage": {k: v for k, v in covered[0].items() if k != "state"} if covered else nowhere,
        }

    def profile_parts(self, agency_id: str) -> tuple[str, str, str] | None:
        """The agency's row, its agreements and its events (oldest first), each as JSON text."""
        self._need("_agencies", "_agreements", "_events")
        row = self.agency_json.get(agency_id)
        if row is None:
            return None
        events = [self.event_json[i] for i in self.events_of.get(agency_id, [])]
        return row, _json_list(self.agreements_of.get(agency_id, [])), _json_list(events)

    def agency_profile(self, agency_id: str) -> str | None:
        """The agency's row with its agreements and its events, oldest first, as one JSON object."""
        parts = self.profile_parts(agency_id)
        if parts is None:
            return None
        row, agreements, events = parts
        return row[:-1] + ',"agreements":' + agreements + ',"events":' + events + "}"

    def resolve_agency(self, agency_id: str) -> str | None:
        """The current id of the agency an id (current or former) names."""
        self._need("_agencies")
        return self.agency_ids.get(agency_id)

    def resolve_agreement(self, agreement_id: str) -> str | None:
        """The current id of the agreement an id (current or former) names. A pending id names its
        agency's record of that model (`<agency>/<model>/pending…`), so the id of a pending spell that a
        later build reads differently (a back-filled list, a county correction) still resolves: to the
        agency's pending record of that model, else the agreement it became."""
        self._need("_agreements")
        found = self.agreement_ids.get(agreement_id)
        if found is not None:
            return found
        parts = agreement_id.rsplit("/", 2)
        if len(parts) == 3 and parts[2].startswith("pending"):
            agency = self.resolve_agency(parts[0])
            records = self.records_of.get((agency or "", parts[1]))
            if records:
                return records[0]
        return None


def _resolver(rows: list[tuple[str, list[str] | None]]) -> dict[str, str]:
    """id (current or former) -> current id; a current id is never shadowed."""
    out = {former: current for current, formers in rows for former in formers or ()}
    out.update({current: current for current, _ in rows})
    return out
