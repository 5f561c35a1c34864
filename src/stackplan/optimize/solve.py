"""Solve a built capacity model with HiGHS (through linopy).

The default is an LP (fast, and its duals are meaningful) followed by rounding the first-stage
decisions to whole servers and whole accelerators and a re-solve of operations with them fixed.
``SolveOptions(integer_purchases=True)`` solves the MILP instead, with a relative gap and a time
limit. A solver failure or a time-out raises :class:`~stackplan.errors.SolverError`; an infeasible
problem raises :class:`~stackplan.errors.InfeasibleError` with its explanation. Neither ever
returns a partial plan.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from stackplan.errors import InfeasibleError, InvalidInputError, SolverError
from stackplan.optimize.coefficients import FirstStage, unservable
from stackplan.optimize.problem import CapacityProblem

if TYPE_CHECKING:  # linopy is imported only when a model is built
    from stackplan.optimize.build import BuiltModel

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "SolveInfo",
    "SolveOptions",
    "first_stage_of",
    "solve_built",
    "solve_problem",
]

#: Default wall-clock limit of one solver call [s].
DEFAULT_TIME_LIMIT_S = 120.0
#: Default relative MIP gap when purchases are integer [-].
DEFAULT_MIP_GAP = 0.01
Rounding = Literal["up", "nearest", "down"]
Array = npt.NDArray[np.float64]

#: Values closer than this to an integer count as that integer when rounding [-].
ROUND_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    Parameters
    ----------
    integer_purchases
        Solve with whole servers/accelerators as a MILP instead of LP + rounding.
    round_purchases
        With the LP: round first-stage decisions to whole units and re-solve operations (default).
        ``False`` keeps the fractional LP plan (useful for analysis, e.g. break-even checks).
    time_limit_s
        Wall-clock limit per solver call [s].
    mip_gap
        Relative optimality gap of the MILP [-].
    """

    integer_purchases: bool = False
    round_purchases: bool = True
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    mip_gap: float = DEFAULT_MIP_GAP

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise InvalidInputError(
                "time_limit_s", "must be positive", self.time_limit_s, "give seconds, e.g. 60"
            )
        if not 0 <= self.mip_gap < 1:
            raise InvalidInputError("mip_gap", "must be in [0, 1)", self.mip_gap, "e.g. 0.01")


