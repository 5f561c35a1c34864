"""People: the hiring and training plan is the one source of the plan's people cost lines and of the
roadmap's people plan (no double counting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackplan.plan import build_plan
from stackplan.roadmap.people import people_from_staffing, staffing_plan
from tests.unit.plan_fixtures import flat_demand, hand_inputs, hand_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "enterprise_research.yaml"


def test_staffing_plan_by_hand() -> None:
    plan = staffing_plan(
        {"sre": [1.5, 1.0, 3.0]},
        years=[2026, 2027, 2028],
        existing_fte={"sre": 1.0},
        loaded_salary_usd={"sre": 100_000.0},
        hiring_cost_usd={"sre": 20_000.0},
        training_usd_per_fte_year=1_000.0,
        line_by_role={"sre": "support_staff"},
        lead_months=3.0,
    )
    (sre,) = plan.roles
    # hires beyond the most ever employed: 0.5 in 2026, none in 2027 (1.0 < 1.5), 1.5 in 2028
    assert sre.hires_fte == pytest.approx((0.5, 0.0, 1.5))
    assert sre.hire_by == ("2025-10", None, "2027-10")
    assert sre.salary_usd == pytest.approx((150_000.0, 100_000.0, 300_000.0))
    assert sre.hiring_training_usd == pytest.approx((0.5 * 20_000 + 1_500, 1_000.0, 1.5 * 20_000 + 3_000))
    assert plan.line_usd("support_staff") == sre.salary_usd
    # on quarters: hires one quarter ahead of their year, salaries spread, hiring cost in the first quarter
    people = people_from_staffing(plan, 4, 12)
    assert [(h.period, h.count) for h in people.hires] == [(0, 0.5), (7, 1.5)]
    assert sum(people.salaries_usd) == pytest.approx(550_000.0)
    assert people.hiring_training_usd[8] == pytest.approx(1.5 * 20_000 + 3 * 1_000)


def test_ledger_books_exactly_the_staffing_plan() -> None:
    sc = hand_scenario(models="[cloud_first, on_prem]", dataset_tb=10)
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 16), risk_register=False)
    for d in plan.deployments:
        st = d.staffing
        assert st is not None
        for t, c in enumerate(d.cash_flows):
            assert c.lines["support_staff"] == pytest.approx(st.line_usd("support_staff")[t])
            assert c.lines["data_management"] == pytest.approx(st.line_usd("data_management")[t])
            assert c.lines["hiring_and_training"] == pytest.approx(st.hiring_training_usd[t])
            # security engineers + the audit (internal data: no audit) are the whole risk line here
            assert c.lines["risk_mitigation"] == pytest.approx(st.line_usd("risk_mitigation")[t])
        assert d.to_dict()["hiring_plan"]["hiring_training_usd"] == pytest.approx(
            list(st.hiring_training_usd)
        )


def test_roadmap_people_are_the_hybrids_hiring_plan() -> None:
    plan = build_plan(EXAMPLE)
    data = plan.to_dict()
    hybrid = plan.deployment("hybrid")
    road = data["roadmap"]
    assert road is not None
    per_year = len(road["people_hiring_training_usd"]) // len(hybrid.cash_flows)
    for t, c in enumerate(hybrid.cash_flows):
        quarters = road["people_hiring_training_usd"][t * per_year : (t + 1) * per_year]
        assert sum(quarters) == pytest.approx(c.lines["hiring_and_training"])
        salaries = sum(road["people_salaries_usd"][t * per_year : (t + 1) * per_year])
        assert hybrid.staffing is not None
        booked = sum(
            hybrid.staffing.line_usd(line)[t]
            for line in ("support_staff", "data_management", "risk_mitigation")
        )
        assert salaries == pytest.approx(booked)
