"""Hand-built governance facts: a clean hybrid plan that triggers no warning or failure.

Tests derive variants with :func:`with_` to trigger one check at a time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from stackplan.governance import (
    DeploymentFacts,
    GovernanceFacts,
    GovernanceTargets,
    HardwareFacts,
    ModelFacts,
    PlacementFacts,
    ProviderFacts,
    SiteFacts,
    SpendItem,
    WorkloadFacts,
    YearFacts,
)
from stackplan.governance.data import evidence_catalogue

ALL_EVIDENCE = tuple(s.id for s in evidence_catalogue())

YEAR = YearFacts(
    year=2026,
    peak_demand_accelerators=20,
    capacity_accelerators=26,  # 30 % headroom
    spend_usd=1_000_000,
    budget_usd=2_000_000,
    committed_spend_usd=500_000,
    low_demand_spend_usd=600_000,
    emissions_location_tco2e=100,
    emissions_market_tco2e=100,
    emissions_embodied_tco2e=10,
    energy_mwh=400,
    water_m3=1_000,
    pue=1.3,
)

HYBRID = DeploymentFacts(
    model="hybrid",
    placements=(
        PlacementFacts(workload="rag", provider="aws", region="eu-west", site="aws-euw", accelerators=8),
        PlacementFacts(workload="rag", provider="own", region="eu-central", site="own-dc", accelerators=8),
        PlacementFacts(workload="rag", provider="azure", region="eu-north", accelerators=4, role="dr"),
        PlacementFacts(workload="ft", provider="own", region="eu-central", site="own-dc", accelerators=4),
    ),
    years=(YEAR, YEAR.model_copy(update={"year": 2027})),
    sites=(
        SiteFacts(name="own-dc", region="eu-central", ownership="owned", it_power_kw=300, pue=1.3),
        SiteFacts(name="aws-euw", region="eu-west", ownership="cloud"),
    ),
    hardware=(
        HardwareFacts(
            name="h100-lot",
            site="own-dc",
            accelerators=12,
            purchase_year=2026,
            useful_life_years=5,
            committed_until_year=2030,
        ),
    ),
    scale_up_spend=(SpendItem(date=date(2026, 9, 1), usd=400_000, line="servers"),),
)

CLEAN = GovernanceFacts(
    organization="Example Corp",
    assessment_date=date(2026, 1, 15),
    data_class_regions={"internal": ("*",), "restricted": ("eu-west", "eu-central", "eu-north")},
    workloads=(
        WorkloadFacts(name="rag", kind="inference", data_class="restricted", critical=True, needs_dr=True),
        WorkloadFacts(name="ft", kind="fine_tuning", data_class="internal", checkpointed=True),
    ),
    models=(
        ModelFacts(
            name="ft-8b",
            training_flop=1e20,
            base_model="llama-3.1-8b",
            base_model_training_flop=7.5e23,
            training_time_h=10,
            energy_mwh=2,
        ),
    ),
    deployments=(HYBRID,),
    providers=(
        ProviderFacts(name="aws", attestations=("iso_iec_27001", "soc2_type_2")),
        ProviderFacts(name="azure", attestations=("iso_iec_27001", "soc2_type_2")),
        ProviderFacts(name="own", kind="own"),
    ),
    targets=GovernanceTargets(carbon_budget_tco2e_per_year=500, max_pue=1.4, max_water_m3_per_year=5_000),
    pilot_gate_date=date(2026, 6, 30),
    evidence_provided=ALL_EVIDENCE,
)


def with_(facts: GovernanceFacts = CLEAN, **update: Any) -> GovernanceFacts:
    """A copy of ``facts`` with top-level fields replaced, validated again."""
    return GovernanceFacts.model_validate({**facts.model_dump(), **update})


def with_deployment(facts: GovernanceFacts = CLEAN, **update: Any) -> GovernanceFacts:
    """A copy of ``facts`` whose single deployment has fields replaced."""
    d = facts.deployments[0].model_dump()
    d.update(update)
    return with_(facts, deployments=[d])


def with_years(facts: GovernanceFacts = CLEAN, **update: Any) -> GovernanceFacts:
    """A copy of ``facts`` whose every year has fields replaced."""
    years = [{**y.model_dump(), **update} for y in facts.deployments[0].years]
    return with_deployment(facts, years=years)
