"""A vectorised yearly cost model of one deployment model, for Monte Carlo.

Numbers in, numbers out: every argument is a numpy array of samples (shape ``(n,)``) or a float,
and the result has one row per sample and one column per year. It is deliberately small, so that
10,000 samples take milliseconds; the full plan supplies its base values.

Equations (per sample, year ``y = 0..Y-1``, all money nominal USD):

* demand ``H_y = H_0 (1 + g)^y (s mfu_0 / mfu + 1 - s)`` [accelerator-hours], ``s`` the training
  share of the hours: a lower MFU needs more training hours (serving hours do not depend on it);
* owned share ``f`` of the demand runs on owned accelerators sized at the target utilisation:
  fleet ``N_y = max_{z<=y} f H_z / (8760 u)`` [accelerators], bought as it grows at
  ``K (1 - d)^y`` per accelerator (hardware prices decline ``d`` a year);
* owned running cost: maintenance and facility ``m`` x installed capex a year + energy
  ``f H_y k e`` (``k`` kWh per owned busy hour, default ``P pue`` with ``P`` kW per busy
  accelerator; the plan calibrates it from its power line);
* delivery delay ``L`` months: capacity added in year ``y`` (share ``a_y = (N_y - N_{y-1}) / N_y``
  of the fleet) arrives ``L`` months late, so ``a_y L / 12`` of the owned hours of that year run in
  the cloud at ``p (1 - d)^y`` instead (and use no owned energy);
* utilisation is clipped to [0.05, 1];
* cloud cost ``(1 - f) H_y p (1 - d)^y`` (cloud prices decline at the same rate);
* residual: the fleet's book value at the end (linear over ``life`` years to ``rho``) is a credit
  in the last year.

TCO is the nominal sum, NPV of cost discounts year ``y`` by ``(1 + r)^-y``; NPV = PV(value) - NPV of cost.
Reference: the same amortisation logic as Epoch AI's hardware cost method (Cottier et al. 2024,
"The rising costs of training frontier AI models", arXiv:2405.21015), simplified to yearly steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stackplan._numeric import HOURS_PER_YEAR

__all__ = ["CostModelBase", "yearly_cost"]

Array = npt.NDArray[np.float64]
Num = Array | float


@dataclass(frozen=True)
class CostModelBase:
    """Fixed (not sampled) inputs of :func:`yearly_cost`.

    Parameters
    ----------
    years
        Horizon ``Y`` [years].
    demand_hours_year0
        ``H_0`` accelerator-hours needed in the first year at the planned MFU [h].
    mfu_planned
        ``mfu_0`` the MFU the demand was sized with [-].
    server_usd_per_accelerator
        ``K`` owned price per accelerator incl. server, network share and install [USD].
    kw_per_accelerator
        ``P`` IT power of a busy accelerator incl. its server share [kW].
    pue
        Power usage effectiveness [-].
    maintenance_share_per_year
        ``m`` yearly facility, maintenance and support cost as a share of installed capex [1/year].
    life_years, residual_fraction
        Depreciation life [years] and value left at its end [fraction].
    discount_rate
        ``r`` [1/year].
    value_usd_per_year
        Business value delivered per year (same for every deployment) [USD/year].
    training_share
        ``s`` share of the accelerator-hours that are training or fine-tuning, on which MFU acts [-].
    """

    years: int
    demand_hours_year0: float
    mfu_planned: float = 0.4
    server_usd_per_accelerator: float = 35_000.0
    kw_per_accelerator: float = 1.275
    pue: float = 1.3
    maintenance_share_per_year: float = 0.12
    life_years: float = 5.0
    residual_fraction: float = 0.1
    discount_rate: float = 0.08
    value_usd_per_year: float = 0.0
    training_share: float = 1.0


def yearly_cost(
    base: CostModelBase,
    owned_share: float,
    *,
    demand_growth: Num,
    cloud_usd_per_hour: Num,
    price_decline: Num,
    utilisation: Num,
    mfu: Num,
    electricity_usd_per_kwh: Num,
    delivery_delay_months: Num,
    n: int,
    kwh_per_owned_hour: float | None = None,
) -> Array:
    """Yearly nominal cost [USD], shape ``(n, years)``, of a deployment owning ``owned_share`` of the work
    (``kwh_per_owned_hour`` [kWh/h] overrides ``kw_per_accelerator x pue``)."""
    y = np.arange(base.years, dtype=float)[None, :]

    def col(x: Num) -> Array:
        return np.broadcast_to(np.asarray(x, dtype=float), (n,))[:, None]

    g, p, d, u = col(demand_growth), col(cloud_usd_per_hour), col(price_decline), col(utilisation)
    m, e, delay = col(mfu), col(electricity_usd_per_kwh), col(delivery_delay_months)
    s = base.training_share
    hours = base.demand_hours_year0 * (1.0 + g) ** y * (s * base.mfu_planned / m + (1.0 - s))
    decline = (1.0 - d) ** y
    cloud = (1.0 - owned_share) * hours * p * decline
    if owned_share <= 0.0:
        return np.asarray(cloud, dtype=float)
    u = np.clip(u, 0.05, 1.0)
    fleet = np.maximum.accumulate(owned_share * hours / (HOURS_PER_YEAR * u), axis=1)
    added = np.diff(fleet, axis=1, prepend=0.0)
    capex = added * base.server_usd_per_accelerator * decline
    installed = np.cumsum(capex, axis=1)
    new_share = np.divide(added, fleet, out=np.zeros_like(fleet), where=fleet > 0)
    late = np.clip(delay / 12.0, 0.0, 1.0) * new_share
    owned_hours = owned_share * hours * (1.0 - late)
    kwh = base.kw_per_accelerator * base.pue if kwh_per_owned_hour is None else kwh_per_owned_hour
    energy = owned_hours * kwh * e
    delayed_cloud = owned_share * hours * late * p * decline
    age = (base.years - y) / base.life_years  # years each purchase serves until the end, in lives
    book = capex * (1.0 - (1.0 - base.residual_fraction) * np.clip(age, 0.0, 1.0))
    residual = np.zeros_like(capex)
    residual[:, -1] = -book.sum(axis=1)
    return np.asarray(
        cloud + capex + installed * base.maintenance_share_per_year + energy + delayed_cloud + residual,
        dtype=float,
    )
