"""The point-in-time answers (defined once, in queries.snapshot) traced back to the rows of the
publication in effect, on every day the record knows: every number shown comes from the sheets."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest

from open287g import queries


def _rows_by_publication(con, kind: str) -> dict[str, tuple[set, set, dict]]:
    """publication -> (agreements, agencies, model of each agreement) of its rows, from roster_rows."""
    out: dict[str, tuple[set, set, dict]] = defaultdict(lambda: (set(), set(), {}))
    for pub, agreement, agency, model in con.execute(
        "SELECT r.publication_id, r.agreement_id, r.agency_id, g.model FROM roster_rows r "
        "JOIN agreements g USING (agreement_id) JOIN publications p USING (publication_id) "
        "WHERE p.kind = ? AND p.status = 'ok'",
        [kind],
    ).fetchall():
        agreements, agencies, models = out[pub]
        agreements.add(agreement)
        agencies.add(agency)
        models[agreement] = model
    return out


def _days(con) -> list[tuple[dt.date, str, str]]:
    """Every day a file was observed, with the publication its list had in effect, by the rule written
    out here: of the ok files posted (in ICE's order) that had been seen by the end of the day, the
    last posted — where a file saved before one seen earlier than it (a back-fill) counts from the day
    it was saved. A file seen again later is the same posting and changes nothing."""
    posts: dict[str, list[tuple[int, dt.datetime, dt.date, str]]] = defaultdict(list)
    for kind, seq, posted, first, pub in con.execute(
        "SELECT kind, seq, posted_at, first_observed, publication_id FROM postings WHERE status = 'ok' ORDER BY seq"
    ).fetchall():
        posts[kind].append((seq, posted, first, pub))
    all_days = sorted({d for (d,) in con.execute("SELECT DISTINCT unnest(observed_dates) FROM postings").fetchall()})
    effect: dict[str, dict[dt.date, str]] = {}
    for kind, ps in posts.items():
        counts_from = []
        for i, (_, posted, first, pub) in enumerate(ps):
            backfill = any(f < first for _, _, f, _ in ps[i + 1 :])
            counts_from.append((min(posted.date(), first) if backfill else first, pub))
        effect[kind] = {}
        for day in all_days:
            live = [pub for start, pub in counts_from if start <= day]
            if live:
                effect[kind][day] = live[-1]
    out = []
    for day in all_days:
        part, pend = effect["participating"].get(day), effect["pending"].get(day)
        if part or pend:
            out.append((day, part, pend))
    return out


def test_counts_agreements_and_agencies_are_the_rows_of_the_day(con):
    snap = queries.snapshot_of(con)
    participating, pending = _rows_by_publication(con, "participating"), _rows_by_publication(con, "pending")
    days = _days(con)
    assert len(days) > 700
    for day, pub, pend in days:
        agreements, agencies, models = participating.get(pub, (set(), set(), {}))
        c = snap.counts(day)
        assert (c["publication_id"], c["pending_publication_id"]) == (pub, pend), day
        assert (c["agreements"], c["agencies"]) == (len(agreements), len(agencies)), day
        assert c["by_model"] == {m: sum(1 for v in models.values() if v == m) for m in ("JEM", "TFM", "WSO")}, day
        assert c["pending"] == len(pending.get(pend, (set(),))[0]), day
        listed = json.loads(snap.agreements(day))
        assert {a["agreement_id"] for a in listed} == agreements and len(listed) == len(agreements), day
        placed = json.loads(snap.agencies(day))
        assert {a["agency_id"] for a in placed} == agencies, day
        assert sum(a["agreements"] for a in placed) == len(agreements), day


def test_the_record_answers_from_its_first_list_to_today(con):
    from open287g.queries.params import ParamError

    snap = queries.snapshot_of(con)
    first = min(d for d, _, _ in _days(con))
    assert snap.first == first and snap.counts(first)["publication_id"] is not None
    with pytest.raises(ParamError, match="before the record begins"):
        snap.counts(first - dt.timedelta(days=1))
    with pytest.raises(ParamError, match="after today"):
        snap.counts(dt.date.today() + dt.timedelta(days=1))
    assert snap.counts(dt.date.today())["publication_id"] == snap.counts()["publication_id"]


def test_state_figures_add_up_to_the_nation_and_to_the_lists(con):
    snap = queries.snapshot_of(con)
    for day in (dt.date(2025, 1, 20), dt.date(2025, 9, 30), snap.latest):
        states = snap.states(day)
        c = snap.counts(day)
        assert sum(s["agreements"] for s in states) == c["agreements"]
        for s in states[:5]:
            listed = json.loads(snap.agreements(day, state=s["state"]))
            assert len(listed) == s["agreements"] == snap.state_summary(s["state"], day)["agreements"]
        covered = [r for r in json.loads(snap.county_figures(day)) if r["covered"]]
        assert len(covered) == snap.coverage(day)["counties"]
        assert sum(s["counties"] for s in snap.state_coverage(day)) == len(covered)


def test_changes_are_the_events_between_two_days(con):
    snap = queries.snapshot_of(con)
    since, until = dt.date(2025, 6, 1), dt.date(2025, 6, 30)
    expected = con.execute("SELECT count(*) FROM events WHERE date BETWEEN ? AND ?", [since, until]).fetchone()[0]
    got = json.loads(snap.changes(since, until))
    assert len(got) == expected > 0
    assert all(since.isoformat() <= e["date"] <= until.isoformat() for e in got)
    texas = json.loads(snap.changes(since, until, state="TX", kind="listed"))
    assert texas and all(e["state"] == "TX" and e["kind"] == "listed" for e in texas)


def test_dataframes_and_json_are_one_answer(con):
    """The Python API's DataFrames are the API's JSON with column types: same rows, same order."""
    day = dt.date(2025, 12, 1)
    frame = queries.agreements(con, day, state="FL")
    text = json.loads(queries.agreements(con, day, state="FL", as_json=True))
    assert frame["agreement_id"].to_list() == [a["agreement_id"] for a in text]
    assert frame.schema["signed"].__class__.__name__ == "Date"
    events = queries.changes(con, dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    assert events.height == len(
        json.loads(queries.changes(con, dt.date(2025, 6, 1), dt.date(2025, 6, 30), as_json=True))
    )
