"""Networking sizing: scale-out fabric, bandwidth per accelerator, egress.

* Fabric ports: one scale-out port per accelerator of multi-server training pools (rail-optimised
  fabrics give every GPU its own NIC; NVIDIA DGX SuperPOD reference architecture).
* Bandwidth per accelerator: the accelerator's scale-out bandwidth from the accelerator catalogue
  [GB/s] x 8 = [Gbit/s].
* Egress: the scenario's ``data.egress_tb_per_month``.
"""

from __future__ import annotations

from collections.abc import Sequence

from stackplan.catalog import get_accelerator
from stackplan.scenario.schema import Scenario
from stackplan.sizing.compute import WorkloadOption
from stackplan.sizing.quantity import ComponentSizing, Sized

__all__ = ["size_networking"]


def size_networking(
    scenario: Scenario,
    chosen: Sequence[WorkloadOption],
    *,
    fabric_name: str,
    fabric_source: str,
    fabric_usd_per_accelerator: float,
) -> ComponentSizing:
    qs: list[Sized] = []
    for acc in sorted({o.accelerator for o in chosen}):
        a = get_accelerator(acc)
        qs.append(
            Sized(
                name=f"{acc} scale-out bandwidth per accelerator",
                value=a.scaleout_bandwidth_gb_s * 8,
                unit="Gbit/s",
                source=f"accelerator catalogue: {a.scaleout_bandwidth_gb_s:g} GB/s per device ({a.source_date})",
                scope=acc,
            )
        )
        peak = max(
            (
                sum(o.peak_devices[t] for o in chosen if o.accelerator == acc)
                for t in range(len(scenario.years))
            ),
            default=0.0,
        )
        qs.append(
            Sized(
                name=f"{acc} fabric ports",
                value=peak,
                unit="ports",
                source="one scale-out port per accelerator (rail-optimised fabric)",
                scope=acc,
            )
        )
    qs.append(
        Sized(
            name="fabric cost per accelerator",
            value=fabric_usd_per_accelerator,
            unit="USD/accelerator",
            source=f"{fabric_name}: {fabric_source}",
        )
    )
    qs.append(
        Sized(
            name="internet egress",
            value=scenario.data.egress_tb_per_month,
            unit="TB/month",
            source="scenario data.egress_tb_per_month",
        )
    )
    return ComponentSizing(component="networking", quantities=tuple(qs))
