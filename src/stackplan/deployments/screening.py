"""Screening of a load-duration curve: how much capacity to hold at a fixed cost, how much to rent.

One pure function serves two decisions:

* cloud commitments: hold ``c`` committed devices at ``F = p_commit x 8760`` per device-year and
  buy the rest on demand at ``p_on_demand`` per hour;
* the hybrid heuristic: own ``c`` devices at their annualised fixed cost ``F`` (plus energy per
  busy hour) and rent the peaks on demand.

Equation (the screening-curve method, Stoft, *Power System Economics*, 2002, ch. 3)::

    cost(c) = c F + h sum_k [ v_low min(L_k, c) + v_high max(L_k - c, 0) ]

with ``L_k`` the load-duration curve at ``K`` duration points and ``h = 8760 / K`` hours per point.
The optimum holds capacity up to the load that is present for at least ``F / (8760 (v_high - v_low))``
of the year (the break-even utilisation); no fixed multiplier is involved.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from stackplan._numeric import HOURS_PER_YEAR

__all__ = ["break_even_utilisation", "hours_split", "screening_level"]


def hours_split(ldc: npt.NDArray[np.float64], level: float) -> tuple[float, float]:
    """Device-hours of ``ldc`` below and above ``level`` over a year [h]."""
    h = HOURS_PER_YEAR / len(ldc) if len(ldc) else 0.0
    below = float(np.minimum(ldc, level).sum() * h)
    above = float(np.maximum(ldc - level, 0.0).sum() * h)
    return below, above


def screening_level(
    ldc: npt.NDArray[np.float64],
    *,
    fixed_usd_per_device_year: float,
    usd_per_hour_low: float,
    usd_per_hour_high: float,
) -> float:
    """The capacity ``c`` [devices] that minimises ``cost(c)`` for the curve ``ldc`` (see module doc).

    Candidates are 0 and every point of the curve; ties go to the smaller capacity.
    """
    if len(ldc) == 0 or float(ldc.max()) <= 0.0:
        return 0.0
    h = HOURS_PER_YEAR / len(ldc)
    cands = np.concatenate(([0.0], np.unique(ldc)))
    low = np.minimum(ldc[None, :], cands[:, None]).sum(axis=1) * h
    high = np.maximum(ldc[None, :] - cands[:, None], 0.0).sum(axis=1) * h
    cost = cands * fixed_usd_per_device_year + low * usd_per_hour_low + high * usd_per_hour_high
    return float(cands[int(np.argmin(cost))])


def break_even_utilisation(
    *, fixed_usd_per_device_year: float, usd_per_hour_low: float, usd_per_hour_high: float
) -> float:
    """Share of the year a device must be busy for holding it to beat renting [-].

    ``u* = F / (8760 (v_high - v_low))``; ``inf`` when renting is never dearer per hour.
    """
    gap = usd_per_hour_high - usd_per_hour_low
    return float("inf") if gap <= 0 else fixed_usd_per_device_year / (HOURS_PER_YEAR * gap)
