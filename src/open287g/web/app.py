"""The HTTP layer: the JSON/CSV API under /api/v1 and the server-rendered pages. Read-only, thin:
every answer comes from the named queries (open287g.queries) on the snapshot of the warehouse being
served, whose point-in-time answers are held in memory; parameters go through queries.params."""

from __future__ import annotations

import datetime as dt
import re
import sys
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import duckdb
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import queries, sync, warehouse
from ..alerts import deliver as alerting
from ..alerts import signup
from ..alerts.store import AlertError, Store
from ..archive import Archive
from ..domain import vocab
from ..exports import package
from ..output import csv_records, csv_text, json_with, records
from ..queries import Snapshot, params
from ..queries import laws as law_queries
from ..queries import outcomes as outcome_queries
from . import atom, charts, mapsvg, openapi, sentences
from .sentences import fill

HERE = Path(__file__).parent
STRINGS = sentences.STRINGS
LANGS = ("en", "es")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class _Guard:
    """Only GET and HEAD (HEAD answered as GET without the body), and POST to the alert forms; security
    headers on every answer.
    Plain ASGI: it sits on every request, so it must cost next to nothing."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method = scope["method"]
        if method not in ("GET", "HEAD") and not (method == "POST" and scope["path"] in POSTED):
            response = PlainTextResponse(
                "Method not allowed: this site is read-only.",
                status_code=405,
                headers={"Allow": "GET, HEAD", **SECURITY_HEADERS},
            )
            return await response(scope, receive, send)
        if method == "HEAD":
            scope = {**scope, "method": "GET"}

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _HEADERS
            elif message["type"] == "http.response.body" and method == "HEAD":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, guarded_send)


_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]


class Served:
    """One snapshot of the warehouse as served: its own DuckDB instance (the file ATTACHed to an
    in-memory database), its point-in-time answers in memory (queries.Snapshot) and its cache of whole
    answers. A request takes one and uses it throughout, so requests still running when an import
    swaps the file finish on the old snapshot, which is freed when they are done."""

    def __init__(self, path: Path, stamp: int) -> None:
        self.stamp = stamp
        # one DuckDB thread per query: answers are small, and the requests are the parallelism
        self.con = duckdb.connect(config={"threads": 1})
        self.con.execute("ATTACH ? AS w (READ_ONLY)", [str(path)])
        self.answers = Snapshot(self.cursor).load()
        self.cache: OrderedDict[str, tuple[int, bytes, list]] = OrderedDict()
        self.cache_bytes = 0
        self.checked = -1  # the sync-log stamp the cached answers were made under

    def checked_at(self, stamp: int) -> None:
        """Pages and the status say when ICE was last checked: a new sync empties the cache."""
        if stamp != self.checked:
            self.cache.clear()
            self.cache_bytes = 0
            self.checked = stamp

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        cur.execute("USE w")
        return cur

    def remember(self, key: str, answer: tuple[int, bytes, list]) -> None:
        """Keep an answer within the byte budget (key, headers and body counted); the least recently
        used go first. Very long URLs are not kept: they would only push useful answers out."""
        if len(key) > CACHE_KEY_CHARS:
            return
        size = _entry_bytes(key, answer)
        if size > CACHE_ENTRY_BYTES:
            return
        old = self.cache.pop(key, None)  # two requests that missed at once both bring the answer
        if old is not None:
            self.cache_bytes -= _entry_bytes(key, old)
        self.cache[key] = answer
        self.cache_bytes += size
        while self.cache_bytes > CACHE_BYTES:
            gone, answer = self.cache.popitem(last=False)
            self.cache_bytes -= _entry_bytes(gone, answer)


def _entry_bytes(key: str, answer: tuple[int, bytes, list]) -> int:
    _, body, headers = answer
    return CACHE_ENTRY_OVERHEAD + len(key) + len(body) + sum(len(k) + len(v) for k, v in headers)


class LiveWarehouse:
    """The warehouse being served, reopened when an import swaps in a new file (its mtime changes).
    A file that cannot be served (e.g. built by another version) is reported once and the snapshot
    already open goes on serving."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self.lock = threading.Lock()
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no warehouse yet (run `open287g import` first)")
        self.served = Served(self.path, self.path.stat().st_mtime_ns)
        self.refused: int | None = None  # the stamp of a file that could not be opened
        root = warehouse.meta(self.path).get("archive")
        self.sync_log: Path | None = Archive(root).root / sync.LOG if root else None
        self._checked: tuple[int, dict] = (-1, {})

    def _waiting(self) -> int | None:
        """The stamp of a new file waiting to be opened, if any (a stat: cheap enough for every request)."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:  # mid-swap: keep serving what we have
            return None
        return stamp if stamp not in (self.served.stamp, self.refused) else None

    def stale(self) -> bool:
        return self._waiting() is not None

    def current(self) -> Served:
        """The snapshot to answer from, opening a new file first if there is one (blocking: call it
        from a worker thread when stale())."""
        if self.stale():
            with self.lock:
                stamp = self._waiting()  # another request may have opened it meanwhile
                if stamp is not None:
                    try:
                        self.served = Served(self.path, stamp)
                    except (duckdb.Error, OSError) as e:
                        self.refused = stamp
                        print(
                            f"error: {self.path}: cannot serve the new warehouse ({str(e).splitlines()[0]}); "
                            "still serving the previous one",
                            file=sys.stderr,
                            flush=True,
                        )
        return self.served

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.current().cursor()

    def checked(self) -> tuple[int, dict]:
        """(stamp, status) of the archive's sync log: when ICE was last checked and what came of it; the
        stamp changes with every sync, so answers that show it are not served stale from the cache."""
        try:
            stamp = self.sync_log.stat().st_mtime_ns if self.sync_log else 0
        except FileNotFoundError:
            stamp = 0
        if stamp != self._checked[0]:
            self._checked = (stamp, sync.status(Archive(self.sync_log.parent)) if self.sync_log and stamp else {})
        return self._checked


class _Cache:
    """Answers (API and pages) depend only on the URL and the snapshot: repeats are served from
    memory, compressed or not as the client asks (it sits outside the compression, so a page is
    compressed once). Plain ASGI, for the same reason as the guard."""

    def __init__(self, app, snapshot: LiveWarehouse) -> None:
        self.app, self.snapshot = app, snapshot

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(UNCACHED):
            return await self.app(scope, receive, send)
        snapshot = self.snapshot
        # opening a new snapshot takes ~0.3 s: never on the event loop
        served = await run_in_threadpool(snapshot.current) if snapshot.stale() else snapshot.served
        served.checked_at(snapshot.checked()[0])
        gzip = any(k == b"accept-encoding" and b"gzip" in v for k, v in scope["headers"])
        raw = scope.get("raw_path") or scope["path"].encode()
        key = (raw + b"?" + scope.get("query_string", b"")).decode("latin-1") + (" gzip" if gzip else "")
        if scope["path"].startswith("/feeds/"):  # feeds link absolutely, to the host they were asked of
            key += " " + next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
        if not scope["path"].startswith("/api/") and b"lang=" not in scope.get("query_string", b""):
            accept = next((v for k, v in scope["headers"] if k == b"accept-language"), b"")
            key += " " + negotiate(accept.decode("latin-1"))  # a page in the browser's language
        # "Cache-Control: no-cache" asks for the answer computed again (what the benches time as cold)
        fresh = any(k == b"cache-control" and b"no-cache" in v for k, v in scope["headers"])
        hit = None if fresh else served.cache.get(key)
        if hit is not None:
            served.cache.move_to_end(key)  # least recently used answers go first
            status, body, headers = hit
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        # the endpoint answers from the same snapshot, so what is kept here is that snapshot's answer
        scope = {**scope, "state": {**scope.get("state", {}), "served": served}}
        start, chunks = {}, []

        async def keep(message):
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    body = b"".join(chunks)
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                    if start["status"] == 200:
                        served.remember(key, (200, body, headers))
            await send(message)

        await self.app(scope, receive, keep)


UNCACHED = ("/static/", "/files/", "/alerts/")  # files on disk, and the alert forms' answers (each its own)
POSTED = ("/alerts/subscribe", "/alerts/confirm", "/alerts/unsubscribe")  # the only forms: the alerts'
FORM_BYTES = 4096
CACHE_BYTES = 64 << 20  # the whole cache; the oldest answers go first
CACHE_ENTRY_BYTES = 4 << 20  # larger answers are computed each time
CACHE_ENTRY_OVERHEAD = 512  # what an entry costs beyond its key, headers and body (objects, list, dict slot)
CACHE_KEY_CHARS = 2048
CHANGES_PAGE = 100  # events a page of /changes shows
HOME_CHANGES = 25  # the newest changes of the last two weeks on the home page
MAX_ROWS = 10**9  # the largest count, offset or page a request may give: larger is a 400, never an overflow


def create_app(db_path: Path, mail: alerting.Mail | None = None) -> FastAPI:
    """The site and API over a warehouse; e-mail alerts go through `mail` (default: OPEN287G_SMTP_* from the
    environment; none set, the sign-up form is not shown)."""
    snapshot = LiveWarehouse(db_path)
    mail = mail or alerting.Mail.from_env()
    app = FastAPI(
        title="open287g API",
        version="1",
        description="Every ICE 287(g) roster publication, read exactly: agreements, agencies, changes and coverage. "
        "Lists take ?format=csv for a CSV twin.",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(known_parameters)],
    )
    app.state.snapshot = snapshot
    documented: dict[tuple, dict] = {}  # the document for (snapshot, today): a day's range ends today

    def openapi_document() -> dict:
        served = snapshot.served
        key = (served.stamp, dt.date.today())
        if key not in documented:
            documented.clear()
            documented[key] = openapi.spec(app, served.answers.first, key[1])
        return documented[key]

    app.openapi = openapi_document  # type: ignore[method-assign]
    # each added one wraps the ones before: guard(cache(compression(app)))
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(_Cache, snapshot=snapshot)
    app.add_middleware(_Guard)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["marked"] = marked
    templates.env.filters["fill"] = fill

    def served(request: Request) -> Served:
        # the snapshot the answer cache saw for this request, so that what it keeps is consistent
        return request.scope.get("state", {}).get("served") or snapshot.current()

    async def in_memory(request: Request) -> Snapshot:
        return served(request).answers

    Mem = Depends(in_memory)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        if not request.url.path.startswith("/api/"):  # a page says it as a page
            return page(request, "not_found.html", status=400, what=problems, heading="bad_request")
        return JSONResponse({"detail": f"bad parameter: {problems}"}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException):
        """A page answers as a page (an address with nothing at it included); the API in JSON."""
        if request.url.path.split("/")[1:2] == ["api"] or exc.status_code != 404:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "not_found.html", status=404, what=request.url.path)

    @app.exception_handler(params.ParamError)
    async def bad_param(request: Request, exc: params.ParamError):
        if not request.url.path.startswith("/api/"):  # a page says it as a page
            return page(request, "not_found.html", status=400, what=str(exc), heading="bad_request")
        return JSONResponse({"detail": f"bad parameter: {exc}"}, status_code=400)

    # -- API ------------------------------------------------------------------------------
    # Every answer comes from the named queries on the request's snapshot, whose point-in-time
    # answers are in memory (async: no DuckDB, no thread hop); CSV twins are the same answers as
    # DataFrames, the other lists SQL on a cursor of the snapshot, in the thread pool.
    def csv_body(name: str, frame) -> Response:
        return PlainTextResponse(
            csv_text(frame),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
        )

    def csv_rows(name: str, rows: list[dict], columns) -> Response:
        return PlainTextResponse(
            csv_records(rows, columns),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
        )

    def as_csv(name: str, query, mem: Snapshot, *args, **kwargs) -> Response:
        """A list's CSV twin: the same named query as its JSON, as a DataFrame."""
        return csv_body(name, query(mem, *args, **kwargs))

    def json_body(text: str) -> Response:
        return Response(text, media_type="application/json")

    Fmt = Query("json", description="json or csv")

    def day_param():  # one per parameter: FastAPI must not share one Query between two
        return Query(None, description="A day, YYYY-MM-DD", json_schema_extra={"format": "date"})

    @app.get("/api/v1/counts", tags=["api"])
    async def api_counts(on: str | None = day_param(), mem=Mem):
        """Agreements, agencies (and by model) listed on a day, and the pending list that day."""
        return JSONResponse(queries.counts(mem, params.day("on", on)))

    @app.get("/api/v1/agreements", tags=["api"])
    async def api_agreements(
        on: str | None = day_param(),
        state: str | None = None,
        model: str | None = None,
        status: str | None = Query(None, description=", ".join(queries.AGREEMENT_STATUSES)),
        format: str = Fmt,
        mem=Mem,
    ):
        """Agreements listed on a day (default: the newest; with only a status, every agreement with it),
        filtered by state, model and status."""
        status = params.agreement_status(status)
        day, newest = params.listing(params.day("on", on), status)
        args = (day, params.state(state), params.model(model), status)
        if params.output_format(format) == "csv":
            return await run_in_threadpool(as_csv, "agreements", queries.agreements, mem, *args, newest=newest)
        return json_body(queries.agreements(mem, *args, newest=newest, as_json=True))

    @app.get("/api/v1/agencies", tags=["api"])
    async def api_agencies(on: str | None = day_param(), state: str | None = None, format: str = Fmt, mem=Mem):
        """Agencies with an agreement on a day, with jurisdiction level, county FIPS and models."""
        day, code = params.day("on", on), params.state(state)
        if params.output_format(format) == "csv":
            return await run_in_threadpool(as_csv, "agencies", queries.agencies, mem, day, code)
        return json_body(queries.agencies(mem, day, code, as_json=True))

    @app.get("/api/v1/agencies/{agency_id:path}", tags=["api"])
    async def api_agency(request: Request, agency_id: str, mem=Mem):
        """One agency: profile, agreements and full history. A former id redirects (301) to the current one."""
        current = queries.resolve_agency(mem, agency_id)
        if current is None:
            raise HTTPException(404, f"no agency {agency_id!r}")
        if current != agency_id:
            return moved(request, f"/api/v1/agencies/{current}")
        return json_body(queries.agency_profile(mem, current, as_json=True) or "{}")

    @app.get("/api/v1/changes", tags=["api"])
    async def api_changes(
        since: str | None = day_param(),
        until: str | None = day_param(),
        state: str | None = None,
        kind: str | None = None,
        model: str | None = Query(None, description="JEM, TFM or WSO"),
        signed_since: str | None = day_param(),
        signed_until: str | None = day_param(),
        order: str = Query("oldest", description="oldest (first) or newest (first)"),
        limit: int | None = Query(None, ge=1, le=MAX_ROWS, description="At most this many events (X-Total-Count: all)"),
        offset: int = Query(0, ge=0, le=MAX_ROWS, description="Skip this many events first"),
        format: str = Fmt,
        mem=Mem,
    ):
        """Events between two days (inclusive) on the day ICE listed them, each naming the two publications
        it compares; by state, kind, model and the signing date they carry; oldest or newest first, paged."""
        args = (
            *params.window(params.day("since", since), params.day("until", until)),
            params.state(state),
            params.event_kind(kind),
        )
        signed = params.window(params.day("signed_since", signed_since), params.day("signed_until", signed_until))
        more: dict[str, Any] = {"model": params.model(model), "signed_since": signed[0], "signed_until": signed[1]}
        fmt, newest_first = params.output_format(format), params.order(order) == "newest"
        total = {"X-Total-Count": str(queries.count_changes(mem, *args, **more))}
        more.update(newest_first=newest_first, limit=limit, offset=offset)
        if fmt == "csv":  # named after the view: open287g-changes-TX-TFM-2026-03-01-2026-03-27
            parts = [args[2], more["model"], args[3], args[0] or "start", args[1] or mem.latest]
            name = "-".join(["open287g-changes", *(str(x) for x in parts if x)])
            answer = await run_in_threadpool(as_csv, name, queries.changes, mem, *args, **more)
        else:
            answer = json_body(queries.changes(mem, *args, as_json=True, **more))
        answer.headers.update(total)
        return answer

    @app.get("/api/v1/states/{state}", tags=["api"])
    async def api_state(state: str, on: str | None = day_param(), mem=Mem):
        """One state on a day: its agreements, agencies and coverage."""
        code, day = params.state(state) or "", params.day("on", on)
        summary = {**queries.state_summary(mem, code, day), "name": vocab.state_names().get(code)}
        return json_body(json_with(summary, agencies_listed=queries.agencies(mem, day, code, as_json=True)))

    @app.get("/api/v1/coverage", tags=["api"])
    async def api_coverage(on: str | None = day_param(), mem=Mem):
        """Counties, states and population where at least one agreement applies on a day."""
        return JSONResponse(queries.coverage(mem, params.day("on", on)))

    @app.get("/api/v1/counties", tags=["api"])
    async def api_counties(on: str | None = day_param(), format: str = Fmt, mem=Mem):
        """One row per county: local agencies and models, statewide models, covered or not (the map's data)."""
        if params.output_format(format) == "csv":
            return await run_in_threadpool(as_csv, "counties", queries.county_figures, mem, params.day("on", on))
        return json_body(queries.county_figures(mem, params.day("on", on), as_json=True))

    @app.get("/api/v1/counties/{fips}", tags=["api"])
    def api_county(fips: str, on: str | None = day_param(), mem=Mem):
        """One county's answer on a day: does an agency there have a 287(g) agreement? `answer` (yes|no),
        the county's own agencies, the other local ones, the statewide ones, and the past agreements that
        applied there with their end dates."""
        info = queries.county_answer(mem, params.county_fips(fips), params.day("on", on))
        if info is None:
            raise HTTPException(404, f"no county with FIPS {fips}")
        return JSONResponse(jsonable_encoder(info))

    @app.get("/api/v1/search", tags=["api"])
    def api_search(
        q: str = Query(
            ..., description="A county (with or without 'County', its state, 'condado'), a 5-digit FIPS, or an agency"
        ),
        page: int = Query(1, ge=1, le=MAX_ROWS, description="Which 50 agencies (1: the first)"),
        on: str | None = day_param(),
        mem=Mem,
    ):
        """Places and agencies a query finds: counties with their answer on a day (default: the newest list),
        agencies page by page, and `go`, the one county the query leads straight to."""
        day = params.day("on", on)
        return JSONResponse(jsonable_encoder(queries.search_places(mem, params.search_text(q) or "", page, day)))

    @app.get("/api/v1/panel/counties", tags=["api"])
    def api_county_panel(
        since: str | None = Query(None, description="The first month, YYYY-MM (default: the record's first)"),
        until: str | None = Query(None, description="The last month, YYYY-MM (default: the newest)"),
        state: str | None = Query(None, description="One state, e.g. TX (default: every county)"),
        format: str = Query("csv", description="csv (default: ~200,000 rows for every county) or json"),
        mem=Mem,
    ):
        """The researcher's panel: one row per county and month since the record begins, with its FIPS,
        the local agencies by model whose agreements applied there at the month's end, the statewide ones
        apart, and the list read (`day`, `publication_id`)."""
        args = (params.month("since", since), params.month("until", until), params.state(state))
        if args[0] and args[1] and args[1] < args[0]:
            raise params.ParamError("until", f"{args[1]} is before since {args[0]}")
        fmt = params.output_format(format)  # refused before the panel is built: a bad format costs nothing
        frame = queries.county_panel(mem, *args)
        name = "-".join(["open287g-county-panel", *(x for x in (args[2], args[0], args[1]) if x)])
        if fmt == "csv":
            return csv_body(name, frame)
        return JSONResponse(jsonable_encoder(frame.to_dicts()))

    @app.get("/api/v1/status", tags=["api"])
    async def api_status(mem=Mem):
        """When ICE's page was last checked (the newest sync that reached it, null for a warehouse only ever
        imported), the last attempt and its error, and when the record last changed (the newest list put up)."""
        return JSONResponse(jsonable_encoder(queries.status(mem, snapshot.checked()[1])))

    @app.get("/api/v1/arrests", tags=["api"])
    def api_arrests(
        method: str = Query("287g", description="The apprehension method: 287g, or all"),
        by: str = Query("fiscal_year", description="What to count by: " + ", ".join(outcome_queries.ARRESTS_BY)),
        format: str = Fmt,
        mem=Mem,
    ):
        """ICE's administrative arrests from its FOIA releases, counted by one field: each group's arrests of the
        method, every method's (`all_arrests`), the share, and the days it spans. A 287(g) arrest is one ICE coded
        "287(g) Program"; the landmark is the officer's free text, not an agency."""
        chosen, breakdown, fmt = params.arrest_method(method), params.arrests_by(by), params.output_format(format)
        rows = outcome_queries.arrests(mem, chosen, breakdown)
        if not rows and not outcome_queries.facts(mem)["arrests"]:  # the releases' scan only when nothing answers
            raise HTTPException(404, "no FOIA arrest release in this warehouse")
        if fmt == "csv":
            name = f"open287g-arrests-{chosen}-by-{breakdown}"
            return csv_rows(name, rows, [breakdown, *outcome_queries.ARREST_FIELDS])
        return JSONResponse(jsonable_encoder(rows))

    @app.get("/api/v1/arrests/about", tags=["api"])
    def api_arrests_about(mem=Mem):
        """What the arrest records cover (FOIA numbers, first and last day, arrests, 287(g) arrests, the share of
        those with no landmark, the fiscal years covered only in part) and what they cannot say (`caveats`, in
        English and Spanish): the context of every /api/v1/arrests answer."""
        about = {
            **outcome_queries.facts(mem),
            "linking": outcome_queries.linking(mem),
            "detainers": outcome_queries.detainer_facts(mem),
        }
        said = {lang: outcome_queries.caveats(mem, lang) for lang in outcome_queries.CAVEATS}
        return JSONResponse(jsonable_encoder({**about, "caveats": said}))

    @app.get("/api/v1/detainers", tags=["api"])
    def api_detainers(
        program: str = Query("287g", description="The detainer's program: 287g, or all"),
        by: str = Query("fiscal_year", description="What to count by: " + ", ".join(outcome_queries.DETAINERS_BY)),
        format: str = Fmt,
        mem=Mem,
    ):
        """ICE's detainers (requests to jails and prisons to hold a person) from the newer FOIA releases, counted
        by one field: each group's detainers of the program, every program's (`all_detainers`), the share, and the
        days it spans. A 287(g) detainer is one whose program ICE recorded as 287(g). 404 without a detainer
        release."""
        chosen, breakdown = params.detainer_program(program), params.detainers_by(by)
        fmt = params.output_format(format)
        rows = outcome_queries.detainers(mem, chosen, breakdown)
        if not rows and not outcome_queries.detainer_facts(mem)["detainers"]:
            raise HTTPException(404, "no detainer release in this warehouse")
        if fmt == "csv":
            name = f"open287g-detainers-{chosen}-by-{breakdown}"
            return csv_rows(name, rows, [breakdown, *outcome_queries.DETAINER_FIELDS])
        return JSONResponse(jsonable_encoder(rows))

    @app.get("/api/v1/arrests/landmarks", tags=["api"])
    def api_landmarks(
        link: str | None = Query(None, description="Only those linked to an agency, a place, or none"),
        state: str | None = Query(None, description="Only those linked in this state: TX, Texas"),
        format: str = Fmt,
        mem=Mem,
    ):
        """The landmarks of ICE's 287(g) arrests, most 287(g) arrests first, each with what it is linked to (an
        agency of our record, a place, or none), on what basis (rule or our reviewed table) and why; for the
        unlinked, close agency names a reviewer might look at (never links)."""
        rows = outcome_queries.landmarks(mem, params.landmark_link(link), params.state(state))
        if params.output_format(format) == "csv":
            return csv_rows("open287g-landmarks", rows, outcome_queries.LANDMARK_FIELDS)
        return JSONResponse(jsonable_encoder(rows))

    @app.get("/api/v1/arrests/places/{state}", tags=["api"])
    def api_place_arrests(
        state: str,
        county: str | None = Query(None, description="Only this county of the state (5-digit FIPS)"),
        mem=Mem,
    ):
        """The arrests whose landmarks are linked to a state (or one of its counties), by fiscal year, with the
        landmarks that place them. 404 when the records place no 287(g) arrest there."""
        code = params.state(state) or state  # (None only for no state)
        answer = outcome_queries.place_arrests(mem, code or state, county) if code else None
        if answer is None:
            raise HTTPException(404, f"no 287(g) arrest linked to {state}{' ' + county if county else ''}")
        return JSONResponse(jsonable_encoder(answer))

    @app.get("/api/v1/arrests/agencies/{agency_id:path}", tags=["api"])
    def api_agency_arrests(request: Request, agency_id: str, mem=Mem):
        """The arrests whose landmarks are linked to one agency: by fiscal year, its landmarks, and for each of its
        agreements the arrests before and after signing within the days the records cover. A former id redirects
        (301); 404 when no arrest is linked to the agency."""
        current = queries.resolve_agency(mem, agency_id)
        if current is not None and current != agency_id:
            return moved(request, f"/api/v1/arrests/agencies/{current}")
        answer = outcome_queries.agency_arrests(mem, current) if current else None
        if answer is None:
            raise HTTPException(404, f"no arrest linked to agency {agency_id!r}")
        return JSONResponse(jsonable_encoder(answer))

    @app.get("/api/v1/operations", tags=["api"])
    def api_operations(format: str = Fmt, mem=Mem):
        """Announced multi-agency operations (our reviewed table, with sources), newest first, each beside ICE's
        FOIA arrest records for the same days when the archived releases span them."""
        rows = outcome_queries.operations(mem)
        if params.output_format(format) == "csv":
            return csv_rows("open287g-operations", rows, outcome_queries.OPERATION_FIELDS)
        return JSONResponse(jsonable_encoder(rows))

    @app.get("/api/v1/dictionary", tags=["api"])
    def api_dictionary(format: str = Fmt):
        """The data dictionary of the datasets `open287g export` writes: one row per column with its dataset, type
        (Frictionless: string, integer, number, boolean, date, datetime, array), whether it is part of the primary
        key, the table.column it refers to, and its description; made from the file that builds the warehouse."""
        rows = package.dictionary_rows()
        if params.output_format(format) == "csv":
            return csv_rows("open287g-data-dictionary", rows, list(package.DICTIONARY_FIELDS))
        return JSONResponse(rows)

    @app.get("/api/v1/laws", tags=["api"])
    def api_laws(
        state: str | None = Query(None, description="Only this state's: TX, Texas"), format: str = Fmt, mem=Mem
    ):
        """State laws and executive orders on 287(g) (our reviewed table, each with its citation and whether it is
        verified), by state and date: effect (requires, requires_to_apply, encourages_with_money, directs,
        restricts, bans, none), status, dates, whom it covers, its summary in English and Spanish, and how many
        agreements it flags for review (`flags`; /api/v1/laws/flags lists them)."""
        rows = law_queries.laws(mem, params.state(state))
        if params.output_format(format) == "csv":
            return csv_rows("open287g-state-laws", rows, [*law_queries.LAW_FIELDS, "flags"])
        return JSONResponse(jsonable_encoder(rows))

    @app.get("/api/v1/laws/flags", tags=["api"])
    def api_law_flags(
        state: str | None = Query(None, description="Only this state's: MD, Maryland"), format: str = Fmt, mem=Mem
    ):
        """The agreements listed in a state on or after the day its ban or restriction of 287(g) calls for review
        (`review_from`: the law's deadline for ending agreements, else the day it binds), with their dates: facts for
        review, never a finding that a law was broken."""
        rows = law_queries.flags(mem, params.state(state))
        if params.output_format(format) == "csv":
            return csv_rows("open287g-law-flags", rows, law_queries.FLAG_FIELDS)
        return JSONResponse(jsonable_encoder(rows))

    def compliance_of(mem: Snapshot, state: str, on: str | None) -> dict:
        code = params.state(state) or state  # (None only for no state)
        answer = law_queries.compliance(mem, code, params.day("on", on))
        if answer is None:
            raise HTTPException(404, f"{code} has no state mandate whose covered agencies are counted")
        return answer

    @app.get("/api/v1/compliance/{state}", tags=["api"])
    def api_compliance(state: str, on: str | None = day_param(), mem=Mem):
        """A mandate state's covered counties on a day (each county's sheriff, and the county body running its
        jail where there is one) with their standing on ICE's lists: active (models, signing, days after the law
        took effect), pending or none; the law, the summary and the share at each month-end since the law. 404 for
        a state without a counted mandate (FL, TX and GA have one). Flat, with a CSV twin: `/counties`."""
        return JSONResponse(jsonable_encoder(compliance_of(mem, state, on)))

    @app.get("/api/v1/compliance/{state}/counties", tags=["api"])
    def api_compliance_counties(state: str, on: str | None = day_param(), format: str = Fmt, mem=Mem):
        """The compliance answer flattened: one row per covered agency (a covered county with none: one row), with
        its county's standing and its own."""
        answer = compliance_of(mem, state, on)
        rows = law_queries.compliance_rows(answer)
        if params.output_format(format) == "csv":
            name = f"open287g-compliance-{answer['law']['state']}-{answer['as_of']}"
            return csv_rows(name, rows, law_queries.COMPLIANCE_FIELDS)
        return JSONResponse(jsonable_encoder(rows))

    @app.get("/api/v1/compliance/{state}/monthly", tags=["api"])
    def api_compliance_monthly(state: str, on: str | None = day_param(), format: str = Fmt, mem=Mem):
        """A mandate state's compliance at each month-end from the law's date to the day (default: the newest):
        covered, active, pending and none counties, those that comply, and the share."""
        answer = compliance_of(mem, state, on)
        if params.output_format(format) == "csv":
            name = f"open287g-compliance-{answer['law']['state']}-monthly"
            return csv_rows(name, answer["monthly"], law_queries.MONTH_FIELDS)
        return JSONResponse(jsonable_encoder(answer["monthly"]))

    @app.get("/api/v1/publications", tags=["api"])
    def api_publications(format: str = Fmt, mem=Mem):
        """Every roster publication with its files (sha256), observation dates, rows and status."""
        if params.output_format(format) == "csv":
            return csv_body("publications", queries.publications(mem))
        return json_body(queries.publications(mem, as_json=True))

    @app.get("/api/v1/documents", tags=["api"])
    def api_documents(
        response: Response,
        agency: str | None = Query(
            None, description="Only the documents linked to this agency's agreements (its id, current or former)"
        ),
        state: str | None = Query(None, description="Only the documents of this state (as their text says): TX, Texas"),
        model: str | None = Query(
            None, description="Only the documents of this model (as their text says): JEM, TFM, WSO"
        ),
        q: str | None = Query(
            None,
            description='Full-text search over every MOA page: every word must occur, "quoted words" as a phrase, '
            "a trailing * for a prefix. The answer is then one row per matching page, best first, with `page` and "
            "`snippet` (the matched passage, the matched words between « and »); the header X-Total-Count gives "
            "the number of matching pages.",
        ),
        limit: int = Query(50, ge=1, le=500, description="With q: at most this many pages"),
        offset: int = Query(0, ge=0, le=MAX_ROWS, description="With q: skip this many pages first (paging)"),
        format: str = Fmt,
        mem=Mem,
    ):
        """The MOA documents in the archive (newest signing first), each with the agreements it is linked to;
        or, with `q`, the pages that match a full-text search."""
        fmt, text = params.output_format(format), params.search_text(q)
        agency_id = None
        if agency is not None:
            agency_id = queries.resolve_agency(mem, agency)
            if agency_id is None:  # like an unknown id in a path: nothing has it
                raise HTTPException(404, f"no agency {agency!r}: use an id such as TX/ellis-county-sheriffs-office")
        filters = {"agency_id": agency_id, "state": params.state(state), "model": params.model(model)}
        if text is None:
            rows, columns = queries.documents(mem, **filters), queries.DOCUMENT_FIELDS
            total = len(rows)
        else:
            found = queries.search_documents(mem, snapshot.path, text, limit, offset, **filters)
            rows, columns, total = found["hits"], queries.HIT_FIELDS, found["total"]
        headers = {"X-Total-Count": str(total)}
        if fmt == "csv":
            return PlainTextResponse(
                csv_records(rows, columns),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'inline; filename="documents.csv"', **headers},
            )
        return JSONResponse(rows, headers=headers)

    @app.get("/api/v1/documents/{sha256}", tags=["api"])
    def api_document(sha256: str, mem=Mem):
        """One MOA document whole: its fields (each with the page it came from), signatures, the delegated
        authorities matched against the model's list (with the power and the law in plain words), departures
        from its template, the agreements it is linked to (and refused links with their reason) and the text
        of every page (`ocr`, `ocr_confidence`). `sha256`: the file's sha256, or a unique prefix of 8 or more."""
        doc = queries.document(mem, params.sha256(sha256))
        if doc is None:
            raise HTTPException(404, f"no document {sha256!r}")
        return JSONResponse(doc)

    def moved(request: Request, path: str) -> Response:
        """A permanent redirect to where an id now lives, keeping the query (path and query only)."""
        query = request.url.query
        return RedirectResponse(quote(path, safe="/") + (f"?{query}" if query else ""), status_code=301)

    # -- pages ----------------------------------------------------------------------------
    # Every page takes ?on=D: those that answer for a day answer for D, the others say they are the same
    # on every day; links keep D, and the top of the page says which day and list it shows.
    def page_day(request: Request) -> dt.date | None:
        """The day a page answers for (None: the newest list); a bad or out-of-record day is a 400."""
        day = params.day("on", request.query_params.get("on") or None)
        served(request).answers.check_day(day)
        return day

    def shown_day(request: Request) -> dt.date | None:
        try:
            return page_day(request)
        except params.ParamError:  # the error page itself says what was wrong with it
            return None

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = language(request)

        def t(key: str) -> str:
            entry = STRINGS.get(key)
            return entry[lang] if entry else key

        shown = shown_day(request)

        def url(path: str, **args) -> str:
            args = {k: v for k, v in args.items() if v not in (None, "")}
            if shown and "on" not in args:  # the reader's day stays chosen, as the language does
                args["on"] = shown
            if kept := kept_language(request, lang):
                args["lang"] = kept
            query = "&".join(f"{k}={quote(str(v), safe='/,')}" for k, v in args.items())
            return path + ("?" + query if query else "")

        other = "es" if lang == "en" else "en"
        switched = request.url.include_query_params(lang=other)  # path and query only: never the Host
        switch = f"{switched.path}?{switched.query}"
        today_url = request.url.remove_query_params("on")
        mem = served(request).answers
        return templates.TemplateResponse(
            request,
            template,
            {
                "t": t,
                "lang": lang,
                "lang_param": kept_language(request, lang),
                "url": url,
                "switch_url": switch,
                "today": mem.latest,
                "page_path": f"{request.url.path}?{request.url.query}".rstrip("?"),
                "shown_day": shown,  # ?on=, said at the top of the page
                "shown_list": mem.list_day(shown) if shown else None,
                "today_url": f"{today_url.path}?{today_url.query}".rstrip("?"),
                "dated": False,  # a page that answers for the day sets it
                "state_names": vocab.state_names_in(lang),
                "county_name": lambda fips: queries.county_name(mem, fips) or fips,
                "qa_detail": sentences.qa_detail,
                "say": lambda day: sentences.say_day(day, lang),  # a day in a sentence
                "num": lambda n: number(n, lang),
                "checked": snapshot.checked()[1],
                "changed": queries.record_changed(mem),
                "feed_url": feed_of(request.url.path, kept_language(request, lang)),
                "alert_form": alert_scope_of(request.url.path) if mail and status == 200 else None,
                "event_kinds": queries.EVENT_KINDS,
                **context,
            },
            status_code=status,
            headers={"Vary": "Accept-Language"},
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, mem=Mem):
        when = page_day(request) or mem.latest
        recent, quiet = (when - dt.timedelta(days=14), when), ("moa_posted", "pending_listed", "pending_removed")
        figures, paths = queries.county_figures(mem, when).to_dicts(), mapsvg.county_paths()
        marks = law_queries.state_marks(mem)
        outlines = charts.law_outlines(marks, vocab.state_fips(), mapsvg.state_paths())
        return page(
            request,
            "home.html",
            law_marks=marks,
            counts=queries.counts(mem, when),
            pending_day=mem.list_day(when, "pending"),
            coverage=queries.coverage(mem, when),
            map=charts.county_map(figures, paths, mapsvg.state_borders(), mapsvg.viewbox(), outlines),
            not_drawn=charts.not_drawn(figures, paths),
            growth=charts.growth(records(queries.counts_by(mem, when, "month"))),
            changes=records(queries.changes(mem, *recent, exclude=quiet, newest_first=True, limit=HOME_CHANGES)),
            n_changes=queries.count_changes(mem, *recent, exclude=quiet),
            changes_since=recent[0],
            states=records(queries.states(mem, when)),
            dated=True,
        )

    @app.get("/states/{state}", response_class=HTMLResponse, include_in_schema=False)
    def state_page(request: Request, state: str, mem=Mem):
        code = _lenient(params.state, state, None, [])
        if code is None:
            return page(request, "not_found.html", status=404, what=state)
        when = page_day(request) or mem.latest
        agencies = records(queries.agencies(mem, when, code))
        lang = language(request)
        answer = law_queries.compliance(mem, code, when)  # None: no counted mandate
        month_tick = lambda r: r["month"][:4] if r["month"].endswith("-01") else None  # noqa: E731
        pct = lambda v: percent(v, lang)  # noqa: E731
        return page(
            request,
            "state.html",
            laws=law_queries.laws(mem, code),
            law_flags=law_queries.flags(mem, code),
            compliance=answer,
            compliance_chart=answer
            and charts.share_line(
                answer["monthly"], "month", "share", "compliance-title", month_tick, percent=pct, whole=True
            ),
            law_caveats=law_queries.CAVEATS[lang],
            pct=pct,
            code=code,
            name=vocab.state_names_in(language(request)).get(code, code),
            agencies=agencies,
            agreements=records(queries.agreements(mem, when, code)),
            list_day=mem.list_day(when),
            coverage=queries.state_summary(mem, code, when)["coverage"],
            changes=records(queries.changes(mem, None, when, state=code, newest_first=True, limit=40)),
            n_changes=queries.count_changes(mem, None, when, state=code),
            outcomes=outcome_queries.place_arrests(mem, code),
            first_day=mem.first,
            dated=True,
        )

    @app.get("/counties/{fips}", response_class=HTMLResponse, include_in_schema=False)
    def county_page(request: Request, fips: str, mem=Mem):
        day = page_day(request)
        info = queries.county_answer(mem, fips, day) if fips.isdigit() and len(fips) == 5 else None
        if info is None:
            return page(request, "not_found.html", status=404, what=fips)
        lang = language(request)
        state_name = vocab.state_names_in(lang).get(info["state"], info["state"])

        def link(row: dict) -> Markup:
            kept = kept_language(request, lang)
            href = f"/agencies/{row['agency_id']}" + (f"?lang={kept}" if kept else "")
            return Markup(f'<a href="{escape(href)}">{escape(row["name"])}</a>')

        answer = sentences.county_answer(info, lang, state_name, link)
        outcomes = outcome_queries.place_arrests(mem, info["state"], info["fips"])
        return page(request, "county.html", county=info, on=day, answer=answer, outcomes=outcomes, dated=True)

    @app.get("/agencies/{agency_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def agency_page(request: Request, agency_id: str, mem=Mem):
        current = queries.resolve_agency(mem, agency_id)
        if current is not None and current != agency_id:
            return moved(request, f"/agencies/{current}")
        profile = queries.agency_profile(mem, agency_id) if current else None
        if profile is None:
            return page(request, "not_found.html", status=404, what=agency_id)
        agreements = records(profile["agreements"])
        models = sorted({a["model"] for a in agreements if a["model"]})
        day = page_day(request)
        return page(
            request,
            "agency.html",
            agency=profile["agency"],
            agreements=agreements,
            events=records(profile["events"]),
            documents=queries.agreement_documents(mem, agency_id),
            links=queries.agreement_links(mem, agency_id),
            powers={m: records(queries.model_powers(mem, m)) for m in models},
            listed_on=queries.agency_listed_on(mem, agency_id, day) if day else None,
            outcomes=outcome_queries.agency_arrests(mem, agency_id),
            dated=bool(day),
        )

    @app.get("/pending", response_class=HTMLResponse, include_in_schema=False)
    def pending_page(request: Request, mem=Mem):
        day = page_day(request) or mem.latest
        rows = records(queries.agreements(mem, day, status="pending"))
        signed = sum(1 for r in rows if r["status"] not in ("pending", "pending_removed"))
        return page(
            request, "pending.html", rows=rows, signed=signed, list_day=mem.list_day(day, "pending"), dated=True
        )

    @app.get("/what-is-287g", response_class=HTMLResponse, include_in_schema=False)
    def explainer(request: Request, mem=Mem):
        day = page_day(request)
        return page(request, "explainer.html", counts=queries.counts(mem, day), dated=True)

    @app.get("/models/{model}", response_class=HTMLResponse, include_in_schema=False)
    def model_page(request: Request, model: str, mem=Mem):
        m = _lenient(params.model, model, None, [])
        if m is None:
            return page(request, "not_found.html", status=404, what=model)
        when = page_day(request) or mem.latest
        return page(
            request,
            "model.html",
            model=m,
            powers=records(queries.model_powers(mem, m)),
            agreements=records(queries.agreements(mem, when, model=m)),
            template_changes=queries.template_changes(mem, m),
            dated=True,
        )

    # -- feeds --------------------------------------------------------------------------------
    def feed_response(request: Request, feed_id: str, name: str | None, page_path: str, kind, **scope) -> Response:
        lang, mem = language(request), served(request).answers
        kept = kept_language(request, lang)
        base = str(request.base_url).rstrip("/")
        suffix = f"?lang={kept}" if kept else ""
        events = queries.feed_events(mem, kind=params.event_kind(kind), limit=atom.FEED_SIZE, **scope)
        title = (
            sentences.t("feed_nation", lang) if name is None else sentences.t("feed_of", lang).replace("{name}", name)
        )
        checked = snapshot.checked()[1].get("last_checked")
        body = atom.feed(
            feed_id=feed_id + (f":{kind}" if kind else ""),
            title=f"open287g — {title}",
            self_url=str(request.url),
            page_url=base + page_path + suffix,
            events=events,
            describe=lambda e: sentences.event_words(e, lang),
            link=lambda e: f"{base}/agencies/{quote(e['agency_id'])}{suffix}",
            lang=lang,
            checked=dt.datetime.fromisoformat(checked.replace("Z", "+00:00")) if checked else None,
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers={"Vary": "Accept-Language"})

    FeedKind = Query(None, description="Only events of this kind")

    @app.get("/feeds/changes.atom", include_in_schema=False)
    def feed_nation(request: Request, kind: str | None = FeedKind):
        return feed_response(request, "nation", None, "/changes", kind)

    @app.get("/feeds/states/{state}.atom", include_in_schema=False)
    def feed_state(request: Request, state: str, kind: str | None = FeedKind):
        code = _lenient(params.state, state, None, [])
        if code is None:
            raise HTTPException(404, f"no state {state!r}")
        name = vocab.state_names_in(language(request)).get(code, code)
        return feed_response(request, f"state:{code}", name, f"/states/{code}", kind, state=code)

    @app.get("/feeds/counties/{fips}.atom", include_in_schema=False)
    def feed_county(request: Request, fips: str, kind: str | None = FeedKind, mem=Mem):
        name = queries.county_name(mem, fips) if fips.isdigit() and len(fips) == 5 else None
        if name is None:
            raise HTTPException(404, f"no county {fips!r}")
        state = {v: k for k, v in vocab.state_fips().items()}.get(fips[:2], "")
        label = f"{name}, {state}" if state else name
        return feed_response(request, f"county:{fips}", label, f"/counties/{fips}", kind, county=fips)

    @app.get("/feeds/models/{model}.atom", include_in_schema=False)
    def feed_model(request: Request, model: str, kind: str | None = FeedKind):
        code = _lenient(params.model, model, None, [])
        if code is None:
            raise HTTPException(404, f"no model {model!r}")
        name = sentences.t(code, language(request))
        return feed_response(request, f"model:{code}", name, f"/models/{code}", kind, model=code)

    @app.get("/feeds/agencies/{agency_id:path}", include_in_schema=False)
    def feed_agency(request: Request, agency_id: str, kind: str | None = FeedKind, mem=Mem):
        ident = agency_id.removesuffix(".atom")
        current = queries.resolve_agency(mem, ident) if agency_id.endswith(".atom") else None
        if current is None:
            raise HTTPException(404, f"no agency {ident!r}")
        if current != ident:
            return moved(request, f"/feeds/agencies/{current}.atom")
        profile = queries.agency_profile(mem, current)
        name = profile["agency"]["name"] if profile else current
        return feed_response(request, f"agency:{current}", name, f"/agencies/{current}", kind, agency_id=current)

    # -- alerts by e-mail: sign up, confirm, unsubscribe (the rules: open287g.alerts.signup) -------------
    @cache
    def alert_store() -> Store:  # made on first use: the file appears when someone first signs up
        return Store.beside(snapshot.path)

    def alert_page(request: Request, message: Markup, sub=None, ask: str = "", status: int = 200):
        back = alert_back(sub) if sub else None
        return page(request, "alerts.html", status, message=message, sub=sub, ask=ask, back=back)

    def alert_back(sub) -> tuple[str, str]:
        mem, lang = snapshot.served.answers, sub.lang
        path = (
            f"/agencies/{sub.agency_id}"
            if sub.agency_id
            else f"/counties/{sub.county}"
            if sub.county
            else f"/states/{sub.state}"
            if sub.state
            else "/changes"
        )
        return path + ("?lang=es" if lang == "es" else ""), alerting.scope_words(mem, sub)

    async def form(request: Request) -> dict[str, str]:
        from urllib.parse import parse_qsl

        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > FORM_BYTES:
                raise HTTPException(413, "form too large")
        return dict(parse_qsl(body.decode("utf-8", "replace")))

    def said(request: Request, key: str, sub=None, email: str = "") -> Markup:
        lang = language(request)
        scope = alerting.scope_words(served(request).answers, sub) if sub else ""
        return fill(sentences.t(key, lang), email=email or (sub.target if sub else ""), scope=scope)

    @app.post("/alerts/subscribe", response_class=HTMLResponse, include_in_schema=False)
    async def alerts_subscribe(request: Request):
        if mail is None:
            return alert_page(request, said(request, "alert_unavailable"), status=404)
        fields = await form(request)
        lang, mem, now = language(request), served(request).answers, sync.now()
        try:
            found = signup.scope(
                mem, fields.get("state"), fields.get("county"), fields.get("agency"), None, fields.get("kind")
            )
            _, sub = await run_in_threadpool(
                signup.subscribe_email,
                mem,
                alert_store(),
                fields.get("email", ""),
                found,
                lang,
                now,
                mail,
            )
        except AlertError as exc:
            key = "alert_bad_email" if str(exc).startswith("email:") else None
            return alert_page(request, said(request, key) if key else Markup(escape(str(exc))), status=400)
        except OSError:
            return alert_page(request, said(request, "alert_mail_failed"), status=503)
        # the same answer whatever the outcome: the form must not tell anyone who follows what
        return alert_page(request, said(request, "alert_check_inbox", sub), sub)

    @app.get("/alerts/confirm", response_class=HTMLResponse, include_in_schema=False)
    def alerts_confirm_ask(request: Request, token: str = ""):
        # a link scanner may open the link: a GET only shows the button, which confirms
        sub = alert_store().by_token(token)
        if sub is None or sub.status == "ended":
            return alert_page(request, said(request, "alert_bad_link"), status=404)
        if sub.status == "active":
            return alert_page(request, said(request, "alert_confirmed", sub), sub)
        return alert_page(request, said(request, "alert_confirm_ask", sub), sub, ask="confirm")

    @app.post("/alerts/confirm", response_class=HTMLResponse, include_in_schema=False)
    async def alerts_confirm(request: Request):
        token = (await form(request)).get("token", "")
        sub = await run_in_threadpool(signup.confirm, served(request).answers, alert_store(), token, sync.now())
        if sub is None:
            return alert_page(request, said(request, "alert_bad_link"), status=404)
        return alert_page(request, said(request, "alert_confirmed", sub), sub)

    @app.get("/alerts/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    def alerts_unsubscribe_ask(request: Request, token: str = ""):
        # a mail client or scanner may open the link: a GET only asks, the button (or RFC 8058's POST) ends it
        sub = alert_store().by_token(token)
        if sub is None or sub.status == "ended":
            key = "alert_unsubscribed" if sub else "alert_bad_link"
            return alert_page(request, said(request, key, sub), sub, status=200 if sub else 404)
        return alert_page(request, said(request, "alert_unsubscribe_ask", sub), sub, ask="unsubscribe")

    @app.post("/alerts/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    async def alerts_unsubscribe(request: Request, token: str = ""):
        token = token or (await form(request)).get("token", "")
        sub = signup.unsubscribe(alert_store(), token, sync.now())
        if sub is None:
            return alert_page(request, said(request, "alert_bad_link"), status=404)
        return alert_page(request, said(request, "alert_unsubscribed", sub), sub)

    @app.get("/changes", response_class=HTMLResponse, include_in_schema=False)
    def changes_page(
        request: Request,
        since: str = "",
        until: str = "",
        state: str = "",
        kind: str = "",
        model: str = "",
        signed_since: str = "",
        signed_until: str = "",
        page_no: int = Query(1, alias="page", ge=1, le=MAX_ROWS),
        mem=Mem,
    ):
        when = page_day(request) or mem.latest
        problems: list[str] = []  # a page shows what it can: each bad filter is named and left out
        start = _lenient(lambda v: params.day("since", v), since, None, problems)
        end = _lenient(lambda v: params.day("until", v), until, None, problems)
        code = _lenient(params.state, state or None, None, problems)
        kind = _lenient(params.event_kind, kind or None, None, problems) or ""
        model = _lenient(params.model, model or None, None, problems) or ""
        start, end = _lenient(lambda w: params.window(*w), (start, end), (start, None), problems)
        s_start = _lenient(lambda v: params.day("signed_since", v), signed_since, None, problems)
        s_end = _lenient(lambda v: params.day("signed_until", v), signed_until, None, problems)
        error = "; ".join(problems) or None
        if end is None and "on" in request.query_params:  # the record as it stood on that day
            end = when
        if start is None and not (s_start or s_end):  # by default the last 30 days; by signing date, all
            start = when - dt.timedelta(days=30)
        args = (start, end, code, kind or None)
        more = {"model": model or None, "signed_since": s_start, "signed_until": s_end}
        total = queries.count_changes(mem, *args, **more)
        pages = max(1, -(-total // CHANGES_PAGE))
        page_no = min(page_no, pages)
        rows = records(
            queries.changes(
                mem, *args, newest_first=True, limit=CHANGES_PAGE, offset=(page_no - 1) * CHANGES_PAGE, **more
            )
        )
        view = {
            "since": str(start or ""),
            "until": str(end or ""),
            "state": code or "",
            "kind": kind,
            "model": model,
            "signed_since": str(s_start or ""),
            "signed_until": str(s_end or ""),
        }
        return page(
            request,
            "changes.html",
            rows=rows,
            view=view,
            total=total,
            shown_since=start or mem.first,
            shown_until=end or when,
            page_no=page_no,
            pages=pages,
            per_page=CHANGES_PAGE,
            kinds=queries.EVENT_KINDS,
            models=queries.MODELS,
            error=error,
            dated=True,
            # the form shows the window asked for: the default one is said in the count line, so that a
            # filter by signing date submitted from the form searches the whole record
            asked_since=view["since"] if since or "on" in request.query_params else "",
        )

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(request: Request, q: str = "", page_no: int = Query(1, alias="page", ge=1, le=MAX_ROWS), mem=Mem):
        code = vocab.state_code(q) if q else None
        day = page_day(request)
        found = queries.search_places(mem, q, page_no, day) if q.strip() else None
        if found and found["go"]:  # one county named: its page answers (for the day and in the language asked)
            kept = {k: request.query_params[k] for k in ("on", "lang") if request.query_params.get(k)}
            return RedirectResponse(f"/counties/{found['go']}" + (f"?{urlencode(kept)}" if kept else ""), 303)
        return page(request, "search.html", q=q, state=code, found=found, dated=True)

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_page(
        request: Request, q: str = "", state: str = "", model: str = "", offset: str = "", mem=Mem
    ) -> HTMLResponse:
        problems: list[str] = []  # as on the changes page: a bad filter is named and left out
        code = _lenient(params.state, state or None, None, problems)
        m = _lenient(params.model, model or None, None, problems)
        start = _lenient(_offset, offset, 0, problems)
        context: dict[str, Any] = {"text": q, "state": code or "", "model": m or "", "models": queries.MODELS}
        if q.strip():
            found = queries.search_documents(mem, snapshot.path, q.strip(), PAGE_HITS, start, state=code, model=m)
            return page(request, "documents.html", found=found, error="; ".join(problems) or None, **context)
        rows = queries.documents(mem, state=code, model=m)
        reasons = {u["sha256"]: u["reasons"] for u in queries.unmatched_documents(mem)}
        return page(
            request,
            "documents.html",
            found=None,
            linked=[r for r in rows if r["agreement_ids"]],
            unmatched=[
                {**r, "reasons": reasons.get(r["sha256"]) or []}
                for r in rows
                if not r["agreement_ids"] and r["status"] == "ok"
            ],
            unreadable=[r for r in rows if r["status"] != "ok"],
            error="; ".join(problems) or None,
            **context,
        )

    @app.get("/documents/{sha256}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, sha256: str, mem=Mem):
        sha = _lenient(params.sha256, sha256, None, [])
        doc = queries.document(mem, sha) if sha else None
        if doc is None:
            return page(request, "not_found.html", status=404, what=sha256)
        if doc["sha256"] != sha:  # a prefix: the page lives at the whole sha256
            return moved(request, f"/documents/{doc['sha256']}")
        return page(request, "document.html", doc=doc)

    @app.get("/files/{sha256}", include_in_schema=False)
    def archived_file(request: Request, sha256: str, mem=Mem):
        """An archived file exactly as received (MOA PDFs, ICE's workbooks, reference tables), under its
        original name and media type."""
        found = queries.archived_file(mem, sha256) if _FULL_SHA.fullmatch(sha256.lower()) else None
        if found is None or found["path"] is None or not Path(found["path"]).is_file():
            return page(request, "not_found.html", status=404, what=sha256)
        return FileResponse(
            found["path"],
            media_type=found["media_type"],
            filename=found["name"],
            # a PDF opens in the browser (saved under its name); a workbook or table downloads
            content_disposition_type="inline" if found["media_type"] == "application/pdf" else "attachment",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},  # a sha256 names one content forever
        )

    @app.get("/arrests", response_class=HTMLResponse, include_in_schema=False)
    def arrests_page(request: Request, mem=Mem):
        """ICE's own arrest records beside the agreements: by fiscal year and month, the 287(g) share, the top
        landmarks with what each is linked to, by state, and the announced operations."""
        lang, about = language(request), outcome_queries.facts(mem)
        if not about["arrests"]:
            return page(request, "arrests.html", about=about)
        years = outcome_queries.arrests(mem, "287g", "fiscal_year")
        months = outcome_queries.arrests(mem, "287g", "month")
        year_tick = lambda r: f"FY{r['fiscal_year']}"  # noqa: E731
        year_note = lambda r: percent(r["share"], lang)  # noqa: E731
        month_tick = lambda r: r["month"][:4] if r["month"].endswith("-01") else None  # noqa: E731
        num, pct = (lambda n: number(n, lang)), (lambda v: percent(v, lang))
        return page(
            request,
            "arrests.html",
            about=about,
            reach=outcome_queries.linking(mem),
            caveats=outcome_queries.caveats(mem, lang),
            years=years,
            criminality=[r for r in outcome_queries.arrests(mem, "287g", "criminality") if r["criminality"]],
            detained=outcome_queries.detainer_facts(mem),
            detainer_caveats=outcome_queries.DETAINER_CAVEATS[lang],
            detainer_years=outcome_queries.detainers(mem, "287g", "fiscal_year"),
            facilities=outcome_queries.detainers(mem, "287g", "facility")[:20],
            lift_reasons=outcome_queries.detainers(mem, "287g", "lift_reason"),
            months=months,
            states=[r for r in outcome_queries.arrests(mem, "287g", "state") if r["state"]],
            landmarks=outcome_queries.landmarks(mem)[:20],
            operations=outcome_queries.operations(mem),
            pct=pct,
            by_year=charts.columns(years, "fiscal_year", "arrests", "years-title", year_tick, year_note, number=num),
            by_month=charts.columns(months, "month", "arrests", "months-title", month_tick, number=num),
            share=charts.share_line(months, "month", "share", "share-title", month_tick, percent=pct),
        )

    @app.get("/methodology", response_class=HTMLResponse, include_in_schema=False)
    def methodology(request: Request, mem=Mem):
        return page(
            request,
            "methodology.html",
            checks=records(queries.qa_checks(mem)),
            publications=queries.publications(mem).height,
        )

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request):
        return page(request, "api_docs.html", operations=openapi.operations(app.openapi()))

    @app.get("/docs/try", include_in_schema=False)
    def api_try(request: Request, path: str = ""):
        """The docs page's forms: the endpoint's URL with the values filled in (path ones in the path)."""
        doc = app.openapi()
        if path not in doc["paths"]:
            raise params.ParamError("path", f"{path!r} is not an endpoint of this API (see /docs)")
        values = {k: v for k, v in request.query_params.items() if k not in ("path", "lang") and v.strip()}
        names = {p["name"]: p for p in doc["paths"][path]["get"].get("parameters", [])}
        in_path = {k for k, p in names.items() if p["in"] == "path"}
        url = openapi.fill_path(path, values)
        if url is None:
            raise params.ParamError(
                sorted(in_path)[0], f"{path} needs a value for each of {', '.join(sorted(in_path))}"
            )
        query = urlencode({k: v for k, v in values.items() if k not in in_path})
        return RedirectResponse(url + ("?" + query if query else ""), 303)

    @app.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
    def downloads(request: Request, mem=Mem):
        return page(
            request, "downloads.html", mandates=law_queries.mandate_states(mem), dictionary=package.dictionary_tables()
        )

    return app


PAGE_HITS = 50  # search hits per page of /documents
_FULL_SHA = re.compile(r"[0-9a-f]{64}")
_MARKED = re.compile(r"«([^«»]*)»")


def marked(snippet: str | None) -> Markup:
    """A search snippet as HTML: the text escaped, the words the search matched (between « and ») in <mark>."""
    return Markup(_MARKED.sub(r"<mark>\1</mark>", str(escape(snippet or ""))))


def known_parameters(request: Request) -> None:
    """An API request naming a parameter its endpoint does not take is refused (400, naming it), never
    answered as if it had not been asked ("counts?by=month" is not today's counts)."""
    route = request.scope.get("route")
    if route is None or not request.url.path.startswith("/api/"):
        return
    allowed: set[str] = set()
    todo = [route.dependant]
    while todo:  # the endpoint's own query parameters and those of its dependencies
        d = todo.pop()
        allowed.update(p.alias for p in d.query_params)
        todo.extend(d.dependencies)
    unknown = sorted(set(request.query_params) - allowed)
    empty = sorted({k for k, v in request.query_params.multi_items() if not v} - set(unknown))
    if empty:  # "?on=" says nothing: refused, never read as the newest day
        raise params.ParamError(
            empty[0], f"{', '.join(map(repr, empty))} given without a value: give one or leave it out"
        )
    if unknown:
        takes = ", ".join(sorted(allowed)) or "no parameters"
        names = ", ".join(map(repr, unknown))
        raise params.ParamError(unknown[0], f"unknown parameter {names}: {route.path} takes {takes}")


FEEDS = (
    (re.compile(r"^/(changes)?$"), "/feeds/changes.atom"),
    (re.compile(r"^/states/([A-Za-z]{2})$"), "/feeds/states/{}.atom"),
    (re.compile(r"^/counties/(\d{5})$"), "/feeds/counties/{}.atom"),
    (re.compile(r"^/models/([A-Za-z]{3})$"), "/feeds/models/{}.atom"),
    (re.compile(r"^/agencies/(.+)$"), "/feeds/agencies/{}.atom"),
)


def feed_of(path: str, lang: str | None) -> str | None:
    """The Atom feed of the events a page covers (the nation, a state, county, model or agency)."""
    for pattern, feed in FEEDS:
        if m := pattern.match(path):
            return feed.format(*(g.upper() if len(g) in (2, 3) else g for g in m.groups() if g)) + (
                f"?lang={lang}" if lang else ""
            )
    return None


ALERT_SCOPES = (
    (re.compile(r"^/states/([A-Za-z]{2})$"), "state"),
    (re.compile(r"^/counties/(\d{5})$"), "county"),
    (re.compile(r"^/agencies/(.+)$"), "agency"),
)


def alert_scope_of(path: str) -> dict[str, str] | None:
    """The scope the sign-up form on a page subscribes to (a state, a county, an agency), if it has one."""
    for pattern, name in ALERT_SCOPES:
        if m := pattern.match(path):
            return {name: m.group(1).upper() if name == "state" else m.group(1)}
    return None


def language(request: Request) -> str:
    """The page's language: `?lang=` when given, else the browser's preference (Accept-Language)."""
    lang = request.query_params.get("lang")
    if lang is None:
        return negotiate(request.headers.get("accept-language", ""))
    return lang if lang in LANGS else "en"


def kept_language(request: Request, lang: str) -> str | None:
    """The language links must carry: Spanish, or a language chosen with ?lang= (which stays chosen
    against the browser's preference)."""
    return lang if lang != "en" or "lang" in request.query_params else None


def negotiate(header: str) -> str:
    """The language of LANGS the browser prefers ("es-US,es;q=0.9,en;q=0.8" -> es); English by default."""
    best, best_q = "en", 0.0
    for i, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        base = tag.split("-")[0].strip().lower()
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        weight -= i * 1e-6  # equal weights: the first named wins
        if base in LANGS and weight > best_q:
            best, best_q = base, weight
    return best


def percent(share: float | None, lang: str) -> str:
    """A share as the language writes a percentage: 6.5% in English, 6,5 % in Spanish."""
    if share is None:
        return "—"
    text = f"{share * 100:.1f}"
    return f"{text.replace('.', ',')}\u00a0%" if lang == "es" else f"{text}%"


def number(n: int | None, lang: str) -> str:
    """A whole number as the language writes it: 163,897,180 in English; 163 897 180 in Spanish (digits
    grouped by a no-break space, as the RAE recommends, never a point or comma that reads as a decimal)."""
    text = f"{n or 0:,}"
    return text.replace(",", "\u00a0") if lang == "es" else text


def _offset(value: str) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise params.ParamError("offset", f"{value!r} is not a number of results to skip: use 0, 50, 100…")
    return int(value)


def _lenient(check, value, default, problems: list[str]):
    """A page's filter through its shared check; a bad one is noted in `problems` and left out."""
    try:
        return check(value)
    except params.ParamError as exc:
        problems.append(str(exc))
        return default
