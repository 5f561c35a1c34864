"""Yearly cash flows of one deployment model, by line item.

For a deployment model (``cloud_first``, ``hybrid``, ``on_prem``) this module places every
workload (cloud region, owned site, or both for hybrid), picks for each the accelerator type that
costs least there, pools the load per accelerator type and placement, and turns the pools into
yearly line items:

CapEx
    ``accelerator_servers``, ``network``, ``storage_hardware``, ``facility_fitout`` (own build only),
    ``residual_value`` (negative: resale and remaining book value at the end of the horizon).
OpEx
    ``cloud_compute``, ``cloud_storage``, ``egress``, ``api_fees``, ``power``, ``colocation``,
    ``facility_operations``, ``maintenance``, ``licences``, ``support_staff``.
Hidden
    ``hiring_and_training``, ``data_management``, ``integration``, ``risk_mitigation``,
    ``idle_capacity`` (committed cloud hours unused; idle power of owned devices),
    ``lost_goodput`` (the share of compute fees or energy spent on work lost to failures).

Idle capacity and lost goodput are carved out of the compute lines, never added on top, so the
lines sum to what is paid. ``docs/plan.md`` gives every equation with its source.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from stackplan._numeric import HOURS_PER_YEAR
from stackplan.catalog.accelerators import get_accelerator
from stackplan.deployments.hybrid import hybrid_owned_level
from stackplan.deployments.screening import hours_split, screening_level
from stackplan.economics.finance import capital_recovery_factor, npv
from stackplan.plan_inputs import CloudOffer, PlanInputs, ServerOffer
from stackplan.roadmap.people import StaffingPlan, staffing_plan
from stackplan.scenario.schema import DataClass, DeploymentModel, Scenario
from stackplan.sizing.compute import ComputeDemand, WorkloadOption, load_duration_curve
from stackplan.sizing.data import DataDemand
from stackplan.sustainability.carbon import (
    embodied_tco2e,
    embodied_tco2e_per_year,
    location_based_tco2e,
    market_based_tco2e,
)
from stackplan.sustainability.energy import it_power_kw_per_accelerator
from stackplan.sustainability.water import water_m3

__all__ = [
    "CAPEX_LINES",
    "HIDDEN_LINES",
    "OPEX_LINES",
    "DeploymentCosts",
    "Placement",
    "PoolResult",
    "cost_deployment",
]

CAPEX_LINES = ("accelerator_servers", "network", "storage_hardware", "facility_fitout", "residual_value")
OPEX_LINES = (
    "cloud_compute",
    "cloud_storage",
    "egress",
    "api_fees",
    "power",
    "colocation",
    "facility_operations",
    "maintenance",
    "licences",
    "support_staff",
)
HIDDEN_LINES = (
    "hiring_and_training",
    "data_management",
    "integration",
    "risk_mitigation",
    "idle_capacity",
    "lost_goodput",
)
#: People are hired this long before the year they are needed in starts [months] (Stackplan
#: planning assumption: a typical 2-4 month time-to-fill for engineering roles).
HIRING_LEAD_MONTHS = 3.0

#: Lines that make up the cost of compute (for the cost per delivered accelerator-hour).
COMPUTE_LINES = (
    "accelerator_servers",
    "network",
    "facility_fitout",
    "residual_value",
    "cloud_compute",
    "power",
    "colocation",
    "facility_operations",
    "maintenance",
    "licences",
    "idle_capacity",
    "lost_goodput",
)
KWH_PER_MWH = 1000.0


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where one workload runs in one deployment model."""

    workload_id: str
    option: WorkloadOption | None
    owned: bool
    cloud: CloudOffer | None
    api: bool = False
    reason: str = ""

    @property
    def served(self) -> bool:
        return self.api or (self.option is not None and (self.owned or self.cloud is not None))


@dataclass(frozen=True, kw_only=True)
class PoolResult:
    """One accelerator pool of a deployment: its load, capacity and cost per year."""

    accelerator: str
    offer: str | None
    owned_devices: tuple[float, ...]
    committed_devices: tuple[float, ...]
    owned_busy_hours: tuple[float, ...]
    cloud_busy_hours: tuple[float, ...]
    delivered_hours: tuple[float, ...]
    compute_cost_usd: tuple[float, ...]
    break_even_utilisation: float | None
    workloads: tuple[str, ...]

    def usd_per_delivered_hour(self, discount_rate: float) -> float:
        """Levelised compute cost per delivered accelerator-hour [USD/h]:
        ``PV(compute cost) / PV(delivered hours)`` at ``discount_rate`` (the levelised-cost method
        of NREL's LCOE; with a zero rate, total cost over total hours)."""
        hours = npv(discount_rate, self.delivered_hours)
        return npv(discount_rate, self.compute_cost_usd) / hours if hours > 0 else float("nan")


