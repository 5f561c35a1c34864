"""The scenario file: a strict, immutable pydantic schema.

A scenario describes an organisation, its goals, its AI workloads, its data and people, which
deployment models to compare and which catalogue defaults to override. Every section is strict
(unknown keys are errors) and frozen (a loaded scenario is never mutated). Units are in the field
names or descriptions; ``docs/scenario.md`` lists every key with its unit and default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stackplan.governance.settings import GovernanceSettings
from stackplan.perf.power_cap import MIN_POWER_CAP_FRACTION
from stackplan.uncertainty.settings import UncertaintySettings

__all__ = [
    "SCHEMA_VERSION",
    "ApiAlternative",
    "BatchWorkload",
    "DataClass",
    "DataSection",
    "Dataset",
    "DeploymentModel",
    "DeploymentSection",
    "FineTuningWorkload",
    "Goal",
    "InferenceWorkload",
    "Organization",
    "PeopleSection",
    "Scenario",
    "ServingSetup",
    "TeamMember",
    "TrainingWorkload",
    "VectorStore",
    "Workloads",
]

#: Version of the scenario schema this code reads.
SCHEMA_VERSION = 1

DataClass = Literal["public", "internal", "confidential", "restricted"]
DeploymentModel = Literal["cloud_first", "hybrid", "on_prem"]
Precision = Literal["bf16", "fp8", "fp4"]
#: Weight precisions of a served model: the training ones and weight-only INT4 (W4A16).
ServingPrecision = Literal["bf16", "fp8", "fp4", "int4"]
StorageTier = Literal["hot", "object", "archive"]

#: All data classes, from least to most sensitive.
DATA_CLASSES: tuple[DataClass, ...] = ("public", "internal", "confidential", "restricted")
#: All deployment models, in the order plans list them.
DEPLOYMENT_MODELS: tuple[DeploymentModel, ...] = ("cloud_first", "hybrid", "on_prem")

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------------- organization


class DataClassPolicy(_Strict):
    """Where one data class may be processed.

    ``regions`` lists locations (see :class:`Organization`) or ``["any"]`` for every location of
    the organisation. ``cloud`` says whether a public cloud may process it at all (``false`` for
    data that must stay on premises).
    """

    regions: tuple[str, ...] = ("any",)
    cloud: bool = True


def _default_data_classes() -> dict[DataClass, DataClassPolicy]:
    return {c: DataClassPolicy() for c in DATA_CLASSES}


class Organization(_Strict):
    """Who plans, in which currency, over which horizon, and where data may go.

    A *location* is a geography (``north_america``, ``europe``, ``asia_pacific``), a country code
    (``DE``), a grid zone (``us-va``, ``de``) or one provider region written ``provider:region``
    (``aws:eu-central-1``); a cloud region or an owned site is inside a location when its
    geography, country, grid zone or id equals it.
    """

    name: str = Field(min_length=1)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    #: USD per one unit of ``currency`` [USD/unit]; required when ``currency`` is not USD.
    usd_per_currency_unit: Positive | None = None
    start_year: int = Field(ge=2020, le=2100)
    horizon_years: int = Field(default=5, ge=1, le=15)
    #: Real discount rate for NPV [1/year].
    discount_rate: float = Field(default=0.08, ge=0.0, le=1.0)
    #: Country whose salaries apply (ISO 3166 alpha-2).
    country: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    #: Locations the organisation may use (see the class docstring).
    regions: tuple[str, ...] = Field(min_length=1)
    data_classes: dict[DataClass, DataClassPolicy] = Field(default_factory=_default_data_classes)

    @model_validator(mode="after")
    def _currency_rate(self) -> Organization:
        if self.currency != "USD" and self.usd_per_currency_unit is None:
            raise ValueError(
                f"currency {self.currency} needs usd_per_currency_unit (USD per one {self.currency})"
            )
        return self

    def policy(self, data_class: DataClass) -> DataClassPolicy:
        """The policy of ``data_class`` (default: any region, cloud allowed)."""
        return self.data_classes.get(data_class, DataClassPolicy())


# ---------------------------------------------------------------------------------------------- goals


class Goal(_Strict):
    """A business objective with a measurable yearly value.

    ``kind`` selects the value equation:

    * ``hours_saved``: ``people x hours_per_person_year x share_of_time_affected x efficiency_gain
      x loaded_hourly_cost_usd`` [USD/year];
    * ``revenue_uplift`` / ``cost_avoided``: ``usd_per_year`` at full adoption.

    The yearly value is multiplied by ``adoption[year]`` (the last entry repeats).
    """

    id: Id
    description: str = ""
    kind: Literal["hours_saved", "revenue_uplift", "cost_avoided"]
    people: NonNegative | None = None
    hours_per_person_year: Positive = 1800.0
    share_of_time_affected: Fraction = 1.0
    efficiency_gain: Fraction | None = None
    loaded_hourly_cost_usd: Positive | None = None
    usd_per_year: NonNegative | None = None
    #: Share of the full value reached in each plan year [-]; the last value repeats.
    adoption: tuple[Fraction, ...] = (1.0,)
    #: Workload ids that deliver this goal; the goal's value is lost where none of them runs.
    workloads: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Goal:
        if self.kind == "hours_saved":
            missing = [
                k for k in ("people", "efficiency_gain", "loaded_hourly_cost_usd") if getattr(self, k) is None
            ]
            if missing:
                raise ValueError(f"a goal of kind hours_saved needs {', '.join(missing)}")
        elif self.usd_per_year is None:
            raise ValueError(f"a goal of kind {self.kind} needs usd_per_year")
        if not self.adoption:
            raise ValueError("adoption needs at least one value")
        return self

    def full_value_usd_per_year(self) -> float:
        """Yearly value at full adoption [USD/year]."""
        if self.kind == "hours_saved":
            assert self.people is not None
            assert self.efficiency_gain is not None
            assert self.loaded_hourly_cost_usd is not None
            return (
                self.people
                * self.hours_per_person_year
                * self.share_of_time_affected
                * self.efficiency_gain
                * self.loaded_hourly_cost_usd
            )
        assert self.usd_per_year is not None
        return self.usd_per_year

    def adoption_in_year(self, index: int) -> float:
        """Adoption share in plan year ``index`` (0 = start year) [-]."""
        return self.adoption[min(index, len(self.adoption) - 1)]


# ------------------------------------------------------------------------------------------ workloads


class ApiAlternative(_Strict):
    """Buying the same tokens from a hosted API instead of self-hosting.

    ``api_model`` is a model of the API price catalogue (``gpt-5-mini``, or an open model id served
    by API providers); ``provider`` narrows it to one provider (default: the cheapest).
    ``use_instead: true`` makes every deployment buy these tokens from the API rather than host
    the model (the ecosystem component then shows the API spend).
    """

    api_model: str = Field(min_length=1)
    provider: str | None = None
    use_instead: bool = False


class _Workload(_Strict):
    id: Id
    model: str = Field(min_length=1)
    data_class: DataClass = "internal"


class TrainingWorkload(_Workload):
    """Pre-training (or continued pre-training) of a model."""

    precision: Precision = "bf16"
    tokens: Positive
    seq_len: int = Field(default=4096, gt=0)
    #: Wall-clock days one run may take [day].
    deadline_days: Positive
    repeats_per_year: Positive = 1.0
    #: Years of the plan in which it runs (indices from 0); default every year.
    years: tuple[Annotated[int, Field(ge=0)], ...] | None = None


class FineTuningWorkload(_Workload):
    """Fine-tuning a base model on the organisation's data (full-parameter or LoRA)."""

    precision: Precision = "bf16"
    tokens: Positive
    seq_len: int = Field(default=4096, gt=0)
    deadline_days: Positive = 7.0
    repeats_per_year: Positive = 1.0
    method: Literal["full", "lora"] = "full"
    years: tuple[Annotated[int, Field(ge=0)], ...] | None = None


