"""The capacity optimiser: the least-cost hybrid plan (what to buy when, what to commit, what to rent).

Build -> solve -> extract (:mod:`.build`, :mod:`.solve`, :mod:`.extract`); inputs are the frozen
objects of :mod:`.problem`. The formulation is written out in ``docs/optimization.md``.

>>> plan = optimize(problem)                       # doctest: +SKIP
>>> greener = near_optimal(problem, plan, 0.05, "carbon")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from stackplan.errors import InvalidInputError
from stackplan.optimize.coefficients import FirstStage
from stackplan.optimize.extract import (
    COST_LINES,
    CapacityPlan,
    Commitment,
    CostRow,
    MixRow,
    Purchase,
    UnmetRow,
    UtilisationRow,
    extract_plan,
)
from stackplan.optimize.problem import (
    HOURS_PER_YEAR,
    CapacityProblem,
    CloudOffer,
    DemandScenario,
    OnpremOption,
    Periods,
    PilotGate,
    RiskPreference,
    Site,
    Workload,
    make_periods,
)
from stackplan.optimize.solve import SolveInfo, SolveOptions, solve_built, solve_problem

if TYPE_CHECKING:
    from stackplan.optimize.build import BuiltModel, build_model
    from stackplan.optimize.explain import explain_infeasibility

#: Names imported on first use: they import linopy (about 0.5 s), which a plan does not need.
_LAZY = {
    "BuiltModel": "stackplan.optimize.build",
    "build_model": "stackplan.optimize.build",
    "explain_infeasibility": "stackplan.optimize.explain",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stackplan.optimize' has no attribute {name!r}")


__all__ = [
    "COST_LINES",
    "HOURS_PER_YEAR",
    "BuiltModel",
    "CapacityPlan",
    "CapacityProblem",
    "CloudOffer",
    "Commitment",
    "CostRow",
    "DemandScenario",
    "FirstStage",
    "MixRow",
    "OnpremOption",
    "Periods",
    "PilotGate",
    "Purchase",
    "RiskPreference",
    "Site",
    "SolveInfo",
    "SolveOptions",
    "UnmetRow",
    "UtilisationRow",
    "Workload",
    "build_model",
    "explain_infeasibility",
    "extract_plan",
    "make_periods",
    "near_optimal",
    "optimize",
]

Alternative = Literal["carbon", "commitment"]


def optimize(problem: CapacityProblem, options: SolveOptions | None = None) -> CapacityPlan:
    """The least-cost plan of ``problem`` (build, solve, extract).

    Raises :class:`~stackplan.errors.InfeasibleError` (with reasons) when no plan satisfies the
    constraints and :class:`~stackplan.errors.SolverError` on solver failure or time-out.
    """
    built, info = solve_problem(problem, options)
    return extract_plan(built, info)


def near_optimal(
    problem: CapacityProblem,
    best: CapacityPlan,
    cost_slack: float,
    minimise: Alternative,
    options: SolveOptions | None = None,
) -> CapacityPlan:
    """A near-optimal alternative: within ``(1 + cost_slack)`` of ``best``'s expected cost, the plan
    with the least expected carbon (``"carbon"``) or the least money committed up front
    (``"commitment"``: purchases net of residual value plus commitment payments, present value).

    Epsilon-constraint method: the constraint ``Near-optimal-cost`` bounds the expected discounted
    cost, the objective becomes the chosen metric. The alternative is solved and rounded like
    :func:`optimize`; its operations re-solve minimises cost for the chosen first stage.
    """
    if not 0.0 <= cost_slack <= 10.0:
        raise InvalidInputError(
            "cost_slack", "must be a fraction in [0, 10]", cost_slack, "e.g. 0.05 for +5%"
        )
    if minimise not in ("carbon", "commitment"):
        raise InvalidInputError("minimise", "unknown metric", minimise, "use 'carbon' or 'commitment'")
    from stackplan.optimize.build import build_model
    from stackplan.optimize.explain import explain_infeasibility
    from stackplan.optimize.solve import _info, _rounded, first_stage_of

    opts = options or SolveOptions()
    built = build_model(problem, integer=opts.integer_purchases)
    budget = best.expected_npv_cost_usd * (1.0 + cost_slack) + abs(best.expected_npv_cost_usd) * 1e-9
    built.model.add_constraints(built.expected_cost <= budget, name="Near-optimal-cost")
    metric = built.expected_carbon if minimise == "carbon" else built.expected_commitment
    built.model.add_objective(metric, overwrite=True)
    solve_s, term = solve_built(built, opts)
    if term != "optimal":
        explain = explain_infeasibility(problem)
        from stackplan.errors import InfeasibleError

        raise InfeasibleError("no near-optimal alternative", explain)
    method: Literal["lp", "lp+rounding", "milp"] = "milp" if opts.integer_purchases else "lp"
    if not opts.integer_purchases and opts.round_purchases:
        method = "lp+rounding"
        again = build_model(problem, fixed=_rounded(first_stage_of(built), "up"))
        # the operations must stay on the alternative's metric too: keep the cost bound loose
        again.model.add_constraints(
            again.expected_cost <= budget * (1.0 + 1e-3) + 1.0, name="Near-optimal-cost"
        )
        again.model.add_objective(
            again.expected_carbon if minimise == "carbon" else again.expected_commitment, overwrite=True
        )
        more_s, term = solve_built(again, opts)
        solve_s += more_s
        if term == "optimal":
            built = again
        else:  # whole units break the cost bound: report the fractional alternative as such
            method = "lp"
    return extract_plan(built, _info(built, method, built.build_s, solve_s))
