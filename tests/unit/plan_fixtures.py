"""Hand-made inputs for the plan tests: catalogue figures and compute demand written out by hand."""

from __future__ import annotations

from types import MappingProxyType

from stackplan.plan_inputs import CloudOffer, Figure, PlanInputs, ServerOffer, SiteInputs
from stackplan.scenario import Scenario, load_scenario
from stackplan.sizing.compute import ComputeDemand, WorkloadOption

#: Every named assumption the costing reads, with simple hand values.
HAND_FIGURES: dict[str, float] = {
    "cost_of_capital": 0.10,
    "server_depreciation_years": 5,
    "residual_value_fraction": 0.1,
    "maintenance_fraction_per_year": 0.05,
    "pue": 1.3,
    "wue_l_per_kwh": 0.5,
    "offsite_water_l_per_kwh": 3.0,
    "accelerator_idle_power_fraction": 0.15,
    "server_overhead_power_fraction": 0.6,
    "dc_build_usd_per_mw": 10_000_000,
    "dc_opex_fraction_per_year": 0.03,
    "datacenter_life_years": 20,
    "salary_overhead_multiplier": 1.0,
    "hiring_cost_fraction_of_salary": 0.2,
    "training_usd_per_fte_year": 1300,
    "accelerators_per_platform_engineer": 250,
    "accelerators_per_platform_engineer_cloud": 500,
    "min_platform_engineers": 2,
    "datacenter_technicians_per_mw": 1.0,
    "security_engineers_min": 1,
    "finops_analysts_per_musd_cloud": 0.1,
    "embodied_life_years": 6,
    "hardware_utilisation_for_embodied": 0.85,
    "cloud_lead_time_months": 0.5,
    "colocation_lead_time_months": 6,
    "build_lead_time_months": 24,
    "data_engineer_fte_per_pb": 0.5,
    "integration_fte_years_per_workload": 0.25,
    "compliance_audit_usd_per_year": 60_000,
    "checkpoint_bytes_per_param": 14,
    "bytes_per_token": 4,
    "control_plane_nodes_per_cluster": 3,
}

OFFER = CloudOffer(
    provider="aws",
    region="us-east-1",
    accelerator="h100-sxm",
    on_demand=4.0,
    commit_1y=2.8,
    commit_3y=1.8,
    spot=1.6,
    geography="north_america",
    country="US",
    grid_zone="us-va",
    pue=1.15,
    wue_l_per_kwh=0.15,
    location_gco2_per_kwh=300.0,
    market_gco2_per_kwh=350.0,
    egress_usd_per_gb=0.09,
    source="hand",
)
SERVER = ServerOffer(
    accelerator="h100-sxm",
    accelerators_per_server=8,
    capex_usd_per_accelerator=30_000.0,
    power_kw_per_accelerator=1.275,
    embodied_kgco2e_per_accelerator=1_200.0,
    source="hand",
)
SITE = SiteInputs(
    grid_zone="us-va",
    country="US",
    geography="north_america",
    facility="colocation",
    electricity_usd_per_kwh=0.10,
    location_gco2_per_kwh=300.0,
    market_gco2_per_kwh=350.0,
    colocation_usd_per_kw_month=200.0,
    source="hand",
)
SALARIES = {
    "ml_engineer": 100_000.0,
    "platform_engineer": 100_000.0,
    "data_engineer": 100_000.0,
    "finops_analyst": 100_000.0,
    "security_engineer": 100_000.0,
}


def hand_inputs(*, site: SiteInputs | None = SITE, **overrides: float) -> PlanInputs:
    figures = {**HAND_FIGURES, **overrides}
    return PlanInputs(
        catalog_version="hand",
        figures=MappingProxyType(
            {k: Figure(name=k, value=float(v), unit="-", source="hand") for k, v in figures.items()}
        ),
        cloud_offers=(OFFER,),
        servers=MappingProxyType({"h100-sxm": SERVER}),
        site=site,
        cloud_storage_usd_per_tb_month=MappingProxyType({("aws", "object"): 20.0, ("aws", "hot"): 100.0}),
        onprem_storage_usd_per_tb=MappingProxyType({"object": 40.0, "hot": 250.0}),
        onprem_storage_w_per_tb=MappingProxyType({"object": 4.0, "hot": 6.0}),
        network_usd_per_accelerator=5_000.0,
        network_w_per_accelerator=50.0,
        licence_usd_per_accelerator_year=0.0,
        salaries_usd=MappingProxyType(SALARIES),
    )


def scenario_text(*, horizon: int = 3, discount: float = 0.08, models: str = "[cloud_first, hybrid, on_prem]",
                  dataset_tb: float = 0.0, egress: float = 0.0, utilisation: float = 0.8,
                  commitment: str = "1y", data_class: str = "internal", cloud_ok: str = "true") -> str:  # fmt: skip
    datasets = f"  datasets: [{{id: d1, size_tb: {dataset_tb}, tier: object}}]\n" if dataset_tb else ""
    return f"""
schema_version: 1
organization:
  name: Hand
  start_year: 2026
  horizon_years: {horizon}
  discount_rate: {discount}
  regions: [north_america]
  data_classes:
    {data_class}: {{regions: [any], cloud: {cloud_ok}}}
workloads:
  inference:
    - {{id: svc, model: llama-3.1-8b, requests_per_day: 1000, input_tokens: 1000, output_tokens: 100,
        data_class: {data_class}}}
data:
{datasets}  egress_tb_per_month: {egress}
deployment:
  models: {models}
  accelerators: [h100-sxm]
  on_prem: {{grid_zone: us-va, facility: colocation}}
  utilization_target: {utilisation}
  cloud_commitment: {commitment}
"""


def hand_scenario(**kw: object) -> Scenario:
    return load_scenario(scenario_text(**kw))  # type: ignore[arg-type]


def flat_demand(sc: Scenario, devices: float, *, busy_share: float = 1.0, lost: float = 0.0,
                shape: str = "step", growth: float = 0.0) -> ComputeDemand:  # fmt: skip
    """One workload 'svc' on h100-sxm: ``devices`` at peak, busy ``busy_share`` of the year."""
    n = sc.organization.horizon_years
    peaks = tuple(devices * (1 + growth) ** t for t in range(n))
    opt = WorkloadOption(
        workload_id="svc",
        kind="inference",
        accelerator="h100-sxm",
        data_class=sc.workloads.inference[0].data_class,
        peak_devices=peaks,
        busy_hours=tuple(p * 8760 * busy_share for p in peaks),
        lost_goodput_share=lost,
        shape=shape,  # type: ignore[arg-type]
        input_tokens_per_year=tuple(1e9 for _ in range(n)),
        output_tokens_per_year=tuple(1e8 for _ in range(n)),
        prefill_time_share=0.25,
        tdp_w=700.0,
        source="hand",
    )
    return ComputeDemand(years=sc.years, options=(opt,), unfit=())
