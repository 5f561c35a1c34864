"""Finance functions against hand-worked values and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.economics import (
    annuitised_capex_usd_per_year,
    capital_recovery_factor,
    discount_factors,
    irr,
    npv,
    payback_years,
    straight_line_depreciation_usd,
)
from stackplan.errors import InvalidInputError

flows = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=12)


def test_npv_of_a_known_stream() -> None:
    # -1000 now, +500 in years 1 and 2, +200 in year 3 at 10 %:
    # -1000 + 454.5454 + 413.2231 + 150.2630 = 18.0316
    assert npv(0.10, [-1000, 500, 500, 200]) == pytest.approx(18.0316, abs=1e-3)


def test_irr_of_a_known_stream() -> None:
    # -100, +60, +60: 60x + 60x^2 = 100 with x = 1/(1+r) -> x = 0.884429 -> r = 13.0662 %
    assert irr([-100, 60, 60]) == pytest.approx(0.130662, abs=1e-6)
    # -1000 then +1100 after one year: exactly 10 %
    assert irr([-1000, 1100]) == pytest.approx(0.10, abs=1e-12)


@pytest.mark.parametrize("stream", [[100, 50, 20], [-100, -5], [0, 0, 0], [-5]])
def test_irr_is_none_without_a_sign_change(stream: list[float]) -> None:
    assert irr(stream) is None


def test_capital_recovery_factor_by_hand() -> None:
    # 0.1 * 1.1^5 / (1.1^5 - 1) = 0.161051 / 0.610510 = 0.263797
    assert capital_recovery_factor(0.10, 5) == pytest.approx(0.263797, abs=1e-6)
    assert capital_recovery_factor(0.0, 4) == pytest.approx(0.25)
    arr = capital_recovery_factor(np.array([0.0, 0.10]), 5)
    assert arr == pytest.approx([0.2, 0.263797], abs=1e-6)


def test_annuity_with_residual_value_by_hand() -> None:
    # (40,000 - 4,000 / 1.1^5) x 0.263797 = (40,000 - 2,483.69) x 0.263797 = 9,896.74
    assert annuitised_capex_usd_per_year(40_000.0, 0.10, 5, residual_value_usd=4_000.0) == pytest.approx(
        9896.74, abs=0.05
    )


def test_payback_is_fractional() -> None:
    # cumulative -100, -40, +20: pays back 40/60 into year 2 -> 1.667 years
    assert payback_years([-100, 60, 60]) == pytest.approx(1 + 40 / 60)
    assert payback_years([10, 5]) == 0.0
    assert payback_years([-100, 10, 10]) is None


def test_discounted_payback_is_later_than_simple() -> None:
    simple = payback_years([-100, 60, 60, 60])
    discounted = payback_years([-100, 60, 60, 60], rate=0.10)
    assert simple is not None
    assert discounted is not None
    assert discounted > simple


def test_straight_line_depreciation() -> None:
    d = straight_line_depreciation_usd(50_000.0, 5, 7, residual_fraction=0.1)
    assert d.tolist() == pytest.approx([9000.0] * 5 + [0.0, 0.0])


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInputError, match="discount_rate"):
        npv(-1.5, [1.0])
    with pytest.raises(InvalidInputError, match="years"):
        capital_recovery_factor(0.1, 0)


@given(flows)
def test_zero_discount_rate_makes_npv_the_sum(stream: list[float]) -> None:
    assert npv(0.0, stream) == pytest.approx(sum(stream), rel=1e-9, abs=1e-6)


@given(flows)
def test_npv_at_irr_is_zero(stream: list[float]) -> None:
    rate = irr(stream)
    if rate is not None and rate > -0.9:
        scale = max(abs(v) for v in stream)
        assert abs(npv(rate, stream)) <= 1e-6 * scale * len(stream) + 1e-6


@given(st.floats(0.0, 0.3), st.integers(1, 30))
def test_annuity_repays_the_capital(rate: float, years: int) -> None:
    """The present value of the level payments equals the capital."""
    payment = capital_recovery_factor(rate, years)
    pv = float(np.sum(payment * discount_factors(rate, years + 1)[1:]))
    assert pv == pytest.approx(1.0, rel=1e-9)
