"""MOA documents: text extraction against pdfplumber, OCR per scanned page, all MOAs cold and warm,
and full-text search latency over a corpus the size of 2,000 MOAs of 20 pages — in one run.

    uv run python bench/bench_moa.py [--data ../shared/data] [--skip-cold]

* text: pages/s of the text layer of every shared MOA page, pypdfium2 (ours) vs pdfplumber (baseline);
* OCR: seconds per scanned page, one page at a time on one core (OMP_THREAD_LIMIT=1), over a sample;
* all MOAs: reading (text + OCR on every core) and fields of the 80 shared MOAs, cold (empty cache)
  and warm (cached), plus the fields alone;
* search: median and worst latency of 20 queries (the 50 best pages with their passages, and the count
  of all matching pages) over an SQLite FTS5 index of 40,000 pages (the shared pages repeated to 2,000
  documents), against counting the matching pages with a LIKE scan of the same table (what answering
  without an index costs before any ranking).
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

from open287g import ocr
from open287g import search as fts
from open287g.cache import Cache
from open287g.domain import moa_text
from open287g.sources import moa_pdf
from open287g.stages import documents

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "steering committee",
    '"90 days"',
    "terminat*",
    "interpreter",
    "detainer",
    "Garrity",
    "reimbursable fee",
    "use of force",
    '"three years"',
    "OPR",
    "sheriff",
    "TECS",
    "complaint posters Spanish",
    "medical",
    "Giglio",
    "field office director",
    "45 days",
    "citizenship within one hour",
    "IGSA",
    "warrant of removal",
]


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def text_layers(files: list[Path]) -> tuple[float, float, int]:
    def ours() -> int:
        n = 0
        for f in files:
            pdf = pdfium.PdfDocument(f)
            for page in pdf:
                page.get_textpage().get_text_bounded()
                n += 1
        return n

    def plumber() -> int:
        import pdfplumber

        n = 0
        for f in files:
            with pdfplumber.open(f) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    n += 1
        return n

    t_ours, n = timed(ours)
    t_base, _ = timed(plumber)
    return t_ours, t_base, int(n)  # type: ignore[call-overload]


def ocr_sample(files: list[Path], n: int = 6) -> list[float]:
    """Seconds per scanned page: render + tesseract, one at a time."""
    times: list[float] = []
    for f in files:
        pdf = pdfium.PdfDocument(f)
        for page in pdf:
            text = page.get_textpage().get_text_bounded()
            if len(text.strip()) < moa_pdf.LAYER_MIN and moa_pdf._has_image(page):
                t, _ = timed(lambda page=page: ocr.recognise(moa_pdf._render(page)))
                times.append(t)
                if len(times) >= n:
                    return times
    return times


def all_moas(files: list[Path], cache: Cache) -> float:
    data = {hashlib.sha256(f.read_bytes()).hexdigest(): f for f in files}
    t, _ = timed(lambda: documents.read_all(sorted(data), lambda s: data[s].read_bytes(), cache))
    return t


def fields_only(files: list[Path], cache: Cache) -> float:
    data = {hashlib.sha256(f.read_bytes()).hexdigest(): f for f in files}
    readings = documents.read_all(sorted(data), lambda s: data[s].read_bytes(), cache)
    t, _ = timed(lambda: [moa_text.read(r.pages) for r in readings.values() if r.pages])
    return t


def search_latency(files: list[Path], cache: Cache, tmp: Path) -> dict:
    data = {hashlib.sha256(f.read_bytes()).hexdigest(): f for f in files}
    readings = documents.read_all(sorted(data), lambda s: data[s].read_bytes(), cache)
    pages = [(r.sha256, p.number, p.text) for r in readings.values() if r.pages for p in r.pages]
    target_pages = 2000 * 20
    rows = [(f"{sha}-{i}", n, text) for i in range(target_pages // len(pages) + 1) for sha, n, text in pages]
    rows = rows[:target_pages]
    path = tmp / "bench.search.sqlite"
    idx = sqlite3.connect(path)
    idx.execute(
        "CREATE VIRTUAL TABLE pages USING fts5(sha256 UNINDEXED, page UNINDEXED, text, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    t_index, _ = timed(lambda: (idx.executemany("INSERT INTO pages VALUES (?, ?, ?)", rows), idx.commit()))
    idx.execute("CREATE TABLE plain (sha256, page, text)")
    idx.executemany("INSERT INTO plain VALUES (?, ?, ?)", rows)
    idx.commit()
    idx.close()
    fts.search(path, "warm up")
    ours = [timed(lambda q=q: fts.search(path, q, limit=50))[0] for q in QUERIES]
    con = sqlite3.connect(path)
    words = [q.strip('"*') for q in QUERIES]
    scan = [
        timed(lambda w=w: con.execute("SELECT count(*) FROM plain WHERE text LIKE ?", (f"%{w}%",)).fetchall())[0]
        for w in words
    ]
    con.close()
    return {"pages": len(rows), "index_s": t_index, "ours": ours, "scan": scan}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--skip-cold", action="store_true", help="skip OCRing every scanned page again (minutes)")
    args = ap.parse_args()
    files = sorted((args.data / "moa" / "pdfs").rglob("*.pdf"))
    t_ours, t_base, n = text_layers(files)
    print(
        f"text layer: {n} pages; pypdfium2 {n / t_ours:,.0f} pages/s vs pdfplumber {n / t_base:,.1f} pages/s = "
        f"{t_base / t_ours:.1f}x"
    )
    sample = ocr_sample(files)
    print(
        f"OCR: {statistics.median(sample):.2f} s per scanned page (median of {len(sample)}, one core, "
        f"tesseract {ocr.version()})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cache = Cache(Path(tmp) / "cache")
        if not args.skip_cold:
            cold = all_moas(files, cache)
            print(f"all {len(files)} MOAs cold (text + OCR on {ocr.workers()} cores + cache): {cold:.1f} s")
        else:
            cache = Cache.beside(Path(tmp) / "w.duckdb")  # $OPEN287G_CACHE when set
            all_moas(files, cache)
        warm = all_moas(files, cache)
        fields = fields_only(files, cache)
        print(f"all {len(files)} MOAs warm (cached text): {warm:.2f} s; fields of all: {fields:.2f} s")
        s = search_latency(files, cache, Path(tmp))
        med, worst = statistics.median(s["ours"]) * 1000, max(s["ours"]) * 1000
        base = statistics.median(s["scan"]) * 1000
        print(
            f"search over {s['pages']:,} pages (2,000 MOAs x 20): FTS5 median {med:.1f} ms, worst {worst:.1f} ms "
            f"vs LIKE scan median {base:.1f} ms = {base / med:.0f}x; index built in {s['index_s']:.1f} s"
        )


if __name__ == "__main__":
    main()
