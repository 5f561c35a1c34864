"""Turn a solved model into an immutable :class:`CapacityPlan`.

Cash flows are recomputed from the solution with the same coefficients the model used
(:mod:`stackplan.optimize.coefficients`), so the plan's cost lines add up to the objective.
Unmet demand is reported as its own rows and cost line, never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from stackplan.optimize.coefficients import MODES, TERMS, Array, Coefficients
from stackplan.optimize.problem import CapacityProblem
from stackplan.optimize.solve import SolveInfo, first_stage_of

if TYPE_CHECKING:  # pandas and linopy only when used
    import pandas as pd

    from stackplan.optimize.build import BuiltModel

__all__ = [
    "COST_LINES",
    "CapacityPlan",
    "Commitment",
    "CostRow",
    "MixRow",
    "Purchase",
    "UnmetRow",
    "UtilisationRow",
    "extract_plan",
    "plan_from_arrays",
]

#: Cost lines of the plan [USD, nominal per period]; residual value is negative (money back).
COST_LINES: tuple[str, ...] = (
    "onprem_capex",
    "onprem_residual",
    "onprem_fixed_opex",
    "onprem_energy",
    "cloud_commit",
    "cloud_commit_after_horizon",
    "cloud_on_demand",
    "cloud_spot",
    "unmet_penalty",
    "carbon_price",
)

#: Values below this are reported as zero (solver noise) [same unit as the value].
_EPS = 1e-6


@dataclass(frozen=True)
class Purchase:
    """Servers ordered: ``servers`` of ``accelerator`` for ``site`` in ``period`` (paid then), in service
    from ``in_service_period`` until before ``retire_period``."""

    period: int
    period_label: str
    site: str
    accelerator: str
    servers: float
    accelerators: float
    capex_usd: float
    in_service_period: int
    retire_period: int


@dataclass(frozen=True)
class Commitment:
    """A cloud commitment started in ``period`` for ``term`` (``1y``/``3y``), paid whether used or not."""

    period: int
    period_label: str
    provider: str
    region: str
    accelerator: str
    term: str
    accelerators: float
    usd_per_hour: float
    total_usd: float


@dataclass(frozen=True)
class MixRow:
    """Accelerator-hours of ``workload`` served by ``source`` (an option or offer key) in ``mode``
    (``owned``, ``commit``, ``on_demand``, ``spot``) in one period of one scenario."""

    scenario: str
    period: int
    source: str
    mode: str
    workload: str
    accelerator_hours: float


@dataclass(frozen=True)
class UtilisationRow:
    """Used vs available accelerator-hours of owned servers (``owned``) or commitments (``commit``)."""

    scenario: str
    period: int
    source: str
    kind: str
    available_hours: float
    used_hours: float

    @property
    def utilisation(self) -> float:
        """Used / available [-] (0 when nothing is available)."""
        return self.used_hours / self.available_hours if self.available_hours > 0 else 0.0


@dataclass(frozen=True)
class CostRow:
    """One cost line in one period of one scenario [USD, nominal]."""

    scenario: str
    period: int
    year: int
    line: str
    usd: float


@dataclass(frozen=True)
class UnmetRow:
    """Demand not served: ``ref_hours`` of ``demand_ref_hours`` [reference accelerator-hours]."""

    scenario: str
    period: int
    period_label: str
    workload: str
    ref_hours: float
    demand_ref_hours: float


@dataclass(frozen=True)
class CapacityPlan:
    """The optimised capacity plan (immutable; keeps its problem).

    ``expected_npv_cost_usd`` is the probability-weighted present value of cost (incl. unmet-demand
    penalty and carbon price); ``npv_cost_usd`` gives it per scenario. Cost, mix and utilisation
    rows are per scenario and period; ``carbon_tco2e`` and ``energy_mwh`` map scenario -> per-period
    tuples.
    """

    problem: CapacityProblem
    info: SolveInfo
    expected_npv_cost_usd: float
    npv_cost_usd: Mapping[str, float]
    purchases: tuple[Purchase, ...]
    commitments: tuple[Commitment, ...]
    mix: tuple[MixRow, ...]
    utilisation: tuple[UtilisationRow, ...]
    costs: tuple[CostRow, ...]
    unmet: tuple[UnmetRow, ...]
    carbon_tco2e: Mapping[str, tuple[float, ...]]
    energy_mwh: Mapping[str, tuple[float, ...]]

    # --- views (new objects each call; the plan itself never changes) ----------------------------
    def cost_frame(self) -> pd.DataFrame:
        """Cost rows as a DataFrame (scenario, period, year, line, usd)."""
        import pandas as pd

        return pd.DataFrame(
            [r.__dict__ for r in self.costs], columns=["scenario", "period", "year", "line", "usd"]
        )

    def mix_frame(self) -> pd.DataFrame:
        """Mix rows as a DataFrame."""
        import pandas as pd

        cols = ["scenario", "period", "source", "mode", "workload", "accelerator_hours"]
        return pd.DataFrame([r.__dict__ for r in self.mix], columns=cols)

    def cost_by_year(self, scenario: str) -> dict[int, dict[str, float]]:
        """Year -> cost line -> nominal USD in ``scenario``."""
        out: dict[int, dict[str, float]] = {}
        for r in self.costs:
            if r.scenario == scenario:
                out.setdefault(r.year, {}).setdefault(r.line, 0.0)
                out[r.year][r.line] += r.usd
        return out

    def total_usd(self, scenario: str, line: str | None = None) -> float:
        """Nominal total over the horizon in ``scenario`` (one line or all)."""
        return float(
            sum(r.usd for r in self.costs if r.scenario == scenario and (line is None or r.line == line))
        )

    def owned_accelerators(self, period: int) -> float:
        """Accelerators owned and in service in ``period``."""
        return float(
            sum(p.accelerators for p in self.purchases if p.in_service_period <= period < p.retire_period)
        )

    def committed_accelerators(self, period: int) -> float:
        """Accelerators under cloud commitment in ``period``."""
        per = self.problem.periods
        return float(
            sum(
                c.accelerators
                for c in self.commitments
                if c.period <= period < c.period + per.term_periods(TERMS[c.term])
            )
        )

    @property
    def total_unmet_ref_hours(self) -> Mapping[str, float]:
        """Scenario -> unmet reference accelerator-hours over the horizon."""
        out = dict.fromkeys((s.name for s in self.problem.scenarios), 0.0)
        for u in self.unmet:
            out[u.scenario] += u.ref_hours
        return MappingProxyType(out)

    def summary_dict(self) -> dict[str, Any]:
        """A compact JSON-ready summary: how it was solved, cost, what to buy and commit, unmet demand."""
        return {
            "solve": dict(self.info.__dict__),
            "expected_npv_cost_usd": self.expected_npv_cost_usd,
            "npv_cost_usd": dict(self.npv_cost_usd),
            "purchases": [p.__dict__ for p in self.purchases],
            "commitments": [c.__dict__ for c in self.commitments],
            "unmet_ref_hours": dict(self.total_unmet_ref_hours),
            "carbon_tco2e": {k: sum(v) for k, v in self.carbon_tco2e.items()},
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the plan (the ``stackplan optimize --json`` contract)."""
        return {
            "solve": dict(self.info.__dict__),
            "expected_npv_cost_usd": self.expected_npv_cost_usd,
            "npv_cost_usd": dict(self.npv_cost_usd),
            "purchases": [p.__dict__ for p in self.purchases],
            "commitments": [c.__dict__ for c in self.commitments],
            "mix": [r.__dict__ for r in self.mix],
            "utilisation": [{**u.__dict__, "utilisation": u.utilisation} for u in self.utilisation],
            "costs": [r.__dict__ for r in self.costs],
            "unmet": [u.__dict__ for u in self.unmet],
            "carbon_tco2e": {k: list(v) for k, v in self.carbon_tco2e.items()},
            "energy_mwh": {k: list(v) for k, v in self.energy_mwh.items()},
        }


