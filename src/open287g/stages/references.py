"""Reference tables from the archive: the newest readable copy of each kind (FBI roster, county
population). Every copy is listed in `files`; an unreadable one is `rejected` with its reason."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ..archive import Observation
from ..sources import reference


def is_reference(o: Observation) -> bool:
    return o.kind_hint in reference.KINDS


def load(observations: list[Observation], read: Callable[[str], bytes]) -> tuple[dict[str, list[dict]], list[dict]]:
    """({kind: rows of the newest readable copy}, file records)."""
    seen: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if is_reference(o):
            seen[o.sha256].append(o)
    tables: dict[str, list[dict]] = {kind: [] for kind in reference.KINDS}
    files = []
    for sha, obs in sorted(seen.items(), key=lambda kv: max(o.observed_on for o in kv[1])):
        kind = obs[0].kind_hint
        try:
            rows, error = reference.read(kind, read(sha)), None
        except reference.ReferenceTableError as exc:
            rows, error = [], str(exc)
        if rows:
            tables[kind] = rows
        files.append(
            {
                "sha256": sha,
                "size": obs[0].size,
                "names": sorted({o.name for o in obs}),
                "kind": kind,
                "status": "rejected" if error else "ok",
                "error": error,
                "data_rows": len(rows),
                "kind_hints": [kind],
                "published_as": [],
                "ignored_sheets": [],
            }
        )
    return tables, files
