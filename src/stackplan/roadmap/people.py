"""Hiring and training plan derived from what is deployed (staffing ratios).

Each role's need is ``max(min_fte, driver / per_unit)`` FTE while its driver is positive, where the
driver is owned accelerators, all accelerators in use, or yearly cloud spend. People are hired
``lead_periods`` before they are needed, keep their job to the end of the horizon, and cost their
loaded salary per period plus a one-off hiring and training cost (:func:`people_plan`, used for a
capacity plan on its own, e.g. ``stackplan optimize`` on a capacity-problem file).

For a plan, :func:`staffing_plan` is the one source of truth: it turns the FTE per role and year that
the plan's cost ledger sizes from what is deployed (``deployments.costing``: staffing ratios of the
catalogue) into hires, their dates and their cost, and the ledger books exactly its figures
(salaries in ``support_staff`` / ``data_management`` / ``risk_mitigation``, hiring and training in
``hiring_and_training``). :func:`people_from_staffing` shows the same plan on a roadmap's periods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from stackplan.errors import InvalidInputError

__all__ = [
    "DEFAULT_ROLES",
    "Hire",
    "PeoplePlan",
    "RoleRatio",
    "StaffingPlan",
    "StaffingRole",
    "people_from_staffing",
    "people_plan",
    "staffing_plan",
]

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
    count: float


@dataclass(frozen=True)
class PeoplePlan:
    """Headcount per role and period, hires, and cost per period [USD]."""

    roles: tuple[RoleRatio, ...]
    headcount: Mapping[str, tuple[float, ...]]
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
    headcount: dict[str, tuple[float, ...]] = {}
    hires: list[Hire] = []
    salaries = [0.0] * n
    hiring = [0.0] * n
    for r in roles:
        need = [math.ceil(max(r.min_fte, x / r.per_unit) - 1e-9) if x > 0 else 0 for x in drivers[r.driver]]
        # hire ahead: the headcount in period t covers the need up to t + lead; nobody is let go
        have = existing.get(r.role, 0)
        counts: list[float] = []
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


@dataclass(frozen=True)
class StaffingRole:
    """One role of a plan's staffing: FTE needed, hires and cost per plan year.

    ``hires_fte[t] = max(0, fte[t] - max(existing, fte[0..t-1]))`` (nobody is let go), to be hired by
    ``hire_by[t]`` (``lead_months`` before the year starts); ``salary_usd[t] = fte[t] x loaded
    salary``; ``hiring_training_usd[t] = hires x hiring cost + fte[t] x training per FTE-year``.
    ``line`` is the plan's cost line of the salaries.
    """

    role: str
    line: str
    existing_fte: float
    fte: tuple[float, ...]
    hires_fte: tuple[float, ...]
    hire_by: tuple[str | None, ...]
    salary_usd: tuple[float, ...]
    hiring_training_usd: tuple[float, ...]


@dataclass(frozen=True)
class StaffingPlan:
    """The hiring and training plan of one deployment (one row per role) [FTE, USD per plan year]."""

    years: tuple[int, ...]
    roles: tuple[StaffingRole, ...]
    lead_months: float

    def line_usd(self, line: str) -> tuple[float, ...]:
        """Salaries booked in ``line`` per year [USD]."""
        return tuple(
            sum(r.salary_usd[t] for r in self.roles if r.line == line) for t in range(len(self.years))
        )

    @property
    def hiring_training_usd(self) -> tuple[float, ...]:
        """Hiring and training cost per year [USD] (the plan's ``hiring_and_training`` line)."""
        return tuple(sum(r.hiring_training_usd[t] for r in self.roles) for t in range(len(self.years)))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: per role FTE, hires, hire-by dates and cost per year; totals per year."""
        return {
            "years": list(self.years),
            "lead_months": self.lead_months,
            "roles": [
                {
                    "role": r.role,
                    "cost_line": r.line,
                    "existing_fte": r.existing_fte,
                    "fte": list(r.fte),
                    "hires_fte": list(r.hires_fte),
                    "hire_by": list(r.hire_by),
                    "salary_usd": list(r.salary_usd),
                    "hiring_training_usd": list(r.hiring_training_usd),
                }
                for r in self.roles
            ],
            "hires": [
                {"role": r.role, "year": y, "hire_by": r.hire_by[t], "fte": r.hires_fte[t]}
                for r in self.roles
                for t, y in enumerate(self.years)
                if r.hires_fte[t] > 1e-9
            ],
            "salaries_usd": [sum(r.salary_usd[t] for r in self.roles) for t in range(len(self.years))],
            "hiring_training_usd": list(self.hiring_training_usd),
        }


def staffing_plan(
    fte_by_role: Mapping[str, Sequence[float]],
    *,
    years: Sequence[int],
    existing_fte: Mapping[str, float],
    loaded_salary_usd: Mapping[str, float],
    hiring_cost_usd: Mapping[str, float],
    training_usd_per_fte_year: float,
    line_by_role: Mapping[str, str],
    lead_months: float = 3.0,
) -> StaffingPlan:
    """Hires, dates and cost from the FTE per role and year (pure; equations in :class:`StaffingRole`)."""
    roles = []
    for role, values in fte_by_role.items():
        have = float(existing_fte.get(role, 0.0))
        hires, dates, salaries, hiring = [], [], [], []
        for t, v in enumerate(values):
            new = max(0.0, v - have)
            hires.append(new)
            months = round(12 - lead_months) if lead_months > 0 else 0
            label = f"{years[t] - 1}-{months + 1:02d}" if lead_months > 0 else f"{years[t]}-01"
            dates.append(label if new > 1e-9 else None)
            salaries.append(v * loaded_salary_usd[role])
            hiring.append(new * hiring_cost_usd[role] + v * training_usd_per_fte_year)
            have = max(have, v)
        roles.append(
            StaffingRole(
                role=role,
                line=line_by_role[role],
                existing_fte=float(existing_fte.get(role, 0.0)),
                fte=tuple(float(v) for v in values),
                hires_fte=tuple(hires),
                hire_by=tuple(dates),
                salary_usd=tuple(salaries),
                hiring_training_usd=tuple(hiring),
            )
        )
    return StaffingPlan(years=tuple(years), roles=tuple(roles), lead_months=lead_months)


def people_from_staffing(staffing: StaffingPlan, periods_per_year: int, periods: int) -> PeoplePlan:
    """The plan's staffing on a roadmap's periods: headcount per period = FTE of its year; each year's
    hires placed ``lead_months`` before the year starts (at period 0 at the earliest); salaries spread
    evenly over the year's periods, hiring and training cost in its first period."""
    lead_periods = math.ceil(staffing.lead_months * periods_per_year / 12 - 1e-9)
    headcount: dict[str, tuple[float, ...]] = {}
    hires: list[Hire] = []
    salaries = [0.0] * periods
    hiring = [0.0] * periods
    ratios = []
    for r in staffing.roles:
        counts = []
        for k in range(periods):
            t = min(k // periods_per_year, len(staffing.years) - 1)
            counts.append(r.fte[t])
            salaries[k] += r.salary_usd[t] / periods_per_year
        headcount[r.role] = tuple(counts)
        for t, h in enumerate(r.hires_fte):
            first = t * periods_per_year
            if first < periods:
                hiring[first] += r.hiring_training_usd[t]
                if h > 1e-9:
                    hires.append(Hire(r.role, max(0, first - lead_periods), h))
        ratios.append(RoleRatio(r.role, "all_accelerators", 1.0, 0.0, 0.0, 0.0, lead_periods, "plan ledger"))
    return PeoplePlan(
        roles=tuple(ratios),
        headcount=headcount,
        hires=tuple(sorted(hires, key=lambda h: (h.period, h.role))),
        salaries_usd=tuple(salaries),
        hiring_training_usd=tuple(hiring),
    )
