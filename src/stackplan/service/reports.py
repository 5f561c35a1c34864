"""Service-side report writers (fallback until the planning branch's ``stackplan.report`` is installed):
a self-contained HTML page (inline CSS, no script, works offline) and Markdown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from stackplan.service.present import component_rows, deployment_label, fmt_usd, kpi_rows, reason_text

__all__ = ["html_report", "markdown_report"]

_env = Environment(
    loader=PackageLoader("stackplan.service", "templates"), autoescape=select_autoescape(["html"])
)


def _context(plan: Mapping[str, Any]) -> dict[str, Any]:
    deployments = [d for d in plan.get("deployments", []) if isinstance(d, Mapping)]
    org = (
        plan.get("scenario", {}).get("organization", {}) if isinstance(plan.get("scenario"), Mapping) else {}
    )
    return {
        "plan": plan,
        "org_name": org.get("name", "Scenario") if isinstance(org, Mapping) else "Scenario",
        "deployments": deployments,
        "labels": [deployment_label(str(d.get("model"))) for d in deployments],
        "kpis": kpi_rows(deployments),
        "recommendation": plan.get("recommendation") or {},
        "components": {k: component_rows(v, 40)[0] for k, v in (plan.get("components") or {}).items()},
        "reasons": [reason_text(r) for r in (plan.get("recommendation") or {}).get("reasons", [])],
        "fmt_usd": fmt_usd,
        "deployment_label": deployment_label,
    }


def html_report(plan: Mapping[str, Any]) -> str:
    """One self-contained HTML file (inline CSS, no external resources)."""
    return _env.get_template("report.html").render(**_context(plan))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def markdown_report(plan: Mapping[str, Any]) -> str:
    """A Markdown report: recommendation, KPIs per deployment, cash flows, components."""
    c = _context(plan)
    rec = c["recommendation"]
    lines = [f"# Stackplan plan: {c['org_name']}", ""]
    lines += [
        f"Stackplan {plan.get('stackplan_version', '?')}, catalogue {plan.get('catalog_version', '?')}.",
        "",
        f"## Recommendation: {deployment_label(str(rec.get('deployment', '')))}",
        "",
        *[f"- {r}" for r in c["reasons"]],
        "",
        "## Deployments compared",
        "",
        _row(["Measure", *c["labels"]]),
        _row(["---"] * (1 + len(c["labels"]))),
        *[_row([r["label"], *r["text"]]) for r in c["kpis"]],
        "",
        "## Cash flows per year [USD]",
        "",
    ]
    for d in c["deployments"]:
        lines += [
            f"### {deployment_label(str(d.get('model')))}",
            "",
            _row(["Year", "CapEx", "OpEx", "Hidden"]),
        ]
        lines.append(_row(["---"] * 4))
        for f in d.get("cash_flows", []):
            lines.append(
                _row(
                    [
                        str(f.get("year")),
                        fmt_usd(f.get("capex_usd")),
                        fmt_usd(f.get("opex_usd")),
                        fmt_usd(f.get("hidden_usd")),
                    ]
                )
            )
        lines.append("")
    lines += ["## Components", ""]
    for name, items in c["components"].items():
        lines += [f"### {name.capitalize()}", ""]
        lines += [
            f"- {q['name']}{' (' + q['scope'] + ')' if q['scope'] else ''}: {q['value']} {q['unit']}"
            for q in items
        ]
        lines.append("")
    return "\n".join(lines)
