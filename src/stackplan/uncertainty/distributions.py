"""Distributions of uncertain inputs: triangular, normal, lognormal, uniform and fixed.

Each is a frozen spec with ``sample(rng, n)`` (vectorised, from a numpy ``Generator`` passed in
explicitly, never a global seed) and ``ppf(q)`` (the quantile, used by the tornado chart).
``distribution_from_spec`` reads the YAML/JSON form, e.g. ``{triangular: [0.1, 0.3, 0.6]}``,
``{normal: {mean: 0.08, sd: 0.02}}``, ``{lognormal: {median: 2.0, sigma: 0.25}}``,
``{uniform: [0, 6]}`` or a plain number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from stackplan.errors import InvalidInputError

__all__ = [
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "describe",
    "distribution_from_spec",
]

Array = npt.NDArray[np.float64]
_STD_NORMAL = NormalDist()


@dataclass(frozen=True)
class Triangular:
    """Triangular distribution on [low, high] with its mode [unit of the input]."""

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise InvalidInputError(
                "triangular", "needs low <= mode <= high and low < high", (self.low, self.mode, self.high)
            )

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` samples."""
        return rng.triangular(self.low, self.mode, self.high, size=n)

    def ppf(self, q: float) -> float:
        """Quantile: inverse of the CDF ``F(x) = (x-a)^2 / ((b-a)(c-a))`` below the mode, mirrored above."""
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        if q <= split:
            return a + math.sqrt(q * (b - a) * (c - a))
        return b - math.sqrt((1 - q) * (b - a) * (b - c))


@dataclass(frozen=True)
class Normal:
    """Normal distribution with ``mean`` and standard deviation ``sd``, optionally clipped below at ``floor``."""

    mean: float
    sd: float
    floor: float | None = None

    def __post_init__(self) -> None:
        if not self.sd >= 0:
            raise InvalidInputError("normal.sd", "must be >= 0", self.sd)

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` samples (clipped at ``floor`` when given)."""
        x = rng.normal(self.mean, self.sd, size=n)
        return x if self.floor is None else np.maximum(x, self.floor)

    def ppf(self, q: float) -> float:
        """Quantile ``mean + sd * Phi^-1(q)`` (clipped at ``floor``)."""
        x = self.mean + self.sd * _STD_NORMAL.inv_cdf(q)
        return x if self.floor is None else max(x, self.floor)


@dataclass(frozen=True)
class LogNormal:
    """Lognormal: ``ln X ~ N(ln median, sigma^2)``; positive, right-skewed (prices, delays)."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        if not self.median > 0 or not self.sigma >= 0:
            raise InvalidInputError("lognormal", "needs median > 0 and sigma >= 0", (self.median, self.sigma))

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` samples."""
        return rng.lognormal(math.log(self.median), self.sigma, size=n)

    def ppf(self, q: float) -> float:
        """Quantile ``median * exp(sigma * Phi^-1(q))``."""
        return self.median * math.exp(self.sigma * _STD_NORMAL.inv_cdf(q))


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise InvalidInputError("uniform", "needs low <= high", (self.low, self.high))

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` samples."""
        return rng.uniform(self.low, self.high, size=n)

    def ppf(self, q: float) -> float:
        """Quantile ``low + q (high - low)``."""
        return self.low + q * (self.high - self.low)


@dataclass(frozen=True)
class Fixed:
    """A known value (no uncertainty)."""

    value: float

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` copies of the value (``rng`` unused, kept for the common signature)."""
        del rng
        return np.full(n, float(self.value))

    def ppf(self, q: float) -> float:
        """The value, for every ``q``."""
        del q
        return float(self.value)


Distribution = Triangular | Normal | LogNormal | Uniform | Fixed


def describe(distribution: Distribution) -> str:
    """A short, readable description, e.g. ``lognormal(median=4.48, sigma=0.2)`` (3 significant digits)."""
    from dataclasses import fields

    parts = []
    for f in fields(distribution):
        value = getattr(distribution, f.name)
        if value is not None:
            parts.append(f"{f.name}={float(value):.3g}")
    return f"{type(distribution).__name__.lower()}({', '.join(parts)})"


def distribution_from_spec(field: str, spec: Any) -> Distribution:
    """Read a distribution from its YAML/JSON form (see the module doc); errors name ``field``."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return Fixed(float(spec))
    if not isinstance(spec, dict) or len(spec) != 1:
        raise InvalidInputError(
            field,
            "not a distribution",
            spec,
            "give a number or one of triangular, normal, lognormal, uniform",
        )
    ((kind, args),) = spec.items()
    try:
        if kind == "triangular":
            low, mode, high = (float(x) for x in (args if isinstance(args, list) else args.values()))
            return Triangular(low, mode, high)
        if kind == "uniform":
            low, high = (float(x) for x in (args if isinstance(args, list) else args.values()))
            return Uniform(low, high)
        if kind == "normal":
            return Normal(float(args["mean"]), float(args["sd"]), args.get("floor"))
        if kind == "lognormal":
            return LogNormal(float(args["median"]), float(args["sigma"]))
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise InvalidInputError(
            field,
            f"bad {kind} parameters ({err})",
            args,
            "see the distribution forms in docs/optimization.md",
        ) from None
    except InvalidInputError as err:
        raise InvalidInputError(field, str(err.problems[0].message), args) from None
    raise InvalidInputError(
        field, f"unknown distribution {kind!r}", kind, "use triangular, normal, lognormal or uniform"
    )
