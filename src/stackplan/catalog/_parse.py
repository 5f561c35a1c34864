"""Typed parsing of catalogue rows: numbers with the file, row and column named on error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from stackplan.catalog._files import DataTable
from stackplan.errors import CatalogError, UnknownIdError

__all__ = ["find_one", "num", "opt_num"]

T = TypeVar("T")


def num(table: DataTable, row: Mapping[str, str], col: str) -> float:
    """The number in ``row[col]``; a blank or non-numeric cell is a :class:`CatalogError`."""
    text = (row.get(col) or "").strip()
    try:
        return float(text)
    except ValueError:
        raise CatalogError(f"{table.name}: column {col!r} must be a number, got {text!r}") from None


def opt_num(table: DataTable, row: Mapping[str, str], col: str) -> float | None:
    """The number in ``row[col]``, or ``None`` when the cell is blank."""
    return num(table, row, col) if (row.get(col) or "").strip() else None


def find_one(
    items: Iterable[T],
    key: Callable[[T], str],
    value: str,
    *,
    field: str,
    kind: str,
) -> T:
    """The item whose ``key`` equals ``value``; otherwise :class:`UnknownIdError` with the closest ids."""
    items = list(items)
    for item in items:
        if key(item) == value:
            return item
    raise UnknownIdError(field, kind, value, sorted({key(i) for i in items}))
