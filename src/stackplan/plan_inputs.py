"""The catalogue figures a plan uses: the ONE place the planner reads the economics catalogues.

:class:`PlanInputs` is a small immutable view: cloud offers, server specs, the owned site, storage,
egress, API and salary prices, and every named scalar assumption with its unit and source (the
scenario's ``assumptions:`` applied). :func:`inputs_for` builds it from the shipped catalogues;
tests build it by hand, so the costing never reads files.

Assumptions the economics catalogue does not have yet are defined here in
:data:`PLAN_ASSUMPTIONS` (each with unit and source) and are overridable by name like the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from stackplan.scenario.load import KnownIds
from stackplan.scenario.schema import Scenario

__all__ = [
    "PLAN_ASSUMPTIONS",
    "ApiOffer",
    "CloudOffer",
    "Figure",
    "PlanInputs",
    "ServerOffer",
    "SiteInputs",
    "inputs_for",
    "known_ids",
]


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A named scalar assumption: value, unit, source and whether the scenario overrode it."""

    name: str
    value: float
    unit: str
    source: str
    overridden: bool = False


#: Assumptions the planner needs that the economics catalogue does not (yet) carry
#: (name -> (value, unit, source)). Overridable by name in a scenario's ``assumptions:``.
PLAN_ASSUMPTIONS: dict[str, tuple[float, str, str]] = {
    "cloud_lead_time_months": (
        0.5,
        "month",
        "Estimate: on-demand or reserved cloud GPUs within days to weeks for enterprise volumes (2025)",
    ),
    "colocation_lead_time_months": (
        6.0,
        "month",
        "Estimate: GPU server delivery 2-4 months plus colocation contract and rack fit-out (2025 market reports)",
    ),
    "build_lead_time_months": (
        24.0,
        "month",
        "Estimate: 18-30 months from site selection to energised data-centre hall (Cushman & Wakefield 2025)",
    ),
    "data_engineer_fte_per_pb": (
        0.5,
        "FTE/PB",
        "Estimate: data platform staffing for curated training and retrieval data (pipelines, quality, lineage)",
    ),
    "integration_fte_years_per_workload": (
        0.25,
        "FTE-year/workload",
        "Estimate: one engineer for a quarter to integrate a model service or training pipeline with existing systems",
    ),
    "compliance_audit_usd_per_year": (
        60000.0,
        "USD/yr",
        "Estimate: ISO/IEC 27001 or SOC 2 Type II external audit and tooling for a mid-size scope ($30-100k/yr)",
    ),
    "checkpoint_bytes_per_param": (
        14.0,
        "B/param",
        "Rajbhandari et al. 2020 (ZeRO), sec. 3.1: mixed-precision Adam keeps 2 (bf16 weights) + 12 (fp32 "
        "weights, momentum, variance) bytes per parameter; gradients are not checkpointed",
    ),
    "bytes_per_token": (
        4.0,
        "B/token",
        "OpenAI tokenizer guide: about 4 characters of English text per token (1 byte per character in UTF-8)",
    ),
    "control_plane_nodes_per_cluster": (
        3.0,
        "nodes",
        "Kubernetes documentation, 'Options for Highly Available Topology': 3 control-plane nodes for an etcd quorum",
    ),
}


@dataclass(frozen=True, kw_only=True)
class CloudOffer:
    """One accelerator type in one provider region [USD per accelerator-hour]."""

    provider: str
    region: str
    accelerator: str
    on_demand: float
    commit_1y: float
    commit_3y: float
    spot: float
    geography: str
    country: str
    grid_zone: str
    pue: float
    wue_l_per_kwh: float
    location_gco2_per_kwh: float
    market_gco2_per_kwh: float
    egress_usd_per_gb: float
    source: str

    @property
    def id(self) -> str:
        return f"{self.provider}:{self.region}"

    def locations(self) -> frozenset[str]:
        """Every location token this region lies in (geography, country, grid zone, id)."""
        return frozenset({self.geography, self.country, self.grid_zone, self.id})

    def price(self, term: str) -> float:
        """Price for ``on_demand``, ``1y``, ``3y`` or ``spot`` [USD/accelerator-hour]."""
        return {"on_demand": self.on_demand, "1y": self.commit_1y, "3y": self.commit_3y, "spot": self.spot}[
            term
        ]


@dataclass(frozen=True, kw_only=True)
class ServerOffer:
    """A purchasable server for one accelerator type."""

    accelerator: str
    accelerators_per_server: int
    capex_usd_per_accelerator: float
    power_kw_per_accelerator: float
    embodied_kgco2e_per_accelerator: float
    source: str


