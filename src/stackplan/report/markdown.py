"""The Markdown report of a plan."""

from __future__ import annotations

from typing import Any

from stackplan.plan import COMPONENTS, Plan
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

__all__ = ["plan_markdown"]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    return out


def plan_markdown(plan: Plan, uncertainty: Any = None) -> str:
    """The whole plan as Markdown: summary, comparison, yearly line items, unit costs, footprint,
    components, recommendation and every assumption with its source (money in the organisation's
    currency); ``uncertainty`` (a :class:`stackplan.uncertainty.MonteCarloResult`) adds its section."""
    with money_of(plan):
        md = _plan_markdown(plan)
        return md if uncertainty is None else md.rstrip("\n") + "\n\n" + _uncertainty_markdown(uncertainty)


def _uncertainty_markdown(mc: Any) -> str:
    """Percentiles per deployment, probability of being cheapest, and the tornado as a table."""
    md = [f"## Uncertainty ({mc.n_samples:,} Monte Carlo samples)", ""]
    md += _table(
        ["deployment", "TCO P10", "TCO P50", "TCO P90", "NPV P10", "NPV P50", "NPV P90", "P(cheapest)"],
        [
            [
                NAMES.get(o.name, o.name),
                *[fmt_usd(getattr(o.tco_usd, q)) for q in ("p10", "p50", "p90")],
                *[fmt_usd(getattr(o.npv_usd, q)) for q in ("p10", "p50", "p90")],
                fmt_pct(o.probability_cheapest),
            ]
            for o in mc.outcomes
        ],
    )
    best = mc.most_often_cheapest
    md += [
        "",
        f"Tornado for {NAMES.get(best, best)}: NPV of cost with each input at its P10 and P90, others at P50.",
        "",
    ]
    md += _table(
        ["input", "P10", "P90", "cost at P10", "cost at P90", "swing"],
        [
            [
                b.input,
                f"{b.low_value:.3g}",
                f"{b.high_value:.3g}",
                fmt_usd(b.npv_cost_at_low_usd),
                fmt_usd(b.npv_cost_at_high_usd),
                fmt_usd(b.swing_usd),
            ]
            for b in mc.tornado[best]
        ],
    )
    return "\n".join(md) + "\n"


def _hiring_markdown(plan: Plan) -> list[str]:
    """The recommended deployment's hiring and training plan (what its people lines are booked from)."""
    if plan.recommendation.deployment is None:
        return []
    d = plan.deployment(plan.recommendation.deployment)
    if d.staffing is None:
        return []
    st = d.staffing
    md = ["", f"## Hiring and training plan ({NAMES[d.model]})", ""]
    md.append(
        f"Hires are due {st.lead_months:g} months before the year they are needed; these figures are "
        "booked in the people cost lines."
    )
    md.append("")
    md += _table(
        [
            "role",
            "cost line",
            "existing FTE",
            *[f"FTE {y}" for y in st.years],
            "hires",
            "salaries",
            "hiring and training",
        ],
        [
            [
                r.role,
                r.line,
                fmt_num(r.existing_fte, 1),
                *[fmt_num(v, 1) for v in r.fte],
                "; ".join(f"{h:.2f} by {r.hire_by[t]}" for t, h in enumerate(r.hires_fte) if h > 1e-9) or "-",
                fmt_usd(sum(r.salary_usd)),
                fmt_usd(sum(r.hiring_training_usd)),
            ]
            for r in st.roles
        ],
    )
    return md


