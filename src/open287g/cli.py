"""`open287g` command line: a thin layer over pipeline and queries."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from . import queries, warehouse
from .archive import Archive
from .cache import Cache
from .output import Format, emit, emit_county, emit_document, emit_json, emit_object, emit_profile, emit_rows
from .queries import params
from .sources.local import SourceError

app = typer.Typer(
    help="open287g: every ICE 287(g) roster publication, kept and read exactly.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)
T = TypeVar("T")


class State:
    db: Path
    archive: Path


state = State()

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


@app.callback()
def main(
    db: Annotated[Path, typer.Option(envvar="OPEN287G_DB", help="Warehouse file (DuckDB).")] = Path("open287g.duckdb"),
    archive: Annotated[
        Path | None,
        typer.Option(envvar="OPEN287G_ARCHIVE", help="Archive folder (default: `<db stem>.archive` beside the db)."),
    ] = None,
) -> None:
    state.db = db
    state.archive = archive or Archive.beside(db).root


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def _connect() -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; a parameter a query refuses (a day outside the record) ends the command
    with its one line."""
    try:
        con = warehouse.connect(state.db)
    except FileNotFoundError as exc:
        _fail(str(exc))
        raise  # (not reached: _fail exits)
    with con:
        try:
            yield con
        except params.ParamError as exc:
            _fail(f"--{exc.name}: {exc.message}")


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Workbooks or folders (a folder's snapshots.csv dates its files).")
    ],
    observed: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Observation date for files without a log.")
    ] = None,
) -> None:
    """Archive the files and rebuild the warehouse from the archive.

    A folder's `snapshots.csv` (columns `date_observed`, `kind`, `file`, the file relative to the folder; other
    columns ignored) lists its files and when each was observed; a folder without one has every `*.xlsx` below it
    imported and dated by the workbook's own modified date, and the command says so. `--observed YYYY-MM-DD` dates
    single files.

    MOA PDFs (single files, or every `*.pdf` below a folder) are archived too, dated by a CSV below the folder with
    the columns `file` and `first_downloaded` when one lists them (the shared data's `moa/moa_sample.csv`), else by
    their modification time; their text is read (scanned pages OCRed with tesseract, on every core) and cached
    beside the warehouse (`<db stem>.cache`, or `$OPEN287G_CACHE`), so no page is OCRed twice.

    Exits 1, with one `error:` line per file naming the file and the problem, when a file is not a readable
    roster or MOA (truncated, encrypted, empty, not a PDF, no text even by OCR); that file is still archived and
    listed as `rejected`, and nothing already built changes.
    """
    from . import pipeline  # the build stages load only for an import

    with _progress() as progress:
        try:
            result = pipeline.import_paths(
                state.db, Archive(state.archive), paths, _day(observed, "observed"), progress
            )
        except SourceError as exc:
            _fail(str(exc))
    for notice in result.notices:
        err.print(f"[yellow]note:[/yellow] {notice}", highlight=False, soft_wrap=True)
    built = "warehouse rebuilt" if result.built else "nothing new; warehouse unchanged"
    err.print(
        f"{result.files_seen} file(s) read, {result.new_files} new file(s), "
        f"{result.new_observations} new observation(s); {built} ({state.db})",
        highlight=False,
        soft_wrap=True,
    )
    for line in result.rejected:
        err.print(f"[red]error:[/red] {line}", highlight=False, soft_wrap=True)
    if result.rejected:
        raise typer.Exit(1)


@app.command()
def sync(
    page_url: Annotated[str, typer.Option(help="ICE's 287(g) page (another for a mirror or a test).")] = "",
    documents: Annotated[
        bool, typer.Option("--documents/--no-documents", help="Also fetch the MOA and addendum PDFs the lists link.")
    ] = True,
    at: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DDTHH:MM:SSZ", help="Observation time (for replays and tests; default: now)."),
    ] = None,
    every: Annotated[
        str | None, typer.Option(metavar="DURATION", help="Keep running, one sync every DURATION (e.g. 30m, 6h, 1d).")
    ] = None,
    build: Annotated[
        bool,
        typer.Option("--build/--no-build", help="Rebuild the warehouse after fetching (--no-build: archive only)."),
    ] = True,
) -> None:
    """Fetch ICE's 287(g) page and the workbooks it links, and the MOA PDFs the lists link that the archive lacks;
    archive them; rebuild; print one line; then deliver the alerts the new events owe (not for a replay with --at:
    run `deliver --at` for that).

    The workbook links are found by what they say and where they point (not by a fixed URL), and which list a
    workbook holds is decided by its content. Every file fetched is archived with its observation (time, URL, HTTP
    status, ETag, Last-Modified), even one that is not a workbook (an "Access Denied" page served as .xlsx is
    archived, listed as rejected and changes nothing). Requests carry an identifying User-Agent and ETag /
    Last-Modified validators; timeouts, 429s and 5xx are retried with backoff; a host that does not answer is given up
    for the rest of the sync and its documents are tried again next time. Two syncs never run at once; one killed
    midway loses nothing (what it archived stays; the warehouse is swapped in whole or not at all).

    The line says what was new and what changed (events by kind). Exits 1, with one `error:` line each, when the page
    cannot be read or a list could not be fetched or read; the list in effect stays as it was. `--every` keeps
    running (errors are printed and the next round goes on); cron or a systemd timer can run it instead.
    """
    import time

    from . import sync as syncing
    from .sources import ice_web

    try:
        moment = syncing.parse_at(at) if at else None
        pause = syncing.parse_duration(every) if every else None
    except syncing.SyncError as exc:
        _fail(str(exc))
    if moment and pause:
        _fail("--at and --every: a replay is one sync at one time; give one of them")
    while True:
        failed = _sync_once(syncing, page_url or ice_web.PAGE_URL, moment, documents, build)
        if pause is None:
            if failed:
                raise typer.Exit(1)
            return
        time.sleep(pause.total_seconds())


