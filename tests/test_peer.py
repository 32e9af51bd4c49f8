"""Reconciliation with the peer project deportationdata/ice-287g.

`tests/data/peer_assertions.csv` holds one row per fact that the peer's review files assert about
listings in our period (ICE sheets observed up to 2026-03-31), each citing the file, commit and
1-based data row it comes from. Assertions about listings we do not hold are not in the table; they
are counted in OUT_OF_PERIOD. Each row says how to check it on our warehouse, through answers a user
sees (which agency and agreement a listing belongs to, the signing date we show, the date_revised
events, the agency's displayed name), never through the history stage's internals:

* `same_agency` / `distinct_agency`: the listings named A and B (in the row's state, and model and
  signing date where given) belong to one agency / to no common agency;
* `same_agreement`: they are one agreement of one agency;
* `distinct_agreement`: they are two agreements of one agency;
* `signed`: the printed listing (A) and the corrected one (B) are one agreement, which shows the
  signing date `expect` and a date_revised event between the two dates;
* `name`: the listing A belongs to an agency displayed as `expect` (and to the agreement of the
  listing B, where the corrected name is printed on our lists too).

Every row must agree, except those in KNOWN_DIFFERENCES, each with the evidence in our data and what
we decide. The same checker writes a report: `uv run python -m tests.test_peer [WAREHOUSE]`
(default: $OPEN287G_DB).
"""

from __future__ import annotations

import csv
import os
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

ASSERTIONS = Path(__file__).parent / "data" / "peer_assertions.csv"
CHECKS = ("same_agency", "distinct_agency", "same_agreement", "distinct_agreement", "signed", "name")

# Rows of the peer's files (1-based data rows) left out of the table because the listings they are
# about are not on any list we hold: before 2021 (spellings from CRS 2007, GAO, the ICE archive index,
# FOIA tables, ICE's 2008 list; agreements of 2002-2018), after our last list of 2026-03-27, or a
# misprint we never saw (Edgewood PD FL 'TFM 2025-04-14', Martin County SO FL 'WSO 2019-01-22': our
# lists show only the corrected dates, 2025-04-10 and 2020-01-22, as theirs do).
OUT_OF_PERIOD: dict[str, tuple[int, ...]] = {
    # San Bernardino CA 2005; Edgewood FL 2025-04-14; Martin FL 2019-01-22; Morehouse LA 2026-06; Perry SC 2026-03-26
    "data/qa/signing-date-corrections.csv": (6, 8, 12, 24, 38),
    # Prince William-Manassas VA, Pima AZ, and 20 spellings of pre-2021 sources
    "inputs/agency-aliases.csv": (16, 18, *range(22, 42)),
    # Louden TN, Luka MS, Von Ormy TX, Clay GA: signed 2026-06/07
    "inputs/agency-name-fixes.csv": (13, 14, 15, 16, 17, 18),
    # Haskell OK, signed 2026-03-28
    "data/qa/identity-relabels.csv": (3,),
    # lineage pairs with one or both agreements outside 2021-01..2026-03
    # (rows 20-57 are lineage pairs; those of 20, 29, 32, 34, 35, 43, 44, 45, 49, 52 and 57 are in the table)
    "data/qa/identity-candidates.csv": tuple(sorted(set(range(21, 57)) - {29, 32, 34, 35, 43, 44, 45, 49, 52})),
}

# Data rows of each peer file read (its newest stored version, commit in the table): every row is either in
# the table or out of period.
PEER_FILE_ROWS = {
    "data/qa/signing-date-corrections.csv": 71,
    "inputs/signed-date-fixes.csv": 1,
    "inputs/agency-aliases.csv": 43,
    "inputs/agency-name-fixes.csv": 25,
    "data/qa/identity-relabels.csv": 4,
    "data/qa/identity-candidates.csv": 57,
    "data/qa/within-publication-folds.csv": 1,
}

