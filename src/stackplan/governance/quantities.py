"""The registry of named plan quantities that organisation policies can test.

Each quantity belongs to an entity: ``model`` (a trained or modified model), ``workload`` (a
workload under one deployment model), ``year`` (one year of one deployment model), ``site`` (a site
of one deployment model) or ``deployment`` (one deployment model as a whole). ``deployment.*``
quantities can also be used in the conditions of ``workload``, ``year`` and ``site`` rules.
:func:`policy_rows` turns facts into rows of values keyed by these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from stackplan.governance.checks.resilience import capacity_shares, headroom_share
from stackplan.governance.facts import DeploymentFacts, GovernanceFacts

__all__ = ["ENTITIES", "QUANTITIES", "Entity", "Quantity", "QuantityKind", "Row", "Value", "policy_rows"]

Entity = Literal["model", "workload", "year", "site", "deployment"]
QuantityKind = Literal["number", "text", "text_set", "bool"]
Value = float | int | str | bool | frozenset[str] | None

#: Entities and the entities whose quantities their rows also carry.
ENTITIES: dict[Entity, tuple[Entity, ...]] = {
    "model": ("model",),
    "workload": ("workload", "deployment"),
    "year": ("year", "deployment"),
    "site": ("site", "deployment"),
    "deployment": ("deployment",),
}


@dataclass(frozen=True)
class Quantity:
    """A named plan quantity: its entity, its kind, its unit and what it means."""

    name: str
    kind: QuantityKind
    unit: str
    description: str

    @property
    def entity(self) -> Entity:
        """The entity, from the name's prefix (``workload.regions`` -> ``workload``)."""
        return self.name.split(".", 1)[0]  # type: ignore[return-value]


_Q = Quantity
#: Every quantity a policy may name.
QUANTITIES: dict[str, Quantity] = {
    q.name: q
    for q in (
        _Q("model.name", "text", "", "model name"),
        _Q(
            "model.training_flop",
            "number",
            "FLOP",
            "training compute of the run (a fine-tune: the modification's)",
        ),
        _Q("model.training_time_h", "number", "h", "wall-clock training time"),
        _Q("model.energy_mwh", "number", "MWh", "energy of the training run"),
        _Q("model.is_modification", "bool", "", "a fine-tune or other modification of a base model"),
        _Q("model.placed_on_eu_market", "bool", "", "placed on the EU market or put into service in the EU"),
        _Q("workload.name", "text", "", "workload name"),
        _Q("workload.kind", "text", "", "training, fine_tuning, inference or batch"),
        _Q("workload.data_class", "text", "", "data class of the workload"),
        _Q("workload.critical", "bool", "", "business-critical"),
        _Q("workload.checkpointed", "bool", "", "saves checkpoints and resumes"),
        _Q("workload.needs_dr", "bool", "", "needs a disaster-recovery placement"),
        _Q("workload.regions", "text_set", "", "regions of all its placements (primary and DR)"),
        _Q("workload.providers", "text_set", "", "providers of all its placements"),
        _Q("workload.sites", "text_set", "", "named sites of its placements"),
        _Q("workload.uses_spot", "bool", "", "any of its placements is spot capacity"),
        _Q("workload.accelerators", "number", "accelerators", "accelerators placed for it (all placements)"),
        _Q("year.year", "number", "year", "calendar year"),
        _Q("year.peak_demand_accelerators", "number", "accelerators", "peak accelerator demand"),
        _Q("year.capacity_accelerators", "number", "accelerators", "accelerator capacity"),
        _Q("year.headroom_share", "number", "-", "capacity / peak - 1"),
        _Q("year.spend_usd", "number", "USD", "total spend of the year"),
        _Q("year.budget_usd", "number", "USD", "budget of the year (unset: not evaluated)"),
        _Q("year.committed_spend_usd", "number", "USD", "committed (unavoidable) spend"),
        _Q("year.emissions_location_tco2e", "number", "tCO2e", "scope 2 emissions, location-based"),
        _Q("year.emissions_market_tco2e", "number", "tCO2e", "scope 2 emissions, market-based"),
        _Q("year.emissions_embodied_tco2e", "number", "tCO2e", "embodied emissions allocated to the year"),
        _Q("year.energy_mwh", "number", "MWh", "facility energy"),
        _Q("year.water_m3", "number", "m3", "water consumption"),
        _Q("year.pue", "number", "-", "capacity-weighted PUE (unset: not evaluated)"),
        _Q("site.name", "text", "", "site name"),
        _Q("site.region", "text", "", "region of the site"),
        _Q("site.ownership", "text", "", "owned, colocation or cloud"),
        _Q("site.it_power_kw", "number", "kW", "installed IT power demand"),
        _Q("site.pue", "number", "-", "PUE of the site (unset: not evaluated)"),
        _Q("deployment.model", "text", "", "cloud_first, hybrid or on_prem"),
        _Q("deployment.providers", "text_set", "", "providers of all placements"),
        _Q("deployment.regions", "text_set", "", "regions of all placements"),
        _Q(
            "deployment.max_provider_share",
            "number",
            "-",
            "largest share of primary capacity with one provider",
        ),
        _Q("deployment.max_region_share", "number", "-", "largest share of primary capacity in one region"),
        _Q("deployment.max_site_share", "number", "-", "largest share of primary capacity at one site"),
        _Q("deployment.total_spend_usd", "number", "USD", "spend over all years"),
        _Q(
            "deployment.total_emissions_market_tco2e",
            "number",
            "tCO2e",
            "market-based scope 2 over all years",
        ),
        _Q(
            "deployment.total_emissions_location_tco2e",
            "number",
            "tCO2e",
            "location-based scope 2 over all years",
        ),
    )
}


