"""Shared fixtures: the real data in ../shared/data and one warehouse built from all of it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from helpers import BROWSER_ARGS, CHROMIUM, REPO, SHARED, SHOTS
from open287g import cache, pipeline
from open287g.archive import Archive

# The text of the shared MOAs (OCR included) is kept across test sessions, so a run never OCRs a page a
# previous run has read: every warehouse a test builds (in this process or in a CLI it starts) uses it.
# $OPEN287G_CACHE, when set, names another folder.
TEXT_CACHE = Path(os.environ.setdefault(cache.ENV, str(REPO / "artifacts" / "text-cache")))


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
    result = pipeline.import_paths(db, Archive(root / "open287g.archive"), [shared], cache=cache.Cache(TEXT_CACHE))
    assert result.built and not result.rejected
    return db


@pytest.fixture()
def con(built):
    c = duckdb.connect(str(built), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="session")
def built_ddp(built, tmp_path_factory):
    """The full warehouse with made releases of the newer kind (arrests and detainers, tests/ddp_files.py)
    imported into a copy: (warehouse, arrest rows, detainer rows), built once per session."""
    from ddp_files import ddp_warehouse

    return ddp_warehouse(built, tmp_path_factory.mktemp("ddp") / "w", cache.Cache(TEXT_CACHE))


@pytest.fixture
def built_copy(built, tmp_path) -> Path:
    """A private copy of the full warehouse, its archive and its memo, for tests that import more."""
    shutil.copy(built, tmp_path / "open287g.duckdb")
    shutil.copytree(built.with_name("open287g.archive"), tmp_path / "open287g.archive")
    shutil.copy(built.with_name("open287g.memo"), tmp_path / "open287g.memo")  # what the build read, for the next
    return tmp_path / "open287g.duckdb"


# The site served from the full warehouse in its own process, and a chromium to visit it (browser tests).
def _serve(db: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "open287g", "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {proc.stderr.read().decode()[:500]}")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(built):
    yield from _serve(built)


@pytest.fixture(scope="module")
def server_ddp(built_ddp):
    """The site served from the full warehouse with releases of the newer kind (detainers) imported too."""
    yield from _serve(built_ddp[0])


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture()
def fake():
    """A fake ICE on 127.0.0.1 (tests/fake_ice.py), for the sync and alert tests."""
    from fake_ice import FakeIce

    f = FakeIce()
    f.start()
    yield f
    f.stop()