# id -> why we differ: the evidence in our data, who is right, and what we decide.
KNOWN_DIFFERENCES: dict[str, str] = {
    "namefix-008": (
        "East Pennsylvania Township Constable Office PA: the peer names it East Penn Township Constable Office "
        "(after its MOA, EastPennTownshipConstablePA_TFM_MOA_082825.pdf). ICE's rows give Cumberland County, "
        "where the township is East Pennsboro; East Penn Township is in Carbon County. Which body this is is "
        "not settled by the evidence, so we show ICE's spelling and place it by ICE's COUNTY cell"
    ),
    "cand-002": (
        "Baker County SO and Lake County SO FL WSO 2019-10-15: the peer's identity-candidates file suggests 'same' "
        "from an edit distance of 2 (unreviewed; its aliases file does not merge them). We are right to keep two "
        "agencies: two Florida counties, both rows on every list since 2021-01-13, each with its own MOA "
        "(287gWSO_BakerCoFl2019-10-15.pdf, 287gWSO_LakeCoFl2019-10-15.pdf)"
    ),
}


def norm(name: str) -> str:
    """A name compared without case, accents, apostrophes or punctuation."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.replace("'", "")).split())


def assertions() -> list[dict[str, str]]:
    with ASSERTIONS.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Verdict:
    id: str
    check: str
    peer: str
    checkable: bool
    agree: bool
    ours: str  # what our warehouse answers


class Warehouse:
    """The answers the checks read: which agency and agreement each listing belongs to, agreements'
    signing dates, date revisions and agencies' displayed names."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.listings: dict[tuple[str, str], list[tuple[str | None, str | None, str | None, str, str | None]]] = {}
        for state, model, signed, agency, agency_raw, agency_id, agreement_id in con.execute(
            "SELECT DISTINCT state, model, CAST(signed AS VARCHAR), agency, agency_raw, agency_id, agreement_id "
            "FROM roster_rows"
        ).fetchall():
            for name in {norm(agency or ""), norm(agency_raw or "")} - {""}:
                self.listings.setdefault((state, name), []).append((model, signed, agreement_id, agency_id, agency))
        self.signed = dict(con.execute("SELECT agreement_id, CAST(signed AS VARCHAR) FROM agreements").fetchall())
        self.agency_name = dict(con.execute("SELECT agency_id, name FROM agencies").fetchall())
        self.revisions = {
            (a, frozenset((p, s)))
            for a, p, s in con.execute(
                "SELECT agreement_id, CAST(previous_signed AS VARCHAR), CAST(signed AS VARCHAR) FROM events "
                "WHERE kind = 'date_revised'"
            ).fetchall()
        }

    def find(self, state: str, name: str, model: str, signed: set[str]) -> list[tuple[str, str | None]]:
        """(agency id, agreement id) of every listing of `name` in `state` (of that model and signing date
        when given)."""
        return sorted(
            {
                (agency_id, agreement_id)
                for m, s, agreement_id, agency_id, _ in self.listings.get((state, norm(name)), [])
                if (not model or m == model) and (not signed or s in signed)
            },
            key=repr,
        )


def check(w: Warehouse, row: dict[str, str]) -> Verdict:
    kind, state, expect = row["check"], row["state"], row["expect"]
    date_fix = kind == "signed" and not row["name_b"]  # a corrected date never printed: find either date
    a = w.find(state, row["name_a"], row["model"], {row["signed_a"], expect} if date_fix else {row["signed_a"]} - {""})
    b = w.find(state, row["name_b"], row["model_b"] or row["model"], {row["signed_b"]} - {""}) if row["name_b"] else []
    agencies_a, agencies_b = {x[0] for x in a}, {x[0] for x in b}
    agreements = {x[1] for x in a + b}
    ours = f"agencies {sorted(agencies_a)} | {sorted(agencies_b)}; agreements {sorted(agreements, key=str)}"
    checkable = bool(a) and (bool(b) or not row["name_b"])
    agree = False
    if kind == "same_agency":
        agree = len(agencies_a | agencies_b) == 1
    elif kind == "distinct_agency":
        agree = not agencies_a & agencies_b
    elif kind == "same_agreement":
        agree = len(agencies_a | agencies_b) == 1 and len(agreements) == 1 and None not in agreements
    elif kind == "distinct_agreement":
        agree = len(agencies_a | agencies_b) == 1 and not {x[1] for x in a} & {x[1] for x in b}
    elif kind == "signed":
        (agreement,) = agreements if len(agreements) == 1 else (None,)
        shown = w.signed.get(agreement) if agreement else None
        revised = date_fix or (agreement, frozenset((row["signed_a"], row["signed_b"]))) in w.revisions
        ours += f"; signed {shown}; date_revised {row['signed_a']}<->{row['signed_b']}: {revised}"
        agree = shown == expect and revised
    elif kind == "name":
        names = sorted({w.agency_name.get(x) or "" for x in agencies_a})
        ours += f"; displayed as {names}"
        agree = len(names) == 1 and norm(names[0]) == norm(expect) and (not b or len(agreements) == 1)
    return Verdict(row["id"], kind, row["peer_decision"], checkable, checkable and agree, ours)