@dataclass(frozen=True)
class Row:
    """One entity instance: a label, its deployment (if any) and its quantity values."""

    entity: Entity
    label: str
    deployment: str | None
    values: Mapping[str, Value]


def _deployment_values(d: DeploymentFacts) -> dict[str, Value]:
    primary = [p for p in d.placements if p.role == "primary"]

    def top(dim: str) -> float | None:
        shares = capacity_shares(primary, dim)
        return max(shares.values()) if shares else None

    return {
        "deployment.model": d.model,
        "deployment.providers": frozenset(p.provider for p in d.placements),
        "deployment.regions": frozenset(p.region for p in d.placements),
        "deployment.max_provider_share": top("provider"),
        "deployment.max_region_share": top("region"),
        "deployment.max_site_share": top("site"),
        "deployment.total_spend_usd": sum(y.spend_usd for y in d.years),
        "deployment.total_emissions_market_tco2e": sum(y.emissions_market_tco2e for y in d.years),
        "deployment.total_emissions_location_tco2e": sum(y.emissions_location_tco2e for y in d.years),
    }


def policy_rows(facts: GovernanceFacts) -> dict[Entity, list[Row]]:
    """Every entity instance of the facts as a row of named quantity values."""
    rows: dict[Entity, list[Row]] = {e: [] for e in ENTITIES}
    for m in facts.models:
        rows["model"].append(
            Row(
                "model",
                m.name,
                None,
                {
                    "model.name": m.name,
                    "model.training_flop": m.training_flop,
                    "model.training_time_h": m.training_time_h,
                    "model.energy_mwh": m.energy_mwh,
                    "model.is_modification": m.base_model is not None,
                    "model.placed_on_eu_market": m.placed_on_eu_market,
                },
            )
        )
    for d in facts.deployments:
        dv = _deployment_values(d)
        rows["deployment"].append(Row("deployment", d.model, d.model, dv))
        for name in dict.fromkeys(p.workload for p in d.placements):
            w = facts.workload(name)
            placed = [p for p in d.placements if p.workload == name]
            values: dict[str, Value] = {
                "workload.name": w.name,
                "workload.kind": w.kind,
                "workload.data_class": w.data_class,
                "workload.critical": w.critical,
                "workload.checkpointed": w.checkpointed,
                "workload.needs_dr": w.needs_dr,
                "workload.regions": frozenset(p.region for p in placed),
                "workload.providers": frozenset(p.provider for p in placed),
                "workload.sites": frozenset(p.site for p in placed if p.site is not None),
                "workload.uses_spot": any(p.spot for p in placed),
                "workload.accelerators": sum(p.accelerators for p in placed),
            }
            rows["workload"].append(Row("workload", name, d.model, {**values, **dv}))
        for y in d.years:
            yv: dict[str, Value] = {
                "year.year": y.year,
                "year.peak_demand_accelerators": y.peak_demand_accelerators,
                "year.capacity_accelerators": y.capacity_accelerators,
                "year.headroom_share": (
                    headroom_share(y.capacity_accelerators, y.peak_demand_accelerators)
                    if y.capacity_accelerators is not None and y.peak_demand_accelerators is not None
                    else None
                ),
                "year.spend_usd": y.spend_usd,
                "year.budget_usd": y.budget_usd,
                "year.committed_spend_usd": y.committed_spend_usd,
                "year.emissions_location_tco2e": y.emissions_location_tco2e,
                "year.emissions_market_tco2e": y.emissions_market_tco2e,
                "year.emissions_embodied_tco2e": y.emissions_embodied_tco2e,
                "year.energy_mwh": y.energy_mwh,
                "year.water_m3": y.water_m3,
                "year.pue": y.pue,
            }
            rows["year"].append(Row("year", str(y.year), d.model, {**yv, **dv}))
        for s in d.sites:
            sv: dict[str, Value] = {
                "site.name": s.name,
                "site.region": s.region,
                "site.ownership": s.ownership,
                "site.it_power_kw": s.it_power_kw,
                "site.pue": s.pue,
            }
            rows["site"].append(Row("site", s.name, d.model, {**sv, **dv}))
    return rows