def _solution(built: BuiltModel, name: str, shape: tuple[int, ...]) -> Array:
    if name not in built.model.variables:
        return np.zeros(shape)
    values: Array = np.nan_to_num(np.asarray(built.model.variables[name].solution.values, dtype=float))
    return np.where(values < _EPS, 0.0, values)


def extract_plan(built: BuiltModel, info: SolveInfo) -> CapacityPlan:
    """Read the solution of ``built`` into a :class:`CapacityPlan`."""
    c = built.coef
    n_i, n_o, n_w, n_t, n_s = (
        len(c.opt_keys),
        len(c.offer_keys),
        len(c.workload_names),
        c.n_t,
        len(c.scenario_names),
    )
    fs = first_stage_of(built)
    return plan_from_arrays(
        built.problem,
        c,
        info,
        buy=fs.buy,
        commit=fs.commit,
        use_on=_solution(built, "Onprem-use", (n_i, n_w, n_t, n_s)),
        use_cl=_solution(built, "Cloud-use", (n_o, len(MODES), n_w, n_t, n_s)),
        unmet=_solution(built, "Demand-unmet", (n_w, n_t, n_s)),
    )


def plan_from_arrays(
    problem: CapacityProblem,
    c: Coefficients,
    info: SolveInfo,
    *,
    buy: Array,
    commit: Array,
    use_on: Array,
    use_cl: Array,
    unmet: Array,
) -> CapacityPlan:
    """A :class:`CapacityPlan` from solution arrays: ``buy`` [i,t] servers, ``commit`` [o,k,t],
    ``use_on`` [i,w,t,s], ``use_cl`` [o,m,w,t,s] accelerator-hours and ``unmet`` [w,t,s]."""
    per = problem.periods
    n_i, n_o, n_w, n_t = len(c.opt_keys), len(c.offer_keys), len(c.workload_names), c.n_t
    use_on = np.where(use_on < _EPS, 0.0, use_on)
    use_cl = np.where(use_cl < _EPS, 0.0, use_cl)
    unmet = np.where(unmet < _EPS, 0.0, unmet)

    fleet = np.einsum("itu,iu->it", c.fleet_window, buy) if n_i else np.zeros((0, n_t))
    active = np.einsum("ktu,oku->okt", c.commit_window, commit) if n_o else np.zeros((0, 2, n_t))

    purchases = []
    for i, opt in enumerate(problem.onprem):
        for t in range(n_t):
            if buy[i, t] > _EPS:
                purchases.append(
                    Purchase(
                        period=t,
                        period_label=per.label(t),
                        site=opt.site,
                        accelerator=opt.accelerator,
                        servers=float(buy[i, t]),
                        accelerators=float(buy[i, t] * opt.accelerators_per_server),
                        capex_usd=float(buy[i, t] * opt.capex_usd_per_server),
                        in_service_period=t + opt.lead_time_periods,
                        retire_period=t + opt.lead_time_periods + opt.life_periods,
                    )
                )
    commitments = []
    for o, off in enumerate(problem.offers):
        for k, term in enumerate(TERMS):
            for t in range(n_t):
                if commit[o, k, t] > _EPS:
                    price = float(c.commit_price[o, k])
                    commitments.append(
                        Commitment(
                            period=t,
                            period_label=per.label(t),
                            provider=off.provider,
                            region=off.region,
                            accelerator=off.accelerator,
                            term=term,
                            accelerators=float(commit[o, k, t]),
                            usd_per_hour=price,
                            total_usd=float(
                                commit[o, k, t] * price * c.hours * per.term_periods(TERMS[term])
                            ),
                        )
                    )

    mix: list[MixRow] = []
    util: list[UtilisationRow] = []
    for si, s in enumerate(c.scenario_names):
        for t in range(n_t):
            for i, key in enumerate(c.opt_keys):
                for w, wname in enumerate(c.workload_names):
                    if use_on[i, w, t, si] > _EPS:
                        mix.append(MixRow(s, t, key, "owned", wname, float(use_on[i, w, t, si])))
                avail = float(fleet[i, t] * c.availability[i] * c.acc_per_server[i] * c.hours)
                if avail > _EPS:
                    util.append(UtilisationRow(s, t, key, "owned", avail, float(use_on[i, :, t, si].sum())))
            for o, key in enumerate(c.offer_keys):
                for mi, mode in enumerate(MODES):
                    for w, wname in enumerate(c.workload_names):
                        if use_cl[o, mi, w, t, si] > _EPS:
                            mix.append(MixRow(s, t, key, mode, wname, float(use_cl[o, mi, w, t, si])))
                avail = float(active[o, :, t].sum() * c.hours)
                if avail > _EPS:
                    used = float(use_cl[o, MODES.index("commit"), :, t, si].sum())
                    util.append(UtilisationRow(s, t, key, "commit", avail, used))

    # nominal cash flows per line [line, t] (first stage) and [line, t, s] (operations)
    capex_t = (c.capex[:, None] * buy).sum(axis=0)
    residual_t = np.zeros(n_t)
    for i in range(n_i):
        for tau in range(n_t):
            if buy[i, tau] > 0:
                residual_t[c.residual_period[i, tau]] -= buy[i, tau] * c.residual_usd[i, tau]
    fixed_t = (c.fixed_opex[:, None] * fleet).sum(axis=0)
    commit_t = (np.nan_to_num(c.commit_price)[:, :, None] * c.hours * active).sum(axis=(0, 1))
    tail_total = float((c.commit_tail_usd * commit).sum())
    energy_ts = np.einsum("iw,iwts->ts", c.energy_usd_per_hour, use_on)
    unit_price = np.nan_to_num(c.cloud_price)
    od_ts = np.einsum(
        "o,owts->ts", unit_price[:, MODES.index("on_demand")], use_cl[:, MODES.index("on_demand")]
    )
    spot_ts = np.einsum("o,owts->ts", unit_price[:, MODES.index("spot")], use_cl[:, MODES.index("spot")])
    penalty = problem.unmet_penalty_usd_per_ref_hour or 0.0
    unmet_ts = penalty * unmet.sum(axis=0)
    carbon_ts = np.einsum("iw,iwts->ts", c.carbon_onprem_t_per_hour, use_on) + np.einsum(
        "o,omwts->ts", c.carbon_cloud_t_per_hour, use_cl
    )
    energy_kwh_ts = np.einsum("iw,iwts->ts", c.energy_kwh_onprem_per_hour, use_on) + np.einsum(
        "o,omwts->ts", c.energy_kwh_cloud_per_hour, use_cl
    )
    carbon_cost_ts = problem.carbon_price_usd_per_tco2e * carbon_ts

    costs: list[CostRow] = []
    npv: dict[str, float] = {}
    for si, s in enumerate(c.scenario_names):
        per_line = {
            "onprem_capex": capex_t,
            "onprem_residual": residual_t,
            "onprem_fixed_opex": fixed_t,
            "onprem_energy": energy_ts[:, si],
            "cloud_commit": commit_t,
            "cloud_on_demand": od_ts[:, si],
            "cloud_spot": spot_ts[:, si],
            "unmet_penalty": unmet_ts[:, si],
            "carbon_price": carbon_cost_ts[:, si],
        }
        for line, series in per_line.items():
            for t in range(n_t):
                if abs(series[t]) > _EPS:
                    costs.append(CostRow(s, t, per.year(t), line, float(series[t])))
        if tail_total > _EPS:
            costs.append(CostRow(s, n_t - 1, per.year(n_t - 1), "cloud_commit_after_horizon", tail_total))
        pv = sum(
            float((c.df * series).sum()) for name, series in per_line.items() if name != "onprem_residual"
        )
        pv += -float((c.residual_pv * buy).sum()) + float((c.commit_tail_pv * commit).sum())
        npv[s] = pv

    unmet_rows = [
        UnmetRow(s, t, per.label(t), c.workload_names[w], float(unmet[w, t, si]), float(c.demand[w, t, si]))
        for si, s in enumerate(c.scenario_names)
        for t in range(n_t)
        for w in range(n_w)
        if unmet[w, t, si] > _EPS
    ]
    return CapacityPlan(
        problem=problem,
        info=info,
        expected_npv_cost_usd=float(sum(c.prob[si] * npv[s] for si, s in enumerate(c.scenario_names))),
        npv_cost_usd=MappingProxyType(npv),
        purchases=tuple(sorted(purchases, key=lambda p: (p.period, p.site, p.accelerator))),
        commitments=tuple(sorted(commitments, key=lambda c: (c.period, c.provider, c.region, c.accelerator))),
        mix=tuple(mix),
        utilisation=tuple(util),
        costs=tuple(costs),
        unmet=tuple(unmet_rows),
        carbon_tco2e=MappingProxyType(
            {s: tuple(float(x) for x in carbon_ts[:, si]) for si, s in enumerate(c.scenario_names)}
        ),
        energy_mwh=MappingProxyType(
            {
                s: tuple(float(x) / 1000.0 for x in energy_kwh_ts[:, si])
                for si, s in enumerate(c.scenario_names)
            }
        ),
    )
