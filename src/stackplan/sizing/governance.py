"""Governance sizing: security and compliance staff and tooling.

* Security engineers: the catalogue minimum (``security_engineers_min``) for self-hosted AI.
* External audit and tooling (``compliance_audit_usd_per_year``) when any workload handles
  confidential or restricted data (ISO/IEC 27001 or SOC 2 Type II scope).
* Data classes and where each may be processed, as given by the scenario.

Issue 6 adds the governance checks (findings, frameworks, risk register) on top of this sizing.
"""

from __future__ import annotations

from stackplan.scenario.schema import Scenario
from stackplan.sizing.quantity import ComponentSizing, Sized

__all__ = ["size_governance"]


def size_governance(
    scenario: Scenario, *, security_engineers: float, audit_usd_per_year: float, audit_source: str
) -> ComponentSizing:
    sensitive = sorted(
        {w.data_class for w in scenario.workloads.all() if w.data_class in ("confidential", "restricted")}
    )
    qs = [
        Sized(
            name="security engineers",
            value=security_engineers,
            unit="FTE",
            source="catalogue assumption security_engineers_min",
        ),
        Sized(
            name="compliance audit and tooling",
            value=audit_usd_per_year if sensitive else 0.0,
            unit="USD/year",
            source=audit_source,
        ),
    ]
    notes = []
    org = scenario.organization
    for cls, pol in sorted(org.data_classes.items()):
        where = "any of the organisation's locations" if "any" in pol.regions else ", ".join(pol.regions)
        notes.append(f"{cls}: {where}; public cloud {'allowed' if pol.cloud else 'not allowed'}")
    if sensitive:
        notes.append("workloads handle " + " and ".join(sensitive) + " data: external audit budgeted")
    return ComponentSizing(component="governance", quantities=tuple(qs), notes=tuple(notes))
