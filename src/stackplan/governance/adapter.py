"""From a plan to :class:`GovernanceFacts`: the adapter that fills governance with the plan's numbers.

What the plan provides today and how it maps (see docs/governance.md, "Wiring into the plan"):

- workloads, data classes and where each class may be processed: from the scenario; a class's
  location tokens are expanded to the cloud regions (``provider:region``) and the owned site
  (``on_prem:<grid zone>``) they cover, using the plan's catalogue inputs;
- placements: each served workload's cloud offer and/or owned site; accelerators per placement
  are the workload's own peak devices (``placements[].peak_devices``); a workload of a partly owned
  hybrid pool has the pool's owned share of its peak on the site and the rest in the cloud;
- years: spend (total minus the plan's own ``risk_mitigation`` line, which carries the register's
  mitigation cost: no feedback loop), energy, emissions, water; peak demand = the sum of the served
  workloads' sized peak devices (coincident peaks, as the plan's pools add them); capacity = owned
  + committed devices (firm) + on-demand cloud devices, the latter assumed available up to the
  peak with the headroom target (``elastic_capacity_accelerators``; the headroom check states this
  assumption as an info finding instead of warning on every cloud deployment);
- committed spend and the low-demand case (:func:`low_demand_factors`): cloud commitments per pool
  and year (committed devices x 8,760 h x the commitment price) vs the committed hours the
  low-demand case still uses (the cloud busy hours scaled by the low-demand factor);
- models: training and fine-tuning workloads, compute = model FLOPs per token (training, at the
  workload's sequence length) x tokens per run; training time and accelerator-hours from the
  plan's training runs; energy per run from the plan's ``energy_mwh_per_run`` (accelerator-hours x
  busy kW x PUE);
- owned site and hardware: from the on-prem site and the pools' owned devices (useful life =
  ``server_depreciation_years``); scale-up spending: the hybrid's server orders dated by the
  optimiser's purchase periods, other CapEx dated 1 January of its year;
- the rest (evidence, attestations, pilot gate, targets, budgets, workload flags) from the
  scenario's ``governance:`` section (:class:`GovernanceSettings`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from stackplan._numeric import HOURS_PER_YEAR
from stackplan.errors import UnknownIdError
from stackplan.governance.facts import (
    DeploymentFacts,
    GovernanceFacts,
    HardwareFacts,
    ModelFacts,
    PlacementFacts,
    ProviderFacts,
    SiteFacts,
    SpendItem,
    WorkloadFacts,
    YearFacts,
)
from stackplan.governance.policies import PolicyRule, load_policies, parse_policies
from stackplan.governance.settings import GovernanceSettings

if TYPE_CHECKING:
    from stackplan.plan import Plan
    from stackplan.plan_inputs import PlanInputs

__all__ = [
    "OWN_PROVIDER",
    "facts_and_policies_from_scenario_file",
    "facts_from_plan",
    "governance_section",
    "policies_from_settings",
    "settings_of",
]

#: Provider name of the organisation's own capacity.
OWN_PROVIDER = "own"
#: Name of the on-prem site in the facts.
ONPREM_SITE = "on_prem-site"


def settings_of(plan: Plan) -> GovernanceSettings:
    """The scenario's ``governance:`` section, or the defaults when it has none."""
    value = getattr(plan.scenario, "governance", None)
    if value is None:
        return GovernanceSettings()
    if isinstance(value, GovernanceSettings):
        return value
    return GovernanceSettings.model_validate(value if isinstance(value, dict) else value.model_dump())


def policies_from_settings(
    settings: GovernanceSettings, *, base_dir: Path | None = None
) -> tuple[PolicyRule, ...]:
    """The organisation policies named by the scenario (inline rules or a policy file)."""
    if settings.policies is None:
        return ()
    if isinstance(settings.policies, str):
        path = Path(settings.policies)
        return load_policies(path if path.is_absolute() or base_dir is None else base_dir / path)
    return parse_policies(settings.policies, where="governance.policies")


def _kind_of(plan: Plan) -> dict[str, Literal["training", "fine_tuning", "inference", "batch"]]:
    w = plan.scenario.workloads
    return {
        **{x.id: "training" for x in w.training},
        **{x.id: "fine_tuning" for x in w.fine_tuning},
        **{x.id: "inference" for x in w.inference},
        **{x.id: "batch" for x in w.batch},
    }


def _site_region(inputs: PlanInputs) -> str | None:
    return f"on_prem:{inputs.site.grid_zone}" if inputs.site is not None else None


