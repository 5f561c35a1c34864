"""Economics and sustainability predictions checked against published figures.

The published figures live in ``validation/data/economics_anchors.csv`` with their sources. Each
prediction below uses the catalogue defaults (``catalog/data``) and the pure model functions;
nothing is fitted to the anchor except where stated (the grid factors that model cards imply).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stackplan.catalog._files import read_table
from stackplan.catalog.assumptions import Assumptions, resolve_assumptions
from stackplan.catalog.onprem import get_network_fabric, get_server
from stackplan.economics import (
    OwnedAcceleratorCost,
    cloud_compute_cost_usd,
    colocation_usd_per_kw_year,
    owned_accelerator_cost,
)
from stackplan.sustainability import (
    embodied_tco2e,
    facility_energy_kwh,
    it_power_kw_per_accelerator,
    location_based_tco2e,
)
from stackplan.validation import ValidationCase, register

__all__ = [
    "BLOOM_GRID_GCO2_PER_KWH",
    "LLAMA2_IMPLIED_GCO2_PER_KWH",
    "LLAMA31_IMPLIED_GCO2_PER_KWH",
    "Anchor",
    "anchors",
    "busy_server_power_w",
    "economics_cases",
    "owned_h100_cost",
]

#: Grid factor (incl. PUE) implied by the Llama 2 card: 31.22 t / (184,320 h x 0.4 kW) [gCO2e/kWh].
#: Every Llama 2 row gives the same 423.5, so the card used one factor.
LLAMA2_IMPLIED_GCO2_PER_KWH = 423.5
#: Grid factor (incl. PUE) implied by the Llama 3.1 card's family total: 11,390 t / (39.3M h x 0.7 kW).
LLAMA31_IMPLIED_GCO2_PER_KWH = 414.0
#: French grid factor used by the BLOOM paper [gCO2e/kWh] (Luccioni et al. 2022, abstract).
BLOOM_GRID_GCO2_PER_KWH = 57.0
#: A100 and H100 SXM TDP [W] (NVIDIA datasheets), as the model cards use.
A100_TDP_W = 400.0
H100_TDP_W = 700.0
#: B200 SXM TDP [W] (NVIDIA datasheet; Lenovo's MLPerf v5.1 power-measured servers ran at it).
B200_TDP_W = 1000.0
#: Accelerators in each MLPerf Power server of the ``mlperf-power-*`` anchors [-].
MLPERF_POWER_SERVER_ACCELERATORS = 8
#: BLOOM final-training A100-hours (Luccioni et al. 2022, Table 1).
BLOOM_GPU_HOURS = 1_082_990.0
#: DeepSeek inference fleet: average nodes x 8 H800 over one day at $2/GPU-h (Open Source Week Day 6).
DEEPSEEK_NODES = 226.75
DEEPSEEK_USD_PER_GPU_HOUR = 2.0


@dataclass(frozen=True)
class Anchor:
    """One published figure with its source."""

    id: str
    category: str
    subject: str
    quantity: str
    value: float
    unit: str
    conditions: str
    source: str


@cache
def anchors() -> dict[str, Anchor]:
    """The published figures by id."""
    table = read_table("economics_anchors.csv", package="stackplan.validation")
    return {
        r["id"]: Anchor(
            r["id"],
            r["category"],
            r["subject"],
            r["quantity"],
            float(r["value"]),
            r["unit"],
            r["conditions"],
            r["source"],
        )
        for r in table.rows
    }


def owned_h100_cost(utilisation: float, assumptions: Assumptions | None = None) -> OwnedAcceleratorCost:
    """Yearly cost lines of one owned H100 SXM in colocation, from catalogue defaults.

    Server: H100 price x server overhead (onprem_servers.csv); InfiniBand NDR fabric; colocation
    at the CBRE rate for nameplate server power; US average industrial electricity; PUE, life,
    cost of capital and maintenance from assumptions.csv.
    """
    a = assumptions or resolve_assumptions()
    server = get_server("h100-sxm")
    fabric = get_network_fabric(a.text("network_fabric") or "infiniband-ndr")
    from stackplan.catalog.onprem import get_electricity_price

    power = it_power_kw_per_accelerator(
        H100_TDP_W,
        utilisation,
        idle_power_fraction=a.number("accelerator_idle_power_fraction"),
        server_overhead_power_fraction=a.number("server_overhead_power_fraction"),
        network_power_w=fabric.power_w_per_accelerator,
    )
    return owned_accelerator_cost(
        server_capex_usd_per_accelerator=a.number_or("accelerator_price_usd", server.accelerator_price_usd)
        * a.number_or("server_cost_overhead", server.server_cost_overhead),
        network_capex_usd_per_accelerator=a.number_or(
            "network_usd_per_accelerator", fabric.usd_per_accelerator
        ),
        contracted_kw_per_accelerator=server.power_kw_per_accelerator
        + fabric.power_w_per_accelerator / 1000.0,
        facility_usd_per_kw_year=colocation_usd_per_kw_year(a.number("colocation_usd_per_kw_month")),
        it_power_kw_per_accelerator=power,
        electricity_usd_per_kwh=a.number_or(
            "electricity_usd_per_kwh", get_electricity_price("us-avg").usd_per_kwh
        ),
        pue=a.number("pue"),
        utilisation=utilisation,
        cost_of_capital=a.number("cost_of_capital"),
        life_years=a.number("server_depreciation_years"),
        residual_value_fraction=a.number("residual_value_fraction"),
        maintenance_fraction_per_year=a.number("maintenance_fraction_per_year"),
        licence_usd_per_accelerator_year=a.number_or("licence_usd_per_accelerator_year", 0.0),
    )


def _case(anchor_id: str, predicted: float, kind: str = "production") -> ValidationCase:
    a = anchors()[anchor_id]
    return ValidationCase(
        id=f"economics/{a.id}",
        category="economics" if a.category == "economics" else "sustainability",
        kind=kind,
        subject=a.subject,
        quantity=a.quantity,
        unit=a.unit,
        published=a.value,
        predicted=predicted,
        source=a.source,
    )


def busy_server_power_w(tdp_w: float, accelerators: int, assumptions: Assumptions | None = None) -> float:
    """What a plan charges for a server of ``accelerators`` busy accelerators [W].

    ``n x TDP x (1 + server_overhead_power_fraction)`` at full use
    (:func:`stackplan.sustainability.it_power_kw_per_accelerator` with ``u = 1``, no network share:
    a whole-server wall measurement includes the NICs but not the switches).
    """
    a = assumptions or resolve_assumptions()
    kw = it_power_kw_per_accelerator(
        tdp_w,
        1.0,
        idle_power_fraction=a.number("accelerator_idle_power_fraction"),
        server_overhead_power_fraction=a.number("server_overhead_power_fraction"),
    )
    return float(kw) * 1000.0 * accelerators


#: The energy-per-token anchors and the inference rows whose setup (NVIDIA's MLPerf v5.1 recipe on
#: 8x B200, FP4) the Lenovo power-measured runs share.
_MLPERF_ENERGY_ROWS = {
    "mlperf-energy-b200x8-llama2-offline": "mlperf5.1-llama2-70b-b200x8-offline",
    "mlperf-energy-b200x8-llama31-405b-offline": "mlperf5.1-llama3.1-405b-b200x8-offline",
    "mlperf-energy-b200x8-llama31-8b-offline": "mlperf5.1-llama3.1-8b-b200x8-offline",
}


def _mlperf_energy_throughputs() -> dict[str, float]:
    """The inference engine's predicted output tokens/s for each energy-per-token anchor [1/s]."""
    from stackplan.validation.inference import throughput_cases

    predicted = {c.id: c.predicted for c in throughput_cases()}
    return {anchor: predicted[row] for anchor, row in _MLPERF_ENERGY_ROWS.items()}


