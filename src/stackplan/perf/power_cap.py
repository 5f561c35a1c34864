"""Accelerators run under a board power limit below their TDP (``--power-cap-w``).

A power limit lowers the clock the chip sustains, and with it every compute rate (matrix units and
the attention kernels); memory and link bandwidths keep their clocks. Dynamic power falls faster
than the clock (``P ~ f V^2``, and the voltage follows the clock), but part of a board's power
(HBM, links, static leakage) does not scale with the core clock, so over the range vendors allow
the board power goes as a power law of the sustained clock:

    P / P_TDP = (f / f_TDP) ** POWER_CAP_CLOCK_EXPONENT,  so  f / f_TDP = (cap / TDP) ** (1 / a)

The exponent is fitted on one pair of published results of one system and held out on others
(docs/inference-model.md, "Power limits"). The efficiencies of the catalogue are measured at the
chip's TDP, so the sustained-clock ratio multiplies them; a limit at or above the TDP changes
nothing.
"""

from __future__ import annotations

import math
from dataclasses import replace

from stackplan.catalog.accelerators import Accelerator
from stackplan.errors import InvalidInputError

__all__ = [
    "MIN_POWER_CAP_FRACTION",
    "POWER_CAP_CLOCK_EXPONENT",
    "sustained_clock_ratio",
    "with_power_cap",
]

#: Exponent ``a`` of ``P / P_TDP = (f / f_TDP) ** a`` under a board power limit [-]. Fitted on NVIDIA's
#: MLPerf Inference v4.1 closed results of one 8x H200 SXM system with the same software, Llama 2 70B
#: FP8 Offline: 31,302.7 tokens/s at the 700 W TDP (MaxP) and 25,262.1 at a 500 W limit (MaxQ,
#: ``power_limit = 500`` in closed/NVIDIA/configs/llama2-70b/Offline): the engine matches the ratio
#: 0.807 with the compute rates at 0.781 of their TDP value, i.e. a = ln(500/700) / ln(0.781) = 1.36.
#: Held out: the same system's Mixtral 8x7B at 500 W (measured 0.830 of MaxP) and one MI355X
#: system capped from 1,400 to 1,000 W (MLPerf v6.0 closed, Dell / MangoBoost, Llama 2 70B FP4:
#: measured 0.839).
POWER_CAP_CLOCK_EXPONENT = 1.36

#: Lowest limit accepted, as a fraction of the TDP [-]: vendors' minimum board power limits sit near
#: it (H100 SXM 200 of 700 W), and the law above is tested from 0.5 to 1.
MIN_POWER_CAP_FRACTION = 0.25


def sustained_clock_ratio(power_limit_w: float, tdp_w: float) -> float:
    """Sustained clock under a board power limit over the clock at the TDP [-].

    ``(min(limit, TDP) / TDP) ** (1 / POWER_CAP_CLOCK_EXPONENT)``: 1 at or above the TDP.
    """
    return float(min(power_limit_w / tdp_w, 1.0) ** (1.0 / POWER_CAP_CLOCK_EXPONENT))


def with_power_cap(acc: Accelerator, power_cap_w: float | None) -> Accelerator:
    """``acc`` run under a board power limit of ``power_cap_w`` [W]; ``None`` or the TDP and above: ``acc``.

    Its dense peaks (every precision) scale by :func:`sustained_clock_ratio`, and ``tdp_w`` becomes
    the limit (what a busy board then draws at most). Memory and link bandwidths do not change.

    Raises
    ------
    InvalidInputError
        A limit that is not a number, or under :data:`MIN_POWER_CAP_FRACTION` of the TDP.
    """
    if power_cap_w is None:
        return acc
    low = MIN_POWER_CAP_FRACTION * acc.tdp_w
    if not (math.isfinite(power_cap_w) and power_cap_w >= low):
        raise InvalidInputError(
            "--power-cap-w",
            f"must be at least {low:,.0f} W ({MIN_POWER_CAP_FRACTION:.0%} of the {acc.tdp_w:,.0f} W TDP of {acc.id})",
            power_cap_w,
            f"give the board power limit in watts, between {low:,.0f} and {acc.tdp_w:,.0f}",
        )
    if power_cap_w >= acc.tdp_w:
        return acc
    k = sustained_clock_ratio(power_cap_w, acc.tdp_w)
    return replace(
        acc,
        peak_tflops_bf16=acc.peak_tflops_bf16 * k,
        peak_tflops_fp8=None if acc.peak_tflops_fp8 is None else acc.peak_tflops_fp8 * k,
        peak_tflops_fp4=None if acc.peak_tflops_fp4 is None else acc.peak_tflops_fp4 * k,
        tdp_w=float(power_cap_w),
    )
