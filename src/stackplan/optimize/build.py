"""Build the linopy model of a :class:`~stackplan.optimize.problem.CapacityProblem`.

Build, solve and extract are separate steps (as in PyPSA). Each group of variables or constraints
is added by a small ``define_*`` function; names follow one grammar, ``Component-what``:

========================  =======================  =============================================
name                      dims                     meaning
========================  =======================  =============================================
``Onprem-buy``            i, t                     servers ordered (first stage)
``Cloud-commit``          o, k, t                  accelerators committed for a term (first stage)
``Onprem-use``            i, w, t, s               accelerator-hours used on owned servers
``Cloud-use``             o, m, w, t, s            accelerator-hours used in the cloud per mode
``Demand-unmet``          w, t, s                  reference accelerator-hours not served
``Demand-balance``        w, t, s                  delivered + unmet = demand
``Onprem-capacity``       i, t, s                  use <= a_i g_i h_t fleet
``Onprem-ramp``           i, t                     orders <= ramp limit
``Cloud-commit-capacity`` o, t, s                  committed use <= h_t active commitments
``Cloud-spot-cap``        o, t, s                  spot use <= spot cap h_t
``Cloud-on-demand-cap``   o, t, s                  on-demand use <= cap h_t
``Site-power``            site, t                  P_i fleet summed per site <= power cap
``Site-space``            site, t                  fleet summed per site <= space cap
``Budget-capex``          year                     purchases in a year <= CapEx budget
``Budget-opex``           year, s                  operating spend in a year <= OpEx budget
``Carbon-cap-year``       year, s                  emissions in a year <= cap
``Carbon-cap-horizon``    s                        emissions over the horizon <= cap
``Pilot-gate``            (none)                   accelerators bought/committed before the gate <= pilot size
``Risk-cvar``             s                        CVaR excess >= scenario cost - VaR
========================  =======================  =============================================

The formulation with the same symbols is written out in ``docs/optimization.md``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from stackplan.optimize.coefficients import (
    MODES,
    TERMS,
    Coefficients,
    FirstStage,
    coefficients,
    unservable,
)
from stackplan.optimize.problem import CapacityProblem

__all__ = ["RELAXABLE", "BuiltModel", "FirstStage", "build_model", "unservable"]

#: Constraint groups that the infeasibility explanation may relax with a penalised slack.
RELAXABLE: tuple[str, ...] = (
    "Demand-balance",
    "Onprem-ramp",
    "Cloud-spot-cap",
    "Cloud-on-demand-cap",
    "Site-power",
    "Site-space",
    "Budget-capex",
    "Budget-opex",
    "Carbon-cap-year",
    "Carbon-cap-horizon",
    "Pilot-gate",
)


@dataclass(eq=False)
class BuiltModel:
    """A built linopy model with the handles extract and the alternatives need.

    ``expected_cost`` is the risk-neutral expected discounted cost [USD]; ``scenario_cost`` the
    discounted cost per scenario; ``expected_carbon`` [tCO2e] and ``expected_commitment`` (present
    value of money committed up front: purchases net of residual plus commitment payments [USD]).
    ``slacks`` maps a relaxed constraint group to its slack variable and scale (relax mode only).
    """

    problem: CapacityProblem
    coef: Coefficients
    model: linopy.Model
    expected_cost: linopy.LinearExpression
    scenario_cost: linopy.LinearExpression
    expected_carbon: linopy.LinearExpression
    expected_commitment: linopy.LinearExpression
    relax: bool
    build_s: float
    slacks: dict[str, tuple[linopy.Variable, xr.DataArray]] = field(default_factory=dict)


class _Ctx:
    """Coordinates and helpers shared by the define_* functions."""

    def __init__(self, coef: Coefficients, model: linopy.Model, relax: bool, penalty: float | None) -> None:
        self.coef = coef
        self.m = model
        self.relax = relax
        self.problem_allows_unmet = penalty is not None
        self.penalty = 0.0 if penalty is None else float(penalty)
        self.idx: dict[str, pd.Index] = {
            "i": pd.Index(list(coef.opt_keys), name="i"),
            "o": pd.Index(list(coef.offer_keys), name="o"),
            "k": pd.Index(list(TERMS), name="k"),
            "m": pd.Index(list(MODES), name="m"),
            "w": pd.Index(list(coef.workload_names), name="w"),
            "s": pd.Index(list(coef.scenario_names), name="s"),
            "t": pd.RangeIndex(coef.n_t, name="t"),
            "tau": pd.RangeIndex(coef.n_t, name="tau"),
            "site": pd.Index(list(coef.sites), name="site"),
            "year": pd.Index(list(coef.years), name="year"),
        }
        self.slacks: dict[str, tuple[linopy.Variable, xr.DataArray]] = {}

    def da(self, values: Any, *dims: str) -> xr.DataArray:
        """Wrap a numpy array with named dims and their coordinates."""
        return xr.DataArray(np.asarray(values, dtype=float), coords=[self.idx[d] for d in dims])

    def le(self, lhs: Any, rhs: xr.DataArray, name: str, scale: xr.DataArray | None = None) -> None:
        """Add ``lhs <= rhs`` as constraint ``name``; in relax mode with a penalised slack ``lhs - slack <= rhs``."""
        if self.relax and name in RELAXABLE:
            slack = self.m.add_variables(
                lower=0, coords=[rhs.indexes[str(d)] for d in rhs.dims], name=f"{name}-slack"
            )
            lhs = lhs - slack
            self.slacks[name] = (slack, abs(rhs) if scale is None else scale)
        self.m.add_constraints(lhs <= rhs, name=name)


def define_first_stage(ctx: _Ctx, fixed: FirstStage | None, integer: bool) -> tuple[Any, Any]:
    """Variables ``Onprem-buy`` [i,t] (servers) and ``Cloud-commit`` [o,k,t] (accelerators)."""
    c = ctx.coef
    buy = commit = None
    if c.opt_keys:
        up = np.where(c.buy_upper > 0, np.inf, 0.0)
        lo = np.zeros_like(up)
        if fixed is not None:
            lo = up = np.where(c.buy_upper > 0, fixed.buy, 0.0)
        buy = ctx.m.add_variables(
            lower=ctx.da(lo, "i", "t"),
            upper=ctx.da(up, "i", "t"),
            name="Onprem-buy",
            integer=integer and fixed is None,
        )
    if c.offer_keys:
        offered = ~np.isnan(c.commit_price)[:, :, None] & np.ones((1, 1, c.n_t), dtype=bool)
        up = np.where(offered, np.inf, 0.0)
        lo = np.zeros_like(up)
        if fixed is not None:
            lo = up = np.where(offered, fixed.commit, 0.0)
        commit = ctx.m.add_variables(
            lower=ctx.da(lo, "o", "k", "t"),
            upper=ctx.da(up, "o", "k", "t"),
            name="Cloud-commit",
            integer=integer and fixed is None,
        )
    return buy, commit


def define_operations(ctx: _Ctx) -> tuple[Any, Any, Any]:
    """Variables ``Onprem-use`` [i,w,t,s], ``Cloud-use`` [o,m,w,t,s] and ``Demand-unmet`` [w,t,s]."""
    c = ctx.coef
    n_t, n_s = c.n_t, len(c.scenario_names)
    use_on = use_cl = unmet = None
    if c.opt_keys:
        up = np.where(c.speed_onprem > 0, np.inf, 0.0)[:, :, None, None] * np.ones((1, 1, n_t, n_s))
        use_on = ctx.m.add_variables(lower=0, upper=ctx.da(up, "i", "w", "t", "s"), name="Onprem-use")
    if c.offer_keys:
        up = np.where(c.allow_cloud > 0, np.inf, 0.0)[:, :, :, None, None] * np.ones((1, 1, 1, n_t, n_s))
        use_cl = ctx.m.add_variables(lower=0, upper=ctx.da(up, "o", "m", "w", "t", "s"), name="Cloud-use")
    if ctx.problem_allows_unmet or ctx.relax:
        unmet = ctx.m.add_variables(
            lower=0, coords=[ctx.idx[d] for d in ("w", "t", "s")], name="Demand-unmet"
        )
    return use_on, use_cl, unmet


def _fleet(ctx: _Ctx, buy: Any) -> Any:
    """Servers in service ``N_{i,t} = sum_tau A_{i,t,tau} buy_{i,tau}``."""
    return (ctx.da(ctx.coef.fleet_window, "i", "t", "tau") * buy.rename(t="tau")).sum("tau")


def _active(ctx: _Ctx, commit: Any) -> Any:
    """Accelerators under commitment ``Q_{o,k,t} = sum_tau B_{k,t,tau} commit_{o,k,tau}``."""
    return (ctx.da(ctx.coef.commit_window, "k", "t", "tau") * commit.rename(t="tau")).sum("tau")


def define_demand_balance(ctx: _Ctx, use_on: Any, use_cl: Any, unmet: Any) -> None:
    """``Demand-balance``: sum_i s_{w,i} u_{i,w,t,s} + sum_{o,m} s_{w,o} v_{o,m,w,t,s} + unmet = D_{w,t,s}."""
    c = ctx.coef
    terms: list[Any] = []
    if use_on is not None:
        terms.append((ctx.da(c.speed_onprem, "i", "w") * use_on).sum("i"))
    if use_cl is not None:
        terms.append((ctx.da(c.speed_cloud, "o", "m", "w") * use_cl).sum(["o", "m"]))
    if unmet is not None:
        terms.append(1.0 * unmet)
    demand = ctx.da(c.demand, "w", "t", "s")
    if not terms:
        ctx.m.add_constraints(linopy.LinearExpression(demand * 0.0, ctx.m) == demand, name="Demand-balance")
        return
    lhs = terms[0]
    for term in terms[1:]:
        lhs = lhs + term
    ctx.m.add_constraints(lhs == demand, name="Demand-balance")
    if ctx.relax and unmet is not None:
        ctx.slacks["Demand-balance"] = (unmet, demand)


def define_onprem(ctx: _Ctx, buy: Any, fleet: Any, use_on: Any) -> None:
    """``Onprem-capacity``, ``Onprem-ramp``, ``Site-power`` and ``Site-space``."""
    c = ctx.coef
    cap_per_server = ctx.da(c.availability * c.acc_per_server * c.hours, "i")
    ctx.m.add_constraints(use_on.sum("w") - cap_per_server * fleet <= 0, name="Onprem-capacity")
    finite = np.isfinite(c.ramp)
    if finite.any():
        keys = [k for k, f in zip(c.opt_keys, finite, strict=True) if f]
        rhs = xr.DataArray(
            c.ramp[finite][:, None] * np.ones((1, c.n_t)), coords=[pd.Index(keys, name="i"), ctx.idx["t"]]
        )
        ctx.le(buy.sel(i=keys), rhs, "Onprem-ramp", scale=rhs.clip(min=1.0))
    if not c.sites:
        return
    by_site = ctx.da(c.site_of, "site", "i")
    finite_p = np.isfinite(c.site_power_cap_kw)
    if finite_p.any():
        cap = np.where(finite_p, c.site_power_cap_kw, 1e12)
        lhs = (by_site * ctx.da(c.power_kw, "i") * fleet).sum("i")
        rhs = ctx.da(cap[:, None] * np.ones((1, c.n_t)), "site", "t")
        ctx.le(lhs, rhs, "Site-power", scale=rhs.clip(min=1.0))
    finite_n = np.isfinite(c.site_max_servers)
    if finite_n.any():
        cap = np.where(finite_n, c.site_max_servers, 1e12)
        lhs = (by_site * fleet).sum("i")
        rhs = ctx.da(cap[:, None] * np.ones((1, c.n_t)), "site", "t")
        ctx.le(lhs, rhs, "Site-space", scale=rhs.clip(min=1.0))


def define_cloud(ctx: _Ctx, active: Any, use_cl: Any) -> None:
    """``Cloud-commit-capacity``, ``Cloud-spot-cap`` and ``Cloud-on-demand-cap``."""
    c = ctx.coef
    h = c.hours
    per_mode = use_cl.sum("w")
    if active is not None:
        ctx.m.add_constraints(
            per_mode.sel(m="commit") - h * active.sum("k") <= 0, name="Cloud-commit-capacity"
        )
    spot_ok = c.allow_cloud[:, MODES.index("spot"), :].any(axis=1)
    if spot_ok.any():
        rhs = ctx.da(
            np.where(spot_ok, c.spot_cap * h, 1e12)[:, None, None]
            * np.ones((1, c.n_t, len(c.scenario_names))),
            "o",
            "t",
            "s",
        )
        ctx.le(per_mode.sel(m="spot"), rhs, "Cloud-spot-cap", scale=rhs.clip(min=1.0))
    finite = np.isfinite(c.on_demand_cap)
    if finite.any():
        cap = np.where(finite, c.on_demand_cap * h, 1e12)
        rhs = ctx.da(cap[:, None, None] * np.ones((1, c.n_t, len(c.scenario_names))), "o", "t", "s")
        ctx.le(per_mode.sel(m="on_demand"), rhs, "Cloud-on-demand-cap", scale=rhs.clip(min=1.0))


@dataclass(eq=False)
class _Lines:
    """Cost and carbon expressions per period (nominal) for the objective and the budgets."""

    capex: Any = None  # [t]
    fixed: Any = None  # [t]
    commit: Any = None  # [t]
    energy: Any = None  # [t,s]
    cloud: Any = None  # [t,s] on-demand + spot
    unmet: Any = None  # [t,s]
    carbon: Any = None  # [t,s] tCO2e


def define_cost_lines(
    ctx: _Ctx, buy: Any, fleet: Any, active: Any, use_on: Any, use_cl: Any, unmet: Any
) -> _Lines:
    """Nominal cash-flow expressions per period (see the objective in ``docs/optimization.md``)."""
    c = ctx.coef
    lines = _Lines()
    carbon: list[Any] = []
    if buy is not None:
        lines.capex = (ctx.da(c.capex, "i") * buy).sum("i")
        lines.fixed = (ctx.da(c.fixed_opex, "i") * fleet).sum("i")
        lines.energy = (ctx.da(c.energy_usd_per_hour, "i", "w") * use_on).sum(["i", "w"])
        carbon.append((ctx.da(c.carbon_onprem_t_per_hour, "i", "w") * use_on).sum(["i", "w"]))
    if use_cl is not None:
        price = ctx.da(np.nan_to_num(c.commit_price), "o", "k")
        lines.commit = (price * c.hours * active).sum(["o", "k"])
        lines.cloud = (ctx.da(np.nan_to_num(c.cloud_price), "o", "m") * use_cl).sum(["o", "m", "w"])
        carbon.append((ctx.da(c.carbon_cloud_t_per_hour, "o") * use_cl).sum(["o", "m", "w"]))
    if unmet is not None and ctx.problem_allows_unmet:
        lines.unmet = float(ctx.penalty) * unmet.sum("w")
    if carbon:
        lines.carbon = carbon[0] if len(carbon) == 1 else carbon[0] + carbon[1]
    return lines


def _sum(parts: list[Any]) -> Any:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def define_budgets_and_carbon(ctx: _Ctx, lines: _Lines, problem: CapacityProblem) -> None:
    """``Budget-capex``, ``Budget-opex``, ``Carbon-cap-year`` and ``Carbon-cap-horizon``."""
    c = ctx.coef
    year_ind = ctx.da((c.year_of[None, :] == np.array(c.years)[:, None]).astype(float), "year", "t")

    def yearly(values: dict[int, float]) -> xr.DataArray:
        return ctx.da([values.get(y, 1e15) for y in c.years], "year")

    if problem.capex_budget_usd_per_year and lines.capex is not None:
        rhs = yearly(dict(problem.capex_budget_usd_per_year))
        ctx.le((year_ind * lines.capex).sum("t"), rhs, "Budget-capex", scale=rhs.clip(min=1.0))
    opex = _sum([lines.fixed, lines.commit, lines.energy, lines.cloud])
    if problem.opex_budget_usd_per_year and opex is not None:
        rhs = (
            yearly(dict(problem.opex_budget_usd_per_year)).expand_dims(s=ctx.idx["s"]).transpose("year", "s")
        )
        ctx.le((year_ind * opex).sum("t"), rhs, "Budget-opex", scale=rhs.clip(min=1.0))
    if lines.carbon is None:
        return
    if problem.carbon_cap_tco2e_per_year:
        rhs = (
            yearly(dict(problem.carbon_cap_tco2e_per_year)).expand_dims(s=ctx.idx["s"]).transpose("year", "s")
        )
        ctx.le((year_ind * lines.carbon).sum("t"), rhs, "Carbon-cap-year", scale=rhs.clip(min=1.0))
    if problem.carbon_cap_tco2e_horizon is not None:
        rhs = ctx.da(np.full(len(c.scenario_names), problem.carbon_cap_tco2e_horizon), "s")
        ctx.le(lines.carbon.sum("t"), rhs, "Carbon-cap-horizon", scale=rhs.clip(min=1.0))


def define_pilot_gate(ctx: _Ctx, buy: Any, commit: Any, problem: CapacityProblem) -> None:
    """``Pilot-gate``: accelerators ordered or committed in periods before the gate <= the pilot size."""
    pilot = problem.pilot
    if pilot is None or pilot.gate_period <= 0:
        return
    c = ctx.coef
    before = ctx.da((np.arange(c.n_t) < pilot.gate_period).astype(float), "t")
    parts: list[Any] = []
    if buy is not None:
        parts.append((before * ctx.da(c.acc_per_server, "i") * buy).sum())
    if commit is not None:
        parts.append((before * commit).sum())
    lhs = _sum(parts)
    if lhs is None:
        return
    rhs = xr.DataArray(float(pilot.max_accelerators))
    if ctx.relax:
        slack = ctx.m.add_variables(lower=0, name="Pilot-gate-slack")
        lhs = lhs - slack
        ctx.slacks["Pilot-gate"] = (slack, xr.DataArray(max(float(pilot.max_accelerators), 1.0)))
    ctx.m.add_constraints(lhs <= rhs, name="Pilot-gate")


def define_objective(
    ctx: _Ctx, buy: Any, commit: Any, lines: _Lines, problem: CapacityProblem
) -> tuple[Any, Any, Any, Any]:
    """Discounted cost per scenario, expected cost, carbon and commitment; sets the objective."""
    c = ctx.coef
    df = ctx.da(c.df, "t")
    prob = ctx.da(c.prob, "s")
    first = _sum(
        [
            (df * lines.capex).sum() if lines.capex is not None else None,
            (df * lines.fixed).sum() if lines.fixed is not None else None,
            (df * lines.commit).sum() if lines.commit is not None else None,
            -(ctx.da(c.residual_pv, "i", "t") * buy).sum() if buy is not None else None,
            (ctx.da(c.commit_tail_pv, "o", "k", "t") * commit).sum() if commit is not None else None,
        ]
    )
    carbon_cost = (
        problem.carbon_price_usd_per_tco2e * lines.carbon
        if lines.carbon is not None and problem.carbon_price_usd_per_tco2e > 0
        else None
    )
    second_t = _sum([lines.energy, lines.cloud, lines.unmet, carbon_cost])
    second = (df * second_t).sum("t") if second_t is not None else None
    commitment = _sum(
        [
            (df * lines.capex).sum() if lines.capex is not None else None,
            -(ctx.da(c.residual_pv, "i", "t") * buy).sum() if buy is not None else None,
            (df * lines.commit).sum() if lines.commit is not None else None,
            (ctx.da(c.commit_tail_pv, "o", "k", "t") * commit).sum() if commit is not None else None,
        ]
    )
    zero = linopy.LinearExpression(
        xr.DataArray(np.zeros(len(c.scenario_names)), coords=[ctx.idx["s"]]), ctx.m
    )
    scen = _sum([zero, second, first])
    expected = (prob * scen).sum()
    carbon = (prob * lines.carbon.sum("t")).sum() if lines.carbon is not None else 0.0 * expected
    if commitment is None:
        commitment = 0.0 * expected
    objective = expected
    risk = problem.risk
    if risk.weight > 0 and not ctx.relax:
        eta = ctx.m.add_variables(name="Risk-var")
        excess = ctx.m.add_variables(lower=0, coords=[ctx.idx["s"]], name="Risk-excess")
        ctx.m.add_constraints(excess - scen + eta >= 0, name="Risk-cvar")
        cvar = eta + (prob * excess).sum() / (1.0 - risk.alpha)
        objective = (1.0 - risk.weight) * expected + risk.weight * cvar
    if ctx.relax:
        pen = []
        for name, (slack, scale) in ctx.slacks.items():
            weight = _DEMAND_WEIGHT if name == "Demand-balance" else 1.0
            pen.append((weight / np.maximum(np.abs(scale), 1.0) * slack).sum())
        ctx.m.add_objective(_sum(pen))
    else:
        ctx.m.add_objective(objective)
    return scen, expected, carbon, commitment


#: In the infeasibility explanation, serving less demand is penalised this many times more than
#: relaxing a cap by the same fraction, so that the explanation names the caps that stand in the way.
_DEMAND_WEIGHT = 100.0


def build_model(
    problem: CapacityProblem,
    *,
    fixed: FirstStage | None = None,
    integer: bool = False,
    relax: bool = False,
) -> BuiltModel:
    """Build the linopy model of ``problem``.

    Parameters
    ----------
    fixed
        First-stage decisions to hold fixed (the re-solve of operations after rounding).
    integer
        Whole servers and accelerators in ``Onprem-buy`` and ``Cloud-commit`` (a MILP).
    relax
        Build the feasibility model of the infeasibility explanation: the :data:`RELAXABLE` constraints
        get a slack and the objective is the penalised relative slack (cost is ignored).
    """
    start = time.perf_counter()
    coef = coefficients(problem)
    m = linopy.Model()
    ctx = _Ctx(coef, m, relax, problem.unmet_penalty_usd_per_ref_hour)
    buy, commit = define_first_stage(ctx, fixed, integer)
    use_on, use_cl, unmet = define_operations(ctx)
    fleet = _fleet(ctx, buy) if buy is not None else None
    active = _active(ctx, commit) if commit is not None else None
    define_demand_balance(ctx, use_on, use_cl, unmet)
    if buy is not None:
        define_onprem(ctx, buy, fleet, use_on)
    if use_cl is not None:
        define_cloud(ctx, active, use_cl)
    lines = define_cost_lines(ctx, buy, fleet, active, use_on, use_cl, unmet)
    define_budgets_and_carbon(ctx, lines, problem)
    define_pilot_gate(ctx, buy, commit, problem)
    scen, expected, carbon, commitment = define_objective(ctx, buy, commit, lines, problem)
    return BuiltModel(
        problem=problem,
        coef=coef,
        model=m,
        expected_cost=expected,
        scenario_cost=scen,
        expected_carbon=carbon,
        expected_commitment=commitment,
        relax=relax,
        build_s=time.perf_counter() - start,
        slacks=ctx.slacks,
    )
