"""The orchestrator: a scenario in, an immutable :class:`Plan` out.

``build_plan(scenario)`` sizes the six components, costs every deployment model the scenario
compares (yearly cash flows by line item), adds finance (TCO, NPV of cost, value from goals, NPV,
ROI, IRR, payback), unit costs, energy, carbon and water, and recommends one deployment with its
reasons as numbers and constraints. The result keeps the scenario and the catalogue version, and
``Plan.to_dict()`` is the JSON contract (``docs/plan.md``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackplan._currency import currency_symbol_of, short_amount
from stackplan._numeric import HOURS_PER_YEAR
from stackplan.deployments.costing import (
    CAPEX_LINES,
    COMPUTE_LINES,
    HIDDEN_LINES,
    OPEX_LINES,
    DeploymentCosts,
    _busy_kw,
    cost_deployment,
    place_workloads,
)
from stackplan.economics.cloud import token_costs
from stackplan.economics.finance import irr, npv, payback_years
from stackplan.errors import InputError
from stackplan.plan_inputs import PlanInputs, inputs_for
from stackplan.scenario.load import load_scenario
from stackplan.scenario.schema import DeploymentModel, Scenario
from stackplan.sizing.compute import ComputeDemand, WorkloadOption, component_sizing, size_compute
from stackplan.sizing.data import size_data
from stackplan.sizing.ecosystem import size_ecosystem
from stackplan.sizing.governance import size_governance
from stackplan.sizing.networking import size_networking
from stackplan.sizing.platform import size_platform
from stackplan.sizing.quantity import ComponentSizing

__all__ = ["COMPONENTS", "CashFlow", "DeploymentResult", "Plan", "Reason", "Recommendation", "build_plan"]

#: The six components, in the order plans list them.
COMPONENTS = ("compute", "data", "networking", "platform", "ecosystem", "governance")


@dataclass(frozen=True, kw_only=True)
class CashFlow:
    """One plan year of one deployment [USD]."""

    year: int
    capex_usd: float
    opex_usd: float
    hidden_usd: float
    lines: Mapping[str, float]

    @property
    def total_usd(self) -> float:
        return self.capex_usd + self.opex_usd + self.hidden_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "capex_usd": self.capex_usd,
            "opex_usd": self.opex_usd,
            "hidden_usd": self.hidden_usd,
            "lines": dict(self.lines),
        }


@dataclass(frozen=True, kw_only=True)
class DeploymentResult:
    """One deployment model's costs, finance, unit costs and footprint."""

    model: DeploymentModel
    cash_flows: tuple[CashFlow, ...]
    tco_usd: float
    npv_cost_usd: float
    value_by_year_usd: tuple[float, ...]
    value_usd: float
    npv_usd: float
    roi: float | None
    irr: float | None
    payback_years: float | None
    energy_mwh_by_year: tuple[float, ...]
    emissions_by_year: tuple[Mapping[str, float], ...]
    water_m3_by_year: tuple[float, ...]
    usd_per_accelerator_hour: float | None
    services: tuple[Mapping[str, Any], ...]
    training_runs: tuple[Mapping[str, Any], ...]
    unserved: tuple[Mapping[str, str], ...]
    placements: tuple[Mapping[str, Any], ...]
    pools: tuple[Mapping[str, Any], ...]
    staff_fte: Mapping[str, tuple[float, ...]]
    time_to_capacity_months: float
    largest_provider_share: float
    largest_provider: str | None
    #: The hiring and training plan (:class:`stackplan.roadmap.people.StaffingPlan`) the people
    #: lines are booked from; ``None`` for hand-made costs without one.
    staffing: Any = None

    @property
    def energy_mwh(self) -> float:
        return sum(self.energy_mwh_by_year)

    @property
    def emissions_tco2e(self) -> dict[str, float]:
        return {
            k: sum(e[k] for e in self.emissions_by_year)
            for k in ("location_based", "market_based", "embodied")
        }

    @property
    def water_m3(self) -> float:
        return sum(self.water_m3_by_year)

    @property
    def serves_all(self) -> bool:
        return not self.unserved

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "cash_flows": [c.to_dict() for c in self.cash_flows],
            "tco_usd": self.tco_usd,
            "npv_cost_usd": self.npv_cost_usd,
            "value_usd": self.value_usd,
            "npv_usd": self.npv_usd,
            "roi": self.roi,
            "irr": self.irr,
            "payback_years": self.payback_years,
            "energy_mwh": self.energy_mwh,
            "emissions_tco2e": self.emissions_tco2e,
            "water_m3": self.water_m3,
            "unit_costs": {
                "usd_per_accelerator_hour": self.usd_per_accelerator_hour,
                "services": [dict(s) for s in self.services],
                "training_runs": [dict(r) for r in self.training_runs],
            },
            "by_year": [
                {
                    "year": c.year,
                    "value_usd": v,
                    "energy_mwh": e,
                    "emissions_tco2e": dict(em),
                    "water_m3": w,
                }
                for c, v, e, em, w in zip(
                    self.cash_flows,
                    self.value_by_year_usd,
                    self.energy_mwh_by_year,
                    self.emissions_by_year,
                    self.water_m3_by_year,
                    strict=True,
                )
            ],
            "unserved": [dict(u) for u in self.unserved],
            "placements": [dict(p) for p in self.placements],
            "pools": [dict(p) for p in self.pools],
            "staff_fte": {k: list(v) for k, v in self.staff_fte.items()},
            "hiring_plan": None if self.staffing is None else self.staffing.to_dict(),
            "time_to_capacity_months": self.time_to_capacity_months,
            "lock_in": {
                "largest_provider": self.largest_provider,
                "share_of_compute_spend": self.largest_provider_share,
            },
        }


