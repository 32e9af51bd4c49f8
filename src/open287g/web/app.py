"""The HTTP layer: the JSON/CSV API under /api/v1 and the server-rendered pages. Read-only, thin:
every answer comes from open287g.queries through a cursor opened for the request."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path

import duckdb
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .. import queries
from ..domain import vocab
from ..output import csv_text, plain, records
from . import charts, mapsvg

HERE = Path(__file__).parent
STRINGS = json.loads((HERE / "strings.json").read_text(encoding="utf-8"))
LANGS = ("en", "es")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class _Guard:
    """Only GET and HEAD (HEAD answered as GET without the body); security headers on every answer.
    Plain ASGI: it sits on every request, so it must cost next to nothing."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            response = PlainTextResponse("Method not allowed: this site is read-only.", status_code=405,
                                         headers={"Allow": "GET, HEAD", **SECURITY_HEADERS})
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


class Snapshot:
    """The warehouse being served, reopened when an import swaps in a new file (its mtime changes).
    Each snapshot is its own DuckDB instance (the file ATTACHed to an in-memory database): requests
    still running on the old one finish on it, and it is freed when they are done. Answers are cached
    per snapshot, since a snapshot never changes."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self.lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no warehouse yet (run `open287g import` first)")
        self.stamp = self.path.stat().st_mtime_ns
        # one DuckDB thread per query: answers are small, and the requests are the parallelism
        con = duckdb.connect(config={"threads": 1})
        con.execute("ATTACH ? AS w (READ_ONLY)", [str(self.path)])
        self.con = con
        self.cache: OrderedDict[str, tuple[int, bytes, list]] = OrderedDict()
        self.cache_bytes = 0

    def current(self) -> duckdb.DuckDBPyConnection:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = self.stamp
        if stamp != self.stamp:
            with self.lock:
                if stamp != self.stamp:
                    self._open()
        return self.con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.current().cursor()
        cur.execute("USE w")
        return cur

    def remember(self, stamp: int, key: str, answer: tuple[int, bytes, dict]) -> None:
        """Keep an answer computed on snapshot `stamp`, within the byte budget."""
        size = len(answer[1])
        if stamp != self.stamp or size > CACHE_ENTRY_BYTES:
            return
        self.cache[key] = answer
        self.cache_bytes += size
        while self.cache_bytes > CACHE_BYTES:
            _, (_, body, _) = self.cache.popitem(last=False)
            self.cache_bytes -= len(body)


class _Cache:
    """API answers depend only on the URL and the snapshot: repeats are served from memory.
    Plain ASGI, for the same reason as the guard."""

    def __init__(self, app, snapshot: "Snapshot") -> None:
        self.app, self.snapshot = app, snapshot

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            return await self.app(scope, receive, send)
        snap = self.snapshot
        snap.current()
        stamp = snap.stamp
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        hit = snap.cache.get(key)
        if hit is not None:
            snap.cache.move_to_end(key)  # least recently used answers go first
            status, body, headers = hit
            await send({"type": "http.response.start", "status": status,
                        "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
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
                        snap.remember(stamp, key, (200, body, headers))
            await send(message)

        await self.app(scope, receive, keep)


CACHE_BYTES = 64 << 20  # the whole cache; the oldest answers go first
CACHE_ENTRY_BYTES = 4 << 20  # larger answers are computed each time


def create_app(db_path: Path) -> FastAPI:
    snapshot = Snapshot(db_path)
    app = FastAPI(
        title="open287g API",
        version="1",
        description="Every ICE 287(g) roster publication, read exactly: agreements, agencies, changes and coverage. "
        "Lists take ?format=csv for a CSV twin.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.snapshot = snapshot
    app.add_middleware(_Cache, snapshot=snapshot)

    # added after the cache, so they wrap it: answers are cached uncompressed, compressed per client
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(_Guard)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")

    async def cursor() -> AsyncIterator[duckdb.DuckDBPyConnection]:
        # async: opening a cursor is instant, and a sync dependency would cost a threadpool hop
        cur = snapshot.cursor()
        try:
            yield cur
        finally:
            cur.close()

    Cur = Depends(cursor)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"detail": f"bad parameter: {problems}"}, status_code=400)

    # -- API ------------------------------------------------------------------------------
    def day(cur, on: dt.date | None) -> dt.date:
        return on or queries.latest_date(cur)

    def state_code(value: str | None) -> str | None:
        if value is None:
            return None
        code = vocab.state_code(value)
        if code is None:
            raise HTTPException(400, f"unknown state {value!r}: use a two-letter code such as TX")
        return code

    def model_code(value: str | None) -> str | None:
        if value is None:
            return None
        if value.upper() not in queries.MODELS:
            raise HTTPException(400, f"unknown model {value!r}: use JEM, TFM or WSO")
        return value.upper()

    def listing(query, fmt: str, name: str, *args, **kwargs):
        """A list as JSON (made by DuckDB) or as its CSV twin."""
        if fmt == "csv":
            return PlainTextResponse(
                csv_text(query(*args, **kwargs)), media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
            )
        return Response(query(*args, as_json=True, **kwargs), media_type="application/json")

    Fmt = Query("json", pattern="^(json|csv)$", description="json or csv")

    @app.get("/api/v1/counts", tags=["api"])
    def api_counts(on: dt.date | None = None, cur=Cur):
        """Agreements, agencies (and by model) listed on a day, and the pending list that day."""
        return JSONResponse(queries.counts(cur, on))

    @app.get("/api/v1/agreements", tags=["api"])
    def api_agreements(on: dt.date | None = None, state: str | None = None, model: str | None = None,
                       status: str | None = Query(None, pattern="^(active|ended|superseded|pending|pending_removed)$"),
                       format: str = Fmt, cur=Cur):
        """Agreements listed on a day (default: the newest; with only a status, every agreement with it),
        filtered by state, model and status."""
        # no day: the newest day; a status alone asks for every agreement with that status
        return listing(queries.agreements, format, "agreements", cur, on, state_code(state), model_code(model), status,
                       newest=not (on or status))

    @app.get("/api/v1/agencies", tags=["api"])
    def api_agencies(on: dt.date | None = None, state: str | None = None, format: str = Fmt, cur=Cur):
        """Agencies with an agreement on a day, with jurisdiction level, county FIPS and models."""
        return listing(queries.agencies, format, "agencies", cur, on, state_code(state))

    @app.get("/api/v1/agencies/{agency_id:path}", tags=["api"])
    def api_agency(agency_id: str, cur=Cur):
        """One agency: profile, agreements and full history."""
        profile = queries.agency_profile(cur, agency_id)
        if profile is None:
            raise HTTPException(404, f"no agency {agency_id!r}")
        return {**{k: plain(v) for k, v in profile["agency"].items()},
                "agreements": records(profile["agreements"]), "events": records(profile["events"])}

    @app.get("/api/v1/changes", tags=["api"])
    def api_changes(since: dt.date | None = None, until: dt.date | None = None, state: str | None = None,
                    kind: str | None = None, format: str = Fmt, cur=Cur):
        """Events between two days (inclusive), each naming the two publications it compares."""
        if kind is not None and kind not in queries.EVENT_KINDS:
            raise HTTPException(400, f"unknown kind {kind!r}: one of {', '.join(queries.EVENT_KINDS)}")
        if since and until and until < since:
            raise HTTPException(400, "until is before since")
        return listing(queries.changes, format, "changes", cur, since, until, state_code(state), kind)

    @app.get("/api/v1/states/{state}", tags=["api"])
    def api_state(state: str, on: dt.date | None = None, cur=Cur):
        """One state on a day: its agreements, agencies and coverage."""
        code, when = state_code(state), day(cur, on)
        return {**queries.state_summary(cur, code, when), "name": vocab.state_names().get(code),
                "agencies_listed": records(queries.agencies(cur, when, code))}

    @app.get("/api/v1/coverage", tags=["api"])
    def api_coverage(on: dt.date | None = None, cur=Cur):
        """Counties, states and population where at least one agreement applies on a day."""
        return JSONResponse(queries.coverage(cur, on))

    @app.get("/api/v1/counties", tags=["api"])
    def api_counties(on: dt.date | None = None, format: str = Fmt, cur=Cur):
        """One row per county: local agencies and models, statewide models, covered or not (the map's data)."""
        return listing(queries.county_figures, format, "counties", cur, day(cur, on))

    @app.get("/api/v1/publications", tags=["api"])
    def api_publications(format: str = Fmt, cur=Cur):
        """Every roster publication with its files (sha256), observation dates, rows and status."""
        return listing(queries.publications, format, "publications", cur)

    # -- pages ----------------------------------------------------------------------------
    def page(request: Request, template: str, cur, status: int = 200, **context) -> HTMLResponse:
        lang = request.query_params.get("lang", "en")
        lang = lang if lang in LANGS else "en"

        def t(key: str) -> str:
            entry = STRINGS.get(key)
            return entry[lang] if entry else key

        def url(path: str, **params) -> str:
            params = {k: v for k, v in params.items() if v not in (None, "")}
            if lang != "en":
                params["lang"] = lang
            query = "&".join(f"{k}={v}" for k, v in params.items())
            return path + ("?" + query if query else "")

        other = "es" if lang == "en" else "en"
        switched = request.url.include_query_params(lang=other)  # path and query only: never the Host
        switch = f"{switched.path}?{switched.query}"
        return templates.TemplateResponse(
            request, template,
            {"t": t, "lang": lang, "url": url, "switch_url": switch, "today": queries.latest_date(cur),
             "state_names": vocab.state_names(), **context},
            status_code=status,
        )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, cur=Cur):
        when = queries.latest_date(cur)
        figures = queries.county_figures(cur, when)
        return page(
            request, "home.html", cur,
            counts=queries.counts(cur, when), coverage=queries.coverage(cur, when),
            map=charts.county_map(figures.to_dicts(), mapsvg.county_paths(), mapsvg.state_borders(), mapsvg.viewbox()),
            growth=charts.growth(records(queries.counts_by(cur, when, "month"))),
            changes=records(queries.changes(cur, when - dt.timedelta(days=14), exclude=("moa_posted", "pending_listed", "pending_removed"))),
            states=records(queries.states(cur, when)),
        )

    @app.get("/states/{state}", response_class=HTMLResponse, include_in_schema=False)
    def state_page(request: Request, state: str, cur=Cur):
        code = vocab.state_code(state)
        if code is None:
            return page(request, "not_found.html", cur, status=404, what=state)
        when = queries.latest_date(cur)
        return page(
            request, "state.html", cur, code=code, name=vocab.state_names().get(code, code),
            agencies=records(queries.agencies(cur, when, code)), coverage=queries.state_summary(cur, code, when)["coverage"],
            changes=records(queries.changes(cur, state=code).tail(40)),
        )

    @app.get("/counties/{fips}", response_class=HTMLResponse, include_in_schema=False)
    def county_page(request: Request, fips: str, cur=Cur):
        info = queries.county(cur, fips) if fips.isdigit() and len(fips) == 5 else None
        if info is None:
            return page(request, "not_found.html", cur, status=404, what=fips)
        when = queries.latest_date(cur)
        return page(request, "county.html", cur, county=info, agencies=records(queries.county_agencies(cur, fips, when)))

    @app.get("/agencies/{agency_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def agency_page(request: Request, agency_id: str, cur=Cur):
        profile = queries.agency_profile(cur, agency_id)
        if profile is None:
            return page(request, "not_found.html", cur, status=404, what=agency_id)
        agreements = records(profile["agreements"])
        models = sorted({a["model"] for a in agreements if a["model"]})
        return page(
            request, "agency.html", cur, agency=profile["agency"], agreements=agreements,
            events=records(profile["events"]), powers={m: records(queries.model_powers(cur, m)) for m in models},
        )

    @app.get("/models/{model}", response_class=HTMLResponse, include_in_schema=False)
    def model_page(request: Request, model: str, cur=Cur):
        if model.upper() not in queries.MODELS:
            return page(request, "not_found.html", cur, status=404, what=model)
        m = model.upper()
        when = queries.latest_date(cur)
        return page(request, "model.html", cur, model=m, powers=records(queries.model_powers(cur, m)),
                    agreements=records(queries.agreements(cur, when, model=m)))

    @app.get("/changes", response_class=HTMLResponse, include_in_schema=False)
    def changes_page(request: Request, since: str = "", until: str = "", state: str = "", kind: str = "", cur=Cur):
        when = queries.latest_date(cur)
        start, end, error = _date(since), _date(until), None
        if (since and start is None) or (until and end is None):
            error = "bad date (use YYYY-MM-DD)"
        code = vocab.state_code(state) if state else None
        kind = kind if kind in queries.EVENT_KINDS else ""
        start = start or when - dt.timedelta(days=30)
        rows = records(queries.changes(cur, start, end, code, kind or None))
        return page(request, "changes.html", cur, rows=rows, since=str(start), until=str(end or ""), state=code or "",
                    kind=kind, kinds=queries.EVENT_KINDS, error=error)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(request: Request, q: str = "", cur=Cur):
        code = vocab.state_code(q) if q else None
        found = records(queries.find_agencies(cur, q).head(50)) if q.strip() else []
        return page(request, "search.html", cur, q=q, state=code, found=found)

    @app.get("/methodology", response_class=HTMLResponse, include_in_schema=False)
    def methodology(request: Request, cur=Cur):
        return page(request, "methodology.html", cur, checks=records(queries.qa_checks(cur)),
                    publications=queries.publications(cur).height)

    @app.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
    def downloads(request: Request, cur=Cur):
        return page(request, "downloads.html", cur)

    return app


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None

