"""Economic models: finance (NPV, IRR, payback, annuities, depreciation), owned and cloud costs, people.

Pure functions of numbers (scalars or numpy arrays) except :func:`cloud_rate`, which combines a
catalogue price row with the named assumptions. The plan orchestrator assembles cash flows from
these; see ``docs/economics.md`` for every equation, name and unit.
"""

from stackplan._numeric import HOURS_PER_YEAR
from stackplan.economics.cloud import (
    CloudRate,
    TokenCosts,
    api_cost_usd,
    cloud_compute_cost_usd,
    cloud_rate,
    egress_cost_usd_per_year,
    lowest_cloud_rate,
    onprem_storage_usd_per_tb_year,
    storage_cost_usd_per_year,
    token_costs,
)
from stackplan.economics.finance import (
    annuitised_capex_usd_per_year,
    capital_recovery_factor,
    discount_factors,
    irr,
    npv,
    payback_years,
    straight_line_depreciation_usd,
)
from stackplan.economics.owned import (
    OwnedAcceleratorCost,
    built_facility_usd_per_kw_year,
    colocation_usd_per_kw_year,
    owned_accelerator_cost,
)
from stackplan.economics.people import (
    engineers_needed,
    hiring_cost_usd,
    people_cost_usd_per_year,
    training_cost_usd_per_year,
)

__all__ = [
    "HOURS_PER_YEAR",
    "CloudRate",
    "OwnedAcceleratorCost",
    "TokenCosts",
    "annuitised_capex_usd_per_year",
    "api_cost_usd",
    "built_facility_usd_per_kw_year",
    "capital_recovery_factor",
    "cloud_compute_cost_usd",
    "cloud_rate",
    "colocation_usd_per_kw_year",
    "discount_factors",
    "egress_cost_usd_per_year",
    "engineers_needed",
    "hiring_cost_usd",
    "irr",
    "lowest_cloud_rate",
    "npv",
    "onprem_storage_usd_per_tb_year",
    "owned_accelerator_cost",
    "payback_years",
    "people_cost_usd_per_year",
    "storage_cost_usd_per_year",
    "straight_line_depreciation_usd",
    "token_costs",
    "training_cost_usd_per_year",
]
