"""The JSON contract: every command that prints JSON and every /api/v1 endpoint has exactly the fields that
src/open287g/data/contract.json lists, nested objects and every record of every list included, and each API list's
CSV twin has the same columns. A renamed, dropped or added field fails here until contract.json is updated. The same
file gives the OpenAPI document its response schemas (web/openapi.py)."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.main import get_command

from helpers import SHARED, run
from open287g import queries
from open287g.cli import app
from open287g.web import openapi
from open287g.web.app import create_app

CONTRACT_FILE = Path(openapi.__file__).parents[1] / "data" / "contract.json"
CONTRACT = openapi.contract()
RECORDS = CONTRACT["records"]
HINT = "(if the change is intended, update src/open287g/data/contract.json)"

# Answers that are empty on the shared data, so that only their type can be checked here. The two listings
# of the newest pending list belong to agreements that are already active: no agreement has status pending.
# the warehouse of these tests has no alert store: test_alerts checks those lists' shapes when they hold rows
MAY_BE_EMPTY = {"agreements --status pending", "subscriptions", "subscriptions --log"}
# Nested lists that may be empty on the shared data, so that only their type can be checked: a document's departures
# from its template (the Ellis County MOA of the contract may well have none).
EMPTY_PATHS = {"$.departures[*]"}
# Answers from the newer FOIA releases (sources/ddp.py), of which the shared data holds none: checked on the full
# warehouse with made releases imported (conftest `built_ddp`).
NEEDS_DDP = {
    "detainers",
    "detainers --by facility",
    "arrests --by criminality",
    "/api/v1/detainers",
    "/api/v1/detainers?by=agency",
    "/api/v1/arrests?by=criminality",
}


def fields(shape, seen: tuple[str, ...] = ()) -> dict[str, dict | None]:
    """A shape's fields: name -> the nested spec ({"object"|"list": shape}) or None for a plain value."""
    if isinstance(shape, str):
        name = shape.removeprefix("@")
        assert shape.startswith("@") and name in RECORDS, f"contract.json: {shape!r} is not '@' + a record name"
        assert name not in seen, f"contract.json: record {name!r} includes itself"
        return fields(RECORDS[name], (*seen, name))
    out: dict[str, dict | None] = {}
    for entry in shape:
        if isinstance(entry, str) and entry.startswith("@"):
            out.update(fields(entry, seen))
        elif isinstance(entry, str):
            out[entry] = None
        else:
            ((name, nested),) = entry.items()
            out[name] = nested
    return out


def label(shape) -> str:
    return f"record {shape[1:]!r}" if isinstance(shape, str) else "inline shape"


