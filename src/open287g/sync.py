"""Sync from ICE: its 287(g) page → the workbooks it links (found by the links' words and targets, their
kind decided by content) → every MOA / addendum PDF they link that the archive lacks → the archive (bytes,
and an observation with the time, URL, HTTP status, ETag and Last-Modified) → build → publish.

The archive's rules do the rest: a file seen again is a later observation of the same posting, a new file
restoring an older list is a revert, several lists in a day are ordered as an import orders them. Each sync
is one line of the archive's sync log (syncs.jsonl), whatever became of it: when ICE was last checked and
what it answered, and which documents to try again."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import queries, warehouse
from .archive import Archive, Observation
from .cache import Cache
from .sources import ice_roster, ice_web
from .sources.http import Fetched, Fetcher
from .stages import documents, rows

PAGE_CAP = 8 << 20  # bytes
WORKBOOK_CAP = 64 << 20
DOCUMENT_CAP = 128 << 20
RECORD_EVERY = 25  # documents archived between two writes of the observation log
MISSING_RETRY = dt.timedelta(days=1)  # a document answered 404/410 is asked again after this
LOG = "syncs.jsonl"


class SyncError(RuntimeError):
    """The sync could not do its work; the message is one line naming the URL and the problem."""


class SyncBusy(SyncError):
    pass


@dataclass
class ListFetch:
    url: str
    name: str
    hint: str
    status: int = 0
    outcome: str = ""  # new, seen (a file already archived), unchanged (304), rejected, failed
    sha256: str = ""
    kind: str = ""  # by content
    rows: int = 0
    error: str = ""


@dataclass
class SyncResult:
    at: str
    page_url: str
    page_status: int = 0
    lists: list[ListFetch] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)  # new, seen, failed, skipped, later
    new_files: int = 0
    new_observations: int = 0
    built: bool = False
    events: Counter = field(default_factory=Counter)
    new_event_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each; any makes the command exit 1

    def line(self) -> str:
        parts = []
        for f in self.lists:
            what = f.kind or f.hint or "workbook"
            said = f" (the {f.hint} link)" if f.hint and f.kind and f.hint != f.kind else ""
            detail = {
                "new": f"new, {f.rows} rows",
                "seen": "already archived",
                "unchanged": "unchanged (304)",
                "rejected": f"rejected: {f.error}",
                "failed": f"failed: {f.error}",
            }[f.outcome]
            parts.append(f"{what} {f.name}{said} {detail}")
        if self.documents:
            parts.append("documents " + ", ".join(f"{n} {k}" for k, n in sorted(self.documents.items())))
        events = sum(self.events.values())
        kinds = ", ".join(f"{n} {k}" for k, n in self.events.most_common())
        parts.append(f"{events} new event(s)" + (f" ({kinds})" if kinds else ""))
        parts.append("warehouse rebuilt" if self.built else "warehouse unchanged")
        return f"sync {self.at} {self.page_url}: " + "; ".join(parts)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def parse_at(value: str) -> dt.datetime:
    """YYYY-MM-DDTHH:MM:SSZ (or any ISO time with an offset) as a UTC time."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SyncError(f"--at {value!r}: not a time like 2026-03-27T18:00:00Z") from None
    if moment.tzinfo is None:
        raise SyncError(f"--at {value!r}: say the time zone, e.g. 2026-03-27T18:00:00Z")
    return moment.astimezone(dt.UTC)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> dt.timedelta:
    """30m, 6h, 1d, 1h30m, 90s (at least a minute: ICE is asked politely)."""
    text = value.replace(" ", "").lower()
    if not re.fullmatch(r"(\d+[smhd])+", text):
        raise SyncError(f"--every {value!r}: not a duration like 30m, 6h or 1d")
    parts = re.findall(r"(\d+)([smhd])", text)
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 60:
        raise SyncError(f"--every {value!r}: at least 1m between two syncs")
    return dt.timedelta(seconds=seconds)


def sync(
    db_path: Path,
    archive: Archive,
    page_url: str = ice_web.PAGE_URL,
    at: dt.datetime | None = None,
    with_documents: bool = True,
    build: bool = True,
    fetcher: Fetcher | None = None,
    cache: Cache | None = None,
    progress=None,
) -> SyncResult:
    """One sync (see the module's docstring). Raises SyncError when the page gives nothing to work on;
    whatever else goes wrong is a line of `errors` and the rest of the sync goes on."""
    moment = at or now()
    result = SyncResult(moment.strftime("%Y-%m-%dT%H:%M:%SZ"), page_url)
    own = fetcher is None
    fetcher = fetcher or Fetcher()
    fetcher.down.clear()  # a host given up in an earlier sync is tried again
    log = SyncLog(archive)
    entry: dict = {"at": result.at, "page_url": page_url, "fetches": []}
    try:
        with log.exclusive():
            try:
                _sync(db_path, archive, moment, result, entry, log, fetcher, with_documents, build, cache, progress)
            except SyncError as exc:
                entry["error"] = str(exc)
                raise
            finally:
                entry.update(
                    page_status=result.page_status,
                    new_files=result.new_files,
                    built=result.built,
                    events=dict(result.events),
                    summary=result.line(),
                    errors=result.errors,
                )
                log.append(entry)
    finally:
        if own:
            fetcher.close()
    return result