@dataclass(frozen=True, kw_only=True)
class DeploymentCosts:
    """Everything the costing of one deployment model yields, per plan year."""

    model: DeploymentModel
    years: tuple[int, ...]
    lines: Mapping[str, tuple[float, ...]]
    placements: tuple[Placement, ...]
    pools: tuple[PoolResult, ...]
    it_energy_kwh: tuple[float, ...]
    facility_energy_kwh: tuple[float, ...]
    location_tco2e: tuple[float, ...]
    market_tco2e: tuple[float, ...]
    embodied_tco2e: tuple[float, ...]
    water_m3: tuple[float, ...]
    staff_fte: Mapping[str, tuple[float, ...]]
    time_to_capacity_months: float
    cloud_spend_by_provider: Mapping[str, float] = field(default_factory=dict)
    #: The hiring and training plan the people lines are booked from.
    staffing: StaffingPlan | None = None

    def year_total(self, t: int) -> float:
        return sum(v[t] for v in self.lines.values())


# ------------------------------------------------------------------------------------------ placement


def _allowed_locations(scenario: Scenario, data_class: DataClass) -> tuple[set[str], set[str] | None]:
    """(organisation-or-deployment locations, data-class locations or None for any)."""
    org = set(scenario.deployment_regions())
    pol = scenario.organization.policy(data_class)
    return org, None if "any" in pol.regions else set(pol.regions)


def _location_ok(tokens: frozenset[str], org: set[str], cls: set[str] | None) -> bool:
    return bool(tokens & org) and (cls is None or bool(tokens & cls))


def cloud_offers_for(scenario: Scenario, inputs: PlanInputs, option: WorkloadOption) -> list[CloudOffer]:
    """Cloud offers where ``option`` may run (provider, location and data class allowed)."""
    if not scenario.organization.policy(option.data_class).cloud:
        return []
    org, cls = _allowed_locations(scenario, option.data_class)
    return [o for o in inputs.offers(option.accelerator) if _location_ok(o.locations(), org, cls)]


def owned_allowed(scenario: Scenario, inputs: PlanInputs, option: WorkloadOption) -> str:
    """Empty when ``option`` may run on the owned site; else the reason it may not."""
    if inputs.site is None:
        return "no owned site (deployment.on_prem) in the scenario"
    if option.accelerator not in inputs.servers:
        return f"no purchasable server for {option.accelerator} in the catalogue"
    org, cls = _allowed_locations(scenario, option.data_class)
    if not _location_ok(inputs.site.locations(), org | {"on_prem"}, cls):
        return (
            f"data class {option.data_class} may not be processed at the owned site in "
            f"{inputs.site.grid_zone} ({inputs.site.country})"
        )
    return ""


# --------------------------------------------------------------------------------------- owned figures


def _owned_fixed_usd_per_device_year(inputs: PlanInputs, server: ServerOffer, site_facility: str) -> float:
    """Annualised capital plus fixed yearly cost of one owned device [USD/(device year)].

    ``CRF(r, life) x (server + network capex) + colocation (or build) per device + maintenance +
    licence``, with the capital recovery factor of :mod:`stackplan.economics.finance`.
    """
    life = inputs.a("server_depreciation_years")
    capex = server.capex_usd_per_accelerator + inputs.network_usd_per_accelerator
    crf = float(capital_recovery_factor(inputs.a("cost_of_capital"), life))
    kw = server.power_kw_per_accelerator + inputs.network_w_per_accelerator / 1000
    if site_facility == "build":
        build = kw / 1000 * inputs.a("dc_build_usd_per_mw")
        facility = build * (
            float(capital_recovery_factor(inputs.a("cost_of_capital"), inputs.a("datacenter_life_years")))
            + inputs.a("dc_opex_fraction_per_year")
        )
    else:
        assert inputs.site is not None
        facility = kw * 12 * inputs.site.colocation_usd_per_kw_month
    return (
        crf * capex
        + facility
        + inputs.a("maintenance_fraction_per_year") * capex
        + inputs.licence_usd_per_accelerator_year
    )


def _pool_board_power_w(ps: Sequence[Placement]) -> float:
    """Board power of one busy device of an accelerator pool [W]: its options' board power (the TDP,
    or a service's power limit) weighted by their busy hours over the horizon."""
    weighted = [(sum(p.option.busy_hours), p.option.tdp_w) for p in ps if p.option is not None]
    hours = sum(h for h, _ in weighted)
    if not weighted:
        return 0.0
    if hours <= 0:
        return weighted[0][1]
    return sum(h * w for h, w in weighted) / hours


def _busy_kw(inputs: PlanInputs, tdp_w: float) -> float:
    """Server power per busy accelerator [kW] = TDP x (1 + non-accelerator overhead)
    (:func:`stackplan.sustainability.energy.it_power_kw_per_accelerator` at full use)."""
    return float(
        it_power_kw_per_accelerator(
            tdp_w,
            1.0,
            idle_power_fraction=inputs.a("accelerator_idle_power_fraction"),
            server_overhead_power_fraction=inputs.a("server_overhead_power_fraction"),
        )
    )


