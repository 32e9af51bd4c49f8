"""The template comparison of the shared MOAs (domain/moa_templates.analyse), against a baseline run in
the same process: difflib's word diff of each MOA against one member of its family (what a plain
document diff does, with no template, OCR or blank handling).

    uv run python bench/bench_moa_templates.py [--data ../shared/data]

The MOAs' text comes from the text cache the tests keep ($OPEN287G_CACHE, default artifacts/text-cache;
pages missing from it are read and OCRed once). Prints the best of 5 runs of the whole comparison (all
80 MOAs: templates, departures, changes between templates; the build runs it on every rebuild), its
parts, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import difflib
import os
from pathlib import Path

from open287g.cache import Cache
from open287g.domain import moa_templates as mt
from open287g.stages import documents
from timing import best

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = ap.parse_args()
    rows = list(csv.DictReader((REPO / "tests" / "data" / "moa_revisions.csv").open(encoding="utf-8")))
    files = {r["sha256"]: args.data / "moa" / "pdfs" / r["file"] for r in rows}
    cache = Cache(os.environ.get("OPEN287G_CACHE", REPO / "artifacts" / "text-cache"))
    readings = documents.read_all(sorted(files), lambda sha: files[sha].read_bytes(), cache)
    docs = []
    for r in rows:
        pages = readings[r["sha256"]].pages or []
        revision = dt.date.fromisoformat(r["revision"]) if r["revision"] else None
        docs.append(mt.DocText(r["sha256"], r["model"], revision, None, [(p.number, p.text) for p in pages]))
    words = sum(len(t.split()) for d in docs for _, t in d.pages)

    ours = best(lambda: mt.analyse(docs))
    interner = mt._Interner()
    prepare = best(lambda: [mt._prepare(d, interner) for d in docs])
    result = mt.analyse(docs)
    n_departures = sum(len(v) for v in result.departures.values())

    by_family: dict[str, list[mt.DocText]] = {}
    for d in docs:
        by_family.setdefault(mt.family(d.model, d.revision_date) or "", []).append(d)

    def baseline() -> None:
        for members in by_family.values():
            base = " ".join(t for _, t in members[0].pages).split()
            for d in members[1:]:
                words = " ".join(t for _, t in d.pages).split()
                difflib.SequenceMatcher(None, base, words, autojunk=False).get_opcodes()

    base = best(baseline, n=1)
    print(f"MOAs / pages / words                      : {len(docs)} / {sum(len(d.pages) for d in docs)} / {words}")
    print(f"analyse: templates, departures, changes   : {ours:6.2f} s  ({n_departures} departures; target < 2 s)")
    print(f"  of which reading the words of every MOA : {prepare:6.2f} s")
    print(f"baseline difflib word diff, no templates  : {base:6.2f} s")
    print(f"ratio baseline/analyse                    : {base / ours:6.1f}x")


if __name__ == "__main__":
    main()
