"""Shared fixtures: the real data in ../shared/data and one warehouse built from all of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from helpers import SHARED
from open287g import pipeline
from open287g.archive import Archive

# The text of the shared MOAs (OCR of ~260 scanned pages, minutes of work) is kept between runs in one
# cache for every warehouse the tests build; it holds results keyed by file and extractor version only.
os.environ.setdefault("OPEN287G_CACHE", str(Path(__file__).resolve().parents[1] / ".cache" / "tests"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "snapshots.csv").is_file():
        pytest.fail(f"shared data not found at {SHARED} (set OPEN287G_SHARED_DATA)")
    return SHARED


@pytest.fixture(scope="session")
def built(shared, tmp_path_factory) -> Path:
    """A warehouse imported from every shared workbook (built once per test session)."""
    root = tmp_path_factory.mktemp("full")
    db = root / "open287g.duckdb"
    result = pipeline.import_paths(db, Archive(root / "open287g.archive"), [shared])
    assert result.built and not result.rejected
    return db


@pytest.fixture()
def con(built):
    c = duckdb.connect(str(built), read_only=True)
    yield c
    c.close()


@pytest.fixture()
def built_copy(built, tmp_path) -> Path:
    """A private copy of the full warehouse and its archive, for tests that import more."""
    shutil.copy(built, tmp_path / "open287g.duckdb")
    shutil.copytree(built.with_name("open287g.archive"), tmp_path / "open287g.archive")
    return tmp_path / "open287g.duckdb"