def _data_class_regions(plan: Plan, inputs: PlanInputs) -> dict[str, tuple[str, ...]]:
    org = plan.scenario.organization
    out: dict[str, tuple[str, ...]] = {}
    site_region = _site_region(inputs)
    for cls, policy in org.data_classes.items():
        tokens = set(org.regions if "any" in policy.regions else policy.regions)
        allowed = (
            {
                o.id
                for o in inputs.cloud_offers
                if (o.locations() & tokens and "on_prem" not in tokens) or o.id in tokens
            }
            if policy.cloud
            else set()
        )
        if inputs.site is not None and site_region is not None and (inputs.site.locations() & tokens):
            allowed.add(site_region)
        out[str(cls)] = tuple(sorted(allowed))
    return out


def _models(plan: Plan, settings: GovernanceSettings) -> tuple[ModelFacts, ...]:
    from stackplan.models import resolve_model

    runs: dict[str, Any] = {}
    ref = plan.recommendation.deployment
    for d in plan.deployments:
        if d.model == ref or not runs:
            runs = {r["workload"]: r for r in d.training_runs}
    out = []
    for kind, workloads in (
        ("training", plan.scenario.workloads.training),
        ("fine_tuning", plan.scenario.workloads.fine_tuning),
    ):
        for w in workloads:
            arch = resolve_model(w.model, field=f"workloads.{kind}.{w.id}.model")
            flop = arch.model_flops_per_token_training(w.seq_len) * float(w.tokens)
            g = settings.workloads.get(w.id)
            run: dict[str, Any] = dict(runs.get(w.id, {}))
            days = run.get("wall_clock_days")
            out.append(
                ModelFacts(
                    name=w.id,
                    training_flop=flop,
                    base_model=w.model if kind == "fine_tuning" else None,
                    base_model_training_flop=g.base_model_training_flop if g else None,
                    base_model_is_own=g.base_model_is_own if g else False,
                    training_time_h=float(days) * 24.0 if days is not None else None,
                    accelerator_hours=run.get("accelerator_hours_per_run"),
                    energy_mwh=run.get("energy_mwh_per_run"),
                    placed_on_eu_market=g.placed_on_eu_market if g else True,
                )
            )
    return tuple(out)


