"""County boundaries for the map: the npm package us-atlas (pinned in package.json), installed at
setup into node_modules; nothing of it is committed. The web layer draws the TopoJSON; the warehouse
supplies the per-county figures it is coloured by (queries.county_figures)."""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VERSION = "3.0.1"


def path(name: str = "counties-10m.json") -> Path:
    """Where the TopoJSON file is: $OPEN287G_ATLAS_DIR, else node_modules/us-atlas of the checkout."""
    root = Path(os.environ.get("OPEN287G_ATLAS_DIR", REPO / "node_modules" / "us-atlas"))
    p = root / name
    if not p.is_file():
        raise FileNotFoundError(f"{p}: us-atlas is not installed (run `npm ci` in {REPO})")
    return p


def county_ids() -> dict[str, str]:
    """FIPS -> county name, for every county shape in the atlas."""
    topology = json.loads(path().read_text())
    return {g["id"]: g["properties"]["name"] for g in topology["objects"]["counties"]["geometries"]}
