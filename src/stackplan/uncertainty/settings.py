"""The scenario's ``uncertainty:`` section: distributions of the uncertain inputs.

Each input is optional; an input not given keeps its default spread around the plan's own value
(:data:`stackplan.uncertainty.from_plan.DEFAULT_SPREADS`). A distribution is one of::

    demand_growth: {triangular: [0.1, 0.3, 0.6]}          # low, mode, high
    cloud_price_factor: {lognormal: {median: 1.0, sigma: 0.2}}
    electricity_usd_per_kwh: {uniform: [0.08, 0.16], unit: USD/kWh}
    mfu: {normal: {mean: 0.35, sd: 0.05}}
    delivery_delay_months: {fixed: 0}                      # or a plain number: 0

``unit`` is optional; when given it must be the input's unit (:data:`INPUT_UNITS`). Unknown
input names and keys are errors with a suggestion (the scenario loader's strict validation).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from stackplan.uncertainty.distributions import (
    Distribution,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)

__all__ = ["INPUT_UNITS", "DistributionSpec", "LogNormalParams", "NormalParams", "UncertaintySettings"]

#: Each uncertain input's unit and meaning (the scenario section's keys).
INPUT_UNITS: dict[str, tuple[str, str]] = {
    "demand_growth": ("1/year", "yearly growth of the compute demand"),
    "cloud_price_factor": ("-", "multiplier on the plan's cloud prices (1 = catalogue)"),
    "price_decline": ("1/year", "yearly decline of cloud and hardware prices"),
    "utilisation": ("-", "average utilisation of owned accelerators"),
    "mfu": ("-", "model FLOPs utilisation achieved by training (acts on training accelerator-hours)"),
    "electricity_usd_per_kwh": ("USD/kWh", "electricity price at the owned site"),
    "delivery_delay_months": ("months", "delay of owned hardware deliveries (rented meanwhile)"),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NormalParams(_Frozen):
    mean: float
    sd: float = Field(ge=0.0)
    #: Samples below are clipped to it (e.g. 0 for a price) [unit of the input].
    floor: float | None = None


class LogNormalParams(_Frozen):
    #: Median [unit of the input].
    median: float = Field(gt=0.0)
    #: Standard deviation of ln X [-].
    sigma: float = Field(ge=0.0)


class DistributionSpec(_Frozen):
    """One distribution: exactly one of ``fixed``, ``triangular``, ``normal``, ``lognormal``,
    ``uniform``, and an optional ``unit`` (checked against the input's unit)."""

    fixed: float | None = None
    triangular: tuple[float, float, float] | None = None
    normal: NormalParams | None = None
    lognormal: LogNormalParams | None = None
    uniform: tuple[float, float] | None = None
    unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _number_is_fixed(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"fixed": value}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> DistributionSpec:
        given = [
            k
            for k in ("fixed", "triangular", "normal", "lognormal", "uniform")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of fixed, triangular, normal, lognormal, uniform"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.triangular is not None:
            low, mode, high = self.triangular
            if not (low <= mode <= high and low < high):
                raise ValueError(
                    f"triangular needs low <= mode <= high and low < high, got {list(self.triangular)}"
                )
        if self.uniform is not None and not self.uniform[0] <= self.uniform[1]:
            raise ValueError(f"uniform needs low <= high, got {list(self.uniform)}")
        return self

    def distribution(self) -> Distribution:
        """The distribution object (parameters already validated)."""
        if self.triangular is not None:
            return Triangular(*self.triangular)
        if self.normal is not None:
            return Normal(self.normal.mean, self.normal.sd, self.normal.floor)
        if self.lognormal is not None:
            return LogNormal(self.lognormal.median, self.lognormal.sigma)
        if self.uniform is not None:
            return Uniform(*self.uniform)
        return Fixed(float(self.fixed or 0.0))


class UncertaintySettings(_Frozen):
    """``uncertainty:`` in a scenario: a distribution per uncertain input (units in
    :data:`INPUT_UNITS`); inputs not given keep their default spreads."""

    demand_growth: DistributionSpec | None = None
    cloud_price_factor: DistributionSpec | None = None
    price_decline: DistributionSpec | None = None
    utilisation: DistributionSpec | None = None
    mfu: DistributionSpec | None = None
    electricity_usd_per_kwh: DistributionSpec | None = None
    delivery_delay_months: DistributionSpec | None = None

    @field_validator("*")
    @classmethod
    def _unit_and_range(cls, spec: DistributionSpec | None, info: ValidationInfo) -> DistributionSpec | None:
        if spec is None:
            return spec
        name = str(info.field_name)
        unit = INPUT_UNITS[name][0]
        if spec.unit is not None and spec.unit.replace(" ", "") != unit:
            raise ValueError(
                f"unit {spec.unit!r} is not the unit of {name}; use {unit!r} (or leave unit out)"
            )
        dist = spec.distribution()
        lo, hi = dist.ppf(0.01), dist.ppf(0.99)
        if name in ("utilisation", "mfu") and not (lo > 0.0 and hi <= 1.0):
            raise ValueError(f"must lie in (0, 1] (P1 {lo:.3g}, P99 {hi:.3g}); give a fraction, e.g. 0.4")
        if name in ("cloud_price_factor", "electricity_usd_per_kwh", "delivery_delay_months") and lo < 0.0:
            raise ValueError(f"must not be negative (P1 {lo:.3g}); add floor: 0 or use lognormal")
        if name == "price_decline" and not hi < 1.0:
            raise ValueError(f"must stay below 1 a year (P99 {hi:.3g}); e.g. 0.1 for 10%")
        if name == "demand_growth" and lo <= -1.0:
            raise ValueError(f"must stay above -1 a year (P1 {lo:.3g})")
        return spec

    def given(self) -> dict[str, Distribution]:
        """The distributions the scenario gives, by input name."""
        return {
            name: spec.distribution() for name in INPUT_UNITS if (spec := getattr(self, name)) is not None
        }
