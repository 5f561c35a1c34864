"""Finance: discounting, NPV, IRR, payback, capital recovery and depreciation.

Conventions (used throughout Stackplan):

* A cash-flow sequence ``cash_flows_usd[t]`` is the net amount in year ``t`` [USD]; year 0 is the
  start (undiscounted), year ``t`` is discounted by ``(1 + rate) ** -t``. Costs are negative
  when a sign matters (IRR, payback); NPV works on any sign.
* Rates are fractions per year (0.10 = 10 %/yr).

References: Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2, 5, 6; the capital
recovery factor as in PyPSA's ``annuity`` and NREL's ATB.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from stackplan._numeric import FloatArray, FloatOrArray, Num, power
from stackplan.errors import InvalidInputError

__all__ = [
    "annuitised_capex_usd_per_year",
    "capital_recovery_factor",
    "discount_factors",
    "irr",
    "npv",
    "payback_years",
    "straight_line_depreciation_usd",
]


def _check_rate(rate: float) -> None:
    if rate <= -1.0:
        raise InvalidInputError("discount_rate", "must be greater than -1 (-100 %)", rate, "use e.g. 0.08")


def discount_factors(rate: float, years: int) -> FloatArray:
    """Discount factors ``(1 + rate) ** -t`` for ``t = 0 .. years - 1`` [-].

    Parameters
    ----------
    rate
        Discount rate [1/yr], typically 0.05-0.12.
    years
        Number of years (length of the result).
    """
    _check_rate(rate)
    return np.power(1.0 + rate, -np.arange(years, dtype=np.float64))


def npv(rate: float, cash_flows_usd: Sequence[float] | FloatArray) -> float:
    """Net present value of yearly cash flows [USD].

    ``NPV = sum_t CF_t / (1 + r) ** t``, ``t = 0 .. n-1`` (year 0 undiscounted). With ``r = 0``
    it is the plain sum.

    Parameters
    ----------
    rate
        Discount rate [1/yr].
    cash_flows_usd
        Cash flow of each year [USD], year 0 first.
    """
    flows = np.asarray(cash_flows_usd, dtype=np.float64)
    return float(np.dot(flows, discount_factors(rate, flows.shape[-1])))


def irr(cash_flows_usd: Sequence[float] | FloatArray) -> float | None:
    """Internal rate of return [1/yr]: the rate at which :func:`npv` is zero.

    Solved as the roots of the polynomial ``sum_t CF_t x**t`` with ``x = 1 / (1 + r)``. Returns
    ``None`` when no real rate > -100 % exists (no sign change in the flows, or all zero). When
    several rates exist (more than one sign change), returns the one closest to zero and the
    caller should prefer NPV.
    """
    flows = np.asarray(cash_flows_usd, dtype=np.float64)
    scale = float(np.max(np.abs(flows))) if flows.size else 0.0
    if scale == 0.0:
        return None
    flows = np.where(np.abs(flows) < 1e-12 * scale, 0.0, flows / scale)  # drop rounding noise
    nonzero = flows[flows != 0.0]
    if nonzero.size < 2 or np.all(nonzero > 0) or np.all(nonzero < 0):
        return None
    last = int(np.max(np.nonzero(flows)[0]))
    with np.errstate(all="ignore"):
        roots = np.roots(flows[: last + 1][::-1])  # highest power first: CF_n x^n + ... + CF_0
    rates = [1.0 / float(x.real) - 1.0 for x in np.atleast_1d(roots) if abs(x.imag) < 1e-9 and x.real > 0.0]
    if not rates:
        return None
    return min(rates, key=abs)


def payback_years(cash_flows_usd: Sequence[float] | FloatArray, *, rate: float = 0.0) -> float | None:
    """Years until the cumulative (optionally discounted) cash flow first turns non-negative [yr].

    Fractional: within the year of crossing the flow is assumed to arrive evenly, so
    ``payback = (k - 1) + (-C_{k-1}) / CF_k`` where ``C`` is the cumulative sum and ``k`` the
    first year with ``C_k >= 0``. Returns 0 when year 0 is already non-negative and ``None``
    when the investment never pays back within the flows given.

    Parameters
    ----------
    cash_flows_usd
        Net cash flow of each year [USD], year 0 first (investment negative).
    rate
        Discount rate [1/yr]; 0 gives the simple payback, > 0 the discounted payback.
    """
    flows = np.asarray(cash_flows_usd, dtype=np.float64) * discount_factors(rate, len(cash_flows_usd))
    cumulative = np.cumsum(flows)
    if cumulative.size == 0:
        return None
    if cumulative[0] >= 0.0:
        return 0.0
    for k in range(1, cumulative.size):
        if cumulative[k] >= 0.0:
            return (k - 1) + float(-cumulative[k - 1] / flows[k])
    return None


def capital_recovery_factor(rate: Num, years: float) -> Num:
    """Capital recovery factor [1/yr]: the level yearly payment that repays 1 USD over ``years``.

    ``CRF = r (1 + r)**n / ((1 + r)**n - 1)``; ``CRF -> 1 / n`` as ``r -> 0``. Vectorised in
    ``rate``. Example: ``r = 0.10, n = 5 -> 0.263797``.

    Parameters
    ----------
    rate
        Cost of capital [1/yr], >= 0.
    years
        Economic life [yr], > 0.
    """
    if years <= 0:
        raise InvalidInputError("years", "economic life must be positive", years, "use e.g. 5")
    if isinstance(rate, np.ndarray):
        r = np.asarray(rate, dtype=np.float64)
        growth_minus_one = np.expm1(years * np.log1p(r))  # (1+r)**n - 1 without cancellation
        with np.errstate(divide="ignore", invalid="ignore"):
            crf = np.where(np.abs(r) < 1e-12, 1.0 / years, r * (growth_minus_one + 1.0) / growth_minus_one)
        return np.asarray(crf, dtype=np.float64)
    if abs(rate) < 1e-12:
        return 1.0 / years
    growth_minus_one = math.expm1(years * math.log1p(rate))  # (1+r)**n - 1 without cancellation
    return rate * (growth_minus_one + 1.0) / growth_minus_one


def annuitised_capex_usd_per_year(
    capex_usd: FloatOrArray, rate: float, years: float, *, residual_value_usd: FloatOrArray = 0.0
) -> FloatOrArray:
    """Level yearly cost of an investment incl. the return on capital [USD/yr].

    ``A = (capex - residual / (1 + r)**n) * CRF(r, n)``: the equivalent annual cost of buying at
    ``t = 0`` and selling at ``residual`` after ``n`` years (Epoch AI amortisation with a cost of
    capital).

    Parameters
    ----------
    capex_usd
        Purchase price [USD].
    rate
        Cost of capital [1/yr].
    years
        Economic life [yr].
    residual_value_usd
        Resale value at the end of life [USD].
    """
    _check_rate(rate)
    pv_residual = residual_value_usd * power(1.0 + rate, -years)
    return (capex_usd - pv_residual) * capital_recovery_factor(rate, years)


def straight_line_depreciation_usd(
    capex_usd: float, life_years: int, horizon_years: int, *, residual_fraction: float = 0.0
) -> FloatArray:
    """Straight-line depreciation of each year of the horizon [USD/yr].

    ``D_t = capex (1 - residual_fraction) / life`` for ``t < life``, then 0; the accounting view
    (no cost of capital), used for book value and reporting, not for NPV.
    """
    if life_years <= 0:
        raise InvalidInputError("server_depreciation_years", "must be positive", life_years, "use e.g. 5")
    if not 0.0 <= residual_fraction < 1.0:
        raise InvalidInputError("residual_value_fraction", "must be in [0, 1)", residual_fraction)
    yearly = capex_usd * (1.0 - residual_fraction) / life_years
    return np.where(np.arange(horizon_years) < life_years, yearly, 0.0).astype(np.float64)
