"""The governance layer's input: named plan quantities, with units, frozen.

The checks never read a :class:`~stackplan.plan.Plan` directly. They read a :class:`GovernanceFacts`,
an explicit, documented list of the plan's numbers that governance needs (placements, capacity,
spend, emissions, training compute ...). The plan fills it with an adapter
(:func:`stackplan.governance.adapter.facts_from_plan`); tests and users can build it directly or load
it from YAML (:func:`load_facts`). Every model is frozen and rejects unknown keys.

Units are in the field names (``_usd``, ``_tco2e``, ``_kw``, ``_flop``, ``_h``, ``_m3``) or in the
field docstrings. Shares are fractions in [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stackplan.errors import InputError, InputProblem

__all__ = [
    "WORKLOAD_KINDS",
    "DeploymentFacts",
    "GovernanceFacts",
    "GovernanceTargets",
    "HardwareFacts",
    "ModelFacts",
    "PlacementFacts",
    "ProviderFacts",
    "SiteFacts",
    "SpendItem",
    "WorkloadFacts",
    "YearFacts",
    "facts_from_mapping",
    "load_facts",
]

#: Workload kinds, as in the scenario's ``workloads`` section.
WORKLOAD_KINDS = ("training", "fine_tuning", "inference", "batch")

#: The region wildcard in ``data_class_regions``: the class may be processed anywhere.
ANY_REGION = "*"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelFacts(_Frozen):
    """A model the organisation trains or modifies (one per training or fine-tuning workload)."""

    name: str
    #: Cumulative training compute of this run [FLOP] (for a fine-tune: the modification's compute).
    training_flop: float = Field(ge=0)
    #: For a modification (fine-tune) of someone else's model: the base model's name.
    base_model: str | None = None
    #: The base model's training compute [FLOP], when known (published or from the architecture).
    base_model_training_flop: float | None = Field(default=None, gt=0)
    #: True when the base model is the organisation's own (part of the same model's lifecycle).
    base_model_is_own: bool = False
    #: Wall-clock training time [h] (Annex XI, Section 1, point 2(d)).
    training_time_h: float | None = Field(default=None, ge=0)
    #: Accelerator-hours used [accelerator-h].
    accelerator_hours: float | None = Field(default=None, ge=0)
    #: Energy used by the training run, facility level [MWh] (Annex XI, Section 1, point 2(e)).
    energy_mwh: float | None = Field(default=None, ge=0)
    #: Whether the model is placed on the EU market or put into service in the EU.
    placed_on_eu_market: bool = True
    #: Whether the model generates language (text or audio), or images or video from text.
    generative: bool = True


class WorkloadFacts(_Frozen):
    """A workload of the scenario and what governance needs to know about it."""

    name: str
    kind: Literal["training", "fine_tuning", "inference", "batch"]
    #: The data class (public, internal, confidential, restricted or the organisation's own).
    data_class: str
    #: Business-critical: counts toward critical capacity and concentration limits.
    critical: bool = False
    #: The work saves checkpoints and can resume after a pre-emption.
    checkpointed: bool = False
    #: The service needs a disaster-recovery placement in another region.
    needs_dr: bool = False


class PlacementFacts(_Frozen):
    """Capacity for one workload at one provider, region and site under one deployment model."""

    workload: str
    provider: str
    region: str
    site: str | None = None
    #: Accelerators placed [accelerators] (peak allocation).
    accelerators: float = Field(ge=0)
    #: Whether the capacity is spot / pre-emptible.
    spot: bool = False
    #: ``primary`` serves the workload; ``dr`` is its disaster-recovery standby.
    role: Literal["primary", "dr"] = "primary"


class YearFacts(_Frozen):
    """One year of one deployment model."""

    year: int
    #: Peak accelerator demand of the year [accelerators] (``None``: not known, headroom not checked).
    peak_demand_accelerators: float | None = Field(default=None, ge=0)
    #: Accelerator capacity available in the year (owned + rented) [accelerators].
    capacity_accelerators: float | None = Field(default=None, ge=0)
    #: Part of ``capacity_accelerators`` that is on-demand cloud capacity, counted on the assumption
    #: that the provider's on-demand pool supplies it when needed (no reservation) [accelerators].
    elastic_capacity_accelerators: float = Field(default=0.0, ge=0)
    #: Total spend of the year (CapEx + OpEx + hidden) [USD].
    spend_usd: float = Field(ge=0)
    #: The organisation's budget for the year [USD], when given.
    budget_usd: float | None = Field(default=None, ge=0)
    #: Spend that cannot be avoided once committed (CapEx, reserved or committed-use contracts) [USD].
    committed_spend_usd: float = Field(default=0.0, ge=0)
    #: Spend the year would need under the low-demand case [USD], when the plan computes one.
    low_demand_spend_usd: float | None = Field(default=None, ge=0)
    emissions_location_tco2e: float = Field(default=0.0, ge=0)
    emissions_market_tco2e: float = Field(default=0.0, ge=0)
    emissions_embodied_tco2e: float = Field(default=0.0, ge=0)
    energy_mwh: float = Field(default=0.0, ge=0)
    water_m3: float = Field(default=0.0, ge=0)
    #: Capacity-weighted power usage effectiveness of the year [-], when known.
    pue: float | None = Field(default=None, ge=1.0)


class SiteFacts(_Frozen):
    """A data-centre site: owned, colocation or a cloud provider's."""

    name: str
    region: str
    ownership: Literal["owned", "colocation", "cloud"]
    #: Who runs the facility for colocation and cloud sites (the provider whose attestations count).
    operator: str | None = None
    #: Installed IT power demand of the organisation's equipment at the site [kW].
    it_power_kw: float = Field(default=0.0, ge=0)
    pue: float | None = Field(default=None, ge=1.0)
    #: Water usage effectiveness [L/kWh of IT energy], when known.
    wue_l_per_kwh: float | None = Field(default=None, ge=0)


