"""Benchmark of the capacity optimiser and the Monte Carlo (prints figures; no assertions).

Targets (issue 5): a 5-year monthly horizon with 6 accelerator types, 4 regions, 3 providers and
3 demand scenarios solves in under 10 s; 10,000 Monte Carlo samples in under 5 s.
"""

from __future__ import annotations

import time

import numpy as np

from stackplan.optimize import SolveOptions, optimize
from stackplan.optimize.examples import example_problem
from stackplan.uncertainty import (
    CostModelBase,
    DeploymentShape,
    LogNormal,
    Normal,
    Triangular,
    UncertainInputs,
    Uniform,
    run_monte_carlo,
)


def bench_optimizer() -> None:
    """Build + solve + round + re-solve + extract of the issue's benchmark size."""
    problem = example_problem(years=5, granularity="monthly", n_accelerators=6, n_regions=4, n_providers=3)
    start = time.perf_counter()
    plan = optimize(problem, SolveOptions())
    wall = time.perf_counter() - start
    info = plan.info
    print(
        f"optimize  5y monthly, 6 types x 4 regions x 3 providers x 3 scenarios: "
        f"{info.n_variables:,} variables, {info.n_constraints:,} constraints, "
        f"build {info.build_s:.2f} s, solve {info.solve_s:.2f} s, total {wall:.2f} s (target < 10 s) "
        f"[{info.method}]"
    )
    print(
        f"          plan: {len(plan.purchases)} purchases, {len(plan.commitments)} commitments, "
        f"expected NPV of cost {plan.expected_npv_cost_usd / 1e6:,.1f} MUSD"
    )


def bench_monte_carlo() -> None:
    """10,000 samples of 7 uncertain inputs for three deployment models, plus the tornado."""
    base = CostModelBase(years=5, demand_hours_year0=512 * 8760 * 0.8, value_usd_per_year=3e7)
    inputs = UncertainInputs(
        demand_growth=Triangular(0.1, 0.3, 0.8),
        cloud_usd_per_hour=LogNormal(3.0, 0.25),
        price_decline=Uniform(0.05, 0.2),
        utilisation=Triangular(0.4, 0.7, 0.9),
        mfu=Normal(0.4, 0.05, floor=0.15),
        electricity_usd_per_kwh=Triangular(0.06, 0.1, 0.2),
        delivery_delay_months=Uniform(0.0, 6.0),
    )
    deployments = (
        DeploymentShape("cloud_first", 0.0),
        DeploymentShape("hybrid", 0.6),
        DeploymentShape("on_prem", 1.0),
    )
    start = time.perf_counter()
    run_monte_carlo(base, inputs, deployments, 10_000, np.random.default_rng(0))
    print(
        f"monte carlo 10,000 samples x 3 deployments + tornado: {time.perf_counter() - start:.3f} s (target < 5 s)"
    )


def main() -> None:
    """Run both benchmarks."""
    bench_optimizer()
    bench_monte_carlo()


if __name__ == "__main__":
    main()
