"""Reading a plan dict for display: labels, number formats, flattening. Presentation only, no numbers made."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "DEPLOYMENT_LABELS",
    "component_rows",
    "deployment_label",
    "flatten",
    "fmt_num",
    "fmt_usd",
    "kpi_rows",
    "reason_text",
    "services_of",
]

DEPLOYMENT_LABELS = {"cloud_first": "Cloud-first", "hybrid": "Hybrid", "on_prem": "On-prem optimised"}

#: Deployment KPIs shown side by side: (key path, label, kind). ``kind`` picks the number format.
KPIS: tuple[tuple[str, str, str], ...] = (
    ("tco_usd", "Total cost of ownership", "usd"),
    ("npv_cost_usd", "NPV of cost", "usd"),
    ("value_usd", "Value from goals", "usd"),
    ("npv_usd", "NPV", "usd"),
    ("roi", "ROI", "pct"),
    ("irr", "IRR", "pct"),
    ("payback_years", "Payback [years]", "num1"),
    ("time_to_capacity_months", "Time to capacity [months]", "num1"),
    ("unit_costs.usd_per_accelerator_hour", "Cost per accelerator-hour [USD]", "usd2"),
    ("energy_mwh", "Energy [MWh]", "num"),
    ("emissions_tco2e.location_based", "Emissions, location-based [tCO2e]", "num"),
    ("emissions_tco2e.market_based", "Emissions, market-based [tCO2e]", "num"),
    ("emissions_tco2e.embodied", "Emissions, embodied [tCO2e]", "num"),
    ("water_m3", "Water [m³]", "num"),
)


def deployment_label(model: str) -> str:
    """Human label of a deployment model id."""
    return DEPLOYMENT_LABELS.get(model, model.replace("_", " ").capitalize())


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def fmt_usd(value: Any, digits: int = 0) -> str:
    """``$1.23M`` / ``$12,345`` style money (USD)."""
    v = _num(value)
    if v is None:
        return "–"
    if abs(v) >= 1e9:
        return f"${v / 1e9:,.2f}B"
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.2f}M"
    return f"${v:,.{digits}f}"


def fmt_num(value: Any, digits: int = 0) -> str:
    """Thousands-separated number, or an en dash when absent."""
    v = _num(value)
    return "–" if v is None else f"{v:,.{digits}f}"


def fmt(value: Any, kind: str) -> str:
    """Format a KPI value of ``kind`` (usd, usd2, pct, num, num1)."""
    if kind == "usd":
        return fmt_usd(value)
    if kind == "usd2":
        return fmt_usd(value, 2)
    if kind == "pct":
        v = _num(value)
        return "–" if v is None else f"{v * 100:,.0f}%"
    if kind == "num1":
        return fmt_num(value, 1)
    return fmt_num(value)


def get_path(obj: Any, path: str) -> Any:
    """``obj['a']['b']`` for path ``a.b``; ``None`` when absent."""
    for key in path.split("."):
        if not isinstance(obj, Mapping) or key not in obj:
            return None
        obj = obj[key]
    return obj


def kpi_rows(deployments: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of (label, raw values, formatted values) for the deployments side by side."""
    rows = []
    for path, label, kind in KPIS:
        raw = [get_path(d, path) for d in deployments]
        if all(v is None for v in raw):
            continue
        rows.append(
            {"key": path, "label": label, "kind": kind, "raw": raw, "text": [fmt(v, kind) for v in raw]}
        )
    return rows


def flatten(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, scalar) pairs of a nested dict/list, in order."""
    if isinstance(obj, Mapping):
        if not obj and prefix:
            yield prefix, ""
        for k, v in obj.items():
            yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list | tuple):
        if not obj and prefix:
            yield prefix, ""
        for i, v in enumerate(obj):
            yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def services_of(deployment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The per-service unit costs of a deployment as a list of dicts with a ``name``.

    Accepts ``unit_costs.services`` as a list of dicts or a dict keyed by service name.
    """
    services = get_path(deployment, "unit_costs.services")
    if isinstance(services, Mapping):
        return [
            {"name": str(k), **(v if isinstance(v, Mapping) else {"value": v})} for k, v in services.items()
        ]
    if isinstance(services, list):
        return [{**s, "name": s.get("name") or s.get("workload")} for s in services if isinstance(s, Mapping)]
    return []


def reason_text(reason: Any) -> str:
    """A recommendation reason as text (reasons are ``{kind, text, figures}`` or plain strings)."""
    if isinstance(reason, Mapping):
        return str(reason.get("text", ""))
    return str(reason)


def component_rows(component: Any, limit: int = 12) -> tuple[list[dict[str, Any]], int]:
    """Display rows of one component: its quantities of the first year (name, value, unit, source),
    or the flattened dict when it has no ``quantities``; and how many more rows there are."""
    if isinstance(component, Mapping) and isinstance(component.get("quantities"), list):
        qs = [q for q in component["quantities"] if isinstance(q, Mapping)]
        years = sorted({int(q["year"]) for q in qs if isinstance(q.get("year"), int)})
        first = years[0] if years else None
        rows = [
            {
                "name": str(q.get("name", "")),
                "scope": "" if q.get("scope") in (None, "pooled") else str(q.get("scope")),
                "value": q.get("value"),
                "unit": str(q.get("unit") or ""),
                "source": str(q.get("source") or ""),
            }
            for q in qs
            if q.get("year") in (None, first)
        ]
    else:
        rows = [
            {"name": k, "scope": "", "value": v, "unit": "", "source": ""} for k, v in flatten(component) if k
        ]
    return rows[:limit], max(len(rows) - limit, 0)
