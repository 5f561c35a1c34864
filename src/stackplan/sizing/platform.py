"""Platform sizing: orchestration and MLOps software, control-plane nodes, platform staff.

* Control plane: ``control_plane_nodes_per_cluster`` nodes (3 for an etcd quorum, Kubernetes
  documentation) per accelerator pool (one cluster per accelerator type and placement).
* Software: the licence per accelerator-year of the scenario's ``deployment.licence`` times the
  owned accelerators.
* Platform engineers: from the staffing ratios (accelerators per engineer) of the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping

from stackplan.sizing.quantity import ComponentSizing, Sized

__all__ = ["size_platform"]


def size_platform(
    *,
    clusters: int,
    control_plane_nodes_per_cluster: float,
    licence_name: str,
    licence_usd_per_accelerator_year: float,
    licence_source: str,
    owned_accelerators_peak: float,
    staff_fte: Mapping[str, tuple[float, ...]],
    years: tuple[int, ...],
) -> ComponentSizing:
    qs = [
        Sized(
            name="clusters",
            value=float(clusters),
            unit="clusters",
            source="one cluster per accelerator type and placement",
        ),
        Sized(
            name="control-plane nodes",
            value=clusters * control_plane_nodes_per_cluster,
            unit="nodes",
            source="3 per cluster for an etcd quorum (Kubernetes documentation, highly available topology)",
        ),
        Sized(
            name=f"software licence ({licence_name})",
            value=licence_usd_per_accelerator_year * owned_accelerators_peak,
            unit="USD/year",
            source=licence_source,
        ),
    ]
    for t, year in enumerate(years):
        qs.append(
            Sized(
                name="platform engineers",
                value=staff_fte.get("platform_engineer", (0.0,) * len(years))[t],
                unit="FTE",
                source="catalogue staffing ratios (accelerators per platform engineer)",
                year=year,
            )
        )
    return ComponentSizing(component="platform", quantities=tuple(qs))
