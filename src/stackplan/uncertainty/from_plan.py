"""Monte Carlo inputs calibrated to a plan (``stackplan plan --uncertainty N``).

The reduced cost model of :mod:`stackplan.uncertainty.cost_model` is calibrated to the plan's base
values (:func:`plan_base_values`): first-year accelerator-hours and their growth, the share of them
that is training and its MFU, the average cloud price paid, the owned price per accelerator,
utilisation, the electricity price and the energy per owned busy hour from each deployment's power
line; the plan assumes flat prices (no yearly decline) and no delivery delay beyond the lead time.
Each deployment's yearly offset (costs the reduced model leaves out: data, people, network ...)
makes the model at the base values reproduce the plan's yearly cost exactly, so the Monte Carlo
varies the plan around its own figures.

The distributions come from the scenario's ``uncertainty:`` section
(:class:`stackplan.uncertainty.settings.UncertaintySettings`) where given; any input it leaves out
gets its default spread around the plan's value (:data:`DEFAULT_SPREADS`, stated assumptions, each
with its median at the plan's value).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from stackplan._numeric import HOURS_PER_YEAR
from stackplan.uncertainty.cost_model import CostModelBase, yearly_cost
from stackplan.uncertainty.distributions import Distribution, Fixed, LogNormal, Normal, Triangular, Uniform
from stackplan.uncertainty.montecarlo import (
    DeploymentShape,
    MonteCarloResult,
    UncertainInputs,
    run_monte_carlo,
)

__all__ = ["DEFAULT_SPREADS", "plan_base_values", "plan_monte_carlo", "plan_uncertain_inputs"]

#: Default spreads around the plan's base values (assumptions, not measurements), each centred
#: (median) on the plan's value: demand growth symmetric triangular +-max(50% of it, 0.10)/year;
#: cloud price lognormal sigma 0.2 (about +-25% at P10/P90); yearly price decline normal with sd
#: 0.08 around the plan's flat prices (P10/P90 about -10%/+10% a year: GPU-hour prices fell
#: 2023-25 but rose in 2023 shortages); utilisation normal, sd 10% of the base; MFU normal, sd 15% of the plan's (engine-predicted) MFU;
#: electricity lognormal sigma 0.2; delivery delay normal sd 4 months clipped at 0 (half the
#: deliveries on time, P90 about 5 months late).
DEFAULT_SPREADS: dict[str, tuple[float, ...]] = {
    "demand_growth": (0.5, 0.1),
    "cloud_usd_per_hour_sigma": (0.2,),
    "price_decline_sd": (0.08,),
    "utilisation_sd_share": (0.10,),
    "mfu_sd_share": (0.15,),
    "electricity_sigma": (0.2,),
    "delivery_delay_months_sd": (4.0,),
}
#: MFU assumed when the plan has no training run (the model then has no training hours) [-].
PLANNED_MFU = 0.4


def _pool_hours(dep: Any, key: str, years: int) -> np.ndarray:
    out = np.zeros(years)
    for p in dep.pools:
        out += np.asarray(p[key], dtype=float)[:years]
    return out


def _scaled(dist: Distribution, k: float) -> Distribution:
    """``k X`` for a distribution of ``X`` (``k > 0``)."""
    if isinstance(dist, Triangular):
        return Triangular(dist.low * k, dist.mode * k, dist.high * k)
    if isinstance(dist, Normal):
        return Normal(dist.mean * k, dist.sd * k, None if dist.floor is None else dist.floor * k)
    if isinstance(dist, LogNormal):
        return LogNormal(dist.median * k, dist.sigma)
    if isinstance(dist, Uniform):
        return Uniform(dist.low * k, dist.high * k)
    return Fixed(dist.value * k)


def plan_base_values(plan: Any) -> dict[str, float]:
    """The plan's own value of every uncertain input (:class:`UncertainInputs` names)."""
    return dict(_calibration(plan)[1])


def _calibration(plan: Any) -> tuple[CostModelBase, dict[str, float], dict[str, float]]:
    """(base, the plan's input values, the plan's cloud price [USD/h]) of ``plan``."""
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
    train_h = sum(float(np.sum(r.get("busy_hours_by_year") or [0.0])) for r in ref.training_runs)
    mfu_w = sum(
        float(np.sum(r.get("busy_hours_by_year") or [0.0])) * float(r.get("mfu") or 0.0)
        for r in ref.training_runs
    )
    mfu = mfu_w / train_h if train_h > 0 and mfu_w > 0 else PLANNED_MFU
    train_share = float(np.clip(train_h / total.sum(), 0.0, 1.0)) if total.sum() > 0 else 0.0
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
        mfu_planned=mfu,
        server_usd_per_accelerator=capex,
        kw_per_accelerator=kw,
        pue=inputs.a("pue"),
        maintenance_share_per_year=maintenance,
        life_years=inputs.a("server_depreciation_years"),
        residual_fraction=inputs.a("residual_value_fraction"),
        discount_rate=scenario.organization.discount_rate,
        value_usd_per_year=value,
        training_share=train_share,
    )
    values = {
        "demand_growth": growth,
        "cloud_usd_per_hour": price,
        "price_decline": 0.0,
        "utilisation": util,
        "mfu": mfu,
        "electricity_usd_per_kwh": elec,
        "delivery_delay_months": 0.0,
    }
    return base, values, {"cloud_usd_per_hour": price}


