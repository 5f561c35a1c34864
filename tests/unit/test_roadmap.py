"""Phases, gates and the people plan derived from an optimised schedule."""

from __future__ import annotations

import pytest

from stackplan.optimize import (
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    PilotGate,
    Site,
    SolveOptions,
    Workload,
    make_periods,
    optimize,
)
from stackplan.roadmap import RoleRatio, people_plan, roadmap_from_plan, timeline_figure

Q = 2190.0


def test_people_plan_by_hand() -> None:
    sre = RoleRatio("sre", "owned_accelerators", 100.0, 1.0, 120_000.0, 10_000.0, lead_periods=1)
    plan = people_plan(
        owned_accelerators=[0, 0, 50, 250],
        all_accelerators=[0, 0, 50, 250],
        cloud_usd_per_period=[0, 0, 0, 0],
        periods_per_year=4,
        roles=[sre],
        existing={"sre": 1},
    )
    # need: 0, 0, 1 (min), 3 (250/100 rounded up); hired one period ahead; one already on staff
    assert plan.headcount["sre"] == (1, 1, 3, 3)
    assert [(h.period, h.count) for h in plan.hires] == [(2, 2)]
    assert plan.hiring_training_usd == (0.0, 0.0, 20_000.0, 0.0)
    assert plan.salaries_usd == pytest.approx((30_000.0, 30_000.0, 90_000.0, 90_000.0))


def test_phases_follow_the_pilot_gate_and_the_ramp() -> None:
    # demand for 8, 8, 30, 80, 80, 80, 80, 80 accelerators; owning is cheap; gate at period 2
    demand = tuple(x * Q for x in (8, 8, 30, 80, 80, 80, 80, 80))
    problem = CapacityProblem(
        periods=make_periods(2026, 2, "quarterly", 0.0),
        workloads=(Workload("w", "internal", {"x": 1.0}),),
        scenarios=(DemandScenario("base", 1.0, {"w": demand}),),
        sites=(Site("dc", "r1"),),
        onprem=(OnpremOption("dc", "x", 2_000.0, 1, 8, 0.0, 0.0, availability=1.0),),
        offers=(CloudOffer("c", "r1", "x", 4.0),),
        pilot=PilotGate(2, 8.0),
    )
    plan = optimize(problem, SolveOptions(round_purchases=False))
    road = roadmap_from_plan(plan)
    assert [(p.name, p.start_period, p.end_period) for p in road.phases] == [
        ("pilot", 0, 2),
        ("expand", 2, 3),
        ("scale", 3, 8),
    ]
    assert road.phases[0].capex_usd == pytest.approx(8 * 2_000.0)
    gate = road.gates[0]
    assert gate.decision_label == "2026-Q3"
    assert gate.budget_released_usd == pytest.approx(22 * 2_000.0)  # the 22 bought in the expand phase
    assert "do not place the expand orders" in gate.if_failed
    fig = timeline_figure(road)
    assert {t.name for t in fig.data} >= {"phase", "purchase", "hire"}
