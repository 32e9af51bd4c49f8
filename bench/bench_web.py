"""Web speed: JSON endpoints under load, the home page's weight and render time, and Datasette serving
the same agreements table from a SQLite export, in the same run on the same machine.

    uv run python bench/bench_web.py [--data ../shared/data] [--seconds 10] [--baseline REV]

`--baseline REV` also serves a warehouse built by the project as it was at git revision REV (checked
out into a temporary worktree, run with this environment's packages), and runs the same load on it:
the previous figures, measured in the same run.

Needs wrk (Debian package) and Debian's chromium; Datasette is fetched by `uvx` for the comparison.
Load: wrk, 2 threads, 32 connections, on the same 2-core machine as the servers. "warm" repeats one URL
(answers come from the per-snapshot cache of whole answers); "cold" asks every request about a random
day of the record (so a random publication) and sends `Cache-Control: no-cache`, so that no answer
comes from that cache and each one is computed.
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb

from open287g import pipeline
from open287g.archive import Archive

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("OPEN287G_CACHE", str(REPO / "artifacts" / "text-cache"))  # MOA text read once
LUA = """
first, last = os.time({year=2021, month=1, day=13, hour=12}), os.time({year=2026, month=3, day=31, hour=12})
request = function()
  local path = wrk.path
  if os.getenv("COLD") == "1" then
    local t = math.random(first, last)
    path = string.gsub(path, "{day}", os.date("%Y-%m-%d", t))
    path = string.gsub(path, "{day30}", os.date("%Y-%m-%d", t + 30 * 86400))
    path = string.gsub(path, "{agency}", agencies[math.random(1, #agencies)])
    local headers = {}  -- wrk.format takes these instead of the command line's, so those are copied
    for k, v in pairs(wrk.headers) do headers[k] = v end
    headers["Cache-Control"] = "no-cache"
    return wrk.format(nil, path, headers)
  end
  return wrk.format(nil, path)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(95) / 1000, latency:percentile(50) / 1000, summary.errors.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def load(url: str, seconds: int, lua: Path, cold: bool, gzip: bool = False) -> tuple[float, float, float, int]:
    env = {"COLD": "1" if cold else "0", "PATH": "/usr/bin:/bin"}
    headers = ["-H", "Accept-Encoding: gzip"] if gzip else []
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", *headers, "-s", str(lua), url],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    rps, p95, p50, errors = line.split()[1:]
    return float(rps), float(p95), float(p50), int(errors)


def fill(template: str, day: str, day30: str, agency: str) -> str:
    return template.replace("{day30}", day30).replace("{day}", day).replace("{agency}", agency)


def settle(url: str) -> None:
    """Wait until the server has worked off the requests a finished load run left queued."""
    for _ in range(150):
        t = time.perf_counter()
        urllib.request.urlopen(url).read()
        if time.perf_counter() - t < 0.005:
            return
        time.sleep(0.1)


def render_time(url: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = b.new_page()
        page.goto(url)  # warm-up (server caches, browser start)
        times = []
        for _ in range(3):
            page.goto(url, wait_until="load")
            times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
        b.close()
    return min(times)


def start_baseline(rev: str, data: Path, tmp: Path) -> tuple[subprocess.Popen, int]:
    """The project at `rev`, in a worktree: its own import of the data, then its server."""
    tree = tmp / "baseline"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), rev], check=True, capture_output=True
    )
    (tree / "node_modules").symlink_to(REPO / "node_modules")
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "OPEN287G_ATLAS_DIR": str(REPO / "node_modules" / "us-atlas")}
    db = tmp / "baseline.duckdb"
    cli = [sys.executable, "-m", "open287g", "--db", str(db)]
    subprocess.run([*cli, "import", str(data)], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return server, port


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--baseline", help="git revision to measure in the same run (e.g. the previous release)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "w.duckdb"
        pipeline.import_paths(db, Archive(tmp / "w.archive"), [args.data])
        lite = tmp / "agreements.db"
        with duckdb.connect(str(db), read_only=True) as con, sqlite3.connect(lite) as out:
            cols = [
                c
                for (c, t) in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'agreements'"
                ).fetchall()
                if not t.endswith("[]")
            ]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM agreements").fetchall()
            out.execute(f"CREATE TABLE agreements ({', '.join(cols)})")
            out.executemany(
                f"INSERT INTO agreements VALUES ({', '.join('?' * len(cols))})",
                [[str(v) if v is not None and not isinstance(v, (int, float, str)) else v for v in r] for r in rows],
            )
            out.execute("CREATE INDEX agreements_state ON agreements (state)")
        with duckdb.connect(str(db), read_only=True) as con:
            ids = [r[0] for r in con.execute("SELECT agency_id FROM agencies ORDER BY 1").fetchall()]
        lua = tmp / "bench.lua"
        lua.write_text("agencies = {" + ",".join(f'"{i}"' for i in ids) + "}\n" + LUA)
        ours_port, lite_port = free_port(), free_port()
        previous = start_baseline(args.baseline, args.data, tmp) if args.baseline else None
        ours = subprocess.Popen(
            [sys.executable, "-m", "open287g", "--db", str(db), "serve", "--port", str(ours_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        datasette = subprocess.Popen(
            [
                "uvx",
                "--from",
                "datasette==0.65.1",
                "--with",
                "setuptools<81",
                "datasette",
                "serve",
                str(lite),
                "--port",
                str(lite_port),
                "--setting",
                "num_sql_threads",
                "3",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait(ours_port)
            wait(lite_port)
            base = f"http://127.0.0.1:{ours_port}"
            if previous:
                wait(previous[1])
            print(f"{'endpoint':58} {'req/s':>8} {'p95 ms':>8} {'p50 ms':>8}")
            results = {}
            # warm: the newest day, one URL repeated; cold: {day} is a random day, and no answer repeats
            paths = (
                "/api/v1/counts?on={day}",
                "/api/v1/agreements?state=TX&on={day}",
                "/api/v1/changes?since={day}&until={day30}",
                "/api/v1/coverage?on={day}",
                "/api/v1/agencies?state=TX&on={day}",
                "/api/v1/states/TX?on={day}",
                "/api/v1/agencies/{agency}",
                "/api/v1/agreements?on={day}",
                "/api/v1/counties?on={day}",
            )
            # all warm runs first: the cold runs churn the cache and leave the allocator fragmented
            for cold in (False, True):
                for template in paths:
                    path = (
                        template
                        if cold
                        else fill(template, "2026-03-01", "2026-03-27", "NE/brown-county-sheriffs-office")
                    )
                    urllib.request.urlopen(
                        base + fill(path, "2025-06-01", "2025-07-01", "FL/lee-county-sheriffs-office")
                    ).read()
                    settle(base + "/api/v1/counts")
                    rps, p95, p50, errors = load(base + path, args.seconds, lua, cold)
                    results[(template, cold)] = rps
                    print(
                        f"open287g {'cold' if cold else 'warm'} {template:44} {rps:8.0f} {p95:8.1f} {p50:8.1f}"
                        + (f"  ({errors} errors)" if errors else "")
                    )
                    if previous:
                        old = f"http://127.0.0.1:{previous[1]}"
                        urllib.request.urlopen(
                            old + fill(path, "2025-06-01", "2025-07-01", "FL/lee-county-sheriffs-office")
                        )
                        settle(old + "/api/v1/counts")
                        o_rps, o_p95, o_p50, o_errors = load(old + path, args.seconds, lua, cold)
                        print(
                            f"{args.baseline[:8]} {'cold' if cold else 'warm'} {template:44} {o_rps:8.0f} {o_p95:8.1f}"
                            f" {o_p50:8.1f}  -> this/previous {rps / o_rps:.2f}x"
                            + (f"  ({o_errors} errors)" if o_errors else "")
                        )
            lite_url = f"http://127.0.0.1:{lite_port}/agreements/agreements.json?state=TX&_size=max"
            urllib.request.urlopen(lite_url).read()
            rps, p95, p50, errors = load(lite_url, args.seconds, lua, False)
            print(f"datasette {'agreements.json?state=TX':48} {rps:8.0f} {p95:8.1f} {p50:8.1f}")
            tx = "/api/v1/agreements?state=TX&on={day}"
            print(
                f"ratio open287g/datasette, agreements?state=TX: warm {results[(tx, False)] / rps:.1f}x,"
                f" cold {results[(tx, True)] / rps:.1f}x"
            )
            req = urllib.request.Request(base + "/", headers={"Accept-Encoding": "gzip"})
            raw = urllib.request.urlopen(req).read()
            css = urllib.request.urlopen(
                urllib.request.Request(base + "/static/site.css", headers={"Accept-Encoding": "gzip"})
            ).read()
            print(
                f"home page transferred (gzip, HTML+CSS): {(len(raw) + len(css)) / 1024:.0f} KB "
                f"(HTML {len(gzip.decompress(raw)) / 1024:.0f} KB uncompressed); target < 400 KB"
            )
            print(
                f"home page rendered (load event, headless chromium): {render_time(base + '/'):.2f} s; target < 1.5 s"
            )
            settle(base + "/api/v1/counts")
            rps, p95, p50, errors = load(base + "/", args.seconds, lua, False, gzip=True)
            print(f"home page under load (gzip, repeated URL): {rps:.0f} req/s, p95 {p95:.1f} ms")
        finally:
            ours.terminate()
            datasette.terminate()
            if previous:
                previous[0].terminate()
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tmp / "baseline")], check=False
                )


if __name__ == "__main__":
    main()
