"""Import: files on disk -> archive -> build -> warehouse. The only place the three meet."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import atlas, queries, search, warehouse
from .archive import Archive, Observation
from .cache import Cache
from .domain import laws as domain_laws
from .domain import tables as domain_tables
from .memo import Memo
from .sources import ice_foia, local, reference, us_atlas
from .stages import aggregates, documents, geography, history, landmarks, laws, outcomes, qa, references
from .stages import publications as pubstage
from .stages.rows import RowStore

# What a build reads besides the archive: the stage code, our reviewed tables and the county atlas.
# Their digests go into the warehouse's meta, so an edit to any of them rebuilds it.
PACKAGE = Path(__file__).parent
BUILD_INPUTS = {
    "code_digest": ("pipeline.py", "warehouse.py", "archive.py", "stages/**/*.py", "sources/**/*.py", "domain/**/*.py"),
    "tables_digest": ("data/*.csv",),
}

Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    files_seen: int = 0
    new_files: int = 0
    new_observations: int = 0
    built: bool = False
    notices: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one line per rejected file of this import


def import_paths(
    db_path: Path,
    archive: Archive,
    paths: list[Path],
    observed: dt.date | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    cache: Cache | None = None,
) -> ImportResult:
    """Archive the files under `paths` and rebuild the warehouse; MOA text comes from `cache` (default:
    Cache.beside the warehouse)."""
    result = ImportResult()
    candidates, result.notices = local.discover(paths, observed)
    result.files_seen = len(candidates)
    touched: dict[str, str] = {}
    with archive.writing():
        new_obs = []
        known = {o.sha256 for o in archive.observations()}
        stored: dict[Path, tuple[str, bytes]] = {}  # a folder's log may list one file on many days
        for i, c in enumerate(candidates):
            if c.path not in stored:
                data = c.path.read_bytes()
                stored[c.path] = (archive.store(data), data)
            sha, data = stored[c.path]
            if c.observed_on:
                day, basis, at = c.observed_on, c.date_basis, ""
            else:
                day, basis, at = local.observed_on(data, c.path)
            new_obs.append(Observation(sha, day, str(c.path), c.path.name, basis, len(data), c.kind_hint, at))
            touched[sha] = str(c.path)
            if progress:
                progress("archive", i + 1, len(candidates))
        added = archive.record(new_obs)
        result.new_observations = len(added)
        result.new_files = len({o.sha256 for o in added} - known)
        result.built = build(db_path, archive, progress, workers=workers, cache=cache or Cache.beside(db_path))
    with warehouse.connect(db_path) as con:
        errors = queries.file_errors(con, sorted(touched))
        missing = [kind for kind in reference.KINDS if kind not in queries.reference_tables(con)]
    result.rejected = [f"{touched[sha]}: {error}" for sha, error in errors.items()]
    if missing:
        result.notices.append(_missing_references(missing, paths))
    return result


def _missing_references(kinds: list[str], paths: list[Path]) -> str:
    """One line: which reference tables no import has brought, and what the warehouse lacks for it."""
    where = ", ".join(str(p) for p in paths)
    tables = " and no ".join(reference.DESCRIPTIONS[k] for k in kinds)
    costs = "; ".join(reference.WITHOUT[k] for k in kinds)
    return f"no {tables} in {where} or the archive: {costs}"


def build(
    db_path: Path,
    archive: Archive,
    progress: Progress | None = None,
    force: bool = False,
    workers: int | None = None,
    cache: Cache | None = None,
    fresh: bool = False,
) -> bool:
    """Rebuild the warehouse from the archive unless it already reflects it. True if rebuilt. MOA text
    (OCR included) comes from `cache` when it has it, and goes into it when not. What the last build read
    from each file comes from the warehouse's memo (memo.py) unless `fresh`."""
    stamp = fingerprint(archive)  # first: it fails in one line when the atlas is missing
    current = warehouse.meta(db_path)
    if not force and all(current.get(k) == v for k, v in stamp.items()):
        return False
    memo = Memo.beside(db_path, stamp["code_digest"] + stamp["tables_digest"], fresh)
    try:
        operations = domain_tables.operations()  # our reviewed tables: a bad row stops the build before it starts
        reviewed_links = domain_tables.landmark_links()
        state_laws = domain_laws.state_laws()
    except ValueError as exc:
        raise local.SourceError(str(exc)) from None
    everything = archive.observations()
    observations = [
        o
        for o in everything
        if not references.is_reference(o) and not documents.is_document(o) and not outcomes.is_foia(o)
    ]
    document_obs = [o for o in everything if documents.is_document(o)]
    shas = sorted({o.sha256 for o in observations})
    loaded: dict[str, Any] = {}

    def load_references() -> None:  # runs while the worker processes read the workbooks
        refs, loaded["files"] = references.load(everything, archive.read)
        loaded["geo"] = geography.prepare(refs, _atlas_counties())

    parsed, row_values = _read_workbooks(archive, shas, memo, workers, load_references, progress)
    tables = pubstage.assemble(observations, parsed, row_values)
    tables.update(history.build(tables["postings"], tables["publication_rows"], tables["row_values"]))
    tables["files"] += loaded["files"]
    tables["observations"] = pubstage.observation_rows(everything)
    tables.update(geography.build(tables, loaded["geo"]))
    tables["model_powers"] = domain_tables.model_powers()
    tables["operations"] = operations
    tables["state_laws"] = state_laws
    tables["law_coverage"] = laws.coverage(state_laws, loaded["geo"], tables["agencies"])
    doc_shas = sorted({o.sha256 for o in document_obs})
    readings = documents.read_all(
        doc_shas, archive.read, cache, (lambda i, n: progress("documents", i, n)) if progress else None
    )
    doc_tables = documents.build(document_obs, readings, tables, memo)
    tables["files"] += doc_tables.pop("files")
    tables.update(doc_tables)
    documents.attach(tables["agreements"], tables["documents"], tables["document_links"])
    releases = outcomes.describe(everything, _head(archive), archive.object_path)
    tables["files"] += outcomes.file_rows(releases)
    derived = ("foia_files", "landmark_links", "linked_arrests", "law_flags", *outcomes.TABLES.values())
    tables.update({name: [] for name in derived})  # filled by `derive`, below

    def derive(con) -> None:
        aggregates.derive(con)
        outcomes.load(con, releases, memo)
        links = landmarks.link(con, loaded["geo"], tables["agencies"], tables["cities"], reviewed_links)
        warehouse.insert(con, "landmark_links", links)
        landmarks.count_linked(con)
        laws.derive(con)

    if progress:
        progress("write", 0, 1)
    warehouse.publish(
        db_path,
        tables,
        {**stamp, "archive": str(archive.root.resolve())},
        qa.run,
        derive,
    )
    with warehouse.connect(db_path) as con:
        search.build(db_path, con)
    memo.save()  # after the publication: a build that fails keeps the memo it started from
    if progress:
        progress("write", 1, 1)
    return True


