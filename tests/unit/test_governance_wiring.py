"""Governance numbers the plan now reports: devices per workload, energy per training run (Annex
XI 2(e)) and scale-up spend dated by the optimiser's purchase periods, from a scenario."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from stackplan.catalog import get_accelerator
from stackplan.governance.adapter import facts_from_plan
from stackplan.plan import build_plan
from tests.unit.plan_fixtures import HAND_FIGURES, flat_demand, hand_inputs, hand_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_placement_has_the_workload_peak_not_its_average() -> None:
    # 16 devices at peak, busy half the year: the placement needs 16 accelerators (not 8760 h x 0.5 / 8760)
    sc = hand_scenario(models="[cloud_first]")
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 16, busy_share=0.5))
    facts = facts_from_plan(plan, inputs=hand_inputs())
    (p,) = facts.deployments[0].placements
    assert p.accelerators == pytest.approx(16.0)


def test_annex_xi_energy_is_prefilled_from_the_plan() -> None:
    plan = build_plan(EXAMPLES / "enterprise_research.yaml")
    facts = facts_from_plan(plan)
    (model,) = [m for m in facts.models if m.name == "analyst-finetune"]
    run = next(
        r for d in plan.deployments if d.model == plan.recommendation.deployment for r in d.training_runs
    )
    # hand: accelerator-hours x (TDP 700 W x (1 + server overhead)) x PUE / 1000 [MWh]
    from stackplan.plan_inputs import inputs_for

    inputs = inputs_for(plan.scenario)
    dep = plan.deployment(str(plan.recommendation.deployment))
    where = next(p for p in dep.placements if p["workload"] == "analyst-finetune")
    pue = (
        next(o.pue for o in inputs.cloud_offers if o.id == where["cloud"])
        if where["cloud"] and not where["owned"]
        else inputs.a("pue")
    )
    tdp_kw = get_accelerator(run["accelerator"]).tdp_w / 1000
    expected = (
        run["accelerator_hours_per_run"]
        * tdp_kw
        * (1 + inputs.a("server_overhead_power_fraction"))
        * pue
        / 1000
    )
    assert model.energy_mwh == pytest.approx(expected, rel=1e-6)


def test_hybrid_scale_up_spend_is_dated_by_purchase_period() -> None:
    sc = hand_scenario(models="[hybrid]")
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 64, busy_share=1.0))
    assert plan.capacity_plan is not None
    assert plan.capacity_plan.purchases
    facts = facts_from_plan(plan, inputs=hand_inputs())
    items = facts.deployments[0].scale_up_spend
    purchases = plan.capacity_plan.purchases
    dated = [i for i in items if i.line == "onprem_servers"]
    assert len(dated) == len(purchases)
    per = plan.capacity_plan.problem.periods
    for item, pur in zip(dated, sorted(purchases, key=lambda p: p.period), strict=True):
        months = pur.period * 12 // per.periods_per_year
        assert item.date == date(sc.organization.start_year + months // 12, months % 12 + 1, 1)
        assert item.usd == pytest.approx(pur.capex_usd)
    assert HAND_FIGURES["server_depreciation_years"] == 5
