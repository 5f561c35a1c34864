"""``stackplan validate``: predictions against published measurements."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

import typer
from rich.table import Table

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors, print_json
from stackplan.validation import ValidationCase, all_cases, summarize

#: Groups larger than this are summarised per sub-group with their worst cases, unless --all.
SUMMARY_THRESHOLD = 40
#: Worst cases listed under a summarised group.
WORST_CASES = 10


def _print_summarised(name: str, group: list[ValidationCase]) -> None:
    """One row per sub-group (median and max |error|), then the worst cases of the group."""
    t = Table(title=f"Validation: {name} (summary per group)")
    for col in ("group", "cases", "median |error|", "max |error|", "median signed error"):
        t.add_column(col)
    key = lambda c: c.group or c.subject  # noqa: E731
    for sub, cs in groupby(sorted(group, key=key), key=key):
        members = list(cs)
        s = summarize(members, sub)
        signed = sorted(c.error for c in members)[len(members) // 2]
        t.add_row(sub, str(s.cases), f"{s.median_abs_error:.1%}", f"{s.max_abs_error:.1%}", f"{signed:+.1%}")
    console.print(t)
    w = Table(title=f"Validation: {name} (worst {WORST_CASES})")
    for col in ("case", "published", "predicted", "error"):
        w.add_column(col, overflow="fold")
    for c in sorted(group, key=lambda c: abs(c.error), reverse=True)[:WORST_CASES]:
        w.add_row(c.subject, f"{c.published:,.4g}", f"{c.predicted:,.4g}", f"{c.error:+.1%}")
    console.print(w)


@app.command("validate")
@handle_errors
def validate(
    category: Annotated[str | None, typer.Option(help="Only 'training' or 'inference'.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help=f"List every case, also in groups of more than {SUMMARY_THRESHOLD}.")
    ] = False,
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
        if len(group) > SUMMARY_THRESHOLD and not show_all:
            _print_summarised(name, group)
            console.print(
                f"{name}: {s.cases} cases, median |error| {s.median_abs_error:.1%}, max {s.max_abs_error:.1%}"
                " (--all lists every case)\n"
            )
            continue
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
