"""Reading the dated, sourced data files shipped in ``catalog/data``.

Every CSV starts with ``# key: value`` header lines (``schema_version``, ``as_of``, ``units``)
followed by a header row; every row carries a ``source`` column. Loaders here only read and check
shape; the typed records live next to the loaders that use them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

from stackplan.errors import CatalogError

__all__ = ["DataTable", "read_table"]


@dataclass(frozen=True)
class DataTable:
    """A shipped CSV: its header metadata and its rows as dicts of strings."""

    name: str
    meta: dict[str, str]
    rows: tuple[dict[str, str], ...]


def _read_text(filename: str, package: str = "stackplan.catalog") -> str:
    return resources.files(package).joinpath("data", filename).read_text(encoding="utf-8")


def read_table(
    filename: str, *, required: tuple[str, ...] = ("source",), package: str = "stackplan.catalog"
) -> DataTable:
    """Read ``<package>/data/<filename>``; check that the required columns exist and are filled."""
    text = _read_text(filename, package)
    meta: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    if "schema_version" not in meta or "as_of" not in meta:
        raise CatalogError(f"{filename}: header lines '# schema_version:' and '# as_of:' are required")
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    rows = tuple(dict(r) for r in reader)
    for col in required:
        if reader.fieldnames is None or col not in reader.fieldnames:
            raise CatalogError(f"{filename}: column {col!r} is missing")
        for i, row in enumerate(rows, start=1):
            if not (row.get(col) or "").strip():
                raise CatalogError(f"{filename}: row {i} has an empty {col!r}")
    return DataTable(name=filename, meta=meta, rows=rows)
