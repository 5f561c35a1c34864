"""Carbon catalogue: grid emission factors per zone (location-based and market-based residual mix)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stackplan.catalog._files import read_table
from stackplan.catalog._parse import find_one, num

__all__ = ["GridZone", "get_grid_zone", "list_grid_zones"]


@dataclass(frozen=True, kw_only=True)
class GridZone:
    """A grid zone (country or sub-national grid region).

    Attributes
    ----------
    location_gco2_per_kwh
        Average grid emission factor (location-based, GHG Protocol Scope 2) [gCO2e/kWh].
    residual_mix_gco2_per_kwh
        Residual mix for consumption not covered by contracts (market-based) [gCO2e/kWh].
    """

    zone: str
    name: str
    country: str
    location_gco2_per_kwh: float
    residual_mix_gco2_per_kwh: float
    year: int
    source: str


@cache
def list_grid_zones() -> tuple[GridZone, ...]:
    """Every grid zone in the catalogue."""
    t = read_table(
        "grid_zones.csv", required=("zone", "location_gco2_per_kwh", "residual_mix_gco2_per_kwh", "source")
    )
    return tuple(
        GridZone(
            zone=r["zone"],
            name=r["name"],
            country=r["country"],
            location_gco2_per_kwh=num(t, r, "location_gco2_per_kwh"),
            residual_mix_gco2_per_kwh=num(t, r, "residual_mix_gco2_per_kwh"),
            year=int(num(t, r, "year")),
            source=r["source"],
        )
        for r in t.rows
    )


def get_grid_zone(zone: str, *, field: str = "grid_zone") -> GridZone:
    """One grid zone; unknown ids raise :class:`UnknownIdError` with the closest ids."""
    return find_one(list_grid_zones(), lambda z: z.zone, zone, field=field, kind="grid zone")
