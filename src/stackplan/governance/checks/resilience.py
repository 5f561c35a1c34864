"""Capacity and resilience: headroom, concentration, spot use, disaster recovery."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from stackplan.governance.facts import DeploymentFacts, GovernanceFacts, PlacementFacts
from stackplan.governance.findings import Evidence, Finding, Severity

__all__ = [
    "capacity_shares",
    "check_concentration",
    "check_disaster_recovery",
    "check_headroom",
    "check_spot_use",
    "critical_placements",
    "headroom_share",
]

#: The dimensions along which concentration is measured.
CONCENTRATION_DIMENSIONS = ("provider", "region", "site")


def headroom_share(capacity_accelerators: float, peak_demand_accelerators: float) -> float:
    """Headroom over peak [-]: ``capacity / peak - 1`` (infinite when the peak is zero)."""
    if peak_demand_accelerators <= 0:
        return float("inf")
    return capacity_accelerators / peak_demand_accelerators - 1.0


def check_headroom(facts: GovernanceFacts) -> list[Finding]:
    """Capacity covers the peak with at least ``targets.min_headroom_share`` headroom, every year.

    Fail when capacity < peak; warning when ``peak <= capacity < peak (1 + h)`` (compared as
    products, so that a capacity of exactly ``peak (1 + h)`` passes despite rounding).
    """
    h = facts.targets.min_headroom_share
    out = []
    for d in facts.deployments:
        shortfalls = 0
        known = [
            y
            for y in d.years
            if y.peak_demand_accelerators is not None and y.capacity_accelerators is not None
        ]
        for y in known:
            peak, capacity = y.peak_demand_accelerators or 0.0, y.capacity_accelerators or 0.0
            share = headroom_share(capacity, peak)
            required = peak * (1.0 + h)
            if capacity >= required or math.isclose(capacity, required, rel_tol=1e-9):
                continue
            shortfalls += 1
            ev = (
                Evidence("peak demand", peak, "accelerators"),
                Evidence("capacity", capacity, "accelerators"),
                Evidence("headroom", share, "-"),
                Evidence("headroom target", h, "-"),
            )
            below_peak = capacity < peak
            out.append(
                Finding(
                    check="resilience.headroom",
                    title=(
                        f"{y.year}: capacity {capacity:,.0f} below peak {peak:,.0f}"
                        if below_peak
                        else f"{y.year}: headroom {share:.0%} below the {h:.0%} target"
                    ),
                    severity="fail" if below_peak else "warning",
                    component="compute",
                    evidence=ev,
                    recommendation="Add capacity (reserved or burst) or lower the peak (queueing, scheduling).",
                    deployment=d.model,
                    subject=str(y.year),
                )
            )
        elastic = [y for y in known if y.elastic_capacity_accelerators > 0]
        if elastic:
            most = max(elastic, key=lambda y: y.elastic_capacity_accelerators)
            out.append(
                Finding(
                    check="resilience.headroom",
                    title=(
                        f"assumption: up to {most.elastic_capacity_accelerators:,.0f} on-demand cloud accelerators "
                        f"({most.year}) are counted as available when needed"
                    ),
                    severity="info",
                    component="compute",
                    evidence=(
                        Evidence(
                            "on-demand capacity assumed", most.elastic_capacity_accelerators, "accelerators"
                        ),
                        Evidence("capacity incl. it", most.capacity_accelerators or 0.0, "accelerators"),
                        Evidence("peak demand", most.peak_demand_accelerators or 0.0, "accelerators"),
                    ),
                    recommendation=(
                        "On-demand capacity is not reserved: confirm quota and availability with the provider, "
                        "or commit/reserve the part of the peak that must not wait."
                    ),
                    deployment=d.model,
                )
            )
        if shortfalls == 0 and known:
            low = min(
                headroom_share(y.capacity_accelerators or 0.0, y.peak_demand_accelerators or 0.0)
                for y in known
            )
            out.append(
                Finding(
                    check="resilience.headroom",
                    title=f"peak covered every year with at least {h:.0%} headroom",
                    severity="info",
                    component="compute",
                    evidence=(Evidence("lowest headroom", low, "-"), Evidence("headroom target", h, "-")),
                    recommendation="None.",
                    deployment=d.model,
                )
            )
    return out


def critical_placements(facts: GovernanceFacts, d: DeploymentFacts) -> tuple[tuple[PlacementFacts, ...], str]:
    """Primary placements of critical workloads, or of all workloads when none is marked critical."""
    critical = {w.name for w in facts.workloads if w.critical}
    primary = [p for p in d.placements if p.role == "primary"]
    if critical:
        return tuple(p for p in primary if p.workload in critical), "critical workloads"
    return tuple(primary), "all workloads (none marked critical)"


def capacity_shares(placements: Iterable[PlacementFacts], dimension: str) -> dict[str, float]:
    """Share of accelerators per provider, region or site [-] (sums to 1 when any capacity).

    Placements without a named site are left out of the site shares.
    """
    totals: dict[str, float] = defaultdict(float)
    for p in placements:
        key = getattr(p, dimension)
        if key is not None:
            totals[key] += p.accelerators
    whole = sum(totals.values())
    return {k: v / whole for k, v in totals.items()} if whole > 0 else {}


def check_concentration(facts: GovernanceFacts) -> list[Finding]:
    """No single provider, region or site above ``targets.max_critical_share`` of critical capacity."""
    limit = facts.targets.max_critical_share
    out = []
    for d in facts.deployments:
        placements, basis = critical_placements(facts, d)
        total = sum(p.accelerators for p in placements)
        if total <= 0:
            continue
        over = 0
        for dim in CONCENTRATION_DIMENSIONS:
            for key, share in sorted(capacity_shares(placements, dim).items()):
                if share <= limit:
                    continue
                over += 1
                out.append(
                    Finding(
                        check="resilience.concentration",
                        title=f"{dim} {key} holds {share:.0%} of critical capacity (limit {limit:.0%})",
                        severity="warning",
                        component="compute",
                        evidence=(
                            Evidence(f"share with {dim} {key}", share, "-"),
                            Evidence("limit", limit, "-"),
                            Evidence("critical capacity", total, "accelerators"),
                            Evidence("basis", basis),
                        ),
                        recommendation=f"Spread critical services over a second {dim}, or accept the risk explicitly.",
                        deployment=d.model,
                        subject=f"{dim}:{key}",
                    )
                )
        if over == 0:
            out.append(
                Finding(
                    check="resilience.concentration",
                    title=f"no provider, region or site above {limit:.0%} of critical capacity",
                    severity="info",
                    component="compute",
                    evidence=(Evidence("critical capacity", total, "accelerators"), Evidence("basis", basis)),
                    recommendation="None.",
                    deployment=d.model,
                )
            )
    return out


def check_spot_use(facts: GovernanceFacts) -> list[Finding]:
    """Spot capacity only for checkpointed work.

    Fail: spot for training, fine-tuning or batch work without checkpoints, or for a critical
    service. Warning: spot for a non-critical inference service. Info: spot for checkpointed work.
    """
    out = []
    for d in facts.deployments:
        for p in d.placements:
            if not p.spot:
                continue
            w = facts.workload(p.workload)
            ev = (
                Evidence("workload kind", w.kind),
                Evidence("checkpointed", w.checkpointed),
                Evidence("critical", w.critical),
                Evidence("spot accelerators", p.accelerators, "accelerators"),
                Evidence("provider / region", f"{p.provider} / {p.region}"),
            )
            severity: Severity
            if w.kind == "inference":
                severity = "fail" if w.critical else "warning"
                title = f"{w.name}: {'critical ' if w.critical else ''}inference service on spot capacity"
                fix = "Serve from on-demand or reserved capacity; use spot only for overflow with fall-back."
            elif not w.checkpointed:
                severity, title = "fail", f"{w.name}: {w.kind} on spot capacity without checkpoints"
                fix = "Enable checkpointing (and resume) or move the work to on-demand capacity."
            else:
                severity, title = "info", f"{w.name}: checkpointed {w.kind} on spot capacity"
                fix = "Keep the checkpoint interval short enough for the pre-emption rate."
            out.append(
                Finding(
                    check="resilience.spot",
                    title=title,
                    severity=severity,
                    component="compute",
                    evidence=ev,
                    recommendation=fix,
                    deployment=d.model,
                    subject=w.name,
                )
            )
    return out


def check_disaster_recovery(facts: GovernanceFacts) -> list[Finding]:
    """Services that need disaster recovery have a DR placement in another region.

    Fail: no DR placement. Warning: DR only in a primary region (another site). Info: DR elsewhere.
    """
    out = []
    for d in facts.deployments:
        for w in facts.workloads:
            if not w.needs_dr:
                continue
            primary = [p for p in d.placements if p.workload == w.name and p.role == "primary"]
            if not primary:
                continue
            dr = [p for p in d.placements if p.workload == w.name and p.role == "dr"]
            primary_regions = sorted({p.region for p in primary})
            dr_regions = sorted({p.region for p in dr})
            ev = (
                Evidence("primary regions", ", ".join(primary_regions)),
                Evidence("DR regions", ", ".join(dr_regions) or "none"),
                Evidence("DR accelerators", sum(p.accelerators for p in dr), "accelerators"),
            )
            severity: Severity
            if not dr:
                severity, title = "fail", f"{w.name}: needs disaster recovery but has no DR placement"
            elif set(dr_regions) <= set(primary_regions):
                severity, title = "warning", f"{w.name}: DR placement only in its primary region"
            else:
                severity, title = "info", f"{w.name}: DR placement in {', '.join(dr_regions)}"
            out.append(
                Finding(
                    check="resilience.disaster_recovery",
                    title=title,
                    severity=severity,
                    component="compute",
                    evidence=ev,
                    recommendation=(
                        "None."
                        if severity == "info"
                        else "Place a standby in a second region allowed by the data class."
                    ),
                    deployment=d.model,
                    subject=w.name,
                )
            )
    return out
