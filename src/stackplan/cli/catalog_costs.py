"""``stackplan catalog prices|api-prices|storage|onprem|carbon|people|assumptions``: cost catalogues.

Thin: lists catalogue rows with their sources; no logic of its own.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from stackplan.catalog import CATALOG_VERSION
from stackplan.catalog.assumptions import list_assumptions
from stackplan.catalog.carbon import list_grid_zones
from stackplan.catalog.cloud import (
    cloud_prices,
    list_api_prices,
    list_cloud_regions,
    list_egress_prices,
    list_storage_prices,
)
from stackplan.catalog.onprem import (
    list_colocation_rates,
    list_electricity_prices,
    list_facility_efficiencies,
    list_network_fabrics,
    list_onprem_storage,
    list_servers,
    list_software_licences,
)
from stackplan.catalog.people import list_salaries
from stackplan.cli._common import console, handle_errors, print_json
from stackplan.cli.catalog import catalog_app

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _money(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    t = Table(title=f"{title} (catalogue {CATALOG_VERSION})")
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*row)
    console.print(t)


def _json(key: str, items: Any) -> None:
    print_json({"catalog_version": CATALOG_VERSION, key: [asdict(i) for i in items]})


@catalog_app.command("prices")
@handle_errors
def prices(
    accelerator: Annotated[str | None, typer.Option(help="Only this accelerator id, e.g. h100-sxm.")] = None,
    provider: Annotated[str | None, typer.Option(help="Only this provider, e.g. aws, coreweave.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Cloud accelerator prices [USD per accelerator-hour]: on-demand, 1y, 3y, spot."""
    rows = cloud_prices(accelerator=accelerator, provider=provider)
    if as_json:
        _json("cloud_prices", rows)
        return
    _table(
        "Cloud prices, USD per accelerator-hour",
        ["provider", "region", "instance", "accelerator", "on-demand", "1y", "3y", "spot", "basis", "source"],
        [
            [
                p.provider,
                p.region,
                p.instance,
                p.accelerator,
                _money(p.on_demand_usd_per_accelerator_hour),
                _money(p.commit_1y_usd_per_accelerator_hour),
                _money(p.commit_3y_usd_per_accelerator_hour),
                _money(p.spot_usd_per_accelerator_hour),
                p.basis,
                p.source,
            ]
            for p in rows
        ],
    )


@catalog_app.command("regions")
@handle_errors
def regions(as_json: JsonOpt = False) -> None:
    """Cloud regions: country, geography and grid zone (for carbon and power prices)."""
    rows = list_cloud_regions()
    if as_json:
        _json("regions", rows)
        return
    _table(
        "Cloud regions",
        ["provider", "region", "name", "country", "geography", "grid zone", "source"],
        [[r.provider, r.region, r.name, r.country, r.geography, r.grid_zone, r.source] for r in rows],
    )


@catalog_app.command("api-prices")
@handle_errors
def api_prices(as_json: JsonOpt = False) -> None:
    """Hosted-model API prices [USD per million input / output tokens]."""
    rows = list_api_prices()
    if as_json:
        _json("api_prices", rows)
        return
    _table(
        "API prices, USD per million tokens",
        ["provider", "model", "open weights", "input", "output", "source"],
        [
            [
                a.provider,
                a.model,
                "yes" if a.open_weights else "no",
                _money(a.usd_per_million_input_tokens),
                _money(a.usd_per_million_output_tokens),
                a.source,
            ]
            for a in rows
        ],
    )


@catalog_app.command("storage")
@handle_errors
def storage(as_json: JsonOpt = False) -> None:
    """Cloud storage [USD per TB-month] and egress [USD per GB]."""
    if as_json:
        print_json(
            {
                "catalog_version": CATALOG_VERSION,
                "storage": [asdict(s) for s in list_storage_prices()],
                "egress": [asdict(e) for e in list_egress_prices()],
            }
        )
        return
    _table(
        "Cloud storage, USD per TB-month",
        ["provider", "tier", "product", "USD/TB-month", "source"],
        [
            [s.provider, s.tier, s.product, _money(s.usd_per_tb_month), s.source]
            for s in list_storage_prices()
        ],
    )
    _table(
        "Internet egress, USD per GB",
        ["provider", "USD/GB", "free GB/month", "source"],
        [
            [e.provider, _money(e.usd_per_gb, 4), _money(e.free_gb_per_month, 0), e.source]
            for e in list_egress_prices()
        ],
    )


