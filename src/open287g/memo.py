"""What one build read from the archive's files, kept beside the warehouse for the next build.

A sync that brings one new list changes one file in ~500; reading every workbook and MOA again is most of a
rebuild. The memo keeps each file's reading under what it is a pure function of (the file's sha256, with the
code's and reviewed tables' digests for the whole memo), so a memo older than the warehouse, or left by a
build that was killed, is never wrong, only incomplete. What is derived from all files together (history,
geography, the warehouse itself) is computed again every build.

Large readings (a FOIA release's millions of rows) are kept as files, Parquet, in `<db stem>.memo.d/`, which
DuckDB reads straight into the warehouse: `blob` names one.

Saved are the entries the build used, so the memo holds what the archive holds and no more. It is disposable:
deleting it costs one slower build. It is a pickle written by this code in the warehouse's own folder (anyone
who can replace it could replace the warehouse); one that does not load is ignored. Each entry is kept
pickled from the moment it is put, so a stage that changes a value it was handed cannot change the memo.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

FORMAT = 1


class Memo:
    @classmethod
    def beside(cls, db_path: Path, version: str, fresh: bool = False) -> Memo:
        """The memo of a warehouse, <db stem>.memo; `fresh` starts it empty (read everything again)."""
        return cls(db_path.with_name(db_path.stem + ".memo"), version, load=not fresh)

    @classmethod
    def none(cls) -> Memo:
        """A memo that remembers nothing (a document described outside a build)."""
        return cls(None, "", load=False)

    def __init__(self, path: Path | None, version: str, load: bool = True) -> None:
        self.path, self.version = path, version
        self._old: dict[str, dict[Hashable, bytes]] = self._load() if load else {}
        self._used: dict[str, dict[Hashable, bytes]] = {}
        self._used_blobs: set[str] = set()
        self._fresh = not load
        self.hits = self.misses = 0

    def _load(self) -> dict[str, dict[Hashable, bytes]]:
        if self.path is None:
            return {}
        try:
            with self.path.open("rb") as fh:
                saved = pickle.load(fh)
            if saved["format"] == FORMAT and saved["version"] == self.version:
                return saved["entries"]
        except Exception:  # absent, torn, or written by other code: start again
            pass
        return {}

    def get(self, kind: str, key: Hashable) -> Any | None:
        kept = self._used.get(kind, {}).get(key) or self._old.get(kind, {}).get(key)
        if kept is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used.setdefault(kind, {})[key] = kept
        return pickle.loads(kept)

    def put(self, kind: str, key: Hashable, value: Any) -> None:
        self._used.setdefault(kind, {})[key] = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    def recall(self, kind: str, key: Hashable, make: Callable[..., Any], *args: Any) -> Any:
        """The entry, or make(*args) kept as it."""
        value = self.get(kind, key)
        if value is None:
            value = make(*args)
            self.put(kind, key, value)
        return value

    def blob(self, kind: str, key: str, suffix: str) -> Path | None:
        """Where the file kept for (kind, key) lies (it may not exist yet: the caller writes it, whole, with
        os.replace); None for a memo that remembers nothing."""
        if self.path is None:
            return None
        name = hashlib.sha256(f"{FORMAT}\0{self.version}\0{kind}\0{key}".encode()).hexdigest()[:32]
        path = self._blobs() / f"{kind}-{name}{suffix}"
        if self._fresh and path.name not in self._used_blobs:
            path.unlink(missing_ok=True)  # a fresh build reads everything again
        self._used_blobs.add(path.name)
        return path

    def _blobs(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".d")

    def save(self) -> None:
        """Write the entries this build used, atomically, and remove the kept files it did not use."""
        if self.path is None:
            return
        if self._blobs().is_dir():
            for f in self._blobs().iterdir():
                if f.name not in self._used_blobs:
                    f.unlink()
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-memo-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(
                    {"format": FORMAT, "version": self.version, "entries": self._used}, fh, pickle.HIGHEST_PROTOCOL
                )
            os.chmod(tmp, 0o644)  # as readable as the warehouse beside it (mkstemp makes it 0600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