@dataclass(frozen=True, kw_only=True)
class SiteInputs:
    """The owned site: where it is, what its energy costs and emits, how it is housed."""

    grid_zone: str
    country: str
    geography: str
    facility: str
    electricity_usd_per_kwh: float
    location_gco2_per_kwh: float
    market_gco2_per_kwh: float
    colocation_usd_per_kw_month: float
    source: str

    def locations(self) -> frozenset[str]:
        return frozenset({self.geography, self.country, self.grid_zone, "on_prem"})


@dataclass(frozen=True, kw_only=True)
class ApiOffer:
    provider: str
    model: str
    usd_per_million_input: float
    usd_per_million_output: float
    source: str


@dataclass(frozen=True, kw_only=True)
class PlanInputs:
    """Every catalogue figure a plan uses, with the scenario's overrides applied."""

    catalog_version: str
    figures: Mapping[str, Figure]
    cloud_offers: tuple[CloudOffer, ...] = ()
    servers: Mapping[str, ServerOffer] = field(default_factory=dict)
    site: SiteInputs | None = None
    #: Cloud storage [USD per TB-month] by (provider, tier).
    cloud_storage_usd_per_tb_month: Mapping[tuple[str, str], float] = field(default_factory=dict)
    #: Owned storage [USD per TB] and power [W per TB] by tier.
    onprem_storage_usd_per_tb: Mapping[str, float] = field(default_factory=dict)
    onprem_storage_w_per_tb: Mapping[str, float] = field(default_factory=dict)
    network_usd_per_accelerator: float = 0.0
    network_w_per_accelerator: float = 0.0
    network_source: str = ""
    licence_usd_per_accelerator_year: float = 0.0
    licence_source: str = ""
    api_offers: tuple[ApiOffer, ...] = ()
    #: Base salary per role [USD/year] for the organisation's country.
    salaries_usd: Mapping[str, float] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)

    def a(self, name: str) -> float:
        """The value of the named assumption ``name``."""
        return self.figures[name].value

    def offers(self, accelerator: str) -> tuple[CloudOffer, ...]:
        return tuple(o for o in self.cloud_offers if o.accelerator == accelerator)

    def api_offer(self, model: str, provider: str | None = None) -> ApiOffer | None:
        """The cheapest API offer of ``model`` (blended 3:1 input:output is NOT used: by output price)."""
        cands = [
            o for o in self.api_offers if o.model == model and (provider is None or o.provider == provider)
        ]
        if not cands:
            return None
        return min(cands, key=lambda o: (o.usd_per_million_output, o.usd_per_million_input))

    def loaded_salary_usd(self, role: str) -> float:
        """Loaded yearly cost of one person in ``role`` [USD/year] = salary x overhead multiplier."""
        return self.salaries_usd.get(role, 0.0) * self.a("salary_overhead_multiplier")

    def assumptions_table(self) -> list[dict[str, Any]]:
        """Every named assumption as rows (name, value, unit, source, overridden)."""
        return [
            {"name": f.name, "value": f.value, "unit": f.unit, "source": f.source, "overridden": f.overridden}
            for f in sorted(self.figures.values(), key=lambda f: f.name)
        ]


# ------------------------------------------------------------------------------------ catalogue adapter


def known_ids() -> KnownIds:
    """Every id a scenario may use, from the shipped catalogues."""
    from stackplan.catalog import accelerator_ids, model_ids
    from stackplan.catalog.assumptions import assumption_names
    from stackplan.catalog.carbon import list_grid_zones
    from stackplan.catalog.cloud import list_api_prices, list_cloud_regions
    from stackplan.catalog.people import roles

    regions = list_cloud_regions()
    locations = (
        {r.geography for r in regions}
        | {r.country for r in regions}
        | {r.grid_zone for r in regions}
        | {f"{r.provider}:{r.region}" for r in regions}
        | {z.zone for z in list_grid_zones()}
        | {z.country for z in list_grid_zones()}
    )
    return KnownIds(
        models=model_ids(),
        accelerators=accelerator_ids(),
        regions=sorted(locations),
        providers=sorted({r.provider for r in regions}),
        api_models=sorted({p.model for p in list_api_prices()}),
        assumptions=[*assumption_names(), *PLAN_ASSUMPTIONS],
        roles=roles(),
        grid_zones=[z.zone for z in list_grid_zones()],
    )


def _geography_of_country() -> dict[str, str]:
    from stackplan.catalog.cloud import list_cloud_regions

    return {r.country: r.geography for r in list_cloud_regions()}


