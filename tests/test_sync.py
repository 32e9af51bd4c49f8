"""Sync from ICE, against a fake ICE on 127.0.0.1 serving the real shared workbooks and MOAs, with faults:
timeouts, block pages, 500s, truncated bodies, swapped and moved links, a file re-served under a new name,
a new file restoring an older list, two syncs at once, a sync killed midway."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import httpx
import pytest

from fake_ice import FOLDER, WORDS, FakeIce
from helpers import REPO
from open287g import cache, pipeline, sync
from open287g.archive import Archive
from open287g.sources.http import Fetcher, Policy

FAST = Policy(timeout=1.0, retries=2, backoff=0.01, max_backoff=0.05, delay=0)
SHEETS = "sheets/ice"


class Rerouted(httpx.BaseTransport):
    """Sends the requests for ICE's own host to the fake (the lists link MOAs on https://www.ice.gov)."""

    def __init__(self, base: str) -> None:
        self.base, self.inner = httpx.URL(base), httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "www.ice.gov":
            request.url = request.url.copy_with(scheme="http", host=self.base.host, port=self.base.port)
        return self.inner.handle_request(request)


def at(text: str) -> dt.datetime:
    return sync.parse_at(text)


def workbook(shared: Path, kind: str, day: str, name: str) -> bytes:
    return (shared / SHEETS / kind / day / name).read_bytes()


def serve_lists(fake: FakeIce, shared: Path, part: tuple[str, str], pend: tuple[str, str]) -> None:
    """Put up one participating and one pending workbook ((first-observed day, file name) each)."""
    fake.put(FOLDER + part[1], workbook(shared, "participating", *part))
    fake.put(FOLDER + pend[1], workbook(shared, "pending", *pend))
    fake.show((WORDS["participating"], FOLDER + part[1]), (WORDS["pending"], FOLDER + pend[1]))


def run(db: Path, fake: FakeIce, when: str, documents: bool = False, **kw) -> sync.SyncResult:
    fetcher = Fetcher(FAST, transport=Rerouted(fake.base))
    try:
        return sync.sync(db, Archive.beside(db), fake.page_url, at(when), documents, fetcher=fetcher, **kw)
    finally:
        fetcher.close()