def _deployment(plan: Plan, d: Any, inputs: PlanInputs, settings: GovernanceSettings) -> DeploymentFacts:
    years = [c.year for c in d.cash_flows]
    site_region = _site_region(inputs)
    # devices per workload: its own peak; where a pool is partly owned, the owned share of the pool's
    # peak (owned devices over the summed peaks of its workloads) is on the site and the rest in the cloud
    peak = {p["workload"]: max(p.get("peak_devices") or [0.0]) for p in d.placements}
    owned_share: dict[str, float] = {}
    for pool in d.pools:
        total = sum(peak.get(w, 0.0) for w in pool["workloads"])
        share = min(1.0, max(pool["owned_devices"], default=0.0) / total) if total > 0 else 0.0
        for wid in pool["workloads"]:
            owned_share[wid] = share
    owned_cap: dict[str, float] = {}
    cloud_cap: dict[str, float] = {}
    for p in d.placements:
        wid = p["workload"]
        if p["owned"] and p["cloud"]:
            owned_cap[wid] = peak.get(wid, 0.0) * owned_share.get(wid, 0.0)
            cloud_cap[wid] = peak.get(wid, 0.0) - owned_cap[wid]
        else:
            owned_cap[wid] = cloud_cap[wid] = peak.get(wid, 0.0)
    placements = []
    for p in d.placements:
        if not p["served"] or p["api"]:
            continue
        wid = p["workload"]
        if p["owned"] and site_region is not None:
            placements.append(
                PlacementFacts(
                    workload=wid,
                    provider=OWN_PROVIDER,
                    region=site_region,
                    site=ONPREM_SITE,
                    accelerators=owned_cap.get(wid, 0.0),
                )
            )
        if p["cloud"]:
            provider = str(p["cloud"]).partition(":")[0]
            placements.append(
                PlacementFacts(
                    workload=wid,
                    provider=provider,
                    region=str(p["cloud"]),
                    accelerators=cloud_cap.get(wid, 0.0),
                )
            )
    owned_by_year = [sum(pool["owned_devices"][t] for pool in d.pools) for t in range(len(years))]
    committed_by_year = [sum(pool["committed_devices"][t] for pool in d.pools) for t in range(len(years))]
    peak_by_year = [
        sum(p["peak_devices"][t] for p in d.placements if p.get("peak_devices")) for t in range(len(years))
    ]
    h = settings.targets.min_headroom_share
    cloud_pools = any(pool["cloud_offer"] for pool in d.pools)
    elastic_by_year = [
        max(0.0, peak_by_year[t] * (1.0 + h) - owned_by_year[t] - committed_by_year[t])
        if cloud_pools
        else 0.0
        for t in range(len(years))
    ]
    committed_usd, low_need_usd = _commitments(plan, d, inputs)
    budgets = settings.budget_usd_per_year
    year_facts = []
    for t, (c, em) in enumerate(zip(d.cash_flows, d.emissions_by_year, strict=True)):
        year_facts.append(
            YearFacts(
                year=c.year,
                peak_demand_accelerators=peak_by_year[t],
                capacity_accelerators=owned_by_year[t] + committed_by_year[t] + elastic_by_year[t],
                elastic_capacity_accelerators=elastic_by_year[t],
                committed_spend_usd=committed_usd[t],
                low_demand_spend_usd=low_need_usd[t] if committed_usd[t] > 0 else None,
                spend_usd=max(0.0, c.total_usd - float(c.lines.get("risk_mitigation", 0.0))),
                budget_usd=budgets[t] if t < len(budgets) else None,
                emissions_location_tco2e=em["location_based"],
                emissions_market_tco2e=em["market_based"],
                emissions_embodied_tco2e=em["embodied"],
                energy_mwh=d.energy_mwh_by_year[t],
                water_m3=d.water_m3_by_year[t],
            )
        )
    sites: list[SiteFacts] = []
    hardware: list[HardwareFacts] = []
    if inputs.site is not None and site_region is not None and any(owned_by_year):
        kw = max(
            (
                max(pool["owned_devices"], default=0.0)
                * (
                    inputs.servers[pool["accelerator"]].power_kw_per_accelerator
                    if pool["accelerator"] in inputs.servers
                    else 0.0
                )
                for pool in d.pools
            ),
            default=0.0,
        )
        owned = inputs.site.facility == "build"
        sites.append(
            SiteFacts(
                name=ONPREM_SITE,
                region=site_region,
                ownership="owned" if owned else "colocation",
                operator=None if owned else "colocation",
                it_power_kw=kw,
            )
        )
        life = inputs.a("server_depreciation_years")
        for pool in d.pools:
            devices = list(pool["owned_devices"])
            used = [years[t] for t, n in enumerate(devices) if n > 0]
            if used:
                hardware.append(
                    HardwareFacts(
                        name=f"{pool['accelerator']} servers",
                        site=ONPREM_SITE,
                        accelerators=round(max(devices)),
                        purchase_year=used[0],
                        useful_life_years=life,
                        committed_until_year=used[-1],
                    )
                )
    scale_up = _scale_up(plan, d)
    return DeploymentFacts(
        model=d.model,
        placements=tuple(placements),
        years=tuple(year_facts),
        sites=tuple(sites),
        hardware=tuple(hardware),
        scale_up_spend=scale_up,
    )


#: Demand level of the low-demand case when nothing else is known [-]: 30% below the plan in every
#: year (a planning assumption, the size of a failed pilot's adoption shortfall; Stackplan default).
LOW_DEMAND_LEVEL = 0.7


def low_demand_factors(plan: Plan) -> list[float]:
    """Demand of the low-demand case over the plan's, per plan year [-].

    ``LOW_DEMAND_LEVEL x ((1 + g_P10) / (1 + g))^t``: the level shortfall every year, and where the
    scenario's ``uncertainty:`` section gives ``demand_growth``, growth at its P10 instead of the
    plan's growth ``g`` (from :func:`stackplan.uncertainty.from_plan.plan_base_values`).
    """
    years = plan.scenario.organization.horizon_years
    settings = plan.scenario.uncertainty
    spec = settings.demand_growth if settings is not None else None
    if spec is None:
        return [LOW_DEMAND_LEVEL] * years
    from stackplan.uncertainty.from_plan import plan_base_values

    g = plan_base_values(plan)["demand_growth"]
    g_low = spec.distribution().ppf(0.1)
    return [LOW_DEMAND_LEVEL * ((1.0 + g_low) / (1.0 + g)) ** t for t in range(years)]


