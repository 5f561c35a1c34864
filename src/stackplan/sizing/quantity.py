"""A sized quantity: a number with its unit and the model or source it comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ComponentSizing", "Sized"]


@dataclass(frozen=True, kw_only=True)
class Sized:
    """One sized quantity of a component.

    Attributes
    ----------
    name
        What is sized (``accelerators``, ``hot_storage``) [-].
    value
        The number, in ``unit``.
    unit
        Its unit (``devices``, ``TB``, ``Gbit/s``, ``FTE``, ``USD/year``).
    source
        The model or catalogue entry it comes from, in words.
    scope
        What it applies to: a workload id, ``pooled`` or ``organisation``.
    year
        Calendar year it applies to; ``None`` when it holds for the whole plan.
    """

    name: str
    value: float
    unit: str
    source: str
    scope: str = "organisation"
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "scope": self.scope,
            "year": self.year,
        }


@dataclass(frozen=True, kw_only=True)
class ComponentSizing:
    """The sizing of one of the six components: its quantities and notes in words."""

    component: str
    quantities: tuple[Sized, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"quantities": [q.to_dict() for q in self.quantities], "notes": list(self.notes)}

    def get(self, name: str, *, scope: str | None = None, year: int | None = None) -> Sized:
        """The first quantity named ``name`` (optionally for ``scope`` and ``year``)."""
        for q in self.quantities:
            if q.name == name and (scope is None or q.scope == scope) and (year is None or q.year == year):
                return q
        raise KeyError(name)
