"""The archive: every file ever imported, kept once by sha256, and every observation of it.

Layout of an archive folder:
    objects/<sha[:2]>/<sha256>   raw bytes, written once, never changed or removed
    observations.jsonl           append-only log, one JSON object per observation

The warehouse is always rebuilt from this folder; nothing else is a source of truth.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

# How an observation's date was established.
DATE_BASES = {
    "snapshots_csv": "date_observed column of the folder's snapshots.csv",
    "given": "date given on the command line (--observed)",
    "workbook_modified": "the workbook's own last-modified date (docProps/core.xml); no observation log",
    "file_mtime": "the file's modification time; no observation log and no date inside the file",
    "fetched": "time the file was downloaded from its source URL",
    "documents_csv": "first_downloaded column of the folder's MOA log (e.g. moa/moa_sample.csv)",
}


@dataclass(frozen=True)
class Observation:
    sha256: str
    observed_on: str  # YYYY-MM-DD
    source: str  # path or URL the file was seen at
    name: str  # file name as published
    date_basis: str
    size: int
    kind_hint: str = ""  # kind the source claimed (e.g. snapshots.csv), checked against content
    observed_at: str = ""  # full timestamp when known
    # what the server said, for a file fetched over HTTP (sync)
    http_status: int = 0
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sha256, self.observed_on, self.source)


class Archive:
    @classmethod
    def beside(cls, db_path: Path) -> Archive:
        """The default archive of a warehouse: <db stem>.archive in the same folder."""
        return cls(db_path.with_name(db_path.stem + ".archive"))

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.log = self.root / "observations.jsonl"

    def object_path(self, sha256: str) -> Path:
        return self.root / "objects" / sha256[:2] / sha256

    def read(self, sha256: str) -> bytes:
        return self.object_path(sha256).read_bytes()

    def observations(self) -> list[Observation]:
        if not self.log.exists():
            return []
        out = []
        with self.log.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    out.append(Observation(**json.loads(line)))
        return out

    def digest(self) -> str:
        """Fingerprint of the archive's content: changes whenever an observation is added."""
        if not self.log.exists():
            return hashlib.sha256(b"").hexdigest()
        return hashlib.sha256(self.log.read_bytes()).hexdigest()

    @contextmanager
    def writing(self):
        """Exclusive lock for the duration of an import, so two imports never interleave."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def store(self, data: bytes) -> str:
        """Keep the bytes (once); return their sha256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.object_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        return sha

    def record(self, observations: list[Observation]) -> list[Observation]:
        """Append the observations not yet logged; return those that were new."""
        known = {o.key for o in self.observations()}
        new = []
        for o in observations:
            if o.date_basis not in DATE_BASES:
                raise ValueError(f"unknown date basis {o.date_basis!r}")
            if o.key not in known:
                known.add(o.key)
                new.append(o)
        if new:
            with self.log.open("a", encoding="utf-8") as fh:
                for o in new:
                    fh.write(json.dumps(_record(o), sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        return new


_HTTP = ("http_status", "etag", "last_modified", "content_type")


def _record(o: Observation) -> dict:
    """An observation as a log line: the HTTP fields only when the file was fetched."""
    return {k: v for k, v in asdict(o).items() if k not in _HTTP or v}