def peer_report(con: duckdb.DuckDBPyConnection) -> list[Verdict]:
    """Every assertion of the table, checked on the warehouse behind `con`."""
    w = Warehouse(con)
    return [check(w, row) for row in assertions()]


def summary(verdicts: list[Verdict]) -> str:
    n = Counter("uncheckable" if not v.checkable else "agree" if v.agree else "disagree" for v in verdicts)
    out_of_period = sum(len(rows) for rows in OUT_OF_PERIOD.values())
    return (
        f"peer assertions in our period: {len(verdicts)} (and {out_of_period} about listings we do not hold); "
        f"agree {n['agree']}, disagree {n['disagree']} ({len(KNOWN_DIFFERENCES)} known), uncheckable {n['uncheckable']}"
    )


# -- tests ----------------------------------------------------------------------------------------------------
def test_table_is_well_formed():
    rows = assertions()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert {r["check"] for r in rows} <= set(CHECKS)
    assert all(r["source_file"] and r["source_commit"] and int(r["source_row"]) > 0 for r in rows)
    cited = Counter((r["source_file"], int(r["source_row"])) for r in rows)
    assert max(cited.values()) == 1, "one row per peer assertion"
    out = {(f, n) for f, ns in OUT_OF_PERIOD.items() for n in ns}
    assert not set(cited) & out
    assert set(cited) | out == {(f, n) for f, total in PEER_FILE_ROWS.items() for n in range(1, total + 1)}
    assert set(KNOWN_DIFFERENCES) <= set(ids)
    assert all(len(reason) > 80 for reason in KNOWN_DIFFERENCES.values())


def test_every_assertion_is_checkable(con):
    uncheckable = [v for v in peer_report(con) if not v.checkable]
    assert not uncheckable, "\n".join(f"{v.id}: not found in our rows ({v.ours})" for v in uncheckable)


def test_assertions_agree_except_known_differences(con):
    verdicts = peer_report(con)
    print(summary(verdicts))
    unexpected = [v for v in verdicts if v.checkable and not v.agree and v.id not in KNOWN_DIFFERENCES]
    assert not unexpected, "\n".join(f"{v.id}: peer {v.peer}; ours: {v.ours}" for v in unexpected)


def test_known_differences_still_differ(con):
    """A difference resolved by a change of ours is removed from KNOWN_DIFFERENCES."""
    resolved = [v.id for v in peer_report(con) if v.id in KNOWN_DIFFERENCES and v.agree]
    assert not resolved, f"now agree with the peer, remove from KNOWN_DIFFERENCES: {resolved}"


def main(argv: list[str]) -> int:
    db = argv[1] if len(argv) > 1 else os.environ.get("OPEN287G_DB")
    if not db or not Path(db).is_file():
        print("usage: python -m tests.test_peer WAREHOUSE.duckdb (or set OPEN287G_DB)", file=sys.stderr)
        return 2
    con = duckdb.connect(db, read_only=True)
    verdicts = peer_report(con)
    rows = {r["id"]: r for r in assertions()}
    for v in verdicts:
        if v.agree:
            continue
        r = rows[v.id]
        print(f"{v.id}  {r['source_file']}@{r['source_commit']} row {r['source_row']}  {r['state']} {r['model']}")
        print(f"  peer: {v.peer}  ({r['name_a']} {r['signed_a']} | {r['name_b']} {r['signed_b']})")
        print(f"  ours: {v.ours}")
        print(f"  {'known: ' + KNOWN_DIFFERENCES[v.id] if v.id in KNOWN_DIFFERENCES else 'NEW DIFFERENCE'}")
    print(summary(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
