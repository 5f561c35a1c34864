"""Uncertainty: distributions of uncertain inputs and a vectorised Monte Carlo over deployment costs."""

from __future__ import annotations

from stackplan.uncertainty.cost_model import CostModelBase, yearly_cost
from stackplan.uncertainty.distributions import (
    Distribution,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    distribution_from_spec,
)
from stackplan.uncertainty.montecarlo import (
    DeploymentOutcome,
    DeploymentShape,
    MonteCarloResult,
    Percentiles,
    TornadoBar,
    UncertainInputs,
    run_monte_carlo,
)

__all__ = [
    "CostModelBase",
    "DeploymentOutcome",
    "DeploymentShape",
    "Distribution",
    "Fixed",
    "LogNormal",
    "MonteCarloResult",
    "Normal",
    "Percentiles",
    "TornadoBar",
    "Triangular",
    "UncertainInputs",
    "Uniform",
    "distribution_from_spec",
    "run_monte_carlo",
    "yearly_cost",
]
