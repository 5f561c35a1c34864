"""People costs: loaded salaries, hiring, training, and staffing from accelerators per engineer.

References: BLS Employer Costs for Employee Compensation (wages ~70 % of total compensation);
staffing ratios are named estimates in ``catalog/data/assumptions.csv``.
"""

from __future__ import annotations

import math

from stackplan._numeric import FloatOrArray

__all__ = ["engineers_needed", "hiring_cost_usd", "people_cost_usd_per_year", "training_cost_usd_per_year"]


def people_cost_usd_per_year(
    fte: FloatOrArray, salary_usd_per_year: float, salary_overhead_multiplier: float = 1.4
) -> FloatOrArray:
    """Loaded staff cost [USD/yr] = FTE x base salary x overhead multiplier."""
    return fte * salary_usd_per_year * salary_overhead_multiplier


def hiring_cost_usd(
    new_fte: FloatOrArray, salary_usd_per_year: float, hiring_cost_fraction: float = 0.2
) -> FloatOrArray:
    """One-off cost of hiring [USD] = new FTE x salary x hiring fraction."""
    return new_fte * salary_usd_per_year * hiring_cost_fraction


def training_cost_usd_per_year(fte: FloatOrArray, usd_per_fte_year: float) -> FloatOrArray:
    """Training and certification [USD/yr] = FTE x budget per FTE."""
    return fte * usd_per_fte_year


def engineers_needed(
    accelerators: float, accelerators_per_engineer: float, minimum_fte: float = 0.0
) -> float:
    """Whole engineers to run ``accelerators`` [FTE] = max(minimum, ceil(n / ratio)); 0 when n = 0."""
    if accelerators <= 0:
        return 0.0
    return float(max(minimum_fte, math.ceil(accelerators / accelerators_per_engineer - 1e-9)))