class ServingSetup(_Strict):
    """How a service is run: the serving framework and the settings that differ from its defaults.

    ``None`` keeps the framework's default (``stackplan catalog frameworks``). ``max_num_tokens`` is
    the token budget of one iteration (TensorRT-LLM ``max_num_tokens``, vLLM
    ``max_num_batched_tokens``, SGLang ``chunked_prefill_size``), ``max_batch_per_instance`` the cap
    on concurrent sequences of one model instance, ``memory_fraction`` the share of HBM weights and
    the KV cache may use, ``moe_backend`` the MoE kernel backend (TensorRT-LLM ``CUTLASS`` or
    ``TRTLLM``, SGLang/vLLM ``triton``, ``flashinfer_trtllm``, ``flashinfer_cutlass``): it runs on
    the accelerators where it was measured (``stackplan catalog frameworks``; TensorRT-LLM's
    ``TRTLLM`` kernels exist on Blackwell only), the framework's default elsewhere, and the sizing's
    source line names the one used; ``async_scheduling`` whether each iteration's CPU work overlaps
    the GPU's (vLLM ``--async-scheduling``, its default from 0.14); ``power_limit_fraction`` a
    board power limit on every device of the service as a share of its TDP (``nvidia-smi -pl``):
    compute slows with the sustained clock (:mod:`stackplan.perf.power_cap`), so more devices may be
    needed, and each busy device draws the limit instead of the TDP in the energy model.
    """

    framework: Literal["auto", "trtllm", "vllm", "sglang"] = "auto"
    max_num_tokens: int | None = Field(default=None, gt=0)
    max_batch_per_instance: int | None = Field(default=None, gt=0)
    chunked_prefill: bool | None = None
    memory_fraction: float | None = Field(default=None, gt=0.0, le=1.0)
    moe_backend: str | None = Field(default=None, min_length=1)
    async_scheduling: bool | None = None
    power_limit_fraction: float | None = Field(default=None, ge=MIN_POWER_CAP_FRACTION, le=1.0)

    @field_validator("moe_backend")
    @classmethod
    def _known_backend(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from stackplan.catalog.serving import canonical_moe_backend, moe_backend_names

        canonical = canonical_moe_backend(v)
        if canonical is None:
            raise ValueError(f"unknown MoE backend {v!r}: use one of {', '.join(moe_backend_names())}")
        return canonical


def _check_whole_prompts(serving: ServingSetup, input_tokens: int) -> None:
    if (
        serving.chunked_prefill is False
        and serving.max_num_tokens is not None
        and serving.max_num_tokens < input_tokens
    ):
        raise ValueError(
            f"serving.max_num_tokens {serving.max_num_tokens} cannot hold a whole prompt of {input_tokens} tokens "
            f"with chunked_prefill false: raise it to at least {input_tokens} or set chunked_prefill to true"
        )


class InferenceWorkload(_Workload):
    """An online inference service."""

    precision: ServingPrecision = "bf16"
    requests_per_day: Positive
    input_tokens: int = Field(gt=0)
    output_tokens: int = Field(gt=0)
    #: Spread of the output lengths: standard deviation over mean [-] (0 = every request the same;
    #: chat and reasoning traffic is often 0.7-1.3). Long tails read more KV per generated token.
    output_length_cv: float = Field(default=0.0, ge=0.0, le=10.0)
    max_ttft_ms: Positive | None = None
    max_tpot_ms: Positive | None = None
    #: Growth of requests per day from one year to the next [-] (0.5 = +50%/year).
    yearly_growth: float = Field(default=0.0, ge=-0.9, le=10.0)
    #: Peak hour requests over the daily average [-].
    peak_to_average: float = Field(default=2.0, ge=1.0, le=20.0)
    api_alternative: ApiAlternative | None = None
    serving: ServingSetup = ServingSetup()

    @model_validator(mode="after")
    def _whole_prompts_fit(self) -> InferenceWorkload:
        _check_whole_prompts(self.serving, self.input_tokens)
        return self


class BatchWorkload(_Workload):
    """Offline batch generation (embeddings, document processing): throughput-bound, no latency target."""

    precision: ServingPrecision = "bf16"
    requests_per_day: Positive
    input_tokens: int = Field(gt=0)
    output_tokens: int = Field(default=1, gt=0)
    yearly_growth: float = Field(default=0.0, ge=-0.9, le=10.0)
    #: Hours per day the batch may run [h].
    window_hours: float = Field(default=8.0, gt=0.0, le=24.0)
    api_alternative: ApiAlternative | None = None
    serving: ServingSetup = ServingSetup()

    @model_validator(mode="after")
    def _whole_prompts_fit(self) -> BatchWorkload:
        _check_whole_prompts(self.serving, self.input_tokens)
        return self


class Workloads(_Strict):
    training: tuple[TrainingWorkload, ...] = ()
    fine_tuning: tuple[FineTuningWorkload, ...] = ()
    inference: tuple[InferenceWorkload, ...] = ()
    batch: tuple[BatchWorkload, ...] = ()

    def all(self) -> tuple[_Workload, ...]:
        """Every workload, training first."""
        return (*self.training, *self.fine_tuning, *self.inference, *self.batch)

    def ids(self) -> list[str]:
        return [w.id for w in self.all()]


# ---------------------------------------------------------------------------------------------- data


class Dataset(_Strict):
    id: Id
    size_tb: NonNegative
    yearly_growth: float = Field(default=0.0, ge=-0.9, le=10.0)
    #: Years data is kept before deletion [year]; older growth is dropped.
    retention_years: Positive = 100.0
    tier: StorageTier = "object"
    data_class: DataClass = "internal"


class VectorStore(_Strict):
    id: Id
    vectors_millions: Positive
    dimensions: int = Field(default=1024, gt=0)
    bytes_per_dimension: float = Field(default=4.0, gt=0.0)
    #: Index overhead over the raw vectors [-] (HNSW graphs add about 1.5x).
    index_overhead: float = Field(default=1.5, ge=1.0)
    replicas: int = Field(default=2, ge=1)
    yearly_growth: float = Field(default=0.0, ge=-0.9, le=10.0)
    data_class: DataClass = "internal"


class Checkpoints(_Strict):
    """Checkpoint retention of training and fine-tuning runs."""

    #: Checkpoints kept per workload [-].
    keep_last: int = Field(default=3, ge=1)
    tier: StorageTier = "hot"


class DataSection(_Strict):
    datasets: tuple[Dataset, ...] = ()
    vector_stores: tuple[VectorStore, ...] = ()
    checkpoints: Checkpoints = Checkpoints()
    #: Data leaving the cloud per month [TB/month] (to users, other clouds, on-prem).
    egress_tb_per_month: NonNegative = 0.0


# --------------------------------------------------------------------------------------------- people


class TeamMember(_Strict):
    role: str = Field(min_length=1)
    count: NonNegative
    #: Loaded yearly cost per person [USD/year]; default from the catalogue.
    salary_usd: Positive | None = None


class PeopleSection(_Strict):
    team: tuple[TeamMember, ...] = ()


# ----------------------------------------------------------------------------------------- deployment


class OnPremSite(_Strict):
    """Where owned servers live."""

    #: Grid zone of the site (electricity price and grid carbon), e.g. ``us-va``, ``de``.
    grid_zone: str = Field(min_length=1)
    #: ``colocation`` rents space per kW-month; ``build`` pays the data-centre build cost per MW.
    facility: Literal["colocation", "build"] = "colocation"
    #: Colocation market (catalogue id); default from the site's geography.
    colocation_market: str | None = None


class DeploymentSection(_Strict):
    models: tuple[DeploymentModel, ...] = DEPLOYMENT_MODELS
    providers: tuple[str, ...] = ()
    #: Locations where deployments may place capacity; default: the organisation's regions.
    regions: tuple[str, ...] = ()
    accelerators: tuple[str, ...] = Field(min_length=1)
    on_prem: OnPremSite | None = None
    #: Utilisation of owned accelerators the plan sizes for [-].
    utilization_target: float = Field(default=0.7, gt=0.0, le=1.0)
    #: Longest cloud commitment the organisation accepts for steady load.
    cloud_commitment: Literal["on_demand", "1y", "3y"] = "1y"
    #: Scale-out fabric of owned clusters (catalogue id); default from the assumptions.
    network_fabric: str | None = None
    #: Software licence per owned accelerator (catalogue id); default none (open-source stack).
    licence: str | None = None

    @model_validator(mode="after")
    def _unique_models(self) -> DeploymentSection:
        if len(set(self.models)) != len(self.models):
            raise ValueError("models lists a deployment model twice")
        if not self.models:
            raise ValueError("models needs at least one of cloud_first, hybrid, on_prem")
        return self


# ------------------------------------------------------------------------------------------- scenario


class Scenario(_Strict):
    """A whole scenario file."""

    schema_version: Literal[1]
    organization: Organization
    goals: tuple[Goal, ...] = ()
    workloads: Workloads
    data: DataSection = DataSection()
    people: PeopleSection = PeopleSection()
    deployment: DeploymentSection
    #: Catalogue defaults overridden by name (``electricity_usd_per_kwh: 0.12``).
    assumptions: dict[str, float] = Field(default_factory=dict)
    #: Governance: evidence provided, attestations, pilot gate, targets, policies (docs/governance.md).
    governance: GovernanceSettings | None = None
    #: Distributions of uncertain inputs for ``stackplan plan --uncertainty N`` (docs/optimization.md).
    uncertainty: UncertaintySettings | None = None

    @property
    def years(self) -> tuple[int, ...]:
        """Calendar years of the plan."""
        y0 = self.organization.start_year
        return tuple(range(y0, y0 + self.organization.horizon_years))

    def deployment_regions(self) -> tuple[str, ...]:
        """Regions deployments may use: ``deployment.regions`` or else the organisation's."""
        return self.deployment.regions or self.organization.regions
