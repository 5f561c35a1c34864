"""Hiring and training plan derived from what is deployed (staffing ratios).

Each role's need is ``max(min_fte, driver / per_unit)`` FTE while its driver is positive, where the
driver is owned accelerators, all accelerators in use, or yearly cloud spend. People are hired
``lead_periods`` before they are needed, keep their job to the end of the horizon, and cost their
loaded salary per period plus a one-off hiring and training cost. These lines feed the plan's
hidden costs (``people_salaries``, ``people_hiring_training``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from stackplan.errors import InvalidInputError

__all__ = ["DEFAULT_ROLES", "Hire", "PeoplePlan", "RoleRatio", "people_plan"]

Driver = Literal["owned_accelerators", "all_accelerators", "cloud_usd_per_year"]


@dataclass(frozen=True)
class RoleRatio:
    """How one role scales.

    Parameters
    ----------
    role
        Role id (``ml_engineer``, ``platform_sre`` ...).
    driver
        What the need scales with: owned accelerators, all accelerators in use (owned + committed +
        average rented) or yearly cloud spend [USD/year].
    per_unit
        Driver units per FTE (e.g. 256 accelerators per SRE, 10 MUSD cloud spend per FinOps analyst).
    min_fte
        FTE needed as soon as the driver is positive.
    salary_usd_per_year
        Loaded yearly cost of one FTE [USD/year].
    hire_usd
        One-off recruiting and training cost per hire [USD].
    lead_periods
        Hire this many periods before the need starts [periods].
    source
        Where the ratio comes from.
    """

    role: str
    driver: Driver
    per_unit: float
    min_fte: float
    salary_usd_per_year: float
    hire_usd: float
    lead_periods: int = 2
    source: str = ""


_ASSUMPTION = (
    "Stackplan default assumption (no published standard ratio); override per scenario. Loaded cost ~1.3x a "
    "2025 US median salary for the role"
)

#: Default staffing ratios; round figures, clearly assumptions (see ``source``).
DEFAULT_ROLES: tuple[RoleRatio, ...] = (
    RoleRatio("ml_engineer", "all_accelerators", 128.0, 2.0, 260_000.0, 30_000.0, 3, _ASSUMPTION),
    RoleRatio("platform_sre", "owned_accelerators", 256.0, 1.0, 230_000.0, 25_000.0, 3, _ASSUMPTION),
    RoleRatio("data_engineer", "all_accelerators", 256.0, 1.0, 210_000.0, 20_000.0, 2, _ASSUMPTION),
    RoleRatio("finops", "cloud_usd_per_year", 15_000_000.0, 0.5, 170_000.0, 15_000.0, 2, _ASSUMPTION),
    RoleRatio("security_compliance", "all_accelerators", 512.0, 1.0, 220_000.0, 25_000.0, 2, _ASSUMPTION),
)


@dataclass(frozen=True)
class Hire:
    """``count`` people for ``role`` hired in ``period`` (to be ready when needed)."""

    role: str
    period: int
    count: int


@dataclass(frozen=True)
class PeoplePlan:
    """Headcount per role and period, hires, and cost per period [USD]."""

    roles: tuple[RoleRatio, ...]
    headcount: Mapping[str, tuple[int, ...]]
    hires: tuple[Hire, ...]
    salaries_usd: tuple[float, ...]
    hiring_training_usd: tuple[float, ...]

    @property
    def total_usd(self) -> float:
        """Salaries plus hiring and training over the horizon [USD]."""
        return float(sum(self.salaries_usd) + sum(self.hiring_training_usd))


def people_plan(
    *,
    owned_accelerators: Sequence[float],
    all_accelerators: Sequence[float],
    cloud_usd_per_period: Sequence[float],
    periods_per_year: int,
    roles: Sequence[RoleRatio] = DEFAULT_ROLES,
    existing: Mapping[str, int] | None = None,
) -> PeoplePlan:
    """Headcount, hires and cost from the deployed capacity per period (pure function).

    ``existing`` is the team already in place per role (no hire, no hiring cost; salaries counted,
    as the plan's people cost is the cost of the team that runs it).
    """
    n = len(owned_accelerators)
    if len(all_accelerators) != n or len(cloud_usd_per_period) != n:
        raise InvalidInputError("people_plan", "series of different lengths", (n, len(all_accelerators)))
    existing = dict(existing or {})
    drivers: dict[str, list[float]] = {
        "owned_accelerators": list(owned_accelerators),
        "all_accelerators": list(all_accelerators),
        "cloud_usd_per_year": [c * periods_per_year for c in cloud_usd_per_period],
    }
    headcount: dict[str, tuple[int, ...]] = {}
    hires: list[Hire] = []
    salaries = [0.0] * n
    hiring = [0.0] * n
    for r in roles:
        need = [math.ceil(max(r.min_fte, x / r.per_unit) - 1e-9) if x > 0 else 0 for x in drivers[r.driver]]
        # hire ahead: the headcount in period t covers the need up to t + lead; nobody is let go
        have = existing.get(r.role, 0)
        counts = []
        for t in range(n):
            ahead = max(need[t : t + r.lead_periods + 1], default=0)
            target = max(have, ahead)
            if target > have:
                hires.append(Hire(r.role, t, target - have))
                hiring[t] += (target - have) * r.hire_usd
                have = target
            counts.append(have)
            salaries[t] += have * r.salary_usd_per_year / periods_per_year
        headcount[r.role] = tuple(counts)
    return PeoplePlan(
        roles=tuple(roles),
        headcount=headcount,
        hires=tuple(hires),
        salaries_usd=tuple(salaries),
        hiring_training_usd=tuple(hiring),
    )
