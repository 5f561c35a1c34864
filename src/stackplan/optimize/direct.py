"""A direct (matrix-form) build of the capacity LP for the plan's small problems, without linopy.

The plan's hybrid problem (:mod:`stackplan.optimize.from_plan`) is a few hundred variables; building
it through linopy and xarray costs about a second (import and labelled-array overhead) against a few
milliseconds of solving. This module builds the *same* LP as :func:`stackplan.optimize.build.build_model`
(same symbols, see ``docs/optimization.md``) straight into a sparse matrix for HiGHS, for the subset of
features the plan uses:

* first stage ``Onprem-buy`` [i,t] (no commitments: every ``commit_price`` is missing);
* operations ``Onprem-use`` [i,w,t,s], ``Cloud-use`` [o,m,w,t,s] and ``Demand-unmet`` [w,t,s];
* ``Demand-balance``, ``Onprem-capacity``, ``Onprem-ramp`` (as a bound on ``Onprem-buy``),
  ``Cloud-spot-cap`` and ``Cloud-on-demand-cap``;
* the risk-neutral discounted cost objective (capex, fixed opex over the fleet window, residual
  value, energy, cloud use, unmet penalty, carbon price).

Problems with site caps, budgets, carbon caps, a pilot gate, commitments, CVaR or integer purchases
are not :func:`supported` and go through linopy. Rounding follows :func:`stackplan.optimize.solve.solve_problem`
(cumulative orders rounded up and to the nearest, the cheaper feasible kept, down as the fallback).
A test checks both builds give the same objective and plan on the example problems.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from stackplan.optimize.coefficients import MODES, Array, Coefficients, coefficients, unservable
from stackplan.optimize.extract import CapacityPlan, plan_from_arrays
from stackplan.optimize.problem import CapacityProblem
from stackplan.optimize.solve import SolveInfo, SolveOptions, _quiet_stdout, _round_cumulative

__all__ = ["optimize_direct", "supported"]


def supported(problem: CapacityProblem, options: SolveOptions) -> bool:
    """Whether the direct build covers ``problem`` and ``options`` (else use linopy)."""
    c_ok = all(o.commit_1y_usd_per_hour is None and o.commit_3y_usd_per_hour is None for o in problem.offers)
    return (
        c_ok
        and not options.integer_purchases
        and not problem.capex_budget_usd_per_year
        and not problem.opex_budget_usd_per_year
        and not problem.carbon_cap_tco2e_per_year
        and problem.carbon_cap_tco2e_horizon is None
        and (problem.pilot is None or problem.pilot.gate_period <= 0)
        and problem.risk.weight <= 0
        and all(math.isinf(s.power_cap_kw) and math.isinf(s.max_servers) for s in problem.sites)
    )


@dataclass(frozen=True)
class _Layout:
    """Column offsets of each variable block in the flat column vector."""

    n_i: int
    n_o: int
    n_w: int
    n_t: int
    n_s: int
    unmet: bool

    @property
    def n_buy(self) -> int:
        return self.n_i * self.n_t

    @property
    def on0(self) -> int:
        return self.n_buy

    @property
    def cl0(self) -> int:
        return self.on0 + self.n_i * self.n_w * self.n_t * self.n_s

    @property
    def un0(self) -> int:
        return self.cl0 + self.n_o * len(MODES) * self.n_w * self.n_t * self.n_s

    @property
    def n_cols(self) -> int:
        return self.un0 + (self.n_w * self.n_t * self.n_s if self.unmet else 0)


def _build(
    problem: CapacityProblem, c: Coefficients
) -> tuple[_Layout, Array, Array, Array, sp.csc_matrix, Array, Array]:
    """Cost, column bounds, matrix and row bounds of the LP (see the module docstring)."""
    n_i, n_o, n_w, n_t, n_s = (
        len(c.opt_keys),
        len(c.offer_keys),
        len(c.workload_names),
        c.n_t,
        len(c.scenario_names),
    )
    penalty = problem.unmet_penalty_usd_per_ref_hour
    L = _Layout(n_i, n_o, n_w, n_t, n_s, penalty is not None)
    n_m = len(MODES)
    cost = np.zeros(L.n_cols)
    lo = np.zeros(L.n_cols)
    up = np.full(L.n_cols, np.inf)
    df, prob = c.df, c.prob
    carbon_price = problem.carbon_price_usd_per_tco2e
    # first stage: capex - residual + fixed opex over the fleet window (per server ordered in tau)
    if n_i:
        fixed_pv = np.einsum("t,itu->iu", df, c.fleet_window) * c.fixed_opex[:, None]
        cost[: L.n_buy] = (c.capex[:, None] * df[None, :] - c.residual_pv + fixed_pv).ravel()
        buy_up = np.where(c.buy_upper > 0, np.inf, 0.0)
        buy_up = np.minimum(buy_up, np.where(np.isfinite(c.ramp), c.ramp, np.inf)[:, None])
        up[: L.n_buy] = buy_up.ravel()
        # operations on owned servers [i,w,t,s]
        unit = (c.energy_usd_per_hour + carbon_price * c.carbon_onprem_t_per_hour)[:, :, None, None]
        w_ts = df[None, None, :, None] * prob[None, None, None, :]
        cost[L.on0 : L.cl0] = (unit * w_ts).ravel()
        up[L.on0 : L.cl0] = np.broadcast_to(
            np.where(c.speed_onprem > 0, np.inf, 0.0)[:, :, None, None], (n_i, n_w, n_t, n_s)
        ).ravel()
    if n_o:
        price = np.nan_to_num(c.cloud_price)[:, :, None, None, None]
        carbon = (carbon_price * c.carbon_cloud_t_per_hour)[:, None, None, None, None]
        w_ts5 = df[None, None, None, :, None] * prob[None, None, None, None, :]
        cost[L.cl0 : L.un0] = np.broadcast_to((price + carbon) * w_ts5, (n_o, n_m, n_w, n_t, n_s)).ravel()
        allow = c.allow_cloud.copy()
        allow[:, MODES.index("commit"), :] = 0.0  # no commitments in the supported subset
        up[L.cl0 : L.un0] = np.broadcast_to(
            np.where(allow > 0, np.inf, 0.0)[:, :, :, None, None], (n_o, n_m, n_w, n_t, n_s)
        ).ravel()
    if L.unmet:
        cost[L.un0 :] = (
            float(penalty or 0.0) * df[None, :, None] * prob[None, None, :] * np.ones((n_w, 1, 1))
        ).ravel()

    rows: list[npt.NDArray[Any]] = []
    cols: list[npt.NDArray[Any]] = []
    vals: list[Array] = []
    r_lo: list[Array] = []
    r_up: list[Array] = []
    n_rows = 0

    def add(r: npt.NDArray[Any], col: npt.NDArray[Any], v: npt.NDArray[Any]) -> None:
        rows.append(r.ravel())
        cols.append(col.ravel())
        vals.append(np.broadcast_to(v, r.shape).ravel().astype(float))

    # Demand-balance [w,t,s]: sum_i s_iw u + sum_om s_omw v + unmet = D
    bal = np.arange(n_w * n_t * n_s).reshape(n_w, n_t, n_s)
    if n_i:
        on_idx = L.on0 + np.arange(n_i * n_w * n_t * n_s).reshape(n_i, n_w, n_t, n_s)
        add(
            np.broadcast_to(bal[None], on_idx.shape),
            on_idx,
            c.speed_onprem[:, :, None, None] * np.ones(on_idx.shape),
        )
    if n_o:
        cl_idx = L.cl0 + np.arange(n_o * n_m * n_w * n_t * n_s).reshape(n_o, n_m, n_w, n_t, n_s)
        add(
            np.broadcast_to(bal[None, None], cl_idx.shape),
            cl_idx,
            c.speed_cloud[:, :, :, None, None] * np.ones(cl_idx.shape),
        )
    if L.unmet:
        add(bal, L.un0 + bal, np.ones(bal.shape))
    r_lo.append(c.demand.ravel())
    r_up.append(c.demand.ravel())
    n_rows += bal.size
    # Onprem-capacity [i,t,s]: sum_w u - a g h sum_tau A[i,t,tau] buy[i,tau] <= 0
    if n_i:
        cap = n_rows + np.arange(n_i * n_t * n_s).reshape(n_i, n_t, n_s)
        add(np.broadcast_to(cap[:, None], on_idx.shape), on_idx, np.ones(on_idx.shape))
        per_server = c.availability * c.acc_per_server * c.hours  # [i]
        ii, tt, uu = np.nonzero(c.fleet_window)
        for s in range(n_s):
            add(cap[ii, tt, s], ii * n_t + uu, -per_server[ii])
        r_lo.append(np.full(cap.size, -np.inf))
        r_up.append(np.zeros(cap.size))
        n_rows += cap.size
    # Cloud-spot-cap and Cloud-on-demand-cap [o,t,s]
    if n_o:
        spot_ok = c.allow_cloud[:, MODES.index("spot"), :].any(axis=1)
        for mode, ok, cap_acc in (
            ("spot", spot_ok, c.spot_cap),
            ("on_demand", np.isfinite(c.on_demand_cap), c.on_demand_cap),
        ):
            offers = np.flatnonzero(ok)
            if not offers.size:
                continue
            m = MODES.index(mode)
            rr = n_rows + np.arange(offers.size * n_t * n_s).reshape(offers.size, n_t, n_s)
            sel = cl_idx[offers, m]  # [o',w,t,s]
            add(np.broadcast_to(rr[:, None], sel.shape), sel, np.ones(sel.shape))
            r_lo.append(np.full(rr.size, -np.inf))
            r_up.append(np.broadcast_to((cap_acc[offers] * c.hours)[:, None, None], rr.shape).ravel())
            n_rows += rr.size
    a = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, L.n_cols)
    )
    return L, cost, lo, up, a, np.concatenate(r_lo), np.concatenate(r_up)


class _Solver:
    """One HiGHS instance holding the LP; the first-stage bounds are changed in place to re-solve."""

    def __init__(
        self,
        cost: Array,
        lo: Array,
        up: Array,
        a: sp.csc_matrix,
        r_lo: Array,
        r_up: Array,
        time_limit_s: float,
    ) -> None:
        import highspy

        with _quiet_stdout():
            self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("time_limit", float(time_limit_s))
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = int(a.shape[1])
        lp.num_row_ = int(a.shape[0])
        lp.col_cost_ = cost
        lp.col_lower_ = lo
        lp.col_upper_ = np.where(np.isinf(up), inf, up)
        lp.row_lower_ = np.where(np.isinf(r_lo), -inf, r_lo)
        lp.row_upper_ = np.where(np.isinf(r_up), inf, r_up)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr
        lp.a_matrix_.index_ = a.indices
        lp.a_matrix_.value_ = a.data
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = lp.num_row_
        self.h.passModel(lp)
        self.optimal = highspy.HighsModelStatus.kOptimal

    def run(self) -> tuple[bool, float, Array]:
        with _quiet_stdout():
            self.h.run()
        if self.h.getModelStatus() != self.optimal:
            return False, math.inf, np.zeros(0)
        x = np.asarray(self.h.getSolution().col_value, dtype=float)
        return True, float(self.h.getInfo().objective_function_value), x

    def fix(self, idx: npt.NDArray[np.intp], values: Array) -> None:
        self.h.changeColsBounds(int(idx.size), idx.astype(np.int32), values, values)


def optimize_direct(problem: CapacityProblem, options: SolveOptions | None = None) -> CapacityPlan | None:
    """The least-cost plan of a :func:`supported` problem, or ``None`` when the direct build cannot
    give it (unsupported features, no optimum): the caller then uses linopy, which explains
    infeasibility and reports solver failures."""
    options = options or SolveOptions()
    if not supported(problem, options):
        return None
    start = time.perf_counter()
    c = coefficients(problem)
    if problem.unmet_penalty_usd_per_ref_hour is None and unservable(c):
        return None
    L, cost, lo, up, a, r_lo, r_up = _build(problem, c)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    solver = _Solver(cost, lo, up, a, r_lo, r_up, options.time_limit_s)
    ok, objective, x = solver.run()
    if not ok:
        return None
    method = "lp"
    if options.round_purchases and L.n_buy:
        method = "lp+rounding"
        lp_buy = np.clip(x[: L.n_buy].reshape(L.n_i, L.n_t), 0.0, None)
        allowed = (c.buy_upper > 0).ravel()
        idx = np.flatnonzero(allowed)
        best: tuple[float, Array] | None = None
        for how in ("up", "nearest", "down"):
            if how == "down" and best is not None:
                break
            fixed = _round_cumulative(lp_buy, how).ravel()[idx]
            solver.fix(idx, fixed)
            ok, obj, xr = solver.run()
            if ok and (best is None or obj < best[0]):
                best = (obj, xr)
        if best is None:
            return None
        objective, x = best
    solve_s = time.perf_counter() - start
    n_s = L.n_s
    buy = np.clip(x[: L.n_buy].reshape(L.n_i, L.n_t), 0.0, None)
    info = SolveInfo(
        solver="highs",
        termination="optimal",
        method=method,  # type: ignore[arg-type]
        n_variables=L.n_cols,
        n_constraints=int(a.shape[0]),
        build_s=build_s,
        solve_s=solve_s,
        objective_usd=objective,
    )
    return plan_from_arrays(
        problem,
        c,
        info,
        buy=buy,
        commit=np.zeros((L.n_o, 2, L.n_t)),
        use_on=x[L.on0 : L.cl0].reshape(L.n_i, L.n_w, L.n_t, n_s),
        use_cl=x[L.cl0 : L.un0].reshape(L.n_o, len(MODES), L.n_w, L.n_t, n_s),
        unmet=x[L.un0 :].reshape(L.n_w, L.n_t, n_s) if L.unmet else np.zeros((L.n_w, L.n_t, n_s)),
    )
