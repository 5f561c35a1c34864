"""On-premises catalogue: servers, network fabrics, storage, colocation, facilities, licences, power prices."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stackplan.catalog._files import read_table
from stackplan.catalog._parse import find_one, num

__all__ = [
    "ColocationRate",
    "ElectricityPrice",
    "FacilityEfficiency",
    "NetworkFabric",
    "OnpremStorage",
    "ServerSpec",
    "SoftwareLicence",
    "get_colocation_rate",
    "get_electricity_price",
    "get_facility_efficiency",
    "get_network_fabric",
    "get_onprem_storage",
    "get_server",
    "get_software_licence",
    "list_colocation_rates",
    "list_electricity_prices",
    "list_facility_efficiencies",
    "list_network_fabrics",
    "list_onprem_storage",
    "list_servers",
    "list_software_licences",
]


@dataclass(frozen=True, kw_only=True)
class ServerSpec:
    """A purchasable accelerator server (Epoch AI cost method: chip price x server overhead).

    Attributes
    ----------
    accelerator_price_usd
        Purchase price of one accelerator [USD].
    server_cost_overhead
        Server price / (accelerators x accelerator price) [-].
    server_power_kw
        Nameplate maximum IT power of one server (or rack for NVL72) [kW].
    embodied_server_kgco2e, embodied_per_accelerator_kgco2e
        Manufacturing emissions of the server without accelerators, and of each accelerator [kgCO2e].
    """

    accelerator: str
    server: str
    accelerators_per_server: int
    accelerator_price_usd: float
    server_cost_overhead: float
    server_power_kw: float
    embodied_server_kgco2e: float
    embodied_per_accelerator_kgco2e: float
    source: str

    @property
    def server_price_usd(self) -> float:
        """Price of one whole server [USD] = accelerators x accelerator price x overhead."""
        return self.accelerators_per_server * self.accelerator_price_usd * self.server_cost_overhead

    @property
    def capex_usd_per_accelerator(self) -> float:
        """Server capital cost per accelerator [USD/accelerator]."""
        return self.accelerator_price_usd * self.server_cost_overhead

    @property
    def power_kw_per_accelerator(self) -> float:
        """Nameplate server power per accelerator [kW/accelerator] (what colocation contracts reserve)."""
        return self.server_power_kw / self.accelerators_per_server

    @property
    def embodied_kgco2e_per_accelerator(self) -> float:
        """Embodied emissions per accelerator incl. its share of the server [kgCO2e/accelerator]."""
        return (
            self.embodied_per_accelerator_kgco2e + self.embodied_server_kgco2e / self.accelerators_per_server
        )


@dataclass(frozen=True, kw_only=True)
class NetworkFabric:
    """A scale-out fabric: capital cost [USD/accelerator] and power [W/accelerator]."""

    fabric: str
    name: str
    usd_per_accelerator: float
    power_w_per_accelerator: float
    source: str


@dataclass(frozen=True, kw_only=True)
class OnpremStorage:
    """On-prem storage tier: capital cost [USD/TB usable] and power [W/TB]."""

    tier: str
    name: str
    capex_usd_per_tb: float
    power_w_per_tb: float
    source: str


@dataclass(frozen=True, kw_only=True)
class ColocationRate:
    """Colocation rent per kW of contracted IT capacity [USD/(kW month)], power billed separately."""

    market: str
    usd_per_kw_month: float
    source: str


@dataclass(frozen=True, kw_only=True)
class FacilityEfficiency:
    """Published PUE [-] and on-site WUE [L/kWh] of an operator (or survey average)."""

    operator: str
    pue: float
    wue_l_per_kwh: float
    year: int
    source: str


@dataclass(frozen=True, kw_only=True)
class SoftwareLicence:
    """A software subscription priced per accelerator [USD/(accelerator year)]."""

    licence: str
    name: str
    usd_per_accelerator_year: float
    source: str


@dataclass(frozen=True, kw_only=True)
class ElectricityPrice:
    """Industrial / non-household electricity price of a grid zone [USD/kWh]."""

    zone: str
    usd_per_kwh: float
    year: int
    source: str


@cache
def list_servers() -> tuple[ServerSpec, ...]:
    """Every purchasable server in the catalogue."""
    t = read_table("onprem_servers.csv", required=("accelerator", "accelerator_price_usd", "source"))
    return tuple(
        ServerSpec(
            accelerator=r["accelerator"],
            server=r["server"],
            accelerators_per_server=int(num(t, r, "accelerators_per_server")),
            accelerator_price_usd=num(t, r, "accelerator_price_usd"),
            server_cost_overhead=num(t, r, "server_cost_overhead"),
            server_power_kw=num(t, r, "server_power_kw"),
            embodied_server_kgco2e=num(t, r, "embodied_server_kgco2e"),
            embodied_per_accelerator_kgco2e=num(t, r, "embodied_per_accelerator_kgco2e"),
            source=r["source"],
        )
        for r in t.rows
    )


def get_server(accelerator: str, *, field: str = "accelerator") -> ServerSpec:
    """The server for ``accelerator``; accelerators sold only as cloud (TPU, Trainium) are unknown here."""
    return find_one(
        list_servers(), lambda s: s.accelerator, accelerator, field=field, kind="purchasable accelerator"
    )


@cache
def list_network_fabrics() -> tuple[NetworkFabric, ...]:
    """Every scale-out fabric."""
    t = read_table("network_fabrics.csv", required=("fabric", "usd_per_accelerator", "source"))
    return tuple(
        NetworkFabric(
            fabric=r["fabric"],
            name=r["name"],
            usd_per_accelerator=num(t, r, "usd_per_accelerator"),
            power_w_per_accelerator=num(t, r, "power_w_per_accelerator"),
            source=r["source"],
        )
        for r in t.rows
    )


def get_network_fabric(fabric: str, *, field: str = "network_fabric") -> NetworkFabric:
    """One fabric by id; unknown ids raise :class:`UnknownIdError`."""
    return find_one(list_network_fabrics(), lambda f: f.fabric, fabric, field=field, kind="network fabric")


@cache
def list_onprem_storage() -> tuple[OnpremStorage, ...]:
    """On-prem storage tiers."""
    t = read_table("onprem_storage.csv", required=("tier", "capex_usd_per_tb", "source"))
    return tuple(
        OnpremStorage(
            tier=r["tier"],
            name=r["name"],
            capex_usd_per_tb=num(t, r, "capex_usd_per_tb"),
            power_w_per_tb=num(t, r, "power_w_per_tb"),
            source=r["source"],
        )
        for r in t.rows
    )


def get_onprem_storage(tier: str, *, field: str = "tier") -> OnpremStorage:
    """One on-prem storage tier; unknown ids raise :class:`UnknownIdError`."""
    return find_one(list_onprem_storage(), lambda s: s.tier, tier, field=field, kind="on-prem storage tier")


@cache
def list_colocation_rates() -> tuple[ColocationRate, ...]:
    """Colocation rents by market."""
    t = read_table("colocation.csv", required=("market", "usd_per_kw_month", "source"))
    return tuple(
        ColocationRate(market=r["market"], usd_per_kw_month=num(t, r, "usd_per_kw_month"), source=r["source"])
        for r in t.rows
    )


def get_colocation_rate(market: str, *, field: str = "colocation_market") -> ColocationRate:
    """Colocation rent of ``market``; unknown ids raise :class:`UnknownIdError`."""
    return find_one(
        list_colocation_rates(), lambda c: c.market, market, field=field, kind="colocation market"
    )


@cache
def list_facility_efficiencies() -> tuple[FacilityEfficiency, ...]:
    """Published PUE and WUE by operator."""
    t = read_table("facility_efficiency.csv", required=("operator", "pue", "wue_l_per_kwh", "source"))
    return tuple(
        FacilityEfficiency(
            operator=r["operator"],
            pue=num(t, r, "pue"),
            wue_l_per_kwh=num(t, r, "wue_l_per_kwh"),
            year=int(num(t, r, "year")),
            source=r["source"],
        )
        for r in t.rows
    )


def get_facility_efficiency(operator: str, *, field: str = "operator") -> FacilityEfficiency:
    """PUE and WUE of ``operator``; unknown ids raise :class:`UnknownIdError`."""
    return find_one(
        list_facility_efficiencies(), lambda f: f.operator, operator, field=field, kind="operator"
    )


@cache
def list_software_licences() -> tuple[SoftwareLicence, ...]:
    """Software licences priced per accelerator."""
    t = read_table("software_licences.csv", required=("licence", "usd_per_accelerator_year", "source"))
    return tuple(
        SoftwareLicence(
            licence=r["licence"],
            name=r["name"],
            usd_per_accelerator_year=num(t, r, "usd_per_accelerator_year"),
            source=r["source"],
        )
        for r in t.rows
    )


def get_software_licence(licence: str, *, field: str = "licence") -> SoftwareLicence:
    """One licence by id; unknown ids raise :class:`UnknownIdError`."""
    return find_one(
        list_software_licences(), lambda s: s.licence, licence, field=field, kind="software licence"
    )


@cache
def list_electricity_prices() -> tuple[ElectricityPrice, ...]:
    """Electricity prices by grid zone."""
    t = read_table("electricity_prices.csv", required=("zone", "usd_per_kwh", "source"))
    return tuple(
        ElectricityPrice(
            zone=r["zone"],
            usd_per_kwh=num(t, r, "usd_per_kwh"),
            year=int(num(t, r, "year")),
            source=r["source"],
        )
        for r in t.rows
    )


def get_electricity_price(zone: str, *, field: str = "grid_zone") -> ElectricityPrice:
    """Electricity price of grid ``zone``; unknown ids raise :class:`UnknownIdError`."""
    return find_one(list_electricity_prices(), lambda e: e.zone, zone, field=field, kind="grid zone")
