"""open287g: the open system of record for the US 287(g) program.

    import open287g
    open287g.import_paths(Path("w.duckdb"), open287g.Archive("w.archive"), [Path("../shared/data")])
    open287g.agreements(state="TX", db="w.duckdb")       # a Polars DataFrame (pandas=True: pandas)
    open287g.counts(on="2025-06-30", db="w.duckdb")

The functions `counts`, `agreements`, `agencies`, `changes`, `coverage`, `counties`, `county_panel`,
`publications`, `documents`, `arrests`, `laws` and `compliance` ask what the CLI asks (open287g.frames);
`open287g.queries` holds the named queries every interface uses; `import_paths` archives files and
rebuilds the warehouse; `build` rebuilds it from the archive; `export` writes the datasets.
"""

from pathlib import Path

from . import frames, queries
from .archive import Archive
from .frames import (
    agencies,
    agreements,
    arrests,
    changes,
    compliance,
    connect,
    counties,
    counts,
    county_panel,
    coverage,
    documents,
    laws,
    publications,
)


def import_paths(*args, **kwargs):
    """Archive the files and rebuild the warehouse (see `open287g.pipeline.import_paths`)."""
    from . import pipeline  # the build stages load only for an import

    return pipeline.import_paths(*args, **kwargs)


def build(db_path, archive: Archive, force: bool = False) -> bool:
    """Rebuild the warehouse from the archive if anything it reads changed (`force`: always), holding
    the archive's lock as an import does. True if it rebuilt."""
    from . import pipeline

    with archive.writing():
        return pipeline.build(db_path, archive, force=force)


def export(to, formats=("csv", "parquet", "geojson", "sqlite"), on=None, db=None) -> dict:
    """Write the datasets into folder `to` (see `open287g export`); returns the export's manifest. `formats`:
    names or one comma-separated string, checked as the CLI checks them (an unknown one raises ExportError)."""
    from . import exports

    chosen = exports.parse_formats(formats if isinstance(formats, str) else ",".join(formats))
    return exports.write(connect(db), Path(to), chosen, frames._day("on", on))


__all__ = [
    "Archive",
    "agencies",
    "agreements",
    "arrests",
    "build",
    "changes",
    "compliance",
    "connect",
    "counties",
    "counts",
    "county_panel",
    "coverage",
    "documents",
    "export",
    "import_paths",
    "laws",
    "publications",
    "queries",
]
