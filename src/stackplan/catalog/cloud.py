"""Cloud catalogue: regions, accelerator prices, storage, egress and hosted-model API prices.

Prices are list prices in USD with the period in the column name (per accelerator-hour, per
TB-month, per GB, per million tokens), dated by the file's ``as_of`` and sourced per row. Where a
price is derived (instance price / accelerators, a regional ratio) or estimated, ``basis`` and
``source`` say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeVar, get_args

from stackplan.catalog._files import read_table
from stackplan.catalog._parse import find_one, num, opt_num
from stackplan.catalog.names import resolve_accelerator_id
from stackplan.errors import InvalidInputError, UnknownIdError

__all__ = [
    "ApiPrice",
    "CloudPrice",
    "CloudRegion",
    "EgressPrice",
    "PricingOption",
    "StoragePrice",
    "StorageTier",
    "cloud_prices",
    "get_api_price",
    "get_cloud_price",
    "get_cloud_region",
    "get_egress_price",
    "get_storage_price",
    "list_api_prices",
    "list_cloud_prices",
    "list_cloud_regions",
    "list_egress_prices",
    "list_storage_prices",
]

#: How cloud capacity is bought: on demand, 1- or 3-year commitment, or interruptible spot.
PricingOption = Literal["on_demand", "commit_1y", "commit_3y", "spot"]
PRICING_OPTIONS: tuple[str, ...] = get_args(PricingOption)

#: Storage tiers: ``hot`` (block / parallel file system), ``object``, ``archive``.
StorageTier = Literal["hot", "object", "archive"]


@dataclass(frozen=True, kw_only=True)
class CloudRegion:
    """A provider's region with the metadata the planner needs (country, grid zone)."""

    provider: str
    region: str
    name: str
    country: str
    geography: str
    grid_zone: str
    source: str


@dataclass(frozen=True, kw_only=True)
class CloudPrice:
    """List price of one accelerator type in one provider region [USD per accelerator-hour].

    ``commit_1y``, ``commit_3y`` and ``spot`` are ``None`` where the provider publishes no such
    price; :func:`stackplan.economics.cloud_rate` then derives one from on-demand and a named
    discount assumption.
    """

    provider: str
    provider_kind: str
    region: str
    instance: str
    accelerator: str
    accelerators_per_instance: int
    on_demand_usd_per_accelerator_hour: float
    commit_1y_usd_per_accelerator_hour: float | None
    commit_3y_usd_per_accelerator_hour: float | None
    spot_usd_per_accelerator_hour: float | None
    basis: str
    source: str

    def listed_usd_per_accelerator_hour(self, option: str) -> float | None:
        """The catalogue price for ``option`` [USD/accelerator-hour], ``None`` when not published."""
        if option not in PRICING_OPTIONS:
            raise InvalidInputError(
                "pricing", "unknown pricing option", option, f"use one of {', '.join(PRICING_OPTIONS)}"
            )
        return {
            "on_demand": self.on_demand_usd_per_accelerator_hour,
            "commit_1y": self.commit_1y_usd_per_accelerator_hour,
            "commit_3y": self.commit_3y_usd_per_accelerator_hour,
            "spot": self.spot_usd_per_accelerator_hour,
        }[option]


@dataclass(frozen=True, kw_only=True)
class StoragePrice:
    """Cloud storage list price by provider and tier [USD per TB-month]."""

    provider: str
    tier: str
    product: str
    usd_per_tb_month: float
    source: str


@dataclass(frozen=True, kw_only=True)
class EgressPrice:
    """Internet egress price of a provider [USD/GB] after a free allowance [GB/month]."""

    provider: str
    usd_per_gb: float
    free_gb_per_month: float
    source: str


@dataclass(frozen=True, kw_only=True)
class ApiPrice:
    """Hosted-model API price [USD per million input / output tokens]."""

    provider: str
    model: str
    name: str
    open_weights: bool
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    source: str


