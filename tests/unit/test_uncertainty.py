"""Distributions, the vectorised cost model (hand-worked) and the Monte Carlo summary."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackplan.errors import InvalidInputError
from stackplan.uncertainty import (
    CostModelBase,
    DeploymentShape,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    UncertainInputs,
    Uniform,
    distribution_from_spec,
    run_monte_carlo,
    yearly_cost,
)

FIXED = {
    "demand_growth": 0.0,
    "cloud_usd_per_hour": 2.0,
    "price_decline": 0.0,
    "utilisation": 1.0,
    "mfu": 0.4,
    "electricity_usd_per_kwh": 0.1,
    "delivery_delay_months": 0.0,
}


def test_quantiles_of_distributions() -> None:
    # triangular(0, 1, 2) is symmetric: median 1; P10 = sqrt(0.1 * 2 * 1) = 0.4472
    tri = Triangular(0.0, 1.0, 2.0)
    assert tri.ppf(0.5) == pytest.approx(1.0)
    assert tri.ppf(0.1) == pytest.approx(0.1**0.5 * 2**0.5)
    assert Normal(10.0, 2.0).ppf(0.9) == pytest.approx(10.0 + 2.0 * 1.2815516)
    assert LogNormal(3.0, 0.25).ppf(0.5) == pytest.approx(3.0)
    assert Uniform(2.0, 6.0).ppf(0.25) == pytest.approx(3.0)
    samples = tri.sample(np.random.default_rng(0), 200_000)
    assert np.percentile(samples, 10) == pytest.approx(tri.ppf(0.1), abs=0.01)


def test_distribution_specs_and_errors() -> None:
    assert distribution_from_spec("x", 3) == Fixed(3.0)
    assert distribution_from_spec("x", {"triangular": [1, 2, 4]}) == Triangular(1.0, 2.0, 4.0)
    assert distribution_from_spec("x", {"normal": {"mean": 1, "sd": 0.5}}) == Normal(1.0, 0.5)
    with pytest.raises(InvalidInputError, match=r"uncertainty\.mfu"):
        distribution_from_spec("uncertainty.mfu", {"beta": [1, 2]})
    with pytest.raises(InvalidInputError, match="low <= mode <= high"):
        distribution_from_spec("uncertainty.mfu", {"triangular": [3, 2, 1]})


def test_cloud_only_cost_by_hand() -> None:
    # 1,000 h in year 0 growing 50%: 1,000 x 2.0 = 2,000; 1,500 x 2.0 x 0.9 (10% decline) = 2,700
    base = CostModelBase(years=2, demand_hours_year0=1000.0)
    cost = yearly_cost(base, 0.0, n=1, **{**FIXED, "demand_growth": 0.5, "price_decline": 0.1})
    assert cost[0].tolist() == pytest.approx([2000.0, 2700.0])


def test_owned_cost_by_hand() -> None:
    # one accelerator busy all year (8,760 h), 1,000 USD, maintenance 10%/year, 1 kW, PUE 1, 0.1 USD/kWh,
    # life 2 years and no residual: year 0 = 1,000 + 100 + 876; year 1 = 100 + 876; no book value left
    base = CostModelBase(
        years=2,
        demand_hours_year0=8760.0,
        server_usd_per_accelerator=1000.0,
        kw_per_accelerator=1.0,
        pue=1.0,
        maintenance_share_per_year=0.1,
        life_years=2.0,
        residual_fraction=0.0,
    )
    cost = yearly_cost(base, 1.0, n=1, **FIXED)
    assert cost[0].tolist() == pytest.approx([1976.0, 976.0])
    # a 6-month delivery delay moves half of year 0 to the cloud: -438 USD energy, +4,380 h x 2 USD
    late = yearly_cost(base, 1.0, n=1, **{**FIXED, "delivery_delay_months": 6.0})
    assert late[0, 0] == pytest.approx(1976.0 - 438.0 + 8760.0)
    # a 4-year life leaves half of (1 - 0) of the price as book value at the end of 2 years
    longer = yearly_cost(CostModelBase(**{**base.__dict__, "life_years": 4.0}), 1.0, n=1, **FIXED)
    assert longer[0, 1] == pytest.approx(976.0 - 500.0)


def _inputs() -> UncertainInputs:
    return UncertainInputs(
        demand_growth=Triangular(0.1, 0.3, 0.8),
        cloud_usd_per_hour=LogNormal(3.0, 0.25),
        utilisation=Triangular(0.4, 0.7, 0.9),
        delivery_delay_months=Uniform(0.0, 6.0),
    )


DEPLOYMENTS = (
    DeploymentShape("cloud_first", 0.0),
    DeploymentShape("hybrid", 0.5),
    DeploymentShape("on_prem", 1.0),
)


def test_monte_carlo_summary_is_consistent_and_reproducible() -> None:
    base = CostModelBase(years=5, demand_hours_year0=512 * 8760 * 0.8, value_usd_per_year=3e7)
    seen: list[int] = []
    a = run_monte_carlo(base, _inputs(), DEPLOYMENTS, 5000, np.random.default_rng(7), progress=seen.append)
    b = run_monte_carlo(base, _inputs(), DEPLOYMENTS, 5000, np.random.default_rng(7))
    assert a.outcomes == b.outcomes
    assert seen[-1] == 5000
    assert sum(o.probability_cheapest for o in a.outcomes) == pytest.approx(1.0)
    for o in a.outcomes:
        assert o.tco_usd.p10 <= o.tco_usd.p50 <= o.tco_usd.p90
        assert o.npv_usd.p50 == pytest.approx(
            base.value_usd_per_year * sum(1.08**-y for y in range(5)) - o.npv_cost_usd.p50, rel=1e-9
        )
    bars = {bar.input: bar for bar in a.tornado["cloud_first"]}
    assert bars["electricity_usd_per_kwh"].swing_usd == 0.0  # fixed input, and the cloud pays no power bill
    assert bars["utilisation"].swing_usd == 0.0  # no owned fleet
    assert a.tornado["cloud_first"][0].input in {"demand_growth", "cloud_usd_per_hour"}


@settings(max_examples=30, deadline=None)
@given(growth=st.floats(0.0, 1.0), extra=st.floats(0.0, 1.0), share=st.floats(0.0, 1.0))
def test_more_demand_growth_never_costs_less(growth: float, extra: float, share: float) -> None:
    base = CostModelBase(years=4, demand_hours_year0=1e6)
    lo = yearly_cost(base, share, n=1, **{**FIXED, "demand_growth": growth}).sum()
    hi = yearly_cost(base, share, n=1, **{**FIXED, "demand_growth": growth + extra}).sum()
    assert hi >= lo - 1e-6 * lo
