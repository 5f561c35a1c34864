"""Security posture per deployment model: shared responsibility, provider attestations, physical security."""

from __future__ import annotations

from typing import Literal

from stackplan.governance.facts import DeploymentFacts, GovernanceFacts, PlacementFacts
from stackplan.governance.findings import Evidence, Finding, Severity

__all__ = [
    "PHYSICAL_SECURITY_EVIDENCE",
    "SHARED_RESPONSIBILITY_EVIDENCE",
    "check_physical_security",
    "check_provider_attestations",
    "check_shared_responsibility",
    "external_providers",
    "facility_operator",
    "placement_ownership",
]

SHARED_RESPONSIBILITY_EVIDENCE = "shared_responsibility_matrix"
PHYSICAL_SECURITY_EVIDENCE = "physical_security_assessment"

Ownership = Literal["owned", "colocation", "cloud"]


def placement_ownership(facts: GovernanceFacts, d: DeploymentFacts, p: PlacementFacts) -> Ownership:
    """Who runs the facility of a placement: its site's ownership, else the provider's kind."""
    site = d.site(p.site)
    if site is not None:
        return site.ownership
    provider = facts.provider(p.provider)
    kind = provider.kind if provider is not None else "cloud"
    return {"own": "owned", "colocation": "colocation"}.get(kind, "cloud")  # type: ignore[return-value]


def facility_operator(d: DeploymentFacts, p: PlacementFacts) -> str:
    """Who runs the facility of a placement: the site's operator when named, else the placement's provider."""
    site = d.site(p.site)
    return site.operator if site is not None and site.operator else p.provider


def external_providers(facts: GovernanceFacts) -> dict[str, tuple[str, ...]]:
    """Providers that run facilities for the plan (not owned sites) -> deployments using them."""
    out: dict[str, list[str]] = {}
    for d in facts.deployments:
        for p in d.placements:
            if placement_ownership(facts, d, p) == "owned":
                continue
            name = facility_operator(d, p)
            if d.model not in out.setdefault(name, []):
                out[name].append(d.model)
    return {k: tuple(v) for k, v in out.items()}


def check_shared_responsibility(facts: GovernanceFacts) -> list[Finding]:
    """The share of capacity on provider-run facilities, and whether the responsibility split is written down.

    Warning when any capacity runs at a provider and the evidence ``shared_responsibility_matrix``
    is not provided; info otherwise.
    """
    documented = SHARED_RESPONSIBILITY_EVIDENCE in facts.evidence_provided
    out = []
    for d in facts.deployments:
        total = sum(p.accelerators for p in d.placements)
        if total <= 0:
            continue
        by: dict[str, float] = {"owned": 0.0, "colocation": 0.0, "cloud": 0.0}
        for p in d.placements:
            by[placement_ownership(facts, d, p)] += p.accelerators
        external = (by["colocation"] + by["cloud"]) / total
        ev = tuple(Evidence(f"capacity share {k}", v / total, "-") for k, v in by.items())
        severity: Severity
        if external == 0:
            title, severity, fix = (
                "all capacity on owned sites: every security layer is the organisation's",
                "info",
                ("Own the full stack: physical, network, host, platform and data controls."),
            )
        else:
            title = f"{external:.0%} of capacity on provider-run facilities: shared responsibility"
            severity = "info" if documented else "warning"
            fix = (
                "The provider secures the facility and hardware (and more for managed services); the organisation "
                "keeps identity, data, configuration and workloads. "
                + ("" if documented else "Write the shared-responsibility matrix per provider and service.")
            )
        out.append(
            Finding(
                check="security.shared_responsibility",
                title=title,
                severity=severity,
                component="platform",
                evidence=(*ev, Evidence("responsibility matrix provided", documented)),
                recommendation=fix,
                deployment=d.model,
            )
        )
    return out


def check_provider_attestations(facts: GovernanceFacts) -> list[Finding]:
    """Every provider that runs facilities for the plan holds the required attestations (fail if not)."""
    required = facts.targets.required_attestations
    out = []
    for name, deployments in sorted(external_providers(facts).items()):
        provider = facts.provider(name)
        held = provider.attestations if provider is not None else ()
        missing = [
            a
            for a in required
            if a not in held and f"provider_attestation:{name}:{a}" not in facts.evidence_provided
        ]
        ev = (
            Evidence("required", ", ".join(required)),
            Evidence("held", ", ".join(held) or "none recorded"),
            Evidence("used by", ", ".join(deployments)),
        )
        out.append(
            Finding(
                check="security.provider_attestations",
                title=(
                    f"{name}: missing attestations {', '.join(missing)}"
                    if missing
                    else f"{name}: required attestations held"
                ),
                severity="fail" if missing else "info",
                component="ecosystem",
                evidence=ev,
                recommendation=(
                    "Obtain the current certificate and report (ISO/IEC 27001 certificate, SOC 2 Type II report) "
                    "and record them under governance.provider_attestations, or replace the provider."
                    if missing
                    else "Review the reports every year (ISO/IEC 27001 A.5.22)."
                ),
                subject=name,
            )
        )
    return out


def check_physical_security(facts: GovernanceFacts) -> list[Finding]:
    """Owned sites: physical security is the organisation's (warning until the assessment is provided)."""
    assessed = PHYSICAL_SECURITY_EVIDENCE in facts.evidence_provided
    return [
        Finding(
            check="security.physical",
            title=f"site {s.name}: owned, physical security {'assessed' if assessed else 'not yet assessed'}",
            severity="info" if assessed else "warning",
            component="compute",
            evidence=(
                Evidence("ownership", s.ownership),
                Evidence("installed IT power", s.it_power_kw, "kW"),
                Evidence("assessment provided", assessed),
            ),
            recommendation=(
                "Keep the assessment current."
                if assessed
                else "Assess perimeter, entry control, monitoring, environmental threats and utilities (ISO/IEC 27001 A.7)."
            ),
            deployment=d.model,
            subject=s.name,
        )
        for d in facts.deployments
        for s in d.sites
        if s.ownership == "owned"
    ]
