"""The HTML report: one self-contained file (Jinja2 template, plotly charts, plotly.js inlined).

Nothing is fetched at view time: the plotly.js bundle shipped with the ``plotly`` package is
written into the page, so the report works offline.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jinja2

from stackplan.plan import COMPONENTS, Plan
from stackplan.report._text import (
    NAMES,
    currency_code,
    currency_symbol,
    executive_summary,
    fmt_num,
    fmt_pct,
    fmt_usd,
    money,
    money_of,
    recommendation_reasons,
)

__all__ = ["plan_html"]

#: Colours of the deployment models and of the line-item groups.
_DEPLOY_COLOURS = {"cloud_first": "#2563eb", "hybrid": "#7c3aed", "on_prem": "#059669"}
_GROUP_OF_LINE = {
    "accelerator_servers": "capex",
    "network": "capex",
    "storage_hardware": "capex",
    "facility_fitout": "capex",
    "residual_value": "capex",
    "hiring_and_training": "hidden",
    "data_management": "hidden",
    "integration": "hidden",
    "risk_mitigation": "hidden",
    "idle_capacity": "hidden",
    "lost_goodput": "hidden",
}
_LINE_COLOURS = [
    "#1e3a8a", "#2563eb", "#60a5fa", "#93c5fd", "#bfdbfe",
    "#065f46", "#059669", "#34d399", "#6ee7b7", "#a7f3d0", "#0f766e", "#14b8a6", "#5eead4", "#99f6e4", "#ccfbf1",
    "#9a3412", "#ea580c", "#fb923c", "#fdba74", "#fed7aa", "#7c2d12",
]  # fmt: skip


def _cost_stack(plan: Plan) -> dict[str, Any]:
    deps = plan.deployments
    names = list(deps[0].cash_flows[0].lines) if deps else []
    x = [
        [NAMES[d.model] for d in deps for _ in d.cash_flows],
        [str(c.year) for d in deps for c in d.cash_flows],
    ]
    traces = []
    for i, n in enumerate(names):
        ys = [money(c.lines[n]) for d in deps for c in d.cash_flows]
        if not any(ys):
            continue
        traces.append(
            {
                "type": "bar",
                "name": f"{n.replace('_', ' ')} ({_GROUP_OF_LINE.get(n, 'opex')})",
                "x": x,
                "y": ys,
                "marker": {"color": _LINE_COLOURS[i % len(_LINE_COLOURS)]},
                "hovertemplate": currency_symbol() + "%{y:,.0f}<extra>" + n + "</extra>",
            }
        )
    return {
        "data": traces,
        "layout": {
            "barmode": "relative",
            "yaxis": {
                "title": {"text": f"{currency_code()} per year"},
                "tickformat": "~s",
                "tickprefix": currency_symbol(),
            },
            "legend": {"orientation": "h", "y": -0.25},
            "margin": {"t": 20, "l": 70, "r": 20, "b": 40},
            "height": 520,
        },
    }


def _comparison(plan: Plan) -> dict[str, Any]:
    deps = plan.deployments
    metrics = [
        ("TCO", "tco_usd"),
        ("NPV of cost", "npv_cost_usd"),
        ("Value from goals", "value_usd"),
        ("NPV", "npv_usd"),
    ]
    traces = [
        {
            "type": "bar",
            "name": NAMES[d.model],
            "x": [m for m, _ in metrics],
            "y": [money(getattr(d, attr)) for _, attr in metrics],
            "marker": {"color": _DEPLOY_COLOURS[d.model]},
            "hovertemplate": currency_symbol() + "%{y:,.0f}<extra>" + NAMES[d.model] + "</extra>",
        }
        for d in deps
    ]
    return {
        "data": traces,
        "layout": {
            "barmode": "group",
            "yaxis": {
                "title": {"text": f"{currency_code()} over the horizon"},
                "tickformat": "~s",
                "tickprefix": currency_symbol(),
            },
            "margin": {"t": 20, "l": 70, "r": 20, "b": 40},
            "height": 380,
        },
    }


def _tokens(plan: Plan) -> dict[str, Any] | None:
    deps = plan.deployments
    services: list[str] = []
    for d in deps:
        for s in d.services:
            if s["workload"] not in services:
                services.append(str(s["workload"]))
    if not services:
        return None
    traces = []
    for d in deps:
        by = {s["workload"]: s for s in d.services}
        traces.append(
            {
                "type": "bar",
                "name": f"{NAMES[d.model]} (self-hosted)",
                "x": services,
                "y": [money(by.get(w, {}).get("usd_per_million_tokens_blended")) for w in services],
                "marker": {"color": _DEPLOY_COLOURS[d.model]},
                "hovertemplate": currency_symbol()
                + "%{y:,.3f} per M tokens<extra>"
                + NAMES[d.model]
                + "</extra>",
            }
        )
    ref = deps[0]
    by = {s["workload"]: s for s in ref.services}
    traces.append(
        {
            "type": "bar",
            "name": "API alternative",
            "x": services,
            "y": [money(by.get(w, {}).get("api_usd_per_million_tokens_blended")) for w in services],
            "text": [
                f"{by.get(w, {}).get('api_provider') or ''} {by.get(w, {}).get('api_model') or ''}"
                for w in services
            ],
            "marker": {"color": "#f59e0b"},
            "hovertemplate": currency_symbol() + "%{y:,.3f} per M output tokens<extra>%{text}</extra>",
        }
    )
    values = [float(v) for t in traces for v in t["y"] if isinstance(v, int | float) and v > 0]
    log = bool(values) and max(values) / min(values) > 50
    return {
        "data": traces,
        "layout": {
            "barmode": "group",
            "yaxis": {
                "title": {"text": f"{currency_code()} per million tokens (service mix)"},
                "type": "log" if log else "linear",
                "tickprefix": currency_symbol(),
            },
            "margin": {"t": 20, "l": 70, "r": 20, "b": 40},
            "height": 380,
        },
    }


def _emissions(plan: Plan) -> dict[str, Any]:
    deps = plan.deployments
    x = [NAMES[d.model] for d in deps]
    return {
        "data": [
            {
                "type": "bar",
                "name": "operational, location-based",
                "x": x,
                "y": [d.emissions_tco2e["location_based"] for d in deps],
                "marker": {"color": "#64748b"},
            },
            {
                "type": "bar",
                "name": "operational, market-based",
                "x": x,
                "y": [d.emissions_tco2e["market_based"] for d in deps],
                "marker": {"color": "#94a3b8"},
            },
            {
                "type": "bar",
                "name": "embodied",
                "x": x,
                "y": [d.emissions_tco2e["embodied"] for d in deps],
                "marker": {"color": "#b45309"},
            },
        ],
        "layout": {
            "barmode": "group",
            "yaxis": {"title": {"text": "tCO2e over the horizon"}},
            "margin": {"t": 20, "l": 70, "r": 20, "b": 40},
            "height": 360,
        },
    }


def _roadmap(plan: Plan) -> tuple[dict[str, Any] | None, Any]:
    """Gantt chart and roadmap of the hybrid's optimised capacity plan (issue 5), if there is one."""
    if plan.capacity_plan is None:
        return None, None
    from stackplan.roadmap import timeline_figure

    road = plan.roadmap()
    spec: dict[str, Any] = json.loads(timeline_figure(road).to_json())
    return spec, road


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def _tornado(mc: Any) -> dict[str, Any] | None:
    """Tornado chart of the deployment most often cheapest: NPV of cost with each input at its P10
    and at its P90 (the others at their P50), bars around the all-P50 cost, largest swing on top."""
    if mc is None:
        return None
    name = mc.most_often_cheapest
    bars = list(mc.tornado[name])[::-1]
    mid = float(money(mc.base_npv_cost_usd[name]) or 0.0)
    labels = [b.input for b in bars]

    def trace(label: str, at: str, colour: str, values: list[float]) -> dict[str, Any]:
        return {
            "type": "bar",
            "orientation": "h",
            "name": label,
            "y": labels,
            "x": [float(money(v) or 0.0) - mid for v in values],
            "base": [mid] * len(bars),
            "text": [f"{getattr(b, at):.3g}" for b in bars],
            "marker": {"color": colour},
            "hovertemplate": "%{y} = %{text}: " + currency_symbol() + "%{x:,.0f} vs P50<extra></extra>",
        }

    return {
        "data": [
            trace("input at its P10", "low_value", "#60a5fa", [b.npv_cost_at_low_usd for b in bars]),
            trace("input at its P90", "high_value", "#f97316", [b.npv_cost_at_high_usd for b in bars]),
        ],
        "layout": {
            "barmode": "overlay",
            "title": {"text": f"What moves the NPV of cost of {NAMES.get(name, name)} most"},
            "xaxis": {"title": {"text": f"NPV of cost [{currency_code()}]"}, "tickprefix": currency_symbol()},
            "margin": {"t": 40, "l": 170, "r": 20, "b": 40},
            "height": 80 + 36 * len(bars),
        },
    }


