"""A synthetic but plausible capacity problem, sized by its arguments (benchmarks, demos, tests).

Prices are round 2025-26 figures of the kind the economics catalogue ships (H100 on-demand about
$3-4/GPU-hour at hyperscalers, about $2 at neoclouds, 1-year commitments about 30% and 3-year about
50% below on-demand, spot about 60% below); server prices about $30k per accelerator for the H100
generation. They are for exercising the optimiser, not for decisions: the plan layer feeds the
catalogue's dated, sourced prices instead.
"""

from __future__ import annotations

import numpy as np

from stackplan.optimize.problem import (
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    PilotGate,
    Site,
    Workload,
    make_periods,
)

__all__ = ["EXAMPLE_ACCELERATORS", "example_problem"]

#: Accelerator type -> (relative speed vs H100, on-demand USD/h at a hyperscaler, server USD per
#: accelerator, server kW per accelerator). Round figures, see the module doc.
EXAMPLE_ACCELERATORS: dict[str, tuple[float, float, float, float]] = {
    "h100-sxm": (1.0, 3.9, 30_000.0, 1.275),
    "h200": (1.3, 4.6, 36_000.0, 1.275),
    "b200": (2.2, 7.0, 50_000.0, 1.75),
    "mi300x": (1.0, 3.5, 24_000.0, 1.3),
    "a100-sxm-80gb": (0.35, 1.8, 12_000.0, 0.8),
    "gaudi3": (0.9, 2.9, 20_000.0, 1.4),
}
_REGIONS: dict[str, float] = {"us-east": 0.38, "us-west": 0.22, "eu-west": 0.25, "eu-north": 0.03}
_PROVIDERS: dict[str, float] = {"hyperscaler-a": 1.0, "hyperscaler-b": 1.05, "neocloud": 0.6}
_SCENARIOS: dict[str, tuple[float, float]] = {"low": (0.25, 0.7), "base": (0.5, 1.0), "high": (0.25, 1.5)}


def example_problem(
    *,
    years: int = 5,
    granularity: str = "monthly",
    n_accelerators: int = 6,
    n_regions: int = 4,
    n_providers: int = 3,
    n_scenarios: int = 3,
    base_accelerators: float = 512.0,
    yearly_growth: float = 0.4,
    pilot_periods: int = 3,
) -> CapacityProblem:
    """A problem with the given numbers of accelerator types, regions (one own site each), providers
    and demand scenarios; demand starts at ``base_accelerators`` H100-equivalents busy around the clock
    and grows ``yearly_growth`` a year (monthly seasonality +-10%)."""
    periods = make_periods(2026, years, granularity, 0.08)  # type: ignore[arg-type]
    accs = list(EXAMPLE_ACCELERATORS)[:n_accelerators]
    regions = list(_REGIONS)[:n_regions]
    providers = list(_PROVIDERS)[:n_providers]
    scen = list(_SCENARIOS.items())
    if n_scenarios == 1:
        scen = [("base", (1.0, 1.0))]
    else:
        scen = scen[:n_scenarios]
        total = sum(p for _, (p, _) in scen)
        scen = [(n, (p / total, f)) for n, (p, f) in scen]
    speeds = {a: EXAMPLE_ACCELERATORS[a][0] for a in accs}
    workloads = (
        Workload(
            "pretraining", "internal", {a: s for a, s in speeds.items() if s >= 0.9}, interruptible=True
        ),
        Workload("fine-tuning", "confidential", speeds, interruptible=True),
        Workload("inference-eu", "restricted", speeds),
        Workload("inference", "internal", speeds),
    )
    shares = {"pretraining": 0.35, "fine-tuning": 0.1, "inference-eu": 0.2, "inference": 0.35}
    t = np.arange(periods.count)
    trend = (1.0 + yearly_growth) ** (t / periods.periods_per_year)
    season = 1.0 + 0.1 * np.sin(2 * np.pi * t / periods.periods_per_year)
    base_hours = base_accelerators * periods.hours * trend * season
    scenarios = tuple(
        DemandScenario(
            name,
            prob,
            {w.name: tuple(float(x) for x in base_hours * shares[w.name] * factor) for w in workloads},
        )
        for name, (prob, factor) in scen
    )
    sites = tuple(
        Site(
            name=f"dc-{r}",
            region=r,
            power_cap_kw=1500.0,
            max_servers=400,
            pue=1.25,
            electricity_usd_per_kwh=0.08 if r.startswith("us") else 0.15,
            carbon_location_kg_per_kwh=ci,
        )
        for r, ci in _REGIONS.items()
        if r in regions
    )
    life = 5 * periods.periods_per_year
    onprem = tuple(
        OnpremOption(
            site=s.name,
            accelerator=a,
            capex_usd_per_server=8 * EXAMPLE_ACCELERATORS[a][2],
            accelerators_per_server=8,
            life_periods=life,
            residual_fraction=0.1,
            power_kw_per_server=8 * EXAMPLE_ACCELERATORS[a][3],
            fixed_opex_usd_per_server_period=8 * EXAMPLE_ACCELERATORS[a][2] * 0.08 / periods.periods_per_year,
            lead_time_periods=max(1, periods.periods_per_year // 4),
            max_buy_servers_per_period=64,
        )
        for s in sites
        for a in accs
    )
    offers = tuple(
        CloudOffer(
            provider=p,
            region=r,
            accelerator=a,
            on_demand_usd_per_hour=EXAMPLE_ACCELERATORS[a][1] * f,
            spot_usd_per_hour=EXAMPLE_ACCELERATORS[a][1] * f * 0.4,
            commit_1y_usd_per_hour=EXAMPLE_ACCELERATORS[a][1] * f * 0.7,
            commit_3y_usd_per_hour=EXAMPLE_ACCELERATORS[a][1] * f * 0.5,
            spot_cap_accelerators=64,
            energy_kw_per_accelerator=EXAMPLE_ACCELERATORS[a][3] * 1.15,
            carbon_location_kg_per_kwh=_REGIONS[r],
        )
        for p, f in _PROVIDERS.items()
        if p in providers
        for r in regions
        for a in accs
    )
    return CapacityProblem(
        periods=periods,
        workloads=workloads,
        scenarios=scenarios,
        sites=sites,
        onprem=onprem,
        offers=offers,
        data_rules={"restricted": ("eu-west", "eu-north"), "confidential": ("onprem", "hyperscaler-a")},
        unmet_penalty_usd_per_ref_hour=50.0,
        pilot=PilotGate(gate_period=pilot_periods, max_accelerators=64.0) if pilot_periods > 0 else None,
    )
