"""Cost, carbon and people catalogues: complete, sourced, consistent, and helpful on unknown ids."""

from __future__ import annotations

import pytest

from stackplan.catalog import accelerator_ids
from stackplan.catalog.assumptions import (
    assumption_names,
    get_assumption,
    list_assumptions,
    resolve_assumptions,
)
from stackplan.catalog.carbon import get_grid_zone, list_grid_zones
from stackplan.catalog.cloud import (
    cloud_prices,
    get_api_price,
    get_cloud_price,
    get_cloud_region,
    get_egress_price,
    get_storage_price,
    list_cloud_prices,
    list_cloud_regions,
)
from stackplan.catalog.onprem import get_electricity_price, get_server, list_electricity_prices, list_servers
from stackplan.catalog.people import get_salary, roles
from stackplan.errors import InputError, UnknownIdError

#: Rentable chips not (yet) in the accelerator catalogue.
NOT_IN_ACCELERATOR_CATALOG = {"a100-sxm-40gb", "trainium1"}


def test_cloud_prices_cover_hyperscalers_neoclouds_tpus_and_trainium() -> None:
    providers = {p.provider for p in list_cloud_prices()}
    assert {"aws", "azure", "gcp", "coreweave", "lambda", "nebius"} <= providers
    accs = {p.accelerator for p in list_cloud_prices()}
    assert {
        "h100-sxm",
        "h200",
        "b200",
        "gb200",
        "mi300x",
        "tpu-v5e",
        "tpu-v5p",
        "tpu-v6e",
        "trainium2",
    } <= accs
    geographies = {get_cloud_region(p.provider, p.region).geography for p in list_cloud_prices()}
    assert geographies == {"north_america", "europe", "asia_pacific"}


def test_price_rows_are_consistent() -> None:
    known = set(accelerator_ids()) | NOT_IN_ACCELERATOR_CATALOG
    for p in list_cloud_prices():
        assert p.accelerator in known, p
        assert p.basis in {"list", "derived", "estimate"}, p
        get_cloud_region(p.provider, p.region)  # every priced region has metadata
        for cheaper in (p.commit_1y_usd_per_accelerator_hour, p.commit_3y_usd_per_accelerator_hour):
            assert cheaper is None or cheaper < p.on_demand_usd_per_accelerator_hour, p
        if p.commit_1y_usd_per_accelerator_hour and p.commit_3y_usd_per_accelerator_hour:
            assert p.commit_3y_usd_per_accelerator_hour < p.commit_1y_usd_per_accelerator_hour


def test_regions_point_at_known_grid_and_price_zones() -> None:
    zones = {z.zone for z in list_grid_zones()}
    priced = {e.zone for e in list_electricity_prices()}
    for r in list_cloud_regions():
        assert r.grid_zone in zones
        assert r.grid_zone in priced


def test_servers_match_accelerators_and_embodied_bloom_values() -> None:
    for s in list_servers():
        assert s.accelerator in accelerator_ids()
    a100 = get_server("a100-sxm-80gb")
    assert a100.embodied_kgco2e_per_accelerator == pytest.approx(150 + 2500 / 8)
    assert get_server("h100-sxm").power_kw_per_accelerator == pytest.approx(10.2 / 8)


def test_published_figures_in_the_catalogues() -> None:
    assert get_assumption("dc_build_usd_per_mw").value == 11.7e6
    assert get_assumption("colocation_usd_per_kw_month").value == 184.06
    assert get_api_price("deepseek", "deepseek-r1").usd_per_million_input_tokens == 0.28
    assert get_api_price("deepseek", "deepseek-r1").usd_per_million_output_tokens == 0.42
    assert get_cloud_price("gcp", "us-central1", "tpu-v5e").on_demand_usd_per_accelerator_hour == 1.20
    assert get_storage_price("aws", "object").usd_per_tb_month == 23.0
    assert get_egress_price("aws").usd_per_gb == 0.09
    assert get_grid_zone("fr").location_gco2_per_kwh < 100
    assert get_electricity_price("us-avg").usd_per_kwh == 0.0806  # EIA 2023 US industrial average
    assert get_salary("ml_engineer", "US").usd_per_year > get_salary("ml_engineer", "IN").usd_per_year
    assert set(roles()) == {
        "ml_engineer",
        "platform_engineer",
        "data_engineer",
        "finops_analyst",
        "security_engineer",
    }


@pytest.mark.parametrize(
    ("call", "suggestion"),
    [
        (lambda: get_cloud_price("aws", "us-east-1", "h100"), "h100-sxm"),
        (lambda: get_cloud_price("awz", "us-east-1", "h100-sxm"), "aws"),
        (lambda: get_cloud_price("aws", "us-east1", "h100-sxm"), "us-east-1"),
        (lambda: get_grid_zone("fra"), "fr"),
        (lambda: get_server("h100"), "h100-sxm"),
        (lambda: get_salary("ml_enginer", "US"), "ml_engineer"),
        (lambda: get_api_price("openai", "gpt5"), "gpt-5"),
        (lambda: get_assumption("pu"), "pue"),
        (lambda: cloud_prices(accelerator="tpu-v5"), "tpu-v5e"),
    ],
)
def test_unknown_ids_suggest_the_closest(call, suggestion: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownIdError) as info:
        call()
    assert suggestion in info.value.suggestions


def test_assumptions_are_complete_and_overridable() -> None:
    names = assumption_names()
    for required in (
        "electricity_usd_per_kwh",
        "pue",
        "server_depreciation_years",
        "accelerator_price_usd",
        "cloud_discount",
        "cost_of_capital",
        "colocation_usd_per_kw_month",
        "dc_build_usd_per_mw",
        "wue_l_per_kwh",
    ):
        assert required in names
    assert all(a.source and a.unit for a in list_assumptions())
    assert all(a.value is not None or a.default_from for a in list_assumptions())
    resolved = resolve_assumptions({"pue": 1.2, "electricity_usd_per_kwh": 0.05, "facility_mode": "build"})
    assert resolved.number("pue") == 1.2
    assert resolved.number("electricity_usd_per_kwh") == 0.05
    assert resolved.text("facility_mode") == "build"
    assert resolved.overridden == {"pue", "electricity_usd_per_kwh", "facility_mode"}
    assert resolve_assumptions().number("pue") == 1.3  # defaults untouched


def test_bad_overrides_are_all_reported() -> None:
    with pytest.raises(InputError) as info:
        resolve_assumptions({"pu": 1.2, "pue": -1, "cost_of_capital": "high"})
    fields = [p.field for p in info.value.problems]
    assert fields == ["assumptions.pu", "assumptions.pue", "assumptions.cost_of_capital"]
    with pytest.raises(UnknownIdError):
        resolve_assumptions({"electricty_usd_per_kwh": 0.1})
