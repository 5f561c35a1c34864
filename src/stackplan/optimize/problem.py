"""The capacity-planning problem: explicit, frozen inputs of the optimiser.

Everything the optimiser knows is in a :class:`CapacityProblem`; it reads no catalogue, file or clock.
The scenario/plan layer (or a test, or a YAML problem file) builds one. Symbols in brackets are the
ones used in ``docs/optimization.md`` and in :mod:`stackplan.optimize.build`.

Units: money in USD (nominal, of the period in which it is paid), time in hours, power in kW,
energy in kWh, emissions in tCO2e, carbon intensity in kgCO2e/kWh. Demand is in *reference
accelerator-hours*: the hours a workload would need on its reference accelerator; ``speed`` says how
many reference hours one hour of another accelerator type delivers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from stackplan._numeric import HOURS_PER_YEAR  # periods split it evenly (730 h a month, 2,190 h a quarter)
from stackplan.errors import InputError, InputProblem, InvalidInputError

__all__ = [
    "HOURS_PER_YEAR",
    "CapacityProblem",
    "CarbonBasis",
    "CloudOffer",
    "DemandScenario",
    "OnpremOption",
    "Periods",
    "PilotGate",
    "RiskPreference",
    "Site",
    "Workload",
    "make_periods",
]


CarbonBasis = Literal["location", "market"]
Granularity = Literal["monthly", "quarterly"]

_PERIODS_PER_YEAR: dict[str, int] = {"monthly": 12, "quarterly": 4}


@dataclass(frozen=True)
class Periods:
    """The planning periods ``t`` of the horizon.

    Parameters
    ----------
    start_year
        Calendar year of the first period.
    periods_per_year
        12 (monthly) or 4 (quarterly).
    count
        Number of periods ``|T|``.
    discount_rate
        Yearly discount rate [fraction, typically 0.05-0.12]. Cash of period ``t`` is discounted to
        the start of the horizon as ``d_t = (1 + r) ** -(t / periods_per_year)`` (paid at the
        start of the period).
    """

    start_year: int
    periods_per_year: int
    count: int
    discount_rate: float

    def __post_init__(self) -> None:
        if self.periods_per_year not in (4, 12):
            raise InvalidInputError("periods.periods_per_year", "must be 4 or 12", self.periods_per_year)
        if self.count < 1:
            raise InvalidInputError("periods.count", "must be at least 1", self.count)
        if not -0.5 < self.discount_rate < 1.0:
            raise InvalidInputError(
                "periods.discount_rate", "out of range", self.discount_rate, "give a fraction, e.g. 0.08"
            )

    @property
    def hours(self) -> float:
        """Hours in one period ``h_t`` [h]."""
        return HOURS_PER_YEAR / self.periods_per_year

    def discount_factor(self, t: float) -> float:
        """Discount factor ``d_t`` of a cash flow at the start of period ``t`` [-] (``t`` may exceed the horizon)."""
        return float((1.0 + self.discount_rate) ** (-t / self.periods_per_year))

    def year(self, t: int) -> int:
        """Calendar year of period ``t``."""
        return self.start_year + t // self.periods_per_year

    def label(self, t: int) -> str:
        """Human label of period ``t``: ``2027-03`` (monthly) or ``2027-Q1`` (quarterly)."""
        within = t % self.periods_per_year
        if self.periods_per_year == 12:
            return f"{self.year(t)}-{within + 1:02d}"
        return f"{self.year(t)}-Q{within + 1}"

    @property
    def years(self) -> tuple[int, ...]:
        """Calendar years touched by the horizon, in order."""
        return tuple(sorted({self.year(t) for t in range(self.count)}))

    def term_periods(self, years: int) -> int:
        """Number of periods in a term of ``years`` years."""
        return years * self.periods_per_year


def make_periods(
    start_year: int, horizon_years: int, granularity: Granularity = "monthly", discount_rate: float = 0.08
) -> Periods:
    """Periods covering ``horizon_years`` from ``start_year`` at the given granularity."""
    if granularity not in _PERIODS_PER_YEAR:
        raise InvalidInputError(
            "granularity", "unknown granularity", granularity, "use 'monthly' or 'quarterly'"
        )
    if horizon_years < 1:
        raise InvalidInputError("horizon_years", "must be at least 1", horizon_years)
    ppy = _PERIODS_PER_YEAR[granularity]
    return Periods(
        start_year=start_year, periods_per_year=ppy, count=horizon_years * ppy, discount_rate=discount_rate
    )


@dataclass(frozen=True)
class Workload:
    """A workload class ``w``.

    Parameters
    ----------
    name
        Unique id.
    data_class
        Data class (public, internal, confidential, restricted ...): looked up in
        :attr:`CapacityProblem.data_rules` to decide where it may run.
    speed
        Accelerator type -> reference accelerator-hours delivered per accelerator-hour of that type
        ``s_{w,a}`` [-]. Types absent from the mapping cannot run the workload. The reference type has 1.
    interruptible
        True when the work is checkpointed and can survive preemption: only such work may use spot.
    duty
        Share of reserved capacity-hours (owned or committed) in which this work runs ``f_w`` [-];
        1 for steady work. A band of a load-duration curve that is busy a share ``f`` of the time has
        duty ``f``: each reserved accelerator-hour delivers ``f`` hours of its work (and draws busy
        power only then). On-demand and spot are paid only when busy, so duty does not apply there.
    """

    name: str
    data_class: str
    speed: Mapping[str, float]
    interruptible: bool = False
    duty: float = 1.0


@dataclass(frozen=True)
class DemandScenario:
    """One demand scenario ``s`` (low, base, high ...) with its probability ``p_s``.

    ``ref_hours`` maps each workload name to its demand per period ``D_{w,t,s}`` [reference
    accelerator-hours]; every workload of the problem must be given, with one value per period.
    """

    name: str
    probability: float
    ref_hours: Mapping[str, tuple[float, ...]]


@dataclass(frozen=True)
class Site:
    """An on-prem site (own data centre or colocation cage).

    Parameters
    ----------
    name, region
        Id and region (the region is what data rules and carbon refer to).
    power_cap_kw
        IT power available for accelerator servers ``P^max_site`` [kW]; ``inf`` when unconstrained.
    max_servers
        Space cap in servers ``N^max_site`` [servers]; ``inf`` when unconstrained.
    pue
        Power usage effectiveness [-], typically 1.1-1.6.
    electricity_usd_per_kwh
        Electricity price [USD/kWh].
    carbon_location_kg_per_kwh, carbon_market_kg_per_kwh
        Grid carbon intensity, location- and market-based [kgCO2e/kWh] (market defaults to location).
    """

    name: str
    region: str
    power_cap_kw: float = math.inf
    max_servers: float = math.inf
    pue: float = 1.3
    electricity_usd_per_kwh: float = 0.10
    carbon_location_kg_per_kwh: float = 0.4
    carbon_market_kg_per_kwh: float | None = None


@dataclass(frozen=True)
class OnpremOption:
    """A server type that can be bought for a site: option ``i``.

    Parameters
    ----------
    site
        Name of the :class:`Site`.
    accelerator
        Accelerator type id (matches :attr:`Workload.speed` keys).
    capex_usd_per_server
        Purchase price of one server incl. its share of network and install ``C_i`` [USD], paid in
        the period it is ordered.
    accelerators_per_server
        Accelerators per server ``g_i`` [-], e.g. 8.
    life_periods
        Service life ``L_i`` [periods] from delivery to retirement.
    residual_fraction
        Value left at end of life as a fraction of the price ``rho_i`` [-]; book value declines
        linearly from 1 to ``rho_i`` over the life (used for servers still in service at the end).
    power_kw_per_server
        IT power of a busy server ``P_i`` [kW].
    fixed_opex_usd_per_server_period
        Cost of an installed server per period whether used or not (maintenance, colocation, licences,
        idle power) ``F_i`` [USD/period].
    lead_time_periods
        Periods from order to delivery ``l_i`` [periods].
    max_buy_servers_per_period
        Ramp limit: most servers that can be ordered per period ``B^max_i`` [servers].
    availability
        Fraction of installed accelerator-hours usable ``a_i`` [-] (maintenance, failures), e.g. 0.95.
    """

    site: str
    accelerator: str
    capex_usd_per_server: float
    accelerators_per_server: int = 8
    life_periods: int = 60
    residual_fraction: float = 0.1
    power_kw_per_server: float = 10.2
    fixed_opex_usd_per_server_period: float = 0.0
    lead_time_periods: int = 0
    max_buy_servers_per_period: float = math.inf
    availability: float = 0.95

    @property
    def key(self) -> str:
        """Id of the option: ``site/accelerator``."""
        return f"{self.site}/{self.accelerator}"


@dataclass(frozen=True)
class CloudOffer:
    """Accelerators of one type rented from a provider in a region: offer ``o``.

    Prices are per accelerator-hour [USD/h]; ``None`` means the mode is not offered. A commitment of
    ``x`` accelerators for a term is paid ``x * price * h_t`` every period of the term, used or not.
    ``spot_cap_accelerators`` is how many accelerators spot capacity can be counted on per period;
    ``on_demand_cap_accelerators`` bounds on-demand likewise (``inf``: unbounded).
    ``energy_kw_per_accelerator`` is the facility power of a busy accelerator incl. the provider's
    PUE [kW], used only for carbon.
    """

    provider: str
    region: str
    accelerator: str
    on_demand_usd_per_hour: float | None
    spot_usd_per_hour: float | None = None
    commit_1y_usd_per_hour: float | None = None
    commit_3y_usd_per_hour: float | None = None
    spot_cap_accelerators: float = 0.0
    on_demand_cap_accelerators: float = math.inf
    energy_kw_per_accelerator: float = 1.4
    carbon_location_kg_per_kwh: float = 0.4
    carbon_market_kg_per_kwh: float | None = None

    @property
    def key(self) -> str:
        """Id of the offer: ``provider/region/accelerator``."""
        return f"{self.provider}/{self.region}/{self.accelerator}"


@dataclass(frozen=True)
class PilotGate:
    """No scale-up before the gate: until period ``gate_period`` (exclusive) the accelerators bought
    on-prem plus committed in the cloud stay within ``max_accelerators`` (cumulative)."""

    gate_period: int
    max_accelerators: float = 0.0


@dataclass(frozen=True)
class RiskPreference:
    """Risk aversion: minimise ``(1 - weight) * E[cost] + weight * CVaR_alpha[cost]`` over scenarios.

    ``alpha`` is the CVaR level (0.9: the mean of the worst 10% of probability mass); ``weight``
    0 is risk-neutral. Linearised after Rockafellar and Uryasev (2000), "Optimization of conditional
    value-at-risk", Journal of Risk 2(3).
    """

    alpha: float = 0.9
    weight: float = 0.0


def _matches(pattern: str, provider: str | None, region: str, site: str | None) -> bool:
    """Whether a data-rule ``pattern`` allows a source (see :attr:`CapacityProblem.data_rules`)."""
    if pattern == "*":
        return True
    if pattern == "onprem":
        return site is not None
    if pattern.startswith("site:"):
        return site is not None and pattern[5:] == site
    if "/" in pattern:
        prov, _, reg = pattern.partition("/")
        return provider is not None and prov == provider and reg == region
    return pattern in (region, provider)


@dataclass(frozen=True)
class CapacityProblem:
    """Everything the capacity optimiser needs, explicit and immutable.

    Parameters
    ----------
    periods
        The periods ``T``.
    workloads, scenarios, sites, onprem, offers
        Sets ``W``, ``S``, sites, ``I`` and ``O`` (see the classes).
    data_rules
        Data class -> allowed locations. A location pattern is ``*`` (anywhere), ``onprem`` (every
        site), ``site:NAME``, a region (``eu-west``: sites and offers there), a provider (``aws``) or
        ``provider/region``. A data class absent from the mapping may run anywhere.
    capex_budget_usd_per_year, opex_budget_usd_per_year
        Calendar year -> most nominal spend on purchases ``K^capex_y`` / on operations ``K^opex_y``
        [USD] (per scenario for opex). Years not given are unconstrained.
    carbon_cap_tco2e_per_year, carbon_cap_tco2e_horizon
        Operational emissions caps per calendar year / over the horizon [tCO2e], in every scenario.
    carbon_basis
        Which intensity the carbon constraints and price use: ``location`` or ``market``.
    carbon_price_usd_per_tco2e
        Internal carbon price added to the objective ``pi^CO2`` [USD/tCO2e].
    unmet_penalty_usd_per_ref_hour
        Penalty per reference accelerator-hour of demand not served ``pi^unmet`` [USD/h]; ``None``
        forbids unmet demand (the problem may then be infeasible, and is explained).
    pilot
        Optional pilot gate.
    risk
        Risk preference (CVaR weight 0 = risk-neutral two-stage stochastic programme).
    """

    periods: Periods
    workloads: tuple[Workload, ...]
    scenarios: tuple[DemandScenario, ...]
    sites: tuple[Site, ...] = ()
    onprem: tuple[OnpremOption, ...] = ()
    offers: tuple[CloudOffer, ...] = ()
    data_rules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    capex_budget_usd_per_year: Mapping[int, float] = field(default_factory=dict)
    opex_budget_usd_per_year: Mapping[int, float] = field(default_factory=dict)
    carbon_cap_tco2e_per_year: Mapping[int, float] = field(default_factory=dict)
    carbon_cap_tco2e_horizon: float | None = None
    carbon_basis: CarbonBasis = "location"
    carbon_price_usd_per_tco2e: float = 0.0
    unmet_penalty_usd_per_ref_hour: float | None = 100.0
    pilot: PilotGate | None = None
    risk: RiskPreference = field(default_factory=RiskPreference)

    def __post_init__(self) -> None:
        problems = check_problem(self)
        if problems:
            raise InputError(problems)

    # --- lookups -----------------------------------------------------------------------------
    def site(self, name: str) -> Site:
        """The site called ``name``."""
        return next(s for s in self.sites if s.name == name)

    def allowed_onprem(self, workload: Workload, option: OnpremOption) -> bool:
        """Whether ``workload`` may run on ``option`` (accelerator type and data class)."""
        if workload.speed.get(option.accelerator, 0.0) <= 0.0:
            return False
        rules = self.data_rules.get(workload.data_class)
        if rules is None:
            return True
        site = self.site(option.site)
        return any(_matches(p, None, site.region, site.name) for p in rules)

    def allowed_offer(self, workload: Workload, offer: CloudOffer) -> bool:
        """Whether ``workload`` may run on ``offer`` (accelerator type and data class)."""
        if workload.speed.get(offer.accelerator, 0.0) <= 0.0:
            return False
        rules = self.data_rules.get(workload.data_class)
        if rules is None:
            return True
        return any(_matches(p, offer.provider, offer.region, None) for p in rules)

    def site_intensity_kg_per_kwh(self, site: Site) -> float:
        """Carbon intensity used for ``site`` under :attr:`carbon_basis` [kgCO2e/kWh]."""
        if self.carbon_basis == "market" and site.carbon_market_kg_per_kwh is not None:
            return site.carbon_market_kg_per_kwh
        return site.carbon_location_kg_per_kwh

    def offer_intensity_kg_per_kwh(self, offer: CloudOffer) -> float:
        """Carbon intensity used for ``offer`` under :attr:`carbon_basis` [kgCO2e/kWh]."""
        if self.carbon_basis == "market" and offer.carbon_market_kg_per_kwh is not None:
            return offer.carbon_market_kg_per_kwh
        return offer.carbon_location_kg_per_kwh


def _check_unique(kind: str, names: list[str]) -> list[InputProblem]:
    seen: set[str] = set()
    out: list[InputProblem] = []
    for n in names:
        if n in seen:
            out.append(InputProblem(kind, f"duplicate id {n!r}", n, "give every entry a unique id"))
        seen.add(n)
    return out


def _check_nonneg(path: str, value: float) -> list[InputProblem]:
    if not value >= 0.0:  # also catches NaN
        return [InputProblem(path, "must be zero or positive", str(value), "give a number >= 0")]
    return []


def check_problem(problem: CapacityProblem) -> list[InputProblem]:
    """Every problem found in ``problem`` at once (an empty list when it is consistent)."""
    out: list[InputProblem] = []
    n_t = problem.periods.count
    out += _check_unique("workloads", [w.name for w in problem.workloads])
    out += _check_unique("scenarios", [s.name for s in problem.scenarios])
    out += _check_unique("sites", [s.name for s in problem.sites])
    out += _check_unique("onprem", [o.key for o in problem.onprem])
    out += _check_unique("offers", [o.key for o in problem.offers])
    if not problem.workloads:
        out.append(InputProblem("workloads", "no workload given", None, "give at least one workload"))
    if not problem.scenarios:
        out.append(InputProblem("scenarios", "no demand scenario given", None, "give at least one scenario"))
    total_p = sum(s.probability for s in problem.scenarios)
    if problem.scenarios and abs(total_p - 1.0) > 1e-6:
        out.append(
            InputProblem(
                "scenarios[].probability", "probabilities must sum to 1", f"{total_p:g}", "rescale them"
            )
        )
    names = {w.name for w in problem.workloads}
    for j, s in enumerate(problem.scenarios):
        if s.probability < 0:
            out.append(InputProblem(f"scenarios[{j}].probability", "negative", str(s.probability)))
        for w in names - set(s.ref_hours):
            out.append(
                InputProblem(f"scenarios[{j}].ref_hours", f"no demand for workload {w!r}", None, "add it")
            )
        for w, series in s.ref_hours.items():
            if w not in names:
                out.append(InputProblem(f"scenarios[{j}].ref_hours.{w}", "unknown workload", w))
            if len(series) != n_t:
                out.append(
                    InputProblem(
                        f"scenarios[{j}].ref_hours.{w}",
                        f"needs one value per period ({n_t})",
                        str(len(series)),
                        "give a value for every period",
                    )
                )
            if any(not v >= 0 for v in series):
                out.append(InputProblem(f"scenarios[{j}].ref_hours.{w}", "negative or NaN demand", None))
    for j, wl in enumerate(problem.workloads):
        if not 0.0 < wl.duty <= 1.0:
            out.append(InputProblem(f"workloads[{j}].duty", "must be in (0, 1]", str(wl.duty), "e.g. 1.0"))
        for a, v in wl.speed.items():
            out += _check_nonneg(f"workloads[{j}].speed.{a}", v)
    site_names = {s.name for s in problem.sites}
    for j, site in enumerate(problem.sites):
        out += _check_nonneg(f"sites[{j}].power_cap_kw", site.power_cap_kw)
        out += _check_nonneg(f"sites[{j}].max_servers", site.max_servers)
        if site.pue < 1.0:
            out.append(
                InputProblem(f"sites[{j}].pue", "PUE below 1 is impossible", str(site.pue), "use >= 1")
            )
    for j, o in enumerate(problem.onprem):
        if o.site not in site_names:
            out.append(
                InputProblem(f"onprem[{j}].site", "unknown site", o.site, f"use one of {sorted(site_names)}")
            )
        if o.accelerators_per_server < 1:
            out.append(InputProblem(f"onprem[{j}].accelerators_per_server", "must be >= 1", None))
        if o.life_periods < 1:
            out.append(InputProblem(f"onprem[{j}].life_periods", "must be >= 1", str(o.life_periods)))
        if o.lead_time_periods < 0:
            out.append(
                InputProblem(f"onprem[{j}].lead_time_periods", "must be >= 0", str(o.lead_time_periods))
            )
        if not 0.0 <= o.residual_fraction <= 1.0:
            out.append(InputProblem(f"onprem[{j}].residual_fraction", "must be in [0, 1]", None))
        if not 0.0 < o.availability <= 1.0:
            out.append(InputProblem(f"onprem[{j}].availability", "must be in (0, 1]", str(o.availability)))
        for name in ("capex_usd_per_server", "power_kw_per_server", "fixed_opex_usd_per_server_period"):
            out += _check_nonneg(f"onprem[{j}].{name}", float(getattr(o, name)))
    for j, c in enumerate(problem.offers):
        for name in (
            "on_demand_usd_per_hour",
            "spot_usd_per_hour",
            "commit_1y_usd_per_hour",
            "commit_3y_usd_per_hour",
        ):
            v = getattr(c, name)
            if v is not None:
                out += _check_nonneg(f"offers[{j}].{name}", float(v))
        out += _check_nonneg(f"offers[{j}].spot_cap_accelerators", c.spot_cap_accelerators)
    if problem.unmet_penalty_usd_per_ref_hour is not None:
        out += _check_nonneg("unmet_penalty_usd_per_ref_hour", problem.unmet_penalty_usd_per_ref_hour)
    out += _check_nonneg("carbon_price_usd_per_tco2e", problem.carbon_price_usd_per_tco2e)
    if problem.carbon_basis not in ("location", "market"):
        out.append(
            InputProblem("carbon_basis", "unknown basis", problem.carbon_basis, "use location or market")
        )
    if not 0.0 < problem.risk.alpha < 1.0:
        out.append(InputProblem("risk.alpha", "must be in (0, 1)", str(problem.risk.alpha)))
    if not 0.0 <= problem.risk.weight <= 1.0:
        out.append(InputProblem("risk.weight", "must be in [0, 1]", str(problem.risk.weight)))
    if problem.pilot is not None and not 0 <= problem.pilot.gate_period <= n_t:
        out.append(
            InputProblem("pilot.gate_period", f"must be within 0..{n_t}", str(problem.pilot.gate_period))
        )
    return out
