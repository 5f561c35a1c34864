"""Monte Carlo inputs calibrated to a plan (``stackplan plan --uncertainty N``).

The reduced cost model of :mod:`stackplan.uncertainty.cost_model` is calibrated to the plan's base
figures: first-year accelerator-hours and their growth, the average cloud price paid, the owned
server price, power, PUE and fixed-cost share, the value of the goals, and each deployment's owned
share of the work. Each deployment's yearly offset makes the model at the inputs' medians equal the
plan's yearly cost (the offset carries what the reduced model leaves out: data, people, network ...),
so the Monte Carlo varies the plan around its own figures. The uncertain inputs get default spreads around those base values
(:data:`DEFAULT_SPREADS`, stated assumptions); a scenario section for them is not wired yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackplan.uncertainty.cost_model import HOURS_PER_YEAR, CostModelBase, yearly_cost
from stackplan.uncertainty.distributions import LogNormal, Normal, Triangular
from stackplan.uncertainty.montecarlo import (
    DeploymentShape,
    MonteCarloResult,
    UncertainInputs,
    run_monte_carlo,
)

__all__ = ["DEFAULT_SPREADS", "plan_monte_carlo", "plan_uncertain_inputs"]

#: Spreads of the uncertain inputs around the plan's base values (assumptions, not measurements):
#: demand growth x0.5..x1.5 (+-0.1 absolute at least), cloud price lognormal sigma 0.2 (about
#: +-25% at P10/P90), price decline 0-25%/year (mode 10%, Epoch AI: GPU price-performance doubles
#: about every 2.5 years), utilisation x0.7..x1.15 of the base, MFU normal +-0.05, electricity
#: x0.8..x1.5, delivery delay 0-9 months (mode 3).
DEFAULT_SPREADS: dict[str, tuple[float, ...]] = {
    "demand_growth": (0.5, 1.5, 0.1),
    "cloud_usd_per_hour_sigma": (0.2,),
    "price_decline": (0.0, 0.10, 0.25),
    "utilisation": (0.7, 1.15),
    "mfu_sd": (0.05,),
    "electricity": (0.8, 1.5),
    "delivery_delay_months": (0.0, 3.0, 9.0),
}
#: MFU the plan's demand is assumed to be sized with [-] (the model scales hours by base / sampled).
PLANNED_MFU = 0.4


def _pool_hours(dep: Any, key: str, years: int) -> np.ndarray:
    out = np.zeros(years)
    for p in dep.pools:
        out += np.asarray(p[key], dtype=float)[:years]
    return out


def plan_uncertain_inputs(plan: Any) -> tuple[CostModelBase, UncertainInputs, tuple[DeploymentShape, ...]]:
    """Base figures, input distributions and deployment shapes calibrated to ``plan`` (a ``Plan``)."""
    from stackplan.plan_inputs import inputs_for

    scenario = plan.scenario
    years = scenario.organization.horizon_years
    inputs = inputs_for(scenario)
    hours = {
        d.model: _pool_hours(d, "owned_busy_hours", years) + _pool_hours(d, "cloud_busy_hours", years)
        for d in plan.deployments
    }
    ref = max(plan.deployments, key=lambda d: hours[d.model].sum())
    total = hours[ref.model]
    h0 = max(float(total[0]), 1.0)
    growth = (
        float((total[-1] / h0) ** (1.0 / max(years - 1, 1)) - 1.0) if total[-1] > 0 and years > 1 else 0.0
    )
    cloud_hours = sum(_pool_hours(d, "cloud_busy_hours", years).sum() for d in plan.deployments)
    cloud_usd = sum(sum(cf.lines.get("cloud_compute", 0.0) for cf in d.cash_flows) for d in plan.deployments)
    price = cloud_usd / cloud_hours if cloud_hours > 0 else 3.0
    owned_accs = [p["accelerator"] for d in plan.deployments for p in d.pools if max(p["owned_devices"]) > 0]
    servers = [inputs.servers[a] for a in owned_accs if a in inputs.servers] or list(inputs.servers.values())[
        :1
    ]
    capex = (
        float(np.mean([s.capex_usd_per_accelerator for s in servers])) + inputs.network_usd_per_accelerator
    )
    kw = float(np.mean([s.power_kw_per_accelerator for s in servers])) if servers else 1.0
    site = inputs.site
    elec = site.electricity_usd_per_kwh if site is not None else 0.1
    colo = site.colocation_usd_per_kw_month * 12 * kw if site is not None else 0.0
    maintenance = (
        inputs.a("maintenance_fraction_per_year") + (colo + inputs.licence_usd_per_accelerator_year) / capex
    )
    owned_util = []
    for d in plan.deployments:
        owned_h = _pool_hours(d, "owned_busy_hours", years).sum()
        devices = sum(np.asarray(p["owned_devices"], dtype=float)[:years].sum() for p in d.pools)
        if devices > 0:
            owned_util.append(owned_h / (devices * HOURS_PER_YEAR))
    util = (
        float(np.clip(np.mean(owned_util), 0.05, 1.0))
        if owned_util
        else scenario.deployment.utilization_target
    )
    value = float(np.mean(ref.value_by_year_usd)) if ref.value_by_year_usd else 0.0
    base = CostModelBase(
        years=years,
        demand_hours_year0=h0,
        mfu_planned=PLANNED_MFU,
        server_usd_per_accelerator=capex,
        kw_per_accelerator=kw,
        pue=inputs.a("pue"),
        maintenance_share_per_year=maintenance,
        life_years=inputs.a("server_depreciation_years"),
        residual_fraction=inputs.a("residual_value_fraction"),
        discount_rate=scenario.organization.discount_rate,
        value_usd_per_year=value,
    )
    lo, hi, floor = DEFAULT_SPREADS["demand_growth"]
    g_lo, g_hi = min(growth * lo, growth - floor), max(growth * hi, growth + floor)
    u_lo, u_hi = DEFAULT_SPREADS["utilisation"]
    e_lo, e_hi = DEFAULT_SPREADS["electricity"]
    uncertain = UncertainInputs(
        demand_growth=Triangular(max(g_lo, -0.5), growth, g_hi),
        cloud_usd_per_hour=LogNormal(price, DEFAULT_SPREADS["cloud_usd_per_hour_sigma"][0]),
        price_decline=Triangular(*DEFAULT_SPREADS["price_decline"]),
        utilisation=Triangular(
            util * u_lo, util, min(1.0, util * u_hi) if util * u_hi > util else util + 1e-6
        ),
        mfu=Normal(PLANNED_MFU, DEFAULT_SPREADS["mfu_sd"][0], floor=0.1),
        electricity_usd_per_kwh=Triangular(elec * e_lo, elec, elec * e_hi),
        delivery_delay_months=Triangular(*DEFAULT_SPREADS["delivery_delay_months"]),
    )
    medians = {name: getattr(uncertain, name).ppf(0.5) for name in uncertain.names()}
    shapes = []
    for d in plan.deployments:
        owned_h = _pool_hours(d, "owned_busy_hours", years).sum()
        all_h = owned_h + _pool_hours(d, "cloud_busy_hours", years).sum()
        share = float(owned_h / all_h) if all_h > 0 else 0.0
        modelled = yearly_cost(base, share, n=1, **medians)[0]
        offset = tuple(float(cf.total_usd - m) for cf, m in zip(d.cash_flows, modelled, strict=True))
        shapes.append(DeploymentShape(d.model, share, offset, tuple(float(v) for v in d.value_by_year_usd)))
    return base, uncertain, tuple(shapes)


def plan_monte_carlo(
    plan: Any, n_samples: int, seed: int, *, progress: Callable[[int], None] | None = None
) -> MonteCarloResult:
    """Run ``n_samples`` of the calibrated model for every deployment of ``plan`` (seeded)."""
    base, uncertain, shapes = plan_uncertain_inputs(plan)
    return run_monte_carlo(base, uncertain, shapes, n_samples, np.random.default_rng(seed), progress=progress)
