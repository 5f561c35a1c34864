"""Printing and progress of the Monte Carlo for ``stackplan plan --uncertainty N`` (no logic of its own)."""

from __future__ import annotations

from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stackplan.cli._common import console
from stackplan.uncertainty import MonteCarloResult

__all__ = ["monte_carlo_to_dict", "print_monte_carlo", "run_with_progress"]


def run_with_progress(plan: Any, n_samples: int, seed: int) -> MonteCarloResult:
    """Run the plan's Monte Carlo with a progress bar on the console."""
    from stackplan.uncertainty.from_plan import plan_monte_carlo

    columns = (
        TextColumn("Monte Carlo"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("samples", total=n_samples)
        return plan_monte_carlo(plan, n_samples, seed, progress=lambda done: bar.update(task, completed=done))


def _m(x: float) -> str:
    return f"{x / 1e6:,.2f}"


def print_monte_carlo(result: MonteCarloResult) -> None:
    """Percentiles per deployment, the probability each is cheapest, and the tornado of the cheapest."""
    t = Table(title=f"Uncertainty: {result.n_samples:,} samples [MUSD]")
    for col in (
        "deployment",
        "TCO P10",
        "TCO P50",
        "TCO P90",
        "NPV P10",
        "NPV P50",
        "NPV P90",
        "P(cheapest)",
    ):
        t.add_column(col, justify="right")
    for o in result.outcomes:
        t.add_row(
            o.name,
            _m(o.tco_usd.p10),
            _m(o.tco_usd.p50),
            _m(o.tco_usd.p90),
            _m(o.npv_usd.p10),
            _m(o.npv_usd.p50),
            _m(o.npv_usd.p90),
            f"{o.probability_cheapest:.0%}",
        )
    console.print(t)
    best = result.most_often_cheapest
    t = Table(title=f"What matters most for {best} (NPV of cost, each input P10 -> P90) [MUSD]")
    for col in ("input", "P10", "P90", "cost at P10", "cost at P90", "swing"):
        t.add_column(col, justify="right")
    for b in result.tornado[best]:
        t.add_row(
            b.input,
            f"{b.low_value:.3g}",
            f"{b.high_value:.3g}",
            _m(b.npv_cost_at_low_usd),
            _m(b.npv_cost_at_high_usd),
            _m(b.swing_usd),
        )
    console.print(t)
    console.print(
        "Cost model: reduced yearly model calibrated to this plan (docs/optimization.md, Uncertainty)."
    )


def monte_carlo_to_dict(result: MonteCarloResult) -> dict[str, Any]:
    """JSON-ready summary (the ``uncertainty`` key of the plan JSON when requested)."""
    return result.to_dict()
