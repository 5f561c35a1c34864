"""Predictions checked against published measurements.

Each case pairs a published figure (with its source, shipped in ``validation/data``) with the
prediction of the model for the same setup. ``stackplan validate`` prints them; the tests in
``tests/validation`` assert the accuracy targets on them.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["ValidationCase", "ValidationSummary", "all_cases", "register", "summarize"]


@dataclass(frozen=True, kw_only=True)
class ValidationCase:
    """One published figure and the prediction for it."""

    id: str
    category: Literal["training", "inference", "economics", "sustainability"]
    #: ``controlled`` (fixed parallelism, batch and precision) or ``production`` (model cards).
    kind: str
    subject: str
    quantity: str
    unit: str
    published: float
    predicted: float
    source: str
    #: Optional sub-group for summaries of large groups (e.g. ``qwen3-32b / trtllm``).
    group: str = ""
    #: ``in-sample`` (used when the model's constants were chosen) or ``held-out`` (added
    #: afterwards, predicted without refitting); empty when the provider does not say.
    split: str = ""
    #: The serving framework the measurement ran (inference cases; empty otherwise).
    framework: str = ""

    @property
    def error(self) -> float:
        """Relative error of the prediction, ``predicted / published - 1`` [-]."""
        return self.predicted / self.published - 1.0


@dataclass(frozen=True)
class ValidationSummary:
    """Median and maximum absolute relative error of a group of cases."""

    group: str
    cases: int
    median_abs_error: float
    max_abs_error: float


_PROVIDERS: list[Callable[[], Sequence[ValidationCase]]] = []


def register(provider: Callable[[], Sequence[ValidationCase]]) -> Callable[[], Sequence[ValidationCase]]:
    """Register a function that returns validation cases (used by the training and inference modules)."""
    _PROVIDERS.append(provider)
    return provider


def all_cases() -> list[ValidationCase]:
    """Every validation case of every registered provider."""
    _load_providers()
    return [case for provider in _PROVIDERS for case in provider()]


def summarize(cases: Sequence[ValidationCase], group: str) -> ValidationSummary:
    errs = [abs(c.error) for c in cases]
    return ValidationSummary(
        group=group,
        cases=len(errs),
        median_abs_error=statistics.median(errs) if errs else float("nan"),
        max_abs_error=max(errs) if errs else float("nan"),
    )


def _load_providers() -> None:
    """Import the modules that register providers (kept lazy to keep start-up fast)."""
    import importlib

    for name in (
        "stackplan.validation.training",
        "stackplan.validation.inference",
        "stackplan.validation.economics",
    ):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