class Check:
    """Compares a JSON value with a spec; collects every difference (once per path) and counts the records
    checked per path, so that a list that was always empty is reported instead of passing unchecked."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.records: dict[str, int] = {}

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def value(self, value, spec: dict, path: str) -> None:
        ((kind, shape),) = spec.items()
        assert kind in ("object", "list"), f"contract.json: {path}: {kind!r} is neither 'object' nor 'list'"
        if kind == "object":
            if not isinstance(value, dict):
                self.problem(f"{path}: expected an object ({label(shape)}), got {type(value).__name__}")
                return
            self.rows([value], shape, path)
        else:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                self.problem(f"{path}: expected a list of objects ({label(shape)}), got {_kind(value)}")
                return
            self.rows(value, shape, f"{path}[*]")

    def rows(self, rows: list[dict], shape, path: str) -> None:
        self.records[path] = self.records.get(path, 0) + len(rows)
        expected = fields(shape)
        by_keys: dict[frozenset, list[int]] = {}
        for i, row in enumerate(rows):
            by_keys.setdefault(frozenset(row), []).append(i)
        for keys, where in by_keys.items():
            missing, extra = sorted(expected.keys() - keys), sorted(keys - expected.keys())
            if missing or extra:
                self.problem(
                    f"{path} ({label(shape)}): {len(where)} of {len(rows)} record(s) (first: #{where[0]}) "
                    f"missing {missing}, extra {extra}"
                )
        for name, nested in expected.items():
            for row in rows:
                if name not in row:
                    continue
                if nested is not None:
                    self.value(row[name], nested, f"{path}.{name}")
                elif isinstance(row[name], dict) or (
                    isinstance(row[name], list) and any(isinstance(v, dict) for v in row[name])
                ):
                    self.problem(
                        f"{path}.{name}: holds {_kind(row[name])}, which the contract gives as a plain value "
                        f'(describe it as {{"{name}": {{"object"|"list": [...]}}}})'
                    )

    def report(self, what: str, may_be_empty: bool = False) -> str:
        lines = list(self.problems)
        if not may_be_empty:
            lines += [
                f"{path}: empty, so its fields were not checked"
                for path, n in self.records.items()
                if not n and path not in EMPTY_PATHS
            ]
        return (
            ""
            if not lines
            else f"{what} does not match src/open287g/data/contract.json {HINT}:\n  " + "\n  ".join(lines)
        )


def _kind(value) -> str:
    if isinstance(value, list):
        return f"a list of {sorted({type(v).__name__ for v in value}) or 'nothing'}"
    return "an object" if isinstance(value, dict) else type(value).__name__


def check(value, spec: dict, what: str, may_be_empty: bool = False) -> str:
    c = Check()
    c.value(value, spec, "$")
    return c.report(what, may_be_empty)


# -- the checker itself ---------------------------------------------------------------------------


def test_the_checker_reports_missing_extra_and_nested_fields():
    spec = {"object": ["a", {"inner": {"list": ["x", "y"]}}]}
    assert check({"a": 1, "inner": [{"x": 1, "y": 2}, {"x": 1, "y": 2}]}, spec, "ok") == ""
    report = check({"a": 1, "b": 2, "inner": [{"x": 1, "y": 2}, {"x": 1}]}, spec, "bad")
    assert "$ (inline shape): 1 of 1 record(s) (first: #0) missing [], extra ['b']" in report
    assert "$.inner[*] (inline shape): 1 of 2 record(s) (first: #1) missing ['y'], extra []" in report
    assert "empty, so its fields were not checked" in check({"a": 1, "inner": []}, spec, "empty")
    assert "plain value" in check({"a": {"x": 1}, "inner": [{"x": 1, "y": 2}]}, spec, "nested")
    # a record shared through "@name" and extended by another one
    assert set(fields(["@agreement", "extra"])) == set(RECORDS["agreement"]) | {"extra"}


def _shapes(node):
    """Every field list in a part of the contract, nested ones included."""
    if isinstance(node, list):
        yield node
        for entry in node:
            if isinstance(entry, dict):
                yield from _shapes(entry)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _shapes(value)


def test_contract_field_lists_are_sorted_and_every_record_is_used():
    """Field lists are kept sorted (an addition is one line, in one place) and no record is left unused."""
    for part in (RECORDS, CONTRACT["cli"], CONTRACT["api"]):
        for shape in _shapes(part):
            names = [next(iter(e)) if isinstance(e, dict) else e for e in shape]
            names = [n for n in names if not n.startswith("@")]
            assert names == sorted(names), f"contract.json: fields not sorted: {names}"
    text = CONTRACT_FILE.read_text()
    for name in RECORDS:
        assert f'"@{name}"' in text, f"contract.json: record {name!r} is never used"


# -- the command line -----------------------------------------------------------------------------


def test_every_json_command_is_in_the_contract():
    """Every command that takes --format (so prints JSON), and every breakdown of --by, has a contract entry.
    `export --format` names the files to write (its parameter is `formats`), not how to print."""
    commands = get_command(app).commands
    covered = {shlex.split(line)[0] for line in CONTRACT["cli"]}
    printing = {
        name for name, cmd in commands.items() if any("--format" in p.opts and p.name == "format" for p in cmd.params)
    }
    assert printing <= covered, f"commands printing JSON without a contract entry: {sorted(printing - covered)}"
    assert covered <= set(commands), f"contract entries for unknown commands: {sorted(covered - set(commands))}"
    for command, choices in (("counts", queries.COUNTS_BY), ("coverage", queries.COVERAGE_BY)):
        for by in choices:
            assert f"{command} --by {by}" in CONTRACT["cli"], f"`{command} --by {by}` is not in the contract"


@pytest.mark.parametrize("line", list(CONTRACT["cli"]))
def test_cli_json_matches_the_contract(built, request, line):
    db = request.getfixturevalue("built_ddp")[0] if line in NEEDS_DDP else built
    result = run(db, *shlex.split(line.replace("$SHARED", str(SHARED))), "--format", "json")
    # check exits 1 when a QA check fails; its JSON must keep its shape all the same
    assert result.exit_code in ((0, 1) if line == "check" else (0,)), result.output
    value = json.loads(result.stdout)
    may_be_empty = line in MAY_BE_EMPTY
    if not may_be_empty:
        assert value, f"`open287g {line}` printed nothing to check"
    problems = check(value, CONTRACT["cli"][line], f"`open287g {line} --format json`", may_be_empty)
    assert not problems, problems


# -- the HTTP API ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


def test_every_api_endpoint_is_in_the_contract(client):
    """Every /api/v1 route is answered by some contract URL, and the routes with a CSV twin (a `format`
    parameter) are lists in the contract, so their CSV header is checked too."""
    for route in client.app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/v1/"):
            continue
        pattern = openapi.route_pattern(path)
        urls = [u for u in CONTRACT["api"] if pattern.match(u)]
        assert urls, f"API route {path} has no entry in contract.json"
        takes_format = any(q.name == "format" for q in route.dependant.query_params)
        for url in urls:
            kind = next(iter(CONTRACT["api"][url]))
            assert (kind == "list") == takes_format, f"{url}: a list in contract.json iff it has a CSV twin"


def answering(url: str, client, request):
    if url.split("&")[0] in NEEDS_DDP:
        return TestClient(create_app(request.getfixturevalue("built_ddp")[0]))
    return client


@pytest.mark.parametrize("url", list(CONTRACT["api"]))
def test_api_json_matches_the_contract(client, request, url):
    r = answering(url, client, request).get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), (r.status_code, url)
    value = r.json()
    assert value, f"{url} answered nothing to check"
    problems = check(value, CONTRACT["api"][url], f"GET {url}")
    assert not problems, problems


@pytest.mark.parametrize("url", [u for u, spec in CONTRACT["api"].items() if "list" in spec])
def test_api_csv_header_matches_the_contract(client, request, url):
    r = answering(url, client, request).get(url + ("&" if "?" in url else "?") + "format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (r.status_code, url)
    header = next(csv.reader(io.StringIO(r.text)))
    expected = fields(CONTRACT["api"][url]["list"])
    assert not any(expected.values()), f"{url}: a CSV list cannot hold nested objects"
    assert len(header) == len(set(header)), f"{url}?format=csv repeats a column: {header}"
    missing, extra = sorted(expected.keys() - set(header)), sorted(set(header) - expected.keys())
    assert not (missing or extra), f"GET {url}&format=csv header: missing {missing}, extra {extra} {HINT}"
