"""``stackplan check``: governance, risk and compliance findings of a plan; exit 1 on any failure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors, write_atomic
from stackplan.governance import assess, assessment_to_dict
from stackplan.governance.findings import Finding
from stackplan.governance.load import load_check_input

#: Exit code when any finding is a failure (for CI gates).
EXIT_FAILED_CHECK = 1

_STYLE = {"fail": "bold red", "warning": "yellow", "info": "dim"}


def _evidence(f: Finding, limit: int = 3) -> str:
    parts = []
    for e in f.evidence[:limit]:
        value = f"{e.value:,.4g}" if isinstance(e.value, float) else str(e.value)
        parts.append(f"{e.name}: {value}{' ' + e.unit if e.unit and e.unit != '-' else ''}")
    return "; ".join(parts) + (" ..." if len(f.evidence) > limit else "")


def _refs(f: Finding, limit: int = 3) -> str:
    text = "; ".join(
        f"{r.framework.split(':')[0].replace(' 1.0', '')} {r.reference}" for r in f.references[:limit]
    )
    return text + (" ..." if len(f.references) > limit else "")


@app.command("check")
@handle_errors
def check(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file, or a governance facts file (key 'governance_facts').")
    ],
    policies: Annotated[
        Path | None, typer.Option("--policies", help="Organisation policy file (YAML).")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the assessment as JSON to this file.")
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list findings of severity info.")] = False,
) -> None:
    """Governance, risk and compliance checks of a plan. Exit code 1 when any finding is a failure."""
    facts, rules = load_check_input(scenario, policies)
    a = assess(facts, rules)
    if json_out is not None:
        import json

        write_atomic(json_out, json.dumps(assessment_to_dict(a), indent=2) + "\n")
    shown = [f for f in a.findings if show_all or f.severity != "info"]
    table = Table(title=f"Governance findings: {facts.organization}")
    for col in ("severity", "finding", "evidence", "frameworks", "recommendation"):
        table.add_column(col, overflow="fold")
    for f in shown:
        table.add_row(
            f"[{_STYLE[f.severity]}]{f.severity}[/]",
            escape(f"{f.id}\n{f.title}"),
            escape(_evidence(f)),
            escape(_refs(f)),
            escape(f.recommendation),
        )
    if shown:
        console.print(table)
    if a.risk_register:
        risks = Table(title="Risk register")
        for col in ("risk", "L x I", "rating", "owner", "mitigation", "USD/year (first year)"):
            risks.add_column(col, overflow="fold")
        for e in a.risk_register:
            first = e.mitigation_costs[0].usd if e.mitigation_costs else 0.0
            risks.add_row(
                escape(f"{e.id}\n{e.title}"),
                f"{e.likelihood} x {e.impact} = {e.score}",
                e.rating,
                escape(e.owner_role),
                escape(e.mitigation),
                f"{first:,.0f}",
            )
        console.print(risks)
    missing = [i for i in a.evidence_checklist if i.missing]
    if missing:
        console.print(
            "[bold]Evidence still to supply:[/] " + escape(", ".join(i.id for i in missing)), highlight=False
        )
    counts = a.counts()
    console.print(
        f"{counts['fail']} failed, {counts['warning']} warnings, {counts['info']} info"
        + ("" if show_all else " (--all lists the info findings)"),
        highlight=False,
    )
    if a.failures:
        raise typer.Exit(EXIT_FAILED_CHECK)
