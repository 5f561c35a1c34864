"""Cloud and hosted-service costs: accelerator-hours, storage, egress, API tokens.

All pure functions of numbers, except :func:`cloud_rate`, which reads a catalogue price row and
the named assumptions to pick or derive the rate for a pricing option (and says which), and
:func:`lowest_cloud_rate`, which does so over the catalogue's listings of one accelerator.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackplan._numeric import FloatOrArray, maximum
from stackplan.catalog.assumptions import Assumptions, resolve_assumptions
from stackplan.catalog.cloud import PRICING_OPTIONS, CloudPrice, cloud_prices
from stackplan.errors import InvalidInputError

__all__ = [
    "CloudRate",
    "TokenCosts",
    "api_cost_usd",
    "cloud_compute_cost_usd",
    "cloud_rate",
    "egress_cost_usd_per_year",
    "lowest_cloud_rate",
    "onprem_storage_usd_per_tb_year",
    "storage_cost_usd_per_year",
    "token_costs",
]

_MONTHS_PER_YEAR = 12.0
_TOKENS_PER_MILLION = 1e6

#: Assumption that derives each option from on-demand when the catalogue has no price for it.
_DERIVING_ASSUMPTION = {
    "commit_1y": "cloud_commit_1y_discount",
    "commit_3y": "cloud_commit_3y_discount",
    "spot": "cloud_spot_discount",
}


@dataclass(frozen=True, kw_only=True)
class CloudRate:
    """The rate used for one provider/region/accelerator/option [USD/accelerator-hour] and why."""

    provider: str
    region: str
    accelerator: str
    option: str
    usd_per_accelerator_hour: float
    #: ``list`` when taken from the catalogue, else how it was derived.
    basis: str
    source: str


def cloud_rate(price: CloudPrice, option: str, assumptions: Assumptions) -> CloudRate:
    """Rate for ``option`` after the negotiated ``cloud_discount`` [USD/accelerator-hour].

    ``rate = listed(option) x (1 - cloud_discount)``; where the catalogue has no price for the
    option, ``listed = on_demand x (1 - cloud_<option>_discount)``.
    """
    if option not in PRICING_OPTIONS:
        raise InvalidInputError(
            "pricing", "unknown pricing option", option, f"use one of {', '.join(PRICING_OPTIONS)}"
        )
    listed = price.listed_usd_per_accelerator_hour(option)
    if listed is None:
        name = _DERIVING_ASSUMPTION[option]
        discount = assumptions.number(name)
        listed = price.on_demand_usd_per_accelerator_hour * (1.0 - discount)
        basis = f"derived: on-demand x (1 - {name} {discount:g})"
    else:
        basis = price.basis
    negotiated = assumptions.number("cloud_discount")
    if negotiated:
        basis += f"; less cloud_discount {negotiated:g}"
    return CloudRate(
        provider=price.provider,
        region=price.region,
        accelerator=price.accelerator,
        option=option,
        usd_per_accelerator_hour=listed * (1.0 - negotiated),
        basis=basis,
        source=price.source,
    )


def lowest_cloud_rate(
    accelerator: str,
    option: str = "on_demand",
    *,
    provider: str | None = None,
    region: str | None = None,
    assumptions: Assumptions | None = None,
) -> CloudRate | None:
    """The lowest rate for ``option`` among the catalogue's listings of ``accelerator``.

    Optionally within one ``provider`` and ``region``; each listing's rate comes from
    :func:`cloud_rate` (listed, or derived from on-demand by the named discount). ``None`` when the
    catalogue lists no price for the accelerator there; an unknown provider raises
    :class:`~stackplan.errors.UnknownIdError`.
    """
    rows = [p for p in cloud_prices(provider=provider, region=region) if p.accelerator == accelerator]
    if not rows:
        return None
    a = assumptions if assumptions is not None else resolve_assumptions()
    return min(
        (cloud_rate(p, option, a) for p in rows),
        key=lambda r: (r.usd_per_accelerator_hour, r.provider, r.region),
    )


@dataclass(frozen=True, kw_only=True)
class TokenCosts:
    """What serving costs per token [USD per million tokens].

    The device cost is split between the tokens by where the time goes: ``prefill_time_share``
    of it to the input tokens, the rest to the output tokens; ``blended`` spreads it over all
    tokens. ``None`` where there are no tokens of that kind.
    """

    usd_per_million_input: float | None
    usd_per_million_output: float | None
    usd_per_million_blended: float | None
    #: Cost of the output tokens if they carried the whole device cost (as an API's output price).
    usd_per_million_output_all_in: float | None


def token_costs(
    cost_usd: float, input_tokens: float, output_tokens: float, prefill_time_share: float
) -> TokenCosts:
    """Split ``cost_usd`` spent serving ``input_tokens`` and ``output_tokens`` into token prices.

    ``input = cost s / T_in``, ``output = cost (1 - s) / T_out`` and ``blended = cost / (T_in +
    T_out)`` per million tokens, with ``s`` the share of device time spent on prefill (e.g.
    ``TTFT / (TTFT + O x TPOT)`` of one request); ``output_all_in = cost / T_out``. Any period
    works (USD per hour with tokens per hour, or a year's totals): the prices do not depend on it,
    and ``input x T_in + output x T_out = cost`` (property test).
    """
    if not 0.0 <= prefill_time_share <= 1.0:
        raise InvalidInputError("prefill_time_share", "must be in [0, 1]", prefill_time_share)
    if cost_usd < 0 or input_tokens < 0 or output_tokens < 0:
        raise InvalidInputError(
            "token_costs",
            "cost and token counts must be non-negative",
            (cost_usd, input_tokens, output_tokens),
        )
    m = _TOKENS_PER_MILLION
    total = input_tokens + output_tokens
    return TokenCosts(
        usd_per_million_input=cost_usd * prefill_time_share / (input_tokens / m)
        if input_tokens > 0
        else None,
        usd_per_million_output=(
            cost_usd * (1.0 - prefill_time_share) / (output_tokens / m) if output_tokens > 0 else None
        ),
        usd_per_million_blended=cost_usd / (total / m) if total > 0 else None,
        usd_per_million_output_all_in=cost_usd / (output_tokens / m) if output_tokens > 0 else None,
    )


def cloud_compute_cost_usd(
    accelerator_hours: FloatOrArray, usd_per_accelerator_hour: FloatOrArray, *, discount: float = 0.0
) -> FloatOrArray:
    """Cloud fees for accelerator-hours [USD] = hours x rate x (1 - discount).

    Check: DeepSeek's 226.75 nodes x 8 H800 x 24 h at $2/GPU-hour = $87,072 per day.
    """
    return accelerator_hours * usd_per_accelerator_hour * (1.0 - discount)


def storage_cost_usd_per_year(tb: FloatOrArray, usd_per_tb_month: FloatOrArray) -> FloatOrArray:
    """Cloud storage fees [USD/yr] = TB stored (yearly average) x price x 12."""
    return tb * usd_per_tb_month * _MONTHS_PER_YEAR


def egress_cost_usd_per_year(
    gb_per_month: FloatOrArray, usd_per_gb: float, *, free_gb_per_month: float = 0.0
) -> FloatOrArray:
    """Internet egress fees [USD/yr] = max(GB/month - free allowance, 0) x price x 12."""
    return maximum(gb_per_month - free_gb_per_month, 0.0) * usd_per_gb * _MONTHS_PER_YEAR


def api_cost_usd(
    input_tokens: FloatOrArray,
    output_tokens: FloatOrArray,
    usd_per_million_input_tokens: float,
    usd_per_million_output_tokens: float,
) -> FloatOrArray:
    """Hosted-API fees [USD] = (input x p_in + output x p_out) / 1e6.

    Example: 1M input + 1M output tokens of DeepSeek-R1 at $0.55/$2.19 cost $2.74.
    """
    return (
        input_tokens * usd_per_million_input_tokens + output_tokens * usd_per_million_output_tokens
    ) / _TOKENS_PER_MILLION


def onprem_storage_usd_per_tb_year(
    *,
    capex_usd_per_tb: float,
    cost_of_capital: float,
    life_years: float,
    maintenance_fraction_per_year: float,
    power_w_per_tb: float,
    pue: float,
    electricity_usd_per_kwh: FloatOrArray,
) -> FloatOrArray:
    """Yearly cost of one usable TB of owned storage [USD/(TB yr)].

    ``capex x (CRF(r, n) + m) + W/1000 x 8760 x PUE x price``.
    """
    from stackplan._numeric import HOURS_PER_YEAR
    from stackplan.economics.finance import capital_recovery_factor

    capital = capex_usd_per_tb * (
        capital_recovery_factor(cost_of_capital, life_years) + maintenance_fraction_per_year
    )
    return capital + power_w_per_tb / 1000.0 * HOURS_PER_YEAR * pue * electricity_usd_per_kwh