@dataclass(frozen=True, kw_only=True)
class Reason:
    """One reason of the recommendation: its kind, the sentence and the numbers behind it."""

    kind: str
    text: str
    figures: Mapping[str, float | str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "figures": dict(self.figures)}


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    deployment: DeploymentModel | None
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True, kw_only=True)
class Plan:
    """An immutable plan: the scenario, the catalogue version, the six components, every deployment
    and the recommendation."""

    scenario: Scenario
    catalog_version: str
    stackplan_version: str
    components: Mapping[str, ComponentSizing]
    deployments: tuple[DeploymentResult, ...]
    recommendation: Recommendation
    assumptions: tuple[Mapping[str, Any], ...]
    #: The optimised capacity plan of the hybrid deployment (:class:`stackplan.optimize.CapacityPlan`),
    #: ``None`` when the hybrid owns nothing or is not compared.
    capacity_plan: Any = None

    def deployment(self, model: str) -> DeploymentResult:
        for d in self.deployments:
            if d.model == model:
                return d
        raise KeyError(model)

    def roadmap(self) -> Any:
        """The phased roadmap of the hybrid's capacity plan (:class:`stackplan.roadmap.Roadmap`), its
        people plan being the hybrid's own hiring plan (the one its cost lines are booked from);
        ``None`` without a capacity plan."""
        if self.capacity_plan is None:
            return None
        from stackplan.roadmap import roadmap_from_plan
        from stackplan.roadmap.people import people_from_staffing

        hybrid = next((d for d in self.deployments if d.model == "hybrid"), None)
        people = None
        if hybrid is not None and hybrid.staffing is not None:
            per = self.capacity_plan.problem.periods
            people = people_from_staffing(hybrid.staffing, per.periods_per_year, per.count)
        return roadmap_from_plan(self.capacity_plan, people=people)

    def currency_dict(self) -> dict[str, Any]:
        """The organisation's currency: money in the JSON stays in USD (every ``*_usd`` key); the
        reports show it in ``code`` at the scenario's explicit rate ``usd_per_unit`` [USD/unit]."""
        org = self.scenario.organization
        return {
            "code": org.currency,
            "usd_per_unit": org.usd_per_currency_unit or 1.0,
            "json_amounts_in": "USD",
            "reports_in": org.currency,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (see ``docs/plan.md``). ``governance`` holds the findings, risk register
        and evidence checklist (docs/governance.md); ``roadmap`` and ``optimizer`` (issue 5) are
        reserved and ``None``."""
        from stackplan.governance.adapter import governance_section

        return {
            "stackplan_version": self.stackplan_version,
            "catalog_version": self.catalog_version,
            "scenario": self.scenario.model_dump(mode="json"),
            "components": {k: self.components[k].to_dict() for k in COMPONENTS},
            "deployments": [d.to_dict() for d in self.deployments],
            "recommendation": self.recommendation.to_dict(),
            "assumptions": [dict(a) for a in self.assumptions],
            "currency": self.currency_dict(),
            "governance": governance_section(self),
            "roadmap": _roadmap_dict(self.roadmap()),
            "optimizer": None if self.capacity_plan is None else self.capacity_plan.summary_dict(),
        }


def _roadmap_dict(road: Any) -> dict[str, Any] | None:
    if road is None:
        return None
    from stackplan.roadmap import roadmap_to_dict

    return roadmap_to_dict(road)


# ------------------------------------------------------------------------------------------ finance


def _value_by_year(scenario: Scenario, costs: DeploymentCosts) -> list[float]:
    """Yearly value of the goals [USD]: full value x adoption x share of the goal's workloads
    served x availability (the first year loses the months until capacity is ready)."""
    served = {p.workload_id for p in costs.placements if p.served}
    lead_share = min(1.0, costs.time_to_capacity_months / 12)
    out = []
    for t in range(scenario.organization.horizon_years):
        total = 0.0
        for g in scenario.goals:
            share = sum(1 for w in g.workloads if w in served) / len(g.workloads)
            availability = 1 - lead_share if t == 0 else 1.0
            total += g.full_value_usd_per_year() * g.adoption_in_year(t) * share * availability
        out.append(total)
    return out


def _services(
    scenario: Scenario, costs: DeploymentCosts, inputs: PlanInputs
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Unit costs per inference/batch service and per training run, with API prices (dual track)."""
    rate: dict[str, float] = {}
    for pool in costs.pools:
        for wid in pool.workloads:
            rate[wid] = pool.usd_per_delivered_hour(scenario.organization.discount_rate)
    services: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    by_id = {w.id: w for w in scenario.workloads.all()}
    service_ids = {w.id for w in (*scenario.workloads.inference, *scenario.workloads.batch)}
    for p in costs.placements:
        w = by_id[p.workload_id]
        o = p.option
        if w.id in service_ids:
            alt = getattr(w, "api_alternative", None)
            api = inputs.api_offer(alt.api_model, alt.provider) if alt else inputs.api_offer(w.model)
            same_model_api = inputs.api_offer(w.model)
            row: dict[str, Any] = {
                "workload": w.id,
                "model": w.model,
                "served": p.served,
                "uses_api": p.api,
                "accelerator": o.accelerator if o else None,
                "usd_per_million_input_tokens": None,
                "usd_per_million_output_tokens": None,
                "api_model": api.model if api else None,
                "api_provider": api.provider if api else None,
                "api_usd_per_million_input_tokens": api.usd_per_million_input if api else None,
                "api_usd_per_million_output_tokens": api.usd_per_million_output if api else None,
                "same_model_api_provider": same_model_api.provider if same_model_api else None,
                "same_model_api_usd_per_million_output_tokens": (
                    same_model_api.usd_per_million_output if same_model_api else None
                ),
                "source": o.source if o else "",
                "api_source": api.source if api else "",
            }
            w_in = float(getattr(w, "input_tokens", 0))
            w_out = float(getattr(w, "output_tokens", 0))
            if api is not None:
                row["api_usd_per_million_tokens_blended"] = (
                    w_in * api.usd_per_million_input + w_out * api.usd_per_million_output
                ) / (w_in + w_out)
            if p.api and api is not None:
                row["usd_per_million_input_tokens"] = api.usd_per_million_input
                row["usd_per_million_output_tokens"] = api.usd_per_million_output
                row["usd_per_million_tokens_blended"] = row["api_usd_per_million_tokens_blended"]
            elif o is not None and w.id in rate:
                cost = sum(h * (1 - o.lost_goodput_share) for h in o.busy_hours) * rate[w.id]
                tin, tout = sum(o.input_tokens_per_year), sum(o.output_tokens_per_year)
                tc = token_costs(cost, tin, tout, o.prefill_time_share)
                row["usd_per_million_input_tokens"] = tc.usd_per_million_input
                row["usd_per_million_output_tokens"] = tc.usd_per_million_output
                row["usd_per_million_tokens_blended"] = tc.usd_per_million_blended
                row["usd_per_year"] = cost / len(o.busy_hours)
                row["tokens_last_year"] = o.input_tokens_per_year[-1] + o.output_tokens_per_year[-1]
            services.append(row)
        elif o is not None and o.hours_per_run is not None and w.id in rate:
            runs.append(
                {
                    "workload": w.id,
                    "model": w.model,
                    "accelerator": o.accelerator,
                    "accelerator_hours_per_run": o.hours_per_run,
                    "devices_per_run": o.detail.get("devices_per_run"),
                    "wall_clock_days": o.detail.get("wall_clock_days"),
                    "usd_per_run": o.hours_per_run * (1 - o.lost_goodput_share) * rate[w.id],
                    # MFU the engine predicts and the run's accelerator-hours per plan year (the
                    # uncertainty model varies MFU on these hours)
                    "mfu": o.detail.get("mfu"),
                    "busy_hours_by_year": list(o.busy_hours),
                    # facility energy of one run [MWh] = accelerator-hours x busy kW per accelerator
                    # x PUE of where it runs / 1000 (EU AI Act Annex XI 2(e) asks for it)
                    "energy_mwh_per_run": o.hours_per_run
                    * _busy_kw(inputs, o.tdp_w)
                    * (p.cloud.pue if p.cloud is not None and not p.owned else inputs.a("pue"))
                    / 1000.0,
                    "source": o.source,
                }
            )
    return services, runs


def _deployment_result(scenario: Scenario, costs: DeploymentCosts, inputs: PlanInputs) -> DeploymentResult:
    r = scenario.organization.discount_rate
    flows = []
    for t, year in enumerate(costs.years):
        lines = {k: v[t] for k, v in costs.lines.items()}
        flows.append(
            CashFlow(
                year=year,
                capex_usd=sum(lines[k] for k in CAPEX_LINES),
                opex_usd=sum(lines[k] for k in OPEX_LINES),
                hidden_usd=sum(lines[k] for k in HIDDEN_LINES),
                lines=lines,
            )
        )
    cost = [c.total_usd for c in flows]
    value = _value_by_year(scenario, costs)
    net = [v - c for v, c in zip(value, cost, strict=True)]
    npv_cost = npv(r, cost)
    npv_value = npv(r, value)
    # levelised: PV of the compute lines over PV of the delivered accelerator-hours
    compute_cost = npv(r, [sum(costs.lines[k][t] for k in COMPUTE_LINES) for t in range(len(costs.years))])
    delivered = npv(r, [sum(p.delivered_hours[t] for p in costs.pools) for t in range(len(costs.years))])
    services, runs = _services(scenario, costs, inputs)
    spend = costs.cloud_spend_by_provider
    compute_spend = sum(sum(p.compute_cost_usd) for p in costs.pools)
    largest = max(spend, key=lambda k: spend[k], default=None)
    unserved = tuple(
        {"workload": p.workload_id, "reason": p.reason} for p in costs.placements if not p.served
    )
    placements = tuple(
        {
            "workload": p.workload_id,
            "accelerator": p.option.accelerator if p.option else None,
            "owned": p.owned,
            "cloud": p.cloud.id if p.cloud else None,
            "api": p.api,
            "served": p.served,
            # devices the workload needs at its peak [accelerators], per plan year
            "peak_devices": list(p.option.peak_devices) if p.option and p.served and not p.api else [],
        }
        for p in costs.placements
    )
    pools = tuple(
        {
            "accelerator": p.accelerator,
            "cloud_offer": p.offer,
            "owned_devices": list(p.owned_devices),
            "committed_devices": list(p.committed_devices),
            "owned_busy_hours": list(p.owned_busy_hours),
            "cloud_busy_hours": list(p.cloud_busy_hours),
            "usd_per_delivered_accelerator_hour": p.usd_per_delivered_hour(r),
            "break_even_utilisation": p.break_even_utilisation,
            "workloads": list(p.workloads),
        }
        for p in costs.pools
    )
    return DeploymentResult(
        model=costs.model,
        cash_flows=tuple(flows),
        tco_usd=sum(cost),
        npv_cost_usd=npv_cost,
        value_by_year_usd=tuple(value),
        value_usd=sum(value),
        npv_usd=npv(r, net),
        roi=(npv_value - npv_cost) / npv_cost if npv_cost > 0 else None,
        irr=irr(net) if any(v > 0 for v in net) and any(v < 0 for v in net) else None,
        payback_years=payback_years(net),
        energy_mwh_by_year=tuple(e / 1000 for e in costs.facility_energy_kwh),
        emissions_by_year=tuple(
            {"location_based": lo, "market_based": m, "embodied": e}
            for lo, m, e in zip(costs.location_tco2e, costs.market_tco2e, costs.embodied_tco2e, strict=True)
        ),
        water_m3_by_year=costs.water_m3,
        usd_per_accelerator_hour=compute_cost / delivered if delivered > 0 else None,
        services=tuple(services),
        training_runs=tuple(runs),
        unserved=unserved,
        placements=placements,
        pools=pools,
        staff_fte=costs.staff_fte,
        time_to_capacity_months=costs.time_to_capacity_months,
        largest_provider_share=(spend[largest] / compute_spend if largest and compute_spend > 0 else 0.0),
        largest_provider=largest,
        staffing=costs.staffing,
    )


# ----------------------------------------------------------------------------------- recommendation


_NAMES = {"cloud_first": "cloud-first", "hybrid": "hybrid", "on_prem": "on-prem"}


def recommend(
    deployments: Sequence[DeploymentResult], currency: str = "USD", usd_per_currency_unit: float = 1.0
) -> Recommendation:
    """Pick the deployment that serves every workload (or the most) with the highest NPV; say why
    in numbers: cost, value, constraints (data class vs placement), time to capacity, lock-in.

    The reasons' wording shows money in ``currency`` (converted at ``usd_per_currency_unit`` USD per
    unit): USD in the plan and its JSON, like every JSON amount; the reports word them again in the
    organisation's currency (:func:`stackplan.report._text.recommendation_reasons`). Their
    ``figures`` stay in USD.
    """

    def _usd(x: float) -> str:
        return short_amount(x / usd_per_currency_unit, currency_symbol_of(currency))

    if not deployments:
        return Recommendation(deployment=None, reasons=())
    ranked = sorted(deployments, key=lambda d: (len(d.unserved), -d.npv_usd, d.npv_cost_usd))
    best = ranked[0]
    reasons: list[Reason] = []
    for d in deployments:
        for u in d.unserved:
            reasons.append(
                Reason(
                    kind="constraint",
                    text=f"{_NAMES[d.model]} cannot serve {u['workload']}: {u['reason']}",
                    figures={"deployment": d.model, "workload": u["workload"]},
                )
            )
    for d in ranked[1:]:
        diff = d.npv_cost_usd - best.npv_cost_usd
        if len(d.unserved) > len(best.unserved):
            continue
        pct = diff / d.npv_cost_usd if d.npv_cost_usd else 0.0
        if diff >= 0:
            text = (
                f"{_NAMES[best.model]} costs {_usd(best.npv_cost_usd)} in present value, {_usd(diff)} "
                f"({pct:.0%}) less than {_NAMES[d.model]} ({_usd(d.npv_cost_usd)})"
            )
        else:
            text = (
                f"{_NAMES[best.model]} costs {_usd(-diff)} more in present value than {_NAMES[d.model]} "
                f"({_usd(best.npv_cost_usd)} vs {_usd(d.npv_cost_usd)}) but yields "
                f"{_usd(best.npv_usd - d.npv_usd)} more net present value"
            )
        reasons.append(
            Reason(
                kind="cost",
                text=text,
                figures={
                    "deployment": best.model,
                    "other": d.model,
                    "npv_cost_usd": best.npv_cost_usd,
                    "other_npv_cost_usd": d.npv_cost_usd,
                    "difference_usd": diff,
                },
            )
        )
    if best.value_usd > 0:
        reasons.append(
            Reason(
                kind="value",
                text=(
                    f"goals yield {_usd(best.value_usd)} over the horizon; NPV {_usd(best.npv_usd)}"
                    + (
                        ", no payback within the horizon"
                        if best.payback_years is None
                        else ", payback within the first year"
                        if best.payback_years < 1
                        else f", payback after {best.payback_years:.1f} years"
                    )
                ),
                figures={
                    "value_usd": best.value_usd,
                    "npv_usd": best.npv_usd,
                    "payback_years": best.payback_years,
                },
            )
        )
    ttc = {d.model: d.time_to_capacity_months for d in deployments}
    reasons.append(
        Reason(
            kind="time_to_capacity",
            text=", ".join(f"{_NAMES[m]} {v:g} months" for m, v in ttc.items()),
            figures={str(k): v for k, v in ttc.items()},
        )
    )
    if best.largest_provider:
        reasons.append(
            Reason(
                kind="lock_in",
                text=(
                    f"{best.largest_provider_share:.0%} of {_NAMES[best.model]} compute spend goes to one provider "
                    f"({best.largest_provider})"
                ),
                figures={"provider": best.largest_provider, "share": best.largest_provider_share},
            )
        )
    for p in best.pools:
        be = p.get("break_even_utilisation")
        hours = sum(p["owned_busy_hours"])
        owned = sum(p["owned_devices"])
        if be is not None and owned > 0:
            util = hours / (owned * HOURS_PER_YEAR)
            reasons.append(
                Reason(
                    kind="utilisation",
                    text=(
                        f"owned {p['accelerator']} run at {util:.0%} average utilisation; owning beats renting "
                        f"on demand above {be:.0%}"
                    ),
                    figures={"accelerator": p["accelerator"], "utilisation": util, "break_even": be},
                )
            )
    return Recommendation(deployment=best.model, reasons=tuple(reasons))


# ------------------------------------------------------------------------------------------- build


def _with_risk_mitigation(
    scenario: Scenario,
    inputs: PlanInputs,
    costs_by_model: dict[str, DeploymentCosts],
    results: list[DeploymentResult],
    capacity: Any,
) -> list[DeploymentResult]:
    """Add the risk register's mitigation cost per deployment and year to its ``risk_mitigation``
    line (issue 6) and recompute the finance.

    No feedback loop: the register is built from governance facts that leave the whole
    ``risk_mitigation`` line out of the spend (``governance.adapter``), and no other fact depends on
    that line, so the register of the finished plan is the one booked here. ``costs_by_model`` is
    updated in place with the booked lines.
    """
    from stackplan.governance.adapter import facts_from_plan, policies_from_settings, settings_of
    from stackplan.governance.assessment import assess

    provisional = Plan(
        scenario=scenario,
        catalog_version=inputs.catalog_version,
        stackplan_version="",
        components={},
        deployments=tuple(results),
        recommendation=recommend(results),
        assumptions=(),
        capacity_plan=capacity,
    )
    try:
        facts = facts_from_plan(provisional, inputs=inputs)
    except InputError:
        # a bad governance section (e.g. an unknown workload id) is reported where governance is
        # assessed (the JSON's governance key, the reports, ``stackplan check``), never swallowed:
        # the plan's costs are built without the register until it is fixed
        return results
    assessment = assess(facts, policies_from_settings(settings_of(provisional)))
    out = []
    for result in results:
        costs = costs_by_model[result.model]
        extra = assessment.mitigation_cost_usd_by_year(result.model)
        if not any(v > 0 for v in extra.values()):
            out.append(result)
            continue
        lines = dict(costs.lines)
        lines["risk_mitigation"] = tuple(
            v + extra.get(y, 0.0) for v, y in zip(lines["risk_mitigation"], costs.years, strict=True)
        )
        costs = dataclasses.replace(costs, lines=lines)
        costs_by_model[result.model] = costs
        out.append(_deployment_result(scenario, costs, inputs))
    return out


def build_plan(
    scenario: Scenario | str | Path,
    *,
    inputs: PlanInputs | None = None,
    demand: ComputeDemand | None = None,
    risk_register: bool = True,
) -> Plan:
    """Build the plan of ``scenario`` (a loaded :class:`Scenario`, a path or YAML text).

    ``inputs`` (catalogue figures) and ``demand`` (compute options from the performance engines)
    default to the shipped catalogues and engines; tests pass hand-made ones. ``risk_register``
    books the governance risk register's mitigation cost in each deployment's ``risk_mitigation``
    line (default; ``False`` gives the bare cost ledger, as the hand-worked ledger tests check it).
    """
    from stackplan import __version__

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if inputs is None:
        inputs = inputs_for(scenario)
    if demand is None:
        demand = size_compute(scenario)
    results: list[DeploymentResult] = []
    costs_by_model: dict[str, DeploymentCosts] = {}
    capacity: Any = None
    chosen_by_model: dict[str, dict[str, WorkloadOption]] = {}
    for model in scenario.deployment.models:
        placements = place_workloads(model, scenario, demand, inputs)
        chosen = {p.workload_id: p.option for p in placements if p.option is not None}
        chosen_by_model[model] = chosen
        data = size_data(
            scenario,
            chosen,
            checkpoint_bytes_per_param=inputs.a("checkpoint_bytes_per_param"),
            bytes_per_token=inputs.a("bytes_per_token"),
        )
        owned_levels = None
        if model == "hybrid":  # the capacity optimiser decides what the hybrid owns (issue 5)
            from stackplan.optimize.from_plan import hybrid_capacity

            capacity, owned_levels = hybrid_capacity(scenario, inputs, placements)
        costs = cost_deployment(model, scenario, demand, data, inputs, placements, owned_levels=owned_levels)
        costs_by_model[model] = costs
        results.append(_deployment_result(scenario, costs, inputs))
    if risk_register:
        results = _with_risk_mitigation(scenario, inputs, costs_by_model, results, capacity)
    rec = recommend(results)
    ref = rec.deployment or scenario.deployment.models[0]
    chosen = chosen_by_model[ref]
    ref_costs = costs_by_model[ref]
    ref_result = next(d for d in results if d.model == ref)
    data = size_data(
        scenario,
        chosen,
        checkpoint_bytes_per_param=inputs.a("checkpoint_bytes_per_param"),
        bytes_per_token=inputs.a("bytes_per_token"),
    )
    owned_peak = max((max(p.owned_devices) for p in ref_costs.pools), default=0.0)
    components = {
        "compute": component_sizing(demand, list(chosen.values())),
        "data": data.sizing,
        "networking": size_networking(
            scenario,
            list(chosen.values()),
            fabric_name=scenario.deployment.network_fabric or "default fabric",
            fabric_source=inputs.network_source,
            fabric_usd_per_accelerator=inputs.network_usd_per_accelerator,
        ),
        "platform": size_platform(
            clusters=len(ref_costs.pools),
            control_plane_nodes_per_cluster=inputs.a("control_plane_nodes_per_cluster"),
            licence_name=scenario.deployment.licence or "none",
            licence_usd_per_accelerator_year=inputs.licence_usd_per_accelerator_year,
            licence_source=inputs.licence_source,
            owned_accelerators_peak=owned_peak,
            staff_fte=ref_costs.staff_fte,
            years=scenario.years,
        ),
        "ecosystem": size_ecosystem(
            [
                {
                    "workload": s["workload"],
                    "self_hosted_usd_per_million_output": s.get("usd_per_million_output_tokens"),
                    "api_usd_per_million_output": s.get("api_usd_per_million_output_tokens"),
                    "uses_api": s.get("uses_api"),
                    "tokens_last_year": s.get("tokens_last_year", 0.0),
                    "source": s.get("source", ""),
                    "api_source": s.get("api_source", ""),
                }
                for s in ref_result.services
            ],
            licence_name=scenario.deployment.licence or "none",
            licence_source=inputs.licence_source,
        ),
        "governance": size_governance(
            scenario,
            security_engineers=inputs.a("security_engineers_min"),
            audit_usd_per_year=inputs.a("compliance_audit_usd_per_year"),
            audit_source=inputs.figures["compliance_audit_usd_per_year"].source,
        ),
    }
    return Plan(
        scenario=scenario,
        catalog_version=inputs.catalog_version,
        stackplan_version=__version__,
        components=components,
        deployments=tuple(results),
        recommendation=rec,
        assumptions=tuple(inputs.assumptions_table()),
        capacity_plan=capacity,
    )
