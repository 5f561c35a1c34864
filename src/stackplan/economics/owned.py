"""Cost of owned accelerators per year and per delivered accelerator-hour (Epoch AI style).

Yearly cost of one owned accelerator, every line in [USD/(accelerator yr)]:

* server   = annuitised server capex: ``(C_s - R / (1+r)**n) x CRF(r, n)``
* network  = annuitised fabric capex: ``C_n x CRF(r, n)``
* facility = ``kW_contracted x facility_usd_per_kw_year`` (colocation rent, or the annuity and
  upkeep of an owned data centre, see :func:`colocation_usd_per_kw_year` and
  :func:`built_facility_usd_per_kw_year`)
* power    = ``P_it(u) x 8760 x PUE x price``
* maintenance = ``m x (C_s + C_n)``
* licences = per-accelerator subscription

Cost per delivered hour = total / (8760 x u). Reference: Cottier et al. 2024, *The rising costs
of training frontier AI models* (arXiv:2405.21015), amortised hardware + energy; CBRE and
Cushman & Wakefield for facility costs.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackplan._numeric import HOURS_PER_YEAR, FloatOrArray
from stackplan.economics.finance import annuitised_capex_usd_per_year, capital_recovery_factor
from stackplan.errors import InvalidInputError

__all__ = [
    "OwnedAcceleratorCost",
    "built_facility_usd_per_kw_year",
    "colocation_usd_per_kw_year",
    "owned_accelerator_cost",
]

_MONTHS_PER_YEAR = 12.0
_KW_PER_MW = 1000.0


def colocation_usd_per_kw_year(colocation_usd_per_kw_month: float) -> float:
    """Colocation rent per kW of contracted IT capacity per year [USD/(kW yr)] = monthly x 12."""
    return colocation_usd_per_kw_month * _MONTHS_PER_YEAR


def built_facility_usd_per_kw_year(
    dc_build_usd_per_mw: float, cost_of_capital: float, dc_life_years: float, dc_opex_fraction_per_year: float
) -> float:
    """Yearly cost of owning data-centre capacity per kW of IT [USD/(kW yr)].

    ``build / 1000 x (CRF(r, n_dc) + f_opex)``. With $11.7M/MW (Cushman & Wakefield 2025), 10 %,
    20 years and 3 % upkeep: ~$1,725/(kW yr), i.e. ~$144/(kW month) against ~$184 for colocation.
    """
    per_kw = dc_build_usd_per_mw / _KW_PER_MW
    return per_kw * (capital_recovery_factor(cost_of_capital, dc_life_years) + dc_opex_fraction_per_year)


@dataclass(frozen=True, kw_only=True)
class OwnedAcceleratorCost:
    """Yearly cost lines of one owned accelerator [USD/(accelerator yr)] at a utilisation.

    Fields are floats or numpy arrays (when any input was an array). ``utilisation`` is kept so
    the result explains itself.
    """

    server_usd_per_year: FloatOrArray
    network_usd_per_year: FloatOrArray
    facility_usd_per_year: FloatOrArray
    power_usd_per_year: FloatOrArray
    maintenance_usd_per_year: FloatOrArray
    licences_usd_per_year: FloatOrArray
    utilisation: FloatOrArray

    def lines(self) -> dict[str, FloatOrArray]:
        """The cost lines by name [USD/(accelerator yr)]; they sum to :attr:`total_usd_per_year`."""
        return {
            "server": self.server_usd_per_year,
            "network": self.network_usd_per_year,
            "facility": self.facility_usd_per_year,
            "power": self.power_usd_per_year,
            "maintenance": self.maintenance_usd_per_year,
            "licences": self.licences_usd_per_year,
        }

    @property
    def total_usd_per_year(self) -> FloatOrArray:
        """Sum of the lines [USD/(accelerator yr)]."""
        return (
            self.server_usd_per_year
            + self.network_usd_per_year
            + self.facility_usd_per_year
            + self.power_usd_per_year
            + self.maintenance_usd_per_year
            + self.licences_usd_per_year
        )

    @property
    def delivered_hours_per_year(self) -> FloatOrArray:
        """Accelerator-hours of useful work per year [h/yr] = 8760 x utilisation."""
        return HOURS_PER_YEAR * self.utilisation

    @property
    def usd_per_delivered_hour(self) -> FloatOrArray:
        """Cost per delivered accelerator-hour [USD/h] = total / (8760 x utilisation)."""
        return self.total_usd_per_year / self.delivered_hours_per_year


def owned_accelerator_cost(
    *,
    server_capex_usd_per_accelerator: FloatOrArray,
    network_capex_usd_per_accelerator: float,
    contracted_kw_per_accelerator: float,
    facility_usd_per_kw_year: float,
    it_power_kw_per_accelerator: FloatOrArray,
    electricity_usd_per_kwh: FloatOrArray,
    pue: float,
    utilisation: FloatOrArray,
    cost_of_capital: float,
    life_years: float,
    residual_value_fraction: float = 0.0,
    maintenance_fraction_per_year: float = 0.05,
    licence_usd_per_accelerator_year: float = 0.0,
) -> OwnedAcceleratorCost:
    """Yearly cost of one owned accelerator, by line (see the module docstring for the equations).

    Parameters
    ----------
    server_capex_usd_per_accelerator
        Server price per accelerator [USD] (accelerator price x server overhead; H100 ~$35k).
    network_capex_usd_per_accelerator
        Scale-out fabric per accelerator [USD] (InfiniBand NDR ~$5k).
    contracted_kw_per_accelerator
        IT capacity reserved per accelerator [kW] (nameplate server power / accelerators + fabric).
    facility_usd_per_kw_year
        Facility cost per kW of IT per year [USD/(kW yr)].
    it_power_kw_per_accelerator
        Average IT power at ``utilisation`` [kW] (see
        :func:`stackplan.sustainability.it_power_kw_per_accelerator`).
    electricity_usd_per_kwh
        Electricity price [USD/kWh].
    pue
        Facility PUE [-].
    utilisation
        Delivered fraction of hours [-], in (0, 1].
    cost_of_capital
        [1/yr].
    life_years
        Economic life of servers and network [yr].
    residual_value_fraction
        Server resale value at end of life / purchase price [-].
    maintenance_fraction_per_year
        Support and maintenance per year / hardware capex [1/yr].
    licence_usd_per_accelerator_year
        Software subscriptions [USD/(accelerator yr)].
    """
    _check_utilisation(utilisation)
    server = annuitised_capex_usd_per_year(
        server_capex_usd_per_accelerator,
        cost_of_capital,
        life_years,
        residual_value_usd=server_capex_usd_per_accelerator * residual_value_fraction,
    )
    network = annuitised_capex_usd_per_year(network_capex_usd_per_accelerator, cost_of_capital, life_years)
    facility = contracted_kw_per_accelerator * facility_usd_per_kw_year
    power = it_power_kw_per_accelerator * HOURS_PER_YEAR * pue * electricity_usd_per_kwh
    maintenance = maintenance_fraction_per_year * (
        server_capex_usd_per_accelerator + network_capex_usd_per_accelerator
    )
    zero = 0.0 * power  # broadcast every line to the shape of the inputs
    return OwnedAcceleratorCost(
        server_usd_per_year=server + zero,
        network_usd_per_year=network + zero,
        facility_usd_per_year=facility + zero,
        power_usd_per_year=power,
        maintenance_usd_per_year=maintenance + zero,
        licences_usd_per_year=licence_usd_per_accelerator_year + zero,
        utilisation=utilisation + zero,
    )


def _check_utilisation(utilisation: FloatOrArray) -> None:
    import numpy as np

    u = np.asarray(utilisation)
    if np.any(u <= 0.0) or np.any(u > 1.0):
        raise InvalidInputError("utilisation", "must be in (0, 1]", utilisation, "use e.g. 0.6")
