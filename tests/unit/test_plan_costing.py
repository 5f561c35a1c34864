"""Hand-worked cost cases: every line item of a cloud-only and a small on-prem plan, by hand."""

from __future__ import annotations

import pytest

from stackplan.plan import build_plan
from tests.unit.plan_fixtures import flat_demand, hand_inputs, hand_scenario

H = 8760.0


def test_cloud_only_every_line_by_hand() -> None:
    sc = hand_scenario(models="[cloud_first]", dataset_tb=10, egress=1.0)
    # the bare ledger: the risk register's mitigation cost is tested in test_plan_risk_wiring.py
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 4), risk_register=False)
    d = plan.deployment("cloud_first")
    # 4 devices busy all year: committing all 4 for a year at $2.80 beats $4.00 on demand
    compute = 4 * H * 2.8
    platform_fte = 4 / 500
    finops_fte = 0.1 * compute / 1e6
    data_fte = 0.5 * 10 / 1000
    fte = platform_fte + finops_fte + data_fte + 1.0  # + one security engineer
    expected = {
        "cloud_compute": [compute] * 3,
        "cloud_storage": [10 * 12 * 20.0] * 3,
        "egress": [1 * 12 * 1000 * 0.09] * 3,
        "support_staff": [(platform_fte + finops_fte) * 100_000] * 3,
        "data_management": [data_fte * 100_000] * 3,
        "risk_mitigation": [100_000.0] * 3,
        "hiring_and_training": [fte * 0.2 * 100_000 + fte * 1300, fte * 1300, fte * 1300],
        "integration": [0.25 * 100_000, 0.0, 0.0],
    }
    for c in d.cash_flows:
        t = c.year - 2026
        for name, value in c.lines.items():
            assert value == pytest.approx(expected.get(name, [0.0] * 3)[t], rel=1e-9, abs=1e-9), (
                name,
                c.year,
            )
    assert d.tco_usd == pytest.approx(sum(sum(v) for v in expected.values()))
    # energy: 4 x 8760 h x 0.7 kW x (1 + 0.6) x PUE 1.15
    it_kwh = 4 * H * 0.7 * 1.6
    assert d.energy_mwh_by_year[0] == pytest.approx(it_kwh * 1.15 / 1000)
    assert d.emissions_by_year[0]["location_based"] == pytest.approx(it_kwh * 1.15 * 300 / 1e6)
    assert d.emissions_by_year[0]["market_based"] == pytest.approx(it_kwh * 1.15 * 350 / 1e6)
    assert d.emissions_by_year[0]["embodied"] == pytest.approx(4 * H / (6 * H * 0.85) * 1.2)
    assert d.water_m3_by_year[0] == pytest.approx((it_kwh * 0.15 + it_kwh * 1.15 * 3.0) / 1000)
    assert d.usd_per_accelerator_hour == pytest.approx(2.8)


def test_small_on_prem_cluster_every_line_by_hand() -> None:
    sc = hand_scenario(models="[on_prem]", utilisation=0.8)
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 16), risk_register=False)
    d = plan.deployment("on_prem")
    # 16 busy devices at a 0.8 utilisation target -> 20 devices -> 3 servers of 8 = 24 owned
    n = 24
    busy_kwh = 16 * H * 0.7 * 1.6
    idle_kwh = (n - 16) * H * 0.7 * 1.6 * 0.15
    net_kwh = n * 0.05 * H
    capex = n * (30_000 + 5_000)
    expected = {
        "accelerator_servers": [n * 30_000.0, 0, 0],
        "network": [n * 5_000.0, 0, 0],
        # 5-year life, 3-year horizon: resale 10% plus 2/5 of the remaining 90% book value
        "residual_value": [0, 0, -capex * (0.1 + 0.9 * 2 / 5)],
        "power": [(busy_kwh + net_kwh) * 1.3 * 0.10] * 3,
        "idle_capacity": [idle_kwh * 1.3 * 0.10] * 3,
        "maintenance": [0.05 * capex] * 3,
        "colocation": [n * (1.275 + 0.05) * 12 * 200] * 3,
        "support_staff": [2 * 100_000.0] * 3,  # minimum of two platform engineers
        "risk_mitigation": [100_000.0] * 3,
        "hiring_and_training": [3 * 0.2 * 100_000 + 3 * 1300, 3 * 1300, 3 * 1300],
        "integration": [25_000.0, 0, 0],
    }
    for c in d.cash_flows:
        t = c.year - 2026
        for name, value in c.lines.items():
            assert value == pytest.approx(expected.get(name, [0.0] * 3)[t], rel=1e-9, abs=1e-6), (
                name,
                c.year,
            )
    assert d.cash_flows[0].capex_usd == pytest.approx(capex)
    assert d.energy_mwh_by_year[1] == pytest.approx((busy_kwh + idle_kwh + net_kwh) * 1.3 / 1000)
    assert d.emissions_by_year[1]["embodied"] == pytest.approx(n * 1.2 / 6)
    assert d.time_to_capacity_months == 6


