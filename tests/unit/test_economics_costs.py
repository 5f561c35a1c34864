"""Owned, cloud, storage, API and people costs: hand-worked values and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.catalog.assumptions import resolve_assumptions
from stackplan.catalog.cloud import get_cloud_price, list_cloud_prices
from stackplan.economics import (
    api_cost_usd,
    built_facility_usd_per_kw_year,
    cloud_compute_cost_usd,
    cloud_rate,
    colocation_usd_per_kw_year,
    egress_cost_usd_per_year,
    engineers_needed,
    hiring_cost_usd,
    lowest_cloud_rate,
    onprem_storage_usd_per_tb_year,
    owned_accelerator_cost,
    people_cost_usd_per_year,
    storage_cost_usd_per_year,
    token_costs,
)
from stackplan.errors import InvalidInputError, UnknownIdError
from stackplan.sustainability import it_power_kw_per_accelerator


def _owned(utilisation: float = 1.0, electricity: float = 0.10):  # type: ignore[no-untyped-def]
    return owned_accelerator_cost(
        server_capex_usd_per_accelerator=30_000.0,
        network_capex_usd_per_accelerator=5_000.0,
        contracted_kw_per_accelerator=1.0,
        facility_usd_per_kw_year=2_000.0,
        it_power_kw_per_accelerator=it_power_kw_per_accelerator(
            1000.0, utilisation, idle_power_fraction=0.0, server_overhead_power_fraction=0.0
        ),
        electricity_usd_per_kwh=electricity,
        pue=1.5,
        utilisation=utilisation,
        cost_of_capital=0.0,
        life_years=5,
        maintenance_fraction_per_year=0.04,
        licence_usd_per_accelerator_year=1_000.0,
    )


def test_owned_cost_by_hand() -> None:
    c = _owned()
    # server 30,000/5 = 6,000; network 5,000/5 = 1,000; facility 1 kW x 2,000 = 2,000;
    # power 1 kW x 8,760 h x 1.5 x 0.10 = 1,314; maintenance 0.04 x 35,000 = 1,400; licence 1,000
    assert c.lines() == pytest.approx(
        {
            "server": 6000,
            "network": 1000,
            "facility": 2000,
            "power": 1314,
            "maintenance": 1400,
            "licences": 1000,
        }
    )
    assert c.total_usd_per_year == pytest.approx(12_714)
    assert c.usd_per_delivered_hour == pytest.approx(12_714 / 8760)


def test_owned_cost_is_vectorised() -> None:
    u = np.array([0.25, 0.5, 1.0])
    c = _owned(u)  # type: ignore[arg-type]
    assert np.shape(c.usd_per_delivered_hour) == (3,)
    assert float(c.usd_per_delivered_hour[2]) == pytest.approx(float(_owned(1.0).usd_per_delivered_hour))


def test_owned_cost_rejects_zero_utilisation() -> None:
    with pytest.raises(InvalidInputError, match="utilisation"):
        _owned(0.0)


def test_facility_costs_by_hand() -> None:
    assert colocation_usd_per_kw_year(184.06) == pytest.approx(2208.72)
    # 11,700 USD/kW x (CRF(10 %, 20) 0.117460 + 0.03) = 1,725.28
    assert built_facility_usd_per_kw_year(11.7e6, 0.10, 20, 0.03) == pytest.approx(1725.28, abs=0.05)


def test_deepseek_daily_serving_cost() -> None:
    assert cloud_compute_cost_usd(226.75 * 8 * 24, 2.0) == pytest.approx(87_072.0)


def test_storage_egress_api_and_people_by_hand() -> None:
    assert storage_cost_usd_per_year(100.0, 23.0) == pytest.approx(27_600.0)
    assert egress_cost_usd_per_year(1_100.0, 0.09, free_gb_per_month=100.0) == pytest.approx(1_080.0)
    assert egress_cost_usd_per_year(50.0, 0.09, free_gb_per_month=100.0) == 0.0
    assert api_cost_usd(1e6, 1e6, 0.55, 2.19) == pytest.approx(2.74)
    assert people_cost_usd_per_year(2.0, 150_000.0, 1.4) == pytest.approx(420_000.0)
    assert hiring_cost_usd(1.0, 150_000.0, 0.2) == pytest.approx(30_000.0)
    assert engineers_needed(0, 250, 2) == 0.0
    assert engineers_needed(10, 250, 2) == 2.0
    assert engineers_needed(1000, 250, 2) == 4.0
    assert engineers_needed(1001, 250, 2) == 5.0
    # 250 x (0.263797 + 0.05) + 6 W x 8.76 x 1.3 x 0.1 = 78.45 + 6.83 = 85.28
    assert onprem_storage_usd_per_tb_year(
        capex_usd_per_tb=250.0,
        cost_of_capital=0.10,
        life_years=5,
        maintenance_fraction_per_year=0.05,
        power_w_per_tb=6.0,
        pue=1.3,
        electricity_usd_per_kwh=0.1,
    ) == pytest.approx(85.28, abs=0.01)


def test_cloud_rate_listed_derived_and_discounted() -> None:
    lambda_h100 = get_cloud_price("lambda", "us-west", "h100-sxm")
    a = resolve_assumptions()
    listed = cloud_rate(lambda_h100, "on_demand", a)
    assert listed.usd_per_accelerator_hour == pytest.approx(2.99)
    spot = cloud_rate(lambda_h100, "spot", a)  # not published: on-demand x (1 - 0.60)
    assert spot.usd_per_accelerator_hour == pytest.approx(2.99 * 0.4)
    assert "cloud_spot_discount" in spot.basis
    discounted = cloud_rate(lambda_h100, "on_demand", resolve_assumptions({"cloud_discount": 0.1}))
    assert discounted.usd_per_accelerator_hour == pytest.approx(2.99 * 0.9)
    with pytest.raises(InvalidInputError, match="pricing"):
        cloud_rate(lambda_h100, "reserved", a)


def test_gcp_tpu_commitment_prices_are_cheaper() -> None:
    p = get_cloud_price("gcp", "us-central1", "tpu-v6e")
    assert (
        p.on_demand_usd_per_accelerator_hour
        > (p.commit_1y_usd_per_accelerator_hour or 0)
        > (p.commit_3y_usd_per_accelerator_hour or 0)
    )


positive = st.floats(0.01, 1.0)


@given(positive, st.floats(0.01, 0.5), st.floats(0.0, 0.5))
def test_higher_electricity_price_never_lowers_owned_cost(u: float, price: float, extra: float) -> None:
    assert _owned(u, price + extra).total_usd_per_year >= _owned(u, price).total_usd_per_year


@given(st.floats(1.0, 1e6), st.floats(0.5, 20.0), st.floats(0.01, 0.5), st.floats(0.0, 0.5))
def test_electricity_price_does_not_enter_cloud_fees(
    hours: float, rate: float, price: float, extra: float
) -> None:
    """Cloud fees are hours x rate: no electricity argument exists, so its change cannot move them."""
    before = cloud_compute_cost_usd(hours, rate)
    _ = _owned(1.0, price + extra)
    assert cloud_compute_cost_usd(hours, rate) == before


@given(st.floats(0.05, 1.0), st.floats(0.0, 0.95))
def test_higher_utilisation_never_raises_cost_per_delivered_hour(u: float, step: float) -> None:
    higher = min(1.0, u + step * (1.0 - u))
    assert float(_owned(higher).usd_per_delivered_hour) <= float(_owned(u).usd_per_delivered_hour) + 1e-12


@given(st.floats(0.05, 1.0), st.floats(0.0, 0.5), st.floats(0.0, 0.2))
def test_owned_lines_sum_to_total(u: float, electricity: float, rate: float) -> None:
    c = owned_accelerator_cost(
        server_capex_usd_per_accelerator=35_000.0,
        network_capex_usd_per_accelerator=5_000.0,
        contracted_kw_per_accelerator=1.3,
        facility_usd_per_kw_year=2_200.0,
        it_power_kw_per_accelerator=1.1,
        electricity_usd_per_kwh=electricity,
        pue=1.3,
        utilisation=u,
        cost_of_capital=rate,
        life_years=5,
    )
    assert sum(float(v) for v in c.lines().values()) == pytest.approx(float(c.total_usd_per_year))


def test_token_costs_by_hand() -> None:
    # 36 USD for 1M input and 1M output tokens, a quarter of the device time on the prompts
    tc = token_costs(36.0, 1e6, 1e6, 0.25)
    assert tc.usd_per_million_input == pytest.approx(9.0)
    assert tc.usd_per_million_output == pytest.approx(27.0)
    assert tc.usd_per_million_blended == pytest.approx(18.0)
    assert tc.usd_per_million_output_all_in == pytest.approx(36.0)
    assert token_costs(1.0, 0.0, 1e6, 0.0).usd_per_million_input is None
    with pytest.raises(InvalidInputError):
        token_costs(1.0, 1.0, 1.0, 1.5)


@given(
    st.floats(0.0, 1e7),
    st.floats(1.0, 1e12),
    st.floats(1.0, 1e12),
    st.floats(0.0, 1.0),
    st.floats(1e-3, 1e3),
)
def test_token_costs_conserve_the_cost_whatever_the_period(
    cost: float, t_in: float, t_out: float, share: float, period: float
) -> None:
    tc = token_costs(cost, t_in, t_out, share)
    assert tc.usd_per_million_input is not None
    assert tc.usd_per_million_output is not None
    assert (tc.usd_per_million_input * t_in + tc.usd_per_million_output * t_out) / 1e6 == pytest.approx(
        cost, rel=1e-9, abs=1e-9
    )
    # scaling the period (cost and tokens alike) leaves the prices unchanged
    scaled = token_costs(cost * period, t_in * period, t_out * period, share)
    assert scaled.usd_per_million_blended == pytest.approx(tc.usd_per_million_blended, rel=1e-9, abs=1e-12)


def test_lowest_cloud_rate_is_the_cheapest_listing() -> None:
    listed = [
        p.on_demand_usd_per_accelerator_hour for p in list_cloud_prices() if p.accelerator == "h100-sxm"
    ]
    rate = lowest_cloud_rate("h100-sxm")
    assert rate is not None
    assert rate.usd_per_accelerator_hour == min(listed)
    aws = lowest_cloud_rate("h100-sxm", provider="aws")
    assert aws is not None
    assert aws.provider == "aws"
    assert aws.usd_per_accelerator_hour >= rate.usd_per_accelerator_hour
    # a 3-year commitment is never dearer than on-demand at the same provider
    aws_3y = lowest_cloud_rate("h100-sxm", "commit_3y", provider="aws")
    assert aws_3y is not None
    assert aws_3y.usd_per_accelerator_hour < aws.usd_per_accelerator_hour
    assert lowest_cloud_rate("h100-sxm", provider="aws", region="nowhere-1") is None
    with pytest.raises(UnknownIdError):
        lowest_cloud_rate("h100-sxm", provider="no-such-cloud")
