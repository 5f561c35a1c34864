"""Phased roadmap (pilot, expand, scale) with gates, derived from an optimised capacity plan.

Rules (documented, not magic):

* **pilot** runs from the start to the pilot gate of the problem (or, without a gate, to the first
  period in which capacity exceeds :data:`PILOT_SHARE_OF_PEAK` of its peak);
* **scale** starts at the first period after the pilot in which capacity in use reaches
  :data:`SCALE_SHARE_OF_PEAK` of its peak; **expand** lies between (and is dropped when empty);
* capacity is accelerators owned + committed + the average rented on demand/spot in the base
  scenario (the most probable one);
* each gate sits at the start of the next phase: its decision date, the goal metrics with their
  thresholds, the budget it releases (purchases and commitments started in the next phase) and
  what happens if it fails (those orders are not placed; demand is served on demand meanwhile).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stackplan.optimize import CapacityPlan
from stackplan.roadmap.people import DEFAULT_ROLES, PeoplePlan, RoleRatio, people_plan

__all__ = [
    "DEFAULT_GATE_METRICS",
    "PILOT_SHARE_OF_PEAK",
    "SCALE_SHARE_OF_PEAK",
    "Gate",
    "GateMetric",
    "Phase",
    "Roadmap",
    "capacity_series",
    "roadmap_from_plan",
    "roadmap_to_dict",
]

#: Without a pilot gate, the pilot ends when capacity first exceeds this share of its peak [-].
PILOT_SHARE_OF_PEAK = 0.10
#: Scale starts when capacity first reaches this share of its peak [-].
SCALE_SHARE_OF_PEAK = 0.50


@dataclass(frozen=True)
class GateMetric:
    """A measurable gate criterion: ``name`` must reach ``threshold`` [``unit``]."""

    name: str
    threshold: float
    unit: str


#: Gate metrics used when the scenario's goals give none.
DEFAULT_GATE_METRICS: tuple[GateMetric, ...] = (
    GateMetric("utilisation of the capacity in service", 0.6, "fraction"),
    GateMetric("share of target users active (adoption)", 0.3, "fraction"),
    GateMetric("measured value per month vs plan", 0.8, "fraction of plan"),
)


@dataclass(frozen=True)
class Phase:
    """One phase: periods ``[start_period, end_period)``, capacity at its end, and the money it commits."""

    name: str
    start_period: int
    end_period: int
    start_label: str
    end_label: str
    accelerators_at_end: float
    capex_usd: float
    commitments_usd: float


@dataclass(frozen=True)
class Gate:
    """The decision between ``after`` and ``before``: metrics, decision date, budget released, fallback."""

    after: str
    before: str
    decision_period: int
    decision_label: str
    metrics: tuple[GateMetric, ...]
    budget_released_usd: float
    if_failed: str


@dataclass(frozen=True)
class Roadmap:
    """Phases, gates and the people plan derived from a capacity plan (keeps the plan)."""

    plan: CapacityPlan
    phases: tuple[Phase, ...]
    gates: tuple[Gate, ...]
    people: PeoplePlan


def capacity_series(plan: CapacityPlan, scenario: str | None = None) -> dict[str, np.ndarray]:
    """Per-period series of a plan: ``owned``, ``committed``, ``rented`` (average accelerators on
    demand/spot) [accelerators], and ``cloud_usd`` (commitments + on-demand + spot) [USD] in ``scenario``
    (default: the most probable)."""
    problem = plan.problem
    n = problem.periods.count
    scen = scenario or max(problem.scenarios, key=lambda s: s.probability).name
    owned = np.array([plan.owned_accelerators(t) for t in range(n)])
    committed = np.array([plan.committed_accelerators(t) for t in range(n)])
    rented = np.zeros(n)
    for r in plan.mix:
        if r.scenario == scen and r.mode in ("on_demand", "spot"):
            rented[r.period] += r.accelerator_hours / problem.periods.hours
    cloud = np.zeros(n)
    for c in plan.costs:
        if c.scenario == scen and c.line in ("cloud_commit", "cloud_on_demand", "cloud_spot"):
            cloud[c.period] += c.usd
    return {"owned": owned, "committed": committed, "rented": rented, "cloud_usd": cloud}


def _first(mask: np.ndarray, start: int, default: int) -> int:
    hits = np.nonzero(mask[start:])[0]
    return int(start + hits[0]) if hits.size else default


def roadmap_from_plan(
    plan: CapacityPlan,
    *,
    metrics: Sequence[GateMetric] = DEFAULT_GATE_METRICS,
    roles: Sequence[RoleRatio] = DEFAULT_ROLES,
    existing_team: dict[str, int] | None = None,
    people: PeoplePlan | None = None,
) -> Roadmap:
    """Derive the phased roadmap and the people plan from ``plan`` (see the module doc for the rules).

    ``people``: a people plan made elsewhere (a Stackplan plan passes its hybrid's hiring plan, the
    one its cost lines are booked from); without it, one from ``roles`` and the capacity series.
    """
    problem = plan.problem
    per = problem.periods
    n = per.count
    series = capacity_series(plan)
    capacity = series["owned"] + series["committed"] + series["rented"]
    peak = float(capacity.max()) if n else 0.0
    if problem.pilot is not None and problem.pilot.gate_period > 0:
        pilot_end = min(problem.pilot.gate_period, n)
    else:
        pilot_end = max(1, _first(capacity > PILOT_SHARE_OF_PEAK * peak, 0, n))
    scale_start = (
        max(pilot_end, _first(capacity >= SCALE_SHARE_OF_PEAK * peak, pilot_end, n)) if peak > 0 else n
    )
    bounds = [("pilot", 0, pilot_end), ("expand", pilot_end, scale_start), ("scale", scale_start, n)]
    phases = []
    for name, a, b in bounds:
        if b <= a:
            continue
        capex = sum(p.capex_usd for p in plan.purchases if a <= p.period < b)
        commits = sum(c.total_usd for c in plan.commitments if a <= c.period < b)
        phases.append(
            Phase(
                name=name,
                start_period=a,
                end_period=b,
                start_label=per.label(a),
                end_label=per.label(b - 1),
                accelerators_at_end=float(capacity[b - 1]),
                capex_usd=float(capex),
                commitments_usd=float(commits),
            )
        )
    gates = []
    for before, after in itertools.pairwise(phases):
        released = after.capex_usd + after.commitments_usd
        gates.append(
            Gate(
                after=before.name,
                before=after.name,
                decision_period=after.start_period,
                decision_label=per.label(after.start_period),
                metrics=tuple(metrics),
                budget_released_usd=released,
                if_failed=(
                    f"do not place the {after.name} orders ({released:,.0f} USD of purchases and commitments); "
                    f"keep the {before.accelerators_at_end:,.0f} accelerators of the {before.name} phase, serve "
                    "extra demand on demand, fix what failed and re-plan with the low demand scenario"
                ),
            )
        )
    people = people or people_plan(
        owned_accelerators=series["owned"].tolist(),
        all_accelerators=capacity.tolist(),
        cloud_usd_per_period=series["cloud_usd"].tolist(),
        periods_per_year=per.periods_per_year,
        roles=roles,
        existing=existing_team,
    )
    return Roadmap(plan=plan, phases=tuple(phases), gates=tuple(gates), people=people)


def roadmap_to_dict(road: Roadmap) -> dict[str, Any]:
    """JSON-ready roadmap: phases, gates, hires and people cost per period (the plan's ``roadmap`` key)."""
    return {
        "phases": [p.__dict__ for p in road.phases],
        "gates": [
            {
                **{k: v for k, v in g.__dict__.items() if k != "metrics"},
                "metrics": [m.__dict__ for m in g.metrics],
            }
            for g in road.gates
        ],
        "hires": [h.__dict__ for h in road.people.hires],
        "headcount": {k: list(v) for k, v in road.people.headcount.items()},
        "people_salaries_usd": list(road.people.salaries_usd),
        "people_hiring_training_usd": list(road.people.hiring_training_usd),
    }