def _commitments(plan: Plan, d: Any, inputs: PlanInputs) -> tuple[list[float], list[float]]:
    """(committed cloud spend, the part of it the low-demand case still uses) per year [USD]."""
    from stackplan.deployments.costing import _commit_term

    n = len(d.cash_flows)
    committed = [0.0] * n
    used = [0.0] * n
    low = low_demand_factors(plan)
    offers = {(o.id, o.accelerator): o for o in inputs.cloud_offers}
    for pool in d.pools:
        offer = offers.get((pool["cloud_offer"], pool["accelerator"]))
        if offer is None:
            continue
        for t in range(n):
            devices = float(pool["committed_devices"][t])
            term = _commit_term(plan.scenario, t)
            if devices <= 0 or term == "on_demand":
                continue
            price = offer.price(term)
            hours = devices * HOURS_PER_YEAR
            committed[t] += hours * price
            used[t] += min(hours, float(pool["cloud_busy_hours"][t]) * low[t]) * price
    return committed, used


def _scale_up(plan: Plan, d: Any) -> tuple[SpendItem, ...]:
    """Scale-up spending: the hybrid's server orders dated by the optimiser's purchase periods (the
    first day of the ordering period); other deployments (and years without an order) each year's
    CapEx dated 1 January."""
    items: list[SpendItem] = []
    cap = plan.capacity_plan if d.model == "hybrid" else None
    if cap is not None and cap.purchases:
        from stackplan.roadmap.timeline import period_start

        per = cap.problem.periods
        for pur in cap.purchases:
            when = period_start(per, pur.period)
            items.append(SpendItem(date=when, usd=pur.capex_usd, line="onprem_servers"))
    for c in d.cash_flows:
        rest = c.capex_usd - sum(i.usd for i in items if i.date.year == c.year)
        if rest > 1e-6 * max(1.0, c.capex_usd):
            items.append(SpendItem(date=date(c.year, 1, 1), usd=rest, line="capex"))
    return tuple(sorted(items, key=lambda i: i.date))


def facts_from_plan(plan: Plan, *, inputs: PlanInputs | None = None) -> GovernanceFacts:
    """The governance facts of ``plan`` (``inputs``: the plan's catalogue inputs, recomputed when omitted)."""
    from stackplan.plan_inputs import inputs_for

    settings = settings_of(plan)
    inputs = inputs if inputs is not None else inputs_for(plan.scenario)
    kinds = _kind_of(plan)
    unknown = sorted(set(settings.workloads) - set(kinds))
    if unknown:
        raise UnknownIdError("governance.workloads", "workload", unknown[0], list(kinds))
    workloads = []
    for w in plan.scenario.workloads.all():
        g = settings.workloads.get(w.id)
        workloads.append(
            WorkloadFacts(
                name=w.id,
                kind=kinds[w.id],
                data_class=str(w.data_class),
                critical=g.critical if g else False,
                checkpointed=g.checkpointed if g else False,
                needs_dr=g.needs_dr if g else False,
            )
        )
    deployments = tuple(_deployment(plan, d, inputs, settings) for d in plan.deployments)
    used = sorted(
        {p.provider for d in deployments for p in d.placements}
        | {"colocation" for d in deployments if any(s.ownership == "colocation" for s in d.sites)}
    )
    providers = tuple(
        ProviderFacts(
            name=name,
            kind="own" if name == OWN_PROVIDER else ("colocation" if name == "colocation" else "cloud"),
            attestations=settings.provider_attestations.get(name, ()),
        )
        for name in used
    )
    return GovernanceFacts(
        organization=plan.scenario.organization.name,
        assessment_date=settings.assessment_date or date(plan.scenario.organization.start_year, 1, 1),
        data_class_regions=_data_class_regions(plan, inputs),
        workloads=tuple(workloads),
        models=_models(plan, settings),
        deployments=deployments,
        providers=providers,
        targets=settings.targets,
        pilot_gate_date=settings.pilot_gate,
        evidence_provided=settings.evidence_provided,
    )


def governance_section(plan: Plan, *, base_dir: Path | None = None) -> dict[str, Any]:
    """The ``governance`` key of the plan's JSON: findings, risk register, evidence checklist."""
    from stackplan.governance.assessment import assess, assessment_to_dict

    return assessment_to_dict(
        assess(facts_from_plan(plan), policies_from_settings(settings_of(plan), base_dir=base_dir))
    )


def facts_and_policies_from_scenario_file(path: Path) -> tuple[GovernanceFacts, tuple[PolicyRule, ...]]:
    """Plan the scenario at ``path``; return its governance facts and its own policies."""
    from stackplan.plan import build_plan

    plan = build_plan(Path(path))
    return facts_from_plan(plan), policies_from_settings(settings_of(plan), base_dir=Path(path).parent)
