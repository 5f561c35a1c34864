"""The optimiser reproduces hand-worked economics: own-vs-rent break-even, binding caps, gates."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackplan.errors import InfeasibleError, InputError, SolverError
from stackplan.optimize import (
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    PilotGate,
    RiskPreference,
    Site,
    SolveOptions,
    Workload,
    make_periods,
    near_optimal,
    optimize,
)
from stackplan.optimize.build import BuiltModel, build_model
from stackplan.optimize.solve import solve_built

MONTH_H = 730.0
LP = SolveOptions(round_purchases=False)


def _owned(**kw: float) -> OnpremOption:
    base: dict[str, object] = {
        "site": "dc",
        "accelerator": "x",
        "capex_usd_per_server": 8760.0,
        "accelerators_per_server": 1,
        "life_periods": 12,
        "residual_fraction": 0.0,
        "power_kw_per_server": 0.0,
        "availability": 1.0,
    }
    base.update(kw)
    return OnpremOption(**base)  # type: ignore[arg-type]


def _monthly(demand: list[float], **kw: object) -> CapacityProblem:
    n = len(demand)
    base: dict[str, object] = {
        "periods": make_periods(2026, n // 12, "monthly", 0.0),
        "workloads": (Workload("w", "internal", {"x": 1.0}),),
        "scenarios": (DemandScenario("base", 1.0, {"w": tuple(demand)}),),
        "sites": (Site("dc", "r1"),),
        "onprem": (_owned(),),
        "offers": (CloudOffer("c", "r1", "x", on_demand_usd_per_hour=2.0),),
    }
    base.update(kw)
    return CapacityProblem(**base)  # type: ignore[arg-type]


# --- own vs rent: the analytic break-even utilisation ------------------------------------------
# Owned: 8,760 USD for one accelerator over 1 year, no residual, no running cost -> 8,760 USD/year.
# Rented: 2 USD/h. Break-even utilisation u* = owned yearly cost / (rent price x 8,760 h) = 0.5.
# Demand: one accelerator busy in the first n months, idle after -> utilisation n/12.
@pytest.mark.parametrize("months_busy", [2, 5, 7, 11])
def test_break_even_utilisation_decides_own_or_rent(months_busy: int) -> None:
    u_star = 8760.0 / (2.0 * 8760.0)
    demand = [MONTH_H if t < months_busy else 0.0 for t in range(12)]
    plan = optimize(_monthly(demand), LP)
    bought = sum(p.accelerators for p in plan.purchases)
    if months_busy / 12 > u_star:
        assert bought == pytest.approx(1.0)
        assert plan.total_usd("base") == pytest.approx(8760.0)
    else:
        assert bought == pytest.approx(0.0)
        assert plan.total_usd("base") == pytest.approx(2.0 * MONTH_H * months_busy)


def test_break_even_moves_with_the_rent_price() -> None:
    # at 7/12 utilisation, rent at 2.6 USD/h: u* = 8760 / (2.6 * 8760) = 0.385 -> buy; at 1.6: u* = 0.625 -> rent
    demand = [MONTH_H if t < 7 else 0.0 for t in range(12)]
    dear = optimize(_monthly(demand, offers=(CloudOffer("c", "r1", "x", on_demand_usd_per_hour=2.6),)), LP)
    cheap = optimize(_monthly(demand, offers=(CloudOffer("c", "r1", "x", on_demand_usd_per_hour=1.6),)), LP)
    assert sum(p.accelerators for p in dear.purchases) == pytest.approx(1.0)
    assert not cheap.purchases


# --- carbon ----------------------------------------------------------------------------------
def _two_regions(**kw: object) -> CapacityProblem:
    offers = (
        CloudOffer("c", "dirty", "x", 3.0, energy_kw_per_accelerator=1.0, carbon_location_kg_per_kwh=0.7),
        CloudOffer("c", "clean", "x", 3.5, energy_kw_per_accelerator=1.0, carbon_location_kg_per_kwh=0.05),
    )
    return _monthly([100 * MONTH_H] * 12, onprem=(), sites=(), offers=offers, **kw)


def test_binding_carbon_cap_moves_load_to_the_cleaner_region() -> None:
    total_h = 1200 * MONTH_H  # 876,000 h at 1 kWh each
    free = optimize(_two_regions(), LP)
    assert sum(free.carbon_tco2e["base"]) == pytest.approx(
        total_h * 0.7 / 1000
    )  # all in the cheap, dirty region
    cap = 300.0  # tCO2e: dirty hours x 0.7 + clean hours x 0.05 = cap (kg -> t /1000)
    dirty_h = (cap * 1000 - 0.05 * total_h) / (0.7 - 0.05)
    capped = optimize(_two_regions(carbon_cap_tco2e_horizon=cap), LP)
    assert sum(capped.carbon_tco2e["base"]) == pytest.approx(cap, rel=1e-6)
    served = capped.mix_frame().groupby("source")["accelerator_hours"].sum()
    assert served["c/dirty/x"] == pytest.approx(dirty_h, rel=1e-6)
    assert served["c/clean/x"] == pytest.approx(total_h - dirty_h, rel=1e-6)
    assert capped.total_usd("base") == pytest.approx(3.0 * dirty_h + 3.5 * (total_h - dirty_h), rel=1e-6)


def test_carbon_price_tips_the_choice() -> None:
    # cleaner by 0.65 kg/h at 0.5 USD/h more: worth it above 0.5 / 0.00065 = 769 USD/tCO2e
    cheap = optimize(_two_regions(carbon_price_usd_per_tco2e=700.0), LP)
    dear = optimize(_two_regions(carbon_price_usd_per_tco2e=800.0), LP)
    assert {r.source for r in cheap.mix} == {"c/dirty/x"}
    assert {r.source for r in dear.mix} == {"c/clean/x"}


# --- budgets, pilot gate, spot, unmet --------------------------------------------------------
def _steady(**kw: object) -> CapacityProblem:
    """Two years of steady demand for 10 accelerators; owning is much cheaper than renting."""
    base: dict[str, object] = {
        "onprem": (_owned(life_periods=24),),
        "offers": (CloudOffer("c", "r1", "x", on_demand_usd_per_hour=4.0),),
    }
    return _monthly([10 * MONTH_H] * 24, **{**base, **kw})


def test_binding_capex_budget_delays_purchases() -> None:
    free = optimize(_steady(), LP)
    assert min(p.period for p in free.purchases) == 0
    capped = optimize(_steady(capex_budget_usd_per_year={2026: 0.0}), LP)
    assert min(p.period for p in capped.purchases) == 12  # first month of 2027
    assert capped.expected_npv_cost_usd > free.expected_npv_cost_usd
    assert sum(p.capex_usd for p in capped.purchases if p.period < 12) == 0.0


def test_pilot_gate_holds_purchases_and_commitments_back() -> None:
    offers = (CloudOffer("c", "r1", "x", on_demand_usd_per_hour=4.0, commit_1y_usd_per_hour=1.0),)
    plan = optimize(_steady(offers=offers, pilot=PilotGate(gate_period=6, max_accelerators=2.0)))
    before = sum(p.accelerators for p in plan.purchases if p.period < 6)
    before += sum(c.accelerators for c in plan.commitments if c.period < 6)
    assert before <= 2.0
    assert any(p.period >= 6 for p in plan.purchases) or any(c.period >= 6 for c in plan.commitments)


def test_spot_serves_only_interruptible_work() -> None:
    workloads = (
        Workload("batch", "internal", {"x": 1.0}, interruptible=True),
        Workload("serve", "internal", {"x": 1.0}),
    )
    offers = (CloudOffer("c", "r1", "x", 4.0, spot_usd_per_hour=1.0, spot_cap_accelerators=100.0),)
    plan = optimize(
        _monthly(
            [0.0] * 12,
            workloads=workloads,
            scenarios=(
                DemandScenario("base", 1.0, {"batch": (5 * MONTH_H,) * 12, "serve": (5 * MONTH_H,) * 12}),
            ),
            onprem=(),
            offers=offers,
        ),
        LP,
    )
    modes = {(r.workload, r.mode) for r in plan.mix}
    assert modes == {("batch", "spot"), ("serve", "on_demand")}


def test_unmet_demand_is_reported_with_its_penalty_when_capacity_is_capped() -> None:
    # one site whose power allows 4 one-accelerator servers (1 kW each); demand for 10; no cloud
    problem = _steady(
        sites=(Site("dc", "r1", power_cap_kw=4.0),),
        onprem=(_owned(life_periods=24, power_kw_per_server=1.0),),
        offers=(),
        unmet_penalty_usd_per_ref_hour=50.0,
    )
    plan = optimize(problem, LP)
    assert sum(u.ref_hours for u in plan.unmet) == pytest.approx(6 * MONTH_H * 24)
    assert plan.total_usd("base", "unmet_penalty") == pytest.approx(50.0 * 6 * MONTH_H * 24)


# --- infeasibility and solver failure ----------------------------------------------------------
def test_infeasible_problem_is_explained_in_plain_words() -> None:
    # restricted data may only use eu-west; its site's power (512 kW at 1 kW per accelerator) allows 512
    # accelerators; the demand needs 900 busy around the clock; unmet demand is not allowed
    problem = CapacityProblem(
        periods=make_periods(2028, 1, "quarterly", 0.05),
        workloads=(Workload("serve", "restricted", {"x": 1.0}),),
        scenarios=(DemandScenario("base", 1.0, {"serve": (900 * 2190.0,) * 4}),),
        sites=(Site("dc-eu", "eu-west", power_cap_kw=512.0), Site("dc-us", "us-east")),
        onprem=(
            _owned(site="dc-eu", power_kw_per_server=1.0, life_periods=20),
            _owned(site="dc-us", power_kw_per_server=1.0, life_periods=20),
        ),
        offers=(CloudOffer("c", "us-east", "x", 2.0),),
        data_rules={"restricted": ("eu-west",)},
        unmet_penalty_usd_per_ref_hour=None,
    )
    with pytest.raises(InfeasibleError) as info:
        optimize(problem)
    text = " ".join(info.value.reasons)
    assert "dc-eu" in text
    assert "512 accelerators" in text
    assert "needs 900" in text
    assert "restricted data (serve) may only use eu-west" in text


def test_workload_with_no_allowed_source_is_named() -> None:
    problem = _steady(
        workloads=(Workload("w", "restricted", {"x": 1.0}),),
        data_rules={"restricted": ("eu-west",)},
        unmet_penalty_usd_per_ref_hour=None,
    )
    with pytest.raises(InfeasibleError) as info:
        optimize(problem)
    assert any("workload 'w' cannot be fully served" in r and "eu-west" in r for r in info.value.reasons)


class _TimedOut:
    def solve(self, **_: object) -> tuple[str, str]:
        return "warning", "time_limit"


def test_time_out_is_a_solver_error_not_a_plan() -> None:
    built = build_model(_steady())
    fake = BuiltModel(**{**built.__dict__, "model": _TimedOut()})
    with pytest.raises(SolverError, match="time limit") as info:
        solve_built(fake, SolveOptions(time_limit_s=1.0))
    assert info.value.termination == "time_limit"


def test_bad_input_lists_every_problem() -> None:
    with pytest.raises(InputError) as info:
        _monthly(
            [1.0] * 12,
            scenarios=(
                DemandScenario("a", 0.5, {"w": (1.0,) * 12}),
                DemandScenario("a", 0.2, {"w": (1.0,) * 3}),
            ),
        )
    fields = {p.field for p in info.value.problems}
    assert {"scenarios", "scenarios[].probability", "scenarios[1].ref_hours.w"} <= fields


# --- uncertainty: two-stage and CVaR; near-optimal alternatives --------------------------------
def _uncertain(weight: float) -> CapacityProblem:
    demand = {"low": 2 * MONTH_H, "high": 12 * MONTH_H}
    return _steady(
        scenarios=tuple(DemandScenario(n, 0.5, {"w": (d,) * 24}) for n, d in demand.items()),
        offers=(CloudOffer("c", "r1", "x", on_demand_usd_per_hour=4.0, on_demand_cap_accelerators=4.0),),
        unmet_penalty_usd_per_ref_hour=20.0,
        onprem=(_owned(life_periods=24, capex_usd_per_server=40_000.0),),
        risk=RiskPreference(alpha=0.5, weight=weight),
    )


def test_two_stage_buys_once_for_all_scenarios_and_cvar_buys_more_insurance() -> None:
    neutral = optimize(_uncertain(0.0), LP)
    averse = optimize(_uncertain(1.0), LP)
    assert len({(p.period, p.servers) for p in neutral.purchases}) == len(neutral.purchases)
    assert averse.npv_cost_usd["high"] <= neutral.npv_cost_usd["high"] + 1e-6
    assert averse.expected_npv_cost_usd >= neutral.expected_npv_cost_usd - 1e-6
    assert sum(p.servers for p in averse.purchases) > sum(p.servers for p in neutral.purchases)


def test_near_optimal_least_carbon_stays_within_the_cost_slack() -> None:
    problem = _two_regions()
    best = optimize(problem, LP)
    green = near_optimal(problem, best, 0.05, "carbon", LP)
    assert green.expected_npv_cost_usd <= best.expected_npv_cost_usd * 1.05 * (1 + 1e-9)
    assert sum(green.carbon_tco2e["base"]) < sum(best.carbon_tco2e["base"])
    # all 5% spent on moving load: 0.5 USD/h more per hour moved
    moved_h = 0.05 * best.expected_npv_cost_usd / 0.5
    assert sum(best.carbon_tco2e["base"]) - sum(green.carbon_tco2e["base"]) == pytest.approx(
        moved_h * 0.65 / 1000, rel=1e-6
    )


def test_near_optimal_least_commitment_rents_instead_of_buying() -> None:
    # owning 10 accelerators for 2 years: 87,600 USD; renting them at 0.6 USD/h: 105,120 USD (+20%)
    problem = _steady(offers=(CloudOffer("c", "r1", "x", on_demand_usd_per_hour=0.6),))
    best = optimize(problem, LP)
    assert best.expected_npv_cost_usd == pytest.approx(87_600.0)
    flexible = near_optimal(problem, best, 0.25, "commitment", LP)
    assert not flexible.purchases
    assert flexible.expected_npv_cost_usd == pytest.approx(105_120.0)
    # +10% allows renting half: net money committed (capex - residual) = 87,600 - 0.10 x 87,600 / 0.2
    tight = near_optimal(problem, best, 0.10, "commitment", LP)
    net = tight.total_usd("base", "onprem_capex") + tight.total_usd("base", "onprem_residual")
    assert net == pytest.approx(87_600.0 - 0.10 * 87_600.0 / 0.2, rel=1e-6)


# --- property: more demand never lowers the optimal cost ---------------------------------------
@settings(max_examples=8, deadline=None)
@given(
    base=st.lists(st.floats(0.0, 20.0), min_size=12, max_size=12),
    extra=st.lists(st.floats(0.0, 10.0), min_size=12, max_size=12),
)
def test_more_demand_never_lowers_the_optimal_cost(base: list[float], extra: list[float]) -> None:
    low = [b * MONTH_H for b in base]
    high = [(b + e) * MONTH_H for b, e in zip(base, extra, strict=True)]
    kw = {"offers": (CloudOffer("c", "r1", "x", 2.0, commit_1y_usd_per_hour=1.2),)}
    cost_low = optimize(_monthly(low, **kw), LP).expected_npv_cost_usd
    cost_high = optimize(_monthly(high, **kw), LP).expected_npv_cost_usd
    assert cost_high >= cost_low - 1e-6 * max(1.0, abs(cost_low))
    assert math.isfinite(cost_high)


@pytest.mark.parametrize(("duty", "owns"), [(0.4, False), (0.6, True)])
def test_duty_of_a_load_band_decides_own_or_rent_at_the_break_even(duty: float, owns: bool) -> None:
    # a band of a load-duration curve busy a share `duty` of every month: owning one accelerator for it
    # costs 8,760 USD/year whatever the duty; renting costs 2 USD x 8,760 h x duty -> own above duty 0.5
    problem = _monthly([duty * MONTH_H] * 12, workloads=(Workload("w", "internal", {"x": 1.0}, duty=duty),))
    plan = optimize(problem, LP)
    assert sum(p.accelerators for p in plan.purchases) == pytest.approx(1.0 if owns else 0.0)
    assert plan.total_usd("base") == pytest.approx(min(8760.0, 2.0 * 8760.0 * duty))
