"""Agreement history on the real data: point-in-time reconciliation, month-end counts, and the real
renames and re-spellings, which must not read as an ending plus a new signing."""

import datetime as dt
import json
import re

import pytest

from helpers import SHARED, run
from open287g import queries
from open287g.domain.names import name_key, similarity
from open287g.stages.identity import revision_rule


def cli(db, *args):
    r = run(db, *args)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_every_ok_publication_reconciles_with_the_history(con):
    """On every day a posting is in effect, the agreements active (from spells) are exactly the
    agreements of its publication's rows, and their number is its distinct rows less side-by-side
    spellings."""
    pubs = con.execute(
        """SELECT publication_id, s.seq, distinct_rows FROM postings s JOIN publications USING (publication_id)
           WHERE s.kind = 'participating' AND s.status = 'ok'"""
    ).fetchall()
    assert len(pubs) > 190
    for pub, seq, distinct_rows in pubs:
        by_rows = {
            a
            for (a,) in con.execute(
                "SELECT DISTINCT agreement_id FROM row_identity WHERE publication_id = ?", [pub]
            ).fetchall()
        }
        by_spells = {
            a
            for (a,) in con.execute(
                "SELECT agreement_id FROM agreement_spells WHERE ? BETWEEN first_seq AND last_seq", [seq]
            ).fetchall()
        }
        assert by_rows == by_spells, pub
        assert distinct_rows - 2 <= len(by_rows) <= distinct_rows, pub
    days = con.execute("SELECT from_date, publication_id FROM in_effect WHERE kind = 'participating'").fetchall()
    for day, pub in days:
        assert queries.in_effect(con, day) == pub
        got = queries.counts(con, day)["agreements"]
        assert (
            got
            == con.execute(
                "SELECT count(DISTINCT agreement_id) FROM row_identity WHERE publication_id = ?", [pub]
            ).fetchall()[0][0]
        )


def _manifest_month_end_rows():
    text = (SHARED / "MANIFEST.md").read_text()
    rows = re.findall(r"^\| (\d{4}-\d{2}) \| \d+ \| \d+ \| \d+ \| \d+ \| (\d+) \| (\d+) \| [a-z_/]+ \|$", text, re.M)
    assert len(rows) > 60
    return {m: (int(r), int(a)) for m, r, a in rows}


def test_month_end_counts_reproduce_the_manifest(built):
    expected = _manifest_month_end_rows()
    got = {
        r["month"]: r
        for r in json.loads(cli(built, "counts", "--on", "2026-03-31", "--by", "month", "--format", "json"))
    }
    for month, (rows, agencies) in expected.items():
        assert got[month]["rows"] == rows, month
        # identity merges spellings the manifest counts apart, never the other way
        assert got[month]["agencies"] <= agencies, month
    assert got["2025-05"]["rows"] == 635 and got["2026-03"]["rows"] == 1560


def test_counts_json_contract(built):
    c = json.loads(cli(built, "counts", "--on", "2025-05-31", "--format", "json"))
    assert {"agreements", "agencies", "by_model", "pending"} <= c.keys()
    assert set(c["by_model"]) == {"JEM", "TFM", "WSO"}
    assert sum(c["by_model"].values()) == c["agreements"] == 635
    assert c["pending"] == 82  # MANIFEST: pending list month-end 2025-05


def test_counts_before_the_record_are_refused_not_zero(con):
    """A day before the record is not a day with no agreements: the record cannot say (issue "front door")."""
    from open287g.queries.params import ParamError

    with pytest.raises(ParamError, match="2020-01-01 is before the record begins: the record answers for 2021-01-13"):
        queries.counts(con, dt.date(2020, 1, 1))