@cache
def list_cloud_regions() -> tuple[CloudRegion, ...]:
    """Every provider region in the catalogue."""
    t = read_table("cloud_regions.csv", required=("provider", "region", "country", "grid_zone", "source"))
    return tuple(
        CloudRegion(
            provider=r["provider"],
            region=r["region"],
            name=r["name"],
            country=r["country"],
            geography=r["geography"],
            grid_zone=r["grid_zone"],
            source=r["source"],
        )
        for r in t.rows
    )


def get_cloud_region(provider: str, region: str, *, field: str = "region") -> CloudRegion:
    """One region of one provider; unknown ids raise :class:`UnknownIdError` with the closest ids."""
    _check_provider(provider, field="provider")
    return find_one(
        (r for r in list_cloud_regions() if r.provider == provider),
        lambda r: r.region,
        region,
        field=field,
        kind=f"{provider} region",
    )


@cache
def list_cloud_prices() -> tuple[CloudPrice, ...]:
    """Every accelerator price row in the catalogue."""
    t = read_table(
        "cloud_prices.csv",
        required=(
            "provider",
            "region",
            "accelerator",
            "on_demand_usd_per_accelerator_hour",
            "basis",
            "source",
        ),
    )
    return tuple(
        CloudPrice(
            provider=r["provider"],
            provider_kind=r["provider_kind"],
            region=r["region"],
            instance=r["instance"],
            accelerator=r["accelerator"],
            accelerators_per_instance=int(num(t, r, "accelerators_per_instance")),
            on_demand_usd_per_accelerator_hour=num(t, r, "on_demand_usd_per_accelerator_hour"),
            commit_1y_usd_per_accelerator_hour=opt_num(t, r, "commit_1y_usd_per_accelerator_hour"),
            commit_3y_usd_per_accelerator_hour=opt_num(t, r, "commit_3y_usd_per_accelerator_hour"),
            spot_usd_per_accelerator_hour=opt_num(t, r, "spot_usd_per_accelerator_hour"),
            basis=r["basis"],
            source=r["source"],
        )
        for r in t.rows
    )


def cloud_prices(
    *,
    accelerator: str | None = None,
    provider: str | None = None,
    region: str | None = None,
    provider_kind: str | None = None,
) -> tuple[CloudPrice, ...]:
    """Price rows filtered by any of accelerator, provider, region and kind (hyperscaler, neocloud).

    An unknown provider or accelerator raises :class:`UnknownIdError`; a known one with no
    matching rows gives an empty tuple.
    """
    rows = list_cloud_prices()
    if provider is not None:
        _check_provider(provider, field="provider")
        rows = tuple(p for p in rows if p.provider == provider)
    if accelerator is not None:
        known = sorted({p.accelerator for p in list_cloud_prices()})
        accelerator = resolve_accelerator_id(accelerator, known) or accelerator
        if accelerator not in known:
            raise UnknownIdError("accelerator", "rentable accelerator", accelerator, known)
        rows = tuple(p for p in rows if p.accelerator == accelerator)
    if region is not None:
        rows = tuple(p for p in rows if p.region == region)
    if provider_kind is not None:
        rows = tuple(p for p in rows if p.provider_kind == provider_kind)
    return rows


def get_cloud_price(provider: str, region: str, accelerator: str) -> CloudPrice:
    """The price row of ``accelerator`` in ``provider``/``region`` (the cheapest instance if several)."""
    _check_provider(provider, field="provider")
    in_provider = [p for p in list_cloud_prices() if p.provider == provider]
    regions = sorted({p.region for p in in_provider})
    if region not in regions:
        raise UnknownIdError("region", f"{provider} region with accelerator prices", region, regions)
    in_region = [p for p in in_provider if p.region == region]
    hits = [p for p in in_region if p.accelerator == accelerator]
    if not hits:
        raise UnknownIdError(
            "accelerator",
            f"accelerator priced in {provider}/{region}",
            accelerator,
            sorted({p.accelerator for p in in_region}),
        )
    return min(hits, key=lambda p: p.on_demand_usd_per_accelerator_hour)


