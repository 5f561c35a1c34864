"""The governance orchestrator: facts (+ policies) -> findings, risk register, evidence checklist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from stackplan.governance.checks import CHECKS
from stackplan.governance.data import Obligation, ai_act_obligations, framework_refs, risk_templates
from stackplan.governance.evidence import EvidenceItem, check_evidence, evidence_checklist
from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.findings import SEVERITIES, Finding, Severity, worst
from stackplan.governance.policies import PolicyRule, evaluate_policies
from stackplan.governance.risk import (
    RiskEntry,
    build_risk_register,
    mitigation_cost_usd_by_year,
    template_key,
)

__all__ = ["GovernanceAssessment", "assess", "assessment_to_dict"]


@dataclass(frozen=True)
class GovernanceAssessment:
    """The result of assessing a plan: keeps its facts and policies."""

    facts: GovernanceFacts
    policies: tuple[PolicyRule, ...]
    findings: tuple[Finding, ...]
    risk_register: tuple[RiskEntry, ...]
    evidence_checklist: tuple[EvidenceItem, ...]
    #: The AI Act's dates of application (timeline rows), for the report.
    ai_act_timeline: tuple[Obligation, ...]

    @property
    def failures(self) -> tuple[Finding, ...]:
        """Findings with severity ``fail``."""
        return tuple(f for f in self.findings if f.is_failure)

    @property
    def worst_severity(self) -> Severity:
        """The most severe severity of all findings."""
        return worst(self.findings)

    def counts(self) -> dict[Severity, int]:
        """Number of findings per severity."""
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def mitigation_cost_usd_by_year(self, deployment: str) -> dict[int, float]:
        """Yearly risk-mitigation cost of one deployment model [USD/year] (a hidden-cost line)."""
        return mitigation_cost_usd_by_year(self.risk_register, deployment)


def assess(facts: GovernanceFacts, policies: Sequence[PolicyRule] = ()) -> GovernanceAssessment:
    """Run every check and policy on ``facts``; attach framework references; build the risk register.

    Findings are ordered by check (registry order, then policies), failures first within a check.
    """
    refs = framework_refs()
    raw: list[Finding] = []
    for check in CHECKS.values():
        raw += sorted(check(facts), key=lambda f: -SEVERITIES.index(f.severity))
    raw += check_evidence(facts)
    raw += evaluate_policies(policies, facts)
    findings = tuple(replace(f, references=refs.get(template_key(f.check), ())) for f in raw)
    return GovernanceAssessment(
        facts=facts,
        policies=tuple(policies),
        findings=findings,
        risk_register=build_risk_register(facts, findings, risk_templates()),
        evidence_checklist=evidence_checklist(facts),
        ai_act_timeline=tuple(o for o in ai_act_obligations() if o.applies_to == "timeline"),
    )


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "check": f.check,
        "title": f.title,
        "severity": f.severity,
        "component": f.component,
        "deployment": f.deployment,
        "subject": f.subject,
        "evidence": [{"name": e.name, "value": e.value, "unit": e.unit} for e in f.evidence],
        "references": [
            {"framework": r.framework, "reference": r.reference, "title": r.title, "source": r.source}
            for r in f.references
        ],
        "recommendation": f.recommendation,
    }


def assessment_to_dict(a: GovernanceAssessment) -> dict[str, Any]:
    """The ``governance`` section of the plan's JSON: findings, risk_register, evidence_checklist."""
    return {
        "summary": {"worst_severity": a.worst_severity, "counts": a.counts()},
        "findings": [_finding_dict(f) for f in a.findings],
        "risk_register": [
            {
                "id": e.id,
                "check": e.check,
                "title": e.title,
                "deployment": e.deployment,
                "finding_ids": list(e.finding_ids),
                "likelihood": e.likelihood,
                "impact": e.impact,
                "score": e.score,
                "rating": e.rating,
                "owner_role": e.owner_role,
                "mitigation": e.mitigation,
                "mitigation_cost_basis": e.cost_basis,
                "mitigation_cost_value": e.cost_value,
                "mitigation_usd_by_year": [
                    {"deployment": c.deployment, "year": c.year, "usd": c.usd} for c in e.mitigation_costs
                ],
                "source": e.source,
            }
            for e in a.risk_register
        ],
        "evidence_checklist": [
            {
                "id": i.id,
                "title": i.title,
                "required": i.required,
                "required_for": list(i.required_for),
                "reason": i.reason,
                "references": i.references,
                "provided": i.provided,
            }
            for i in a.evidence_checklist
        ],
        "ai_act_timeline": [
            {
                "id": o.id,
                "article": o.article,
                "what": o.obligation,
                "applies_from": o.applies_from.isoformat(),
                "source": o.source,
            }
            for o in a.ai_act_timeline
        ],
    }
