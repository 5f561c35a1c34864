"""Emissions: location-based, market-based (GHG Protocol Scope 2) and embodied (amortised).

References: GHG Protocol Scope 2 Guidance (2015); Luccioni et al. 2022, *Estimating the carbon
footprint of BLOOM* (arXiv:2211.02001) for the embodied amortisation; Meta Llama model cards for
the location/market split.
"""

from __future__ import annotations

from stackplan._numeric import HOURS_PER_YEAR, Num

__all__ = [
    "embodied_tco2e",
    "embodied_tco2e_per_year",
    "location_based_tco2e",
    "market_based_tco2e",
]

_G_PER_T = 1e6
_KG_PER_T = 1e3


def location_based_tco2e(energy_kwh: Num, grid_gco2_per_kwh: float) -> Num:
    """Location-based emissions [tCO2e]: ``energy x average grid factor / 1e6``.

    Parameters
    ----------
    energy_kwh
        Energy drawn from the grid [kWh] (facility energy, i.e. after PUE).
    grid_gco2_per_kwh
        Average grid emission factor [gCO2e/kWh] (France ~55, US ~370, India ~710).
    """
    return energy_kwh * grid_gco2_per_kwh / _G_PER_T


def market_based_tco2e(
    energy_kwh: Num,
    residual_mix_gco2_per_kwh: float,
    *,
    renewable_fraction: float = 0.0,
    contracted_gco2_per_kwh: float = 0.0,
) -> Num:
    """Market-based emissions [tCO2e].

    ``E x [(1 - f_contract) x residual mix + f_contract x contracted factor] / 1e6``: energy
    covered by PPAs or certificates counts at the contract's factor (0 for renewables), the rest
    at the residual mix. With ``f_contract = 1`` the result is 0, as in Meta's Llama 3.1 card.
    """
    covered = renewable_fraction * contracted_gco2_per_kwh
    rest = (1.0 - renewable_fraction) * residual_mix_gco2_per_kwh
    return energy_kwh * (covered + rest) / _G_PER_T


def embodied_tco2e(
    accelerator_hours: Num,
    embodied_kgco2e_per_accelerator: float,
    *,
    life_years: float = 6.0,
    lifetime_utilisation: float = 0.85,
) -> Num:
    """Embodied (manufacturing) emissions attributed to a job [tCO2e].

    ``kg x accelerator-hours / (life x 8760 x lifetime utilisation) / 1000``: the job's share of
    the hardware's useful hours (BLOOM method: 6-year life, 85 % utilisation).

    Parameters
    ----------
    embodied_kgco2e_per_accelerator
        Manufacturing emissions per accelerator incl. its share of the server [kgCO2e].
    """
    useful_hours = life_years * HOURS_PER_YEAR * lifetime_utilisation
    return embodied_kgco2e_per_accelerator * accelerator_hours / useful_hours / _KG_PER_T


def embodied_tco2e_per_year(
    accelerators: Num, embodied_kgco2e_per_accelerator: float, life_years: float
) -> Num:
    """Embodied emissions of an owned fleet spread evenly over its life [tCO2e/yr].

    ``n x kg / life / 1000`` (straight-line, the fleet view used in yearly plans).
    """
    return accelerators * embodied_kgco2e_per_accelerator / life_years / _KG_PER_T