def _idle_kw(inputs: PlanInputs, accelerator: str) -> float:
    """Server power per idle accelerator [kW]: the idle share of its TDP with the server overhead (a
    board power limit does not lower what an idle board draws)."""
    return _busy_kw(inputs, get_accelerator(accelerator).tdp_w) * inputs.a("accelerator_idle_power_fraction")


def _owned_usd_per_busy_hour(inputs: PlanInputs, tdp_w: float, accelerator: str) -> float:
    """Electricity of one owned accelerator's busy hour beyond its idle draw [USD]; ``tdp_w`` the board
    power when busy (its TDP, or a service's power limit)."""
    assert inputs.site is not None
    extra_kw = _busy_kw(inputs, tdp_w) - _idle_kw(inputs, accelerator)
    return extra_kw * inputs.a("pue") * inputs.site.electricity_usd_per_kwh


# ------------------------------------------------------------------------------------------ placement


def _workload_cost_estimate(
    scenario: Scenario, inputs: PlanInputs, o: WorkloadOption, where: str, offer: CloudOffer | None
) -> float:
    """Stand-alone cost of ``o`` over the horizon, to pick its accelerator and region [USD]."""
    total = 0.0
    for t in range(len(o.busy_hours)):
        ldc = load_duration_curve(peak_devices=o.peak_devices[t], busy_hours=o.busy_hours[t], shape=o.shape)
        if where == "cloud":
            assert offer is not None
            term = _commit_term(scenario, t)
            total += _cloud_year_cost(ldc, offer, term)[0]
        else:
            server = inputs.servers[o.accelerator]
            assert inputs.site is not None
            fixed = _owned_fixed_usd_per_device_year(inputs, server, inputs.site.facility)
            total += o.peak_devices[t] * fixed + o.busy_hours[t] * _owned_usd_per_busy_hour(
                inputs, o.tdp_w, o.accelerator
            )
    return total


def _commit_term(scenario: Scenario, t: int) -> str:
    """The commitment term used in plan year ``t`` (3y only while three years remain)."""
    term = scenario.deployment.cloud_commitment
    if term == "3y" and scenario.organization.horizon_years - t < 3:
        return "1y"
    return term


def _cloud_year_cost(
    ldc: npt.NDArray[np.float64], offer: CloudOffer, term: str
) -> tuple[float, float, float]:
    """(total fees, committed level, committed idle hours) of one year of ``ldc`` on ``offer``."""
    if term == "on_demand":
        level = 0.0
    else:
        level = screening_level(
            ldc,
            fixed_usd_per_device_year=offer.price(term) * HOURS_PER_YEAR,
            usd_per_hour_low=0.0,
            usd_per_hour_high=offer.on_demand,
        )
    below, above = hours_split(ldc, level)
    idle = level * HOURS_PER_YEAR - below
    fees = level * HOURS_PER_YEAR * (offer.price(term) if level else 0.0) + above * offer.on_demand
    return fees, level, idle


def place_workloads(
    model: DeploymentModel, scenario: Scenario, demand: ComputeDemand, inputs: PlanInputs
) -> tuple[Placement, ...]:
    """Choose where each workload runs and on which accelerator, for one deployment model."""
    out: list[Placement] = []
    by_id = {w.id: w for w in scenario.workloads.all()}
    for wid, w in by_id.items():
        alt = getattr(w, "api_alternative", None)
        if alt is not None and alt.use_instead:
            out.append(Placement(workload_id=wid, option=None, owned=False, cloud=None, api=True))
            continue
        options = demand.options_for(wid)
        if not options:
            unfit = "; ".join(f"{u.accelerator}: {u.reason}" for u in demand.unfit_for(wid))
            out.append(
                Placement(
                    workload_id=wid,
                    option=None,
                    owned=False,
                    cloud=None,
                    reason=f"the model fits no allowed accelerator ({unfit or 'none allowed'})",
                )
            )
            continue
        best: tuple[float, Placement] | None = None
        why: list[str] = []
        for o in options:
            offers = cloud_offers_for(scenario, inputs, o) if model in ("cloud_first", "hybrid") else []
            owned_reason = owned_allowed(scenario, inputs, o) if model in ("on_prem", "hybrid") else "n/a"
            cands: list[tuple[float, Placement]] = []
            if offers:
                costs = [(_workload_cost_estimate(scenario, inputs, o, "cloud", f), f) for f in offers]
                cost, offer = min(costs, key=lambda c: c[0])
                owned = model == "hybrid" and not owned_reason
                cands.append(
                    (
                        cost
                        if not owned
                        else min(cost, _workload_cost_estimate(scenario, inputs, o, "owned", None)),
                        Placement(workload_id=wid, option=o, owned=owned, cloud=offer),
                    )
                )
            elif not owned_reason:
                cands.append(
                    (
                        _workload_cost_estimate(scenario, inputs, o, "owned", None),
                        Placement(workload_id=wid, option=o, owned=True, cloud=None),
                    )
                )
            if not cands:
                if model in ("cloud_first", "hybrid") and not offers:
                    pol = scenario.organization.policy(o.data_class)
                    why.append(
                        f"{o.accelerator}: "
                        + (
                            f"data class {o.data_class} may not be processed in a public cloud"
                            if not pol.cloud
                            else f"no cloud offer of {o.accelerator} in an allowed provider and location "
                            f"for data class {o.data_class}"
                        )
                    )
                if model in ("on_prem", "hybrid") and owned_reason:
                    why.append(f"{o.accelerator}: {owned_reason}")
            for c in cands:
                if best is None or c[0] < best[0]:
                    best = c
        if best is None:
            out.append(
                Placement(workload_id=wid, option=None, owned=False, cloud=None, reason=_join_reasons(why))
            )
        else:
            out.append(best[1])
    return tuple(out)


