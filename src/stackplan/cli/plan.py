"""``stackplan plan`` and ``stackplan check-scenario``: thin commands over the library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stackplan.cli import app
from stackplan.cli._common import _clean, console, handle_errors, write_atomic

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]


@app.command("plan")
@handle_errors
def plan_command(
    scenario: ScenarioArg,
    json_file: Annotated[Path | None, typer.Option("--json", help="Write the plan as JSON to FILE.")] = None,
    html_file: Annotated[Path | None, typer.Option("--html", help="Write the HTML report to FILE.")] = None,
    md_file: Annotated[Path | None, typer.Option("--md", help="Write the Markdown report to FILE.")] = None,
    uncertainty: Annotated[
        int,
        typer.Option("--uncertainty", help="Monte Carlo samples of the uncertain inputs (0: none).", min=0),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the Monte Carlo.")] = 0,
) -> None:
    """Plan SCENARIO: size the six components, cost every deployment model, recommend one."""
    from stackplan.plan import build_plan
    from stackplan.report.terminal import print_plan
    from stackplan.scenario import load_scenario

    plan = build_plan(load_scenario(scenario))
    mc = None
    if uncertainty:
        from stackplan.cli.uncertainty import monte_carlo_to_dict, run_with_progress

        mc = run_with_progress(plan, uncertainty, seed)
    # render everything first, then write: an error leaves no file behind
    outputs: list[tuple[Path, str]] = []
    if json_file is not None:
        data = plan.to_dict()
        if mc is not None:
            data["uncertainty"] = monte_carlo_to_dict(mc)
        outputs.append((json_file, json.dumps(_clean(data), indent=2) + "\n"))
    if md_file is not None:
        from stackplan.report.markdown import plan_markdown

        outputs.append((md_file, plan_markdown(plan, mc)))
    if html_file is not None:
        from stackplan.report.html import plan_html

        outputs.append((html_file, plan_html(plan, mc)))
    print_plan(plan, console)
    if mc is not None:
        from stackplan.cli.uncertainty import print_monte_carlo

        print_monte_carlo(mc)
    for path, text in outputs:
        write_atomic(path, text)
        console.print(f"wrote {path}", highlight=False)


@app.command("check-scenario")
@handle_errors
def check_scenario_command(scenario: ScenarioArg) -> None:
    """Validate SCENARIO only: list every problem (exit code 2) or say it is valid."""
    from stackplan.scenario import load_scenario

    sc = load_scenario(scenario)
    n = len(sc.workloads.all())
    console.print(
        f"[green]valid[/]: {scenario} ({sc.organization.name}, {n} workload{'s' if n != 1 else ''}, "
        f"{len(sc.goals)} goal{'s' if len(sc.goals) != 1 else ''}, {sc.organization.horizon_years} years)",
        highlight=False,
    )
