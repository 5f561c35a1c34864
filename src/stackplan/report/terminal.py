"""The terminal summary of a plan (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from stackplan.plan import Plan
from stackplan.report._text import (
    NAMES,
    currency_code,
    executive_summary,
    fmt_num,
    fmt_pct,
    fmt_usd,
    money_of,
    recommendation_reasons,
)

__all__ = ["print_plan"]


def print_plan(plan: Plan, console: Console) -> None:
    """Print the executive summary, the deployment comparison, yearly costs, unit costs, footprint
    and the recommendation (money in the organisation's currency)."""
    with money_of(plan):
        _print_plan(plan, console)


def _print_plan(plan: Plan, console: Console) -> None:
    cur = currency_code()
    sc = plan.scenario
    console.print(f"[bold]Stackplan plan: {sc.organization.name}[/] (catalogue {plan.catalog_version})")
    for line in executive_summary(plan):
        console.print(f"  {line}", highlight=False)
    console.print()

    t = Table(title=f"Deployments compared ({cur})")
    for col in ("", *[NAMES[d.model] for d in plan.deployments]):
        t.add_column(col, justify="right" if col else "left")
    rows = [
        ("TCO", [fmt_usd(d.tco_usd) for d in plan.deployments]),
        ("NPV of cost", [fmt_usd(d.npv_cost_usd) for d in plan.deployments]),
        ("Value from goals", [fmt_usd(d.value_usd) for d in plan.deployments]),
        ("NPV", [fmt_usd(d.npv_usd) for d in plan.deployments]),
        ("ROI", [fmt_pct(d.roi) for d in plan.deployments]),
        ("IRR", [fmt_pct(d.irr) for d in plan.deployments]),
        (
            "Payback [years]",
            [fmt_num(d.payback_years, 1) if d.payback_years is not None else "-" for d in plan.deployments],
        ),
        (
            f"{cur} per delivered accelerator-hour",
            [fmt_usd(d.usd_per_accelerator_hour) for d in plan.deployments],
        ),
        ("Time to capacity [months]", [fmt_num(d.time_to_capacity_months, 1) for d in plan.deployments]),
        ("Energy [MWh]", [fmt_num(d.energy_mwh) for d in plan.deployments]),
        (
            "tCO2e location / market",
            [
                f"{fmt_num(d.emissions_tco2e['location_based'])} / {fmt_num(d.emissions_tco2e['market_based'])}"
                for d in plan.deployments
            ],
        ),
        ("tCO2e embodied", [fmt_num(d.emissions_tco2e["embodied"]) for d in plan.deployments]),
        ("Water [m3]", [fmt_num(d.water_m3) for d in plan.deployments]),
        ("Workloads not served", [str(len(d.unserved)) for d in plan.deployments]),
    ]
    for name, vals in rows:
        t.add_row(name, *vals)
    console.print(t)

    y = Table(title=f"Cost per year ({cur}: CapEx + OpEx + hidden)")
    y.add_column("year")
    for d in plan.deployments:
        y.add_column(NAMES[d.model], justify="right")
    for i, year in enumerate(sc.years):
        y.add_row(
            str(year),
            *[
                f"{fmt_usd(d.cash_flows[i].total_usd)} ({fmt_usd(d.cash_flows[i].capex_usd)} + "
                f"{fmt_usd(d.cash_flows[i].opex_usd)} + {fmt_usd(d.cash_flows[i].hidden_usd)})"
                for d in plan.deployments
            ],
        )
    console.print(y)

    services = [(d, s) for d in plan.deployments for s in d.services]
    if services:
        u = Table(title=f"Cost per million tokens: self-hosted vs API ({cur})")
        for col in (
            "service",
            "deployment",
            "accelerator",
            "input",
            "output",
            "API (model)",
            "API input",
            "API output",
        ):
            u.add_column(col)
        for d, s in services:
            u.add_row(
                str(s["workload"]),
                NAMES[d.model],
                str(s.get("accelerator") or ("API" if s.get("uses_api") else "-")),
                fmt_usd(s.get("usd_per_million_input_tokens")),
                fmt_usd(s.get("usd_per_million_output_tokens")),
                f"{s.get('api_provider') or '-'} {s.get('api_model') or ''}",
                fmt_usd(s.get("api_usd_per_million_input_tokens")),
                fmt_usd(s.get("api_usd_per_million_output_tokens")),
            )
        console.print(u)

    for d in plan.deployments:
        for x in d.unserved:
            console.print(
                f"[yellow]{NAMES[d.model]} cannot serve {x['workload']}:[/] {x['reason']}", highlight=False
            )

    rec = plan.recommendation
    console.print(f"\n[bold green]Recommendation: {NAMES.get(rec.deployment or '', 'none')}[/]")
    for r in recommendation_reasons(plan):
        console.print(f"  - {r.kind.replace('_', ' ')}: {r.text}", markup=False, highlight=False)