def _sync_once(syncing, page_url: str, moment, documents: bool, build: bool) -> bool:
    """One sync, its line printed; True when it failed (a line per error on stderr)."""
    archive = Archive(state.archive)
    with _progress() as progress:
        try:
            result = syncing.sync(state.db, archive, page_url, moment, documents, build, progress=progress)
        except (syncing.SyncError, SourceError) as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            return True
    print(result.line(), flush=True)
    for line in result.errors:
        err.print(f"[red]error:[/red] {line}", highlight=False, soft_wrap=True)
    if build and moment is None:  # a replay (--at) sends nothing: its events are not news
        try:
            _deliver_round(None, quiet_without_store=True)
        except Exception as exc:  # the alerts' trouble must not stop `sync --every`
            err.print(f"[red]error:[/red] alerts: {type(exc).__name__}: {exc}", highlight=False, soft_wrap=True)
            return True
    return bool(result.errors)


def _deliver_round(moment: dt.datetime | None, quiet_without_store: bool = False) -> bool:
    """One delivery round of the alerts (after a sync, or `open287g deliver`); True when a batch failed."""
    from .alerts import deliver as delivering
    from .alerts.store import Store

    store = Store.existing(state.db)
    if store is None:
        if not quiet_without_store:
            print(f"alerts: no subscriptions yet ({state.db.stem}.alerts.sqlite does not exist)")
        return False
    from . import sync as syncing

    with _connect() as con:
        try:
            done = delivering.deliver(con, store, moment or syncing.now(), delivering.Mail.from_env())
        except delivering.DeliveryBusy as exc:
            err.print(f"[yellow]note:[/yellow] {exc}", highlight=False, soft_wrap=True)
            return False
    print(done.line(), flush=True)
    for line in done.failed:
        err.print(f"[red]error:[/red] alert {line}", highlight=False, soft_wrap=True)
    return bool(done.failed)


@app.command()
def status(fmt: FormatOpt = Format.table) -> None:
    """When ICE's page was last checked (the newest sync that reached it), the last attempt and its error, and
    when the record last changed (the newest list put up: its day, when it was first seen, its publication)."""
    from . import sync as syncing

    checked = syncing.status(Archive(state.archive))
    with _connect() as con:
        emit_object(queries.status(con, checked), fmt)


ScopeState = Annotated[str | None, typer.Option("--state", help="Only this state's agencies (TX, Texas).")]
ScopeCounty = Annotated[
    str | None, typer.Option("--county", help="Only the local agencies of a county (5-digit FIPS).")
]
ScopeAgency = Annotated[str | None, typer.Option("--agency", help="Only this agency (its id, as in /agencies/<id>).")]
ScopeModel = Annotated[str | None, typer.Option("--model", help="Only this model (JEM, TFM, WSO).")]
ScopeKind = Annotated[str | None, typer.Option("--kind", help="Only events of this kind (listed, ended, moa_posted…).")]


@app.command()
def subscribe(
    webhook: Annotated[str | None, typer.Option(metavar="URL", help="POST each batch of events here, signed.")] = None,
    email: Annotated[str | None, typer.Option(metavar="ADDRESS", help="E-mail a digest of each batch here.")] = None,
    state_: ScopeState = None,
    county: ScopeCounty = None,
    agency: ScopeAgency = None,
    model: ScopeModel = None,
    kind: ScopeKind = None,
    lang: Annotated[str, typer.Option(help="Language of the e-mail (en, es).")] = "en",
    confirmed: Annotated[
        bool, typer.Option("--confirmed", help="The address's owner asked you: no confirmation e-mail.")
    ] = False,
) -> None:
    """Subscribe a webhook or an e-mail address to the events a scope covers (the nation, a state, a county, an
    agency, a model; and an event kind), delivered after each sync, each event once.

    A webhook is active at once; its secret is printed once here: every POST carries `X-Open287g-Signature:
    sha256=<HMAC-SHA256 of the body with the secret>` and a JSON body {subscription_id, sent_at, events} (each
    event as in `changes --format json`, plus its page's `url`). An address gets a confirmation link first
    (SMTP from OPEN287G_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, OPEN287G_MAIL_FROM; links to
    OPEN287G_SITE_URL), unless `--confirmed`. The events already in the record are never sent: alerts are
    about what comes next. Subscriptions live in `<db stem>.alerts.sqlite` beside the warehouse and survive
    every rebuild."""
    from . import sync as syncing
    from .alerts import deliver as delivering
    from .alerts import signup
    from .alerts.store import AlertError, Store

    if (webhook is None) == (email is None):
        _fail("give one of --webhook URL or --email ADDRESS")
    if lang not in ("en", "es"):
        _fail(f"--lang: {lang!r}: use en or es")
    store, now = Store.beside(state.db), syncing.now()
    with _connect() as con:
        try:
            found = signup.scope(con, state_, county, agency, model, kind)
            if webhook is not None:
                sub = signup.subscribe_webhook(con, store, webhook, found, now)
                print(f"{sub.subscription_id}: webhook {sub.target} is active ({_scope_line(sub)})")
                print(f"secret (for {delivering.SIGNATURE}): {sub.secret}")
                return
            assert email is not None
            outcome, sub = signup.subscribe_email(
                con, store, email, found, lang, now, delivering.Mail.from_env(), confirmed
            )
        except AlertError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"the confirmation e-mail could not be sent: {exc}")
    said = {
        "sent": "pending: a confirmation link was e-mailed to it",
        "confirmed": "active",
        "already": "already active",
        "wait": "pending: a confirmation link was sent minutes ago",
    }[outcome]
    print(f"{sub.subscription_id}: {sub.target} {said} ({_scope_line(sub)})")