@catalog_app.command("onprem")
@handle_errors
def onprem(as_json: JsonOpt = False) -> None:
    """On-prem: servers, fabrics, storage, colocation, PUE/WUE, licences, electricity."""
    if as_json:
        print_json(
            {
                "catalog_version": CATALOG_VERSION,
                "servers": [asdict(s) for s in list_servers()],
                "network_fabrics": [asdict(f) for f in list_network_fabrics()],
                "storage": [asdict(s) for s in list_onprem_storage()],
                "colocation": [asdict(c) for c in list_colocation_rates()],
                "facility_efficiency": [asdict(f) for f in list_facility_efficiencies()],
                "software_licences": [asdict(s) for s in list_software_licences()],
                "electricity_prices": [asdict(e) for e in list_electricity_prices()],
            }
        )
        return
    _table(
        "Accelerator servers",
        [
            "accelerator",
            "server",
            "per server",
            "USD/accelerator",
            "overhead",
            "USD/server",
            "kW/server",
            "source",
        ],
        [
            [
                s.accelerator,
                s.server,
                str(s.accelerators_per_server),
                _money(s.accelerator_price_usd, 0),
                f"{s.server_cost_overhead:.2f}",
                _money(s.server_price_usd, 0),
                _money(s.server_power_kw, 1),
                s.source,
            ]
            for s in list_servers()
        ],
    )
    _table(
        "Network fabrics",
        ["fabric", "name", "USD/accelerator", "W/accelerator", "source"],
        [
            [
                f.fabric,
                f.name,
                _money(f.usd_per_accelerator, 0),
                _money(f.power_w_per_accelerator, 0),
                f.source,
            ]
            for f in list_network_fabrics()
        ],
    )
    _table(
        "On-prem storage",
        ["tier", "name", "capex USD/TB", "W/TB", "source"],
        [
            [s.tier, s.name, _money(s.capex_usd_per_tb, 0), _money(s.power_w_per_tb, 1), s.source]
            for s in list_onprem_storage()
        ],
    )
    _table(
        "Colocation, USD per kW-month (power extra)",
        ["market", "USD/kW-month", "source"],
        [[c.market, _money(c.usd_per_kw_month), c.source] for c in list_colocation_rates()],
    )
    _table(
        "Facility efficiency",
        ["operator", "PUE", "WUE L/kWh", "year", "source"],
        [
            [f.operator, f"{f.pue:.2f}", f"{f.wue_l_per_kwh:.2f}", str(f.year), f.source]
            for f in list_facility_efficiencies()
        ],
    )
    _table(
        "Software licences",
        ["licence", "name", "USD/accelerator-year", "source"],
        [
            [s.licence, s.name, _money(s.usd_per_accelerator_year, 0), s.source]
            for s in list_software_licences()
        ],
    )
    _table(
        "Electricity, USD per kWh (industrial)",
        ["zone", "USD/kWh", "year", "source"],
        [[e.zone, _money(e.usd_per_kwh, 3), str(e.year), e.source] for e in list_electricity_prices()],
    )


@catalog_app.command("carbon")
@handle_errors
def carbon(as_json: JsonOpt = False) -> None:
    """Grid emission factors [gCO2e/kWh]: location-based and market-based residual mix."""
    rows = list_grid_zones()
    if as_json:
        _json("grid_zones", rows)
        return
    _table(
        "Grid emission factors, gCO2e per kWh",
        ["zone", "name", "location-based", "residual mix", "year", "source"],
        [
            [
                z.zone,
                z.name,
                _money(z.location_gco2_per_kwh, 0),
                _money(z.residual_mix_gco2_per_kwh, 0),
                str(z.year),
                z.source,
            ]
            for z in rows
        ],
    )


@catalog_app.command("people")
@handle_errors
def people(as_json: JsonOpt = False) -> None:
    """Salaries by role and country [USD per year, base]."""
    rows = list_salaries()
    if as_json:
        _json("salaries", rows)
        return
    _table(
        "Salaries, USD per year (base)",
        ["role", "country", "USD/yr", "source"],
        [[s.role, s.country, _money(s.usd_per_year, 0), s.source] for s in rows],
    )


@catalog_app.command("assumptions")
@handle_errors
def assumptions(as_json: JsonOpt = False) -> None:
    """Every named default a scenario's ``assumptions:`` section may override."""
    rows = list_assumptions()
    if as_json:
        _json("assumptions", rows)
        return
    _table(
        "Named defaults (override in a scenario's assumptions: section)",
        ["name", "value", "unit", "description", "source"],
        [
            [
                a.name,
                f"{a.value:g}" if isinstance(a.value, float) else (a.value or f"per item: {a.default_from}"),
                a.unit,
                a.description,
                a.source,
            ]
            for a in rows
        ],
    )
