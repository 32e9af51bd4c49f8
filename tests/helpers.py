"""Paths to the real shared data, and small helpers the tests share."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPEN287G_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()
SHEETS = SHARED / "sheets"


def sheet(rel: str) -> Path:
    """A real workbook under shared/data/sheets."""
    p = SHEETS / rel
    assert p.is_file(), f"missing shared data file {p}"
    return p
