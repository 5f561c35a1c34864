"""``stackplan optimize``: the least-cost capacity schedule (thin: the library does the work)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from stackplan.cli import app
from stackplan.cli._common import _clean, console, handle_errors, write_atomic

if TYPE_CHECKING:  # the optimiser (linopy) and the roadmap load only when the command runs
    from stackplan.optimize import CapacityPlan, CapacityProblem
    from stackplan.roadmap import Roadmap

__all__ = ["print_capacity_plan", "print_roadmap"]


def _usd(x: float) -> str:
    return f"{x / 1e6:,.2f} M" if abs(x) >= 1e5 else f"{x:,.0f}"


def print_capacity_plan(plan: CapacityPlan) -> None:
    """Print the schedule: purchases, commitments, yearly mix, utilisation, cost, unmet demand."""
    info = plan.info
    problem = plan.problem
    per = problem.periods
    console.print(
        f"[bold]Capacity plan[/]: expected NPV of cost {_usd(plan.expected_npv_cost_usd)} USD "
        f"({info.method}, {info.n_variables:,} variables, {info.n_constraints:,} constraints, "
        f"build {info.build_s:.2f} s, solve {info.solve_s:.2f} s)"
    )
    if len(plan.npv_cost_usd) > 1:
        console.print(
            "  per scenario: " + ", ".join(f"{s} {_usd(v)} USD" for s, v in plan.npv_cost_usd.items()),
            highlight=False,
        )
    t = Table(title="What to buy when (on-prem servers)")
    for col in (
        "ordered",
        "site",
        "accelerator",
        "servers",
        "accelerators",
        "CapEx USD",
        "in service",
        "retired",
    ):
        t.add_column(col)
    for p in plan.purchases:
        t.add_row(
            p.period_label,
            p.site,
            p.accelerator,
            f"{p.servers:,.0f}",
            f"{p.accelerators:,.0f}",
            _usd(p.capex_usd),
            per.label(min(p.in_service_period, per.count - 1)),
            per.label(p.retire_period) if p.retire_period < per.count else "after horizon",
        )
    console.print(t if plan.purchases else "No on-prem purchases.")
    t = Table(title="What to commit (cloud, paid whether used or not)")
    for col in ("start", "provider", "region", "accelerator", "term", "accelerators", "USD/h", "total USD"):
        t.add_column(col)
    for c in plan.commitments:
        t.add_row(
            c.period_label,
            c.provider,
            c.region,
            c.accelerator,
            c.term,
            f"{c.accelerators:,.0f}",
            f"{c.usd_per_hour:.2f}",
            _usd(c.total_usd),
        )
    console.print(t if plan.commitments else "No cloud commitments.")
    scen = max(problem.scenarios, key=lambda s: s.probability).name
    mix: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in plan.mix:
        if r.scenario == scen:
            mix[per.year(r.period)][r.mode] += r.accelerator_hours
    util: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for u in plan.utilisation:
        if u.scenario == scen:
            acc = util[(per.year(u.period), u.kind)]
            acc[0] += u.used_hours
            acc[1] += u.available_hours
    t = Table(title=f"Mix per year, scenario {scen} [accelerator-hours; utilisation of owned / committed]")
    for col in ("year", "owned", "commit", "on demand", "spot", "owned util.", "commit util."):
        t.add_column(col, justify="right")
    for y in per.years:
        m = mix.get(y, {})
        ou, cu = util.get((y, "owned"), [0.0, 0.0]), util.get((y, "commit"), [0.0, 0.0])
        t.add_row(
            str(y),
            *(f"{m.get(k, 0.0):,.0f}" for k in ("owned", "commit", "on_demand", "spot")),
            f"{ou[0] / ou[1]:.0%}" if ou[1] else "-",
            f"{cu[0] / cu[1]:.0%}" if cu[1] else "-",
        )
    console.print(t)
    by_year = plan.cost_by_year(scen)
    lines = sorted({line for y in by_year.values() for line in y})
    t = Table(title=f"Cost per year, scenario {scen} [USD, nominal]")
    t.add_column("year")
    for line in lines:
        t.add_column(line.replace("_", " "), justify="right")
    t.add_column("total", justify="right")
    for y in per.years:
        row = by_year.get(y, {})
        t.add_row(str(y), *(_usd(row.get(line, 0.0)) for line in lines), _usd(sum(row.values())))
    console.print(t)
    unmet = plan.total_unmet_ref_hours
    for s, hours in unmet.items():
        if hours > 0:
            console.print(
                f"[bold yellow]unmet demand[/] in scenario {s}: {hours:,.0f} reference accelerator-hours "
                f"(penalty {problem.unmet_penalty_usd_per_ref_hour} USD/h)"
            )


def print_roadmap(road: Roadmap) -> None:
    """Print phases, gates and hires."""
    t = Table(title="Roadmap")
    for col in ("phase", "from", "to", "accelerators at end", "CapEx USD", "commitments USD"):
        t.add_column(col)
    for p in road.phases:
        t.add_row(
            p.name,
            p.start_label,
            p.end_label,
            f"{p.accelerators_at_end:,.0f}",
            _usd(p.capex_usd),
            _usd(p.commitments_usd),
        )
    console.print(t)
    for g in road.gates:
        metrics = "; ".join(f"{m.name} >= {m.threshold:g} {m.unit}" for m in g.metrics)
        console.print(
            f"[bold]Gate {g.after} -> {g.before}[/] on {g.decision_label}: {metrics}. "
            f"Releases {_usd(g.budget_released_usd)} USD. If it fails: {g.if_failed}.",
            highlight=False,
        )
    people = road.people
    counts = ", ".join(f"{role} {max(c):g}" for role, c in people.headcount.items() if max(c) > 0)
    console.print(f"People (peak headcount): {counts}; cost {_usd(people.total_usd)} USD over the horizon")


def _load(path: Path) -> CapacityProblem:
    """A capacity-problem file, or a scenario whose hybrid deployment becomes the problem."""
    import yaml

    from stackplan.errors import InvalidInputError
    from stackplan.optimize.problem_file import ROOT_KEY, load_problem, problem_from_dict

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return load_problem(path)  # reports the read or syntax error with its position
    if isinstance(data, dict) and ROOT_KEY in data:
        return problem_from_dict(data)
    from stackplan.deployments.costing import place_workloads
    from stackplan.optimize.from_plan import hybrid_problem
    from stackplan.plan_inputs import inputs_for
    from stackplan.scenario import load_scenario
    from stackplan.sizing.compute import size_compute

    scenario = load_scenario(path)
    inputs = inputs_for(scenario)
    placements = place_workloads("hybrid", scenario, size_compute(scenario), inputs)
    problem = hybrid_problem(scenario, inputs, placements)
    if problem is None:
        raise InvalidInputError(
            str(path),
            "no workload may run on an owned site, so there is no capacity to optimise",
            None,
            "add deployment.on_prem to the scenario or allow the data classes there",
        )
    return problem


@app.command("optimize")
@handle_errors
def optimize_command(
    problem_file: Annotated[
        Path, typer.Argument(help="A capacity-problem YAML file (or a scenario, once wired).")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the plan as JSON to this file.")
    ] = None,
    integer: Annotated[
        bool, typer.Option("--integer", help="Whole servers as a MILP instead of LP + rounding.")
    ] = False,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit [s].")] = 120.0,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap with --integer.")] = 0.01,
    alternative: Annotated[
        str | None,
        typer.Option("--alternative", help="Also show a near-optimal plan: 'carbon' or 'commitment'."),
    ] = None,
    slack: Annotated[float, typer.Option("--slack", help="Cost slack of the alternative [fraction].")] = 0.05,
) -> None:
    """Optimise the capacity plan: what to buy when, what to commit, the monthly mix, utilisation, cost."""
    problem = _load(problem_file)
    from stackplan.optimize import SolveOptions, near_optimal, optimize
    from stackplan.roadmap import roadmap_from_plan

    options = SolveOptions(integer_purchases=integer, time_limit_s=time_limit, mip_gap=mip_gap)
    plan = optimize(problem, options)
    print_capacity_plan(plan)
    road = roadmap_from_plan(plan)
    print_roadmap(road)
    data = {"plan": plan.to_dict()}
    if alternative is not None:
        alt = near_optimal(problem, plan, slack, alternative, options)  # type: ignore[arg-type]
        console.print(
            f"[bold]Near-optimal alternative[/] (least {alternative}, at most +{slack:.0%} cost): "
            f"NPV of cost {_usd(alt.expected_npv_cost_usd)} USD, "
            f"carbon {sum(sum(v) for v in alt.carbon_tco2e.values()) / len(alt.carbon_tco2e):,.0f} tCO2e "
            f"vs {sum(sum(v) for v in plan.carbon_tco2e.values()) / len(plan.carbon_tco2e):,.0f}",
            highlight=False,
        )
        data["alternative"] = alt.to_dict()
    if json_out is not None:
        write_atomic(json_out, json.dumps(_clean(data), indent=2) + "\n")
        console.print(f"wrote {json_out}")