def _plan_markdown(plan: Plan) -> str:
    cur = currency_code()
    sc = plan.scenario
    deps = plan.deployments
    md: list[str] = [f"# Stackplan plan: {sc.organization.name}", ""]
    md.append(
        f"Stackplan {plan.stackplan_version}, catalogue {plan.catalog_version}; "
        f"{sc.years[0]}-{sc.years[-1]}, discount rate {sc.organization.discount_rate:.1%}."
    )
    md += ["", "## Executive summary", ""]
    md += [f"- {line}" for line in executive_summary(plan)]
    md += ["", "## Deployments compared", ""]
    md += _table(
        ["", *[NAMES[d.model] for d in deps]],
        [
            ["TCO", *[fmt_usd(d.tco_usd) for d in deps]],
            ["NPV of cost", *[fmt_usd(d.npv_cost_usd) for d in deps]],
            ["Value from goals", *[fmt_usd(d.value_usd) for d in deps]],
            ["NPV", *[fmt_usd(d.npv_usd) for d in deps]],
            ["ROI", *[fmt_pct(d.roi) for d in deps]],
            ["IRR", *[fmt_pct(d.irr) for d in deps]],
            ["Payback [years]", *[fmt_num(d.payback_years, 1) for d in deps]],
            [f"{cur} per delivered accelerator-hour", *[fmt_usd(d.usd_per_accelerator_hour) for d in deps]],
            ["Time to capacity [months]", *[fmt_num(d.time_to_capacity_months, 1) for d in deps]],
            ["Energy [MWh]", *[fmt_num(d.energy_mwh) for d in deps]],
            [
                "Emissions location-based [tCO2e]",
                *[fmt_num(d.emissions_tco2e["location_based"]) for d in deps],
            ],
            ["Emissions market-based [tCO2e]", *[fmt_num(d.emissions_tco2e["market_based"]) for d in deps]],
            ["Emissions embodied [tCO2e]", *[fmt_num(d.emissions_tco2e["embodied"]) for d in deps]],
            ["Water [m3]", *[fmt_num(d.water_m3) for d in deps]],
        ],
    )
    rec = plan.recommendation
    md += ["", f"## Recommendation: {NAMES.get(rec.deployment or '', 'none')}", ""]
    md += [f"- **{r.kind}**: {r.text}" for r in recommendation_reasons(plan)]
    for d in deps:
        md += ["", f"## {NAMES[d.model]}: cash flows by line item ({cur})", ""]
        names = [k for k in d.cash_flows[0].lines if any(c.lines[k] for c in d.cash_flows)]
        md += _table(
            ["line", *[str(c.year) for c in d.cash_flows], "total"],
            [
                [
                    n,
                    *[fmt_usd(c.lines[n]) for c in d.cash_flows],
                    fmt_usd(sum(c.lines[n] for c in d.cash_flows)),
                ]
                for n in names
            ]
            + [
                [
                    "**CapEx**",
                    *[fmt_usd(c.capex_usd) for c in d.cash_flows],
                    fmt_usd(sum(c.capex_usd for c in d.cash_flows)),
                ],
                [
                    "**OpEx**",
                    *[fmt_usd(c.opex_usd) for c in d.cash_flows],
                    fmt_usd(sum(c.opex_usd for c in d.cash_flows)),
                ],
                [
                    "**Hidden**",
                    *[fmt_usd(c.hidden_usd) for c in d.cash_flows],
                    fmt_usd(sum(c.hidden_usd for c in d.cash_flows)),
                ],
                ["**Total**", *[fmt_usd(c.total_usd) for c in d.cash_flows], fmt_usd(d.tco_usd)],
            ],
        )
        for x in d.unserved:
            md.append(f"\n> {NAMES[d.model]} cannot serve **{x['workload']}**: {x['reason']}")
    services = [(d, s) for d in deps for s in d.services]
    if services:
        md += ["", f"## Cost per million tokens: self-hosted vs API ({cur})", ""]
        md += _table(
            ["service", "deployment", "accelerator", "input", "output", "API", "API input", "API output"],
            [
                [
                    str(s["workload"]),
                    NAMES[d.model],
                    str(s.get("accelerator") or "-"),
                    fmt_usd(s.get("usd_per_million_input_tokens")),
                    fmt_usd(s.get("usd_per_million_output_tokens")),
                    f"{s.get('api_provider') or '-'} {s.get('api_model') or ''}",
                    fmt_usd(s.get("api_usd_per_million_input_tokens")),
                    fmt_usd(s.get("api_usd_per_million_output_tokens")),
                ]
                for d, s in services
            ],
        )
    md += _hiring_markdown(plan)
    md += ["", "## Components", ""]
    for name in COMPONENTS:
        comp = plan.components[name]
        md += ["", f"### {name.capitalize()}", ""]
        md += _table(
            ["quantity", "scope", "year", "value", "unit", "source"],
            [
                [
                    q.name,
                    q.scope,
                    str(q.year or ""),
                    fmt_num(q.value, 2 if abs(q.value) < 100 else 0),
                    q.unit,
                    q.source,
                ]
                for q in comp.quantities
            ],
        )
        md += [f"- {n}" for n in comp.notes]
    md += ["", "## Assumptions", ""]
    md += _table(
        ["name", "value", "unit", "overridden", "source"],
        [
            [
                str(a["name"]),
                f"{a['value']:,.4g}",
                str(a["unit"]),
                "yes" if a["overridden"] else "",
                str(a["source"]),
            ]
            for a in plan.assumptions
        ],
    )
    return "\n".join(md) + "\n"
