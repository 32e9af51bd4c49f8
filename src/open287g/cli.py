"""`open287g` command line: a thin layer over pipeline and queries."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import queries, warehouse
from .archive import Archive
from .domain import vocab
from .output import Format, emit, emit_object, emit_profile
from .sources.local import SourceError

app = typer.Typer(
    help="open287g: every ICE 287(g) roster publication, kept and read exactly.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)


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
        typer.Option(envvar="OPEN287G_ARCHIVE", help="Archive folder [default: <db stem>.archive beside the db]."),
    ] = None,
) -> None:
    state.db = db
    state.archive = archive or Archive.beside(db).root


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _connect():
    try:
        return warehouse.connect(state.db)
    except FileNotFoundError as exc:
        _fail(str(exc))


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Workbooks or folders (a folder's snapshots.csv dates its files).")
    ],
    observed: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Observation date for files without a log.")
    ] = None,
) -> None:
    """Archive the files and rebuild the warehouse from the archive."""
    show = sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        from . import pipeline  # the build stages load only for an import

        try:
            result = pipeline.import_paths(
                state.db, Archive(state.archive), paths, observed.date() if observed else None, progress
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
def publications(
    fmt: FormatOpt = Format.table,
    kind: Annotated[str | None, typer.Option(help="participating or pending.")] = None,
    status: Annotated[str | None, typer.Option(help="ok, suspect or rejected.")] = None,
) -> None:
    """Every distinct roster publication with its files, observation dates, rows and status."""
    if kind and kind not in queries.KINDS:
        _fail(f"--kind must be one of {', '.join(queries.KINDS)}")
    if status and status not in queries.PUBLICATION_STATUSES:
        _fail(f"--status must be one of {', '.join(queries.PUBLICATION_STATUSES)}")
    with _connect() as con:
        df = queries.publications(con, kind, status)
    emit(df, fmt, ["publication_id", "kind", "first_observed", "last_observed", "rows", "status", "n_observations"])


DateOpt = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Day (YYYY-MM-DD).")]
StateOpt = Annotated[str | None, typer.Option(help="Two-letter state code, e.g. TX.")]


def _day(value: dt.datetime | None) -> dt.date | None:
    """The day asked for; None lets the query take the newest day the warehouse knows."""
    return value.date() if value else None


def _state(value: str | None) -> str | None:
    if value is None:
        return None
    code = vocab.state_code(value)
    if code is None:
        _fail(f"--state: unknown state {value!r} (use a two-letter code such as TX)")
    return code


def _choice(option: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        _fail(f"{option} must be one of {', '.join(allowed)}")
    return value


@app.command()
def counts(
    on: DateOpt = None,
    by: Annotated[str | None, typer.Option(help="Break down by state, model, type or month.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Agreements, agencies and pending listings on a day (default: the newest day)."""
    _summary(on, _choice("--by", by, queries.COUNTS_BY), fmt, queries.counts, queries.counts_by)


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
    status: Annotated[
        str | None, typer.Option(help="active, ended, superseded, pending or pending_removed.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every agreement ever seen, not those listed on one day.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Agreements listed on a day (default: the newest day), or --all (also with only --status)."""
    model = _choice("--model", model.upper() if model else None, queries.MODELS)
    _choice("--status", status, queries.AGREEMENT_STATUSES)
    with _connect() as con:
        # no day: the newest day, unless --all or a --status alone asks for every agreement
        df = queries.agreements(
            con, None if all_ else _day(on), _state(state), model, status, newest=not (all_ or on or status)
        )
    emit(df, fmt, ["agreement_id", "agency_name", "state", "model", "signed", "status", "first_listed", "moa_state"])


@app.command()
def agency(
    words: Annotated[
        list[str], typer.Argument(help="An agency id (TX/harris-county-sheriffs-office) or words of its name.")
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """One agency's profile, agreements and full history."""
    query = " ".join(words)
    with _connect() as con:
        found = queries.find_agencies(con, query)
        if found.is_empty():
            _fail(f"no agency matches {query!r}")
        if len(found) > 1 and found["agency_id"][0] != query:
            err.print(f"{len(found)} agencies match {query!r}; showing the first. Others:", highlight=False)
            for aid, name in found.select("agency_id", "name").rows()[1:10]:
                err.print(f"  {aid}  {name}", highlight=False)
        profile = queries.agency_profile(con, found["agency_id"][0])
    emit_profile(profile, fmt)


@app.command()
def changes(
    since: DateOpt = None,
    until: DateOpt = None,
    state: StateOpt = None,
    kind: Annotated[str | None, typer.Option(help="Only events of this kind (listed, ended, renamed, ...).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """What changed between two days (inclusive): listings, endings, renames, date revisions, MOAs."""
    _choice("--kind", kind, queries.EVENT_KINDS)
    if since and until and until < since:
        _fail("--until is before --since")
    with _connect() as con:
        df = queries.changes(con, since.date() if since else None, until.date() if until else None, _state(state), kind)
    emit(df, fmt, ["date", "kind", "state", "model", "agency_name", "signed", "agreement_id"])


@app.command("agencies")
def agencies_(on: DateOpt = None, state: StateOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Agencies with an agreement listed on a day, with jurisdiction level, county FIPS and models."""
    with _connect() as con:
        df = queries.agencies(con, _day(on), _state(state))
    emit(df, fmt, ["agency_id", "name", "jurisdiction_level", "county_fips", "models"])


@app.command()
def coverage(
    on: DateOpt = None,
    by: Annotated[str | None, typer.Option(help="Break down by state, model or month.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Counties, states and population where at least one agreement applies on a day."""
    _summary(on, _choice("--by", by, queries.COVERAGE_BY), fmt, queries.coverage, queries.coverage_by)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8287,
) -> None:
    """Serve the web dashboard and the HTTP API (read-only) from the warehouse."""
    import uvicorn

    from .web.app import create_app

    try:
        web = create_app(state.db)
    except FileNotFoundError as exc:
        _fail(str(exc))
    err.print(f"open287g on http://{host}:{port}/ ({state.db})", highlight=False)
    uvicorn.run(web, host=host, port=port, log_level="warning")


@app.command()
def check(fmt: FormatOpt = Format.table) -> None:
    """QA invariants of the warehouse; exits 1 when any fails."""
    with _connect() as con:
        df = queries.qa_checks(con)
    emit(df, fmt, ["check_name", "status", "n", "detail"])
    if (df["status"] == "fail").any():
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
