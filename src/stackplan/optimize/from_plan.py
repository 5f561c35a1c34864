"""The hybrid deployment of ``stackplan plan`` as a capacity problem (the wiring to the plan layer).

The plan's hybrid placements say which workloads may run on the owned site and which cloud offer
takes their bursts; the plan's costing books the owned fleet year by year. This module turns those
placements into a :class:`~stackplan.optimize.problem.CapacityProblem` and lets the optimiser
decide how much to own and when (replacing the screening-curve heuristic of
:mod:`stackplan.deployments.hybrid`):

* periods are quarters of the scenario's horizon, discounted at its discount rate;
* per accelerator pool, the load-duration curve of each year (work that may only run owned, and
  work that may also burst to the cloud, separately) is cut into :data:`DUTY_BANDS` bands by how
  much of the year they are busy; each band is a workload with that duty (see
  :attr:`~stackplan.optimize.problem.Workload.duty`), so owning capacity for a band busy a share
  ``f`` of the year pays off exactly when ``f`` exceeds the own-vs-rent break-even utilisation;
* owned cost figures are the plan's (server and network capex, colocation or build, maintenance,
  licences, idle power as fixed cost; busy power per hour; residual value; lead time of the site);
* bursts go on demand to the pool's cheapest allowed offer, as in the plan's costing.

The result (owned accelerators per pool and plan year) feeds ``cost_deployment(owned_levels=...)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from stackplan._numeric import HOURS_PER_YEAR
from stackplan.deployments.costing import (
    Placement,
    _busy_kw,
    _idle_kw,
    _owned_fixed_usd_per_device_year,
    _pool_board_power_w,
)
from stackplan.economics.finance import capital_recovery_factor
from stackplan.optimize.extract import CapacityPlan
from stackplan.optimize.problem import (
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    Site,
    Workload,
    make_periods,
)
from stackplan.optimize.solve import SolveOptions
from stackplan.plan_inputs import PlanInputs
from stackplan.scenario.schema import Scenario
from stackplan.sizing.compute import load_duration_curve

__all__ = ["DUTY_BANDS", "OWNED_SITE", "hybrid_capacity", "hybrid_problem", "owned_levels_of"]

#: Number of duty bands a load-duration curve is cut into (duty resolution 1/DUTY_BANDS) [-].
DUTY_BANDS = 10
#: Name of the owned site in the problem.
OWNED_SITE = "owned"
#: Unmet demand penalty as a multiple of the dearest on-demand price: serving is always preferred.
UNMET_PENALTY_FACTOR = 10.0
_HEIGHT_STEPS = 200


def _bands(ldc: np.ndarray) -> list[tuple[float, float]]:
    """(width [devices], duty [-]) of each duty band of a load-duration curve (highest first).

    The device at height ``x`` is busy a share ``F(x) = mean(ldc > x)`` of the year; heights are
    grouped by ``F`` into :data:`DUTY_BANDS` bins, each represented by its mid duty.
    """
    peak = float(ldc.max()) if ldc.size else 0.0
    out = [(0.0, (j + 0.5) / DUTY_BANDS) for j in range(DUTY_BANDS)]
    if peak <= 0:
        return out
    dx = peak / _HEIGHT_STEPS
    heights = (np.arange(_HEIGHT_STEPS) + 0.5) * dx
    share = (ldc[None, :] > heights[:, None]).mean(axis=1)
    idx = np.clip((share * DUTY_BANDS).astype(int), 0, DUTY_BANDS - 1)
    widths = np.bincount(idx, minlength=DUTY_BANDS) * dx
    return [(float(widths[j]), (j + 0.5) / DUTY_BANDS) for j in range(DUTY_BANDS)]


def hybrid_problem(
    scenario: Scenario, inputs: PlanInputs, placements: Sequence[Placement], *, periods_per_year: int = 4
) -> CapacityProblem | None:
    """The capacity problem of the hybrid placements (``None`` when nothing may run owned)."""
    owned = [p for p in placements if p.served and p.option is not None and p.owned]
    site = inputs.site
    if not owned or site is None:
        return None
    org = scenario.organization
    years = org.horizon_years
    periods = make_periods(
        org.start_year, years, "quarterly" if periods_per_year == 4 else "monthly", org.discount_rate
    )
    ppy = periods.periods_per_year
    a = inputs.a
    groups: dict[tuple[str, str], list[Placement]] = defaultdict(list)
    for p in owned:
        assert p.option is not None
        groups[(p.option.accelerator, "owned-only" if p.cloud is None else "flexible")].append(p)
    workloads: list[Workload] = []
    demand: dict[str, tuple[float, ...]] = {}
    rules: dict[str, tuple[str, ...]] = {}
    offers: dict[str, CloudOffer] = {}
    for (acc, group), ps in sorted(groups.items()):
        cls = f"{acc}|{group}"
        allowed = [f"site:{OWNED_SITE}"]
        if group == "flexible":
            burst = min((p.cloud for p in ps if p.cloud is not None), key=lambda f: f.on_demand)
            kw = _busy_kw(inputs, _pool_board_power_w(ps))
            offers[f"{burst.id}/{acc}"] = CloudOffer(
                provider=burst.provider,
                region=burst.region,
                accelerator=acc,
                on_demand_usd_per_hour=burst.on_demand,
                energy_kw_per_accelerator=kw * burst.pue,
                carbon_location_kg_per_kwh=burst.location_gco2_per_kwh / 1000.0,
                carbon_market_kg_per_kwh=burst.market_gco2_per_kwh / 1000.0,
            )
            allowed.append(f"{burst.provider}/{burst.region}")
        rules[cls] = tuple(allowed)
        per_year = []
        for t in range(years):
            ldc = sum(
                (
                    load_duration_curve(
                        peak_devices=p.option.peak_devices[t],
                        busy_hours=p.option.busy_hours[t],
                        shape=p.option.shape,
                    )
                    for p in ps
                    if p.option is not None
                ),
                start=np.zeros(1),
            )
            per_year.append(_bands(np.asarray(ldc, dtype=float)))
        for j in range(DUTY_BANDS):
            if all(per_year[t][j][0] <= 0 for t in range(years)):
                continue
            name = f"{cls}|duty{j}"
            duty = per_year[0][j][1]
            workloads.append(Workload(name, cls, {acc: 1.0}, duty=duty))
            demand[name] = tuple(
                per_year[t // ppy][j][0] * duty * periods.hours for t in range(periods.count)
            )
    lead_months = (
        a("build_lead_time_months") if site.facility == "build" else a("colocation_lead_time_months")
    )
    life_years = max(1, round(a("server_depreciation_years")))
    options = []
    for acc in sorted({acc for acc, _ in groups}):
        server = inputs.servers[acc]
        g = server.accelerators_per_server
        capex_dev = server.capex_usd_per_accelerator + inputs.network_usd_per_accelerator
        crf = float(capital_recovery_factor(a("cost_of_capital"), a("server_depreciation_years")))
        tdp = _pool_board_power_w([p for p in owned if p.option is not None and p.option.accelerator == acc])
        kw = _busy_kw(inputs, tdp)
        idle_kw = _idle_kw(inputs, acc)
        idle_usd_year = idle_kw * HOURS_PER_YEAR * a("pue") * site.electricity_usd_per_kwh
        fixed_year = (
            _owned_fixed_usd_per_device_year(inputs, server, site.facility) - crf * capex_dev + idle_usd_year
        )
        options.append(
            OnpremOption(
                site=OWNED_SITE,
                accelerator=acc,
                capex_usd_per_server=capex_dev * g,
                accelerators_per_server=g,
                life_periods=life_years * ppy,
                residual_fraction=a("residual_value_fraction"),
                power_kw_per_server=(kw - idle_kw) * g,
                fixed_opex_usd_per_server_period=fixed_year * g / ppy,
                lead_time_periods=round(lead_months / (12 / ppy)),
                availability=1.0,
            )
        )
    dearest = max((o.on_demand_usd_per_hour or 0.0 for o in offers.values()), default=0.0)
    return CapacityProblem(
        periods=periods,
        workloads=tuple(workloads),
        scenarios=(DemandScenario("base", 1.0, demand),),
        sites=(
            Site(
                name=OWNED_SITE,
                region=site.grid_zone,
                pue=a("pue"),
                electricity_usd_per_kwh=site.electricity_usd_per_kwh,
                carbon_location_kg_per_kwh=site.location_gco2_per_kwh / 1000.0,
                carbon_market_kg_per_kwh=site.market_gco2_per_kwh / 1000.0,
            ),
        ),
        onprem=tuple(options),
        offers=tuple(offers.values()),
        data_rules=rules,
        unmet_penalty_usd_per_ref_hour=UNMET_PENALTY_FACTOR * max(dearest, 1.0),
    )


def owned_levels_of(plan: CapacityPlan, years: int) -> dict[str, tuple[float, ...]]:
    """Owned accelerators in service per accelerator type and plan year (the year's maximum)."""
    per = plan.problem.periods
    out: dict[str, list[float]] = {}
    for acc in {o.accelerator for o in plan.problem.onprem}:
        series = [
            sum(
                p.accelerators
                for p in plan.purchases
                if p.accelerator == acc and p.in_service_period <= t < p.retire_period
            )
            for t in range(per.count)
        ]
        out[acc] = [
            max(series[y * per.periods_per_year : (y + 1) * per.periods_per_year], default=0.0)
            for y in range(years)
        ]
    return {k: tuple(v) for k, v in out.items()}


def hybrid_capacity(
    scenario: Scenario, inputs: PlanInputs, placements: Sequence[Placement]
) -> tuple[CapacityPlan | None, Mapping[str, tuple[float, ...]] | None]:
    """The optimised capacity plan of the hybrid deployment and the owned accelerators per pool and
    plan year it implies (both ``None`` when nothing may run owned).

    Solved as an LP, then rounded to whole servers (the plan's costing buys whole servers, and
    rounding inside the optimiser decides whether a fraction of a server is worth a whole one)."""
    from stackplan.optimize.direct import optimize_direct

    problem = hybrid_problem(scenario, inputs, placements)
    if problem is None:
        return None, None
    # the direct matrix build solves the same LP without linopy's start-up (about 1 s of a plan)
    plan = optimize_direct(problem, SolveOptions())
    if plan is None:  # unsupported or not optimal: linopy explains or reports it
        from stackplan.optimize import optimize

        plan = optimize(problem, SolveOptions())
    return plan, owned_levels_of(plan, scenario.organization.horizon_years)
