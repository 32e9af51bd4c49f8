"""The API's in-memory answers are the named queries' answers: compared on every publication of the
real record, for every state, model, status and event kind."""

import datetime as dt
import json

import pytest

from open287g import queries
from open287g.answers import Answers
from open287g.output import profile_record


@pytest.fixture(scope="module")
def answers(built):
    import duckdb

    with duckdb.connect(str(built), read_only=True) as c:
        return Answers(c)


def same(mine: str, theirs: str) -> bool:
    """The same JSON; usually the same text, since both are made of DuckDB's to_json."""
    return mine == theirs or json.loads(mine) == json.loads(theirs)


def first_days(con) -> list[dt.date]:
    """The first day of every publication in effect (both lists), and the days either side of the record."""
    days = sorted(r[0] for r in con.execute("SELECT min(from_date) FROM in_effect GROUP BY publication_id").fetchall())
    return [days[0] - dt.timedelta(days=1), *days, days[-1] + dt.timedelta(days=400)]


def test_point_in_time_figures_on_every_publication(answers, con):
    for day in first_days(con) + [None]:
        assert answers.day_and_publications(day) == queries._day_and_publications(con, day), day
        assert answers.counts(day) == queries.counts(con, day), day
        assert answers.coverage(day) == queries.coverage(con, day), day
    for day in (None, dt.date(2026, 3, 27)):  # no day: the newest, as in every point-in-time query
        assert same(answers.county_figures(day), queries.county_figures(con, day, as_json=True)), day
        assert answers.state_summary("TX", day) == queries.state_summary(con, "TX", day), day


def test_lists_on_every_publication(answers, con):
    for day in first_days(con):
        assert same(answers.agreements(day), queries.agreements(con, day, as_json=True)), day
        assert same(answers.agencies(day), queries.agencies(con, day, as_json=True)), day
        assert same(answers.county_figures(day), queries.county_figures(con, day, as_json=True)), day
        pending = answers.agreements(day, status="pending")
        assert same(pending, queries.agreements(con, day, status="pending", as_json=True)), day


def test_lists_filtered_by_every_state_model_and_status(answers, con):
    states = [r[0] for r in con.execute("SELECT DISTINCT state FROM agreements ORDER BY 1").fetchall()] + ["ZZ"]
    days = [dt.date(2021, 6, 30), dt.date(2025, 5, 31), dt.date(2026, 3, 27), None]
    for state in states:
        for day in days:
            newest = day is None
            for model in (None, *queries.MODELS):
                mine = answers.agreements(day, state, model, newest=newest)
                assert same(mine, queries.agreements(con, day, state, model, newest=newest, as_json=True))
            mine = answers.agencies(day, state)
            assert same(mine, queries.agencies(con, day, state, as_json=True)), (state, day)
            when = day or answers.latest
            assert answers.state_summary(state, when) == queries.state_summary(con, state, when), (state, day)
        for status in queries.AGREEMENT_STATUSES:  # no day: every agreement with that status
            assert same(
                answers.agreements(None, state, status=status),
                queries.agreements(con, None, state, status=status, as_json=True),
            )


def test_changes_for_every_window_state_and_kind(answers, con):
    windows = [
        (None, None),
        (dt.date(2026, 3, 1), None),
        (None, dt.date(2025, 1, 20)),
        (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        (dt.date(2030, 1, 1), None),
    ]
    for since, until in windows:
        for state in (None, "TX", "FL", "MD"):
            for kind in (None, *queries.EVENT_KINDS):
                assert same(
                    answers.changes(since, until, state, kind),
                    queries.changes(con, since, until, state, kind, as_json=True),
                ), (since, until, state, kind)
    exclude = ("moa_posted", "pending_listed", "pending_removed")
    assert same(
        answers.changes(dt.date(2026, 1, 1), exclude=exclude),
        queries.changes(con, dt.date(2026, 1, 1), exclude=exclude, as_json=True),
    )


def test_every_agency_profile(answers, con):
    for (agency_id,) in con.execute("SELECT agency_id FROM agencies").fetchall():
        expected = profile_record(queries.agency_profile(con, agency_id))  # the CLI's JSON
        assert json.loads(answers.agency_profile(agency_id)) == expected, agency_id
    assert answers.agency_profile("XX/nobody") is None
