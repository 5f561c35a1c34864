"""Monte Carlo over uncertain inputs: P10/P50/P90 of TCO and NPV per deployment, probability each is
cheapest, and a tornado of which inputs matter most.

All deployments are evaluated on the same samples (common random numbers), so "probability of
being cheapest" compares like with like. The random generator is passed in explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np

from stackplan.economics.finance import discount_factors
from stackplan.errors import InvalidInputError
from stackplan.uncertainty.cost_model import Array, CostModelBase, yearly_cost
from stackplan.uncertainty.distributions import Distribution, Fixed, describe

__all__ = [
    "DeploymentOutcome",
    "DeploymentShape",
    "MonteCarloResult",
    "Percentiles",
    "TornadoBar",
    "UncertainInputs",
    "run_monte_carlo",
]

#: Samples evaluated per step (bounds memory; the progress callback is called after each step).
CHUNK_SAMPLES = 2_000
#: Quantiles of the tornado swing: each input from its P10 to its P90, the others at their P50.
TORNADO_LOW_Q = 0.1
TORNADO_HIGH_Q = 0.9


@dataclass(frozen=True)
class UncertainInputs:
    """Distributions of the uncertain inputs (defaults: fixed round values).

    ``demand_growth`` [1/year], ``cloud_usd_per_hour`` [USD per accelerator-hour], ``price_decline``
    (of cloud and hardware prices) [1/year], ``utilisation`` of owned accelerators [-], ``mfu``
    achieved [-], ``electricity_usd_per_kwh`` [USD/kWh], ``delivery_delay_months`` of owned
    hardware [months].
    """

    demand_growth: Distribution = field(default_factory=lambda: Fixed(0.3))
    cloud_usd_per_hour: Distribution = field(default_factory=lambda: Fixed(3.0))
    price_decline: Distribution = field(default_factory=lambda: Fixed(0.1))
    utilisation: Distribution = field(default_factory=lambda: Fixed(0.7))
    mfu: Distribution = field(default_factory=lambda: Fixed(0.4))
    electricity_usd_per_kwh: Distribution = field(default_factory=lambda: Fixed(0.1))
    delivery_delay_months: Distribution = field(default_factory=lambda: Fixed(0.0))

    def names(self) -> tuple[str, ...]:
        """Input names, in order."""
        return tuple(f.name for f in fields(self))


@dataclass(frozen=True)
class DeploymentShape:
    """A deployment model for the cost model: its name, the share of work on owned accelerators [-],
    and a fixed yearly offset [USD] added to every sample (costs the reduced model does not cover,
    e.g. data, people and networking, calibrated so that the model at the inputs' medians equals the
    plan's yearly cost at its base values). ``value_usd_by_year`` overrides the base's flat value for this deployment
    (the plan's value of the goals per year, which depends on when capacity is ready)."""

    name: str
    owned_share: float
    offset_usd_by_year: tuple[float, ...] = ()
    value_usd_by_year: tuple[float, ...] = ()
    #: Energy bought per owned busy accelerator-hour [kWh/h] (facility, incl. idle, network and
    #: storage shares), calibrated from the plan's power line; ``None``: ``kw x pue`` of the base.
    kwh_per_owned_hour: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.owned_share <= 1.0:
            raise InvalidInputError(
                f"deployments.{self.name}.owned_share", "must be in [0, 1]", self.owned_share
            )


@dataclass(frozen=True)
class Percentiles:
    """P10, P50, P90 and mean of a sampled quantity [USD]."""

    p10: float
    p50: float
    p90: float
    mean: float

    @classmethod
    def of(cls, x: Array) -> Percentiles:
        """Percentiles of samples ``x``."""
        p10, p50, p90 = np.percentile(x, [10, 50, 90])
        return cls(float(p10), float(p50), float(p90), float(x.mean()))


@dataclass(frozen=True)
class DeploymentOutcome:
    """Distribution of one deployment's TCO [USD nominal], NPV of cost and NPV [USD], and the
    probability that it has the lowest NPV of cost [-]."""

    name: str
    tco_usd: Percentiles
    npv_cost_usd: Percentiles
    npv_usd: Percentiles
    probability_cheapest: float


@dataclass(frozen=True)
class TornadoBar:
    """NPV of cost with one input at its P10 and at its P90 (the others at their P50) [USD]."""

    input: str
    low_value: float
    high_value: float
    npv_cost_at_low_usd: float
    npv_cost_at_high_usd: float

    @property
    def swing_usd(self) -> float:
        """Absolute change of NPV of cost from P10 to P90 of the input [USD]."""
        return abs(self.npv_cost_at_high_usd - self.npv_cost_at_low_usd)


@dataclass(frozen=True)
class MonteCarloResult:
    """Outcome of :func:`run_monte_carlo` (keeps its inputs). ``tornado`` maps a deployment to its bars,
    largest swing first; ``base_npv_cost_usd`` is each deployment at every input's P50."""

    n_samples: int
    base: CostModelBase
    inputs: UncertainInputs
    deployments: tuple[DeploymentShape, ...]
    outcomes: tuple[DeploymentOutcome, ...]
    tornado: Mapping[str, tuple[TornadoBar, ...]]
    base_npv_cost_usd: Mapping[str, float]
    #: Where each input's distribution comes from (``scenario`` or ``default``), when known.
    input_sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def most_often_cheapest(self) -> str:
        """The deployment with the highest probability of the lowest NPV of cost."""
        return max(self.outcomes, key=lambda o: o.probability_cheapest).name

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the plan JSON's ``uncertainty`` key): the inputs with their
        distribution and P10/P50/P90, per deployment P10/P50/P90/mean of TCO, NPV of cost and NPV
        [USD] and the probability of being cheapest, and the tornado bars per deployment."""
        return {
            "n_samples": self.n_samples,
            "inputs": [
                {
                    "name": name,
                    "distribution": describe(getattr(self.inputs, name)),
                    "p10": getattr(self.inputs, name).ppf(TORNADO_LOW_Q),
                    "p50": getattr(self.inputs, name).ppf(0.5),
                    "p90": getattr(self.inputs, name).ppf(TORNADO_HIGH_Q),
                    "source": self.input_sources.get(name, ""),
                }
                for name in self.inputs.names()
            ],
            "deployments": [
                {
                    "model": o.name,
                    "tco_usd": o.tco_usd.__dict__,
                    "npv_cost_usd": o.npv_cost_usd.__dict__,
                    "npv_usd": o.npv_usd.__dict__,
                    "probability_cheapest": o.probability_cheapest,
                }
                for o in self.outcomes
            ],
            "most_often_cheapest": self.most_often_cheapest,
            "tornado": {
                name: [{**b.__dict__, "swing_usd": b.swing_usd} for b in bars]
                for name, bars in self.tornado.items()
            },
        }


def _evaluate(
    base: CostModelBase, shape: DeploymentShape, values: Mapping[str, Array | float], n: int
) -> tuple[Array, Array]:
    """(TCO, NPV of cost) per sample [USD]."""
    cash = yearly_cost(base, shape.owned_share, n=n, kwh_per_owned_hour=shape.kwh_per_owned_hour, **values)
    if shape.offset_usd_by_year:
        cash = cash + np.asarray(shape.offset_usd_by_year, dtype=float)[None, :]
    df = discount_factors(base.discount_rate, base.years)
    return cash.sum(axis=1), cash @ df


def run_monte_carlo(
    base: CostModelBase,
    inputs: UncertainInputs,
    deployments: tuple[DeploymentShape, ...],
    n_samples: int,
    rng: np.random.Generator,
    *,
    progress: Callable[[int], None] | None = None,
) -> MonteCarloResult:
    """Sample ``inputs`` ``n_samples`` times and evaluate every deployment on the same samples.

    ``progress`` is called with the number of samples done after each chunk (for a progress bar).
    """
    if n_samples < 1:
        raise InvalidInputError("--uncertainty", "needs at least 1 sample", n_samples, "e.g. 10000")
    if not deployments:
        raise InvalidInputError("deployments", "no deployment to compare", None)
    names = inputs.names()
    tco = {d.name: np.empty(n_samples) for d in deployments}
    npv_cost = {d.name: np.empty(n_samples) for d in deployments}
    done = 0
    while done < n_samples:
        k = min(CHUNK_SAMPLES, n_samples - done)
        values = {name: getattr(inputs, name).sample(rng, k) for name in names}
        for d in deployments:
            t, c = _evaluate(base, d, values, k)
            tco[d.name][done : done + k] = t
            npv_cost[d.name][done : done + k] = c
        done += k
        if progress is not None:
            progress(done)
    df = discount_factors(base.discount_rate, base.years)

    def pv_value(d: DeploymentShape) -> float:
        if d.value_usd_by_year:
            return float(np.asarray(d.value_usd_by_year, dtype=float) @ df)
        return base.value_usd_per_year * float(df.sum())

    stacked = np.stack([npv_cost[d.name] for d in deployments])
    winner = np.argmin(stacked, axis=0)
    outcomes = tuple(
        DeploymentOutcome(
            name=d.name,
            tco_usd=Percentiles.of(tco[d.name]),
            npv_cost_usd=Percentiles.of(npv_cost[d.name]),
            npv_usd=Percentiles.of(pv_value(d) - npv_cost[d.name]),
            probability_cheapest=float(np.mean(winner == j)),
        )
        for j, d in enumerate(deployments)
    )
    medians = {name: getattr(inputs, name).ppf(0.5) for name in names}
    tornado: dict[str, tuple[TornadoBar, ...]] = {}
    base_cost: dict[str, float] = {}
    for d in deployments:
        base_cost[d.name] = float(_evaluate(base, d, medians, 1)[1][0])
        bars = []
        for name in names:
            dist = getattr(inputs, name)
            lo, hi = dist.ppf(TORNADO_LOW_Q), dist.ppf(TORNADO_HIGH_Q)
            at_lo = float(_evaluate(base, d, {**medians, name: lo}, 1)[1][0])
            at_hi = float(_evaluate(base, d, {**medians, name: hi}, 1)[1][0])
            bars.append(TornadoBar(name, lo, hi, at_lo, at_hi))
        tornado[d.name] = tuple(sorted(bars, key=lambda b: -b.swing_usd))
    return MonteCarloResult(
        n_samples=n_samples,
        base=base,
        inputs=inputs,
        deployments=deployments,
        outcomes=outcomes,
        tornado=MappingProxyType(tornado),
        base_npv_cost_usd=MappingProxyType(base_cost),
    )
