"""The API's in-memory answers against the named queries they stand for, in one process: the same
random days, the same answers (checked), time per answer and the ratio; and what holding them costs
(time to read a snapshot, memory).

    uv run python bench/bench_answers.py [--db data/open287g.duckdb] [--n 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import tracemalloc
from pathlib import Path

import duckdb

from open287g import queries
from open287g.answers import Answers

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=REPO / "data" / "open287g.duckdb")
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    con = duckdb.connect(config={"threads": 1})  # as the server opens a snapshot
    con.execute("ATTACH ? AS w (READ_ONLY)", [str(args.db)])
    con.execute("USE w")

    started = time.perf_counter()
    answers = Answers(con)
    load = time.perf_counter() - started
    tracemalloc.start()
    held = Answers(con)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del held
    print(f"reading a snapshot: {load * 1000:.0f} ms; held in memory: {size / 1e6:.1f} MB")

    rng = random.Random(287)
    first, last = dt.date(2021, 1, 1), dt.date(2026, 3, 31)
    days = [first + dt.timedelta(days=rng.randrange((last - first).days)) for _ in range(args.n)]
    agency_ids = [r[0] for r in con.execute("SELECT agency_id FROM agencies").fetchall()]
    agencies = [rng.choice(agency_ids) for _ in range(args.n)]
    cases = [
        ("counts(on)", lambda d, a: answers.counts(d), lambda d, a: queries.counts(con, d)),
        ("coverage(on)", lambda d, a: answers.coverage(d), lambda d, a: queries.coverage(con, d)),
        (
            "agreements(on, state=TX)",
            lambda d, a: answers.agreements(d, "TX"),
            lambda d, a: queries.agreements(con, d, "TX", as_json=True),
        ),
        ("agreements(on)", lambda d, a: answers.agreements(d), lambda d, a: queries.agreements(con, d, as_json=True)),
        (
            "agencies(on, state=TX)",
            lambda d, a: answers.agencies(d, "TX"),
            lambda d, a: queries.agencies(con, d, "TX", as_json=True),
        ),
        (
            "changes(30 days)",
            lambda d, a: answers.changes(d, d + dt.timedelta(days=30)),
            lambda d, a: queries.changes(con, d, d + dt.timedelta(days=30), as_json=True),
        ),
        (
            "state_summary(TX, on)",
            lambda d, a: answers.state_summary("TX", d),
            lambda d, a: queries.state_summary(con, "TX", d),
        ),
        (
            "county_figures(on)",
            lambda d, a: answers.county_figures(d),
            lambda d, a: queries.county_figures(con, d, as_json=True),
        ),
        # the query gives frames that the API then turns into JSON: timed, not compared here
        ("agency_profile(id)", lambda d, a: answers.agency_profile(a), lambda d, a: queries.agency_profile(con, a)),
    ]
    print(f"{'answer':28} {'memory ms':>10} {'query ms':>10} {'ratio':>8}   ({args.n} random days or agencies)")
    for name, mine, theirs in cases:
        t = time.perf_counter()
        got = [mine(d, a) for d, a in zip(days, agencies)]
        ours = (time.perf_counter() - t) / args.n
        t = time.perf_counter()
        expected = [theirs(d, a) for d, a in zip(days, agencies)]
        base = (time.perf_counter() - t) / args.n
        assert name.startswith("agency_profile") or got == expected, name
        print(f"{name:28} {ours * 1000:10.3f} {base * 1000:10.3f} {base / ours:7.0f}x")


if __name__ == "__main__":
    main()
