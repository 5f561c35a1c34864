"""``stackplan validate``: predictions against published measurements."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

import typer
from rich.table import Table

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors, print_json
from stackplan.validation import all_cases, summarize


@app.command("validate")
@handle_errors
def validate(
    category: Annotated[str | None, typer.Option(help="Only 'training' or 'inference'.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Print predicted vs published for every validation case, with median and maximum |error|."""
    cases = [c for c in all_cases() if category is None or c.category == category]
    key = lambda c: (c.category, c.kind)  # noqa: E731
    groups = [(f"{cat} / {kind}", list(g)) for (cat, kind), g in groupby(sorted(cases, key=key), key=key)]
    summaries = [summarize(g, name) for name, g in groups]
    if as_json:
        print_json(
            {
                "cases": [{**c.__dict__, "error": c.error} for c in cases],
                "summary": [s.__dict__ for s in summaries],
            }
        )
        return
    for (name, group), s in zip(groups, summaries, strict=True):
        t = Table(title=f"Validation: {name}")
        for col in ("case", "quantity", "published", "predicted", "error", "source"):
            t.add_column(col, overflow="fold")
        for c in group:
            t.add_row(
                c.subject,
                f"{c.quantity} [{c.unit}]",
                f"{c.published:,.4g}",
                f"{c.predicted:,.4g}",
                f"{c.error:+.1%}",
                c.source,
            )
        console.print(t)
        console.print(
            f"{name}: {s.cases} cases, median |error| {s.median_abs_error:.1%}, max {s.max_abs_error:.1%}\n"
        )
    if not cases:
        console.print("no validation cases")
