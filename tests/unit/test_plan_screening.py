"""Screening curves and load-duration curves against hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.deployments.screening import break_even_utilisation, hours_split, screening_level
from stackplan.sizing.compute import load_duration_curve


def test_flat_load_commits_everything_when_commitment_is_cheaper() -> None:
    ldc = np.full(100, 4.0)
    assert (
        screening_level(ldc, fixed_usd_per_device_year=2.8 * 8760, usd_per_hour_low=0, usd_per_hour_high=4.0)
        == 4
    )


def test_short_peak_is_rented() -> None:
    # 10 devices for 20% of the year, 2 devices the rest: break-even utilisation 2.8/4 = 70%
    ldc = np.array([10.0] * 20 + [2.0] * 80)
    level = screening_level(
        ldc, fixed_usd_per_device_year=2.8 * 8760, usd_per_hour_low=0, usd_per_hour_high=4.0
    )
    assert level == 2
    assert break_even_utilisation(
        fixed_usd_per_device_year=2.8 * 8760, usd_per_hour_low=0, usd_per_hour_high=4.0
    ) == pytest.approx(0.7)


def test_hours_split_by_hand() -> None:
    ldc = np.array([10.0] * 20 + [2.0] * 80)
    below, above = hours_split(ldc, 2.0)
    assert below == pytest.approx(2 * 8760)
    assert above == pytest.approx(8 * 0.2 * 8760)


@given(
    peak=st.floats(0.5, 5000),
    share=st.floats(0.01, 1.0),
    shape=st.sampled_from(["step", "ramp"]),
)
def test_load_duration_curve_keeps_busy_hours_and_peak(peak: float, share: float, shape: str) -> None:
    busy = peak * 8760 * share
    ldc = load_duration_curve(peak_devices=peak, busy_hours=busy, shape=shape)  # type: ignore[arg-type]
    assert ldc.mean() * 8760 == pytest.approx(busy, rel=2e-2)
    assert ldc.max() <= peak + 1e-9
    assert np.all(np.diff(ldc) <= 1e-9)  # highest first
