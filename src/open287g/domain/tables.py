"""Domain facts shipped as reviewed data and loaded into the warehouse as tables."""

from __future__ import annotations

from .vocab import MODELS, data_rows

AUTHORITIES = {"JEM": 7, "TFM": 9, "WSO": 2}  # DOMAIN §2.1: how many authorities each model lists


def model_powers() -> list[dict]:
    """The powers each model delegates (DOMAIN §2.2-2.4), one row per enumerated authority."""
    rows = [{**r, "n": int(r["n"])} for r in data_rows("model_powers.csv")]
    counts = {m: sum(1 for r in rows if r["model"] == m) for m in MODELS}
    if counts != AUTHORITIES:
        raise ValueError(f"model_powers.csv: expected 7/9/2 authorities, found {counts}")
    return rows
