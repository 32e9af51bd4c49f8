"""County boundaries and names: the npm package us-atlas (pinned in package.json), installed at setup
into node_modules; nothing of it is committed. A built wheel carries FILES (plus us-atlas's LICENSE) in
open287g/atlas_data, copied from node_modules at build time by _atlas_hook.py. The web layer draws the
Albers TopoJSON, coloured by the warehouse's per-county figures (queries.county_figures); the build reads
the county names and FIPS of counties-10m.json (sources/us_atlas.py), which also has Puerto Rico and
the territories."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "OPEN287G_ATLAS_DIR"
MAP = ("counties-albers-10m.json",)  # what the web map reads (web/mapsvg.py)
FILES = (*MAP, "counties-10m.json")  # and the county table every build reads (sources/us_atlas.py)
BUNDLED = Path(__file__).resolve().parent / "atlas_data"  # in an installed wheel
REPO = Path(__file__).resolve().parents[2]  # the checkout, in an editable (dev) install
CHECKOUT = REPO / "node_modules" / "us-atlas"


def path(name: str) -> Path:
    """Where the us-atlas file `name` is: in $OPEN287G_ATLAS_DIR when that is set (and then only
    there), else the copy bundled in the installed package, else the checkout's node_modules/us-atlas."""
    if os.environ.get(ENV):
        p = Path(os.environ[ENV]) / name
        if p.is_file():
            return p
        raise FileNotFoundError(
            f"map data {name} not found in {ENV}={os.environ[ENV]}: point it at a folder holding us-atlas's files, "
            "or unset it"
        )
    for root in (BUNDLED, CHECKOUT):
        if (root / name).is_file():
            return root / name
    if (REPO / "package.json").is_file():  # a checkout whose npm packages are not installed
        raise FileNotFoundError(f"map data {name} not found: us-atlas is not installed (run `npm ci` in {REPO})")
    raise FileNotFoundError(
        f"map data {name} not found: this open287g install has no bundled us-atlas (build the wheel after `npm ci`, "
        f"or set {ENV} to a folder holding us-atlas's files)"
    )


def check() -> None:
    """Raise FileNotFoundError (one line) unless every file the map reads can be found."""
    for name in MAP:
        path(name)