# -------------------------------------------------------------------------------------------- costing


class _Ledger:
    def __init__(self, horizon: int) -> None:
        self.lines: dict[str, list[float]] = {
            name: [0.0] * horizon for name in (*CAPEX_LINES, *OPEX_LINES, *HIDDEN_LINES)
        }

    def add(self, line: str, t: int, usd: float) -> None:
        self.lines[line][t] += usd


@dataclass
class _Cohort:
    year: int
    devices: float
    capex_usd: float


def _owned_fleet(levels: Sequence[float], per_server: int, life: int) -> tuple[list[float], list[_Cohort]]:
    """Installed devices per year and purchase cohorts, buying whole servers when the level rises
    above what is installed and replacing servers at the end of their life."""
    installed: list[float] = []
    cohorts: list[_Cohort] = []
    for t, need in enumerate(levels):
        alive = sum(c.devices for c in cohorts if t - c.year < life)
        if need > alive + 1e-9:
            buy = math.ceil((need - alive) / per_server - 1e-9) * per_server
            cohorts.append(_Cohort(year=t, devices=float(buy), capex_usd=0.0))
            alive += buy
        installed.append(alive)
    return installed, cohorts


def cost_deployment(
    model: DeploymentModel,
    scenario: Scenario,
    demand: ComputeDemand,
    data: DataDemand,
    inputs: PlanInputs,
    placements: Sequence[Placement] | None = None,
    owned_levels: Mapping[str, Sequence[float]] | None = None,
) -> DeploymentCosts:
    """Yearly line items, energy, emissions and water of deployment ``model``.

    ``owned_levels`` (hybrid only): owned accelerators per pool and year decided by the capacity
    optimiser (:func:`stackplan.optimize.from_plan.optimised_owned_levels`); without it the
    screening-curve heuristic of :mod:`stackplan.deployments.hybrid` decides.
    """
    horizon = scenario.organization.horizon_years
    years = scenario.years
    if placements is None:
        placements = place_workloads(model, scenario, demand, inputs)
    led = _Ledger(horizon)
    a = inputs.a
    life = max(1, round(a("server_depreciation_years")))
    it_kwh = [0.0] * horizon
    fac_kwh = [0.0] * horizon
    loc_t = [0.0] * horizon
    mkt_t = [0.0] * horizon
    emb_t = [0.0] * horizon
    water = [0.0] * horizon
    offsite = a("offsite_water_l_per_kwh")
    spend_by_provider: dict[str, float] = defaultdict(float)
    pools: list[PoolResult] = []
    owned_devices_total = [0.0] * horizon
    cloud_devices_avg = [0.0] * horizon
    it_kw_owned = [0.0] * horizon

    served = [p for p in placements if p.served and p.option is not None]
    # ---- pools by accelerator: owned part (on_prem / hybrid) and cloud part per offer
    by_acc: dict[str, list[Placement]] = defaultdict(list)
    for p in served:
        assert p.option is not None
        by_acc[p.option.accelerator].append(p)

    def ldc_of(ps: Sequence[Placement], t: int) -> npt.NDArray[np.float64]:
        total = np.zeros(200)
        for p in ps:
            o = p.option
            assert o is not None
            total = total + load_duration_curve(
                peak_devices=o.peak_devices[t], busy_hours=o.busy_hours[t], shape=o.shape
            )
        return total

    def lost_share(ps: Sequence[Placement], t: int) -> float:
        busy = sum(p.option.busy_hours[t] for p in ps if p.option)
        lost = sum(p.option.busy_hours[t] * p.option.lost_goodput_share for p in ps if p.option)
        return lost / busy if busy > 0 else 0.0

    for acc, ps in sorted(by_acc.items()):
        owned_ps = [p for p in ps if p.owned]
        cloud_only = [p for p in ps if not p.owned]
        tdp_w = _pool_board_power_w(ps)
        busy_kw = _busy_kw(inputs, tdp_w)
        # ---------------- owned part
        if owned_ps:
            server = inputs.servers[acc]
            site = inputs.site
            assert site is not None
            owned_only = [p for p in owned_ps if p.cloud is None]
            levels: list[float] = []
            rent = {p.cloud.on_demand for p in owned_ps if p.cloud is not None}
            fixed = _owned_fixed_usd_per_device_year(inputs, server, site.facility)
            var = _owned_usd_per_busy_hour(inputs, tdp_w, acc)
            for t in range(horizon):
                ldc = ldc_of(owned_ps, t)
                if model == "hybrid" and owned_levels is not None:
                    only_peak = float(ldc_of(owned_only, t).max()) if owned_only else 0.0
                    levels.append(max(float(owned_levels.get(acc, (0.0,) * horizon)[t]), only_peak))
                elif model == "hybrid" and rent:
                    only_peak = float(ldc_of(owned_only, t).max()) if owned_only else 0.0
                    levels.append(
                        hybrid_owned_level(
                            ldc,
                            owned_only_peak=only_peak,
                            owned_fixed_usd_per_device_year=fixed,
                            owned_usd_per_busy_hour=var,
                            rent_usd_per_hour=min(rent),
                        )
                    )
                else:
                    avg = float(ldc.mean())
                    levels.append(max(float(ldc.max()), avg / scenario.deployment.utilization_target))
            installed, cohorts = _owned_fleet(levels, server.accelerators_per_server, life)
            per_dev_capex = server.capex_usd_per_accelerator + inputs.network_usd_per_accelerator
            kw_per_dev = server.power_kw_per_accelerator + inputs.network_w_per_accelerator / 1000
            compute_cost = [0.0] * horizon
            owned_busy = [0.0] * horizon
            burst_busy = [0.0] * horizon
            delivered = [0.0] * horizon
            for c in cohorts:
                c.capex_usd = c.devices * per_dev_capex
                led.add("accelerator_servers", c.year, c.devices * server.capex_usd_per_accelerator)
                led.add("network", c.year, c.devices * inputs.network_usd_per_accelerator)
                compute_cost[c.year] += c.capex_usd
                if site.facility == "build":
                    # build only capacity beyond what earlier cohorts' halls provide
                    prior = sum(x.devices for x in cohorts if x.year < c.year)
                    new_dev = max(0.0, max(installed[: c.year + 1]) - prior) if c.year else c.devices
                    fit = new_dev * kw_per_dev / 1000 * a("dc_build_usd_per_mw")
                    led.add("facility_fitout", c.year, fit)
                    compute_cost[c.year] += fit
            # residual value: resale at retirement, book value at the end of the horizon
            rf = a("residual_value_fraction")
            for c in cohorts:
                end = c.year + life
                if end < horizon:
                    credit = rf * c.capex_usd
                    led.add("residual_value", end, -credit)
                    compute_cost[end] -= credit
                else:
                    remaining = (end - horizon) / life
                    credit = c.capex_usd * (rf + (1 - rf) * remaining)
                    led.add("residual_value", horizon - 1, -credit)
                    compute_cost[horizon - 1] -= credit
            fitout_total = sum(led.lines["facility_fitout"])
            for t in range(horizon):
                ldc = ldc_of(owned_ps, t)
                n = installed[t]
                below, above = hours_split(ldc, n)
                owned_busy[t] = below
                burst_busy[t] = above
                share = lost_share(owned_ps, t)
                idle_hours = max(0.0, n * HOURS_PER_YEAR - below)
                busy_e = below * busy_kw
                idle_e = idle_hours * _idle_kw(inputs, acc)
                net_e = n * inputs.network_w_per_accelerator / 1000 * HOURS_PER_YEAR
                it = busy_e + idle_e + net_e
                fac = it * a("pue")
                price = site.electricity_usd_per_kwh
                power_busy = (busy_e + net_e) * a("pue") * price
                led.add("power", t, power_busy * (1 - share))
                led.add("lost_goodput", t, power_busy * share)
                led.add("idle_capacity", t, idle_e * a("pue") * price)
                alive_capex = sum(c.capex_usd for c in cohorts if 0 <= t - c.year < life)
                maint = a("maintenance_fraction_per_year") * alive_capex
                lic = n * inputs.licence_usd_per_accelerator_year
                led.add("maintenance", t, maint)
                led.add("licences", t, lic)
                kw = n * kw_per_dev
                it_kw_owned[t] += kw
                if site.facility == "build":
                    fo = a("dc_opex_fraction_per_year") * fitout_total
                    led.add("facility_operations", t, fo)
                    colo = 0.0
                else:
                    fo = 0.0
                    colo = kw * 12 * site.colocation_usd_per_kw_month
                    led.add("colocation", t, colo)
                compute_cost[t] += fac * price + maint + lic + fo + colo
                delivered[t] += below * (1 - share)
                it_kwh[t] += it
                fac_kwh[t] += fac
                loc_t[t] += float(location_based_tco2e(fac, site.location_gco2_per_kwh))
                mkt_t[t] += float(market_based_tco2e(fac, site.market_gco2_per_kwh))
                emb_t[t] += float(
                    embodied_tco2e_per_year(
                        n, server.embodied_kgco2e_per_accelerator, a("embodied_life_years")
                    )
                )
                water[t] += float(
                    water_m3(it, a("wue_l_per_kwh"), facility_energy_kwh=fac, offsite_water_l_per_kwh=offsite)
                )
                owned_devices_total[t] += n
            # hybrid bursts go to the cheapest offer the pool's flexible workloads may use
            burst_offer = min((p.cloud for p in owned_ps if p.cloud), key=lambda f: f.on_demand, default=None)
            for t in range(horizon):
                if burst_busy[t] > 0 and burst_offer is not None:
                    share = lost_share(owned_ps, t)
                    fees = burst_busy[t] * burst_offer.on_demand
                    led.add("cloud_compute", t, fees * (1 - share))
                    led.add("lost_goodput", t, fees * share)
                    spend_by_provider[burst_offer.provider] += fees
                    compute_cost[t] += fees
                    delivered[t] += burst_busy[t] * (1 - share)
                    cloud_devices_avg[t] += burst_busy[t] / HOURS_PER_YEAR
                    _cloud_footprint(
                        inputs, burst_offer, burst_busy[t] * busy_kw, t, it_kwh, fac_kwh, loc_t, mkt_t, water
                    )
                    emb_t[t] += _cloud_embodied(inputs, acc, burst_busy[t])
            pools.append(
                PoolResult(
                    accelerator=acc,
                    offer=None if model == "on_prem" else (burst_offer.id if burst_offer else None),
                    owned_devices=tuple(installed),
                    committed_devices=(0.0,) * horizon,
                    owned_busy_hours=tuple(owned_busy),
                    cloud_busy_hours=tuple(burst_busy),
                    delivered_hours=tuple(delivered),
                    compute_cost_usd=tuple(compute_cost),
                    break_even_utilisation=(
                        fixed / (HOURS_PER_YEAR * (min(rent) - var)) if rent and min(rent) > var else None
                    ),
                    workloads=tuple(p.workload_id for p in owned_ps),
                )
            )
        # ---------------- cloud-only part, per offer
        by_offer: dict[str, list[Placement]] = defaultdict(list)
        for p in cloud_only:
            assert p.cloud is not None
            by_offer[p.cloud.id].append(p)
        for _, ops in sorted(by_offer.items()):
            offer = ops[0].cloud
            assert offer is not None
            compute_cost = [0.0] * horizon
            delivered = [0.0] * horizon
            busy_list = [0.0] * horizon
            committed = [0.0] * horizon
            for t in range(horizon):
                ldc = ldc_of(ops, t)
                term = _commit_term(scenario, t)
                fees, level, idle_h = _cloud_year_cost(ldc, offer, term)
                idle_fees = idle_h * offer.price(term) if level else 0.0
                share = lost_share(ops, t)
                used = fees - idle_fees
                led.add("cloud_compute", t, used * (1 - share))
                led.add("lost_goodput", t, used * share)
                led.add("idle_capacity", t, idle_fees)
                spend_by_provider[offer.provider] += fees
                busy = float(ldc.mean()) * HOURS_PER_YEAR
                busy_list[t] = busy
                committed[t] = level
                compute_cost[t] = fees
                delivered[t] = busy * (1 - share)
                cloud_devices_avg[t] += max(level, busy / HOURS_PER_YEAR)
                _cloud_footprint(inputs, offer, busy * busy_kw, t, it_kwh, fac_kwh, loc_t, mkt_t, water)
                emb_t[t] += _cloud_embodied(inputs, acc, busy)
            pools.append(
                PoolResult(
                    accelerator=acc,
                    offer=offer.id,
                    owned_devices=(0.0,) * horizon,
                    committed_devices=tuple(committed),
                    owned_busy_hours=(0.0,) * horizon,
                    cloud_busy_hours=tuple(busy_list),
                    delivered_hours=tuple(delivered),
                    compute_cost_usd=tuple(compute_cost),
                    break_even_utilisation=None,
                    workloads=tuple(p.workload_id for p in ops),
                )
            )

    # ---- API-bought workloads
    by_id = {w.id: w for w in scenario.workloads.all()}
    for p in placements:
        if not p.api:
            continue
        w = by_id[p.workload_id]
        alt = getattr(w, "api_alternative", None)
        assert alt is not None
        api = inputs.api_offer(alt.api_model, alt.provider)
        if api is None:
            continue
        for t in range(horizon):
            req = w.requests_per_day * (1 + w.yearly_growth) ** t * 365  # type: ignore[attr-defined]
            fee = (
                req
                * (
                    w.input_tokens * api.usd_per_million_input + w.output_tokens * api.usd_per_million_output  # type: ignore[attr-defined]
                )
                / 1e6
            )
            led.add("api_fees", t, fee)

    # ---- storage and egress
    main_provider = max(spend_by_provider, key=lambda k: spend_by_provider[k], default=None)
    store_owned = model in ("on_prem", "hybrid") and inputs.site is not None
    installed_tb = dict.fromkeys(data.tb_by_tier, 0.0)
    for t in range(horizon):
        for tier, vols in data.tb_by_tier.items():
            tb = vols[t]
            if tb <= 0:
                continue
            if store_owned:
                assert inputs.site is not None
                if tb > installed_tb[tier]:
                    led.add(
                        "storage_hardware",
                        t,
                        (tb - installed_tb[tier]) * inputs.onprem_storage_usd_per_tb.get(tier, 0.0),
                    )
                    installed_tb[tier] = tb
                e = installed_tb[tier] * inputs.onprem_storage_w_per_tb.get(tier, 0.0) / 1000 * HOURS_PER_YEAR
                led.add("power", t, e * a("pue") * inputs.site.electricity_usd_per_kwh)
                it_kwh[t] += e
                fac_kwh[t] += e * a("pue")
                loc_t[t] += float(location_based_tco2e(e * a("pue"), inputs.site.location_gco2_per_kwh))
                mkt_t[t] += float(market_based_tco2e(e * a("pue"), inputs.site.market_gco2_per_kwh))
                water[t] += float(
                    water_m3(
                        e,
                        a("wue_l_per_kwh"),
                        facility_energy_kwh=e * a("pue"),
                        offsite_water_l_per_kwh=offsite,
                    )
                )
            else:
                led.add("cloud_storage", t, tb * 12 * _cloud_storage_price(inputs, main_provider, tier))
        egress_gb = scenario.data.egress_tb_per_month * 12 * 1000
        if egress_gb and model in ("cloud_first", "hybrid") and main_provider is not None:
            offer = next(o for o in inputs.cloud_offers if o.provider == main_provider)
            led.add("egress", t, egress_gb * offer.egress_usd_per_gb)

    # ---- people
    staffing = _staff(
        scenario,
        inputs,
        model,
        owned_devices_total,
        cloud_devices_avg,
        it_kw_owned,
        data,
        spend_by_provider,
        led,
    )

    # ---- integration: each served workload once, in its first active year
    for p in placements:
        if not p.served:
            continue
        first = 0
        if p.option is not None:
            first = next((t for t in range(horizon) if p.option.busy_hours[t] > 0), 0)
        led.add(
            "integration",
            first,
            a("integration_fte_years_per_workload") * inputs.loaded_salary_usd("ml_engineer"),
        )

    lead = _lead_time_months(placements, inputs)
    lines = {k: tuple(v) for k, v in led.lines.items()}
    return DeploymentCosts(
        model=model,
        years=years,
        lines=lines,
        placements=tuple(placements),
        pools=tuple(pools),
        it_energy_kwh=tuple(it_kwh),
        facility_energy_kwh=tuple(fac_kwh),
        location_tco2e=tuple(loc_t),
        market_tco2e=tuple(mkt_t),
        embodied_tco2e=tuple(emb_t),
        water_m3=tuple(water),
        staff_fte={r.role: r.fte for r in staffing.roles},
        staffing=staffing,
        time_to_capacity_months=lead,
        cloud_spend_by_provider=dict(spend_by_provider),
    )


