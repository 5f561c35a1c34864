"""Shared wording and number formats of the report writers (no computation)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from stackplan._currency import currency_symbol_of, short_amount
from stackplan.plan import DeploymentResult, Plan, Reason, recommend

__all__ = [
    "NAMES",
    "currency_code",
    "currency_symbol",
    "executive_summary",
    "fmt_num",
    "fmt_pct",
    "fmt_usd",
    "money",
    "money_of",
    "recommendation_reasons",
]

#: The currency the reports show money in: (ISO code, USD per one unit). Plans compute in USD;
#: the renderers convert at the scenario's explicit rate (``organization.usd_per_currency_unit``).
_MONEY: ContextVar[tuple[str, float]] = ContextVar("stackplan_money", default=("USD", 1.0))


@contextmanager
def money_of(plan: Plan) -> Iterator[None]:
    """Within the block, :func:`fmt_usd` and :func:`money` show money in the plan's organisation currency."""
    org = plan.scenario.organization
    token = _MONEY.set((org.currency, org.usd_per_currency_unit or 1.0))
    try:
        yield
    finally:
        _MONEY.reset(token)


def currency_code() -> str:
    return _MONEY.get()[0]


def currency_symbol() -> str:
    return currency_symbol_of(_MONEY.get()[0])


def money(x: float | None) -> float | None:
    """A USD amount in the reporting currency [currency units] (``x / usd_per_unit``)."""
    return None if x is None else x / _MONEY.get()[1]


NAMES = {"cloud_first": "Cloud-first", "hybrid": "Hybrid", "on_prem": "On-prem"}


def fmt_usd(x: float | None, digits: int = 1) -> str:
    """``$1.2M`` style money: a USD amount shown in the reporting currency (see :func:`money_of`)."""
    x = money(x)
    if x is None:
        return "-"
    return short_amount(x, currency_symbol(), digits)


def fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def fmt_num(x: float | None, digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _best(plan: Plan) -> DeploymentResult | None:
    model = plan.recommendation.deployment
    return plan.deployment(model) if model else None


def executive_summary(plan: Plan) -> list[str]:
    """The plan in a few plain sentences."""
    sc = plan.scenario
    org = sc.organization
    best = _best(plan)
    n_work = len(sc.workloads.all())
    out = [
        f"{org.name} plans {n_work} AI workload{'s' if n_work != 1 else ''} over {org.horizon_years} years "
        f"({sc.years[0]}-{sc.years[-1]}), comparing {', '.join(NAMES[d.model].lower() for d in plan.deployments)}."
    ]
    if best is None:
        out.append("No deployment could be recommended.")
        return out
    out.append(
        f"Recommended: {NAMES[best.model].lower()}. Its total cost of ownership is {fmt_usd(best.tco_usd)} "
        f"({fmt_usd(best.npv_cost_usd)} in present value at {org.discount_rate:.0%})."
    )
    if best.value_usd > 0:
        pay = (
            "does not pay back within the horizon"
            if best.payback_years is None
            else "pays back within the first year"
            if best.payback_years < 1
            else f"pays back after {best.payback_years:.1f} years"
        )
        out.append(
            f"The goals are worth {fmt_usd(best.value_usd)} over the horizon: net present value "
            f"{fmt_usd(best.npv_usd)}, return on investment {fmt_pct(best.roi)}; it {pay}."
        )
    others = [d for d in plan.deployments if d.model != best.model]
    for d in others:
        diff = d.npv_cost_usd - best.npv_cost_usd
        word = "more" if diff >= 0 else "less"
        extra = f"; it cannot serve {len(d.unserved)} workload(s)" if d.unserved else ""
        out.append(f"{NAMES[d.model]} would cost {fmt_usd(abs(diff))} {word} in present value{extra}.")
    em = best.emissions_tco2e
    out.append(
        f"Energy {fmt_num(best.energy_mwh)} MWh over the horizon; emissions {fmt_num(em['location_based'])} tCO2e "
        f"location-based, {fmt_num(em['market_based'])} market-based, {fmt_num(em['embodied'])} embodied; "
        f"water {fmt_num(best.water_m3)} m3."
    )
    return out


def recommendation_reasons(plan: Plan) -> tuple[Reason, ...]:
    """The recommendation's reasons worded in the organisation's currency, as the reports show money.

    The plan (and its JSON, where every amount is USD) words them in USD; the choice and the
    figures are the same, only the wording's money is converted at the scenario's explicit rate.
    """
    org = plan.scenario.organization
    if org.currency == "USD":
        return plan.recommendation.reasons
    rec = recommend(plan.deployments, org.currency, org.usd_per_currency_unit or 1.0)
    return rec.reasons if rec.deployment == plan.recommendation.deployment else plan.recommendation.reasons
