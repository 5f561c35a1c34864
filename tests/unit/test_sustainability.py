"""Energy, carbon and water functions against hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.sustainability import (
    accelerator_power_kw,
    embodied_tco2e,
    embodied_tco2e_per_year,
    facility_energy_kwh,
    it_power_kw_per_accelerator,
    location_based_tco2e,
    market_based_tco2e,
    water_m3,
)


def test_power_model_by_hand() -> None:
    # 700 W x (0.15 + 0.85 x 0.6) = 462 W
    assert accelerator_power_kw(700.0, 0.6, idle_power_fraction=0.15) == pytest.approx(0.462)
    # 0.462 x 1.6 + 0.06 = 0.7992 kW
    assert it_power_kw_per_accelerator(
        700.0, 0.6, idle_power_fraction=0.15, server_overhead_power_fraction=0.6, network_power_w=60.0
    ) == pytest.approx(0.7992)
    assert facility_energy_kwh(0.8, 1000.0, 1.25) == pytest.approx(1000.0)
    u = np.array([0.0, 1.0])
    assert accelerator_power_kw(400.0, u, idle_power_fraction=0.1) == pytest.approx([0.04, 0.4])


def test_emissions_by_hand() -> None:
    assert location_based_tco2e(1_000_000.0, 400.0) == pytest.approx(400.0)
    assert market_based_tco2e(1_000_000.0, 500.0, renewable_fraction=1.0) == 0.0
    assert market_based_tco2e(1_000_000.0, 500.0, renewable_fraction=0.4) == pytest.approx(300.0)
    # 1,000 kg over 6 y x 8,760 h x 0.85 = 44,676 h; 44,676 h of use carries it all: 1 t
    assert embodied_tco2e(44_676.0, 1000.0, life_years=6, lifetime_utilisation=0.85) == pytest.approx(1.0)
    assert embodied_tco2e_per_year(8.0, 462.5, 5.0) == pytest.approx(0.74)


def test_water_by_hand() -> None:
    # 1,000 kWh IT x 1.8 L + 1,300 kWh facility x 3.14 L = 1,800 + 4,082 L = 5.882 m3
    assert water_m3(1000.0, 1.8, facility_energy_kwh=1300.0, offsite_water_l_per_kwh=3.14) == pytest.approx(
        5.882
    )
    assert water_m3(1000.0, 0.0) == 0.0


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_more_utilisation_never_draws_less_power(u: float, v: float) -> None:
    lo, hi = sorted((u, v))
    assert accelerator_power_kw(700.0, hi) >= accelerator_power_kw(700.0, lo)


@given(st.floats(0.0, 1e9), st.floats(0.0, 1000.0), st.floats(0.0, 1.0))
def test_market_based_never_exceeds_residual_only(energy: float, residual: float, share: float) -> None:
    assert (
        market_based_tco2e(energy, residual, renewable_fraction=share)
        <= market_based_tco2e(energy, residual) + 1e-9
    )