class HardwareFacts(_Frozen):
    """A lot of owned or leased hardware."""

    name: str
    site: str | None = None
    accelerators: int = Field(default=0, ge=0)
    purchase_year: int
    #: Useful life [years] (e.g. the depreciation life).
    useful_life_years: float = Field(gt=0)
    #: Last year the plan is committed to run it (lease or contract end, or planned retirement).
    committed_until_year: int

    @property
    def last_useful_year(self) -> int:
        """The last year within the useful life: ``purchase_year + ceil(life) - 1``."""
        whole = int(self.useful_life_years)
        whole += 1 if self.useful_life_years > whole else 0
        return self.purchase_year + whole - 1


class SpendItem(_Frozen):
    """A dated spending commitment of the scale-up phase."""

    date: date
    usd: float = Field(ge=0)
    line: str


class DeploymentFacts(_Frozen):
    """The governance-relevant quantities of one deployment model of the plan."""

    model: str
    placements: tuple[PlacementFacts, ...] = ()
    years: tuple[YearFacts, ...] = ()
    sites: tuple[SiteFacts, ...] = ()
    hardware: tuple[HardwareFacts, ...] = ()
    #: Spending commitments of the scale-up phase, dated.
    scale_up_spend: tuple[SpendItem, ...] = ()

    def site(self, name: str | None) -> SiteFacts | None:
        """The site called ``name``, or ``None``."""
        return next((s for s in self.sites if s.name == name), None)


class ProviderFacts(_Frozen):
    """A provider the plan uses and the attestations it holds (ids as in the evidence catalogue)."""

    name: str
    kind: Literal["cloud", "colocation", "api", "own"] = "cloud"
    attestations: tuple[str, ...] = ()