#: Colocation market by geography (catalogue ids of colocation.csv).
_COLO_MARKET = {
    "north_america": "north-america-primary",
    "europe": "europe-flap-d",
    "asia_pacific": "asia-pacific",
}

#: Operator whose published PUE/WUE applies to each provider's regions (facility_efficiency.csv).
_PROVIDER_OPERATOR = {"aws": "aws", "gcp": "google", "azure": "microsoft"}


def inputs_for(scenario: Scenario) -> PlanInputs:
    """Build :class:`PlanInputs` for ``scenario`` from the shipped catalogues."""
    from stackplan.catalog import CATALOG_VERSION
    from stackplan.catalog.assumptions import list_assumptions, resolve_assumptions
    from stackplan.catalog.carbon import get_grid_zone
    from stackplan.catalog.cloud import (
        list_api_prices,
        list_cloud_prices,
        list_cloud_regions,
        list_egress_prices,
        list_storage_prices,
    )
    from stackplan.catalog.onprem import (
        get_colocation_rate,
        get_electricity_price,
        get_facility_efficiency,
        get_network_fabric,
        get_software_licence,
        list_onprem_storage,
        list_servers,
    )
    from stackplan.catalog.people import list_salaries

    given = dict(scenario.assumptions)
    plan_given = {k: v for k, v in given.items() if k in PLAN_ASSUMPTIONS}
    cat_given = {k: v for k, v in given.items() if k not in PLAN_ASSUMPTIONS}
    resolved = resolve_assumptions(cat_given)
    figures: dict[str, Figure] = {}
    for a in list_assumptions():
        value = resolved[a.name]
        if isinstance(value, float):
            figures[a.name] = Figure(
                name=a.name,
                value=value,
                unit=a.unit,
                source=a.source,
                overridden=a.name in resolved.overridden,
            )
    for name, (value, unit, source) in PLAN_ASSUMPTIONS.items():
        v = float(plan_given.get(name, value))
        figures[name] = Figure(name=name, value=v, unit=unit, source=source, overridden=name in plan_given)
    # the scenario's discount rate is the NPV rate
    figures["discount_rate"] = Figure(
        name="discount_rate",
        value=scenario.organization.discount_rate,
        unit="1/yr",
        source="scenario organization.discount_rate",
        overridden=True,
    )

    def fig(name: str, value: float, unit: str, source: str) -> None:
        if name not in figures:
            figures[name] = Figure(name=name, value=value, unit=unit, source=source)

    cloud_discount = figures["cloud_discount"].value
    regions = {(r.provider, r.region): r for r in list_cloud_regions()}
    egress = {e.provider: e for e in list_egress_prices()}
    providers = set(scenario.deployment.providers)
    offers: list[CloudOffer] = []
    for p in list_cloud_prices():
        if providers and p.provider not in providers:
            continue
        reg = regions.get((p.provider, p.region))
        if reg is None or p.accelerator not in scenario.deployment.accelerators:
            continue
        od = p.on_demand_usd_per_accelerator_hour
        c1 = p.commit_1y_usd_per_accelerator_hour or od * (1 - figures["cloud_commit_1y_discount"].value)
        c3 = p.commit_3y_usd_per_accelerator_hour or od * (1 - figures["cloud_commit_3y_discount"].value)
        sp = p.spot_usd_per_accelerator_hour or od * (1 - figures["cloud_spot_discount"].value)
        zone = get_grid_zone(reg.grid_zone)
        try:
            eff = get_facility_efficiency(_PROVIDER_OPERATOR.get(p.provider, ""))
            pue, wue = eff.pue, eff.wue_l_per_kwh
        except Exception:
            pue, wue = figures["cloud_pue"].value, figures["cloud_wue_l_per_kwh"].value
        e = egress.get(p.provider)
        offers.append(
            CloudOffer(
                provider=p.provider,
                region=p.region,
                accelerator=p.accelerator,
                on_demand=od * (1 - cloud_discount),
                commit_1y=c1 * (1 - cloud_discount),
                commit_3y=c3 * (1 - cloud_discount),
                spot=sp * (1 - cloud_discount),
                geography=reg.geography,
                country=reg.country,
                grid_zone=reg.grid_zone,
                pue=pue,
                wue_l_per_kwh=wue,
                location_gco2_per_kwh=zone.location_gco2_per_kwh,
                market_gco2_per_kwh=zone.residual_mix_gco2_per_kwh,
                egress_usd_per_gb=e.usd_per_gb if e else 0.0,
                source=p.source,
            )
        )

    overridden_price = "accelerator_price_usd" in given
    servers: dict[str, ServerOffer] = {}
    for s in list_servers():
        if s.accelerator not in scenario.deployment.accelerators:
            continue
        price = float(given["accelerator_price_usd"]) if overridden_price else s.accelerator_price_usd
        overhead = float(given.get("server_cost_overhead", s.server_cost_overhead))
        servers[s.accelerator] = ServerOffer(
            accelerator=s.accelerator,
            accelerators_per_server=s.accelerators_per_server,
            capex_usd_per_accelerator=price * overhead,
            power_kw_per_accelerator=s.power_kw_per_accelerator,
            embodied_kgco2e_per_accelerator=float(
                given.get("embodied_kgco2e_per_accelerator", s.embodied_kgco2e_per_accelerator)
            ),
            source=s.source,
        )

    site = None
    sc_site = scenario.deployment.on_prem
    if sc_site is not None:
        zone = get_grid_zone(sc_site.grid_zone, field="deployment.on_prem.grid_zone")
        geography = _geography_of_country().get(zone.country, "")
        elec = (
            float(given["electricity_usd_per_kwh"])
            if "electricity_usd_per_kwh" in given
            else get_electricity_price(zone.zone).usd_per_kwh
        )
        market = sc_site.colocation_market or _COLO_MARKET.get(geography, "global-average")
        colo = (
            figures["colocation_usd_per_kw_month"].value
            if "colocation_usd_per_kw_month" in given
            else get_colocation_rate(market, field="deployment.on_prem.colocation_market").usd_per_kw_month
        )
        renewable = figures["renewable_fraction"].value
        site = SiteInputs(
            grid_zone=zone.zone,
            country=zone.country,
            geography=geography,
            facility=sc_site.facility,
            electricity_usd_per_kwh=elec,
            location_gco2_per_kwh=float(given.get("grid_gco2_per_kwh", zone.location_gco2_per_kwh)),
            market_gco2_per_kwh=zone.residual_mix_gco2_per_kwh * (1 - renewable),
            colocation_usd_per_kw_month=colo,
            source=f"{zone.source}; colocation market {market}",
        )
        fig("electricity_usd_per_kwh", elec, "USD/kWh", f"electricity_prices.csv zone {zone.zone}")

    fabric_id = scenario.deployment.network_fabric or str(resolved["network_fabric"] or "infiniband-ndr")
    fabric = get_network_fabric(fabric_id, field="deployment.network_fabric")
    net_usd = float(given.get("network_usd_per_accelerator", fabric.usd_per_accelerator))
    licence_id = scenario.deployment.licence or "none"
    lic = get_software_licence(licence_id, field="deployment.licence")
    lic_usd = float(given.get("licence_usd_per_accelerator_year", lic.usd_per_accelerator_year))

    storage = {(s.provider, s.tier): s.usd_per_tb_month for s in list_storage_prices()}
    country = scenario.organization.country
    salaries: dict[str, float] = {}
    for sal in list_salaries():
        if sal.country == country or (sal.country == "US" and sal.role not in salaries):
            salaries[sal.role] = sal.usd_per_year
    for member in scenario.people.team:
        if member.salary_usd is not None:
            salaries[member.role] = member.salary_usd / figures["salary_overhead_multiplier"].value
    usd_per_unit = scenario.organization.usd_per_currency_unit or 1.0
    del usd_per_unit
    return PlanInputs(
        catalog_version=CATALOG_VERSION,
        figures=MappingProxyType(figures),
        cloud_offers=tuple(offers),
        servers=MappingProxyType(servers),
        site=site,
        cloud_storage_usd_per_tb_month=MappingProxyType(storage),
        onprem_storage_usd_per_tb=MappingProxyType(
            {s.tier: s.capex_usd_per_tb for s in list_onprem_storage()}
        ),
        onprem_storage_w_per_tb=MappingProxyType({s.tier: s.power_w_per_tb for s in list_onprem_storage()}),
        network_usd_per_accelerator=net_usd,
        network_w_per_accelerator=fabric.power_w_per_accelerator,
        network_source=fabric.source,
        licence_usd_per_accelerator_year=lic_usd,
        licence_source=lic.source,
        api_offers=tuple(
            ApiOffer(
                provider=p.provider,
                model=p.model,
                usd_per_million_input=p.usd_per_million_input_tokens,
                usd_per_million_output=p.usd_per_million_output_tokens,
                source=p.source,
            )
            for p in list_api_prices()
        ),
        salaries_usd=MappingProxyType(salaries),
    )
