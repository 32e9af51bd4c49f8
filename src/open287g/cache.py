"""Results of slow pure work (the text of MOA pages, OCR included), kept outside the warehouse.

Keyed by the file's sha256 and the version of the code and tools that made the result, so a rebuild
never OCRs a page twice, and a new extractor or tesseract makes fresh entries instead of trusting old
ones. The cache is disposable: deleting it costs time, never data (the archive keeps the files).

Layout: <root>/<namespace>/<sha[:2]>/<sha256>.<version>.json. By default the root is beside the
warehouse; $OPEN287G_CACHE puts it elsewhere.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

ENV = "OPEN287G_CACHE"


class Cache:
    @classmethod
    def beside(cls, db_path: Path) -> Cache:
        """The default cache of a warehouse: $OPEN287G_CACHE when that is set (one cache shared by several
        warehouses, e.g. every warehouse a test session builds), else <db stem>.cache in the same folder."""
        shared = os.environ.get(ENV)
        return cls(shared) if shared else cls(db_path.with_name(db_path.stem + ".cache"))

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, namespace: str, sha256: str, version: str) -> Path:
        return self.root / namespace / sha256[:2] / f"{sha256}.{version}.json"

    def get(self, namespace: str, sha256: str, version: str) -> Any | None:
        path = self._path(namespace, sha256, version)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None  # absent, or a torn write from a killed run: made again

    def put(self, namespace: str, sha256: str, version: str, value: Any) -> None:
        path = self._path(namespace, sha256, version)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False)
        os.replace(tmp, path)
