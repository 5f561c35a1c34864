"""Sustainability models: energy, carbon (location, market, embodied) and water. Pure functions."""

from stackplan.sustainability.carbon import (
    embodied_tco2e,
    embodied_tco2e_per_year,
    location_based_tco2e,
    market_based_tco2e,
)
from stackplan.sustainability.energy import (
    accelerator_power_kw,
    facility_energy_kwh,
    it_power_kw_per_accelerator,
)
from stackplan.sustainability.water import water_m3

__all__ = [
    "accelerator_power_kw",
    "embodied_tco2e",
    "embodied_tco2e_per_year",
    "facility_energy_kwh",
    "it_power_kw_per_accelerator",
    "location_based_tco2e",
    "market_based_tco2e",
    "water_m3",
]