def _tdp_energy_kwh(gpu_hours: float, tdp_w: float) -> float:
    """Model-card energy: GPU-hours x TDP, PUE folded into the grid factor [kWh]."""
    return float(facility_energy_kwh(tdp_w / 1000.0, gpu_hours, 1.0))


@register
def economics_cases() -> list[ValidationCase]:
    """Every economics and sustainability anchor with its prediction."""
    server = get_server("a100-sxm-80gb")
    llama2 = {"llama2-7b-co2": 184_320.0, "llama2-13b-co2": 368_640.0, "llama2-70b-co2": 1_720_320.0}
    llama31 = {
        "llama31-8b-co2": 1_460_000.0,
        "llama31-70b-co2": 7_000_000.0,
        "llama31-family-co2": 39_300_000.0,
    }
    bloom_kwh = _tdp_energy_kwh(BLOOM_GPU_HOURS, A100_TDP_W)
    return [
        _case("h100-owned-full", float(owned_h100_cost(1.0).usd_per_delivered_hour)),
        _case("h100-owned-60", float(owned_h100_cost(0.6).usd_per_delivered_hour)),
        _case(
            "deepseek-serving-day",
            float(cloud_compute_cost_usd(DEEPSEEK_NODES * 8 * 24.0, DEEPSEEK_USD_PER_GPU_HOUR)),
        ),
        *(
            _case(k, float(location_based_tco2e(_tdp_energy_kwh(h, A100_TDP_W), LLAMA2_IMPLIED_GCO2_PER_KWH)))
            for k, h in llama2.items()
        ),
        *(
            _case(
                k, float(location_based_tco2e(_tdp_energy_kwh(h, H100_TDP_W), LLAMA31_IMPLIED_GCO2_PER_KWH))
            )
            for k, h in llama31.items()
        ),
        *(
            _case(k, busy_server_power_w(B200_TDP_W, MLPERF_POWER_SERVER_ACCELERATORS))
            for k in anchors()
            if k.startswith("mlperf-power-")
        ),
        *(
            _case(k, busy_server_power_w(B200_TDP_W, MLPERF_POWER_SERVER_ACCELERATORS) / tokens_per_s)
            for k, tokens_per_s in _mlperf_energy_throughputs().items()
        ),
        _case("bloom-dynamic-energy", bloom_kwh),
        _case("bloom-dynamic-co2", float(location_based_tco2e(bloom_kwh, BLOOM_GRID_GCO2_PER_KWH))),
        _case(
            "bloom-embodied-co2",
            float(
                embodied_tco2e(
                    BLOOM_GPU_HOURS,
                    server.embodied_kgco2e_per_accelerator,
                    life_years=6.0,
                    lifetime_utilisation=0.85,
                )
            ),
        ),
    ]
