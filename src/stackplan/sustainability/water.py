"""Water consumption: on-site (cooling, WUE) and off-site (electricity generation).

References: The Green Grid WP#35, *Water Usage Effectiveness* (2011): WUE = site water / IT
energy [L/kWh]; Li, Yang, Islam & Ren 2023, *Making AI Less Thirsty* (arXiv:2304.03271) for the
off-site electricity water intensity factor (US average 3.14 L/kWh).
"""

from __future__ import annotations

from stackplan._numeric import FloatOrArray

__all__ = ["water_m3"]

_L_PER_M3 = 1000.0


def water_m3(
    it_energy_kwh: FloatOrArray,
    wue_l_per_kwh: float,
    *,
    facility_energy_kwh: FloatOrArray = 0.0,
    offsite_water_l_per_kwh: float = 0.0,
) -> FloatOrArray:
    """Water consumed [m3]: ``(E_it x WUE + E_facility x EWIF) / 1000``.

    Parameters
    ----------
    it_energy_kwh
        IT energy [kWh] (WUE is defined per IT kWh).
    wue_l_per_kwh
        On-site water usage effectiveness [L/kWh] (hyperscalers 0.15-0.3; industry 1.8).
    facility_energy_kwh
        Facility energy [kWh], needed only for the off-site part.
    offsite_water_l_per_kwh
        Water consumed to generate one kWh [L/kWh]; 0 leaves off-site water out.
    """
    return (it_energy_kwh * wue_l_per_kwh + facility_energy_kwh * offsite_water_l_per_kwh) / _L_PER_M3
