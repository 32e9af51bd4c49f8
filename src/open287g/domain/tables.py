"""Domain facts shipped as reviewed data and loaded into the warehouse as tables."""

from __future__ import annotations

import csv
from importlib import resources


def model_powers() -> list[dict]:
    """The powers each model delegates (DOMAIN §2.2-2.4), one row per enumerated authority."""
    with resources.files("open287g.data").joinpath("model_powers.csv").open(encoding="utf-8") as fh:
        rows = [{**r, "n": int(r["n"])} for r in csv.DictReader(fh)]
    counts = {m: sum(1 for r in rows if r["model"] == m) for m in ("JEM", "TFM", "WSO")}
    if counts != {"JEM": 7, "TFM": 9, "WSO": 2}:  # DOMAIN §2.1: 7, 9 and 2 authorities
        raise ValueError(f"model_powers.csv: expected 7/9/2 authorities, found {counts}")
    return rows