def table(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


MARCH_20 = ("2026-03-20", "participatingAgencies03202026pm.xlsx")
MARCH_27 = ("2026-03-27", "participatingAgencies03272026am.xlsx")
PENDING = ("2026-02-27", "pendingAgencies02272026am.xlsx")


def test_a_sync_archives_the_lists_with_their_http_facts_and_builds(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    first = run(db, fake, "2026-03-20T18:00:00Z")
    assert [(f.kind, f.outcome, f.rows) for f in first.lists] == [("participating", "new", 1546), ("pending", "new", 2)]
    assert first.built and not first.errors
    line = first.line()
    assert line.startswith("sync 2026-03-20T18:00:00Z http://127.0.0.1:") and "warehouse rebuilt" in line
    obs = [o for o in Archive.beside(db).observations()]
    assert {(o.observed_on, o.observed_at, o.http_status, o.date_basis) for o in obs} == {
        ("2026-03-20", "2026-03-20T18:00:00Z", 200, "fetched")
    }
    assert all(
        o.etag.startswith('"') and o.last_modified.endswith("GMT") and o.source.startswith(fake.base) for o in obs
    )
    assert table(db, "SELECT count(*), min(http_status) FROM observations WHERE etag IS NOT NULL") == [(2, 200)]
    # the page itself is archived and named by the sync log, outside the observations the build reads
    entry = sync.SyncLog(Archive.beside(db)).entries()[-1]
    assert Archive.beside(db).read(entry["page"]["sha256"]).startswith(b"<!DOCTYPE html>")

    # nothing new: conditional requests, 304s, the warehouse untouched; the day's observation already kept
    before = db.stat().st_mtime_ns
    again = run(db, fake, "2026-03-20T19:00:00Z")
    assert [f.outcome for f in again.lists] == ["unchanged", "unchanged"] and not again.built
    assert sum(fake.conditional_hits.values()) == 2 and db.stat().st_mtime_ns == before
    assert "unchanged (304)" in again.line() and "warehouse unchanged" in again.line()

    # a new participating list a week later: new events, named by kind in the line
    fake.put(FOLDER + MARCH_27[1], workbook(shared, "participating", *MARCH_27))
    fake.show((WORDS["participating"], FOLDER + MARCH_27[1]), (WORDS["pending"], FOLDER + PENDING[1]))
    ids_before = set(table(db, "SELECT event_id FROM events"))
    later = run(db, fake, "2026-03-27T18:00:00Z")
    assert ids_before <= set(table(db, "SELECT event_id FROM events"))  # a growing record keeps its events' ids
    assert later.built and later.events["listed"] > 0 and len(later.new_event_ids) == sum(later.events.values())
    assert f"{later.events['listed']} listed" in later.line()
    # the unchanged pending list was seen again on a new day: one more observation, by 304
    assert table(db, "SELECT count(*) FROM observations WHERE http_status = 304") == [(1,)]
    assert sync.status(Archive.beside(db))["last_new_file"] == "2026-03-27T18:00:00Z"


def test_the_page_unreachable_or_blocked_changes_nothing(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    run(db, fake, "2026-03-20T18:00:00Z")
    digest, built = Archive.beside(db).digest(), db.stat().st_mtime_ns
    fake.timeout_seconds = FAST.timeout + 0.5
    for fault, said in (
        ("timeout", r"timed out \(ReadTimeout\) after 3 tries"),
        ("403", "HTTP 403 after 1 try"),
        ("500", "HTTP 500 after 3 tries"),
    ):
        fake.faults = {"/identify-and-arrest/287g": fault}
        with pytest.raises(sync.SyncError, match=f"287g: {said}; nothing changed"):
            run(db, fake, "2026-03-21T18:00:00Z")
    fake.faults = {}
    fake.show()  # a page with no workbook link (ICE redesigned it, or served something else)
    with pytest.raises(sync.SyncError, match=r"no link to a workbook on the page \(Delegation of Immigration"):
        run(db, fake, "2026-03-21T19:00:00Z")
    assert Archive.beside(db).digest() == digest and db.stat().st_mtime_ns == built
    log = sync.SyncLog(Archive.beside(db)).entries()
    assert [bool(e.get("error")) for e in log] == [False, True, True, True, True]
    status = sync.status(Archive.beside(db))
    assert status["last_attempt_error"].endswith("nothing changed") and status["last_checked"] == "2026-03-21T19:00:00Z"


def test_a_list_that_fails_is_reported_and_the_other_list_still_lands(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    fake.faults = {FOLDER + PENDING[1]: "500"}
    got = run(db, fake, "2026-03-20T18:00:00Z")
    assert [f.outcome for f in got.lists] == ["new", "failed"] and got.built
    assert got.errors == [f"{fake.base}{FOLDER}{PENDING[1]}: HTTP 500 after 3 tries"]
    assert fake.hits[FOLDER + PENDING[1]] == 3  # the first try and two retries
    # passing trouble is retried: a 503 once, a body cut short once
    fake.faults = {FOLDER + PENDING[1]: "503-once"}
    fake.hits.clear()
    assert [f.outcome for f in run(db, fake, "2026-03-20T19:00:00Z").lists] == ["unchanged", "new"]
    assert fake.hits[FOLDER + PENDING[1]] == 2


def test_a_truncated_download_is_retried_and_never_archived(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    fake.faults = {FOLDER + MARCH_20[1]: "truncate"}
    db = tmp_path / "w.duckdb"
    got = run(db, fake, "2026-03-20T18:00:00Z")
    assert got.lists[0].outcome == "failed" and "truncated" in got.lists[0].error
    assert fake.hits[FOLDER + MARCH_20[1]] == 3
    assert {o.name for o in Archive.beside(db).observations()} == {PENDING[1]}


def test_an_html_page_served_as_a_workbook_is_archived_rejected_and_changes_nothing(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    run(db, fake, "2026-03-20T18:00:00Z")
    agreements = table(db, "SELECT agreement_id, status FROM agreements ORDER BY 1")
    fake.put(FOLDER + MARCH_27[1], workbook(shared, "participating", *MARCH_27))
    fake.show((WORDS["participating"], FOLDER + MARCH_27[1]), (WORDS["pending"], FOLDER + PENDING[1]))
    fake.faults = {FOLDER + MARCH_27[1]: "html"}
    got = run(db, fake, "2026-03-27T18:00:00Z")
    assert got.lists[0].outcome == "rejected"
    assert got.errors == [
        f"{fake.base}{FOLDER}{MARCH_27[1]}: archived and rejected: not a workbook: an HTML/XML page saved under a "
        "workbook name"
    ]
    assert table(db, "SELECT status, error FROM files WHERE names = ['participatingAgencies03272026am.xlsx']") == [
        ("rejected", "not a workbook: an HTML/XML page saved under a workbook name")
    ]
    assert table(db, "SELECT agreement_id, status FROM agreements ORDER BY 1") == agreements
    assert got.events == {}


def test_swapped_links_moved_urls_a_file_renamed_and_a_revert(shared, fake, tmp_path):
    db = tmp_path / "w.duckdb"
    serve_lists(fake, shared, MARCH_20, PENDING)
    run(db, fake, "2026-03-20T18:00:00Z")
    # ICE moves both files and swaps the links' words: found all the same, each list known by its content
    moved = "/sites/default/files/documents/2026/03/"
    fake.put(moved + "participating.xlsx", workbook(shared, "pending", *PENDING))
    fake.put(moved + "pending.xlsx", workbook(shared, "participating", *MARCH_27))
    fake.show((WORDS["participating"], moved + "participating.xlsx"), (WORDS["pending"], moved + "pending.xlsx"))
    swapped = run(db, fake, "2026-03-27T18:00:00Z")
    assert [(f.hint, f.kind, f.outcome) for f in swapped.lists] == [
        ("participating", "pending", "seen"),
        ("pending", "participating", "new"),
    ]
    assert "participating pending.xlsx (the pending link) new" in swapped.line()
    assert swapped.events["listed"] > 0
    pubs = table(db, "SELECT count(*) FROM postings")
    # the same bytes under a new name: a later observation of the same posting, no event
    fake.put(moved + "participatingAgencies03282026am.xlsx", workbook(shared, "participating", *MARCH_27))
    fake.show((WORDS["participating"], moved + "participatingAgencies03282026am.xlsx"))
    renamed = run(db, fake, "2026-03-28T18:00:00Z")
    assert renamed.lists[0].outcome == "seen" and renamed.built and not renamed.events
    assert table(db, "SELECT count(*) FROM postings") == pubs
    # a new file whose content is the list of March 20 again: ICE reverted, and the record steps back
    fake.put(
        moved + "participatingAgencies03292026am.xlsx",
        _resaved(workbook(shared, "participating", *MARCH_20), "2026-03-29T14:00:00Z"),
    )
    fake.show((WORDS["participating"], moved + "participatingAgencies03292026am.xlsx"))
    reverted = run(db, fake, "2026-03-29T18:00:00Z")
    assert reverted.lists[0].outcome == "new" and reverted.events["delisted"] + reverted.events["ended"] > 0
    newest = table(db, "SELECT publication_id FROM postings WHERE kind = 'participating' ORDER BY seq DESC LIMIT 2")
    first = table(db, "SELECT publication_id FROM postings WHERE kind = 'participating' ORDER BY seq LIMIT 1")
    assert newest[0] == first[0] and newest[1] != first[0]


def _resaved(data: bytes, when: str) -> bytes:
    """The same table saved again at `when` (ISO time): other bytes and a newer saved time, as when ICE puts
    an old list up again."""
    import io
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + when.encode(), body)
            dst.writestr(item, body)
    return out.getvalue()


def test_two_syncs_never_run_at_once(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    archive = Archive.beside(db)
    busy = pytest.raises(sync.SyncBusy, match="another sync is running; this one did nothing")
    with sync.SyncLog(archive).exclusive(), busy:
        run(db, fake, "2026-03-20T18:00:00Z")
    assert archive.observations() == []


def test_a_sync_killed_midway_loses_nothing(shared, fake, tmp_path, monkeypatch):
    """Killed while fetching the documents: what it archived stays, the warehouse is as it was, and the next
    sync builds it all."""
    serve_lists(fake, shared, MARCH_20, PENDING)
    pdfs = _serve_moas(fake, shared, 30)
    db = tmp_path / "w.duckdb"
    fetched = {"pdfs": 0}
    real_get = Fetcher.get

    def dies(self, url, *a, **kw):
        if fetched["pdfs"] == sync.RECORD_EVERY + 2:  # a batch of documents archived, and two more
            raise KeyboardInterrupt
        got = real_get(self, url, *a, **kw)
        fetched["pdfs"] += url.endswith(".pdf") and got.status == 200
        return got

    monkeypatch.setattr(Fetcher, "get", dies)
    with pytest.raises(KeyboardInterrupt):
        run(db, fake, "2026-03-20T18:00:00Z", documents=True)
    monkeypatch.setattr(Fetcher, "get", real_get)
    kept = Archive.beside(db).observations()
    assert len([o for o in kept if o.kind_hint == "moa"]) == sync.RECORD_EVERY and not db.exists()
    done = run(db, fake, "2026-03-20T19:00:00Z", documents=True)
    assert done.built and done.documents["new"] == len(pdfs) - sync.RECORD_EVERY
    assert table(db, "SELECT count(*) FROM documents") == [(len(pdfs),)]


def _serve_moas(fake: FakeIce, shared: Path, n: int) -> list[str]:
    """The first n shared MOAs at the URLs the list of March 20 links them by (on ice.gov's path)."""
    from open287g.sources import ice_roster
    from open287g.stages import rows

    sheet = ice_roster.read(workbook(shared, "participating", *MARCH_20))
    urls = {httpx.URL(u).path.rsplit("/", 1)[-1]: u for u in rows.linked_documents(sheet)}
    served = []
    for pdf in sorted((shared / "moa" / "pdfs").rglob("*.pdf")):
        url = urls.get(pdf.name) or urls.get(pdf.name.replace(" ", "%20"))
        if url and len(served) < n:
            fake.put(httpx.URL(url).path, pdf.read_bytes())
            served.append(url)
    assert len(served) == n, f"only {len(served)} shared MOAs are linked from the list of March 20"
    return served


def test_documents_are_fetched_once_missing_ones_later_and_an_unreachable_host_next_time(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    pdfs = _serve_moas(fake, shared, 3)
    db = tmp_path / "w.duckdb"
    first = run(db, fake, "2026-03-20T18:00:00Z", documents=True)
    linked = first.documents["new"] + first.documents["failed"]
    assert first.documents["new"] == 3 and linked > 1000  # every other MOA is a 404 on the fake
    assert table(db, "SELECT count(*) FROM documents") == [(3,)]
    docs = [o for o in Archive.beside(db).observations() if o.kind_hint == "moa"]
    assert {o.source for o in docs} == set(pdfs) and all(o.http_status == 200 and o.etag for o in docs)
    # an hour later: nothing fetched again (the PDFs are archived, the 404s are asked again after a day)
    fake.hits.clear()
    again = run(db, fake, "2026-03-20T19:00:00Z", documents=True)
    assert again.documents == {"later": linked - 3} and not [p for p in fake.hits if p.endswith(".pdf")]
    # a day later ICE is unreachable for documents: one failure, the rest skipped, and tried again next time
    unreachable = Fetcher(FAST, transport=httpx.MockTransport(lambda r: _refuse(r, fake)))
    later = sync.sync(db, Archive.beside(db), fake.page_url, at("2026-03-21T20:00:00Z"), True, fetcher=unreachable)
    assert later.documents["failed"] == 1 and later.documents["skipped"] == linked - 4
    assert "documents 1 failed" in later.line()


def _refuse(request: httpx.Request, fake: FakeIce) -> httpx.Response:
    if request.url.host == "www.ice.gov":
        raise httpx.ConnectError("connection refused", request=request)
    return httpx.Client().send(request)


# -- the whole shared history, replayed through the fake -----------------------------------------------


def observations_by_day(shared: Path) -> dict[str, dict[str, list[Path]]]:
    """snapshots.csv: day -> the name ICE gave the file's link (published_as) -> the files seen that day."""
    out: dict[str, dict[str, list[Path]]] = defaultdict(lambda: defaultdict(list))
    with (shared / "snapshots.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            files = out[row["date_observed"]][row["published_as"] or row["kind"]]
            if shared / row["file"] not in files:
                files.append(shared / row["file"])
    return out


def replay(db: Path, fake: FakeIce, shared: Path, days: list[str], build: bool) -> list[sync.SyncResult]:
    """One sync per observation: on each day the page links what was seen that day (several lists of a kind
    seen the same day: one sync each, an hour apart)."""
    by_day = observations_by_day(shared)
    results = []
    for day in days:
        seen = by_day[day]
        for slot in range(max(len(files) for files in seen.values())):
            shown = []
            for link, files in sorted(seen.items()):
                if slot < len(files):
                    fake.put(FOLDER + files[slot].name, files[slot].read_bytes())
                    shown.append((WORDS[link], FOLDER + files[slot].name))
            fake.show(*shown)
            results.append(run(db, fake, f"{day}T{10 + slot:02d}:00:00Z", build=build))
    return results


def copy_other_files(source: Archive, target: Archive) -> None:
    """The MOAs and reference tables of the full import, observed as it observed them (sync brings lists)."""
    keep = [o for o in source.observations() if o.source.find("/sheets/") < 0]
    for o in keep:
        target.store(source.read(o.sha256))
    target.record(keep)


RECORD_SQL = {
    "publications": "SELECT publication_id, kind, seq, status, status_reason, rows, first_observed, last_observed, "
    "observed_dates, sha256s, file_names, previous_publication_id, n_postings FROM publications ORDER BY 1",
    "postings": "SELECT * EXCLUDE (posted_at) FROM postings ORDER BY kind, seq",
    "agreements": "SELECT * FROM agreements ORDER BY agreement_id",
    "agencies": "SELECT * FROM agencies ORDER BY agency_id",
    "events": "SELECT * FROM events ORDER BY event_id",
}


def test_replaying_the_whole_history_through_sync_gives_the_record_of_the_import(shared, built, fake, tmp_path):
    db = tmp_path / "replay.duckdb"
    copy_other_files(Archive(built.with_name("open287g.archive")), Archive.beside(db))
    days = sorted(observations_by_day(shared))
    results = replay(db, fake, shared, days, build=False)
    assert len(results) >= len(days) and not [r.errors for r in results if r.errors]
    assert sum(f.outcome == "unchanged" for r in results for f in r.lists) > 300  # conditional requests
    with Archive.beside(db).writing():
        assert pipeline.build(db, Archive.beside(db), cache=cache.Cache.beside(db))
    for name, sql in RECORD_SQL.items():
        assert table(db, sql) == table(built, sql), name


def test_a_window_replayed_with_a_build_per_sync_matches_its_import(shared, fake, tmp_path):
    """September 2025, with the day ICE swapped the links (2025-09-22): each sync builds, and the record is the
    one an import of the same observations builds."""
    days = [d for d in sorted(observations_by_day(shared)) if "2025-09-15" <= d <= "2025-09-25"]
    db = tmp_path / "replay.duckdb"
    results = replay(db, fake, shared, days, build=True)
    assert all(r.built or not r.new_observations for r in results)
    swapped = [f.name for r in results for f in r.lists if f.hint == "participating" and f.kind == "pending"]
    assert swapped == ["participatingAgencies09222025pm.xlsx"]
    folder = tmp_path / "folder"
    folder.mkdir()
    with (shared / "snapshots.csv").open(newline="") as fh, (folder / "snapshots.csv").open("w", newline="") as out:
        writer = None
        for row in csv.DictReader(fh):
            if row["date_observed"] in days:
                target = folder / row["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.symlink_to(shared / row["file"])
                writer = writer or csv.DictWriter(out, fieldnames=list(row))
                if writer.fieldnames and out.tell() == 0:
                    writer.writeheader()
                writer.writerow(row)
    imported = tmp_path / "import.duckdb"
    pipeline.import_paths(imported, Archive.beside(imported), [folder], cache=cache.Cache.beside(imported))
    for name, sql in RECORD_SQL.items():
        assert table(db, sql) == table(imported, sql), name


def test_the_command_line(shared, fake, tmp_path):
    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    cli = [sys.executable, "-m", "open287g", "--db", str(db), "sync", "--page-url", fake.page_url, "--no-documents"]
    ok = subprocess.run([*cli, "--at", "2026-03-20T18:00:00Z"], capture_output=True, text=True, cwd=REPO)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("sync 2026-03-20T18:00:00Z ") and "warehouse rebuilt" in ok.stdout
    bad = subprocess.run([*cli, "--at", "yesterday"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: --at 'yesterday': not a time like 2026-03-27T18:00:00Z"
    fake.faults = {"/identify-and-arrest/287g": "403"}
    down = subprocess.run([*cli, "--at", "2026-03-21T18:00:00Z"], capture_output=True, text=True, cwd=REPO)
    assert down.returncode == 1 and "287g: HTTP 403 after 1 try; nothing changed" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1
    every = subprocess.run([*cli, "--every", "5s"], capture_output=True, text=True, cwd=REPO)
    assert every.returncode == 1 and "at least 1m between two syncs" in every.stderr


def test_pages_the_api_and_the_cli_say_when_ice_was_last_checked(shared, fake, tmp_path):
    from fastapi.testclient import TestClient

    from open287g.web.app import create_app

    serve_lists(fake, shared, MARCH_20, PENDING)
    db = tmp_path / "w.duckdb"
    run(db, fake, "2026-03-20T18:00:00Z")
    client = TestClient(create_app(db))
    assert "ICE&#39;s page last checked 2026-03-20 18:00 UTC." in client.get("/").text
    run(db, fake, "2026-03-21T07:30:00Z")  # nothing new: no rebuild, but a newer check, shown at once
    assert "ICE&#39;s page last checked 2026-03-21 07:30 UTC." in client.get("/").text
    assert "Página de ICE consultada por última vez: 2026-03-21 07:30 UTC." in client.get("/?lang=es").text
    status = client.get("/api/v1/status").json()
    assert status["last_checked"] == "2026-03-21T07:30:00Z" and status["syncs"] == 2
    assert status["record_changed"]["first_seen"] == "2026-03-20T18:00:00Z"
    fake.faults = {"/identify-and-arrest/287g": "500"}
    with pytest.raises(sync.SyncError):
        run(db, fake, "2026-03-21T08:30:00Z")
    status = client.get("/api/v1/status").json()
    assert status["last_checked"] == "2026-03-21T07:30:00Z" and "HTTP 500" in status["last_attempt_error"]
    cli = [sys.executable, "-m", "open287g", "--db", str(db), "status", "--format", "json"]
    shown = subprocess.run(cli, capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert '"last_attempt": "2026-03-21T08:30:00Z"' in shown and '"syncs": 3' in shown