@dataclass(frozen=True)
class SolveInfo:
    """How the plan was found: sizes, times and what the solver said."""

    solver: str
    termination: str
    method: Literal["lp", "lp+rounding", "milp"]
    n_variables: int
    n_constraints: int
    build_s: float
    solve_s: float
    objective_usd: float


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the solver's C-level banner on stdout (HiGHS prints one when it starts) and linopy's
    own log of non-optimal outcomes (we raise or explain those instead)."""
    log = logging.getLogger("linopy")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (captured): nothing to silence
        fd = -1
    try:
        if fd < 0:
            yield
            return
        sys.stdout.flush()
        saved = os.dup(fd)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), fd)
                yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
    finally:
        log.setLevel(level)


def solve_built(built: BuiltModel, options: SolveOptions) -> tuple[float, str]:
    """Solve ``built`` in place; return (solve time [s], termination).

    Raises :class:`SolverError` on any outcome but an optimal solution, except infeasibility,
    which returns termination ``"infeasible"`` for the caller to explain.
    """
    start = time.perf_counter()
    kwargs: dict[str, Any] = {"time_limit": float(options.time_limit_s), "output_flag": False}
    if options.integer_purchases:
        kwargs["mip_rel_gap"] = float(options.mip_gap)
    try:
        with _quiet_stdout():
            status, termination = built.model.solve(
                solver_name="highs", io_api="direct", progress=False, **kwargs
            )
    except Exception as err:  # the solver library itself failed
        raise SolverError(f"HiGHS failed: {err}", status="error", termination="error") from err
    elapsed = time.perf_counter() - start
    if termination in ("infeasible", "infeasible_or_unbounded"):
        return elapsed, "infeasible"
    if status != "ok" or termination != "optimal":
        what = (
            "the time limit was reached" if "time" in termination else "the solver did not prove optimality"
        )
        raise SolverError(
            f"no plan: {what} after {elapsed:.1f} s (limit {options.time_limit_s:g} s); "
            "raise the time limit or relax the MIP gap",
            status=str(status),
            termination=str(termination),
        )
    return elapsed, "optimal"


def first_stage_of(built: BuiltModel) -> FirstStage:
    """The solved first-stage decisions of ``built`` as arrays (zeros where a variable is absent)."""
    c = built.coef
    buy = np.zeros((len(c.opt_keys), c.n_t))
    commit = np.zeros((len(c.offer_keys), 2, c.n_t))
    if "Onprem-buy" in built.model.variables:
        buy = np.nan_to_num(built.model.variables["Onprem-buy"].solution.values)
    if "Cloud-commit" in built.model.variables:
        commit = np.nan_to_num(built.model.variables["Cloud-commit"].solution.values)
    return FirstStage(buy=np.clip(buy, 0.0, None), commit=np.clip(commit, 0.0, None))


#: Roundings tried after the LP: the cheaper feasible of up and nearest, else down.
_ROUNDINGS: tuple[Rounding, ...] = ("up", "nearest", "down")


def _fix_first_stage(built: BuiltModel, fs: FirstStage) -> None:
    """Fix ``Onprem-buy`` and ``Cloud-commit`` of a built model to ``fs`` in place (bounds only: no rebuild)."""
    c = built.coef
    for name, values, allowed in (
        ("Onprem-buy", fs.buy, c.buy_upper > 0),
        (
            "Cloud-commit",
            fs.commit,
            ~np.isnan(c.commit_price)[:, :, None] & np.ones((1, 1, c.n_t), dtype=bool),
        ),
    ):
        if name not in built.model.variables:
            continue
        var = built.model.variables[name]
        fixed = var.lower.copy(data=np.where(allowed, values, 0.0))
        var.update(lower=fixed, upper=fixed)


def _objective(built: BuiltModel) -> float:
    value = built.model.objective.value
    return math.inf if value is None else float(value)


def _round_cumulative(x: Array, how: Rounding) -> Array:
    """Round cumulative orders along the last (period) axis and return the per-period orders.

    Rounding the running total, not each period, keeps the rounded fleet within one unit of the LP's
    at every period (rounding each period up would over-buy when the LP orders a little each period).
    """
    total = np.cumsum(x, axis=-1)
    if how == "up":
        cum = np.ceil(total - ROUND_TOLERANCE)
    elif how == "nearest":
        cum = np.round(total)
    else:
        cum = np.floor(total + ROUND_TOLERANCE)
    cum = np.maximum.accumulate(np.maximum(cum, 0.0), axis=-1)
    return np.diff(cum, axis=-1, prepend=0.0)


def _rounded(fs: FirstStage, how: Rounding) -> FirstStage:
    return FirstStage(buy=_round_cumulative(fs.buy, how), commit=_round_cumulative(fs.commit, how))


def _raise_infeasible(problem: CapacityProblem, what: str) -> None:
    from stackplan.optimize.explain import explain_infeasibility

    raise InfeasibleError(what, explain_infeasibility(problem))


def solve_problem(
    problem: CapacityProblem, options: SolveOptions | None = None
) -> tuple[BuiltModel, SolveInfo]:
    """Build and solve ``problem``; return the solved model and how it was solved.

    With the LP and ``round_purchases``, cumulative orders and commitments are rounded up and to the
    nearest whole unit, operations are re-solved for each, and the cheaper feasible one is kept; if
    neither is feasible (a cap on power, space or budget), they are rounded down.
    """
    from stackplan.optimize.build import build_model

    options = options or SolveOptions()
    built = build_model(problem, integer=options.integer_purchases)
    if problem.unmet_penalty_usd_per_ref_hour is None and unservable(built.coef):
        _raise_infeasible(problem, "some demand has no allowed source at all")
    solve_s, term = solve_built(built, options)
    if term == "infeasible":
        _raise_infeasible(problem, "no plan satisfies every constraint")
    method: Literal["lp", "lp+rounding", "milp"] = "milp" if options.integer_purchases else "lp"
    build_s = built.build_s
    if not options.integer_purchases and options.round_purchases:
        method = "lp+rounding"
        fs = first_stage_of(built)
        tried: list[tuple[float, Rounding]] = []
        last: Rounding | None = None
        for how in _ROUNDINGS:
            if how == "down" and tried:
                break  # rounding down is only the fallback when neither up nor nearest is feasible
            _fix_first_stage(built, _rounded(fs, how))
            more_s, term = solve_built(built, options)
            solve_s += more_s
            last = how
            if term == "optimal":
                tried.append((_objective(built), how))
        if not tried:
            _raise_infeasible(problem, "the rounded plan (whole servers) has no feasible operation")
        best = min(tried)[1]
        if best != last:  # re-solve the cheaper rounding so the model holds its solution
            _fix_first_stage(built, _rounded(fs, best))
            more_s, _ = solve_built(built, options)
            solve_s += more_s
    return built, _info(built, method, build_s, solve_s)


def _info(
    built: BuiltModel, method: Literal["lp", "lp+rounding", "milp"], build_s: float, solve_s: float
) -> SolveInfo:
    m = built.model
    objective = float(m.objective.value) if m.objective.value is not None else math.nan
    return SolveInfo(
        solver="highs",
        termination="optimal",
        method=method,
        n_variables=int(m.nvars),
        n_constraints=int(m.ncons),
        build_s=build_s,
        solve_s=solve_s,
        objective_usd=objective,
    )