def _scope_line(sub) -> str:
    return ", ".join(f"{k}={v}" for k, v in sub.scope().items()) or "every event"


@app.command()
def subscriptions(
    fmt: FormatOpt = Format.table,
    log: Annotated[bool, typer.Option("--log", help="The delivery log instead: every batch sent or failed.")] = False,
) -> None:
    """The subscriptions (channel, target, scope, status and when), or with --log every delivery attempt."""
    import polars as pl

    from .alerts.store import Store

    store = Store.existing(state.db)
    if log:
        rows = store.delivery_log() if store else []
        emit(pl.DataFrame(rows, schema=["at", "subscription_id", "events", "outcome", "detail"], orient="row"), fmt)
        return
    subs = [s.public() for s in store.all()] if store else []
    columns = ["subscription_id", "channel", "target", "state", "county", "agency_id", "model", "kind", "lang"]
    columns += ["status", "created_at", "confirmed_at", "ended_at"]
    frame = (
        pl.DataFrame(subs, schema=dict.fromkeys(columns, pl.String))
        if subs
        else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    )
    emit(frame, fmt, ["subscription_id", "channel", "target", "state", "county", "agency_id", "kind", "status"])


@app.command()
def unsubscribe(subscription_id: Annotated[str, typer.Argument(help="The id `subscriptions` lists.")]) -> None:
    """End a subscription: nothing more is sent to it (it stays listed, as ended)."""
    from . import sync as syncing
    from .alerts import signup
    from .alerts.store import Store

    store = Store.existing(state.db)
    sub = signup.unsubscribe(store, subscription_id, syncing.now(), by_id=True) if store else None
    if sub is None:
        _fail(f"no subscription {subscription_id!r}")
    print(f"{subscription_id}: ended")


@app.command()
def deliver(
    at: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DDTHH:MM:SSZ", help="The round's time (for tests; default: now).")
    ] = None,
) -> None:
    """One delivery round of the alerts: the events the record gained since the last round go to the
    subscriptions they match, and batches that failed are tried again when due (5 minutes, doubling, at most
    a day). `sync` runs one after every build; run this to retry between syncs. Exits 1 when a batch failed."""
    from . import sync as syncing

    try:
        moment = syncing.parse_at(at) if at else None
    except syncing.SyncError as exc:
        _fail(str(exc))
    if _deliver_round(moment):
        raise typer.Exit(1)


@app.command()
def rebuild() -> None:
    """Rebuild the warehouse from the archive, reading every file again, even when nothing it reads has
    changed (an import or a sync rebuilds by itself whenever the archive, the reviewed tables in data/ or the
    stage code change, reading only the files the last build had not read)."""
    from . import pipeline

    archive = Archive(state.archive)
    if not archive.log.exists():
        _fail(f"{archive.root}: no archive yet (run `open287g import` first)")
    with archive.writing(), _progress() as progress:
        try:
            pipeline.build(state.db, archive, progress, force=True, cache=Cache.beside(state.db), fresh=True)
        except SourceError as exc:
            _fail(str(exc))
    err.print(f"warehouse rebuilt from {archive.root} ({state.db})", highlight=False, soft_wrap=True)


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per stage on a terminal; piped (a log), a line at every tenth of a long stage."""
    with Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not sys.stderr.isatty(),
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)
            step = max(1, total // 10)
            if not sys.stderr.isatty() and total >= 20 and (done % step == 0 or done == total):
                err.print(f"{stage}: {done}/{total}", highlight=False)

        yield progress


@app.command()
def publications(
    fmt: FormatOpt = Format.table,
    kind: Annotated[str | None, typer.Option(help="participating or pending.")] = None,
    status: Annotated[str | None, typer.Option(help="ok, suspect or rejected.")] = None,
) -> None:
    """Every distinct roster publication with its files, observation dates, rows and status.

    In observation order per kind: `publication_id`, `kind`, `status` (`ok`, `suspect`, `rejected`),
    `first_observed`, `last_observed` (YYYY-MM-DD), `rows` (non-blank data rows), `distinct_rows`, `layout`, `seq`,
    `n_observations`, `status_reason`, `previous_publication_id`, `sha256s` (the files), `file_names`,
    `observed_dates`.
    """
    kind, status = _check(params.publication_kind, kind), _check(params.publication_status, status)
    with _connect() as con:
        df = queries.publications(con, kind, status)
    emit(df, fmt, ["publication_id", "kind", "first_observed", "last_observed", "rows", "status", "n_observations"])


DateOpt = Annotated[str | None, typer.Option(metavar="YYYY-MM-DD", help="Day (YYYY-MM-DD).")]
StateOpt = Annotated[str | None, typer.Option(help="Two-letter state code, e.g. TX.")]


def _day(value: str | None, option: str = "on") -> dt.date | None:
    """The day asked for (checked by queries.params); None lets the query take the newest day."""
    return _check(params.day, option, value)


def _check(check: Callable[..., T], *values) -> T:
    """A parameter through its shared check (queries.params); a bad one ends the command with one line."""
    try:
        return check(*values)
    except params.ParamError as exc:
        _fail(f"--{exc.name}: {exc.message}")
        raise  # (not reached: _fail exits)


@app.command()
def counts(
    on: DateOpt = None,
    by: Annotated[str | None, typer.Option(help="Break down by state, model, type or month.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Agreements, agencies and pending listings on a day (default: the newest day).

    `agreements`, `agencies`, `by_model` {`JEM`, `TFM`, `WSO`}, `pending`, `rows` (rows of the publication in
    effect) and the `publication_id`s used. `--by` gives a table; `--by month` gives each month-end since 2021 (it
    reproduces the month-end rows of `../shared/data/MANIFEST.md`).
    """
    _summary(on, _check(params.counts_by, by), fmt, queries.counts, queries.counts_by)