def _sync(db_path, archive, moment, result, entry, log, fetcher, with_documents, build, cache, progress) -> None:
    day, stamp = moment.date().isoformat(), result.at
    past = log.entries()
    page = _page(archive, result, entry, past, fetcher)
    found = ice_web.workbook_links(page, result.page_url)
    if not found:
        title = ice_web.page_title(page)
        raise SyncError(
            f"{result.page_url}: no link to a workbook on the page ({title or 'no title'}); nothing changed"
        )
    everything = archive.observations()
    by_source = {o.source: o for o in everything if o.source.startswith(("http://", "https://"))}
    archived = {o.sha256 for o in everything}
    observations, sheets = [], []
    for link in found:
        f, obs, sheet = _list(archive, link, by_source.get(link.url), archived, fetcher, day, stamp, with_documents)
        result.lists.append(f)
        entry["fetches"].append({"what": "list", **asdict(f)})
        if obs:
            observations.append(obs)
        if sheet is not None:
            sheets.append(sheet)
        if f.outcome in ("failed", "rejected"):
            result.errors.append(f"{link.url}: {f.error}")
    with archive.writing():
        known = {o.sha256 for o in archive.observations()}
        added = archive.record(observations)
        if with_documents:
            added += _documents(archive, sheets, past, fetcher, day, stamp, result, entry, moment)
        result.new_observations = len(added)
        result.new_files = len({o.sha256 for o in added} - known)
        built_from = warehouse.meta(db_path).get("archive_digest")
        if build and (added or built_from != archive.digest()):  # also after --no-build syncs
            before = _event_ids(db_path)
            from . import pipeline  # the build stages load only when there is something to build

            result.built = pipeline.build(db_path, archive, progress, cache=cache or Cache.beside(db_path))
            if result.built:
                after = _event_kinds(db_path)
                result.new_event_ids = sorted(set(after) - before)
                result.events = Counter(after[i] for i in result.new_event_ids)


def _page(archive: Archive, result: SyncResult, entry: dict, past: list[dict], fetcher: Fetcher) -> str:
    """The page's HTML (archived as a file of its own: the sync log names it, the build does not read it)."""
    last = next((e["page"] for e in reversed(past) if e.get("page_url") == result.page_url and e.get("page")), None)
    seen = last or {}
    got = fetcher.get(result.page_url, PAGE_CAP, seen.get("etag", ""), seen.get("last_modified", ""))
    result.page_status = got.status
    if got.status == 304 and last:
        sha, data = last["sha256"], archive.read(last["sha256"])
    elif got.ok and got.body is not None:
        sha, data = archive.store(got.body), got.body
    else:
        entry["page"] = None
        raise SyncError(f"{result.page_url}: {got.error} {_tries(got)}; nothing changed")
    entry["page"] = {
        "status": got.status,
        "sha256": sha,
        "etag": got.etag or (last or {}).get("etag", ""),
        "last_modified": got.last_modified or (last or {}).get("last_modified", ""),
    }
    if ice_web.sniff(data) != "html":
        raise SyncError(f"{result.page_url}: the answer is not a web page; nothing changed")
    return data.decode("utf-8", errors="replace")


def _list(archive, link: ice_web.PageLink, last: Observation | None, archived: set[str], fetcher, day, stamp, read_all):
    """Fetch one workbook link: (what became of it, its observation or None, its sheet when read: a file
    unchanged since the last sync is read again only for the documents it links)."""
    f = ListFetch(link.url, link.name, link.hint)
    got = fetcher.get(link.url, WORKBOOK_CAP, last.etag if last else "", last.last_modified if last else "")
    f.status = got.status
    if got.status == 304 and last:
        f.outcome, f.sha256, data, name = "unchanged", last.sha256, archive.read(last.sha256), last.name
    elif got.ok and got.body is not None:
        data, name = got.body, link.name or ice_web.file_name(got.final_url)
        f.sha256 = archive.store(data)
        f.outcome = "seen" if f.sha256 in archived else "new"
    else:
        f.outcome, f.error = "failed", f"{got.error} {_tries(got)}"
        return f, None, None
    obs = _observation(f.sha256, day, stamp, link.url, name, len(data), link.hint, got, last)
    if f.outcome == "unchanged" and not read_all:
        return f, obs, None
    try:
        sheet = ice_roster.read(data)
    except ice_roster.RosterError as exc:  # archived all the same: the build lists it as rejected
        f.outcome, f.error = "rejected", f"archived and rejected: {exc}"
        return f, obs, None
    f.kind, f.rows = sheet.kind, len(sheet.rows)
    return f, obs, sheet