def _cloud_storage_price(inputs: PlanInputs, provider: str | None, tier: str) -> float:
    """Storage price of ``provider`` for ``tier``, else the cheapest listed for the tier [USD/TB-month]."""
    prices = inputs.cloud_storage_usd_per_tb_month
    if provider is not None and (provider, tier) in prices:
        return prices[(provider, tier)]
    same_tier = [v for (_, t), v in prices.items() if t == tier]
    return min(same_tier) if same_tier else 0.0


def _cloud_footprint(
    inputs: PlanInputs,
    offer: CloudOffer,
    it_e: float,
    t: int,
    it_kwh: list[float],
    fac_kwh: list[float],
    loc_t: list[float],
    mkt_t: list[float],
    water: list[float],
) -> None:
    fac = it_e * offer.pue
    it_kwh[t] += it_e
    fac_kwh[t] += fac
    loc_t[t] += float(location_based_tco2e(fac, offer.location_gco2_per_kwh))
    mkt_t[t] += float(market_based_tco2e(fac, offer.market_gco2_per_kwh))
    water[t] += float(
        water_m3(
            it_e,
            offer.wue_l_per_kwh,
            facility_energy_kwh=fac,
            offsite_water_l_per_kwh=inputs.a("offsite_water_l_per_kwh"),
        )
    )