# Real renames and re-spellings found in the shared data: (state, model, old name, new name).
RENAMES = [
    ("MN", "WSO", "Freedom County Sheriff's Office", "Freeborn County Sheriff's Office"),
    ("WI", "WSO", "Mantiowoc County Sheriff's Office", "Manitowoc County Sheriff's Office"),
    ("FL", "WSO", "Walton County Sheriff's Office", "Waria-labelon County Sheriff's Office"),
    ("FL", "TFM", "St Johns County Sheriff's Office", "St. Johns County Sheriff's Office"),
    ("VA", "JEM", "Department of Corrections", "Virginia Department of Corrections"),
    ("AK", "WSO", "Department of Corrections", "Alaska Department of Corrections"),
    ("TX", "TFM", "Office of the Attorney General", "Texas Office of the Attorney General"),
    ("MT", "TFM", "MT Dept of Justice", "Montana Department of Justice"),
    ("NC", "WSO", "Albermarle District Jail", "Albemarle District Jail"),
    ("FL", "TFM", "Indialantic Police Department", "Indiatlantic Police Department"),
    ("MI", "WSO", "Berrian County Sheriff's Offic", "Berrian County Sheriff's Office"),
    ("FL", "TFM", "Miami Dade Sheriff's Office", "Miami-Dade Sheriff's Office"),
    ("WI", "JEM", "Waukesha County Sheriff's Office", "Waukesha County Sheriff's Department"),
    ("FL", "WSO", "Okaloosa County Sheriff's Office", "Okaloosa County Department of Corrections"),
    ("TX", "WSO", "Lampass County Sheriff's Office", "Lampasas County Sheriff's Office"),
    ("TX", "WSO", "Somerville County Sheriff's Office", "Somervell County Sheriff's Office"),
    ("KS", "WSO", "Lyon's County Sheriff's Office", "Lyon County Sheriff's Office"),
    ("NC", "TFM", "Brookfield Police Department", "Brookford Police Department"),
    ("TN", "TFM", "Tennessee State Constable 4th District", "Polk County Constable District 4"),
    ("WY", "TFM", "Wyoming State Highway Patrol", "Wyoming Highway State Patrol"),
    ("TX", "JEM", "Dimmit Couny Sheriff's Office", "Dimmit County Sheriff's Office"),
    ("PA", "TFM", "Quarryville Police Department", "Quarryville Borough Police Department"),
    ("FL", "TFM", "Boca Raton Police Department", "Boca Raton Police Services Department"),
]


@pytest.mark.parametrize("state, model, old, new", RENAMES)
def test_real_renames_continue_one_agreement(con, state, model, old, new):
    ids = con.execute(
        """SELECT DISTINCT agreement_id FROM roster_rows
           WHERE state = ? AND model = ? AND agency IN (?, ?) AND kind = 'participating'""",
        [state, model, old, new],
    ).fetchall()
    assert len(ids) == 1, ids  # both spellings are one agreement
    agreement = ids[0][0]
    kinds = [
        k
        for (k,) in con.execute(
            "SELECT kind FROM events WHERE agreement_id = ? ORDER BY date, kind", [agreement]
        ).fetchall()
    ]
    assert kinds.count("listed") <= 1
    assert "ended" not in kinds or kinds[-1] == "ended"  # an ending, if any, is final: never ended + listed
    if name_key(old) != name_key(new):  # a re-spelling that changes more than punctuation is a 'renamed' event
        renamed = con.execute(
            "SELECT count(*) FROM events WHERE agreement_id = ? AND kind = 'renamed' AND previous_name IN (?, ?)",
            [agreement, old, new],
        ).fetchall()[0][0]
        assert renamed >= 1


def test_renamed_agreements_do_not_end_at_the_rename(con):
    """No agreement ends in the same comparison in which an agreement of the same agency, model and
    signing date is listed: that would be spelling churn read as termination plus signing."""
    churn = con.execute(
        """SELECT e.agreement_id FROM events e JOIN events l
             ON l.to_publication_id = e.to_publication_id AND l.kind = 'listed' AND e.kind = 'ended'
            AND l.state = e.state AND l.model = e.model AND l.signed = e.signed AND l.agency_id = e.agency_id"""
    ).fetchall()
    assert churn == []


