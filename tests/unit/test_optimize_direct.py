"""The direct (matrix-form) build solves the same LP as the linopy build."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from stackplan.deployments.costing import place_workloads
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
from stackplan.optimize.direct import optimize_direct, supported
from stackplan.optimize.from_plan import hybrid_problem
from stackplan.plan_inputs import inputs_for
from stackplan.scenario import load_scenario
from stackplan.sizing.compute import size_compute

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def _small(ramp: float = math.inf, spot_cap: float = 0.0) -> CapacityProblem:
    """Two years, quarterly: a steady band (owning pays) and a peaky band (renting pays)."""
    per = make_periods(2026, 2, "quarterly", 0.08)
    steady = Workload("steady", "internal", {"h100": 1.0}, duty=0.9)
    peaky = Workload("peaky", "internal", {"h100": 1.0}, duty=0.1, interruptible=True)
    demand = {
        "steady": tuple(10 * 0.9 * per.hours * (1 + 0.1 * t) for t in range(per.count)),
        "peaky": tuple(20 * 0.1 * per.hours for _ in range(per.count)),
    }
    return CapacityProblem(
        periods=per,
        workloads=(steady, peaky),
        scenarios=(DemandScenario("base", 1.0, demand),),
        sites=(Site(name="owned", region="us-east"),),
        onprem=(
            OnpremOption(
                site="owned",
                accelerator="h100",
                capex_usd_per_server=8 * 30_000.0,
                accelerators_per_server=8,
                life_periods=20,
                residual_fraction=0.1,
                power_kw_per_server=8.0,
                fixed_opex_usd_per_server_period=6_000.0,
                lead_time_periods=1,
                max_buy_servers_per_period=ramp,
            ),
        ),
        offers=(
            CloudOffer(
                provider="aws",
                region="us-east-1",
                accelerator="h100",
                on_demand_usd_per_hour=4.0,
                spot_usd_per_hour=2.0,
                spot_cap_accelerators=spot_cap,
            ),
        ),
    )


def _same(a_problem: CapacityProblem, options: SolveOptions) -> None:
    direct = optimize_direct(a_problem, options)
    assert direct is not None
    ref = optimize(a_problem, options)
    assert direct.expected_npv_cost_usd == pytest.approx(ref.expected_npv_cost_usd, rel=1e-6)
    assert direct.info.objective_usd == pytest.approx(ref.info.objective_usd, rel=1e-6)
    assert [p.period for p in direct.purchases] == [p.period for p in ref.purchases]
    assert [p.servers for p in direct.purchases] == pytest.approx(
        [p.servers for p in ref.purchases], rel=1e-6
    )
    for line in ("onprem_capex", "onprem_fixed_opex", "cloud_on_demand", "cloud_spot", "unmet_penalty"):
        assert direct.total_usd("base", line) == pytest.approx(
            ref.total_usd("base", line), rel=1e-6, abs=1e-3
        )


@pytest.mark.parametrize("rounding", [True, False])
@pytest.mark.parametrize(("ramp", "spot_cap"), [(math.inf, 0.0), (1.0, 4.0)])
def test_direct_build_matches_linopy_on_a_small_problem(rounding: bool, ramp: float, spot_cap: float) -> None:
    _same(_small(ramp, spot_cap), SolveOptions(round_purchases=rounding))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_direct_build_matches_linopy_on_the_examples_hybrid(path: Path) -> None:
    sc = load_scenario(path)
    inputs = inputs_for(sc)
    problem = hybrid_problem(sc, inputs, place_workloads("hybrid", sc, size_compute(sc), inputs))
    assert problem is not None
    _same(problem, SolveOptions())


def test_unsupported_features_go_through_linopy() -> None:
    from dataclasses import replace

    p = _small()
    assert supported(p, SolveOptions())
    assert not supported(p, SolveOptions(integer_purchases=True))
    assert not supported(replace(p, pilot=PilotGate(gate_period=2, max_accelerators=8)), SolveOptions())
    assert not supported(replace(p, capex_budget_usd_per_year={2026: 1e5}), SolveOptions())
    assert optimize_direct(replace(p, carbon_cap_tco2e_horizon=1.0), SolveOptions()) is None
