"""The checklist of evidence only people can supply, and the check that flags what is missing."""

from __future__ import annotations

from dataclasses import dataclass

from stackplan.governance.checks.ai_act import ai_act_class, exceeds_modification_share
from stackplan.governance.checks.security import external_providers
from stackplan.governance.checks.sustainability import EED_REPORTING_THRESHOLD_KW
from stackplan.governance.data import evidence_catalogue
from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.findings import Evidence, Finding

__all__ = ["SENSITIVE_DATA_CLASSES", "EvidenceItem", "check_evidence", "evidence_checklist"]

#: Data classes that require a data protection impact assessment and a classification register.
SENSITIVE_DATA_CLASSES = ("confidential", "restricted")


@dataclass(frozen=True)
class EvidenceItem:
    """One item of the evidence checklist.

    ``required_for`` lists the deployment models that need it (all of them for plan-wide items);
    empty when the item is not required by this plan.
    """

    id: str
    title: str
    required_for: tuple[str, ...]
    reason: str
    references: str
    provided: bool

    @property
    def required(self) -> bool:
        """True when some deployment model needs the item."""
        return bool(self.required_for)

    @property
    def missing(self) -> bool:
        """Required and not provided."""
        return self.required and not self.provided


def _conditions(facts: GovernanceFacts) -> dict[str, tuple[str, ...]]:
    """For each evidence condition, the deployments for which it holds."""
    every = tuple(d.model for d in facts.deployments) or ("plan",)
    eu_models = [m for m in facts.models if m.placed_on_eu_market and m.base_model is None]
    modified_gpai = [
        m
        for m in facts.models
        if m.placed_on_eu_market
        and m.base_model is not None
        and not m.base_model_is_own
        and m.base_model_training_flop is not None
        and exceeds_modification_share(m.training_flop, m.base_model_training_flop)
    ]
    gpai = any(ai_act_class(m.training_flop) != "below" for m in eu_models) or bool(modified_gpai)
    systemic = any(ai_act_class(m.training_flop) == "systemic" for m in eu_models)
    external = external_providers(facts)
    external_deployments = tuple(sorted({d for ds in external.values() for d in ds}))

    def where(pred: bool) -> tuple[str, ...]:
        return every if pred else ()

    return {
        "always": every,
        "gpai": where(gpai),
        "systemic": where(systemic),
        "external_provider": external_deployments,
        "owned_site": tuple(
            d.model for d in facts.deployments if any(s.ownership == "owned" for s in d.sites)
        ),
        "eed_site": tuple(
            d.model
            for d in facts.deployments
            if any(s.ownership == "owned" and s.it_power_kw >= EED_REPORTING_THRESHOLD_KW for s in d.sites)
        ),
        "sensitive_data": where(any(w.data_class in SENSITIVE_DATA_CLASSES for w in facts.workloads)),
        "dr": where(any(w.needs_dr for w in facts.workloads)),
        "market_instruments": tuple(
            d.model
            for d in facts.deployments
            if any(y.emissions_market_tco2e < y.emissions_location_tco2e for y in d.years)
        ),
    }


_REASONS = {
    "always": "every plan",
    "gpai": "a model above 1e23 FLOP (indicative general-purpose AI model)",
    "systemic": "a model above 1e25 FLOP (presumed systemic risk)",
    "external_provider": "capacity on provider-run facilities",
    "owned_site": "an owned site",
    "eed_site": "an owned site with at least 500 kW of IT power (EED Art. 12)",
    "sensitive_data": "confidential or restricted data",
    "dr": "a service that needs disaster recovery",
    "market_instruments": "market-based emissions below location-based",
}


def evidence_checklist(facts: GovernanceFacts) -> tuple[EvidenceItem, ...]:
    """The evidence checklist of a plan: catalogue items, then one item per provider attestation."""
    cond = _conditions(facts)
    provided = set(facts.evidence_provided)
    items = [
        EvidenceItem(
            id=spec.id,
            title=spec.title,
            required_for=cond[spec.required_when],
            reason=_REASONS[spec.required_when],
            references=spec.references,
            provided=spec.id in provided,
        )
        for spec in evidence_catalogue()
    ]
    for name, deployments in sorted(external_providers(facts).items()):
        provider = facts.provider(name)
        held = provider.attestations if provider is not None else ()
        for att in facts.targets.required_attestations:
            item_id = f"provider_attestation:{name}:{att}"
            items.append(
                EvidenceItem(
                    id=item_id,
                    title=f"{name}: {att} attestation (current certificate or report)",
                    required_for=deployments,
                    reason="capacity with this provider",
                    references="ISO/IEC 27001:2022 A.5.19, A.5.22, A.5.23; ISO/IEC 42001:2023 A.10.3",
                    provided=att in held or item_id in provided,
                )
            )
    return tuple(items)


def check_evidence(facts: GovernanceFacts) -> list[Finding]:
    """Warning listing the required evidence not yet provided (provider attestations have their own check)."""
    missing = [
        i for i in evidence_checklist(facts) if i.missing and not i.id.startswith("provider_attestation:")
    ]
    required = [
        i for i in evidence_checklist(facts) if i.required and not i.id.startswith("provider_attestation:")
    ]
    if not missing:
        return [
            Finding(
                check="governance.evidence",
                title=f"all {len(required)} required evidence items provided",
                severity="info",
                component="governance",
                evidence=(Evidence("required items", len(required), "items"),),
                recommendation="Keep the evidence current.",
            )
        ]
    return [
        Finding(
            check="governance.evidence",
            title=f"{len(missing)} of {len(required)} required evidence items not provided",
            severity="warning",
            component="governance",
            evidence=tuple(Evidence(i.id, i.title) for i in missing),
            recommendation="Produce them and list their ids under governance.evidence_provided in the scenario.",
        )
    ]
