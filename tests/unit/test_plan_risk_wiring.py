"""Issue 6 wiring: the risk register feeds the plan's risk_mitigation line (no loop); peak demand
and headroom; committed spend under the low-demand case. Each check: one scenario that triggers
it and one that does not."""

from __future__ import annotations

from typing import Any

import pytest

from stackplan.governance.adapter import LOW_DEMAND_LEVEL, facts_from_plan, low_demand_factors
from stackplan.governance.assessment import assess, assessment_to_dict
from stackplan.plan import Plan, build_plan
from stackplan.uncertainty.settings import UncertaintySettings
from tests.unit.plan_fixtures import flat_demand, hand_inputs, hand_scenario

H = 8760.0


def _plan(devices: float = 4, *, risk_register: bool = True, **kw: Any) -> Plan:
    sc = hand_scenario(**kw)
    return build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, devices), risk_register=risk_register)


def _section(plan: Plan) -> dict[str, Any]:
    # the plan was built from the hand inputs: assess it with them (governance_section uses the catalogue)
    return assessment_to_dict(assess(facts_from_plan(plan, inputs=hand_inputs())))


def _findings(plan: Plan, check: str, deployment: str) -> list[dict[str, Any]]:
    return [f for f in _section(plan)["findings"] if f["check"] == check and f["deployment"] == deployment]


def test_register_mitigation_cost_is_booked_once_without_a_loop() -> None:
    bare = _plan(models="[cloud_first]", risk_register=False)
    booked = _plan(models="[cloud_first]")
    register = _section(booked)["risk_register"]
    # the register of the finished plan is the one booked: its yearly cost is exactly the difference
    by_year: dict[int, float] = {}
    for e in register:
        for c in e["mitigation_usd_by_year"]:
            if c["deployment"] == "cloud_first":
                by_year[c["year"]] = by_year.get(c["year"], 0.0) + c["usd"]
    assert by_year
    assert all(v > 0 for v in by_year.values())
    for b, d in zip(
        bare.deployment("cloud_first").cash_flows, booked.deployment("cloud_first").cash_flows, strict=True
    ):
        assert d.lines["risk_mitigation"] - b.lines["risk_mitigation"] == pytest.approx(by_year[d.year])
        assert d.hidden_usd - b.hidden_usd == pytest.approx(by_year[d.year])
    # and the register is the same whether or not its cost is booked (facts leave the line out)
    assert _section(bare)["risk_register"] == register


def test_headroom_fails_when_owned_capacity_is_only_the_peak() -> None:
    # 16 busy devices at a utilisation target of 1.0: 16 owned = peak, no headroom -> warning
    tight = _plan(16, models="[on_prem]", utilisation=1.0)
    found = _findings(tight, "resilience.headroom", "on_prem")
    assert {f["severity"] for f in found} == {"warning"}
    ev = {e["name"]: e["value"] for e in found[0]["evidence"]}
    assert ev["peak demand"] == pytest.approx(16)
    assert ev["capacity"] == pytest.approx(16)
    # at 0.8: 24 owned for a peak of 16 (50% headroom) -> only the info finding
    roomy = _plan(16, models="[on_prem]", utilisation=0.8)
    assert {f["severity"] for f in _findings(roomy, "resilience.headroom", "on_prem")} == {"info"}


def test_on_demand_cloud_capacity_is_an_assumption_not_a_warning() -> None:
    plan = _plan(4, models="[cloud_first]", commitment="on_demand")
    found = _findings(plan, "resilience.headroom", "cloud_first")
    assert {f["severity"] for f in found} == {"info"}
    assumption = next(f for f in found if f["title"].startswith("assumption"))
    ev = {e["name"]: e["value"] for e in assumption["evidence"]}
    assert ev["on-demand capacity assumed"] == pytest.approx(4 * 1.2)  # peak x (1 + 20% headroom target)


def test_committed_spend_stranded_under_low_demand() -> None:
    # cloud_first commits all 4 steady devices for a year at $2.80/h; the low case uses 70% of them
    committed = _plan(4, models="[cloud_first]", commitment="1y")
    found = _findings(committed, "finance.commitment", "cloud_first")
    assert len(found) == 3
    assert {f["severity"] for f in found} == {"fail"}  # 30% stranded > 20% limit
    ev = {e["name"]: e["value"] for e in found[0]["evidence"]}
    assert ev["committed spend"] == pytest.approx(4 * H * 2.8)
    assert ev["spend needed under low demand"] == pytest.approx(LOW_DEMAND_LEVEL * 4 * H * 2.8)
    # on demand only: nothing committed, nothing stranded
    free = _plan(4, models="[cloud_first]", commitment="on_demand")
    assert _findings(free, "finance.commitment", "cloud_first") == []


def test_low_demand_case_uses_the_uncertainty_sections_p10_growth() -> None:
    plan = _plan(4, models="[cloud_first]")
    assert low_demand_factors(plan) == [LOW_DEMAND_LEVEL] * 3
    section = UncertaintySettings.model_validate({"demand_growth": {"uniform": [-0.5, 0.5]}})
    sc = plan.scenario.model_copy(update={"uncertainty": section})
    low = low_demand_factors(Plan(**{**plan.__dict__, "scenario": sc}))
    # flat plan (growth 0); P10 of U(-0.5, 0.5) is -0.4: 0.7 x 0.6^t
    assert low == pytest.approx([0.7, 0.7 * 0.6, 0.7 * 0.36])