def _cloud_embodied(inputs: PlanInputs, accelerator: str, busy_hours: float) -> float:
    """Embodied emissions of rented hours [tCO2e]: the hours' share of the device's life use
    (BLOOM method, Luccioni et al. 2022: life x 8760 x average utilisation)."""
    server = inputs.servers.get(accelerator)
    if server is None:
        return 0.0
    return float(
        embodied_tco2e(
            busy_hours,
            server.embodied_kgco2e_per_accelerator,
            life_years=inputs.a("embodied_life_years"),
            lifetime_utilisation=inputs.a("hardware_utilisation_for_embodied"),
        )
    )


def _lead_time_months(placements: Sequence[Placement], inputs: PlanInputs) -> float:
    """Months until every served workload has capacity: the cloud lead time for work that can run
    in a cloud, the site's (colocation or build) for work that can only run on owned capacity."""
    cloud = inputs.a("cloud_lead_time_months")
    if inputs.site is None:
        return cloud
    site = inputs.a(
        "build_lead_time_months" if inputs.site.facility == "build" else "colocation_lead_time_months"
    )
    leads = [site if p.owned and p.cloud is None else cloud for p in placements if p.served]
    return max(leads, default=cloud)


def _join_reasons(why: Sequence[str]) -> str:
    """``acc: reason`` items with the same reason merged: ``a, b: reason``."""
    by_reason: dict[str, list[str]] = {}
    for item in why:
        acc, _, reason = item.partition(": ")
        by_reason.setdefault(reason, []).append(acc)
    return "; ".join(f"{', '.join(accs)}: {reason}" for reason, accs in by_reason.items())


