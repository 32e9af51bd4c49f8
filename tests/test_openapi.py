"""The documented API: the OpenAPI document describes every endpoint (parameters with descriptions and
examples that answer, the JSON answer's schema from the field contract, the 400/404 answers), an outside
test suite for OpenAPI services (schemathesis) finds no answer that departs from it, and the docs page
served by the site lets a person try every endpoint without any script from elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from open287g.web import openapi
from open287g.web.app import create_app


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built))


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/openapi.json").json()


def test_every_endpoint_has_a_response_schema_descriptions_and_examples(spec):
    for path, methods in spec["paths"].items():
        op = methods["get"]
        assert op.get("description"), f"{path}: no description"
        ok = op["responses"]["200"]["content"]
        assert "application/json" in ok or path == "/api/v1/panel/counties", f"{path}: no JSON answer"
        schema = ok.get("application/json", {}).get("schema")
        assert schema and (schema.get("properties") or schema.get("items") or schema.get("anyOf")), path
        assert {"400"} <= set(op["responses"]) and "422" not in op["responses"], path
        for p in op.get("parameters", []):
            assert p.get("description") or p.get("schema", {}).get("description"), f"{path}: {p['name']} undescribed"
            assert "example" in p, f"{path}: parameter {p['name']} has no example"


def test_the_examples_answer(built_ddp, spec):
    """Each endpoint called with its parameters' examples answers 200 (the docs page offers them), on the full
    warehouse with releases of the newer kind (detainers) imported too."""
    client = TestClient(create_app(built_ddp[0]))
    for op in openapi.operations(spec):
        values = {p["name"]: p["example"] for p in op["parameters"]}
        url = openapi.fill_path(op["path"], values)
        query = {k: v for k, v in values.items() if f"{{{k}" not in op["path"]}
        r = client.get(url, params=query)
        assert r.status_code == 200, (url, query, r.text[:300])


def test_a_schema_says_exactly_the_contract_fields(spec):
    agency = spec["paths"]["/api/v1/agencies/{agency_id}"]["get"]["responses"]["200"]["content"]
    schema = agency["application/json"]["schema"]
    assert schema["additionalProperties"] is False and "agreements" in schema["required"]
    assert schema["properties"]["agreements"]["type"] == "array"
    documents = spec["paths"]["/api/v1/documents"]["get"]["responses"]["200"]["content"]["application/json"]
    assert len(documents["schema"]["anyOf"]) == 2  # the documents, or with q the matching pages


def test_docs_page_lists_every_endpoint_and_its_forms_answer(client, spec):
    html = client.get("/docs").text
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in html
    r = client.get(
        "/docs/try", params={"path": "/api/v1/counties/{fips}", "fips": "48201", "on": ""}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/api/v1/counties/48201"
    r = client.get(
        "/docs/try", params={"path": "/api/v1/changes", "state": "TX", "model": "TFM"}, follow_redirects=False
    )
    assert r.headers["location"] == "/api/v1/changes?state=TX&model=TFM"
    agency = {"path": "/api/v1/agencies/{agency_id}", "agency_id": "TX/ellis-county-sheriffs-office"}
    assert (
        client.get("/docs/try", params=agency, follow_redirects=False)
        .headers["location"]
        .endswith("/agencies/TX/ellis-county-sheriffs-office")
    )
    # only the API's own endpoints: never a redirect elsewhere
    assert client.get("/docs/try", params={"path": "https://example.org/"}, follow_redirects=False).status_code == 400
    r = client.get("/docs/try", params={"path": "/api/v1/counties/{fips}"}, follow_redirects=False)
    assert r.status_code == 400 and "fips" in r.text
    assert "La API de open287g" in client.get("/docs?lang=es").text


def test_schemathesis_finds_no_failure(server, tmp_path):
    """schemathesis (every check, positive and negative cases) against the served site: no 5xx, no status,
    header, content type or body the document does not describe, no valid value refused."""
    assert httpx.get(server + "/openapi.json").status_code == 200
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),  # the locked dev dependency, beside python
            "run",
            f"{server}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--seed",
            "287",
            "--generation-database",
            "none",
            "--no-color",
            "--workers",
            "2",
            "--request-timeout",  # conformance, not speed: a shared machine may take more than the default 10 s
            "600",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(Path(__file__).parent)},
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
