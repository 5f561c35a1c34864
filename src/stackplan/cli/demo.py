"""``stackplan demo``: the main job on the bundled example (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors, write_atomic
from stackplan.errors import InvalidInputError

#: The bundled example scenario `make demo` plans (relative to the repository root).
DEMO_SCENARIO = Path("examples/enterprise_research.yaml")
#: Where `make demo` writes the HTML report.
DEMO_HTML = Path("out/plan.html")


def _plan_demo(scenario: Path, html: Path) -> None:
    from stackplan.plan import build_plan
    from stackplan.report.html import plan_html
    from stackplan.report.terminal import print_plan

    if not scenario.exists():
        raise InvalidInputError(
            "--scenario", "example scenario not found", scenario, "run from the repository root"
        )
    plan = build_plan(scenario)
    text = plan_html(plan)
    print_plan(plan, console)
    write_atomic(html, text)
    console.print(
        f"\nwrote the HTML report to {html} (open it in a browser; it works offline)", highlight=False
    )


@app.command("demo")
@handle_errors
def demo(
    scenario: Annotated[Path, typer.Option(help="Scenario to plan.")] = DEMO_SCENARIO,
    html: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = DEMO_HTML,
) -> None:
    """Plan the bundled example scenario, print the summary and write the HTML report."""
    _plan_demo(scenario, html)
