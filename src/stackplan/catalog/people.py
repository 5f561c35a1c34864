"""People catalogue: salaries by role and country."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stackplan.catalog._files import read_table
from stackplan.catalog._parse import find_one, num
from stackplan.errors import UnknownIdError

__all__ = ["Salary", "get_salary", "list_salaries", "roles"]


@dataclass(frozen=True, kw_only=True)
class Salary:
    """Median annual base salary of ``role`` in ``country`` [USD/yr]."""

    role: str
    country: str
    usd_per_year: float
    source: str


@cache
def list_salaries() -> tuple[Salary, ...]:
    """Every salary row."""
    t = read_table("salaries.csv", required=("role", "country", "usd_per_year", "source"))
    return tuple(
        Salary(
            role=r["role"], country=r["country"], usd_per_year=num(t, r, "usd_per_year"), source=r["source"]
        )
        for r in t.rows
    )


def roles() -> list[str]:
    """Role ids (ml_engineer, platform_engineer, data_engineer, finops_analyst, security_engineer)."""
    return sorted({s.role for s in list_salaries()})


def get_salary(role: str, country: str, *, field: str = "people") -> Salary:
    """Salary of ``role`` in ``country`` (ISO alpha-2); unknown ids raise :class:`UnknownIdError`."""
    if role not in roles():
        raise UnknownIdError(f"{field}.role", "role", role, roles())
    return find_one(
        (s for s in list_salaries() if s.role == role),
        lambda s: s.country,
        country,
        field=f"{field}.country",
        kind="country with salary data",
    )
