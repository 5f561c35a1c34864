"""Serving data: achievable efficiencies per accelerator and precision, serving frameworks, and
the measured MoE kernels and all-reduces of each framework.

All are shipped tables (``inference_efficiency.csv``, ``serving_frameworks.csv``,
``moe_kernels.csv``, ``allreduce_latency.csv``, ``host_overhead.csv``) with a source on every row; the inference model reads them only through
these loaders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from stackplan.catalog._files import read_table
from stackplan.errors import CatalogError, InvalidInputError, UnknownIdError

__all__ = [
    "AllreduceLatency",
    "DeploymentSettings",
    "HostOverhead",
    "InferenceEfficiency",
    "MoeKernelEfficiency",
    "ServingFramework",
    "canonical_moe_backend",
    "get_allreduce_latency",
    "get_host_sequence_overhead_s",
    "get_inference_efficiency",
    "get_moe_kernel_efficiency",
    "get_serving_framework",
    "list_allreduce_latencies",
    "list_host_overheads",
    "list_inference_efficiencies",
    "list_moe_kernel_efficiencies",
    "list_serving_frameworks",
    "moe_backend_names",
]


@dataclass(frozen=True, kw_only=True)
class InferenceEfficiency:
    """Achievable fractions of peak for serving on one accelerator at one weight precision.

    Attributes
    ----------
    accelerator, precision
        Catalogue accelerator id and weight precision (``bf16``, ``fp8``, ``fp4``).
    matmul_efficiency
        Achievable fraction of the dense peak at ``precision`` for serving-size matmuls [-].
    memory_bandwidth_efficiency
        Achievable fraction of peak HBM bandwidth for streaming reads [-].
    source
        Where the figures come from.
    decode_attention_bandwidth_efficiency
        Achievable fraction of peak HBM bandwidth the decode-attention kernel reaches reading the
        paged KV cache [-]; ``None`` where no kernel measurement exists, in which case the
        streaming value applies (see :attr:`kv_read_efficiency`).
    """

    accelerator: str
    precision: str
    matmul_efficiency: float
    memory_bandwidth_efficiency: float
    source: str
    decode_attention_bandwidth_efficiency: float | None = None

    @property
    def kv_read_efficiency(self) -> float:
        """Fraction of peak HBM bandwidth for decode-attention KV-cache reads [-].

        The measured decode-attention value where the row has one, else the streaming value.
        """
        if self.decode_attention_bandwidth_efficiency is None:
            return self.memory_bandwidth_efficiency
        return self.decode_attention_bandwidth_efficiency


@dataclass(frozen=True, kw_only=True)
class ServingFramework:
    """Documented defaults of a serving framework that change predicted latency.

    Attributes
    ----------
    id, name
        Framework id (``trtllm``, ``vllm``, ``sglang``) and display name.
    scheduling
        ``mixed`` (prefill chunks ride along with decode iterations) or ``prefill_first``
        (waiting prompts pre-empt decoding).
    prompt_cohorts
        Waiting prompts are admitted together at iteration boundaries up to the token budget, so a
        prompt shares its iteration with the prompts that arrived with it. Cohorts (and
        ``prefill_first`` waves) form only in a closed loop of equally long requests: with varying
        output lengths (a spread of a token or more, ``output_length_cv x O >= 1``) or Poisson arrivals (a latency percentile) the
        prediction admits prompts one at a time, as mixed scheduling without cohorts.
    prefill_chunk_tokens
        Default token budget of one iteration [tokens].
    max_batch_size
        Default cap on concurrent sequences of one instance [-].
    memory_fraction
        Fraction of HBM the framework lets weights and the KV cache use [-].
    iteration_overhead_ms
        CPU scheduling and sampling time per iteration [ms].
    layer_overhead_us
        Fixed kernel-launch latency per transformer layer per iteration [us].
    prefill_moe_layer_overhead_us
        Fixed latency per MoE layer of an iteration that carries prompt tokens [us]: prefill runs
        outside CUDA graphs and the routed-expert path synchronises with the host once per layer
        (per-expert token counts size the grouped GEMMs and the expert-parallel exchange).
    chunked_prefill
        Long prompts are split into chunks that fill the token budget (default). When off, a
        prompt is prefilled whole in one iteration and an iteration carries only the whole prompts
        that fit its budget (TensorRT-LLM with ``enable_chunked_prefill: false``).
    kv_admission
        ``full_sequence``: a request is admitted only when the KV cache for its whole prompt and
        output is free, so it is never evicted (TensorRT-LLM's default ``GUARANTEED_NO_EVICT``);
        ``current_length``: admitted on the KV its current tokens need and pre-empted (recomputed)
        if the cache later runs out (vLLM); ``estimated_remaining``: admitted while the current
        tokens plus a share of every request's remaining output fit, retracted when the cache runs
        out (SGLang; :func:`stackplan.perf.inference_model.kv_tokens_held_per_request`).
    moe_backend
        The MoE kernel backend (TensorRT-LLM ``moe_config.backend``, SGLang
        ``--moe-runner-backend``, vLLM ``--moe-backend``); ``None``: the framework's default for
        the chip and precision (``moe_kernels.csv``).
    budget_rule
        ``fixed``: the token budget is ``prefill_chunk_tokens`` on every chip. ``sglang``: SGLang's
        default by GPU memory (:func:`sglang_chunk_tokens`; ``prefill_chunk_tokens`` is then the
        value for 80-141 GB GPUs); a budget set with ``with_deployment`` wins.
    async_scheduling
        The CPU work of an iteration (scheduling the next step, processing the last one's outputs)
        runs while the GPU executes, so an iteration lasts ``max(t_gpu, t_cpu)`` instead of
        ``t_gpu + t_cpu`` (vLLM ``--async-scheduling``, on by default from vLLM 0.14). Off: the
        ``iteration_overhead_ms`` adds to every iteration (for TensorRT-LLM and SGLang it is the
        CPU time their overlap schedulers leave exposed).
    """

    id: str
    name: str
    scheduling: Literal["mixed", "prefill_first"]
    prompt_cohorts: bool
    prefill_chunk_tokens: int
    max_batch_size: int
    memory_fraction: float
    iteration_overhead_ms: float
    layer_overhead_us: float
    source: str
    prefill_moe_layer_overhead_us: float = 0.0
    chunked_prefill: bool = True
    kv_admission: Literal["full_sequence", "current_length", "estimated_remaining"] = "full_sequence"
    moe_backend: str | None = None
    async_scheduling: bool = False
    budget_rule: Literal["fixed", "sglang"] = "fixed"

    def on_device(self, hbm_gib: float) -> ServingFramework:
        """The framework's defaults on a chip with ``hbm_gib`` of memory: SGLang's token budget
        follows the GPU memory (``budget_rule`` ``sglang``); other frameworks are unchanged."""
        if self.budget_rule != "sglang":
            return self
        return replace(self, prefill_chunk_tokens=sglang_chunk_tokens(hbm_gib))

    @property
    def deployment(self) -> DeploymentSettings:
        """The settings of this framework a deployment usually tunes, at their current values."""
        return DeploymentSettings(
            max_num_tokens=self.prefill_chunk_tokens,
            max_batch_size=self.max_batch_size,
            chunked_prefill=self.chunked_prefill,
            memory_fraction=self.memory_fraction,
            moe_backend=self.moe_backend,
            async_scheduling=self.async_scheduling,
        )

    def with_deployment(
        self,
        *,
        max_num_tokens: int | None = None,
        max_batch_size: int | None = None,
        chunked_prefill: bool | None = None,
        memory_fraction: float | None = None,
        moe_backend: str | None = None,
        async_scheduling: bool | None = None,
    ) -> ServingFramework:
        """This framework with some deployment settings changed (``None`` keeps the default).

        ``max_num_tokens`` is the token budget of one iteration (TensorRT-LLM ``max_num_tokens``,
        vLLM ``max_num_batched_tokens``, SGLang ``chunked_prefill_size``); ``max_batch_size`` the
        cap on concurrent sequences of one model instance (``max_batch_size``, ``max_num_seqs``,
        ``max_running_requests``); ``chunked_prefill`` whether long prompts are split over
        iterations; ``memory_fraction`` the share of HBM weights and the KV cache may use;
        ``moe_backend`` the MoE kernel backend (one the framework has in ``moe_kernels.csv``;
        whether it was measured on the chip at the precision is checked when predicting);
        ``async_scheduling`` whether the CPU work of an iteration overlaps the GPU's (vLLM
        ``--async-scheduling``; see :class:`ServingFramework`).

        Raises
        ------
        InvalidInputError
            A value out of range, named by its command-line flag.
        """
        if max_num_tokens is not None and max_num_tokens < 1:
            raise InvalidInputError(
                "--max-num-tokens",
                "must be at least 1",
                max_num_tokens,
                "give the tokens one iteration may carry",
            )
        if max_batch_size is not None and max_batch_size < 1:
            raise InvalidInputError(
                "--max-batch-per-instance",
                "must be at least 1",
                max_batch_size,
                "give the most sequences one model instance runs at once",
            )
        if memory_fraction is not None and not (
            math.isfinite(memory_fraction) and 0.0 < memory_fraction <= 1.0
        ):
            raise InvalidInputError(
                "--memory-fraction", "must be in (0, 1]", memory_fraction, "e.g. 0.9 for 90 % of HBM"
            )
        if moe_backend is not None:
            canonical = canonical_moe_backend(moe_backend, self.id)
            if canonical is None:
                known = moe_backend_names(self.id)
                raise InvalidInputError(
                    "--moe-backend",
                    f"not a measured MoE backend of {self.id}",
                    moe_backend,
                    f"use one of {', '.join(known)} or leave it unset for the framework's default"
                    if known
                    else "leave it unset: no MoE kernel of this framework is measured",
                )
            moe_backend = canonical
        return replace(
            self,
            moe_backend=self.moe_backend if moe_backend is None else moe_backend,
            prefill_chunk_tokens=self.prefill_chunk_tokens if max_num_tokens is None else max_num_tokens,
            max_batch_size=self.max_batch_size if max_batch_size is None else max_batch_size,
            chunked_prefill=self.chunked_prefill if chunked_prefill is None else chunked_prefill,
            memory_fraction=self.memory_fraction if memory_fraction is None else memory_fraction,
            async_scheduling=self.async_scheduling if async_scheduling is None else async_scheduling,
        )


def sglang_chunk_tokens(hbm_gib: float) -> int:
    """SGLang's default ``chunked_prefill_size`` on a GPU with ``hbm_gib`` of memory [tokens].

    SGLang (>= 0.5.4, ``ServerArgs._handle_gpu_memory_settings``, sgl-project/sglang PR #10975)
    picks it by GPU memory: 4,096 below 60 GiB, 8,192 below 160 GiB (H100, H200), 16,384 from
    160 GiB (B200, MI300X).
    """
    if hbm_gib < 60.0:
        return 4096
    if hbm_gib < 160.0:
        return 8192
    return 16384


@dataclass(frozen=True, kw_only=True)
class DeploymentSettings:
    """Serving-framework settings a deployment usually tunes (see
    :meth:`ServingFramework.with_deployment`).

    Attributes
    ----------
    max_num_tokens
        Token budget of one iteration [tokens].
    max_batch_size
        Cap on concurrent sequences of one model instance [-].
    chunked_prefill
        Long prompts are split over iterations.
    memory_fraction
        Share of HBM that weights and the KV cache may use [-].
    moe_backend
        MoE kernel backend; ``None``: the framework's default for the chip and precision.
    async_scheduling
        The CPU work of an iteration overlaps the GPU's.
    """

    max_num_tokens: int
    max_batch_size: int
    chunked_prefill: bool
    memory_fraction: float
    moe_backend: str | None = None
    async_scheduling: bool = False

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON."""
        return {
            "max_num_tokens": self.max_num_tokens,
            "max_batch_size": self.max_batch_size,
            "chunked_prefill": self.chunked_prefill,
            "memory_fraction": self.memory_fraction,
            "moe_backend": self.moe_backend or "default",
            "async_scheduling": self.async_scheduling,
        }


def _optional_number(text: str | None) -> float | None:
    """A numeric cell that may be empty (no value given)."""
    if text is None or not text.strip():
        return None
    return float(text)


@cache
def list_inference_efficiencies() -> tuple[InferenceEfficiency, ...]:
    """All rows of ``inference_efficiency.csv``."""
    table = read_table("inference_efficiency.csv", required=("accelerator", "precision", "source"))
    out = []
    for r in table.rows:
        try:
            out.append(
                InferenceEfficiency(
                    accelerator=r["accelerator"],
                    precision=r["precision"],
                    matmul_efficiency=float(r["matmul_efficiency"]),
                    memory_bandwidth_efficiency=float(r["memory_bandwidth_efficiency"]),
                    source=r["source"],
                    decode_attention_bandwidth_efficiency=_optional_number(
                        r.get("decode_attention_bandwidth_efficiency", "")
                    ),
                )
            )
        except ValueError as err:
            raise CatalogError(f"inference_efficiency.csv: bad number in row {r}: {err}") from None
    return tuple(out)


def get_inference_efficiency(accelerator: str, precision: str) -> InferenceEfficiency:
    """Efficiencies of ``accelerator`` at weight ``precision``.

    A precision the chip has no row for (no native support) falls back to the highest-precision
    row the chip has, the way frameworks run such formats (weights upcast to a supported type).
    Weight-only ``int4`` (W4A16) takes the bf16 row.
    """
    rows = [e for e in list_inference_efficiencies() if e.accelerator == accelerator]
    if not rows:
        raise UnknownIdError(
            "--accelerator",
            "accelerator with inference efficiency data",
            accelerator,
            sorted({e.accelerator for e in list_inference_efficiencies()}),
        )
    if precision == "int4":  # weight-only INT4 (W4A16): the matmuls run in bf16
        precision = "bf16"
    for e in rows:
        if e.precision == precision:
            return e
    if precision not in ("bf16", "fp8", "fp4"):
        raise InvalidInputError(
            "--precision", "unsupported precision", precision, "use bf16, fp8, fp4 or int4"
        )
    order = ["fp4", "fp8", "bf16"]
    below = order[order.index(precision) :]
    for p in below:
        for e in rows:
            if e.precision == p:
                return e
    return rows[0]


@cache
def list_serving_frameworks() -> tuple[ServingFramework, ...]:
    """All rows of ``serving_frameworks.csv``."""
    table = read_table("serving_frameworks.csv", required=("id", "scheduling", "source"))
    out = []
    for r in table.rows:
        sched = r["scheduling"]
        if sched not in ("mixed", "prefill_first"):
            raise CatalogError(f"serving_frameworks.csv: unknown scheduling {sched!r} for {r['id']}")
        rule = r.get("budget_rule", "").strip() or "fixed"
        if rule not in ("fixed", "sglang"):
            raise CatalogError(f"serving_frameworks.csv: unknown budget_rule {rule!r} for {r['id']}")
        admission = r.get("kv_admission", "").strip() or "full_sequence"
        if admission not in ("full_sequence", "current_length", "estimated_remaining"):
            raise CatalogError(f"serving_frameworks.csv: unknown kv_admission {admission!r} for {r['id']}")
        out.append(
            ServingFramework(
                id=r["id"],
                name=r["name"],
                scheduling="mixed" if sched == "mixed" else "prefill_first",
                prompt_cohorts=r["prompt_cohorts"].strip().lower() == "true",
                prefill_chunk_tokens=int(r["prefill_chunk_tokens"]),
                max_batch_size=int(r["max_batch_size"]),
                memory_fraction=float(r["memory_fraction"]),
                iteration_overhead_ms=float(r["iteration_overhead_ms"]),
                layer_overhead_us=float(r["layer_overhead_us"]),
                prefill_moe_layer_overhead_us=_optional_number(r.get("prefill_moe_layer_overhead_us")) or 0.0,
                kv_admission=admission,  # type: ignore[arg-type]
                async_scheduling=r.get("async_scheduling", "").strip().lower() == "true",
                budget_rule="sglang" if rule == "sglang" else "fixed",
                source=r["source"],
            )
        )
    return tuple(out)


def get_serving_framework(framework_id: str, *, field: str = "--framework") -> ServingFramework:
    """Look up a serving framework by id."""
    for f in list_serving_frameworks():
        if f.id == framework_id:
            return f
    raise UnknownIdError(field, "serving framework", framework_id, [f.id for f in list_serving_frameworks()])


@dataclass(frozen=True, kw_only=True)
class MoeKernelEfficiency:
    """How fast one MoE kernel backend of a framework streams routed-expert weights on one chip.

    Attributes
    ----------
    framework, accelerator, precision
        Serving framework id, catalogue accelerator id and weight precision.
    backend
        The framework's name for the MoE kernel backend (``CUTLASS``, ``TRTLLM``, ``triton``,
        ``flashinfer_trtllm``, ``flashinfer_cutlass``).
    default
        The framework runs this backend unless told otherwise.
    expert_bandwidth_efficiency
        Fraction of peak HBM bandwidth at which the MoE block streams the weights of the local
        experts it touches in decode (1-16 tokens per expert) [-].
    kernels
        The measured kernels (AIConfigurator's kernel-source names).
    framework_version
        Framework version of the measurement.
    samples
        Measured points behind the median [-].
    source
        Where the figure comes from.
    """

    framework: str
    accelerator: str
    precision: str
    backend: str
    default: bool
    expert_bandwidth_efficiency: float
    kernels: str
    framework_version: str
    samples: int
    source: str


@cache
def list_moe_kernel_efficiencies() -> tuple[MoeKernelEfficiency, ...]:
    """All rows of ``moe_kernels.csv``."""
    table = read_table("moe_kernels.csv", required=("framework", "accelerator", "precision", "source"))
    out = []
    for r in table.rows:
        try:
            eff = float(r["expert_bandwidth_efficiency"])
            samples = int(r["samples"])
        except ValueError as err:
            raise CatalogError(f"moe_kernels.csv: bad number in row {r}: {err}") from None
        if not 0.0 < eff <= 1.0:
            raise CatalogError(
                f"moe_kernels.csv: expert_bandwidth_efficiency {eff} outside (0, 1] in row {r}"
            )
        out.append(
            MoeKernelEfficiency(
                framework=r["framework"],
                accelerator=r["accelerator"],
                precision=r["precision"],
                backend=r["backend"],
                default=r["default"].strip().lower() == "true",
                expert_bandwidth_efficiency=eff,
                kernels=r["kernels"],
                framework_version=r["framework_version"],
                samples=samples,
                source=r["source"],
            )
        )
    return tuple(out)


def moe_backend_names(framework: str | None = None) -> list[str]:
    """The measured MoE backends of ``framework`` (of every framework when ``None``), sorted."""
    return sorted({k.backend for k in list_moe_kernel_efficiencies() if framework in (None, k.framework)})


def canonical_moe_backend(name: str, framework: str | None = None) -> str | None:
    """The catalogue's spelling of MoE backend ``name`` (case-insensitive), ``None`` if unknown."""
    wanted = name.strip().lower()
    return next((b for b in moe_backend_names(framework) if b.lower() == wanted), None)


def get_moe_kernel_efficiency(
    framework: str, accelerator: str, precision: str, backend: str | None = None
) -> MoeKernelEfficiency | None:
    """The measured MoE kernel of ``framework`` on ``accelerator`` at weight ``precision``.

    ``backend=None`` gives the framework's default backend there. ``None`` is returned where no
    kernel of the framework was measured on the chip at the precision and no backend was asked for:
    the routed experts then stream at the accelerator's streaming efficiency like dense weights.

    Raises
    ------
    InvalidInputError
        ``backend`` was not measured for the framework on the chip at the precision (``--moe-backend``).
    """
    rows = [
        r
        for r in list_moe_kernel_efficiencies()
        if (r.framework, r.accelerator, r.precision) == (framework, accelerator, precision)
    ]
    if backend is None:
        return next((r for r in rows if r.default), None)
    for r in rows:
        if r.backend == canonical_moe_backend(backend, framework):
            return r
    measured = ", ".join(r.backend for r in rows)
    raise InvalidInputError(
        "--moe-backend",
        f"no measurement of {framework}'s {backend} MoE kernels on {accelerator} at {precision}",
        backend,
        f"use one of {measured}"
        if measured
        else "leave it unset: experts then stream at the chip's streaming efficiency",
    )


@dataclass(frozen=True, kw_only=True)
class AllreduceLatency:
    """Measured time of one all-reduce by message size, for one framework, chip and group size.

    ``message_bytes`` [B] (what each device contributes) and ``latency_s`` [s] are the measured
    points in increasing size (``allreduce_latency.csv``, the framework's own all-reduce as its
    CUDA-graph decode runs it), ``latency_s`` as their lower monotone envelope: a message can be
    padded to a larger one, so a point measured slower than a larger message (a noisy sample, e.g.
    SGLang's 1 KB point on H100 at 38 us between 5 us neighbours) is taken at the larger message's time.
    """

    framework: str
    accelerator: str
    devices: int
    message_bytes: tuple[float, ...]
    latency_s: tuple[float, ...]
    framework_version: str
    source: str


@cache
def list_allreduce_latencies() -> tuple[AllreduceLatency, ...]:
    """All measured all-reduce curves of ``allreduce_latency.csv``, one per framework, chip and group."""
    table = read_table(
        "allreduce_latency.csv",
        required=("framework", "accelerator", "devices", "message_bytes", "latency_us", "source"),
    )
    points: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
    meta: dict[tuple[str, str, int], tuple[str, str]] = {}
    for r in table.rows:
        try:
            key = (r["framework"], r["accelerator"], int(r["devices"]))
            size, lat = float(r["message_bytes"]), float(r["latency_us"]) * 1e-6
        except ValueError as err:
            raise CatalogError(f"allreduce_latency.csv: bad number in row {r}: {err}") from None
        if size <= 0 or lat <= 0 or key[2] < 2:
            raise CatalogError(f"allreduce_latency.csv: sizes, latencies and devices >= 2 required, row {r}")
        points.setdefault(key, []).append((size, lat))
        meta[key] = (r["framework_version"], r["source"])
    out = []
    for key, pts in points.items():
        pts.sort()
        envelope = [min(t for _, t in pts[i:]) for i in range(len(pts))]
        pts = [(size, t) for (size, _), t in zip(pts, envelope, strict=True)]
        out.append(
            AllreduceLatency(
                framework=key[0],
                accelerator=key[1],
                devices=key[2],
                message_bytes=tuple(p[0] for p in pts),
                latency_s=tuple(p[1] for p in pts),
                framework_version=meta[key][0],
                source=meta[key][1],
            )
        )
    return tuple(out)


def get_allreduce_latency(framework: str, accelerator: str, devices: int) -> AllreduceLatency | None:
    """The measured all-reduce of ``framework`` over ``devices`` GPUs of ``accelerator``, if any."""
    return next(
        (
            c
            for c in list_allreduce_latencies()
            if (c.framework, c.accelerator, c.devices) == (framework, accelerator, devices)
        ),
        None,
    )


@dataclass(frozen=True, kw_only=True)
class HostOverhead:
    """Measured host CPU time per running sequence per iteration of a framework on a system.

    ``sequence_overhead_us`` [us]: the framework's host step (scheduling, input preparation,
    sampler post-processing, responses) grows with the sequences one scheduling process runs; at
    large batches of a small model it outlasts the GPU work, and the iteration waits for it
    (``host_overhead.csv``). The host is the system's CPU, so a row names the accelerator whose
    system it was measured on (GB200 and GB300 come with Grace).
    """

    framework: str
    accelerator: str
    sequence_overhead_us: float
    framework_version: str
    source: str


@cache
def list_host_overheads() -> tuple[HostOverhead, ...]:
    """All rows of ``host_overhead.csv``."""
    table = read_table(
        "host_overhead.csv", required=("framework", "accelerator", "sequence_overhead_us", "source")
    )
    out = []
    for r in table.rows:
        try:
            value = float(r["sequence_overhead_us"])
        except ValueError:
            raise CatalogError(
                f"host_overhead.csv: sequence_overhead_us is not a number in row {r}"
            ) from None
        if not 0.0 <= value < 1e4:
            raise CatalogError(f"host_overhead.csv: sequence_overhead_us must be in [0, 10000) us, row {r}")
        out.append(
            HostOverhead(
                framework=r["framework"],
                accelerator=r["accelerator"],
                sequence_overhead_us=value,
                framework_version=r.get("framework_version", ""),
                source=r["source"],
            )
        )
    return tuple(out)


def get_host_sequence_overhead_s(framework: str, accelerator: str) -> float:
    """Host time per running sequence per iteration of ``framework`` on ``accelerator``'s system [s].

    0 where it was not measured (the overlap of host and GPU work is then taken as complete).
    """
    for h in list_host_overheads():
        if (h.framework, h.accelerator) == (framework, accelerator):
            return h.sequence_overhead_us * 1e-6
    return 0.0
