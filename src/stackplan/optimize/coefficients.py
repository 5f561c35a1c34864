"""Numeric coefficients of the capacity model, as numpy arrays.

One place computes every coefficient (cost per unit, capacity per unit, carbon per unit, the
fleet and commitment windows); :mod:`stackplan.optimize.build` turns them into the linopy model and
:mod:`stackplan.optimize.extract` uses the same arrays to turn the solution into cash flows, so the
two can never disagree. Array dimensions are named in each attribute's doc (``i`` on-prem options,
``o`` cloud offers, ``k`` commitment terms, ``m`` cloud modes, ``w`` workloads, ``t``/``tau``
periods, ``s`` scenarios).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stackplan.optimize.problem import CapacityProblem

__all__ = ["MODES", "TERMS", "Coefficients", "FirstStage", "coefficients", "unservable"]

#: Commitment terms ``k`` and their length [years].
TERMS: dict[str, int] = {"1y": 1, "3y": 3}
#: Cloud modes ``m``: committed capacity (already paid), on-demand and spot (paid per hour used).
MODES: tuple[str, ...] = ("commit", "on_demand", "spot")

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Coefficients:
    """Coefficients of the model (see ``docs/optimization.md`` for the symbols)."""

    opt_keys: tuple[str, ...]
    offer_keys: tuple[str, ...]
    workload_names: tuple[str, ...]
    scenario_names: tuple[str, ...]
    sites: tuple[str, ...]
    n_t: int
    hours: float
    #: ``d_t`` [t] discount factors; ``d_end`` at the end of the horizon.
    df: Array
    d_end: float
    #: ``p_s`` [s].
    prob: Array
    #: ``D_{w,t,s}`` [w,t,s] reference accelerator-hours.
    demand: Array
    #: ``A_{i,t,tau}`` [i,t,tau] = 1 if a server ordered in tau is in service in t.
    fleet_window: Array
    #: ``B_{k,t,tau}`` [k,t,tau] = 1 if a commitment of term k started in tau is active in t.
    commit_window: Array
    #: Most servers orderable [i,t]; 0 where delivery would fall after the horizon.
    buy_upper: Array
    #: Ramp limit per period [i] (inf = none).
    ramp: Array
    #: ``C_i`` [i] USD per server; ``g_i`` accelerators per server; ``a_i`` availability.
    capex: Array
    acc_per_server: Array
    availability: Array
    #: ``F_i`` [i] fixed USD per installed server per period.
    fixed_opex: Array
    #: ``P_i`` [i] kW per busy server.
    power_kw: Array
    #: ``R_{i,tau}`` [i,tau] residual (salvage) value of a server ordered in tau [USD, nominal]
    #: and the period in which it is booked (retirement, or the last period if still in service).
    residual_usd: Array
    residual_period: npt.NDArray[np.int64]
    #: Present value of the residual per server ordered in tau [USD].
    residual_pv: Array
    #: ``e_i f_w`` [i,w] electricity cost per reserved accelerator-hour [USD/h]; ``c_i f_w`` carbon [tCO2e/h];
    #: energy [kWh/h] (busy power drawn a share ``f_w`` of the reserved hours).
    energy_usd_per_hour: Array
    carbon_onprem_t_per_hour: Array
    energy_kwh_onprem_per_hour: Array
    #: ``site_of[site,i]`` 1 if option i is at the site; site caps [site].
    site_of: Array
    site_power_cap_kw: Array
    site_max_servers: Array
    #: Commitment price [o,k] USD per accelerator-hour (nan = not offered).
    commit_price: Array
    #: Present and nominal value of payments after the horizon per accelerator committed in tau [o,k,tau].
    commit_tail_pv: Array
    commit_tail_usd: Array
    #: Marginal price [o,m] USD per accelerator-hour (commit: 0; nan = mode not offered).
    cloud_price: Array
    #: Carbon [o] tCO2e and energy [o] kWh per accelerator-hour.
    carbon_cloud_t_per_hour: Array
    energy_kwh_cloud_per_hour: Array
    spot_cap: Array
    on_demand_cap: Array
    #: Delivered reference hours per accelerator-hour: ``s_{w,a} f_w`` on options [i,w]; per offer and
    #: mode [o,m,w] (``f_w`` applies to committed capacity only); 0 = not allowed there.
    speed_onprem: Array
    speed_cloud: Array
    #: 1 where workload w may use offer o in mode m [o,m,w].
    allow_cloud: Array
    #: Calendar year of each period [t] and the years of the horizon.
    year_of: npt.NDArray[np.int64]
    years: tuple[int, ...]


def coefficients(problem: CapacityProblem) -> Coefficients:
    """Compute every coefficient of ``problem`` (pure; see the module doc)."""
    per = problem.periods
    n_t = per.count
    h = per.hours
    t_idx = np.arange(n_t)
    df = np.array([per.discount_factor(t) for t in range(n_t)])
    d_end = per.discount_factor(n_t)
    W = tuple(w.name for w in problem.workloads)
    S = tuple(s.name for s in problem.scenarios)
    demand = np.array([[s.ref_hours[w] for s in problem.scenarios] for w in W], dtype=float)  # w,s,t
    demand = np.transpose(demand, (0, 2, 1))

    opts = problem.onprem
    n_i = len(opts)
    lead = np.array([o.lead_time_periods for o in opts], dtype=np.int64)
    life = np.array([o.life_periods for o in opts], dtype=np.int64)
    age = t_idx[None, :, None] - t_idx[None, None, :] - lead[:, None, None]  # i,t,tau: periods in service
    fleet_window = ((age >= 0) & (age < life[:, None, None])).astype(float)
    deliver = t_idx[None, :] + lead[:, None]
    buy_upper = np.where(deliver < n_t, np.inf, 0.0)
    ramp = np.array([o.max_buy_servers_per_period for o in opts], dtype=float)
    capex = np.array([o.capex_usd_per_server for o in opts], dtype=float)
    rho = np.array([o.residual_fraction for o in opts], dtype=float)
    retire = deliver + life[:, None]  # i,tau: first period out of service
    in_service_at_end = retire > n_t
    used_life = np.clip(n_t - deliver, 0, None) / life[:, None]
    book_at_end = capex[:, None] * (1.0 - (1.0 - rho[:, None]) * np.clip(used_life, 0.0, 1.0))
    residual_usd = np.where(in_service_at_end, book_at_end, capex[:, None] * rho[:, None])
    residual_period = np.where(in_service_at_end, n_t - 1, np.minimum(retire, n_t - 1)).astype(np.int64)
    disc_retire = np.array([[per.discount_factor(float(r)) for r in row] for row in retire.reshape(n_i, n_t)])
    residual_pv = np.where(
        in_service_at_end, book_at_end * d_end, residual_usd * disc_retire.reshape(n_i, n_t)
    )
    residual_usd = np.where(deliver < n_t, residual_usd, 0.0)
    residual_pv = np.where(deliver < n_t, residual_pv, 0.0)

    site_names = tuple(s.name for s in problem.sites)
    sites = {s.name: s for s in problem.sites}
    acc = np.array([o.accelerators_per_server for o in opts], dtype=float)
    power = np.array([o.power_kw_per_server for o in opts], dtype=float)
    pue = np.array([sites[o.site].pue for o in opts], dtype=float)
    elec = np.array([sites[o.site].electricity_usd_per_kwh for o in opts], dtype=float)
    inten = np.array([problem.site_intensity_kg_per_kwh(sites[o.site]) for o in opts], dtype=float)
    kwh_per_acc_hour = power / np.maximum(acc, 1.0) * pue
    site_of = np.array([[1.0 if o.site == s else 0.0 for o in opts] for s in site_names]).reshape(
        len(site_names), n_i
    )

    offers = problem.offers
    n_o = len(offers)
    K = tuple(TERMS)
    term_len = np.array([per.term_periods(TERMS[k]) for k in K], dtype=np.int64)
    since = t_idx[None, :, None] - t_idx[None, None, :]
    commit_window = ((since >= 0) & (since < term_len[:, None, None])).astype(float)
    commit_price = np.array(
        [[_nan(o.commit_1y_usd_per_hour), _nan(o.commit_3y_usd_per_hour)] for o in offers], dtype=float
    ).reshape(n_o, len(K))
    tail_periods = np.zeros((len(K), n_t))
    tail_pv_unit = np.zeros((len(K), n_t))
    for kk, n_term in enumerate(term_len):
        for tau in range(n_t):
            after = range(n_t, tau + int(n_term))
            tail_periods[kk, tau] = len(after)
            tail_pv_unit[kk, tau] = sum(per.discount_factor(t) for t in after)
    price0 = np.nan_to_num(commit_price)
    commit_tail_pv = price0[:, :, None] * h * tail_pv_unit[None, :, :]
    commit_tail_usd = price0[:, :, None] * h * tail_periods[None, :, :]
    has_commit = ~np.all(np.isnan(commit_price), axis=1) if n_o else np.zeros(0, dtype=bool)
    cloud_price = np.array(
        [
            [0.0 if hc else math.nan, _nan(o.on_demand_usd_per_hour), _nan(o.spot_usd_per_hour)]
            for o, hc in zip(offers, has_commit, strict=True)
        ],
        dtype=float,
    ).reshape(n_o, len(MODES))
    c_int = np.array([problem.offer_intensity_kg_per_kwh(o) for o in offers], dtype=float)
    kwh_cloud = np.array([o.energy_kw_per_accelerator for o in offers], dtype=float)

    speed_onprem = np.array(
        [
            [
                w.speed.get(o.accelerator, 0.0) if problem.allowed_onprem(w, o) else 0.0
                for w in problem.workloads
            ]
            for o in opts
        ],
        dtype=float,
    ).reshape(n_i, len(W))
    speed_cloud = np.array(
        [
            [
                w.speed.get(o.accelerator, 0.0) if problem.allowed_offer(w, o) else 0.0
                for w in problem.workloads
            ]
            for o in offers
        ],
        dtype=float,
    ).reshape(n_o, len(W))
    interruptible = np.array([w.interruptible for w in problem.workloads], dtype=bool)
    mode_ok = ~np.isnan(cloud_price)  # o,m
    allow_cloud = (mode_ok[:, :, None] & (speed_cloud[:, None, :] > 0)).astype(float)
    duty = np.array([w.duty for w in problem.workloads], dtype=float)
    speed_onprem = speed_onprem * duty[None, :]
    mode_duty = np.ones((len(MODES), len(W)))
    mode_duty[MODES.index("commit"), :] = duty
    speed_cloud_m = speed_cloud[:, None, :] * mode_duty[None, :, :]
    allow_cloud[:, MODES.index("spot"), :] *= interruptible[None, :]
    allow_cloud[:, MODES.index("spot"), :] *= np.array([o.spot_cap_accelerators > 0 for o in offers])[:, None]

    year_of = np.array([per.year(t) for t in range(n_t)], dtype=np.int64)
    return Coefficients(
        opt_keys=tuple(o.key for o in opts),
        offer_keys=tuple(o.key for o in offers),
        workload_names=W,
        scenario_names=S,
        sites=site_names,
        n_t=n_t,
        hours=h,
        df=df,
        d_end=d_end,
        prob=np.array([s.probability for s in problem.scenarios], dtype=float),
        demand=demand,
        fleet_window=fleet_window,
        commit_window=commit_window,
        buy_upper=buy_upper,
        ramp=ramp,
        capex=capex,
        acc_per_server=acc,
        availability=np.array([o.availability for o in opts], dtype=float),
        fixed_opex=np.array([o.fixed_opex_usd_per_server_period for o in opts], dtype=float),
        power_kw=power,
        residual_usd=residual_usd,
        residual_period=residual_period,
        residual_pv=residual_pv,
        energy_usd_per_hour=np.outer(kwh_per_acc_hour * elec, duty),
        carbon_onprem_t_per_hour=np.outer(kwh_per_acc_hour * inten / 1000.0, duty),
        energy_kwh_onprem_per_hour=np.outer(kwh_per_acc_hour, duty),
        site_of=site_of,
        site_power_cap_kw=np.array([s.power_cap_kw for s in problem.sites], dtype=float),
        site_max_servers=np.array([s.max_servers for s in problem.sites], dtype=float),
        commit_price=commit_price,
        commit_tail_pv=commit_tail_pv,
        commit_tail_usd=commit_tail_usd,
        cloud_price=cloud_price,
        carbon_cloud_t_per_hour=kwh_cloud * c_int / 1000.0,
        energy_kwh_cloud_per_hour=kwh_cloud,
        spot_cap=np.array([o.spot_cap_accelerators for o in offers], dtype=float),
        on_demand_cap=np.array([o.on_demand_cap_accelerators for o in offers], dtype=float),
        speed_onprem=speed_onprem,
        speed_cloud=speed_cloud_m,
        allow_cloud=allow_cloud,
        year_of=year_of,
        years=per.years,
    )


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


@dataclass(frozen=True, eq=False)
class FirstStage:
    """Fixed first-stage decisions: servers ordered ``buy[i,t]`` and accelerators committed ``commit[o,k,t]``."""

    buy: Array
    commit: Array


def unservable(coef: Coefficients) -> list[tuple[int, int, int]]:
    """(w, t, s) with positive demand that no source can serve at all (no allowed type or location).

    Such a row of ``Demand-balance`` has no variable; a solver would drop it silently, so the
    caller must treat it as infeasible unless unmet demand is allowed.
    """
    can: npt.NDArray[np.bool_] = np.zeros(len(coef.workload_names), dtype=bool)
    if coef.opt_keys:
        can |= (coef.speed_onprem > 0).any(axis=0)
    if coef.offer_keys:
        can |= (coef.allow_cloud > 0).any(axis=(0, 1))
    w, t, s = np.nonzero((coef.demand > 0) & ~can[:, None, None])
    return list(zip(w.tolist(), t.tolist(), s.tolist(), strict=True))
