"""Findings: what a check concluded, with the plan's own numbers as evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "COMPONENTS",
    "SEVERITIES",
    "Component",
    "Evidence",
    "Finding",
    "FrameworkRef",
    "Severity",
    "worst",
]

Severity = Literal["info", "warning", "fail"]
Component = Literal["compute", "data", "platform", "networking", "ecosystem", "governance"]

#: Severities from least to most severe.
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "fail")
#: The six components of a plan.
COMPONENTS: tuple[Component, ...] = ("compute", "data", "platform", "networking", "ecosystem", "governance")


@dataclass(frozen=True)
class Evidence:
    """One number (or fact) from the plan that a finding rests on, with its unit."""

    name: str
    value: float | int | str | bool
    unit: str = ""


@dataclass(frozen=True)
class FrameworkRef:
    """A reference to a framework: ``NIST AI RMF 1.0`` / ``MEASURE 2.12`` / title / source document."""

    framework: str
    reference: str
    title: str
    source: str


@dataclass(frozen=True)
class Finding:
    """The result of one check on one subject (a workload, a year, a site, a model ...).

    ``check`` names the check (``residency.data_class``); ``id`` is unique within an assessment
    (``residency.data_class[hybrid/rag]``). ``deployment`` is the deployment model the finding
    concerns, or ``None`` when it holds for all of them (e.g. a model's training compute).
    """

    check: str
    title: str
    severity: Severity
    component: Component
    evidence: tuple[Evidence, ...]
    recommendation: str
    deployment: str | None = None
    subject: str | None = None
    references: tuple[FrameworkRef, ...] = ()

    @property
    def id(self) -> str:
        """``check[deployment/subject]`` (parts that are ``None`` are left out)."""
        parts = [p for p in (self.deployment, self.subject) if p]
        return f"{self.check}[{'/'.join(parts)}]" if parts else self.check

    @property
    def is_failure(self) -> bool:
        """True when the severity is ``fail``."""
        return self.severity == "fail"


def worst(findings: tuple[Finding, ...] | list[Finding]) -> Severity:
    """The most severe severity among ``findings`` (``info`` when there are none)."""
    return max((f.severity for f in findings), key=SEVERITIES.index, default="info")