def plan_html(plan: Plan, uncertainty: Any = None) -> str:
    """The plan as one self-contained HTML page (money in the organisation's currency);
    ``uncertainty`` (a :class:`stackplan.uncertainty.MonteCarloResult`) adds its section."""
    with money_of(plan):
        return _plan_html(plan, uncertainty)


def _plan_html(plan: Plan, uncertainty: Any = None) -> str:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (
                resources.files("stackplan.report").joinpath("templates", name).read_text(encoding="utf-8")
            )
        ),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(usd=fmt_usd, pct=fmt_pct, num=fmt_num)
    roadmap_chart, roadmap = _roadmap(plan)
    charts = {
        "roadmap": roadmap_chart,
        "cost_stack": _cost_stack(plan),
        "comparison": _comparison(plan),
        "tokens": _tokens(plan),
        "emissions": _emissions(plan),
        "tornado": _tornado(uncertainty),
    }
    template = env.get_template("plan.html.j2")
    from stackplan.governance.adapter import governance_section

    return template.render(
        gov=governance_section(plan),
        plan=plan,
        sc=plan.scenario,
        names=NAMES,
        colours=_DEPLOY_COLOURS,
        summary=executive_summary(plan),
        components=[(c, plan.components[c]) for c in COMPONENTS],
        roadmap=roadmap,
        mc=uncertainty,
        charts_json=json.dumps(charts).replace("</", "<\\/"),
        plotly_js=_plotly_js(),
        currency=currency_code(),
        reasons=recommendation_reasons(plan),
    )
