"""County boundaries for the map: the npm package us-atlas (pinned in package.json), installed at
setup into node_modules; nothing of it is committed. The web layer draws the TopoJSON; the warehouse
supplies the per-county figures it is coloured by (queries.county_figures)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def path(name: str) -> Path:
    """Where the TopoJSON file is: $OPEN287G_ATLAS_DIR, else node_modules/us-atlas of the checkout."""
    root = Path(os.environ.get("OPEN287G_ATLAS_DIR", REPO / "node_modules" / "us-atlas"))
    p = root / name
    if not p.is_file():
        raise FileNotFoundError(f"{p}: us-atlas is not installed (run `npm ci` in {REPO})")
    return p
