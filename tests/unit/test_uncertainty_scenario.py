"""The scenario's ``uncertainty:`` section drives the plan's Monte Carlo (hand-checkable cases)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stackplan.errors import InputError
from stackplan.plan import Plan, build_plan
from stackplan.scenario import load_scenario
from stackplan.uncertainty.from_plan import plan_base_values, plan_monte_carlo
from stackplan.uncertainty.settings import UncertaintySettings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "enterprise_research.yaml"
N = 4_000


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(EXAMPLE)


def _with(plan: Plan, section: dict[str, Any]) -> Plan:
    sc = plan.scenario.model_copy(update={"uncertainty": UncertaintySettings.model_validate(section)})
    return dataclasses.replace(plan, scenario=sc)


def _fixed_at_base(plan: Plan) -> dict[str, Any]:
    v = plan_base_values(plan)
    section: dict[str, Any] = {k: {"fixed": v[k]} for k in v if k != "cloud_usd_per_hour"}
    section["cloud_price_factor"] = 1.0
    return section


def test_fixed_inputs_at_the_plans_values_reproduce_the_plan(plan: Plan) -> None:
    mc = plan_monte_carlo(_with(plan, _fixed_at_base(plan)), 50, 0)
    for o in mc.outcomes:
        d = plan.deployment(o.name)
        assert o.tco_usd.p10 == pytest.approx(d.tco_usd, rel=1e-9)
        assert o.tco_usd.p90 == pytest.approx(d.tco_usd, rel=1e-9)
        assert o.npv_cost_usd.p50 == pytest.approx(d.npv_cost_usd, rel=1e-9)


def test_wider_electricity_spread_widens_on_prem_but_not_cloud(plan: Plan) -> None:
    e = plan_base_values(plan)["electricity_usd_per_kwh"]
    base = _fixed_at_base(plan)
    narrow = plan_monte_carlo(
        _with(plan, {**base, "electricity_usd_per_kwh": {"uniform": [0.9 * e, 1.1 * e]}}), N, 1
    )
    wide = plan_monte_carlo(
        _with(plan, {**base, "electricity_usd_per_kwh": {"uniform": [0.5 * e, 2.0 * e]}}), N, 1
    )

    def spread(mc: Any, name: str) -> float:
        o = next(x for x in mc.outcomes if x.name == name)
        return float(o.tco_usd.p90 - o.tco_usd.p10)

    assert spread(wide, "on_prem") > 3 * spread(narrow, "on_prem") > 0
    assert spread(wide, "cloud_first") == pytest.approx(0.0, abs=1e-3)
    assert spread(narrow, "cloud_first") == pytest.approx(0.0, abs=1e-3)


def test_a_delivery_delay_raises_owned_cost_not_cloud(plan: Plan) -> None:
    base = _fixed_at_base(plan)
    late = plan_monte_carlo(_with(plan, {**base, "delivery_delay_months": 6}), 10, 0)
    for o in late.outcomes:
        d = plan.deployment(o.name)
        owned = sum(max(p["owned_devices"]) for p in d.pools) > 0
        if owned:  # owned hours rented on demand meanwhile cost more than the owned energy they save
            assert o.tco_usd.p50 > d.tco_usd
        else:
            assert o.tco_usd.p50 == pytest.approx(d.tco_usd, rel=1e-9)
    assert any(
        sum(max(p["owned_devices"]) for p in plan.deployment(m).pools) > 0 for m in ("on_prem", "hybrid")
    )


def test_lower_mfu_raises_training_hours_cost(plan: Plan) -> None:
    v = plan_base_values(plan)
    base = _fixed_at_base(plan)
    half = plan_monte_carlo(_with(plan, {**base, "mfu": v["mfu"] / 2}), 10, 0)
    cloud = next(o for o in half.outcomes if o.name == "cloud_first")
    assert cloud.tco_usd.p50 > plan.deployment("cloud_first").tco_usd


def test_section_errors_name_the_path_and_suggest(tmp_path: Path) -> None:
    text = EXAMPLE.read_text() + (
        "uncertainty:\n"
        "  electricty_usd_per_kwh: {uniform: [0.1, 0.2]}\n"
        "  mfu: {normal: {mean: 0.4, sd: 0.05}, unit: USD}\n"
        "  price_decline: {uniform: [0.0, 1.5]}\n"
    )
    with pytest.raises(InputError) as info:
        load_scenario(text)
    msgs = {p.field.split(" ")[0]: p for p in info.value.problems}
    assert "did you mean 'electricity_usd_per_kwh'" in (msgs["uncertainty.electricty_usd_per_kwh"].fix or "")
    assert "use '-'" in msgs["uncertainty.mfu"].message
    assert "below 1" in msgs["uncertainty.price_decline"].message


def test_monte_carlo_is_seeded_and_consistent(plan: Plan) -> None:
    a = plan_monte_carlo(plan, 1_000, 7)
    b = plan_monte_carlo(plan, 1_000, 7)
    assert [o.tco_usd for o in a.outcomes] == [o.tco_usd for o in b.outcomes]
    assert sum(o.probability_cheapest for o in a.outcomes) == pytest.approx(1.0)
    assert np.all([o.tco_usd.p10 <= o.tco_usd.p50 <= o.tco_usd.p90 for o in a.outcomes])


def test_reports_and_json_show_the_uncertainty(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from stackplan.cli import app

    text = (
        EXAMPLE.read_text() + "uncertainty:\n  delivery_delay_months: {triangular: [0, 2, 6], unit: months}\n"
    )
    scen = tmp_path / "s.yaml"
    scen.write_text(text)
    out = [tmp_path / n for n in ("p.json", "p.md", "p.html")]
    args = ["plan", str(scen), "--uncertainty", "300", "--json", str(out[0]), "--md", str(out[1])]
    result = CliRunner().invoke(app, [*args, "--html", str(out[2])])
    assert result.exit_code == 0, result.output
    data = json.loads(out[0].read_text())["uncertainty"]
    src = {i["name"]: i["source"] for i in data["inputs"]}
    assert src["delivery_delay_months"] == "scenario"
    assert src["electricity_usd_per_kwh"] == "default"
    assert {d["model"] for d in data["deployments"]} == {"cloud_first", "hybrid", "on_prem"}
    assert "## Uncertainty (300 Monte Carlo samples)" in out[1].read_text()
    html = out[2].read_text()
    assert 'id="chart-tornado"' in html
    assert '"tornado": {"data"' in html
