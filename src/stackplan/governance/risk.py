"""The risk register: findings that warn or fail become risks with likelihood x impact, an owner,
a mitigation and its yearly cost (which feeds the plan's hidden costs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from stackplan.governance.data import RiskTemplate
from stackplan.governance.facts import DeploymentFacts, GovernanceFacts, YearFacts
from stackplan.governance.findings import Finding

__all__ = [
    "RISK_BANDS",
    "RiskEntry",
    "YearCost",
    "build_risk_register",
    "mitigation_cost_usd",
    "mitigation_cost_usd_by_year",
    "risk_rating",
    "risk_score",
    "template_key",
]

Rating = Literal["low", "medium", "high", "critical"]

#: Upper bounds of the rating bands on the 5 x 5 score (likelihood x impact, 1-25):
#: 1-4 low, 5-9 medium, 10-16 high, 20-25 critical (a common 5 x 5 likelihood/consequence matrix
#: layout; the band edges are Stackplan's choice, documented in docs/governance.md).
RISK_BANDS: tuple[tuple[int, Rating], ...] = ((4, "low"), (9, "medium"), (16, "high"), (25, "critical"))


def risk_score(likelihood: int, impact: int) -> int:
    """Risk score [-]: ``likelihood x impact``, each on a 1-5 scale."""
    for name, v in (("likelihood", likelihood), ("impact", impact)):
        if not 1 <= v <= 5:
            raise ValueError(f"{name} must be 1 to 5, got {v}")
    return likelihood * impact


def risk_rating(score: int) -> Rating:
    """The band of a score (see :data:`RISK_BANDS`)."""
    for upper, rating in RISK_BANDS:
        if score <= upper:
            return rating
    raise ValueError(f"score must be 1 to 25, got {score}")


def mitigation_cost_usd(template: RiskTemplate, year: YearFacts) -> float:
    """Yearly cost of a mitigation [USD].

    ``fixed_usd``: ``cost_value``; ``share_of_spend``: ``cost_value x spend_usd``;
    ``usd_per_mwh``: ``cost_value x energy_mwh``. The year's spend excludes this cost (the plan adds
    it afterwards, so there is no feedback loop).
    """
    if template.cost_basis == "fixed_usd":
        return template.cost_value
    if template.cost_basis == "share_of_spend":
        return template.cost_value * year.spend_usd
    return template.cost_value * year.energy_mwh


@dataclass(frozen=True)
class YearCost:
    """Mitigation cost of one risk for one deployment model and year [USD]."""

    deployment: str
    year: int
    usd: float


@dataclass(frozen=True)
class RiskEntry:
    """One risk of the register, derived from the findings of one check (and deployment)."""

    id: str
    check: str
    title: str
    deployment: str | None
    finding_ids: tuple[str, ...]
    likelihood: int
    impact: int
    owner_role: str
    mitigation: str
    cost_basis: str
    cost_value: float
    mitigation_costs: tuple[YearCost, ...]
    source: str

    @property
    def score(self) -> int:
        """``likelihood x impact`` [-]."""
        return risk_score(self.likelihood, self.impact)

    @property
    def rating(self) -> Rating:
        """low, medium, high or critical."""
        return risk_rating(self.score)


def template_key(check: str) -> str:
    """The risk template of a check: ``policy`` for every organisation policy."""
    return "policy" if check.startswith("policy.") else check


def build_risk_register(
    facts: GovernanceFacts, findings: tuple[Finding, ...], templates: Mapping[str, RiskTemplate]
) -> tuple[RiskEntry, ...]:
    """One entry per (check, deployment) with a warning or failure, highest score first.

    The likelihood comes from the template for the worst severity of the group; the mitigation cost
    is computed for each year of the deployment concerned, or of every deployment when the finding
    holds plan-wide (``deployment is None``).
    """
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for f in findings:
        if f.severity != "info":
            groups.setdefault((f.check, f.deployment), []).append(f)
    by_model: dict[str, DeploymentFacts] = {d.model: d for d in facts.deployments}
    entries = []
    for (check, deployment), group in groups.items():
        t = templates.get(template_key(check))
        if t is None:
            raise KeyError(f"no risk template for check {check!r}")
        failing = any(f.severity == "fail" for f in group)
        targets = [by_model[deployment]] if deployment in by_model else list(by_model.values())
        costs = tuple(YearCost(d.model, y.year, mitigation_cost_usd(t, y)) for d in targets for y in d.years)
        title = t.title if not check.startswith("policy.") else f"{t.title}: {check.removeprefix('policy.')}"
        entries.append(
            RiskEntry(
                id=f"R-{check}" + (f"[{deployment}]" if deployment else ""),
                check=check,
                title=title,
                deployment=deployment,
                finding_ids=tuple(f.id for f in group),
                likelihood=t.likelihood_fail if failing else t.likelihood_warning,
                impact=t.impact,
                owner_role=t.owner_role,
                mitigation=t.mitigation,
                cost_basis=t.cost_basis,
                cost_value=t.cost_value,
                mitigation_costs=costs,
                source=t.source,
            )
        )
    return tuple(sorted(entries, key=lambda e: (-e.score, e.id)))


def mitigation_cost_usd_by_year(register: tuple[RiskEntry, ...], deployment: str) -> dict[int, float]:
    """Yearly cost of every mitigation for one deployment model [USD/year]: the plan's risk-mitigation
    hidden cost line."""
    out: dict[int, float] = {}
    for e in register:
        for c in e.mitigation_costs:
            if c.deployment == deployment:
                out[c.year] = out.get(c.year, 0.0) + c.usd
    return dict(sorted(out.items()))
