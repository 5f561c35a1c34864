"""Governance, risk and compliance computed from the plan.

Input: :class:`GovernanceFacts`, the plan's named quantities with units (filled from a plan by
:func:`facts_from_plan`, or built directly). Output: :class:`GovernanceAssessment` with findings
mapped to frameworks, a risk register whose mitigation costs feed the plan's hidden costs, and the
checklist of evidence only people can supply. Organisation policies are declarative YAML rules.
"""

from stackplan.governance.assessment import GovernanceAssessment, assess, assessment_to_dict
from stackplan.governance.checks import CHECKS
from stackplan.governance.checks.ai_act import (
    GPAI_INDICATIVE_FLOP,
    MODIFICATION_SHARE,
    SYSTEMIC_RISK_FLOP,
    ai_act_class,
    training_compute_6nd_flop,
)
from stackplan.governance.evidence import EvidenceItem, evidence_checklist
from stackplan.governance.facts import (
    DeploymentFacts,
    GovernanceFacts,
    GovernanceTargets,
    HardwareFacts,
    ModelFacts,
    PlacementFacts,
    ProviderFacts,
    SiteFacts,
    SpendItem,
    WorkloadFacts,
    YearFacts,
    facts_from_mapping,
    load_facts,
)
from stackplan.governance.findings import Evidence, Finding, FrameworkRef
from stackplan.governance.policies import (
    OPERATORS,
    PolicyRule,
    evaluate_policies,
    load_policies,
    parse_policies,
)
from stackplan.governance.quantities import QUANTITIES
from stackplan.governance.risk import RiskEntry, mitigation_cost_usd_by_year

__all__ = [
    "CHECKS",
    "GPAI_INDICATIVE_FLOP",
    "MODIFICATION_SHARE",
    "OPERATORS",
    "QUANTITIES",
    "SYSTEMIC_RISK_FLOP",
    "DeploymentFacts",
    "Evidence",
    "EvidenceItem",
    "Finding",
    "FrameworkRef",
    "GovernanceAssessment",
    "GovernanceFacts",
    "GovernanceTargets",
    "HardwareFacts",
    "ModelFacts",
    "PlacementFacts",
    "PolicyRule",
    "ProviderFacts",
    "RiskEntry",
    "SiteFacts",
    "SpendItem",
    "WorkloadFacts",
    "YearFacts",
    "ai_act_class",
    "assess",
    "assessment_to_dict",
    "evaluate_policies",
    "evidence_checklist",
    "facts_from_mapping",
    "load_facts",
    "load_policies",
    "mitigation_cost_usd_by_year",
    "parse_policies",
    "training_compute_6nd_flop",
]