def _summary(on, by, fmt, whole, broken_down) -> None:
    """A summary on one day: one record, or a table broken down `by` something."""
    with _connect() as con:
        day = _day(on)
        if by:
            emit(broken_down(con, day, by), fmt)
        else:
            emit_object(whole(con, day), fmt)


@app.command()
def agreements(
    on: DateOpt = None,
    state: StateOpt = None,
    model: Annotated[str | None, typer.Option(help="JEM, TFM or WSO.")] = None,
    status: Annotated[str | None, typer.Option(help="active, ended, superseded, pending or pending_removed.")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every agreement ever seen, not those listed on one day.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Agreements listed on a day (default: the newest day), or every agreement ever seen with `--all`.

    `--status` is `active`, `ended`, `superseded`, `pending` or `pending_removed`; given without `--on`, it lists
    every agreement with that status today, as `--all --status` does. With `--on`, `pending` lists the pending list
    in effect that day and `active` the participating list (what those statuses meant that day, whatever became of
    the agreements since); the other statuses are today's. Every record carries `former_ids`: the ids it had in
    earlier builds, which keep resolving.
    """
    state, model = _check(params.state, state), _check(params.model, model)
    status = _check(params.agreement_status, status)
    day, newest = params.listing(_day(on), status, all_)
    with _connect() as con:
        df = queries.agreements(con, day, state, model, status, newest=newest)
    emit(df, fmt, ["agreement_id", "agency_name", "state", "model", "signed", "status", "first_listed", "moa_state"])


@app.command()
def agency(
    words: Annotated[
        list[str], typer.Argument(help="An agency id (TX/harris-county-sheriffs-office) or words of its name.")
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """One agency's profile, agreements and full history.

    WORDS are an agency id (`TX/ellis-county-sheriffs-office`) or words of any name it was listed under. Shows its
    profile, the names seen, its agreements and its full history of events; when several agencies match, the first
    is shown and the others are listed. `--format csv` prints the events.
    """
    query = " ".join(words)
    with _connect() as con:
        found = queries.find_agencies(con, query)
        if found.is_empty():
            _fail(f"no agency matches {query!r}")
        current = queries.resolve_agency(con, query)
        if current is not None and current != query:
            err.print(f"note: {query} is a former id of {current}", highlight=False)
        elif current is None and len(found) > 1:
            err.print(f"{len(found)} agencies match {query!r}; showing the first. Others:", highlight=False)
            for aid, name in found.select("agency_id", "name").rows()[1:10]:
                err.print(f"  {aid}  {name}", highlight=False)
        profile = queries.agency_profile(con, current or found["agency_id"][0])
    if profile is None:  # (found, so it has a profile)
        _fail(f"no agency matches {query!r}")
        return
    emit_profile(profile, fmt)


@app.command()
def changes(
    since: DateOpt = None,
    until: DateOpt = None,
    state: StateOpt = None,
    kind: Annotated[str | None, typer.Option(help="Only events of this kind (listed, ended, renamed, ...).")] = None,
    model: Annotated[str | None, typer.Option(help="JEM, TFM or WSO.")] = None,
    signed_since: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Only events whose signing date is on or after this.")
    ] = None,
    signed_until: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Only events whose signing date is on or before this.")
    ] = None,
    newest: Annotated[bool, typer.Option("--newest", help="Newest first.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """What changed between two days (inclusive): listings, endings, renames, date revisions, MOAs.

    SINCE and UNTIL are the days ICE listed the change; `--signed-since`/`--signed-until` filter by the signing
    date the event carries instead (or as well), `--model` by model; oldest first unless `--newest`.

    Each event has `date`, `kind`, `agency_id`, `agreement_id`, `state`, `model`, `agency_name`, the previous
    name/date/MOA where relevant, the date an MOA file name gives (`moa_date`), the rule that matched it, and
    `from_publication_id`/`to_publication_id` with `from_sha256`/`to_sha256`: the two publications and files
    compared. Kinds include `renewed` (a later MOA of the same agency) and `moa_mislinked` (a link naming another
    agency).
    """
    kind, state = _check(params.event_kind, kind), _check(params.state, state)
    start, end = _check(params.window, _day(since, "since"), _day(until, "until"))
    signed = _check(params.window, _day(signed_since, "signed-since"), _day(signed_until, "signed-until"))
    with _connect() as con:
        df = queries.changes(
            con,
            start,
            end,
            state,
            kind,
            model=_check(params.model, model),
            signed_since=signed[0],
            signed_until=signed[1],
            newest_first=newest,
        )
    emit(df, fmt, ["date", "kind", "state", "model", "agency_name", "signed", "agreement_id"])


@app.command("agencies")
def agencies_(on: DateOpt = None, state: StateOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Agencies with an agreement listed on a day (default: the newest day): jurisdiction level, county FIPS, models.

    `agency_id`, `name`, `state`, `jurisdiction_level` (`county`, `municipal`, `state`, `other`), `county_fips`
    (5-digit, or null for statewide agencies), `models`, plus every county (`county_fips_all`), the FBI `ori` where
    the match is sure, and how the county and level were decided.
    """
    with _connect() as con:
        df = queries.agencies(con, _day(on), _check(params.state, state))
    emit(df, fmt, ["agency_id", "name", "jurisdiction_level", "county_fips", "models"])


@app.command()
def county(
    words: Annotated[
        list[str], typer.Argument(help='A county as people write it ("Harris County, TX", "condado Miami"), or FIPS.')
    ],
    on: DateOpt = None,
    lang: Annotated[str, typer.Option(help="Language of the answer: en or es.")] = "en",
    fmt: FormatOpt = Format.table,
) -> None:
    """Does an agency in this county work with ICE under 287(g)? The county's answer on a day (default: the newest).

    WORDS name a county with or without "County" (or "condado", "parish"), with or without its state, or give its
    5-digit FIPS code. Prints the answer in one or two sentences (`--lang es` in Spanish), then the county's own
    agencies with an agreement, the other local ones, the statewide ones of its state and the past agreements that
    applied there with their end dates. When WORDS name several counties they are listed, and the command exits 1.
    `--format json` prints the answer as the API's `/api/v1/counties/{fips}`; `--format csv` one row per agency.
    """
    from .domain import vocab
    from .web import sentences

    query, day = " ".join(words), _day(on)
    if lang not in ("en", "es"):
        _fail(f"--lang: unknown language {lang!r}: use en or es")
    with _connect() as con:
        found = queries.find_places(con, query)
        if not found:
            _fail(f"no county matches {query!r}")
        if len(found) > 1:
            err.print(f"{len(found)} counties match {query!r}; name one with its state or FIPS:", highlight=False)
            for p in found[:20]:
                err.print(f"  {p['fips']}  {p['name']}, {p['state']}", highlight=False)
            raise typer.Exit(1)
        answer = queries.county_answer(con, found[0]["fips"], day)
    assert answer is not None  # (found, so it exists)
    names = vocab.state_names_in(lang)
    sentence = sentences.county_answer(answer, lang, names.get(answer["state"], answer["state"])).striptags()
    emit_county(answer, sentence, fmt, sentences.county_labels(lang))


@app.command()
def panel(
    since: Annotated[str | None, typer.Option(metavar="YYYY-MM", help="The first month.")] = None,
    until: Annotated[str | None, typer.Option(metavar="YYYY-MM", help="The last month.")] = None,
    state: StateOpt = None,
    fmt: FormatOpt = Format.csv,
) -> None:
    """County x month panel since the record begins: FIPS, local agencies by model, statewide ones, covered.

    One row per county and month (`month`, `day` read, `fips`, `state`, `county`, `population`, `local_agencies`,
    `jem`, `tfm`, `wso`: local agencies with an agreement of that model applying there at the month's end,
    `statewide_jem`, `statewide_tfm`, `statewide_wso`, `covered`, `publication_id`). CSV by default (every county:
    about 200,000 rows); the same as the API's `/api/v1/panel/counties`.
    """
    start, end = _check(params.month, "since", since), _check(params.month, "until", until)
    with _connect() as con:
        df = queries.county_panel(con, start, end, _check(params.state, state))
    emit(df, fmt, ["month", "fips", "county", "local_agencies", "jem", "tfm", "wso", "covered"])


@app.command()
def arrests(
    method: Annotated[str, typer.Option(help="The apprehension method: 287g, or all.")] = "287g",
    by: Annotated[
        str,
        typer.Option(
            help="fiscal_year, month, aor, landmark, disposition, citizenship, method, criminality (the newer "
            "releases only), or state, county or agency (of the linked landmark; none: not linked)."
        ),
    ] = "fiscal_year",
    fmt: FormatOpt = Format.table,
) -> None:
    """ICE's administrative arrests from its FOIA releases, counted by one field.

    One row per group (e.g. `fiscal_year`) with `arrests` (of the method), `all_arrests` (every method, same group),
    `share` (arrests / all_arrests), `first_date` and `last_date`. A 287(g) arrest is one ICE coded "287(g)
    Program"; the landmark is the officer's free text, not an agency. By `state`, `county` or `agency`, an arrest
    counts where its landmark is linked (`open287g landmarks`); the unlinked are the row with none. The caveats
    print on stderr.
    """
    import polars

    from .queries import outcomes

    chosen, breakdown = _check(params.arrest_method, method), _check(params.arrests_by, by)
    with _connect() as con:
        rows = outcomes.arrests(con, chosen, breakdown)
        covered = outcomes.facts(con)
        said = outcomes.caveats(con)
    if not covered["arrests"]:
        _fail(_NO_ARRESTS)
    share, partial = covered["no_landmark_share_287g"], covered["partial_fiscal_years"]
    err.print(
        f"note: ICE's arrests released under FOIA {', '.join(n or '(no number)' for n in covered['foia_numbers'])}, "
        f"{covered['first_date']} to {covered['last_date']}: {covered['arrests']:,} arrests, "
        f"{covered['arrests_287g']:,} coded 287(g)"
        + (f", {share:.1%} of those with no landmark" if share is not None else "")
        + (f"; fiscal year(s) {', '.join(map(str, partial))} only in part." if partial else "."),
        highlight=False,
        soft_wrap=True,
    )
    for caveat in said:
        err.print(f"note: {caveat}", highlight=False, soft_wrap=True)
    emit(polars.DataFrame(rows) if rows else polars.DataFrame(schema=[breakdown, *outcomes.ARREST_FIELDS]), fmt)


_NO_ARRESTS = "no FOIA arrest release in the warehouse (import a folder holding them, e.g. ../shared/data/foia)"


@app.command()
def detainers(
    program: Annotated[str, typer.Option(help="The detainer's program: 287g, or all.")] = "287g",
    by: Annotated[
        str,
        typer.Option(
            help="fiscal_year, month, aor, state, facility, lift_reason, criminality, program, or agency (of the "
            "linked facility; none: not linked)."
        ),
    ] = "fiscal_year",
    fmt: FormatOpt = Format.table,
) -> None:
    """ICE's detainers (requests to jails and prisons to hold a person) from the newer FOIA releases, by one field.

    One row per group with `detainers` (of the program), `all_detainers` (every program, same group), `share`,
    `first_date` and `last_date`. A 287(g) detainer is one whose program ICE recorded as 287(g); the facility is
    the jail or prison that received it, linked to an agency as landmarks are (`open287g landmarks`). The
    Deportation Data Project posts these releases (xlsx, Parquet or CSV): import the files like any other.
    """
    import polars

    from .queries import outcomes

    chosen, breakdown = _check(params.detainer_program, program), _check(params.detainers_by, by)
    with _connect() as con:
        rows = outcomes.detainers(con, chosen, breakdown)
        covered = outcomes.detainer_facts(con)
        said = outcomes.DETAINER_CAVEATS["en"] + outcomes.coding_change(con)
    if not covered["detainers"]:
        _fail("no detainer release in the warehouse (import the Deportation Data Project's detainer files)")
    err.print(
        f"note: ICE's detainers released under FOIA, {covered['first_date']} to {covered['last_date']}: "
        f"{covered['detainers']:,} detainers, {covered['detainers_287g']:,} of 287(g).",
        highlight=False,
        soft_wrap=True,
    )
    for caveat in said:
        err.print(f"note: {caveat}", highlight=False, soft_wrap=True)
    emit(polars.DataFrame(rows) if rows else polars.DataFrame(schema=[breakdown, *outcomes.DETAINER_FIELDS]), fmt)


@app.command()
def landmarks(
    link: Annotated[str | None, typer.Option(help="Only those linked to an agency, a place, or none.")] = None,
    state: Annotated[str | None, typer.Option(help="Only those linked in this state (TX, Texas).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The landmarks of ICE's 287(g) arrests and what each is linked to, most 287(g) arrests first.

    One row per (aor, landmark) with `kind` (jail, agency, place, nonspecific, federal, state_facility, other),
    `link` (agency: an agency of our record, and so its agreements; place: a state and county; none), `state`,
    `county_fips`, `agency_id`, `ori`, `basis` (rule or reviewed: our table data/landmark_links.csv), `reason`,
    `suggestions` (close agency names for a reviewer, never links), `arrests_287g` and `arrests`, `detainers_287g`
    and `detainers` (the facilities of the newer releases' detainers are linked the same way), and `reason_es`
    (the reason in Spanish). How much of the 287(g) arrests the links reach prints on stderr.
    """
    import polars

    from .queries import outcomes

    chosen, code = _check(params.landmark_link, link), _check(params.state, state)
    with _connect() as con:
        rows = outcomes.landmarks(con, chosen, code)
        reach = outcomes.linking(con)
        released = outcomes.facts(con)["arrests"] or outcomes.detainer_facts(con)["detainers"]
    if not released:
        _fail(_NO_ARRESTS)
    if reach["arrests_287g"]:
        err.print(
            f"note: of {reach['arrests_287g']:,} 287(g) arrests, {reach['linked_agency']:,} "
            f"({reach['agency_share']:.1%}) are linked to an agency of our record and {reach['linked_place']:,} more "
            f"to a place only; {reach['unlinked']:,} have a landmark we leave unlinked and {reach['no_landmark']:,} "
            "none.",
            highlight=False,
            soft_wrap=True,
        )
    emit(
        polars.DataFrame(rows) if rows else polars.DataFrame(schema=list(outcomes.LANDMARK_FIELDS)),
        fmt,
        ["arrests_287g", "landmark", "link", "state", "county_fips", "agency_id", "basis"],
    )


@app.command()
def operations(fmt: FormatOpt = Format.table) -> None:
    """Announced multi-agency operations (our reviewed table, data/operations.csv), newest first, beside ICE's records.

    One row per operation with `operation_id`, `name`, `start_date`, `end_date`, `states`, `place`, `lead`,
    `partners`, `claimed_arrests` and `claimed_detail` (what was claimed, as reported: not counted from records),
    `sources`, and `records_cover` with `records_287g_arrests_nationwide` and `records_all_arrests_nationwide`: ICE's
    FOIA arrest records for the same days, across the country, when the archived releases span every day of them.
    """
    import polars

    from .queries import outcomes

    with _connect() as con:
        rows = outcomes.operations(con)
        covered = outcomes.facts(con)
    if covered["arrests"]:
        err.print(
            f"note: claimed figures are as reported, not counted from records; ICE's records span "
            f"{covered['first_date']} to {covered['last_date']} and give arrests nationwide, not by the operation's "
            "place",
            highlight=False,
            soft_wrap=True,
        )
    else:
        err.print("note: no FOIA arrest release in the warehouse to set the operations beside", highlight=False)
    emit(
        polars.DataFrame(rows) if rows else polars.DataFrame(schema=list(outcomes.OPERATION_FIELDS)),
        fmt,
        ["name", "start_date", "end_date", "states", "claimed_arrests", "records_cover"],
    )


@app.command()
def laws(
    state: StateOpt = None,
    flags: Annotated[bool, typer.Option("--flags", help="List the agreements flagged for review instead.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """State laws and executive orders on 287(g) (our reviewed table, data/state_laws.csv; DOMAIN §4), by state.

    One row per law with `law_id`, `state`, `instrument`, `effect` (requires, requires_to_apply,
    encourages_with_money, directs, restricts, bans, none), `status` (in_force, amended, proposed, failed,
    unconfirmed), `signed_on`, `effective_on`, `in_force_from`, `covers`, `deadline`, `citation_url`, `verified`, the
    summary in English and Spanish, and `flags`: how many agreements listed in the state after a ban or restriction
    called for review. `--flags` lists those agreements with their dates: facts for review, never a finding that a
    law was broken. The same as the API's `/api/v1/laws` and `/api/v1/laws/flags`.
    """
    from .queries import laws as law_queries

    with _connect() as con:
        code = _check(params.state, state)
        if flags:
            shown = ["state", "agency_name", "model", "signed", "last_listed", "review_from", "days_listed_after"]
            emit_rows(law_queries.flags(con, code), law_queries.FLAG_FIELDS, fmt, shown)
            return
        rows = law_queries.laws(con, code)
    shown = ["state", "instrument", "effect", "status", "in_force_from", "verified", "flags"]
    emit_rows(rows, [*law_queries.LAW_FIELDS, "flags"], fmt, shown)


@app.command()
def compliance(
    state: Annotated[str, typer.Option(help="Two-letter state code of a mandate state: FL, TX or GA.")],
    on: DateOpt = None,
    monthly: Annotated[bool, typer.Option("--monthly", help="The share at each month-end since the law.")] = False,
    counties: Annotated[
        bool, typer.Option("--counties", help="One row per covered agency (also with --format json).")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Who a state's 287(g) mandate covers and who has complied, on a day (default: the newest).

    The covered counties (each county's sheriff, and the county body running its jail where there is one, from
    the FBI roster and the county list) with their standing on ICE's lists that day: `active` (with the models and
    the signing, and `days_after_law` from the day the law took effect), `pending`, or `none`; and the summary
    (`covered`, `active`, `pending`, `none`, `compliant`, `share`). `--format json` prints the API's
    `/api/v1/compliance/{state}` answer; `--counties` (and `--format csv`) one row per covered agency, as
    `/api/v1/compliance/{state}/counties`; `--monthly` the share at each month-end, as `.../monthly`.
    """
    from .queries import laws as law_queries

    with _connect() as con:
        code, day = _check(params.state, state), _day(on)
        answer = law_queries.compliance(con, code or state, day)  # (code is None only for no state)
        if answer is None:
            mandates = ", ".join(law_queries.mandate_states(con))
            _fail(f"--state: {code} has no mandate whose covered agencies we count (those that do: {mandates})")
    assert answer is not None  # (_fail exits)
    law, summary = answer["law"], answer["summary"]
    if monthly:
        emit_rows(answer["monthly"], law_queries.MONTH_FIELDS, fmt)
        return
    if fmt is Format.json and not counties:
        emit_json(answer)
        return
    if fmt is Format.table:
        err.print(
            f"{law['state']}: {law['instrument']} ({law['effect'].replace('_', ' ')}, in force from "
            f"{law['in_force_from']}). On {answer['as_of']} (ICE's list of {answer['list_day']}): "
            f"{summary['compliant']} of {summary['covered']} counties comply ({summary['share']:.0%}); "
            f"{summary['active']} active, {summary['pending']} pending, {summary['none']} none.",
            highlight=False,
            soft_wrap=True,
        )
    shown = ["county", "county_status", "agency_name", "role", "models", "signed", "days_after_law"]
    emit_rows(law_queries.compliance_rows(answer), law_queries.COMPLIANCE_FIELDS, fmt, shown)


@app.command()
def coverage(
    on: DateOpt = None,
    by: Annotated[str | None, typer.Option(help="Break down by state, model or month.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Counties, states and population where at least one agreement applies on a day (default: the newest day).

    A local agency's counties, or every county of a state with a statewide agreement (`local` leaves statewide
    agreements out), overall and by model; `--by month` gives the month-ends since 2021.
    """
    _summary(on, _check(params.coverage_by, by), fmt, queries.coverage, queries.coverage_by)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8287,
) -> None:
    """Serve the web dashboard and the HTTP API (read-only) from the warehouse.

    The pages and the JSON API under `/api/v1/`: see "Web and HTTP API" in the README.
    """
    import uvicorn

    from . import atlas
    from .web.app import create_app

    try:
        atlas.check()  # the map's data, before anything is served
        web = create_app(state.db)
    except FileNotFoundError as exc:
        _fail(str(exc))
    except duckdb.Error as exc:  # e.g. a warehouse built by another version, without today's columns
        reason = str(exc).splitlines()[0]
        _fail(f"{state.db}: cannot be served ({reason}); run `open287g rebuild` to build it with this version")
    err.print(f"open287g on http://{host}:{port}/ ({state.db})", highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning")


@app.command()
def moa(
    file: Annotated[Path, typer.Argument(help="An MOA PDF (in the archive or not).", exists=False)],
    fmt: FormatOpt = Format.table,
) -> None:
    """What one MOA PDF says: model, state, agency, signatures, the delegated authorities, the template revision.

    Reads the text layer, OCRs scanned pages (with tesseract; cached beside the warehouse), and prints `model`
    (JEM|TFM|WSO), `state` (2-letter), `agency`, `signatures` (a list of {`party` ICE|LEA|other, `name`, `title`,
    `date` YYYY-MM-DD or null, `date_kind`, `date_reason`, `page`}), `authorities` (the document's own words, one
    string per delegated authority), `authorities_matched` (each against the model's canonical list, with its page and
    clause), `template_revision` (e.g. "Revised 02/15/2025", or null), `ocr_pages`, and the page each field was
    read from. Exits 1 with one `error:` line when the file is not a readable PDF.
    """
    from .sources.moa_pdf import MoaPdfError
    from .stages import documents as docstage

    if not file.is_file():
        _fail(f"{file}: no such file")
    agencies = None
    if state.db.exists():  # the record places a party its text names without a state
        with _connect() as con:
            agencies = queries.agency_names(con)
    try:
        answer = docstage.describe(file.name, file.read_bytes(), Cache.beside(state.db), agencies)
    except MoaPdfError as exc:
        _fail(f"{file}: {exc}")
        return
    emit_document(answer, fmt)


@app.command()
def documents(
    agency: Annotated[str | None, typer.Option(help="Only the documents of this agency (its id).")] = None,
    search: Annotated[str | None, typer.Option(help='Full-text search: every word, or a "quoted phrase".')] = None,
    limit: Annotated[int, typer.Option(help="Search: at most this many pages.")] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """The MOA documents in the archive, or the pages that match a full-text search.

    Without `--search`: one row per document (newest signing first) with `sha256`, `file_name`, `status`, `model`,
    `state`, `agency`, `template_revision`, `signed_on`, `pages`, `ocr_pages`, `n_authorities`, `field_office`,
    `agreement_ids` (the agreements it is linked to) and `agency_ids`. With `--search TEXT`: one row per matching
    page, best first, with `sha256`, `page`, `snippet` (the matched words between « and »), `file_name`, `agency`,
    `state` and `model`.
    """
    import polars

    with _connect() as con:
        if agency:
            current = queries.resolve_agency(con, agency)
            if current is None:
                _fail(f"unknown agency {agency!r} (give its id, e.g. TX/ellis-county-sheriffs-office)")
            agency = current
        if search is not None:
            found = queries.search_documents(con, state.db, search, limit=limit, agency_id=agency)
            cols = ["sha256", "page", "snippet", "file_name", "agency", "state", "model"]
            rows = [{c: h.get(c) for c in cols} for h in found["hits"]]
            err.print(f"{found['total']} page(s) match {search!r}", highlight=False)
            emit(polars.DataFrame(rows, schema=cols) if not rows else polars.DataFrame(rows), fmt)
            return
        rows = queries.documents(con, agency)
    df = polars.DataFrame(rows) if rows else polars.DataFrame(schema=["sha256", "file_name", "status"])
    emit(
        df,
        fmt,
        ["sha256", "file_name", "status", "model", "state", "agency", "signed_on", "n_authorities"] if rows else None,
    )


@app.command()
def export(
    to: Annotated[
        Path, typer.Option("--to", help="The folder to write: new, empty, or an earlier export (replaced whole).")
    ],
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: csv, parquet, geojson, sqlite.")
    ] = "csv,parquet,geojson,sqlite",
    on: DateOpt = None,
) -> None:
    """The datasets as files: CSV, Parquet, GeoJSON and a Datasette-ready SQLite database, documented.

    Writes one file (or Parquet folder) per dataset: publications, roster_rows (each row with its file's sha256 and
    row number), agencies, agreements (with `former_ids`), events, counties, coverage, county_months (the county x
    month panel), documents (fields, not PDFs) and their pages, outcomes (FOIA arrests, landmark links, operations),
    laws and compliance; `datapackage.json` (Frictionless: every table's schema with types, descriptions, primary
    and foreign keys) with the CSVs; `DATA_DICTIONARY.md`; `export.json` (rows and files per dataset). `--on` reads
    the day-dependent datasets (coverage, county_months, compliance) on that day. The folder is built beside its
    destination and swapped in whole; the same warehouse always exports to the same bytes.
    """
    from . import exports

    try:
        chosen = exports.parse_formats(formats)
    except exports.ExportError as exc:
        _fail(f"--format: {exc}")
    with _connect() as con:
        try:
            manifest = exports.write(con, to, chosen, _day(on), progress=_written)
        except exports.ExportError as exc:
            _fail(str(exc))
    n = sum(d["rows"] for d in manifest["datasets"])
    err.print(f"{len(manifest['datasets'])} datasets, {n:,} rows, as of {manifest['day']}: {to}", highlight=False)


@app.command()
def release(
    to: Annotated[Path, typer.Option("--to", help="The folder that holds the releases.")],
    on: DateOpt = None,
) -> None:
    """A dated, checksummed release: `open287g-YYYY-MM-DD/` in the folder, named by the record's newest day.

    The whole export (every format) plus CHANGELOG.md (the day's counts beside the previous release's in the same
    folder, and every event between; a folder's first release counts its events by kind), CITATION.cff and
    SHA256SUMS. Everything comes from the warehouse, rebuilt from the archive: two releases of one archive are the
    same bytes.
    """
    from . import exports
    from .exports import release as releases

    with _connect() as con:
        try:
            target = releases.release(con, to, _day(on), progress=_written)
        except exports.ExportError as exc:
            _fail(str(exc))
    err.print(f"release: {target}", highlight=False)
    print(target)


def _written(name: str, rows: int) -> None:
    err.print(f"  {name}: {rows:,} rows", highlight=False)


@app.command()
def check(fmt: FormatOpt = Format.table) -> None:
    """QA invariants of the warehouse; exits 1 when any fails.

    The checks stored in `qa_checks`, each `pass`, `fail`, `warn` or `info` with a count, a sentence and up to 50
    offending items.
    """
    with _connect() as con:
        df = queries.qa_checks(con)
    emit(df, fmt, ["check_name", "status", "n", "detail"])
    if (df["status"] == "fail").any():
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
