"""The one exception hierarchy of Stackplan.

Every error a user can cause derives from :class:`StackplanError`. User errors name the field
(or option) at fault, the value given and the fix, so that the CLI and the service can print them
without a traceback.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "CatalogError",
    "DoesNotFitError",
    "InfeasibleError",
    "InputError",
    "InputProblem",
    "InvalidInputError",
    "LatencyTargetsError",
    "SolverError",
    "StackplanError",
    "UnknownIdError",
    "check_positive_int",
    "closest",
]


class StackplanError(Exception):
    """Base class of every error Stackplan raises on purpose."""


@dataclass(frozen=True)
class InputProblem:
    """One problem found in user input.

    Parameters
    ----------
    field
        Where the problem is: an option name (``--tp``) or a dotted path (``workloads.inference[0].model``).
    message
        What is wrong, in plain words.
    value
        The value given, as text (``None`` when the field was missing).
    fix
        What to do about it.
    """

    field: str
    message: str
    value: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class InputError(StackplanError):
    """User input is wrong; carries one or more :class:`InputProblem`."""

    def __init__(self, problems: InputProblem | Sequence[InputProblem]) -> None:
        self.problems: tuple[InputProblem, ...] = (
            (problems,) if isinstance(problems, InputProblem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class InvalidInputError(InputError):
    """A number or combination of options is invalid (zero, negative, inconsistent)."""

    def __init__(self, field: str, message: str, value: object = None, fix: str | None = None) -> None:
        super().__init__(InputProblem(field, message, None if value is None else str(value), fix))


class UnknownIdError(InputError):
    """An id (model, accelerator, provider, region ...) is not in the catalogue."""

    def __init__(self, field: str, kind: str, value: str, known: Iterable[str]) -> None:
        known = list(known)
        self.suggestions = closest(value, known)
        fix = (
            "did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
            if self.suggestions
            else f"use one of: {', '.join(sorted(known)[:20])}"
        )
        super().__init__(InputProblem(field, f"unknown {kind} {value!r}", None, fix))


class DoesNotFitError(StackplanError):
    """A model does not fit in the memory of the devices given.

    Carries the memory needed and available per device [GiB] and the smallest device count or
    parallelism that fits, when one exists.
    """

    def __init__(
        self,
        message: str,
        *,
        needed_gib: float,
        available_gib: float,
        suggestion: str | None = None,
    ) -> None:
        self.needed_gib = needed_gib
        self.available_gib = available_gib
        self.suggestion = suggestion
        text = f"{message}: needs {needed_gib:,.1f} GiB per device, {available_gib:,.1f} GiB available"
        if suggestion:
            text += f". {suggestion}"
        super().__init__(text)


class SolverError(StackplanError):
    """The solver failed or stopped early (time limit, numerical trouble): no plan is returned.

    Carries the solver's ``status`` and ``termination`` words as reported by linopy/HiGHS.
    """

    def __init__(self, message: str, *, status: str, termination: str) -> None:
        self.status = status
        self.termination = termination
        super().__init__(f"{message} (solver status {status!r}, termination {termination!r})")


class InfeasibleError(StackplanError):
    """An optimisation problem has no solution; ``reasons`` says which constraints bind and by how much."""

    def __init__(self, message: str, reasons: Sequence[str]) -> None:
        self.reasons: tuple[str, ...] = tuple(reasons)
        text = message
        if self.reasons:
            text += ":\n" + "\n".join(f"  - {r}" for r in self.reasons)
        super().__init__(text)


class LatencyTargetsError(StackplanError):
    """No serving configuration meets the TTFT/TPOT targets.

    Carries the best latency reachable: ``best_ttft_ms`` and ``best_tpot_ms`` [ms], and the
    throughput at that point ``throughput_tokens_per_s`` [tokens/s].
    """

    def __init__(self, message: str, *, best_ttft_ms: float, best_tpot_ms: float, throughput: float) -> None:
        self.best_ttft_ms = best_ttft_ms
        self.best_tpot_ms = best_tpot_ms
        self.throughput_tokens_per_s = throughput
        super().__init__(message)


class CatalogError(StackplanError):
    """A shipped or user-supplied data file is malformed."""


def check_positive_int(option: str, value: object, fix: str = "give a positive integer") -> None:
    """Raise :class:`InvalidInputError` naming ``option`` unless ``value`` is ``None`` or a whole
    number of at least 1 (``fix`` says what to give instead)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(option, "must be a whole number", value, fix)
    if value <= 0:
        raise InvalidInputError(option, "must be positive", value, fix)


def check_positive_number(option: str, value: float | None, fix: str, *, allow_zero: bool = False) -> None:
    """Raise :class:`InvalidInputError` naming ``option`` unless ``value`` is ``None`` or a finite
    number above 0 (0 or more with ``allow_zero``). NaN and infinity are errors too: a comparison
    with NaN is always false, so a plain ``value <= 0`` check lets it through."""
    if value is None:
        return
    if not math.isfinite(value):
        raise InvalidInputError(option, "must be a finite number", value, fix)
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInputError(option, "must be 0 or more" if allow_zero else "must be positive", value, fix)


def closest(value: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` known ids closest to ``value`` (case-insensitive)."""
    known = list(known)
    lower = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(value.lower(), list(lower), n=n, cutoff=0.5)
    # substring matches help with ids such as 'h100' -> 'h100-sxm'
    subs = [k for k in lower if value.lower() in k and k not in hits]
    return [lower[h] for h in (hits + subs)[:n]]