class GovernanceTargets(_Frozen):
    """The organisation's targets and limits. Defaults are Stackplan planning defaults (see docs)."""

    #: Capacity must exceed peak demand by this share [-].
    min_headroom_share: float = Field(default=0.20, ge=0)
    #: Largest share of critical capacity with one provider, region or site [-].
    max_critical_share: float = Field(default=0.50, gt=0, le=1)
    #: Spend above this share of the budget is a warning [-].
    budget_warning_share: float = Field(default=0.95, gt=0, le=1)
    #: Committed spend above the low-demand need, as a share of committed spend, that fails [-].
    max_stranded_commitment_share: float = Field(default=0.20, ge=0, le=1)
    #: Yearly carbon budget [tCO2e/year], scope 2 plus embodied, when given.
    carbon_budget_tco2e_per_year: float | None = Field(default=None, ge=0)
    #: Which scope 2 figure the budget is set on (GHG Protocol Scope 2 Guidance: both are reported).
    carbon_budget_basis: Literal["market", "location"] = "market"
    #: Highest PUE allowed per site and year [-], when given.
    max_pue: float | None = Field(default=None, ge=1.0)
    #: Highest water use per deployment and year [m3/year], when given.
    max_water_m3_per_year: float | None = Field(default=None, ge=0)
    #: Attestation ids every external provider must hold.
    required_attestations: tuple[str, ...] = ("iso_iec_27001", "soc2_type_2")


class GovernanceFacts(_Frozen):
    """Everything the governance checks read, with units. Filled by the plan's adapter."""

    organization: str = "organisation"
    #: The date the assessment speaks for (which AI Act obligations already apply).
    assessment_date: date
    #: Where each data class may be processed: class -> allowed regions (``"*"`` = anywhere).
    data_class_regions: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)
    workloads: tuple[WorkloadFacts, ...] = ()
    models: tuple[ModelFacts, ...] = ()
    deployments: tuple[DeploymentFacts, ...] = ()
    providers: tuple[ProviderFacts, ...] = ()
    targets: GovernanceTargets = GovernanceTargets()
    #: The pilot's go/no-go date; no scale-up spending before it.
    pilot_gate_date: date | None = None
    #: Ids of the evidence items people have supplied (see the evidence catalogue).
    evidence_provided: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> GovernanceFacts:
        names = [w.name for w in self.workloads]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"workload names must be unique, repeated: {', '.join(dupes)}")
        for d in self.deployments:
            for p in d.placements:
                if p.workload not in names:
                    raise ValueError(
                        f"deployment {d.model!r}: placement names unknown workload {p.workload!r}; "
                        f"known: {', '.join(names) or 'none'}"
                    )
        return self

    def workload(self, name: str) -> WorkloadFacts:
        """The workload called ``name`` (placements are checked to name known workloads)."""
        return next(w for w in self.workloads if w.name == name)

    def provider(self, name: str) -> ProviderFacts | None:
        """The provider called ``name``, or ``None`` when the facts do not describe it."""
        return next((p for p in self.providers if p.name == name), None)


def facts_from_mapping(data: Any, *, where: str = "facts") -> GovernanceFacts:
    """Validate a mapping (e.g. parsed YAML) into :class:`GovernanceFacts`; every problem at once."""
    try:
        return GovernanceFacts.model_validate(data)
    except ValidationError as err:
        problems = [
            InputProblem(
                field=f"{where}." + ".".join(str(p) for p in e["loc"]) if e["loc"] else where,
                message=e["msg"],
                value=None
                if e.get("input") is None or isinstance(e.get("input"), dict)
                else repr(e["input"]),
                fix="see docs/governance.md, 'Facts file'",
            )
            for e in err.errors()
        ]
        raise InputError(problems) from None


def load_facts(path: Path) -> GovernanceFacts:
    """Read a governance facts file (YAML, top-level key ``governance_facts``)."""
    from stackplan.governance._yaml import read_yaml

    data = read_yaml(path, field=str(path))
    if not isinstance(data, dict) or "governance_facts" not in data:
        raise InputError(
            InputProblem(
                str(path),
                "not a governance facts file",
                None,
                "put the facts under a 'governance_facts:' key",
            )
        )
    return facts_from_mapping(data["governance_facts"], where="governance_facts")
