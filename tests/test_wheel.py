"""The built package works outside the checkout: `uv build` (sdist, then the wheel from it), installed
with the locked dependencies into a fresh venv in a temporary folder, imports the shared data and
serves the county map from the us-atlas copy inside the wheel. Also: the build refuses to run without
node_modules/us-atlas, and `serve` refuses to start without the map data or the warehouse."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from helpers import REPO, SHARED
from open287g.web import mapsvg

MAP = "counties-albers-10m.json"
PLACES = "counties-10m.json"  # the county table every import reads


def _env(**extra: str) -> dict[str, str]:
    """The environment for the installed package: nothing pointing back at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN287G_")}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    return {**env, **extra}


def _run(args, cwd: Path, env=None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env or _env(), capture_output=True, text=True, timeout=timeout
    )


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


def _error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("outside")
    assert REPO.resolve() not in root.resolve().parents, "the temporary folder must be outside the checkout"
    return root


@pytest.fixture(scope="module")
def dist(outside) -> Path:
    """sdist and wheel, built the way the README says (`uv build`: the wheel is built from the sdist)."""
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH"
    out = outside / "dist"
    _ok(_run([uv, "build", "--out-dir", out], cwd=REPO))
    return out


@pytest.fixture(scope="module")
def venv(dist, outside) -> Path:
    """A fresh venv outside the checkout with the wheel and the locked (non-dev) dependencies."""
    uv = shutil.which("uv")
    requirements = outside / "requirements.txt"
    export = [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "-q", "-o", requirements]
    _ok(_run(export, cwd=REPO))
    venv = outside / "venv"
    _ok(_run([uv, "venv", "-q", "--python", sys.executable, venv], cwd=outside))
    (wheel,) = dist.glob("open287g-*.whl")
    _ok(_run([uv, "pip", "install", "-q", "--python", venv / "bin" / "python", "-r", requirements, wheel], outside))
    return venv


@pytest.fixture(scope="module")
def warehouse(venv, outside) -> Path:
    db = outside / "w.duckdb"
    # the session's MOA text cache (results keyed by file and version only, nothing of the checkout's code)
    env = _env(OPEN287G_CACHE=os.environ["OPEN287G_CACHE"])
    _ok(_run([venv / "bin" / "open287g", "--db", db, "import", SHARED], cwd=outside, env=env))
    return db


def test_wheel_carries_the_map_data_and_not_the_build_hook(dist):
    (wheel,) = dist.glob("open287g-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"open287g/atlas_data/{MAP}", f"open287g/atlas_data/{PLACES}", "open287g/atlas_data/LICENSE"} <= names
    for name in (MAP, PLACES):
        bundled = zipfile.ZipFile(wheel).read(f"open287g/atlas_data/{name}")
        assert bundled == (REPO / "node_modules" / "us-atlas" / name).read_bytes()
    assert "open287g/_atlas_hook.py" not in names
    assert not [n for n in names if "node_modules" in n]
    # the sdist carries node_modules' files so that a wheel built from it has them too
    (sdist,) = dist.glob("open287g-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers()}
    assert {f"node_modules/us-atlas/{MAP}", "node_modules/us-atlas/LICENSE"} <= members


def test_installed_package_imports_outside_the_checkout(venv, outside):
    code = (
        "import open287g, open287g.queries, open287g.pipeline; from open287g import atlas; "
        "print(open287g.__file__); print(atlas.path('counties-albers-10m.json'))"
    )
    package, map_file = _ok(_run([venv / "bin" / "python", "-c", code], cwd=outside)).stdout.split()
    assert Path(package).is_relative_to(venv) and not Path(package).is_relative_to(REPO)
    assert Path(map_file) == Path(package).parent / "atlas_data" / MAP


def test_installed_package_serves_the_county_map(venv, warehouse, outside):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = outside / "serve.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [str(venv / "bin" / "open287g"), "--db", str(warehouse), "serve", "--port", str(port)],
            cwd=outside,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"serve exited with {proc.returncode}: {log.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                    status, page = response.status, response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, f"serve did not answer: {log.read_text()[-2000:]}"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert status == 200
    svg = re.search(r'<svg class="map".*?</svg>', page, re.S)
    assert svg, "the home page has no county map"
    counties = re.findall(r'<path class="c[ "]', svg.group(0))
    assert len(counties) == len(mapsvg.county_paths()) > 3100
    assert 'data-fips="48201"' in svg.group(0)


def test_serve_refuses_to_start_without_the_map_data(venv, warehouse, outside):
    """$OPEN287G_ATLAS_DIR, when set, is the only place looked at, so an empty one means no map data."""
    empty = outside / "no-atlas"
    empty.mkdir(exist_ok=True)
    result = _run(
        [venv / "bin" / "open287g", "--db", warehouse, "serve", "--port", "1"],
        cwd=outside,
        env=_env(OPEN287G_ATLAS_DIR=str(empty)),
        timeout=60,
    )
    assert result.returncode == 1
    lines = _error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("error:"), lines
    assert "OPEN287G_ATLAS_DIR" in lines[0] and MAP in lines[0]


def test_serve_refuses_to_start_without_the_warehouse(venv, outside):
    result = _run([venv / "bin" / "open287g", "--db", outside / "none.duckdb", "serve", "--port", "1"], outside)
    assert result.returncode == 1
    lines = _error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("error:") and "none.duckdb" in lines[0], lines


@pytest.mark.parametrize("target", ["--sdist", "--wheel"])
def test_build_fails_without_node_modules(outside, target):
    """A copy of the project without node_modules: the build stops and says to run `npm ci`."""
    src = outside / f"no-node-modules{target}"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "package.json"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "atlas_data"))
    result = _run([shutil.which("uv"), "build", target, "--out-dir", src / "dist"], cwd=src)
    assert result.returncode != 0
    assert f"node_modules/us-atlas/{MAP} is missing" in result.stderr
    assert "run `npm ci`" in result.stderr
    assert not list((src / "dist").glob("open287g-*"))