def test_date_revisions_follow_logged_rules(con):
    rules = {r for (r,) in con.execute("SELECT DISTINCT rule FROM events WHERE kind = 'date_revised'").fetchall()}
    assert rules and rules <= {
        "year_slip",
        "day_month_swap",
        "same_moa",
        "small_shift",
        "typo_year",
        "date_filled",
        "date_blanked",
        "unlinked_redated",
    }
    # Grundy County's WSO was once printed as signed in the year 5025
    grundy = con.execute(
        """SELECT rule, signed, previous_signed FROM events
           WHERE kind = 'date_revised' AND agency_name LIKE 'Grundy County%'"""
    ).fetchall()
    assert ("typo_year", dt.date(2025, 7, 7), dt.date(5025, 7, 7)) in grundy


def test_revision_rules():
    d = dt.date
    assert revision_rule(d(2024, 3, 5), d(2025, 3, 5), False) == "year_slip"
    assert revision_rule(d(2025, 3, 5), d(2025, 5, 3), False) == "day_month_swap"
    assert revision_rule(d(2025, 3, 5), d(2025, 3, 20), False) == "small_shift"
    assert revision_rule(d(2020, 6, 8), d(2025, 6, 1), False) is None  # a renewal, not a correction


def test_renewals_supersede(con):
    # Knox County (TN) re-signed its JEM in 2020; the 2017 agreement is superseded, not ended
    row = con.execute(
        """SELECT status, superseded_by FROM agreements
           WHERE state = 'TN' AND agency_name LIKE 'Knox County%' AND signed = '2017-06-15'"""
    ).fetchall()[0]
    assert row[0] == "superseded" and row[1].endswith("/JEM/2020-06-08")


def test_maryland_ban_shows_as_endings(con):
    ended = {
        n
        for (n,) in con.execute(
            "SELECT agency_name FROM events WHERE kind = 'ended' AND state = 'MD' AND date >= '2026-02-17'"
        ).fetchall()
    }
    assert {
        "Frederick County Sheriff's Office",
        "Harford County Sheriff's Office",
        "Cecil County Sheriff's Office",
    } <= ended


def test_suspect_publications_never_create_endings(con):
    bad = con.execute(
        """SELECT count(*) FROM events e
           JOIN publications p ON p.publication_id IN (e.from_publication_id, e.to_publication_id)
           WHERE p.status <> 'ok'"""
    ).fetchall()[0][0]
    assert bad == 0


def test_pending_agencies_are_followed_to_their_signing(con):
    n, median = con.execute(
        """SELECT count(*), median(days_pending_to_signed) FROM agreements
           WHERE pending_first_listed IS NOT NULL AND signed IS NOT NULL"""
    ).fetchall()[0]
    assert n > 300 and -60 < median < 120
    assert con.execute("SELECT count(*) FROM events WHERE kind = 'pending_listed'").fetchall()[0][0] > 500


def test_names_that_only_look_alike_are_not_merged():
    assert similarity("Cobb County Sheriff's Office", "Crosby County Sheriff's Office", "GA") is None
    assert similarity("Harford County Sheriff's Office", "Hardy County Sheriff's Office", "MD") is None
    assert similarity("Bradley County Constable District 1", "Bradley County Constable District 6", "TN") is None
    # 'weak' never merges by itself: only with the alias table
    assert similarity("Lake City Police Department", "Lake Clarke Shores Police Department", "FL") not in (
        "same",
        "strong",
    )


