"""The scenario's ``governance:`` section: what only the organisation can say about governance.

The plan's scenario schema embeds :class:`GovernanceSettings` as an optional ``governance`` key;
the adapter (:func:`stackplan.governance.adapter.facts_from_plan`) reads it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from stackplan.governance.facts import GovernanceTargets

__all__ = ["GovernanceSettings", "WorkloadGovernance"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkloadGovernance(_Frozen):
    """Governance attributes of one workload (by id); all optional."""

    critical: bool = False
    needs_dr: bool = False
    checkpointed: bool = False
    #: For a fine-tune: the base model's training compute [FLOP] (published, or 6 N D).
    base_model_training_flop: float | None = Field(default=None, gt=0)
    #: For a fine-tune: the base model is the organisation's own.
    base_model_is_own: bool = False
    placed_on_eu_market: bool = True


class GovernanceSettings(_Frozen):
    """``governance:`` in a scenario."""

    #: Ids of evidence items people have supplied (docs/governance.md, evidence checklist).
    evidence_provided: tuple[str, ...] = ()
    #: Attestations each provider (or colocation operator) holds, e.g. ``{aws: [iso_iec_27001, soc2_type_2]}``.
    provider_attestations: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    #: The pilot's go/no-go date.
    pilot_gate: date | None = None
    targets: GovernanceTargets = GovernanceTargets()
    #: Budget per plan year [USD], first year first.
    budget_usd_per_year: tuple[float, ...] = ()
    #: Governance attributes per workload id.
    workloads: dict[str, WorkloadGovernance] = Field(default_factory=dict)
    #: Organisation policies: a list of rules (docs/governance.md) or a path to a policy file.
    policies: list[dict[str, Any]] | str | None = None
    #: The date the assessment speaks for; default 1 January of the plan's start year.
    assessment_date: date | None = None
