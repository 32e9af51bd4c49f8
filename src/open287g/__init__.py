"""open287g: the open system of record for the US 287(g) program.

    import duckdb, open287g
    open287g.import_paths(Path("w.duckdb"), open287g.Archive("w.archive"), [Path("../shared/data")])
    con = duckdb.connect("w.duckdb", read_only=True)
    open287g.queries.agreements(con, state="TX")   # a Polars DataFrame

`open287g.queries` holds the named queries every interface uses; `import_paths` archives files and
rebuilds the warehouse; `build` rebuilds it from the archive.
"""

from . import queries
from .archive import Archive


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


__all__ = ["Archive", "build", "import_paths", "queries"]
