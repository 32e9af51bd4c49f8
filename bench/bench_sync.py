"""Sync against a fake ICE on 127.0.0.1 (tests/fake_ice.py) serving the real shared workbooks, measured in
the same run against baselines:

    uv run python bench/bench_sync.py [--data ../shared/data]

1. A no-change sync (ICE's files as they were: conditional requests, 304s, nothing built), best of 5, against
   the same sync asking without validators (every byte downloaded again and hashed); and `open287g sync` as a
   fresh process, start-up included (target < 1 s).
2. A sync that brings one new list (the archive imported up to 2026-03-26, ICE then puts up the list of
   2026-03-27): fetch, archive and build (reading only the new files, the rest from the build memo), against a
   full rebuild of the same archive that reads every file again, and the same sync without the memo.
3. The alert round that follows it: the new list's events delivered to SUBSCRIBERS webhook subscriptions (one per
   state, the rest nationwide) on a receiver on 127.0.0.1, against a round with nothing new (every sync's cost).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("OPEN287G_CACHE", str(REPO / "artifacts" / "text-cache"))  # MOA text read once

from fake_ice import FOLDER, WORDS, FakeIce  # noqa: E402
from open287g import cache, pipeline, sync  # noqa: E402
from open287g.archive import Archive  # noqa: E402
from open287g.sources.http import Fetcher, Policy  # noqa: E402
from timing import best  # noqa: E402

NEW_DAY = "2026-03-27"
POLICY = Policy(timeout=10, retries=1, backoff=0.1, delay=0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    shared = ap.parse_args().data
    rows = list(csv.DictReader((shared / "snapshots.csv").open(newline="")))
    newest = {r["published_as"] or r["kind"]: shared / r["file"] for r in rows if r["date_observed"] == NEW_DAY}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = _import_before(shared, rows, root / "before")
        fake = FakeIce()
        fake.start()
        for _link, path in newest.items():
            fake.put(FOLDER + path.name, path.read_bytes())
        fake.show(*((WORDS[link], FOLDER + path.name) for link, path in sorted(newest.items())))

        # 2. one new list: sync (fetch, archive, build) against a full rebuild, each on a fresh copy
        def fresh() -> Path:
            target = root / f"copy-{time.monotonic_ns()}"
            shutil.copytree(db.parent, target)
            return target / db.name

        def one_new_list(memo: bool) -> tuple[float, sync.SyncResult, Path]:
            copy = fresh()
            if not memo:
                copy.with_name(copy.stem + ".memo").unlink()
            start = time.perf_counter()
            result = _sync(copy, fake, f"{NEW_DAY}T18:00:00Z")
            elapsed = time.perf_counter() - start
            assert result.built and result.events, result.line()
            return elapsed, result, copy

        runs = [one_new_list(memo=True) for _ in range(3)]
        synced, result, after = min(r[0] for r in runs), runs[-1][1], runs[-1][2]
        unmemoised = min(one_new_list(memo=False)[0] for _ in range(2))
        print(f"sync bringing one new list: {synced:.2f} s ({result.line()[result.line().index(': ') + 2 :]})")
        archive = Archive.beside(after)

        def rebuild() -> None:
            with archive.writing():
                pipeline.build(after, archive, force=True, cache=cache.Cache.beside(after), fresh=True)

        full = best(rebuild, 3)
        print(
            f"full rebuild of the same archive (every file read again): {full:.2f} s; the sync takes "
            f"{synced / full:.2f}x of it ({unmemoised:.2f} s, {unmemoised / full:.2f}x, without the build memo)"
        )

        # 1. no change: conditional requests against downloading everything again
        minutes = iter(range(60))

        def no_change(policy_validators: bool) -> None:
            when = f"{NEW_DAY}T19:{next(minutes):02d}:00Z"
            fetcher = Fetcher(POLICY)
            if not policy_validators:
                plain = fetcher.get
                fetcher.get = lambda url, cap, *_: plain(url, cap)  # type: ignore[method-assign]
            try:
                r = sync.sync(after, archive, fake.page_url, sync.parse_at(when), False, fetcher=fetcher)
            finally:
                fetcher.close()
            assert not r.built, r.line()

        conditional = best(lambda: no_change(True), 5)
        unconditional = best(lambda: no_change(False), 5)
        print(
            f"no-change sync: {conditional * 1000:.0f} ms with conditional requests, "
            f"{unconditional * 1000:.0f} ms downloading again ({unconditional / conditional:.1f}x)"
        )
        cli = [sys.executable, "-m", "open287g", "--db", str(after), "sync", "--page-url", fake.page_url]

        def process() -> None:
            when = f"{NEW_DAY}T20:{next(minutes):02d}:00Z"
            subprocess.run([*cli, "--no-documents", "--at", when], check=True, capture_output=True)

        print(f"`open287g sync` (no change) as a fresh process: {best(process, 5):.2f} s (target < 1 s)")
        fake.stop()
        _alerts(after, result.new_event_ids)


SUBSCRIBERS = 100


def _alerts(db: Path, new: list[str]) -> None:
    from open287g import warehouse
    from open287g.alerts import deliver, signup
    from open287g.alerts.store import Store
    from open287g.domain import vocab
    from test_alerts import Receiver

    hook, store, now = Receiver(), Store.beside(db), sync.parse_at(f"{NEW_DAY}T18:30:00Z")
    states = sorted(vocab.state_fips())
    with warehouse.connect(db) as con:
        for i in range(SUBSCRIBERS):
            scope = {"state": states[i]} if i < len(states) else {}
            signup.subscribe_webhook(con, store, f"{hook.url}?{i}", scope, now)

    def owed_again() -> None:  # the new list's events not seen yet, as right after its sync
        with store.transaction() as c:
            c.executemany("DELETE FROM seen WHERE event_id = ?", [(i,) for i in new])
            c.executemany("DELETE FROM deliveries WHERE event_id = ?", [(i,) for i in new])

    def round_() -> deliver.Delivered:
        with warehouse.connect(db) as con:
            return deliver.deliver(con, store, now, base_url="http://open287g.test")

    times, done = [], None
    for _ in range(3):
        owed_again()
        start = time.perf_counter()
        done = round_()
        times.append(time.perf_counter() - start)
    assert done is not None and done.events_sent and not done.failed, done.line()
    quiet = best(round_, 5)
    print(
        f"alert round after it: {min(times) * 1000:.0f} ms ({done.line().split(': ', 1)[1]}); "
        f"a round with nothing new {quiet * 1000:.0f} ms ({min(times) / quiet:.1f}x)"
    )
    hook.stop()


def _import_before(shared: Path, rows: list[dict], folder: Path) -> Path:
    """The shared lists observed before NEW_DAY, and the reference tables and MOAs, imported."""
    folder.mkdir(parents=True)
    with (folder / "snapshots.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for r in rows:
            if r["date_observed"] < NEW_DAY:
                target = folder / r["file"]
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.symlink_to(shared / r["file"])
                writer.writerow(r)
    (folder / "reference").symlink_to(shared / "reference")
    (folder / "moa").symlink_to(shared / "moa")
    db = folder.parent / "w" / "open287g.duckdb"
    db.parent.mkdir()
    start = time.perf_counter()
    pipeline.import_paths(db, Archive.beside(db), [folder], cache=cache.Cache.beside(db))
    print(f"(set-up: import up to {NEW_DAY}, {time.perf_counter() - start:.1f} s)")
    return db


def _sync(db: Path, fake: FakeIce, when: str) -> sync.SyncResult:
    fetcher = Fetcher(POLICY)
    try:
        return sync.sync(db, Archive.beside(db), fake.page_url, sync.parse_at(when), False, fetcher=fetcher)
    finally:
        fetcher.close()


if __name__ == "__main__":
    main()
