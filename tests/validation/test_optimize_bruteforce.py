"""The optimiser against brute-force enumeration of every integer plan of tiny instances.

The cost of each enumerated plan is computed here from first principles (cash flows by hand,
operations by merit order: committed (already paid), then owned (energy only), then on-demand, then unmet), independently of
the optimiser's coefficient code.
"""

from __future__ import annotations

import itertools

import pytest

from stackplan.optimize import (
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    Site,
    SolveOptions,
    Workload,
    make_periods,
    optimize,
)

H = 2190.0  # hours in a quarter
CAPEX = 40_000.0  # USD per one-accelerator server
RHO = 0.2  # residual fraction
LIFE = 4  # quarters
FIXED = 900.0  # USD per server per quarter
KW = 1.0  # kW per server
PUE = 1.2
ELEC = 0.1  # USD/kWh
OD = 3.2  # on-demand USD/h
C1Y = 2.4  # 1-year commitment USD/h
PENALTY = 20.0  # USD per unmet reference hour
RATE = 0.1  # yearly discount rate


def _problem(demand: tuple[float, ...], lead: int, penalty: float | None = PENALTY) -> CapacityProblem:
    return CapacityProblem(
        periods=make_periods(2026, 1, "quarterly", RATE),
        workloads=(Workload("w", "internal", {"x": 1.0}),),
        scenarios=(DemandScenario("base", 1.0, {"w": demand}),),
        sites=(Site("dc", "r1", pue=PUE, electricity_usd_per_kwh=ELEC),),
        onprem=(
            OnpremOption(
                "dc",
                "x",
                CAPEX,
                accelerators_per_server=1,
                life_periods=LIFE,
                residual_fraction=RHO,
                power_kw_per_server=KW,
                fixed_opex_usd_per_server_period=FIXED,
                lead_time_periods=lead,
                availability=1.0,
            ),
        ),
        offers=(
            CloudOffer(
                "cloud",
                "r1",
                "x",
                on_demand_usd_per_hour=OD,
                commit_1y_usd_per_hour=C1Y,
                on_demand_cap_accelerators=2,
            ),
        ),
        unmet_penalty_usd_per_ref_hour=penalty,
    )


def _df(t: float) -> float:
    return float((1 + RATE) ** (-t / 4))


def _brute_force(demand: tuple[float, ...], lead: int) -> float:
    """Least discounted cost over buy[t] in 0..3 and commit[t] in 0..2 for each of 4 quarters."""
    n = len(demand)
    energy = KW * PUE * ELEC  # USD per hour used
    best = float("inf")
    for buys in itertools.product(range(4), repeat=n):
        for commits in itertools.product(range(3), repeat=n):
            cost = 0.0
            for tau, b in enumerate(buys):
                if b == 0:
                    continue
                if tau + lead >= n:  # delivered after the horizon: the model does not allow it
                    cost = float("inf")
                    break
                cost += b * CAPEX * _df(tau)
                start = tau + lead
                used = min(n - start, LIFE) / LIFE
                cost -= b * CAPEX * (1 - (1 - RHO) * used) * _df(n)  # still in service at the end
            if cost == float("inf"):
                continue
            for tau, k in enumerate(commits):  # paid every quarter of the year, incl. after the horizon
                cost += sum(k * C1Y * H * _df(t) for t in range(tau, tau + 4))
            for t in range(n):
                owned = sum(b for tau, b in enumerate(buys) if tau + lead <= t < tau + lead + LIFE)
                committed = sum(k for tau, k in enumerate(commits) if tau <= t < tau + 4)
                cost += owned * FIXED * _df(t)
                left = demand[t]
                left -= min(left, committed * H)  # already paid: used first
                from_owned = min(left, owned * H)  # costs only its energy
                left -= from_owned
                from_od = min(left, 2 * H)
                left -= from_od
                cost += (from_owned * energy + from_od * OD + left * PENALTY) * _df(t)
            best = min(best, cost)
    return best


@pytest.mark.parametrize(
    ("demand", "lead"),
    [
        ((1.0 * H, 2.0 * H, 3.0 * H, 3.0 * H), 0),
        ((0.5 * H, 0.5 * H, 4.0 * H, 1.0 * H), 1),
        ((2.5 * H, 0.2 * H, 0.2 * H, 5.5 * H), 0),
    ],
)
def test_integer_optimum_equals_brute_force(demand: tuple[float, ...], lead: int) -> None:
    plan = optimize(_problem(demand, lead), SolveOptions(integer_purchases=True, mip_gap=0.0))
    assert plan.expected_npv_cost_usd == pytest.approx(_brute_force(demand, lead), rel=1e-6)


def test_lp_with_rounding_is_never_better_than_the_integer_optimum() -> None:
    demand = (1.3 * H, 2.6 * H, 2.2 * H, 3.7 * H)
    exact = _brute_force(demand, 0)
    rounded = optimize(_problem(demand, 0)).expected_npv_cost_usd
    assert rounded >= exact - 1e-6 * exact
    assert rounded <= exact * 1.05  # rounding loses little on this instance
