"""Plotly figure specifications (plain dicts) for the plan dashboard. Presentation only.

Each function takes a plan dict and returns ``{"data": [...], "layout": {...}}`` or ``None`` when the
plan lacks what the chart needs. The page draws them with the plotly.js the package ships (offline).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackplan.service.present import deployment_label, get_path, services_of

__all__ = ["COLORS", "all_charts"]

Figure = dict[str, Any]

#: Deployment colours (also used in the CSS legend chips).
COLORS = {"cloud_first": "#3b7dd8", "hybrid": "#13a39a", "on_prem": "#5b6b82", "api": "#d9822b"}
#: Cost-type colours of the stacked bars.
COST_COLORS = {"capex_usd": "#1f3a5f", "opex_usd": "#5b93d6", "hidden_usd": "#e3a33b"}
_FONT = {"family": "Inter, 'Segoe UI', 'Helvetica Neue', Arial, sans-serif", "size": 12, "color": "#1f2a37"}


def _layout(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "font": _FONT,
        "margin": {"l": 64, "r": 16, "t": 12, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "yaxis": {"gridcolor": "#e6eaf0", "zerolinecolor": "#c9d1dc"},
        "xaxis": {"gridcolor": "#e6eaf0"},
        "bargap": 0.25,
        "hoverlabel": {"font": {"family": _FONT["family"]}},
    }
    base.update(extra)
    return base


def _deps(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [d for d in plan.get("deployments", []) if isinstance(d, Mapping)]


def _color(model: str) -> str:
    return COLORS.get(model, "#7a8699")


def deployment_comparison(plan: Mapping[str, Any]) -> Figure | None:
    """Grouped bars: TCO, NPV of cost and value from goals per deployment [USD]."""
    deps = _deps(plan)
    if not deps:
        return None
    measures = [("tco_usd", "TCO"), ("npv_cost_usd", "NPV of cost"), ("value_usd", "Value from goals")]
    data = []
    for d in deps:
        model = str(d.get("model"))
        data.append(
            {
                "type": "bar",
                "name": deployment_label(model),
                "x": [label for _, label in measures],
                "y": [d.get(key) for key, _ in measures],
                "marker": {"color": _color(model)},
                "hovertemplate": "%{x}: $%{y:,.0f}<extra>" + deployment_label(model) + "</extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            barmode="group", yaxis={"tickprefix": "$", "tickformat": "~s", "gridcolor": "#e6eaf0"}
        ),
    }


def cost_stack(plan: Mapping[str, Any]) -> Figure | None:
    """Stacked bars per deployment and year: CapEx, OpEx and hidden costs [USD]."""
    deps = _deps(plan)
    if not deps or not any(d.get("cash_flows") for d in deps):
        return None
    outer: list[str] = []
    inner: list[str] = []
    values: dict[str, list[Any]] = {k: [] for k in COST_COLORS}
    for d in deps:
        for f in d.get("cash_flows", []):
            outer.append(deployment_label(str(d.get("model"))))
            inner.append(str(f.get("year")))
            for k in COST_COLORS:
                values[k].append(f.get(k))
    names = {"capex_usd": "CapEx", "opex_usd": "OpEx", "hidden_usd": "Hidden costs"}
    data = [
        {
            "type": "bar",
            "name": names[k],
            "x": [outer, inner],
            "y": values[k],
            "marker": {"color": c},
            "hovertemplate": "%{x}: $%{y:,.0f}<extra>" + names[k] + "</extra>",
        }
        for k, c in COST_COLORS.items()
    ]
    return {
        "data": data,
        "layout": _layout(
            barmode="stack", yaxis={"tickprefix": "$", "tickformat": "~s", "gridcolor": "#e6eaf0"}
        ),
    }


def token_costs(plan: Mapping[str, Any]) -> Figure | None:
    """Blended cost per million tokens of each inference service per deployment, next to the price of
    buying the same tokens from an API provider [USD per million tokens]."""
    deps = _deps(plan)
    names: list[str] = []
    for d in deps:
        for svc in services_of(d):
            if svc.get("usd_per_million_tokens_blended") is not None and str(svc["name"]) not in names:
                names.append(str(svc["name"]))
    if not names:
        return None
    data: list[dict[str, Any]] = []
    api: dict[str, Any] = {}
    for d in deps:
        by_name = {str(s.get("name")): s for s in services_of(d)}
        model = str(d.get("model"))
        for n in names:
            if n in by_name and by_name[n].get("api_usd_per_million_tokens_blended") is not None:
                api.setdefault(n, by_name[n])
        data.append(
            {
                "type": "bar",
                "name": deployment_label(model),
                "x": names,
                "y": [by_name.get(n, {}).get("usd_per_million_tokens_blended") for n in names],
                "marker": {"color": _color(model)},
                "hovertemplate": "%{x}: $%{y:,.2f} per M tokens<extra>"
                + deployment_label(model)
                + "</extra>",
            }
        )
    if api:
        data.append(
            {
                "type": "bar",
                "name": "API provider",
                "x": names,
                "y": [api.get(n, {}).get("api_usd_per_million_tokens_blended") for n in names],
                "customdata": [
                    f"{api.get(n, {}).get('api_provider', '')} {api.get(n, {}).get('api_model', '')}"
                    for n in names
                ],
                "marker": {"color": COLORS["api"], "pattern": {"shape": "/"}},
                "hovertemplate": "%{x}: $%{y:,.2f} per M tokens (%{customdata})<extra>API provider</extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            barmode="group",
            yaxis={
                "tickprefix": "$",
                "title": {"text": "USD per million tokens (blended)"},
                "gridcolor": "#e6eaf0",
            },
        ),
    }


def emissions(plan: Mapping[str, Any]) -> Figure | None:
    """Emissions per deployment over the horizon: location-based, market-based, embodied [tCO2e]."""
    deps = _deps(plan)
    if not deps or all(d.get("emissions_tco2e") is None for d in deps):
        return None
    kinds = [
        ("location_based", "Location-based", "#1f3a5f"),
        ("market_based", "Market-based", "#5b93d6"),
        ("embodied", "Embodied", "#9aa7b8"),
    ]
    data = [
        {
            "type": "bar",
            "name": label,
            "x": [deployment_label(str(d.get("model"))) for d in deps],
            "y": [get_path(d, f"emissions_tco2e.{key}") for d in deps],
            "marker": {"color": color},
            "hovertemplate": "%{x}: %{y:,.0f} tCO2e<extra>" + label + "</extra>",
        }
        for key, label, color in kinds
    ]
    return {
        "data": data,
        "layout": _layout(barmode="group", yaxis={"title": {"text": "tCO2e"}, "gridcolor": "#e6eaf0"}),
    }


def _phases(roadmap: Any) -> list[Mapping[str, Any]]:
    if isinstance(roadmap, Mapping):
        for key in ("phases", "items", "steps", "milestones"):
            if isinstance(roadmap.get(key), list):
                return [p for p in roadmap[key] if isinstance(p, Mapping)]
        return []
    if isinstance(roadmap, list):
        return [p for p in roadmap if isinstance(p, Mapping)]
    return []


def _start_end(p: Mapping[str, Any]) -> tuple[float, float] | None:
    for s_key, e_key in (("start_year", "end_year"), ("start", "end"), ("start_month", "end_month")):
        s, e = p.get(s_key), p.get(e_key)
        if isinstance(s, int | float) and isinstance(e, int | float):
            if s_key == "start_month":
                return float(s) / 12.0, float(e) / 12.0
            return float(s), float(e)
    return None


def roadmap(plan: Mapping[str, Any]) -> Figure | None:
    """Roadmap timeline: one horizontal bar per phase (when the plan has a roadmap)."""
    phases = [(p, se) for p in _phases(plan.get("roadmap")) if (se := _start_end(p)) is not None]
    if not phases:
        return None
    names = [str(p.get("name") or p.get("title") or f"phase {i + 1}") for i, (p, _) in enumerate(phases)]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": names,
            "x": [max(e - s, 0.05) for _, (s, e) in phases],
            "base": [s for _, (s, _e) in phases],
            "marker": {"color": "#3b7dd8"},
            "hovertemplate": "%{y}: %{base} – %{x}<extra></extra>",
            "showlegend": False,
        }
    ]
    return {
        "data": data,
        "layout": _layout(
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis={"title": {"text": "year"}, "gridcolor": "#e6eaf0"},
            margin={"l": 160, "r": 16, "t": 12, "b": 48},
        ),
    }


def all_charts(plan: Mapping[str, Any]) -> dict[str, Figure]:
    """Every chart the plan supports, by id."""
    makers = {
        "comparison": deployment_comparison,
        "cost-stack": cost_stack,
        "tokens": token_costs,
        "emissions": emissions,
        "roadmap": roadmap,
    }
    out = {}
    for name, make in makers.items():
        fig = make(plan)
        if fig is not None:
            out[name] = fig
    return out