def _default_inputs(v: Mapping[str, float]) -> dict[str, Distribution]:
    """The default spreads (:data:`DEFAULT_SPREADS`), each with its median at the plan's value."""
    g = v["demand_growth"]
    share, floor = DEFAULT_SPREADS["demand_growth"]
    w = min(max(share * abs(g), floor), g + 0.9)
    u = v["utilisation"]
    return {
        "demand_growth": Triangular(g - w, g, g + w),
        "cloud_usd_per_hour": LogNormal(
            v["cloud_usd_per_hour"], DEFAULT_SPREADS["cloud_usd_per_hour_sigma"][0]
        ),
        "price_decline": Normal(0.0, DEFAULT_SPREADS["price_decline_sd"][0]),
        "utilisation": Normal(u, DEFAULT_SPREADS["utilisation_sd_share"][0] * u, floor=0.05),
        "mfu": Normal(v["mfu"], DEFAULT_SPREADS["mfu_sd_share"][0] * v["mfu"], floor=0.01),
        "electricity_usd_per_kwh": LogNormal(
            max(v["electricity_usd_per_kwh"], 1e-9), DEFAULT_SPREADS["electricity_sigma"][0]
        ),
        "delivery_delay_months": Normal(0.0, DEFAULT_SPREADS["delivery_delay_months_sd"][0], floor=0.0),
    }


def plan_uncertain_inputs(plan: Any) -> tuple[CostModelBase, UncertainInputs, tuple[DeploymentShape, ...]]:
    """Base figures, input distributions and deployment shapes calibrated to ``plan`` (a ``Plan``).

    Distributions: the scenario's ``uncertainty:`` section where it gives one (``cloud_price_factor``
    multiplies the plan's average cloud price), else the default spread around the plan's value.
    """
    base, values, _ = _calibration(plan)
    years = base.years
    dists = _default_inputs(values)
    settings = plan.scenario.uncertainty
    if settings is not None:
        for name, dist in settings.given().items():
            if name == "cloud_price_factor":
                dists["cloud_usd_per_hour"] = _scaled(dist, values["cloud_usd_per_hour"])
            else:
                dists[name] = dist
    uncertain = UncertainInputs(**dists)
    shapes = []
    for d in plan.deployments:
        owned_h = _pool_hours(d, "owned_busy_hours", years).sum()
        all_h = owned_h + _pool_hours(d, "cloud_busy_hours", years).sum()
        share = float(owned_h / all_h) if all_h > 0 else 0.0
        power_usd = sum(cf.lines.get("power", 0.0) for cf in d.cash_flows)
        kwh = (
            float(power_usd / values["electricity_usd_per_kwh"] / owned_h)
            if owned_h > 0 and power_usd > 0 and values["electricity_usd_per_kwh"] > 0
            else None
        )
        modelled = yearly_cost(base, share, n=1, kwh_per_owned_hour=kwh, **values)[0]
        offset = tuple(float(cf.total_usd - m) for cf, m in zip(d.cash_flows, modelled, strict=True))
        shapes.append(
            DeploymentShape(d.model, share, offset, tuple(float(v) for v in d.value_by_year_usd), kwh)
        )
    return base, uncertain, tuple(shapes)


def plan_monte_carlo(
    plan: Any, n_samples: int, seed: int, *, progress: Callable[[int], None] | None = None
) -> MonteCarloResult:
    """Run ``n_samples`` of the calibrated model for every deployment of ``plan`` (seeded)."""
    base, uncertain, shapes = plan_uncertain_inputs(plan)
    result = run_monte_carlo(
        base, uncertain, shapes, n_samples, np.random.default_rng(seed), progress=progress
    )
    settings = plan.scenario.uncertainty
    given = set(settings.given()) if settings is not None else set()
    if "cloud_price_factor" in given:
        given.add("cloud_usd_per_hour")
    sources = {n: "scenario" if n in given else "default" for n in uncertain.names()}
    return dataclasses.replace(result, input_sources=MappingProxyType(sources))
