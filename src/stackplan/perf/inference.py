"""The inference orchestrator: ``predict_inference`` and ``size_inference_service``.

Looks up the model, the accelerator, the efficiency row and the serving framework, searches
parallelism x precision x concurrency with the vectorised equations of
:mod:`stackplan.perf.inference_model`, and returns an immutable :class:`InferencePrediction`
that keeps its inputs. See ``docs/inference-model.md`` for the equations and the validation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from stackplan.catalog.accelerators import Accelerator, get_accelerator, list_accelerators
from stackplan.catalog.serving import (
    DeploymentSettings,
    ServingFramework,
    get_inference_efficiency,
    get_serving_framework,
)
from stackplan.economics.cloud import TokenCosts, token_costs
from stackplan.errors import (
    DoesNotFitError,
    InvalidInputError,
    LatencyTargetsError,
    check_positive_int,
    check_positive_number,
)
from stackplan.models.architecture import ModelArchitecture
from stackplan.models.loader import resolve_model
from stackplan.perf.inference_model import (
    DeviceRates,
    ServingCost,
    SteadyState,
    finite_run_throughput,
    iteration_breakdown_s,
    iteration_time_s,
    kv_context,
    kv_tokens_held_per_request,
    own_chunk_latency_s,
    poisson_tail_latency,
    prefill_attention_context,
    speculative_tokens_per_step,
    steady_state,
    tail_concurrency,
    token_weighted_decode_context,
)
from stackplan.perf.inference_setup import (
    Parallelism,
    bytes_per_element,
    device_rates,
    int4_experts,
    memory_per_device,
    mxfp4_experts,
    serving_cost,
    weight_bytes_per_param,
)
from stackplan.perf.power_cap import MIN_POWER_CAP_FRACTION, with_power_cap
from stackplan.validation.accuracy import inference_accuracy

__all__ = [
    "Disaggregation",
    "InferencePrediction",
    "InferenceSizing",
    "LatencyTargetsError",
    "ServiceSizing",
    "SpeculativeDecoding",
    "predict_inference",
    "serving_framework_for",
    "size_inference_service",
]

PRECISIONS = ("bf16", "fp8", "fp4")
#: Weight precisions a prediction takes: the searched ones and weight-only INT4 (W4A16), which no
#: chip runs natively and the search therefore never picks.
WEIGHT_PRECISIONS = (*PRECISIONS, "int4")
#: Every concurrency up to this is tried; beyond it a geometric grid [-].
DENSE_BATCH_GRID = 256
#: Geometric concurrency grid points between DENSE_BATCH_GRID and the memory limit [-].
BATCH_GRID_POINTS = 48
#: Largest device count tried when suggesting the smallest count that fits [-].
MAX_SUGGESTED_COUNT = 1024

Mode = Literal["max_throughput", "at_batch_size", "latency_targets"]


@dataclass(frozen=True, kw_only=True)
class SpeculativeDecoding:
    """Speculative decoding settings.

    Attributes
    ----------
    draft_tokens
        Tokens drafted per step ``k`` [-], typically 1-5.
    acceptance_rate
        Probability each drafted token is accepted ``a`` [-], typically 0.6-0.9.
    draft_cost_fraction
        Cost of drafting one token relative to one target decode iteration [-]: ~0.02-0.1 for a
        small draft model or an MTP head (DeepSeek-V3 sec. 2.2).
    """

    draft_tokens: int
    acceptance_rate: float
    draft_cost_fraction: float = 0.05


@dataclass(frozen=True, kw_only=True)
class Disaggregation:
    """Separate prefill and decode pools (Zhong et al., DistServe, OSDI 2024).

    Attributes
    ----------
    prefill_devices, decode_devices
        Devices of each pool [-]; they must add up to ``count``.
    prefill_tp, prefill_ep, prefill_pp
        The prefill pool's layout when it differs from the decode pool's (``tp``, ``ep``, ``pp`` of
        :func:`predict_inference` set the decode pool's); ``None`` for all three: searched, or the
        decode pool's when that was given. ``prefill_tp=1, prefill_ep=4`` is attention DP4 + EP4.
    prefill_max_batch_size
        Prompts a prefill worker (an attention-DP rank) takes per iteration; ``None``: as many as the
        token budget holds. Disaggregated deployments often set 1 (NVIDIA Dynamo with AIConfigurator's
        generated TensorRT-LLM configs: prefill ``max_batch_size`` 1 and ``max_num_tokens`` ISL + 500).
    """

    prefill_devices: int
    decode_devices: int
    prefill_tp: int | None = None
    prefill_ep: int | None = None
    prefill_pp: int | None = None
    prefill_max_batch_size: int | None = None

    def prefill_parallelism(self) -> Parallelism | None:
        """The prefill pool's layout if one was given [-]."""
        if self.prefill_tp is None and self.prefill_ep is None and self.prefill_pp is None:
            return None
        return Parallelism(tp=self.prefill_tp or 1, ep=self.prefill_ep or 1, pp=self.prefill_pp or 1)


@dataclass(frozen=True, kw_only=True)
class InferencePrediction:
    """A serving prediction for one model on ``count`` accelerators (immutable, keeps its inputs).

    Rates are for the whole system (all replicas); latencies are means at steady state.
    With ``latency_percentile`` the requests arrive as a Poisson stream (an open loop at the
    same mean concurrency) and ``ttft_percentile_ms`` / ``tpot_percentile_ms`` are that
    percentile of TTFT and per-request TPOT; the latency targets then apply to them.
    ``burst_ttft_ms`` is the mean TTFT when all ``batch_size`` requests arrive at once (a cold
    start, or a benchmark's first wave). ``kv_cache_gib`` and ``memory_gib_per_device`` are per
    device at ``batch_size``. ``decode_iteration_ms`` says where the time of one decode iteration
    of a replica at its batch goes, by part (:func:`~stackplan.perf.inference_model.iteration_breakdown_s`;
    before speculative decoding), and ``prefill_iteration_ms`` the same for an iteration that
    prefills one prompt alone (up to the token budget); each part sums to the iteration [ms].
    ``prefill_time_share`` is the share of the devices' time spent on the prompts [-] (marginal:
    what the prompt chunks add to the decode iterations they join over a request lifetime,
    :attr:`~stackplan.perf.inference_model.SteadyState.prefill_share`; the prefill pool's share of
    the devices when disaggregated); it splits the device cost between
    input and output tokens (:meth:`token_costs`, and the plan's cost per token).
    ``power_cap_w`` is the board power limit the prediction ran under (``None``: the TDP) and
    ``accelerator_power_w`` the board power in effect, a busy board's draw at full load
    (:attr:`accelerator_energy_j_per_output_token`).
    """

    model: str
    accelerator: str
    count: int
    input_tokens: int
    output_tokens: int
    precision: str
    kv_precision: str
    framework: str
    mode: Mode
    parallelism: Parallelism
    replicas: int
    batch_size: int
    output_tokens_per_s: float
    ttft_ms: float
    burst_ttft_ms: float
    tpot_ms: float
    memory_gib_per_device: float
    weights_gib_per_device: float
    kv_cache_gib: float
    max_batch_size: int
    max_ttft_ms: float | None = None
    max_tpot_ms: float | None = None
    prefix_cache_hit_rate: float = 0.0
    speculative: SpeculativeDecoding | None = None
    disaggregated: Disaggregation | None = None
    latency_percentile: float | None = None
    output_length_cv: float = 0.0
    ttft_percentile_ms: float | None = None
    tpot_percentile_ms: float | None = None
    framework_settings: DeploymentSettings | None = None
    notes: tuple[str, ...] = field(default=())
    decode_iteration_ms: tuple[tuple[str, float], ...] = ()
    prefill_iteration_ms: tuple[tuple[str, float], ...] = ()
    prefill_time_share: float = 0.0
    power_cap_w: float | None = None
    accelerator_power_w: float = 0.0

    @property
    def output_tokens_per_s_per_device(self) -> float:
        """Output tokens per second per device [1/s]."""
        return self.output_tokens_per_s / self.count

    @property
    def accelerator_energy_j_per_output_token(self) -> float:
        """Energy of the ``count`` boards per output token at their power limit [J].

        ``count x accelerator_power_w / output_tokens_per_s``: the boards' draw at full load is their
        limit (the TDP, or ``power_cap_w``), an upper bound; host, network and cooling are not in it
        (:mod:`stackplan.sustainability` adds them for a plan).
        """
        return self.count * self.accelerator_power_w / self.output_tokens_per_s

    def token_costs(self, usd_per_device_hour: float) -> TokenCosts:
        """Token prices when each of the ``count`` devices costs ``usd_per_device_hour``.

        ``count x price / 3600`` USD per second over the predicted output tokens per second and the
        input tokens that come with them (``I / O`` per output token); split by
        :attr:`prefill_time_share` (:func:`stackplan.economics.token_costs`) [USD per million tokens].
        """
        check_positive_number(
            "--usd-per-device-hour", usd_per_device_hour, "give a price in USD", allow_zero=True
        )
        out = self.output_tokens_per_s
        return token_costs(
            self.count * usd_per_device_hour / 3600.0,
            out * self.input_tokens / self.output_tokens,
            out,
            self.prefill_time_share,
        )

    def as_dict(self) -> dict[str, object]:
        """The ``--json`` contract of ``stackplan predict inference``."""
        return {
            "output_tokens_per_s": self.output_tokens_per_s,
            "output_tokens_per_s_per_device": self.output_tokens_per_s_per_device,
            "ttft_ms": self.ttft_ms,
            "tpot_ms": self.tpot_ms,
            "batch_size": self.batch_size,
            "memory_gib_per_device": self.memory_gib_per_device,
            "kv_cache_gib": self.kv_cache_gib,
            "weights_gib_per_device": self.weights_gib_per_device,
            "parallelism": {
                "tp": self.parallelism.tp,
                "ep": self.parallelism.ep,
                "pp": self.parallelism.pp,
                "replicas": self.replicas,
                "devices_per_replica": self.parallelism.devices,
            },
            "precision": self.precision,
            "kv_precision": self.kv_precision,
            "framework": self.framework,
            "framework_settings": None
            if self.framework_settings is None
            else self.framework_settings.as_dict(),
            "mode": self.mode,
            "max_batch_size": self.max_batch_size,
            "model": self.model,
            "accelerator": self.accelerator,
            "count": self.count,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "output_length_cv": self.output_length_cv,
            "latency_percentile": self.latency_percentile,
            "ttft_percentile_ms": self.ttft_percentile_ms,
            "tpot_percentile_ms": self.tpot_percentile_ms,
            "notes": list(self.notes),
            "decode_iteration_ms": dict(self.decode_iteration_ms),
            "prefill_iteration_ms": dict(self.prefill_iteration_ms),
            "prefill_time_share": self.prefill_time_share,
            "power_cap_w": self.power_cap_w,
            "accelerator_power_w": self.accelerator_power_w,
            "accelerator_energy_j_per_output_token": self.accelerator_energy_j_per_output_token,
            "validated_accuracy": {
                q: a.as_dict()
                for q, a in inference_accuracy(
                    "held-out", self.framework, disaggregated=self.disaggregated is not None
                ).items()
            },
        }


# ---------------------------------------------------------------------------------------------- helpers


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _pow2_upto(n: int) -> list[int]:
    out, v = [], 1
    while v <= n:
        out.append(v)
        v *= 2
    return out


def _candidate_parallelisms(
    arch: ModelArchitecture, acc: Accelerator, count: int, tp: int | None, ep: int | None, pp: int | None
) -> list[Parallelism]:
    """Ways to split ``count`` devices into replicas of ``pp * max(tp, ep)`` devices.

    TP up to the scale-up domain (and the KV/attention heads), EP (MoE only) a power of two up to
    the experts, PP a power of two up to 8 stages; a stage must divide ``count``.
    """
    tps = (
        [tp]
        if tp
        else [t for t in _pow2_upto(min(count, acc.scaleup_domain_size, 64)) if arch.heads % t == 0]
    )
    if arch.moe is None:
        eps = [1] if not ep else [ep]
    else:
        eps = [ep] if ep else list(_pow2_upto(min(count, arch.moe.experts, 64)))
    pps = [pp] if pp else [p for p in _pow2_upto(min(count, 8)) if arch.layers >= p]
    out = []
    for t in tps:
        for e in eps:
            if max(t, e) % min(t, e):
                continue
            for p in pps:
                par = Parallelism(tp=t, ep=e, pp=p)
                if count % par.devices == 0:
                    out.append(par)
    return out


def _kv_default(precision: str) -> str:
    # weight-only INT4 deployments keep the model's bf16 KV cache (vLLM's "auto")
    return "bf16" if precision in ("bf16", "int4") else "fp8"


def serving_framework_for(accelerator: str, framework: str | ServingFramework = "auto") -> ServingFramework:
    """The serving framework a prediction on ``accelerator`` uses.

    ``auto`` is TensorRT-LLM on NVIDIA chips and vLLM elsewhere; a framework id is looked up in
    the catalogue; a :class:`~stackplan.catalog.serving.ServingFramework` is used as given (e.g.
    one with :meth:`~stackplan.catalog.serving.ServingFramework.with_deployment` settings).
    """
    return _framework_for(get_accelerator(accelerator), framework)


def _framework_for(acc: Accelerator, framework: str | ServingFramework) -> ServingFramework:
    if isinstance(framework, ServingFramework):
        return framework
    if framework == "auto":
        framework = "trtllm" if acc.vendor == "nvidia" else "vllm"
    return get_serving_framework(framework).on_device(acc.hbm_gib)


def _check_inputs(
    count: int,
    input_tokens: int,
    output_tokens: int,
    batch_size: int | None,
    prefix_cache_hit_rate: float,
    max_ttft_ms: float | None,
    max_tpot_ms: float | None,
    speculative: SpeculativeDecoding | None,
) -> None:
    if count < 1:
        raise InvalidInputError("--count", "must be at least 1", count, "give the number of accelerators")
    if input_tokens < 1:
        raise InvalidInputError(
            "--input-tokens", "must be at least 1", input_tokens, "give the prompt length in tokens"
        )
    if output_tokens < 1:
        raise InvalidInputError(
            "--output-tokens", "must be at least 1", output_tokens, "give the generated tokens per request"
        )
    if batch_size is not None and batch_size < 1:
        raise InvalidInputError(
            "--batch-size",
            "must be at least 1",
            batch_size,
            "give the concurrent requests, or leave it out for the maximum throughput",
        )
    if not 0.0 <= prefix_cache_hit_rate < 1.0:
        raise InvalidInputError(
            "--prefix-cache-hit-rate",
            "must be in [0, 1)",
            prefix_cache_hit_rate,
            "give the share of prompt tokens served from the cache, e.g. 0.5 (at least one token is computed)",
        )
    for name, v in (("--max-ttft-ms", max_ttft_ms), ("--max-tpot-ms", max_tpot_ms)):
        check_positive_number(name, v, "give the target in milliseconds, or leave it out for no limit")
    if speculative is not None:
        for name, bad, v, fix in (
            ("--spec-draft-tokens", speculative.draft_tokens < 1, speculative.draft_tokens, "at least 1"),
            (
                "--spec-acceptance",
                not 0.0 <= speculative.acceptance_rate <= 1.0,
                speculative.acceptance_rate,
                "a share in [0, 1]",
            ),
            (
                "--spec-draft-cost",
                not (
                    math.isfinite(speculative.draft_cost_fraction) and speculative.draft_cost_fraction >= 0.0
                ),
                speculative.draft_cost_fraction,
                "0 or more (a draft token's cost relative to a target decode step)",
            ),
        ):
            if bad:
                raise InvalidInputError(name, "out of range", v, f"give {fix}")


@dataclass(frozen=True)
class _Option:
    """One evaluated (precision, parallelism, concurrency-per-replica) point."""

    precision: str
    kv_precision: str
    par: Parallelism
    replicas: int
    batch_per_replica: float
    throughput: float
    ttft_s: float
    burst_ttft_s: float
    tpot_s: float
    max_batch_per_replica: int
    ttft_tail_s: float | None = None
    tpot_tail_s: float | None = None
    prefill_time_share: float = 0.0

    def ttft_for_targets(self) -> float:
        """TTFT the targets apply to: the percentile when one was asked for, else the mean [s]."""
        return self.ttft_s if self.ttft_tail_s is None else self.ttft_tail_s

    def tpot_for_targets(self) -> float:
        """TPOT the targets apply to: the percentile when one was asked for, else the mean [s]."""
        return self.tpot_s if self.tpot_tail_s is None else self.tpot_tail_s


def _cost_and_rates(
    arch: ModelArchitecture,
    acc: Accelerator,
    fw: ServingFramework,
    par: Parallelism,
    precision: str,
    kv_precision: str,
) -> tuple[ServingCost, DeviceRates]:
    """Per-device work of one stage and the device's achievable rates for one configuration."""
    cost = serving_cost(
        arch,
        par,
        weight_bytes_per_param=weight_bytes_per_param(precision),
        kv_bytes_per_element=bytes_per_element(kv_precision),
        precision=precision,
    )
    rates = device_rates(
        acc,
        get_inference_efficiency(acc.id, precision),
        get_inference_efficiency(acc.id, "bf16"),
        fw,
        precision=precision,
        par=par,
        moe=arch.moe is not None,
        mxfp4=mxfp4_experts(arch, precision),
    )
    return cost, rates


def _evaluate(
    arch: ModelArchitecture,
    acc: Accelerator,
    fw: ServingFramework,
    count: int,
    precision: str,
    kv_precision: str,
    par: Parallelism,
    *,
    input_tokens: int,
    output_tokens: int,
    batch_size: int | None,
    hit: float,
    speculative: SpeculativeDecoding | None,
    percentile: float | None = None,
    requests: int | None = None,
    output_length_cv: float = 0.0,
) -> tuple[list[_Option], float]:
    """All concurrency points of one configuration; also the memory it needs at concurrency 1 [GiB].

    With ``requests`` (an offline run of that many requests over all replicas) the throughput of
    each point is that of the finite run (:func:`finite_run_throughput`, waves plus the drain of
    the left-over requests) and concurrency beyond the requests of one replica is not searched.
    """
    w_b, kv_b = weight_bytes_per_param(precision), bytes_per_element(kv_precision)
    # KV tokens a running request takes from the cache: the whole sequence where the framework
    # reserves it on admission, its mean current length where it admits on use and pre-empts.
    context = kv_tokens_held_per_request(input_tokens, output_tokens, fw.kv_admission, output_length_cv)
    mem1 = memory_per_device(
        arch,
        par,
        acc,
        fw,
        weight_bytes_per_param=w_b,
        kv_bytes_per_element=kv_b,
        sequences=par.attn_dp,
        context_tokens=context,
        precision=precision,
    )
    per_seq_gib = mem1.kv_cache_gib / par.attn_dp
    free = mem1.capacity_gib - mem1.weights_gib - mem1.activations_gib - mem1.reserve_gib
    b_max = int(min(free / per_seq_gib if per_seq_gib > 0 else 0, fw.max_batch_size * par.attn_dp))
    if b_max < par.attn_dp:
        return [], mem1.total_gib
    replicas = count // par.devices
    queued = 1.0
    if batch_size is not None:
        wanted = batch_size / replicas
        grid = np.array([min(wanted, float(b_max))])
        queued = wanted / grid[0]
    else:
        dense_part = np.arange(1, min(b_max, DENSE_BATCH_GRID) + 1, dtype=np.float64)
        sparse_part = np.geomspace(min(b_max, DENSE_BATCH_GRID), b_max, BATCH_GRID_POINTS)
        grid = np.unique(np.round(np.concatenate([dense_part, sparse_part])))
        if requests is not None:
            grid = np.unique(np.minimum(grid, max(requests / replicas, 1.0)))
    cost, rates = _cost_and_rates(arch, acc, fw, par, precision, kv_precision)

    # Cohorts (and prefill-first waves) hold while a cohort's requests finish in the same iteration,
    # i.e. while the spread of output lengths is under one token; Poisson arrivals never form them.
    apart = output_length_cv * output_tokens >= 1.0 or percentile is not None

    def state_at(concurrency: np.ndarray) -> SteadyState:
        return steady_state(
            cost,
            rates,
            concurrency=concurrency,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            prefill_chunk_tokens=fw.prefill_chunk_tokens,
            # with varying output lengths the clients' next prompts arrive apart (see ``apart``)
            scheduling="mixed" if apart else fw.scheduling,
            cohort_prompts=fw.prompt_cohorts and not apart,
            chunked_prefill=fw.chunked_prefill,
            prefix_hit_rate=hit,
            draft_tokens=speculative.draft_tokens if speculative else 0,
            acceptance_rate=speculative.acceptance_rate if speculative else 0.0,
            draft_cost_fraction=speculative.draft_cost_fraction if speculative else 0.0,
            output_length_cv=output_length_cv,
        )

    st = state_at(grid)
    throughput = st.output_tokens_per_s
    if requests is not None:
        per_replica = max(requests / replicas, 1.0)
        b_run = np.minimum(grid, per_replica)
        rest = per_replica - np.floor(per_replica / b_run + 1e-9) * b_run
        rest_points, where = np.unique(np.maximum(np.round(rest), 1.0), return_inverse=True)
        throughput = finite_run_throughput(
            b_run,
            per_replica,
            output_tokens,
            latency_s=st.request_latency_s,
            rest_latency_s=state_at(rest_points).request_latency_s[where],
        )
    ttft_tail: list[float | None] = [None] * grid.size
    tpot_tail: list[float | None] = [None] * grid.size
    if percentile is not None:
        tail = poisson_tail_latency(
            grid,
            st,
            state_at(tail_concurrency(grid, percentile)),
            output_tokens=output_tokens,
            percentile=percentile,
            max_concurrency=float(b_max),
            tokens_per_step=(
                speculative_tokens_per_step(speculative.draft_tokens, speculative.acceptance_rate)
                if speculative
                else 1.0
            ),
        )
        ttft_tail, tpot_tail = [float(v) for v in tail.ttft_s], [float(v) for v in tail.tpot_s]
    # Concurrency beyond what memory holds waits for a slot (Little's law): each extra round of
    # ``B_max`` requests waits one request lifetime before it is admitted.
    wait_s = (queued - 1.0) * st.request_latency_s
    opts = [
        _Option(
            precision=precision,
            kv_precision=kv_precision,
            par=par,
            replicas=replicas,
            batch_per_replica=float(b) * queued,
            throughput=float(thr) * replicas,
            ttft_s=float(tt + w),
            burst_ttft_s=float(bt + w),
            tpot_s=float(tp),
            max_batch_per_replica=b_max,
            ttft_tail_s=None if tq is None else tq + float(w),
            tpot_tail_s=pq,
            prefill_time_share=float(sh),
        )
        for b, thr, tt, bt, tp, w, tq, pq, sh in zip(
            grid,
            throughput,
            st.ttft_s,
            st.burst_ttft_s,
            st.tpot_s,
            wait_s,
            ttft_tail,
            tpot_tail,
            st.prefill_share,
            strict=True,
        )
    ]
    return opts, mem1.total_gib


def _smallest_count_that_fits(
    arch: ModelArchitecture,
    acc: Accelerator,
    fw: ServingFramework,
    precisions: list[str],
    kv: str | None,
    context: float,
) -> int | None:
    count = 1
    while count <= MAX_SUGGESTED_COUNT:
        for p in precisions:
            for par in _candidate_parallelisms(arch, acc, count, None, None, None):
                if par.devices != count:
                    continue
                m = memory_per_device(
                    arch,
                    par,
                    acc,
                    fw,
                    weight_bytes_per_param=weight_bytes_per_param(p),
                    kv_bytes_per_element=bytes_per_element(kv or _kv_default(p)),
                    sequences=par.attn_dp,
                    context_tokens=context,
                    precision=p,
                )
                if m.fits:
                    return count
        count *= 2
    return None


# ---------------------------------------------------------------------------------------------- public


def predict_inference(
    model: str | ModelArchitecture,
    accelerator: str,
    count: int,
    *,
    input_tokens: int,
    output_tokens: int,
    precision: str | None = "bf16",
    kv_precision: str | None = None,
    tp: int | None = None,
    ep: int | None = None,
    pp: int | None = None,
    batch_size: int | None = None,
    max_ttft_ms: float | None = None,
    max_tpot_ms: float | None = None,
    prefix_cache_hit_rate: float = 0.0,
    speculative: SpeculativeDecoding | None = None,
    disaggregated: Disaggregation | None = None,
    framework: str | ServingFramework = "auto",
    latency_percentile: float | None = None,
    requests: int | None = None,
    output_length_cv: float = 0.0,
    power_cap_w: float | None = None,
) -> InferencePrediction:
    """Predict serving throughput, latency and memory of ``model`` on ``count`` ``accelerator`` s.

    Parameters
    ----------
    model
        Catalogue id, model-file path or an architecture.
    accelerator
        Catalogue accelerator id.
    count
        Devices [-]; split into replicas of ``pp * max(tp, ep)`` devices.
    input_tokens, output_tokens
        Prompt and generated tokens per request [-].
    precision
        Weight precision ``bf16``/``fp8``/``fp4`` (default ``bf16``); ``None`` searches the three the
        accelerator supports, as the command line does when ``--precision`` is not given.
    kv_precision
        KV-cache precision; default ``bf16`` for bf16 weights and ``fp8`` otherwise.
    tp, ep, pp
        Parallel degrees; searched when not given.
    batch_size
        Concurrent requests of the whole system; when given, the prediction is at that
        concurrency. Otherwise the maximum throughput, or the best meeting the latency targets.
    max_ttft_ms, max_tpot_ms
        Optional latency targets [ms].
    prefix_cache_hit_rate
        Share of prompt tokens served from the prefix cache [-], in [0, 1).
    speculative, disaggregated
        Optional speculative decoding and separate prefill/decode pools.
    framework
        ``trtllm``, ``vllm``, ``sglang`` or ``auto`` (TensorRT-LLM on NVIDIA, vLLM elsewhere), or a
        :class:`~stackplan.catalog.serving.ServingFramework` with deployment settings of its own
        (e.g. a token budget or batch cap that differs from the framework defaults).
    latency_percentile
        When given (e.g. 99), requests arrive as a Poisson stream and the latency targets apply
        to this percentile of TTFT and per-request TPOT (MLPerf Server: p99) instead of the
        means (:func:`~stackplan.perf.inference_model.poisson_tail_latency`).
    requests
        When given, an offline run of this many requests (all queued at the start, e.g.
        ``trtllm-bench throughput``): the throughput is the run's output tokens over its makespan,
        including the drain of the last, partial wave
        (:func:`~stackplan.perf.inference_model.finite_run_throughput`); TTFT and TPOT stay those of
        the steady state. ``None``: the steady state of an endless stream. Ignored with
        ``disaggregated``.
    power_cap_w
        Board power limit of each device [W] (e.g. ``nvidia-smi -pl``), below the TDP: the compute
        rates fall with the clock the chip sustains under it
        (:func:`~stackplan.perf.power_cap.with_power_cap`), in both pools of a disaggregated
        prediction; ``None``: the TDP.

    Raises
    ------
    DoesNotFitError
        The model does not fit: memory needed vs available and the smallest count that fits.
    LatencyTargetsError
        No configuration meets the targets: the best latency reachable and its throughput.
    """
    _check_inputs(
        count,
        input_tokens,
        output_tokens,
        batch_size,
        prefix_cache_hit_rate,
        max_ttft_ms,
        max_tpot_ms,
        speculative,
    )
    degrees = [("--tp", tp), ("--ep", ep), ("--pp", pp)]
    if disaggregated is not None:
        degrees += [
            ("--prefill-tp", disaggregated.prefill_tp),
            ("--prefill-ep", disaggregated.prefill_ep),
            ("--prefill-pp", disaggregated.prefill_pp),
        ]
    for name, degree in degrees:
        check_positive_int(name, degree, "give a parallel degree of 1 or more, or leave it out to search it")
    if not (math.isfinite(output_length_cv) and output_length_cv >= 0.0):
        raise InvalidInputError(
            "--output-length-cv",
            "must be a finite number >= 0",
            output_length_cv,
            "give the output lengths' standard deviation over their mean (0 for fixed lengths)",
        )
    if requests is not None and requests < 1:
        raise InvalidInputError(
            "requests", "must be at least 1", requests, "give the requests of the offline run"
        )
    if latency_percentile is not None and not 50.0 <= latency_percentile < 100.0:
        raise InvalidInputError(
            "--latency-percentile", "must be in [50, 100)", latency_percentile, "e.g. 99 for p99 targets"
        )
    arch = resolve_model(model)
    acc = with_power_cap(get_accelerator(accelerator), power_cap_w)
    fw = _framework_for(acc, framework)
    uncached = math.ceil(input_tokens * (1.0 - prefix_cache_hit_rate))
    if not fw.chunked_prefill and uncached > fw.prefill_chunk_tokens:
        raise InvalidInputError(
            "--max-num-tokens",
            f"a whole prompt ({uncached:,} uncached tokens) does not fit the token budget of one iteration "
            "when chunked prefill is off",
            fw.prefill_chunk_tokens,
            f"raise --max-num-tokens to at least {uncached:,} or turn on --chunked-prefill",
        )
    if precision is not None and precision not in WEIGHT_PRECISIONS:
        raise InvalidInputError(
            "--precision", "unsupported precision", precision, "use bf16, fp8, fp4 or int4"
        )
    if kv_precision is not None and kv_precision not in PRECISIONS:
        raise InvalidInputError(
            "--kv-precision", "unsupported precision", kv_precision, "use bf16, fp8 or fp4"
        )
    model_name = model if isinstance(model, str) else model.name

    if disaggregated is not None:
        return replace(
            _predict_disaggregated(
                arch, acc, fw, count, model_name=model_name, input_tokens=input_tokens,
                output_tokens=output_tokens, precision=precision or "bf16", kv_precision=kv_precision,
                tp=tp, ep=ep, pp=pp, hit=prefix_cache_hit_rate, speculative=speculative,
                dis=disaggregated, max_ttft_ms=max_ttft_ms, max_tpot_ms=max_tpot_ms, power_cap_w=power_cap_w,
                batch_size=batch_size,
            ),
            power_cap_w=power_cap_w,
        )  # fmt: skip

    if tp is not None and tp > 0 and arch.heads % tp:
        raise InvalidInputError(
            "--tp",
            f"must divide the {arch.heads} attention heads of {model_name}",
            tp,
            "choose one of "
            + ", ".join(str(t) for t in range(1, arch.heads + 1) if arch.heads % t == 0 and t <= 64),
        )
    if ep is not None and ep > 1 and arch.moe is None:
        raise InvalidInputError(
            "--ep",
            f"{model_name} is a dense model: it has no routed experts to split",
            ep,
            "leave --ep out (or give 1); split a dense model with --tp and --pp",
        )
    if ep is not None and ep > 1 and arch.moe is not None and arch.moe.experts % ep:
        raise InvalidInputError(
            "--ep",
            f"must divide the {arch.moe.experts} routed experts of {model_name}",
            ep,
            "choose a divisor of the expert count",
        )
    precisions = [precision] if precision else [p for p in PRECISIONS if acc.supports(p)]
    pars = _candidate_parallelisms(arch, acc, count, tp, ep, pp)
    if not pars:
        raise InvalidInputError(
            "--tp/--ep/--pp",
            f"no split of {count} devices into replicas of pp x max(tp, ep) devices",
            f"tp={tp}, ep={ep}, pp={pp}",
            "choose degrees whose product divides --count (ep only for MoE models)",
        )
    options: list[_Option] = []
    smallest_need = math.inf
    for prec in precisions:
        kv = kv_precision or _kv_default(prec)
        for par in pars:
            opts, need = _evaluate(
                arch, acc, fw, count, prec, kv, par, input_tokens=input_tokens, output_tokens=output_tokens,
                batch_size=batch_size, hit=prefix_cache_hit_rate, speculative=speculative,
                percentile=latency_percentile, requests=requests, output_length_cv=output_length_cv,
            )  # fmt: skip
            options.extend(opts)
            smallest_need = min(smallest_need, need)
    if not options:
        fits = _smallest_count_that_fits(
            arch,
            acc,
            fw,
            precisions,
            kv_precision,
            kv_tokens_held_per_request(input_tokens, output_tokens, fw.kv_admission, output_length_cv),
        )
        hint = (
            f"the smallest count of {acc.id} that fits is {fits}"
            if fits
            else f"it does not fit on up to {MAX_SUGGESTED_COUNT} {acc.id}"
        )
        if batch_size is not None:
            hint += f" (at --batch-size {batch_size}; try a smaller batch size)"
        raise DoesNotFitError(
            f"{model_name} does not fit on {count} x {acc.id} ({', '.join(precisions)})",
            needed_gib=smallest_need,
            available_gib=acc.hbm_gib,
            suggestion=f"Fix: use more devices or a lower precision; {hint}.",
        )

    targets = max_ttft_ms is not None or max_tpot_ms is not None
    mode: Mode = (
        "at_batch_size" if batch_size is not None else "latency_targets" if targets else "max_throughput"
    )
    feasible = options
    if targets:
        # with --batch-size the targets still choose among the parallelisms and precisions
        feasible = [
            o
            for o in options
            if (max_ttft_ms is None or o.ttft_for_targets() * 1e3 <= max_ttft_ms)
            and (max_tpot_ms is None or o.tpot_for_targets() * 1e3 <= max_tpot_ms)
        ]
        if not feasible:
            best_t = min(options, key=lambda o: o.ttft_for_targets())
            best_p = min(options, key=lambda o: o.tpot_for_targets())
            wanted = " and ".join(
                f"{'' if latency_percentile is None else f'p{latency_percentile:g} '}{name} <= {v:g} ms"
                for name, v in (("TTFT", max_ttft_ms), ("TPOT", max_tpot_ms))
                if v is not None
            )
            at = "" if batch_size is None else f" at --batch-size {batch_size}"
            raise LatencyTargetsError(
                f"no configuration of {count} x {acc.id}{at} meets {wanted}. Best TTFT reachable: "
                f"{best_t.ttft_for_targets() * 1e3:,.1f} ms at {best_t.throughput:,.0f} output tokens/s "
                f"({best_t.par.label()}, {best_t.precision}, batch {best_t.batch_per_replica * best_t.replicas:.0f}); "
                f"best TPOT reachable: {best_p.tpot_for_targets() * 1e3:,.2f} ms at {best_p.throughput:,.0f} output tokens/s "
                f"({best_p.par.label()}, {best_p.precision}, batch {best_p.batch_per_replica * best_p.replicas:.0f}). "
                "Fix: relax --max-ttft-ms / --max-tpot-ms"
                + (" or lower --batch-size" if batch_size is not None else "")
                + " or add devices.",
                best_ttft_ms=best_t.ttft_for_targets() * 1e3,
                best_tpot_ms=best_p.tpot_for_targets() * 1e3,
                throughput=best_p.throughput,
            )
    best = max(feasible, key=lambda o: (o.throughput, -o.par.devices))
    return replace(
        _prediction(
            arch, acc, fw, best, count=count, model_name=model_name, mode=mode, input_tokens=input_tokens,
            output_tokens=output_tokens, max_ttft_ms=max_ttft_ms, max_tpot_ms=max_tpot_ms,
            hit=prefix_cache_hit_rate, speculative=speculative, percentile=latency_percentile,
            output_length_cv=output_length_cv,
        ),
        power_cap_w=power_cap_w,
    )  # fmt: skip


def _prediction(
    arch: ModelArchitecture,
    acc: Accelerator,
    fw: ServingFramework,
    o: _Option,
    *,
    count: int,
    model_name: str,
    mode: Mode,
    input_tokens: int,
    output_tokens: int,
    max_ttft_ms: float | None,
    max_tpot_ms: float | None,
    hit: float,
    speculative: SpeculativeDecoding | None,
    disaggregated: Disaggregation | None = None,
    notes: tuple[str, ...] = (),
    percentile: float | None = None,
    output_length_cv: float = 0.0,
) -> InferencePrediction:
    mem = memory_per_device(
        arch,
        o.par,
        acc,
        fw,
        weight_bytes_per_param=weight_bytes_per_param(o.precision),
        kv_bytes_per_element=bytes_per_element(o.kv_precision),
        precision=o.precision,
        sequences=min(o.batch_per_replica, float(o.max_batch_per_replica)),
        context_tokens=kv_tokens_held_per_request(
            input_tokens, output_tokens, fw.kv_admission, output_length_cv
        ),
    )
    cost, rates = _cost_and_rates(arch, acc, fw, o.par, o.precision, o.kv_precision)
    decode: dict[str, Any] = {
        "decode_sequences": min(o.batch_per_replica, float(o.max_batch_per_replica)),
        "decode_context": token_weighted_decode_context(input_tokens, output_tokens, output_length_cv),
    }
    decode_parts = iteration_breakdown_s(cost, rates, **decode)
    prompt = max(input_tokens * (1.0 - hit), 1.0)
    prefill: dict[str, Any] = {
        "prefill_tokens": min(prompt, max(float(fw.prefill_chunk_tokens), 1.0)),
        "prefill_context": float(prefill_attention_context(cost, input_tokens, hit)),
    }
    prefill_parts = iteration_breakdown_s(cost, rates, decode_sequences=0.0, decode_context=0.0, **prefill)
    # the prompts' share of device time, from the steady state the option was evaluated at
    share = disaggregated.prefill_devices / count if disaggregated is not None else o.prefill_time_share
    if mxfp4_experts(arch, o.precision):
        notes = (
            *notes,
            "fp4 runs the model's published checkpoint: routed experts in MXFP4 (0.53 B per weight, "
            "the framework's MXFP4 MoE kernel), attention, router and output head in bf16",
        )
    if int4_experts(arch, o.precision):
        notes = (
            *notes,
            "int4 runs the model's published checkpoint: routed experts INT4 weight-only (0.56 B per "
            "weight, the framework's INT4 MoE kernel), the other weights in bf16; matmuls in bf16",
        )
    elif not acc.supports(o.precision) and not mxfp4_experts(arch, o.precision):
        runs_at = get_inference_efficiency(acc.id, o.precision).precision
        notes = (
            *notes,
            f"{acc.id} has no {o.precision} matrix units: the weights are stored in {o.precision} and "
            f"the matmuls run at {runs_at} (weight-only quantisation, the {runs_at} efficiencies)",
        )
    if o.batch_per_replica > o.max_batch_per_replica:
        notes = (
            *notes,
            f"only {o.max_batch_per_replica * o.replicas} requests fit in memory at once; the rest queue "
            "for a slot (included in TTFT)",
        )
    return InferencePrediction(
        model=model_name,
        accelerator=acc.id,
        count=count,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        precision=o.precision,
        kv_precision=o.kv_precision,
        framework=fw.id,
        framework_settings=fw.deployment,
        mode=mode,
        parallelism=o.par,
        replicas=o.replicas,
        batch_size=round(o.batch_per_replica * o.replicas),
        output_tokens_per_s=o.throughput,
        ttft_ms=o.ttft_s * 1e3,
        burst_ttft_ms=o.burst_ttft_s * 1e3,
        tpot_ms=o.tpot_s * 1e3,
        memory_gib_per_device=mem.total_gib,
        weights_gib_per_device=mem.weights_gib,
        kv_cache_gib=mem.kv_cache_gib,
        max_batch_size=o.max_batch_per_replica * o.replicas,
        max_ttft_ms=max_ttft_ms,
        max_tpot_ms=max_tpot_ms,
        prefix_cache_hit_rate=hit,
        output_length_cv=output_length_cv,
        speculative=speculative,
        disaggregated=disaggregated,
        latency_percentile=percentile,
        ttft_percentile_ms=None if o.ttft_tail_s is None else o.ttft_tail_s * 1e3,
        tpot_percentile_ms=None if o.tpot_tail_s is None else o.tpot_tail_s * 1e3,
        notes=notes,
        decode_iteration_ms=tuple((k, v * 1e3) for k, v in decode_parts.items()),
        prefill_iteration_ms=tuple((k, v * 1e3) for k, v in prefill_parts.items()),
        prefill_time_share=share,
        accelerator_power_w=acc.tdp_w,
    )


@dataclass(frozen=True)
class _PrefillPool:
    """One layout of a disaggregated prefill pool and what it prefills.

    ``prompt_service_s``: a replica's time per prompt at full load (its chunk iteration over the
    prompts it carries) [s]; ``replicas`` the pool's replicas [-].
    """

    par: Parallelism
    cost: ServingCost
    t_chunk_s: float
    t_own_s: float
    prompts_per_s: float
    prompt_service_s: float
    replicas: int


def _prefill_pool(
    arch: ModelArchitecture,
    acc: Accelerator,
    fw: ServingFramework,
    par: Parallelism,
    precision: str,
    kv: str,
    input_tokens: int,
    hit: float,
    chunk: float,
    devices: int,
) -> _PrefillPool | None:
    """A prefill pool of ``devices`` in replicas of ``par``: full chunks of ``chunk`` prompt tokens,
    a prompt's own prefill latency and the pool's prompts per second (None when one prompt's
    weights, KV cache and activations do not fit)."""
    if devices % par.devices:
        return None
    mem = memory_per_device(
        arch,
        par,
        acc,
        fw,
        weight_bytes_per_param=weight_bytes_per_param(precision),
        kv_bytes_per_element=bytes_per_element(kv),
        sequences=1,
        context_tokens=float(input_tokens),
        precision=precision,
    )
    if not mem.fits:
        return None
    cost, rates = _cost_and_rates(arch, acc, fw, par, precision, kv)
    i_p = max(input_tokens * (1.0 - hit), 1.0)
    ctx = prefill_attention_context(cost, input_tokens, hit)

    def prefill(tokens: ArrayLike) -> NDArray[np.float64]:
        return iteration_time_s(
            cost, rates, decode_sequences=0.0, decode_context=0.0, prefill_tokens=tokens, prefill_context=ctx
        )

    replicas = devices // par.devices
    d = cost.attn_dp
    if d <= 1:
        t_chunk = float(prefill(chunk))
        # the prompt crosses the pool's pipeline stages in one micro-batch (own_chunk_latency_s)
        t_own = float(own_chunk_latency_s(prefill, i_p, i_p, par.pp))
        service = t_chunk * i_p / chunk
        return _PrefillPool(par, cost, t_chunk, t_own, replicas / service, service, replicas)
    # Attention DP: every rank prefills its own prompts with its own token budget (TensorRT-LLM
    # max_num_tokens per rank), so a loaded replica carries d chunks per iteration, the routed experts
    # pooled over the ranks; a prompt alone runs on one rank (its attention and dense layers), the
    # experts of its tokens spread over the stage (see attention DP in steady_state).
    t_chunk = float(prefill(chunk * d))
    rank_cost = replace(cost, attn_dp=1, experts=0, moe_layers=0)
    exp_rate = rates.expert_compute_flops_per_s

    def rank(tokens: ArrayLike) -> NDArray[np.float64]:
        t = iteration_time_s(
            rank_cost,
            rates,
            decode_sequences=0.0,
            decode_context=0.0,
            prefill_tokens=tokens,
            prefill_context=ctx,
        )
        return np.asarray(t + cost.pp * np.asarray(tokens) * cost.expert_flops_per_token / exp_rate)

    t_own = float(own_chunk_latency_s(rank, i_p, i_p, par.pp))
    service = t_chunk * i_p / (chunk * d)
    return _PrefillPool(par, cost, t_chunk, t_own, replicas / service, service, replicas)


def _closed_loop_disaggregated(
    arch: ModelArchitecture,
    acc: Accelerator,
    dis: Disaggregation,
    decode: InferencePrediction,
    decode_kw: dict[str, Any],
    pool: _PrefillPool,
    *,
    transfer_s: float,
    clients: int,
    input_tokens: int,
    output_tokens: int,
    precision: str,
    kv: str,
) -> tuple[_Option, InferencePrediction]:
    """Disaggregated pools under ``C`` clients in a closed loop (each sends its next request when
    its last one ends).

    A request waits for the prefill pool (M/D/1 at its utilisation ``X / mu``, ``mu`` the pool's
    prompts per second, as in the open-loop case), is prefilled (``t_own``), its KV cache moves to
    the decode pool (``transfer_s``), and it decodes ``O - 1`` tokens at the decode pool's TPOT with
    ``N`` requests decoding. Little's law on each stage: ``N = X (O - 1) TPOT(N)`` and the clients
    add up, ``C = N + X TTFT(X)``; a prompt waits behind at most the other clients' ``C - 1``
    prompts. ``C(N)`` grows with ``N``, so the decode concurrency is found by
    bisection over whole requests and interpolated between them; where even a full decode pool
    (its memory's ``N_max``) holds fewer than ``C`` requests, the rest wait for a slot and that
    wait is in their TTFT (``TTFT = C / X - (O - 1) TPOT``). With one client this is one request
    after another: ``X = 1 / (TTFT + (O - 1) TPOT)``.
    """
    steps = max(output_tokens - 1, 0)
    mu, service = pool.prompts_per_s, pool.prompt_service_s
    cache: dict[int, InferencePrediction] = {}

    def at(n: int) -> InferencePrediction:
        if n not in cache:
            cache[n] = predict_inference(arch, acc.id, dis.decode_devices, batch_size=n, **decode_kw)
        return cache[n]

    # a prompt never waits behind more prompts than the other clients have (as in the aggregated model)
    ahead_max = max(clients - 1, 0) / max(pool.replicas, 1)

    def ttft(x: float) -> float:
        rho = x / mu
        if rho >= 1.0:
            return math.inf
        return pool.t_own_s + min(rho / (2.0 * (1.0 - rho)), ahead_max) * service + transfer_s

    def rate(n: int) -> float:
        if n == 0:
            return 0.0
        if steps == 0:  # nothing to decode: the prefill pool sets the pace
            return mu * (1.0 - 1e-9)
        return n / (steps * at(n).tpot_ms / 1e3)

    def held(n: int) -> float:
        x = rate(n)
        return float(n) + (x * ttft(x) if x > 0 else 0.0)

    n_max = max(decode.max_batch_size, 1)
    interior = False
    if held(n_max) <= clients:
        x, n_eff, tpot_s = rate(n_max), float(n_max), at(n_max).tpot_ms / 1e3
    else:
        lo, hi = 0, n_max
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if held(mid) < clients:
                lo = mid
            else:
                hi = mid
        interior = math.isfinite(held(hi))
        if not interior:
            hi = lo
        # between two whole decode concurrencies the rate moves continuously: solve
        # n(x) + x TTFT(x) = C for the rate, n(x) interpolated between them (TTFT is steep near mu)
        x_lo, x_hi = rate(lo), rate(hi)
        a_x, b_x = x_lo, x_hi
        for _ in range(60 if interior and x_hi > x_lo else 0):
            mid_x = 0.5 * (a_x + b_x)
            n_mid = lo + (mid_x - x_lo) / (x_hi - x_lo) * (hi - lo)
            if n_mid + mid_x * ttft(mid_x) < clients:
                a_x = mid_x
            else:
                b_x = mid_x
        x = 0.5 * (a_x + b_x) if interior and x_hi > x_lo else x_lo
        w = (x - x_lo) / (x_hi - x_lo) if x_hi > x_lo else 0.0
        n_eff = lo + w * (hi - lo)
        tpot_hi = at(hi).tpot_ms / 1e3 if hi > 0 else at(1).tpot_ms / 1e3
        tpot_lo = at(lo).tpot_ms / 1e3 if lo > 0 else tpot_hi
        tpot_s = tpot_lo + w * (tpot_hi - tpot_lo)
    x = max(x, 1e-12)
    # where the decode pool is full or the prefill pool saturated, Little's law over the whole loop:
    # whatever of C / X the decoding does not take is spent waiting before the first token
    saturated_s = clients / x - steps * tpot_s
    ttft_s = ttft(x) if interior else max(saturated_s, ttft(min(x, mu * (1.0 - 1e-9))))
    per_replica = max(clients / max(pool.replicas, 1) - 1.0, 0.0)
    burst_s = transfer_s + pool.t_own_s + per_replica / 2.0 * service
    served = at(max(round(n_eff), 1))
    o = _Option(
        precision=precision,
        kv_precision=kv,
        par=served.parallelism,
        replicas=served.replicas,
        batch_per_replica=clients / served.replicas,
        throughput=x * output_tokens,
        ttft_s=ttft_s,
        burst_ttft_s=max(burst_s, ttft_s) if clients == 1 else burst_s,
        tpot_s=tpot_s,
        max_batch_per_replica=decode.max_batch_size // max(decode.replicas, 1),
    )
    return o, served


def _predict_disaggregated(
    arch: ModelArchitecture,
    acc: Accelerator,
    fw: ServingFramework,
    count: int,
    *,
    model_name: str,
    input_tokens: int,
    output_tokens: int,
    precision: str,
    kv_precision: str | None,
    tp: int | None,
    ep: int | None,
    pp: int | None,
    hit: float,
    speculative: SpeculativeDecoding | None,
    dis: Disaggregation,
    max_ttft_ms: float | None,
    max_tpot_ms: float | None,
    power_cap_w: float | None = None,
    batch_size: int | None = None,
) -> InferencePrediction:
    """Separate prefill and decode pools (DistServe, Zhong et al. OSDI 2024; Splitwise, ISCA 2024).

    The decode pool runs decode-only iterations (``TPOT = t_d / tau``); the prefill pool prefills
    full chunks at ``c / t_p`` prompt tokens per second per replica. The system serves
    ``min(decode rate, prefill rate * O / I_p)`` output tokens per second. TTFT is the prompt's own
    prefill plus an M/D/1 wait at the prefill pool's utilisation plus the KV transfer
    ``I * kv_bytes / scale-out bandwidth``.

    With ``batch_size`` (``C`` clients in a closed loop) the request rate ``X`` is where the clients
    add up (Little's law): ``C = N + X TTFT(X)`` with ``N = X (O - 1) TPOT(N)`` requests decoding in
    the decode pool (:func:`_closed_loop_disaggregated`).
    """
    if dis.prefill_devices < 1 or dis.decode_devices < 1 or dis.prefill_devices + dis.decode_devices != count:
        raise InvalidInputError(
            "--prefill-devices",
            "the prefill and decode pools need at least one device each and add up to --count",
            f"{dis.prefill_devices} + {dis.decode_devices} vs {count}",
            f"give --prefill-devices between 1 and {count - 1}" if count > 1 else "give --count of 2 or more",
        )
    kv = kv_precision or _kv_default(precision)
    # The decode pool receives each prompt's KV cache from the prefill pool: it never prefills, which
    # is a full prefix-cache hit but for the one token the prefill pool hands over (its first decode
    # step). KV memory and decode attention still span the whole prompt.
    decode_kw: dict[str, Any] = {
        "input_tokens": input_tokens, "output_tokens": output_tokens, "precision": precision,
        "kv_precision": kv, "framework": fw, "speculative": speculative,
        "prefix_cache_hit_rate": 1.0 - 1.0 / max(input_tokens, 1), "power_cap_w": power_cap_w,
    }  # fmt: skip
    decode = predict_inference(
        arch, acc.id, dis.decode_devices, tp=tp, ep=ep, pp=pp, max_tpot_ms=max_tpot_ms, **decode_kw
    )
    w_b, kv_b = weight_bytes_per_param(precision), bytes_per_element(kv)
    i_p = max(input_tokens * (1.0 - hit), 1.0)
    chunk = max(float(fw.prefill_chunk_tokens), i_p)
    if dis.prefill_max_batch_size is not None:
        if dis.prefill_max_batch_size < 1:
            raise InvalidInputError(
                "--prefill-max-batch",
                "must be at least 1",
                dis.prefill_max_batch_size,
                "give the prompts a prefill worker takes per iteration",
            )
        chunk = max(min(chunk, dis.prefill_max_batch_size * i_p), i_p)
    given = dis.prefill_parallelism()
    if given is not None:
        if dis.prefill_devices % given.devices or arch.heads % given.tp:
            raise InvalidInputError(
                "--prefill-tp",
                f"the prefill layout ({given.label()}, {given.devices} devices per replica) must divide the "
                f"prefill pool's {dis.prefill_devices} devices and its TP the {arch.heads} attention heads",
                given.label(),
                "give a layout whose devices per replica divide --prefill-devices",
            )
        layouts = [given]
    elif tp is None and ep is None and pp is None:
        # each pool gets its own layout (DistServe places the two phases independently): the
        # prefill pool's is the one that prefills the most prompts per second on its devices
        layouts = _candidate_parallelisms(arch, acc, dis.prefill_devices, None, None, None)
    else:
        # a layout the user fixed holds for both pools (as far as the prefill pool's count allows)
        par = decode.parallelism
        if dis.prefill_devices % par.devices:
            par = Parallelism(
                tp=math.gcd(par.tp, dis.prefill_devices),
                ep=1 if arch.moe is None else math.gcd(par.ep, dis.prefill_devices),
                pp=1,
            )
        layouts = [par]
    pools = [
        pool
        for par in layouts
        if (
            pool := _prefill_pool(
                arch, acc, fw, par, precision, kv, input_tokens, hit, chunk, dis.prefill_devices
            )
        )
        is not None
    ]
    if not pools:
        par = layouts[0]
        need = memory_per_device(
            arch, par, acc, fw, weight_bytes_per_param=w_b, kv_bytes_per_element=kv_b, sequences=1,
            context_tokens=float(input_tokens), precision=precision,
        )  # fmt: skip
        raise DoesNotFitError(
            f"{model_name} prefill pool does not fit on {dis.prefill_devices} x {acc.id}",
            needed_gib=need.total_gib,
            available_gib=acc.hbm_gib,
            suggestion="Fix: give the prefill pool as many devices as one decode replica.",
        )
    if max_ttft_ms is not None and any(p.t_own_s * 1e3 <= max_ttft_ms for p in pools):
        pools = [p for p in pools if p.t_own_s * 1e3 <= max_ttft_ms]
    best = max(pools, key=lambda p: (p.prompts_per_s, -p.t_own_s))
    par, cost, t_own = best.par, best.cost, best.t_own_s
    prefill_replicas = best.replicas
    prompts_per_s = best.prompts_per_s
    # the prompt's KV cache as held after prefill (sliding-window layers keep only their window)
    kv_bytes = float(kv_context(cost, input_tokens)) * arch.kv_cache_bytes_per_token(kv_b)
    transfer_s = kv_bytes / (acc.scaleout_bandwidth_gb_s * 1e9 * par.devices)
    if batch_size is not None:
        chosen = decode.parallelism
        decode_kw = {**decode_kw, "tp": chosen.tp, "ep": chosen.ep, "pp": chosen.pp}
        o, decode = _closed_loop_disaggregated(
            arch, acc, dis, decode, decode_kw, best, transfer_s=transfer_s, clients=batch_size,
            input_tokens=input_tokens, output_tokens=output_tokens, precision=precision, kv=kv,
        )  # fmt: skip
        note = (
            f"disaggregated, {batch_size} clients: prefill pool {dis.prefill_devices} devices ({prefill_replicas} "
            f"x {par.label()}), {prompts_per_s:,.1f} prompts/s at most; decode pool {dis.decode_devices} devices "
            f"({decode.parallelism.label()}) holding {decode.batch_size} requests; KV transfer "
            f"{transfer_s * 1e3:,.2f} ms per request"
        )
        return _prediction(
            arch, acc, fw, o, count=count, model_name=model_name, mode=decode.mode,
            input_tokens=input_tokens, output_tokens=output_tokens, max_ttft_ms=max_ttft_ms,
            max_tpot_ms=max_tpot_ms, hit=hit, speculative=speculative, disaggregated=dis, notes=(note,),
        )  # fmt: skip
    decode_rps = decode.output_tokens_per_s / output_tokens
    rps = min(prompts_per_s, decode_rps)
    rho = min(rps / prompts_per_s, 0.95)
    if prompts_per_s < decode_rps:
        # The prefill pool limits the rate: the decode pool holds only the requests it is fed, rps x
        # (O - 1) TPOT by Little's law, and decodes them faster than at its full batch (fixed point).
        chosen = decode.parallelism
        decode_kw = {**decode_kw, "tp": chosen.tp, "ep": chosen.ep, "pp": chosen.pp}
        for _ in range(12):
            held = rps * max(output_tokens - 1, 1) * decode.tpot_ms / 1e3
            wanted = max(min(round(held), decode.batch_size), 1)
            if wanted == decode.batch_size:
                break
            decode = predict_inference(arch, acc.id, dis.decode_devices, batch_size=wanted, **decode_kw)
    ttft_s = t_own + rho / (2 * (1 - rho)) * best.prompt_service_s + transfer_s
    o = _Option(
        precision=precision,
        kv_precision=kv,
        par=decode.parallelism,
        replicas=decode.replicas,
        batch_per_replica=decode.batch_size / decode.replicas,
        throughput=rps * output_tokens,
        ttft_s=ttft_s,
        burst_ttft_s=ttft_s,
        tpot_s=decode.tpot_ms / 1e3,
        max_batch_per_replica=decode.max_batch_size // max(decode.replicas, 1),
    )
    note = (
        f"disaggregated: prefill pool {dis.prefill_devices} devices ({prefill_replicas} x {par.label()}), "
        f"{prompts_per_s:,.1f} prompts/s; decode pool {dis.decode_devices} devices, {decode_rps:,.1f} requests/s; "
        f"KV transfer {transfer_s * 1e3:,.2f} ms per request"
    )
    if max_ttft_ms is not None and ttft_s * 1e3 > max_ttft_ms:
        raise LatencyTargetsError(
            f"disaggregated TTFT {ttft_s * 1e3:,.1f} ms exceeds --max-ttft-ms {max_ttft_ms}. "
            "Fix: give the prefill pool more devices or relax the target.",
            best_ttft_ms=ttft_s * 1e3,
            best_tpot_ms=decode.tpot_ms,
            throughput=o.throughput,
        )
    return _prediction(
        arch, acc, fw, o, count=count, model_name=model_name, mode=decode.mode, input_tokens=input_tokens,
        output_tokens=output_tokens, max_ttft_ms=max_ttft_ms, max_tpot_ms=max_tpot_ms, hit=hit,
        speculative=speculative, disaggregated=dis, notes=(note,),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- sizing


@dataclass(frozen=True, kw_only=True)
class ServiceSizing:
    """Devices of one accelerator type a service needs (``devices`` is ``None`` when none works)."""

    accelerator: str
    devices: int | None
    replicas: int
    prediction: InferencePrediction | None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class InferenceSizing:
    """Sizing of an inference service per accelerator type (immutable, keeps its inputs)."""

    model: str
    requests_per_s: float
    input_tokens: int
    output_tokens: int
    max_ttft_ms: float | None
    max_tpot_ms: float | None
    options: tuple[ServiceSizing, ...]

    @property
    def best(self) -> ServiceSizing | None:
        """The option with the fewest devices (ties: the first listed)."""
        ok = [o for o in self.options if o.devices is not None]
        return min(ok, key=lambda o: o.devices or 0) if ok else None


def size_inference_service(
    model: str | ModelArchitecture,
    *,
    requests_per_s: float,
    input_tokens: int,
    output_tokens: int,
    max_ttft_ms: float | None = None,
    max_tpot_ms: float | None = None,
    accelerators: list[str] | None = None,
    precision: str | None = None,
    framework: str | ServingFramework = "auto",
    replica_sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64),
    output_length_cv: float = 0.0,
    progress: Callable[[int], None] | None = None,
    power_limit_fraction: float | None = None,
) -> InferenceSizing:
    """Devices of each accelerator type needed to serve ``requests_per_s`` within the targets.

    ``output_length_cv`` is the spread of the output lengths (standard deviation over mean,
    :func:`predict_inference`). For each replica size ``n`` the best configuration of ``n`` devices that meets the targets
    gives ``r_n`` requests per second (output tokens/s over ``O``); the service needs
    ``ceil(requests_per_s / r_n)`` replicas, ``n`` devices each. The size with the fewest devices
    wins. Accelerators default to the whole catalogue. ``progress`` is called with the number of
    accelerators done after each. ``power_limit_fraction`` runs every device under a board power
    limit of that share of its TDP (``power_cap_w`` of :func:`predict_inference`).
    """
    if power_limit_fraction is not None and not (
        math.isfinite(power_limit_fraction) and MIN_POWER_CAP_FRACTION <= power_limit_fraction <= 1.0
    ):
        raise InvalidInputError(
            "--power-limit-fraction",
            f"must be in [{MIN_POWER_CAP_FRACTION:g}, 1]",
            power_limit_fraction,
            "give the board power limit as a share of each accelerator's TDP, e.g. 0.7",
        )
    check_positive_number("--requests-per-s", requests_per_s, "give the service's peak request rate")
    ids = accelerators or [a.id for a in list_accelerators()]
    out = []
    for acc_id in ids:
        acc = get_accelerator(acc_id, field="accelerators")
        best: tuple[int, int, InferencePrediction] | None = None
        reason = ""
        for n in replica_sizes:
            try:
                p = predict_inference(
                    model, acc.id, n, input_tokens=input_tokens, output_tokens=output_tokens,
                    precision=precision, max_ttft_ms=max_ttft_ms, max_tpot_ms=max_tpot_ms, framework=framework,
                    output_length_cv=output_length_cv,
                    power_cap_w=None if power_limit_fraction is None else power_limit_fraction * acc.tdp_w,
                )  # fmt: skip
            except (DoesNotFitError, LatencyTargetsError) as err:
                reason = str(err)
                continue
            replicas = math.ceil(requests_per_s * output_tokens / p.output_tokens_per_s)
            if best is None or replicas * n < best[0] * best[1]:
                best = (replicas, n, p)
        if best is None:
            out.append(
                ServiceSizing(accelerator=acc.id, devices=None, replicas=0, prediction=None, reason=reason)
            )
        else:
            out.append(
                ServiceSizing(
                    accelerator=acc.id, devices=best[0] * best[1], replicas=best[0], prediction=best[2]
                )
            )
        if progress is not None:
            progress(len(out))
    name = model if isinstance(model, str) else model.name
    return InferenceSizing(
        model=name,
        requests_per_s=requests_per_s,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        max_ttft_ms=max_ttft_ms,
        max_tpot_ms=max_tpot_ms,
        options=tuple(out),
    )