def _observation(sha, day, stamp, url, name, size, hint, got: Fetched, last: Observation | None) -> Observation:
    keep = last if got.status == 304 else None
    return Observation(
        sha,
        day,
        url,
        name,
        "fetched",
        size,
        hint,
        stamp,
        http_status=got.status,
        etag=got.etag or (keep.etag if keep else ""),
        last_modified=got.last_modified or (keep.last_modified if keep else ""),
        content_type=got.content_type or (keep.content_type if keep else ""),
    )


def _documents(archive, sheets, past, fetcher, day, stamp, result, entry, moment) -> list[Observation]:
    """Every MOA and addendum the lists link that the archive lacks as a PDF, archived as it arrives."""
    have = _documents_archived(archive)
    missing_since = _answered_missing(past)
    wanted = sorted({u for s in sheets if s.kind == "participating" for u in rows.linked_documents(s)})
    added: list[Observation] = []
    batch: list[Observation] = []
    for url in wanted:
        if url in have:
            continue
        when = missing_since.get(url)
        if when and moment - when < MISSING_RETRY:
            result.documents["later"] += 1
            continue
        got = fetcher.get(url, DOCUMENT_CAP)
        record = {"what": "document", "url": url, "status": got.status, "error": got.error}
        if got.ok and got.body is not None:
            sha = archive.store(got.body)
            name = ice_web.file_name(url)
            batch.append(_observation(sha, day, stamp, url, name, len(got.body), documents.KIND, got, None))
            is_pdf = ice_web.sniff(got.body) == "pdf"
            result.documents["new" if is_pdf else "not a PDF"] += 1
            record.update(sha256=sha, pdf=is_pdf)
        else:
            result.documents["skipped" if got.unreachable and got.attempts == 0 else "failed"] += 1
        if got.attempts:
            entry["fetches"].append(record)
        if len(batch) >= RECORD_EVERY:  # a sync killed midway keeps what it had archived
            added += archive.record(batch)
            batch = []
    return added + archive.record(batch)


def _documents_archived(archive: Archive) -> set[str]:
    """The URLs (and, for files imported from disk, the file names' URLs are unknown) already archived
    as a readable PDF."""
    out = set()
    for o in archive.observations():
        if documents.is_document(o) and o.source.startswith(("http://", "https://")):
            with archive.object_path(o.sha256).open("rb") as fh:
                if ice_web.sniff(fh.read(1024)) == "pdf":
                    out.add(o.source)
    return out


def _answered_missing(past: list[dict]) -> dict[str, dt.datetime]:
    """Documents whose last answer was 404 or 410, and when."""
    out: dict[str, dt.datetime] = {}
    for e in past:
        for f in e.get("fetches", []):
            if f.get("what") == "document":
                if f.get("status") in (404, 410):
                    out[f["url"]] = parse_at(e["at"])
                else:
                    out.pop(f["url"], None)
    return out


def _tries(got: Fetched) -> str:
    return "after 1 try" if got.attempts == 1 else f"after {got.attempts} tries"


def _event_ids(db_path: Path) -> set[str]:
    return set(_event_kinds(db_path))


def _event_kinds(db_path: Path) -> dict[str, str]:
    if not db_path.exists():
        return {}
    with warehouse.connect(db_path) as con:
        return queries.event_kinds(con)


class SyncLog:
    """The archive's sync log: one JSON line per sync, appended whole (a sync killed midway leaves none)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.path = archive.root / LOG

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def append(self, entry: dict) -> None:
        self.archive.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, sort_keys=True, default=str) + "\n"
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Two syncs never run at once: the second one stops at once, saying so."""
        self.archive.root.mkdir(parents=True, exist_ok=True)
        with open(self.archive.root / ".sync.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SyncBusy(f"{self.archive.root}: another sync is running; this one did nothing") from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def status(archive: Archive) -> dict:
    """When ICE was last checked (the newest sync that reached its page) and what that sync found."""
    entries = SyncLog(archive).entries()
    reached = [e for e in entries if e.get("page")]
    changed = [e for e in reached if e.get("new_files")]
    return {
        "last_checked": reached[-1]["at"] if reached else None,
        "last_attempt": entries[-1]["at"] if entries else None,
        "last_attempt_error": entries[-1].get("error") if entries else None,
        "last_new_file": changed[-1]["at"] if changed else None,
        "syncs": len(entries),
    }