def test_distinct_agencies_with_similar_names_stay_apart(con):
    for a, b in [
        ("Lake City Police Department", "Lake Clarke Shores Police Department"),
        ("University of Florida Police Department", "University of West Florida Police Department"),
        ("Lebanon County District Attorney's Office", "Lebanon County Sheriff's Office"),
        ("Melbourne Police Department", "Melbourne Beach Police Department"),
    ]:
        ids = con.execute("SELECT DISTINCT agency_id FROM roster_rows WHERE agency IN (?, ?)", [a, b]).fetchall()
        assert len(ids) == 2, (a, b, ids)


def test_agency_ids_are_readable_slugs(con):
    ids = [a for (a,) in con.execute("SELECT agency_id FROM agencies").fetchall()]
    assert len(ids) == len(set(ids)) > 1300
    assert all(re.fullmatch(r"[A-Z]{2}/[a-z0-9-]+", a) for a in ids)
    assert "MN/freeborn-county-sheriffs-office" in ids  # the usual spelling, not the one-day typo


def test_cli_changes_contract_and_filters(built):
    events = json.loads(
        cli(built, "changes", "--since", "2026-02-01", "--until", "2026-03-31", "--state", "MD", "--format", "json")
    )
    assert events and all(e["state"] == "MD" and "2026-02-01" <= e["date"] <= "2026-03-31" for e in events)
    for e in events:
        assert {"date", "kind", "agency_id", "agreement_id", "state", "model", "agency_name"} <= e.keys()
        assert e["from_publication_id"] and e["to_publication_id"]


def test_cli_agreements_and_agency(built):
    rows = json.loads(
        cli(built, "agreements", "--on", "2026-03-27", "--state", "tx", "--model", "jem", "--format", "json")
    )
    assert rows and all(r["state"] == "TX" and r["model"] == "JEM" for r in rows)
    profile = json.loads(cli(built, "agency", "MN/freeborn-county-sheriffs-office", "--format", "json"))
    assert profile["agency_id"] == "MN/freeborn-county-sheriffs-office"
    assert [e["kind"] for e in profile["events"]][:2] == ["listed", "renamed"]
    assert "Freedom County Sheriff's Office" in profile["names"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["counts", "--by", "county"], "--by: unknown breakdown 'county': use one of state, model, type, month"),
        (["agreements", "--model", "XYZ"], "--model: unknown model 'XYZ': use one of JEM, TFM, WSO"),
        (["agreements", "--state", "Atlantis"], "--state: unknown state 'Atlantis'"),
        (["agreements", "--status", "gone"], "--status: unknown status 'gone'"),
        (["changes", "--kind", "exploded"], "--kind: unknown kind 'exploded'"),
        (["publications", "--kind", "both"], "--kind: unknown list 'both'"),
        (
            ["changes", "--since", "2026-03-01", "--until", "2026-02-01"],
            "--until: 2026-02-01 is before since 2026-03-01",
        ),
        (["counts", "--on", "2025-13-01"], "--on: '2025-13-01' is not a day: use YYYY-MM-DD"),
        (["changes", "--since", "last week"], "--since: 'last week' is not a day"),
        (["agency", "no such agency anywhere"], "no agency matches"),
    ],
)
def test_cli_rejects_bad_parameters_cleanly(built, args, message):
    r = run(built, *args)
    assert r.exit_code == 1 and message in r.stderr


def test_copy_without_hyperlinks_does_not_repost_moas(con):
    """The re-saved copy of 2025-03-01 carries no hyperlinks: the links that return after it were
    posted long before, so they are not 'moa_posted' again."""
    knox = con.execute(
        """SELECT date FROM events
           WHERE kind = 'moa_posted' AND agreement_id = 'TN/knox-county-sheriffs-office/JEM/2020-06-08'"""
    ).fetchall()
    assert knox == [(dt.date(2021, 4, 9),)]


def test_agency_search_prefers_whole_words(con):
    found = queries.find_agencies(con, "harris county")["agency_id"].to_list()
    assert found[0] == "GA/harris-county-sheriffs-office" and any("harrison" in a for a in found[1:])