def test_data_class_that_forbids_cloud_leaves_workload_unserved_with_reason() -> None:
    sc = hand_scenario(data_class="restricted", cloud_ok="false")
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 4))
    cloud = plan.deployment("cloud_first")
    assert [u["workload"] for u in cloud.unserved] == ["svc"]
    assert "may not be processed in a public cloud" in cloud.unserved[0]["reason"]
    assert plan.deployment("on_prem").serves_all
    assert plan.recommendation.deployment != "cloud_first"
    assert any(r.kind == "constraint" for r in plan.recommendation.reasons)


def test_model_that_fits_no_accelerator_is_reported_per_deployment() -> None:
    from stackplan.sizing.compute import ComputeDemand, Unfit

    sc = hand_scenario()
    demand = ComputeDemand(
        years=sc.years,
        options=(),
        unfit=(Unfit(workload_id="svc", accelerator="h100-sxm", reason="needs 300 GiB"),),
    )
    plan = build_plan(sc, inputs=hand_inputs(), demand=demand)
    for d in plan.deployments:
        assert d.unserved[0]["workload"] == "svc"
        assert "fits no allowed accelerator" in d.unserved[0]["reason"]
        assert "needs 300 GiB" in d.unserved[0]["reason"]


def test_hybrid_owns_the_steady_load_and_rents_the_peak() -> None:
    # a ramp from 32 devices at peak down to 8 (mean 20): owning beats renting for the
    # devices busy most of the year, renting wins for the top of the peak
    sc = hand_scenario(models="[hybrid]", utilisation=1.0)
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 32, busy_share=20 / 32, shape="ramp"))
    pool = plan.deployment("hybrid").pools[0]
    owned = pool["owned_devices"][0]
    assert 8 <= owned < 32
    assert sum(pool["cloud_busy_hours"]) > 0
    assert plan.deployment("hybrid").cash_flows[0].lines["cloud_compute"] > 0


def test_recommendation_words_money_in_usd_in_the_plan_and_in_the_currency_in_reports() -> None:
    from stackplan.report._text import recommendation_reasons
    from stackplan.report.markdown import plan_markdown

    sc = hand_scenario(data_class="restricted", cloud_ok="false")
    org = sc.organization.model_copy(update={"currency": "EUR", "usd_per_currency_unit": 1.25})
    sc = sc.model_copy(update={"organization": org})
    plan = build_plan(sc, inputs=hand_inputs(), demand=flat_demand(sc, 4))
    # the plan and its JSON word money in USD, like every JSON amount (and the web app)
    cost = next(r for r in plan.recommendation.reasons if r.kind == "cost")
    assert "$" in cost.text
    # the reports word the same reasons in the organisation's currency
    shown = next(r for r in recommendation_reasons(plan) if r.kind == "cost")
    assert "$" not in shown.text
    npv_eur = float(cost.figures["npv_cost_usd"]) / 1.25
    eur = f"\u20ac{npv_eur / 1e6:,.1f}M" if npv_eur >= 1e6 else f"\u20ac{npv_eur / 1e3:,.0f}k"
    assert eur in shown.text
    assert shown.text in plan_markdown(plan)
