"""The OpenAPI document, as the API answers: every JSON answer's schema is built from the field contract
(open287g/data/contract.json, the same file the contract tests check every answer against), parameters carry
descriptions and examples that answer, a bad parameter is a 400 with a sentence in `detail` (never FastAPI's
422), an unknown id a 404, and lists are JSON or, with format=csv, CSV."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .. import queries
from ..domain import vocab
from ..queries import outcomes as outcome_queries
from ..queries import params

PROBLEM = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What was wrong, in one sentence"}},
    "required": ["detail"],
}

# An example of every parameter, one that answers on the shared data; (path, name) first, then name.
EXAMPLES: dict[Any, str | int] = {
    "on": "2026-03-01",
    "since": "2026-03-01",
    "until": "2026-03-27",
    "signed_since": "2025-01-20",
    "signed_until": "2025-12-31",
    "state": "TX",
    "model": "TFM",
    "kind": "listed",
    "status": "active",
    "order": "newest",
    "format": "json",
    "fips": "12095",
    "agency_id": "TX/ellis-county-sheriffs-office",
    "agency": "TX/ellis-county-sheriffs-office",
    "sha256": "f8cecc479fcef6498ef9b618fd5b476d99783054614c07213b8b2e1ff268459b",
    "q": "Orange County",
    "limit": 100,
    "offset": 0,
    "page": 1,
    ("/api/v1/documents", "limit"): 50,
    ("/api/v1/documents", "q"): '"steering committee"',
    ("/api/v1/panel/counties", "since"): "2026-01",
    ("/api/v1/panel/counties", "until"): "2026-03",
    ("/api/v1/panel/counties", "state"): "RI",
    ("/api/v1/panel/counties", "format"): "csv",
    ("/api/v1/compliance/{state}", "state"): "FL",
    ("/api/v1/compliance/{state}/counties", "state"): "GA",
    ("/api/v1/compliance/{state}/monthly", "state"): "TX",
    ("/api/v1/laws/flags", "state"): "MD",
    ("/api/v1/arrests", "method"): "287g",
    ("/api/v1/arrests", "by"): "fiscal_year",
    ("/api/v1/detainers", "program"): "287g",
    ("/api/v1/detainers", "by"): "facility",
    ("/api/v1/arrests/landmarks", "link"): "none",
    ("/api/v1/arrests/landmarks", "state"): "NC",
    ("/api/v1/arrests/places/{state}", "state"): "NC",
    ("/api/v1/arrests/places/{state}", "county"): "37183",
    ("/api/v1/arrests/agencies/{agency_id}", "agency_id"): "GA/gwinnett-county-sheriffs-office",
}


def day_range(first: dt.date, last: dt.date) -> str:
    """A pattern for the days first..last written YYYY-MM-DD (with `format: date`, which rules out the
    days no calendar has): whole years, else whole months, else the days of a month."""

    def days(year: int, month: int, lo: int, hi: int) -> str:
        if lo == 1 and hi >= 28:
            return f"{year}-{month:02d}-[0-9]{{2}}"  # the whole month (format: date keeps it a day)
        return f"{year}-{month:02d}-({'|'.join(f'{d:02d}' for d in range(lo, hi + 1))})"

    parts = []
    for year in range(first.year, last.year + 1):
        if first < dt.date(year, 1, 1) and dt.date(year, 12, 31) < last:
            parts.append(f"{year}-[0-9]{{2}}-[0-9]{{2}}")
            continue
        for month in range(1, 13):
            start, end = dt.date(year, month, 1), (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1)
            end -= dt.timedelta(days=1)
            lo, hi = max(start, first), min(end, last)
            if lo <= hi:
                parts.append(days(year, month, lo.day, hi.day if hi < end else 31))
    return "^(" + "|".join(parts) + ")$"


def parameter_schemas(first: dt.date | None, today: dt.date) -> dict[Any, dict]:
    """Each parameter's schema, exactly what the API takes ((path, name) first, then name): a value the
    schema admits is answered, one it does not is refused (400). A day to answer for must fall in the
    record (first list .. today); the windows of changes may reach beyond it."""
    text = {"type": "string", "minLength": 1}
    any_day = {"type": "string", "format": "date"}
    month = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
    record_day = {**any_day, "pattern": day_range(first, today)} if first else any_day
    return {
        "on": record_day,
        "since": any_day,
        "until": any_day,
        "signed_since": any_day,
        "signed_until": any_day,
        ("/api/v1/panel/counties", "since"): month,
        ("/api/v1/panel/counties", "until"): month,
        "state": {"type": "string", "enum": sorted(vocab.state_names())},
        "model": {"type": "string", "enum": list(queries.MODELS)},
        "kind": {"type": "string", "enum": list(queries.EVENT_KINDS)},
        "status": {"type": "string", "enum": list(queries.AGREEMENT_STATUSES)},
        "order": {"type": "string", "enum": ["oldest", "newest"], "default": "oldest"},
        "format": {"type": "string", "enum": list(params.FORMATS), "default": "json"},
        ("/api/v1/panel/counties", "format"): {"type": "string", "enum": list(params.FORMATS), "default": "csv"},
        "fips": {"type": "string", "pattern": "^[0-9]{5}$"},
        "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{8,64}$"},
        "q": {**text, "pattern": r"[^ \t\n\r\f\v]"},  # not only blanks (params.BLANKS)
        "agency": text,
        "agency_id": text,
        ("/api/v1/arrests", "method"): {"type": "string", "enum": [*outcome_queries.METHODS], "default": "287g"},
        ("/api/v1/arrests", "by"): {"type": "string", "enum": [*outcome_queries.ARRESTS_BY], "default": "fiscal_year"},
        ("/api/v1/detainers", "program"): {"type": "string", "enum": [*outcome_queries.PROGRAMS], "default": "287g"},
        ("/api/v1/detainers", "by"): {
            "type": "string",
            "enum": [*outcome_queries.DETAINERS_BY],
            "default": "fiscal_year",
        },
        ("/api/v1/arrests/landmarks", "link"): {"type": "string", "enum": [*outcome_queries.LINKS]},
        ("/api/v1/arrests/places/{state}", "county"): {"type": "string", "pattern": "^[0-9]{5}$"},
    }


# What a parameter means where its endpoint does not say more.
DESCRIPTIONS = {
    "on": "The day to answer for, YYYY-MM-DD, from the record's first list to today (default: ICE's newest list)",
    "since": "The first day, YYYY-MM-DD (inclusive)",
    "until": "The last day, YYYY-MM-DD (inclusive; not before since)",
    "state": "A state or territory by its two-letter code, e.g. TX",
    "model": "JEM, TFM or WSO",
    "kind": "An event kind: " + ", ".join(queries.EVENT_KINDS),
    "status": "An agreement status: " + ", ".join(queries.AGREEMENT_STATUSES),
    "format": "json, or csv for the CSV twin",
    "fips": "A county's 5-digit FIPS code, e.g. 48201 (Harris County, TX)",
    "agency_id": "An agency's id, current or former (a former one redirects), e.g. TX/ellis-county-sheriffs-office",
    "sha256": "A file's sha256, or a unique prefix of 8 or more hex digits",
}


@cache
def contract() -> dict:
    """The field contract of every JSON answer (see its 'about')."""
    return json.loads(resources.files("open287g.data").joinpath("contract.json").read_text(encoding="utf-8"))


def route_pattern(path: str) -> re.Pattern[str]:
    """The URLs (with any query) a route answers: /api/v1/agencies/{agency_id:path} takes TX/x-y."""
    parts = re.sub(r"\{[^}:]+:path\}", "\0", re.sub(r"\{[^}:]+\}", "\1", path))
    body = re.escape(parts).replace("\0", ".+").replace("\1", "[^/]+")
    return re.compile(body + r"(\?.*)?$")


def shape_schema(spec: dict) -> dict:
    """The JSON Schema of a contract spec ({"object"|"list": SHAPE}): objects with exactly their fields."""
    ((kind, shape),) = spec.items()
    one = _record(shape)
    return one if kind == "object" else {"type": "array", "items": one}


def _fields(shape) -> dict[str, dict | None]:
    records = contract()["records"]
    if isinstance(shape, str):
        return _fields(records[shape.removeprefix("@")])
    out: dict[str, dict | None] = {}
    for entry in shape:
        if isinstance(entry, str) and entry.startswith("@"):
            out.update(_fields(entry))
        elif isinstance(entry, str):
            out[entry] = None
        else:
            ((name, nested),) = entry.items()
            out[name] = nested
    return out


def _record(shape) -> dict:
    fields = _fields(shape)
    return {
        "type": "object",
        "properties": {name: shape_schema(nested) if nested else {} for name, nested in fields.items()},
        "required": sorted(fields),
        "additionalProperties": False,
    }


def route_schema(path: str) -> dict | None:
    """The schema of a route's JSON answer, from the contract URLs it answers (several shapes: any of them)."""
    pattern = route_pattern(path)
    schemas: list[dict] = []
    for url, spec in contract()["api"].items():
        schema = shape_schema(spec)
        if pattern.match(url) and schema not in schemas:
            schemas.append(schema)
    if not schemas:
        return None
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def spec(app: FastAPI, first: dt.date | None, today: dt.date) -> dict:
    """The OpenAPI document for a record that begins on `first`, on `today`."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas_of = parameter_schemas(first, today)
    # the document writes /agencies/{agency_id} for the route /agencies/{agency_id:path}
    routes = {re.sub(r":path\}", "}", r.path): r.path for r in app.routes if hasattr(r, "path")}
    for path, operations in doc.get("paths", {}).items():
        for op in operations.values():
            for p in op.get("parameters", []):
                example = EXAMPLES.get((path, p["name"]), EXAMPLES.get(p["name"]))
                if example is not None:
                    p["example"] = example
                described = p.get("description") or p.get("schema", {}).get("description")
                p["description"] = described or DESCRIPTIONS.get(p["name"], "")
                exact = schemas_of.get((path, p["name"]), schemas_of.get(p["name"]))
                if exact is not None:
                    p["schema"] = exact
            responses = op.setdefault("responses", {})
            responses.pop("422", None)
            problem = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            responses["400"] = {"description": "A bad parameter: `detail` says which and why", **problem}
            if path.startswith("/api/v1/compliance/"):
                responses["404"] = {"description": "The state has no mandate whose covered set is counted", **problem}
            elif "{" in path or any(p["name"] == "agency" for p in op.get("parameters", [])):
                responses["404"] = {"description": "Nothing has that id: `detail` says so", **problem}
            elif path.startswith(("/api/v1/arrests", "/api/v1/detainers")):
                responses["404"] = {"description": "The warehouse holds no FOIA release of the kind", **problem}
            twins = any(p["name"] == "format" for p in op.get("parameters", []))
            ok = responses.setdefault("200", {})
            ok["description"] = "The answer, in JSON or CSV as format asks" if twins else "The answer (JSON)"
            ok["content"] = {}
            schema = route_schema(routes.get(path, path))
            if schema is not None:
                ok["content"]["application/json"] = {"schema": schema}
            if twins:
                ok["content"]["text/csv"] = {"schema": {"type": "string"}}
            if "{" in path and "agenc" in path:
                responses["301"] = {"description": "A former id: Location names where it lives now"}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM
    return doc


def operations(doc: dict) -> list[dict]:
    """The API's endpoints as the docs page shows them: path, description, parameters (path ones first),
    the answers it gives, the fields of its JSON answer and an example URL that answers."""
    out = []
    for path, methods in doc.get("paths", {}).items():
        op = methods.get("get")
        if op is None:
            continue
        parameters = sorted(op.get("parameters", []), key=lambda p: p["in"] != "path")
        listed = [
            {
                "name": p["name"],
                "in": p["in"],
                "required": p.get("required", False),
                "description": p.get("description", ""),
                "example": p.get("example", ""),
            }
            for p in parameters
        ]
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        records = ok.get("items", ok)
        fields = sorted(records.get("properties", {})) if "properties" in records else []
        out.append(
            {
                "path": path,
                "anchor": re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-"),
                "description": op.get("description") or op.get("summary", ""),
                "parameters": listed,
                "responses": [(code, r.get("description", "")) for code, r in sorted(op["responses"].items())],
                "fields": fields,
                "example_url": fill_path(
                    path, {p["name"]: p["example"] for p in listed if p["example"]}, required=listed
                ),
            }
        )
    return out


def fill_path(path: str, values: dict[str, str], required: list[dict] | None = None) -> str | None:
    """A route's URL with its path parameters filled (and the required query ones), or None when one is
    missing: /api/v1/counties/{fips} with fips=12095 is /api/v1/counties/12095."""
    missing = False

    def put(m: re.Match) -> str:
        nonlocal missing
        value = values.get(m.group(1), "")
        missing = missing or not value
        return quote(value, safe="/")  # an agency id holds one; any other slash finds nothing (404)

    url = re.sub(r"\{([^}:]+)(:path)?\}", put, path)
    if missing:
        return None
    query = {p["name"]: values[p["name"]] for p in required or [] if p["in"] == "query" and p["required"]}
    return url + ("?" + urlencode(query) if query else "")
