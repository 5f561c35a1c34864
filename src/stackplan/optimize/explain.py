"""Explain why a capacity problem is infeasible.

Method: every hard constraint group in :data:`~stackplan.optimize.build.RELAXABLE` gets a
non-negative slack; the model then minimises the slack, each divided by its constraint's right-hand
side (relative violation), with serving less demand weighted more heavily so that the caps standing
in the way are named first. Each group with a slack left over is described in plain words: where,
when, the cap, what the plan would need, and which data-class rules confine the work there.
"""

from __future__ import annotations

import numpy as np

from stackplan.errors import SolverError
from stackplan.optimize.build import build_model
from stackplan.optimize.problem import CapacityProblem

__all__ = ["explain_infeasibility"]

#: Slack below this fraction of its right-hand side is solver noise [-].
_REL_TOL = 1e-6


def _rules_note(problem: CapacityProblem, region: str | None = None) -> str:
    notes = []
    for w in problem.workloads:
        rule = problem.data_rules.get(w.data_class)
        if rule is None:
            continue
        if region is None or region in rule or "onprem" in rule or any(p.startswith("site:") for p in rule):
            notes.append(f"{w.data_class} data ({w.name}) may only use {', '.join(rule)}")
    return "; ".join(dict.fromkeys(notes))


def explain_infeasibility(problem: CapacityProblem) -> tuple[str, ...]:
    """Plain-words reasons why ``problem`` has no feasible plan (the binding caps and by how much)."""
    from stackplan.optimize.solve import SolveOptions, solve_built

    built = build_model(problem, relax=True)
    _, term = solve_built(built, SolveOptions())
    if term != "optimal":
        raise SolverError(
            "the relaxed (explanation) model could not be solved", status="error", termination=term
        )
    c = built.coef
    per = problem.periods
    reasons: list[str] = []
    for name, (slack, _scale) in built.slacks.items():
        values = np.nan_to_num(np.asarray(slack.solution.values, dtype=float))
        if name == "Demand-balance":
            if problem.unmet_penalty_usd_per_ref_hour is not None:
                continue
            for w, wname in enumerate(c.workload_names):
                series = values[w]  # t,s
                if series.max() <= _REL_TOL * max(c.demand[w].max(), 1.0):
                    continue
                t, s = np.unravel_index(int(series.argmax()), series.shape)
                wl = problem.workloads[w]
                allowed = problem.data_rules.get(wl.data_class)
                where = (
                    f"data class {wl.data_class!r} may only use {', '.join(allowed)}"
                    if allowed
                    else "no rule"
                )
                reasons.append(
                    f"workload {wname!r} cannot be fully served: in {per.label(int(t))} (scenario {c.scenario_names[s]}) "
                    f"{series[t, s]:,.0f} of {c.demand[w, t, s]:,.0f} reference accelerator-hours have no "
                    f"capacity ({where}; accelerators it can use: {', '.join(sorted(wl.speed))})"
                )
            continue
        rhs = np.asarray(_scale.values, dtype=float)
        rel = values / np.maximum(np.abs(rhs), 1.0)
        if values.size == 0 or rel.max() <= _REL_TOL:
            continue
        reasons.append(_describe(problem, name, slack, values, rhs))
    if not reasons:
        reasons.append("no single constraint group explains it (numerical trouble or conflicting bounds)")
    return tuple(reasons)


def _describe(problem: CapacityProblem, name: str, slack: object, values: np.ndarray, rhs: np.ndarray) -> str:
    """One reason for constraint group ``name`` at its worst coordinate."""
    coords = slack.solution.coords  # type: ignore[attr-defined]
    dims = list(slack.solution.dims)  # type: ignore[attr-defined]
    flat = int(np.argmax(values / np.maximum(np.abs(rhs), 1.0))) if values.ndim else 0
    pos = np.unravel_index(flat, values.shape) if values.ndim else ()
    at = {d: coords[d].values[p] for d, p in zip(dims, pos, strict=True)}
    over = float(values[pos]) if values.ndim else float(values)
    cap = float(rhs[pos]) if rhs.ndim else float(rhs)
    per = problem.periods
    when = f" in {per.label(int(at['t']))}" if "t" in at else (f" in {at['year']}" if "year" in at else "")
    scen = f" (scenario {at['s']})" if "s" in at else ""
    if name == "Site-power":
        site = problem.site(str(at["site"]))
        opts = [o for o in problem.onprem if o.site == site.name]
        kw_per_acc = min((o.power_kw_per_server / o.accelerators_per_server for o in opts), default=1.0)
        note = _rules_note(problem, site.region)
        return (
            f"site {site.name} ({site.region}) power allows {cap / kw_per_acc:,.0f} accelerators "
            f"({cap:,.0f} kW); the demand{when} needs {(cap + over) / kw_per_acc:,.0f} "
            f"(+{over:,.0f} kW)" + (f"; {note}" if note else "")
        )
    if name == "Site-space":
        site = problem.site(str(at["site"]))
        return f"site {site.name} space allows {cap:,.0f} servers; the demand{when} needs {cap + over:,.0f}"
    if name == "Budget-capex":
        return f"the CapEx budget of {at['year']} ({cap:,.0f} USD) is short by {over:,.0f} USD"
    if name == "Budget-opex":
        return f"the OpEx budget of {at['year']}{scen} ({cap:,.0f} USD) is short by {over:,.0f} USD"
    if name == "Carbon-cap-year":
        return f"the carbon cap of {at['year']}{scen} ({cap:,.1f} tCO2e) is exceeded by {over:,.1f} tCO2e"
    if name == "Carbon-cap-horizon":
        return f"the horizon carbon cap{scen} ({cap:,.1f} tCO2e) is exceeded by {over:,.1f} tCO2e"
    if name == "Pilot-gate":
        gate = problem.pilot.gate_period if problem.pilot else 0
        return (
            f"the pilot gate allows {cap:,.0f} accelerators before {per.label(gate)}; "
            f"the demand before the gate needs {cap + over:,.0f} (allow unmet demand or move the gate)"
        )
    if name == "Onprem-ramp":
        return f"the ramp limit of {at['i']} ({cap:,.0f} servers per period){when} is short by {over:,.0f} servers"
    if name == "Cloud-spot-cap":
        return (
            f"spot capacity of {at['o']}{when}{scen} ({cap:,.0f} h) is short by {over:,.0f} accelerator-hours"
        )
    if name == "Cloud-on-demand-cap":
        return f"on-demand capacity of {at['o']}{when}{scen} ({cap:,.0f} h) is short by {over:,.0f} accelerator-hours"
    return f"{name}{when}{scen}: limit {cap:,.2f} exceeded by {over:,.2f}"