def _head(archive: Archive) -> Callable[[str], bytes]:
    def head(sha: str) -> bytes:
        with archive.object_path(sha).open("rb") as fh:
            return fh.read(ice_foia.HEAD_BYTES)

    return head


def fingerprint(archive: Archive) -> dict[str, str]:
    """The digests of everything a build reads: the archive, the stage code, the reviewed tables, the atlas."""
    out = {"archive_digest": archive.digest(), "atlas_digest": hashlib.sha256(_atlas_file().read_bytes()).hexdigest()}
    for key, patterns in BUILD_INPUTS.items():
        h = hashlib.sha256()
        for path in sorted(f for pattern in patterns for f in PACKAGE.glob(pattern)):
            h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        out[key] = h.hexdigest()
    return out


def _atlas_file() -> Path:
    try:
        return atlas.path(us_atlas.COUNTIES)
    except FileNotFoundError as exc:
        raise local.SourceError(str(exc)) from None


def _atlas_counties() -> list[dict]:
    path = _atlas_file()
    try:
        return us_atlas.read(path.read_bytes())
    except us_atlas.AtlasError as exc:
        raise local.SourceError(f"{path}: {exc}") from None


def _read_workbooks(
    archive: Archive, shas: list[str], memo: Memo, workers: int | None, meanwhile: Callable[[], None], progress
) -> tuple[dict[str, pubstage.Parsed], dict[str, dict]]:
    """Every workbook's reading, and the distinct rows they hold by row_hash: from the memo when it has the
    file and all its rows, else parsed (and memoised)."""
    parsed: dict[str, pubstage.Parsed] = {}
    row_values: dict[str, dict] = {}
    todo = []
    for sha in shas:
        p = memo.get("workbook", sha)
        its = {h: row_values.get(h) or memo.get("row", h) for h in {h for _, h in p.rows}} if p is not None else {}
        if p is None or None in its.values():
            todo.append(sha)
            continue
        parsed[sha] = p
        row_values.update(its)
        if progress:
            progress("read", len(parsed), len(shas))
    for p in _parse_all(archive, todo, workers, meanwhile):
        row_values.update(p.new_rows)
        for h, rec in p.new_rows.items():
            memo.put("row", h, rec)
        parsed[p.sha256] = p = dataclasses.replace(p, new_rows={})  # its rows are in row_values
        memo.put("workbook", p.sha256, p)
        if progress:
            progress("read", len(parsed), len(shas))
    return parsed, row_values


_worker_store: RowStore | None = None


def _start_worker() -> None:
    global _worker_store
    _worker_store = RowStore()


def _parse_in_worker(args: tuple[str, str]) -> pubstage.Parsed:
    root, sha = args
    assert _worker_store is not None, "worker not started"
    return pubstage.parse(sha, Archive(root).read(sha), _worker_store)


def _parse_all(archive: Archive, shas: list[str], workers: int | None, meanwhile=lambda: None):
    """Parse in a few processes when there is enough to do (calamine and the row stage are CPU-bound),
    running `meanwhile` in this process once the workers have their jobs. Each process keeps its own
    RowStore, so it sends every distinct row once."""
    if workers is None:
        workers = min(len(shas) // 50, os.cpu_count() or 1, 4)
    if workers <= 1:
        meanwhile()
        store = RowStore()
        for sha in shas:
            yield pubstage.parse(sha, archive.read(sha), store)
        return
    # The workers are forked: garbage left in this process (e.g. a DuckDB connection no longer used) must not
    # be collected in a child, whose copy of it has no threads behind it (a segfault). Collect it here and
    # freeze what lives on, so the children never collect the parent's objects.
    gc.collect()
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, initializer=_start_worker) as pool:
            results = pool.map(_parse_in_worker, [(str(archive.root), s) for s in shas], chunksize=4)
            gc.unfreeze()
            meanwhile()
            yield from results
    finally:
        gc.unfreeze()