@cache
def list_storage_prices() -> tuple[StoragePrice, ...]:
    """Cloud storage prices by provider and tier."""
    t = read_table("storage_prices.csv", required=("provider", "tier", "usd_per_tb_month", "source"))
    return tuple(
        StoragePrice(
            provider=r["provider"],
            tier=r["tier"],
            product=r["product"],
            usd_per_tb_month=num(t, r, "usd_per_tb_month"),
            source=r["source"],
        )
        for r in t.rows
    )


_Row = TypeVar("_Row", StoragePrice, ApiPrice)


def _find_at_provider(
    rows: tuple[_Row, ...],
    provider: str,
    key: Callable[[_Row], str],
    value: str,
    *,
    providers_kind: str,
    field: str,
    kind: str,
) -> _Row:
    """The row of ``provider`` whose ``key`` is ``value``.

    An unknown provider raises :class:`UnknownIdError` (``provider``, ``providers_kind``); an
    unknown ``value`` at a known provider raises it for ``field`` (``"<provider> <kind>"``).
    """
    providers = sorted({r.provider for r in rows})
    if provider not in providers:
        raise UnknownIdError("provider", providers_kind, provider, providers)
    return find_one(
        (r for r in rows if r.provider == provider), key, value, field=field, kind=f"{provider} {kind}"
    )


def get_storage_price(provider: str, tier: str) -> StoragePrice:
    """Storage price of ``tier`` at ``provider``; unknown ids raise :class:`UnknownIdError`."""
    return _find_at_provider(
        list_storage_prices(),
        provider,
        lambda s: s.tier,
        tier,
        providers_kind="provider with storage prices",
        field="tier",
        kind="storage tier",
    )


@cache
def list_egress_prices() -> tuple[EgressPrice, ...]:
    """Internet egress prices by provider (``onprem`` = IP transit estimate)."""
    t = read_table("egress_prices.csv", required=("provider", "usd_per_gb", "source"))
    return tuple(
        EgressPrice(
            provider=r["provider"],
            usd_per_gb=num(t, r, "usd_per_gb"),
            free_gb_per_month=num(t, r, "free_gb_per_month"),
            source=r["source"],
        )
        for r in t.rows
    )


def get_egress_price(provider: str) -> EgressPrice:
    """Egress price of ``provider``; unknown ids raise :class:`UnknownIdError`."""
    return find_one(list_egress_prices(), lambda e: e.provider, provider, field="provider", kind="provider")


@cache
def list_api_prices() -> tuple[ApiPrice, ...]:
    """Hosted-model API prices."""
    t = read_table(
        "api_prices.csv",
        required=(
            "provider",
            "model",
            "usd_per_million_input_tokens",
            "usd_per_million_output_tokens",
            "source",
        ),
    )
    return tuple(
        ApiPrice(
            provider=r["provider"],
            model=r["model"],
            name=r["name"],
            open_weights=r["open_weights"].strip().lower() == "true",
            usd_per_million_input_tokens=num(t, r, "usd_per_million_input_tokens"),
            usd_per_million_output_tokens=num(t, r, "usd_per_million_output_tokens"),
            source=r["source"],
        )
        for r in t.rows
    )


def get_api_price(provider: str, model: str) -> ApiPrice:
    """API price of ``model`` at ``provider``; unknown ids raise :class:`UnknownIdError`."""
    return _find_at_provider(
        list_api_prices(),
        provider,
        lambda a: a.model,
        model,
        providers_kind="API provider",
        field="model",
        kind="API model",
    )


def _check_provider(provider: str, *, field: str) -> None:
    known = sorted({p.provider for p in list_cloud_prices()} | {r.provider for r in list_cloud_regions()})
    if provider not in known:
        raise UnknownIdError(field, "cloud provider", provider, known)
