"""Named defaults: every default the planner uses, with value, unit and source.

A scenario's ``assumptions:`` section overrides any of them by name; :func:`resolve_assumptions`
checks the names (unknown ones raise :class:`UnknownIdError` listing the closest valid names) and
returns an immutable :class:`Assumptions` that records which values were overridden.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from stackplan.catalog._files import read_table
from stackplan.errors import InputError, InputProblem, InvalidInputError, UnknownIdError

__all__ = [
    "Assumption",
    "Assumptions",
    "assumption_names",
    "get_assumption",
    "list_assumptions",
    "resolve_assumptions",
]


@dataclass(frozen=True, kw_only=True)
class Assumption:
    """One named default.

    ``value`` is a number, a text id (``facility_mode``, ``network_fabric``) or ``None`` when the
    default comes per item from another catalogue file, named in ``default_from``.
    """

    name: str
    value: float | str | None
    unit: str
    default_from: str | None
    description: str
    source: str


def _parse_value(text: str) -> float | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


@cache
def list_assumptions() -> tuple[Assumption, ...]:
    """Every named default, in file order."""
    t = read_table("assumptions.csv", required=("name", "unit", "description", "source"))
    return tuple(
        Assumption(
            name=r["name"],
            value=_parse_value(r["value"]),
            unit=r["unit"],
            default_from=r["default_from"].strip() or None,
            description=r["description"],
            source=r["source"],
        )
        for r in t.rows
    )


def assumption_names() -> list[str]:
    """Names of every default a scenario may override."""
    return [a.name for a in list_assumptions()]


def get_assumption(name: str, *, field: str = "assumptions") -> Assumption:
    """One default by name; an unknown name raises :class:`UnknownIdError` with the closest names."""
    for a in list_assumptions():
        if a.name == name:
            return a
    raise UnknownIdError(f"{field}.{name}", "assumption", name, assumption_names())


@dataclass(frozen=True)
class Assumptions(Mapping[str, float | str | None]):
    """Defaults with a scenario's overrides applied; immutable, keeps which names were overridden."""

    by_name: Mapping[str, float | str | None]
    overridden: frozenset[str] = field(default_factory=frozenset)

    def __getitem__(self, name: str) -> float | str | None:
        if name not in self.by_name:
            raise UnknownIdError(f"assumptions.{name}", "assumption", name, list(self.by_name))
        return self.by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    def number(self, name: str) -> float:
        """The numeric value of ``name``; raises when it has none (per-item default) or is text."""
        value = self[name]
        if not isinstance(value, float):
            a = get_assumption(name)
            raise InvalidInputError(
                f"assumptions.{name}",
                "has no single numeric default" if value is None else "is not a number",
                value,
                f"take it from {a.default_from}" if a.default_from else "give a number",
            )
        return value

    def number_or(self, name: str, default: float) -> float:
        """The numeric value of ``name``, or ``default`` when the catalogue default is per item."""
        value = self[name]
        return default if value is None else self.number(name)

    def text(self, name: str) -> str | None:
        """The text value of ``name`` (``facility_mode``, ``network_fabric``), ``None`` if per item."""
        value = self[name]
        return None if value is None else str(value)


def resolve_assumptions(
    overrides: Mapping[str, float | int | str] | None = None, *, field: str = "assumptions"
) -> Assumptions:
    """Catalogue defaults with ``overrides`` applied.

    Every unknown name is reported at once (an :class:`UnknownIdError` for one, an
    :class:`InputError` listing all of them for several). Numeric defaults must be overridden by
    numbers; negative numbers are rejected.
    """
    defaults = {a.name: a for a in list_assumptions()}
    values: dict[str, float | str | None] = {name: a.value for name, a in defaults.items()}
    given = dict(overrides or {})
    unknown = [name for name in given if name not in defaults]
    if len(unknown) == 1 and len(given) == 1:
        raise UnknownIdError(f"{field}.{unknown[0]}", "assumption", unknown[0], defaults)
    problems: list[InputProblem] = []
    for name, value in given.items():
        where = f"{field}.{name}"
        if name in unknown:
            problems.extend(UnknownIdError(where, "assumption", name, defaults).problems)
        elif isinstance(value, bool) or not isinstance(value, int | float | str):
            problems.append(InputProblem(where, "must be a number or an id", repr(value)))
        elif isinstance(value, int | float):
            if value < 0:
                problems.append(InputProblem(where, "must not be negative", str(value), "give a value >= 0"))
            else:
                values[name] = float(value)
        elif defaults[name].unit != "id":
            problems.append(
                InputProblem(where, "must be a number", repr(value), f"unit: {defaults[name].unit}")
            )
        else:
            values[name] = value
    if problems:
        raise InputError(problems)
    return Assumptions(MappingProxyType(values), frozenset(given))