def _staff(
    scenario: Scenario,
    inputs: PlanInputs,
    model: DeploymentModel,
    owned: Sequence[float],
    cloud_avg: Sequence[float],
    it_kw_owned: Sequence[float],
    data: DataDemand,
    spend_by_provider: Mapping[str, float],
    led: _Ledger,
) -> StaffingPlan:
    """FTE per role and year from what is deployed, turned into the hiring and training plan
    (:func:`stackplan.roadmap.people.staffing_plan`) whose salaries the ledger books in
    ``support_staff`` / ``data_management`` / ``risk_mitigation`` and whose hires and training in
    ``hiring_and_training``."""
    a = inputs.a
    horizon = len(owned)
    cloud_total = sum(spend_by_provider.values())
    cloud_year = [cloud_total / horizon] * horizon
    fte: dict[str, list[float]] = {
        r: [0.0] * horizon
        for r in (
            "platform_engineer",
            "finops_analyst",
            "data_engineer",
            "security_engineer",
            "datacenter_technician",
        )
    }
    sensitive = any(w.data_class in ("confidential", "restricted") for w in scenario.workloads.all())
    for t in range(horizon):
        p = 0.0
        if owned[t] > 0:
            p += max(a("min_platform_engineers"), owned[t] / a("accelerators_per_platform_engineer"))
        if cloud_avg[t] > 0:
            p += cloud_avg[t] / a("accelerators_per_platform_engineer_cloud")
        fte["platform_engineer"][t] = p
        fte["finops_analyst"][t] = a("finops_analysts_per_musd_cloud") * cloud_year[t] / 1e6
        fte["data_engineer"][t] = a("data_engineer_fte_per_pb") * data.total_tb(t) / 1000
        fte["security_engineer"][t] = a("security_engineers_min")
        if inputs.site is not None and inputs.site.facility == "build" and owned[t] > 0:
            fte["datacenter_technician"][t] = a("datacenter_technicians_per_mw") * it_kw_owned[t] / 1000
    existing: dict[str, float] = defaultdict(float)
    for m in scenario.people.team:
        existing[m.role] += m.count
    line_of = {
        "platform_engineer": "support_staff",
        "finops_analyst": "support_staff",
        "datacenter_technician": "support_staff",
        "data_engineer": "data_management",
        "security_engineer": "risk_mitigation",
    }
    salary_role = {"datacenter_technician": "platform_engineer"}
    plan = staffing_plan(
        fte,
        years=scenario.years,
        existing_fte=existing,
        loaded_salary_usd={r: inputs.loaded_salary_usd(salary_role.get(r, r)) for r in fte},
        hiring_cost_usd={
            r: a("hiring_cost_fraction_of_salary") * inputs.salaries_usd.get(salary_role.get(r, r), 0.0)
            for r in fte
        },
        training_usd_per_fte_year=a("training_usd_per_fte_year"),
        line_by_role=line_of,
        lead_months=HIRING_LEAD_MONTHS,
    )
    # the ledger books the staffing plan's figures, nothing else (one source of truth)
    for role in plan.roles:
        for t in range(horizon):
            led.add(role.line, t, role.salary_usd[t])
            led.add("hiring_and_training", t, role.hiring_training_usd[t])
    if sensitive:
        for t in range(horizon):
            led.add("risk_mitigation", t, a("compliance_audit_usd_per_year"))
    del model
    return plan
