"""Pure, vectorised equations of LLM serving: step times, memory, continuous-batching steady state.

Everything here takes numbers (or numpy arrays of numbers) and returns numbers; nothing reads files,
the clock or global state. The domain objects that build the inputs from a model architecture, an
accelerator and the shipped efficiency data live in :mod:`stackplan.perf.inference`.

Notation (per device of one pipeline stage unless stated otherwise)
-------------------------------------------------------------------
``n``      tokens processed by one iteration of the whole model instance [-]
``b``      sequences in the decode phase (concurrency) [-]
``c``      prefill tokens in one iteration (the chunk) [-]
``S``      context length a query attends to [tokens]
``t_d``    decode-only iteration time [s]; ``t_h`` iteration time with a prefill chunk [s]

Each iteration is a roofline per part (Williams et al. 2009): weight-streaming matmuls take
``max(bytes / BW, flops / F)``, decode attention ``max(kv_bytes / BW, flops / F_attn)``, prefill
attention ``flops / F_attn``; element-wise kernels stream activations; tensor-parallel all-reduces
and expert-parallel all-to-alls are ``alpha + bytes / BW_link``; a fixed kernel-launch latency per
layer and a CPU scheduling overhead per iteration are added (they dominate small decode batches:
NVIDIA, "Mastering LLM Techniques: Inference Optimization", 2023; Kwon et al., vLLM, SOSP 2023).

References
----------
Pope et al., "Efficiently Scaling Transformer Inference", MLSys 2023 (roofline of prefill and
decode, TP communication). Agrawal et al., "Sarathi-Serve", OSDI 2024 (chunked prefill mixed with
decode). Yu et al., "Orca", OSDI 2022 (iteration-level continuous batching). DeepSeek-AI,
"DeepSeek-V3 technical report", arXiv:2412.19437 (MLA, expert parallelism).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from stackplan.perf.training import smooth_roofline

__all__ = [
    "DeviceRates",
    "ServingCost",
    "SteadyState",
    "TailLatency",
    "allreduce_time_s",
    "expected_distinct_experts",
    "expert_gemm_time_s",
    "finite_run_throughput",
    "iteration_breakdown_s",
    "iteration_time_s",
    "kv_context",
    "kv_tokens_held_per_request",
    "mean_attended_context",
    "own_chunk_latency_s",
    "poisson_tail_latency",
    "prefill_attention_context",
    "smooth_roofline",
    "speculative_tokens_per_step",
    "steady_state",
    "tail_concurrency",
    "token_weighted_decode_context",
]

FloatArray = NDArray[np.float64]
#: Measured points of a collective: message sizes [B] and times [s], sizes increasing.
MeasuredCurve = tuple[tuple[float, ...], tuple[float, ...]]
Scheduling = Literal["mixed", "prefill_first"]


@dataclass(frozen=True, kw_only=True)
class DeviceRates:
    """Achievable rates of one device in a given serving setup.

    Attributes
    ----------
    matmul_flops_per_s
        Achievable dense matmul rate at the weight precision [FLOP/s] (peak x matmul efficiency).
    attention_flops_per_s
        Achievable attention-kernel rate [FLOP/s] (bf16/fp16 tensor cores x attention efficiency).
    memory_bytes_per_s
        Achievable HBM streaming bandwidth [B/s] (peak x memory-bandwidth efficiency).
    link_bytes_per_s
        Scale-up bandwidth per device, one direction, achievable [B/s].
    link_latency_s
        Latency of one collective over the scale-up domain [s].
    layer_overhead_s
        Fixed latency per transformer layer per iteration (kernel launches, synchronisation) [s].
    iteration_overhead_s
        CPU scheduling / sampling overhead per iteration [s].
    cpu_overlapped
        The CPU work of an iteration overlaps the GPU's (asynchronous scheduling): an iteration
        lasts ``max(t_gpu, iteration_overhead_s)``; otherwise ``t_gpu + iteration_overhead_s``.
    sequence_overhead_s
        Host time per running sequence per iteration of one scheduling process (an attention-DP
        rank) [s] (``host_overhead.csv``): the host step of ``b`` sequences lasts
        ``sequence_overhead_s b`` and the GPU waits for it where it is longer than the GPU work
        (the overlap scheduler hides it below that); 0 where not measured.
    expert_matmul_fraction
        Fraction of ``matmul_flops_per_s`` routed-expert (grouped) GEMMs reach, including token
        permutation and routing [-].
    prefill_moe_layer_overhead_s
        Fixed latency per MoE layer of an iteration that carries prompt tokens [s] (prefill runs
        eagerly and synchronises with the host once per MoE layer; decode-only iterations replay
        CUDA graphs and do not pay it).
    kv_read_bytes_per_s
        Achievable HBM bandwidth of the decode-attention kernel reading the KV cache [B/s]
        (peak x decode-attention bandwidth efficiency); ``None``: ``memory_bytes_per_s``.
    expert_memory_bytes_per_s
        HBM bandwidth at which the framework's MoE kernel streams routed-expert weights [B/s]
        (peak x the measured expert bandwidth efficiency of ``moe_kernels.csv``); ``None``:
        ``memory_bytes_per_s``.
    expert_matmul_flops_per_s
        Achievable matmul rate of the expert GEMMs when it differs from ``matmul_flops_per_s``
        [FLOP/s] (an MXFP4-expert checkpoint: experts at their activation precision, the other
        GEMMs in bf16); ``None``: ``matmul_flops_per_s``.
    allreduce_measured
        The framework's measured tensor-parallel all-reduce on this chip at the stage's TP degree:
        message sizes [B] and times [s] (``allreduce_latency.csv``); ``None``: the ring model over
        ``link_bytes_per_s`` and ``link_latency_s``.
    alltoall_bytes_per_s, alltoall_latency_s
        Effective bandwidth [B/s] and latency [s] of the expert-parallel all-to-all when it differs
        from the tensor-parallel link's (an expert group that spans scale-up domains,
        :func:`stackplan.perf.inference_setup.device_rates`); ``None``: ``link_bytes_per_s`` and
        ``link_latency_s``.
    """

    matmul_flops_per_s: float
    attention_flops_per_s: float
    memory_bytes_per_s: float
    link_bytes_per_s: float
    link_latency_s: float
    layer_overhead_s: float
    iteration_overhead_s: float
    prefill_moe_layer_overhead_s: float = 0.0
    expert_matmul_fraction: float = 1.0
    kv_read_bytes_per_s: float | None = None
    expert_memory_bytes_per_s: float | None = None
    expert_matmul_flops_per_s: float | None = None
    cpu_overlapped: bool = False
    allreduce_measured: MeasuredCurve | None = None
    sequence_overhead_s: float = 0.0
    alltoall_bytes_per_s: float | None = None
    alltoall_latency_s: float | None = None

    @property
    def expert_compute_flops_per_s(self) -> float:
        """Achievable rate of the routed-expert grouped GEMMs [FLOP/s]: ``F_exp x_moe``."""
        f = (
            self.expert_matmul_flops_per_s
            if self.expert_matmul_flops_per_s is not None
            else self.matmul_flops_per_s
        )
        return f * self.expert_matmul_fraction


@dataclass(frozen=True, kw_only=True)
class ServingCost:
    """Per-device work of one pipeline stage of one model instance, per unit of load.

    A model instance spans ``pp * max(tp, ep)`` devices. In each stage, attention runs
    tensor-parallel ``tp``-way and data-parallel ``attn_dp = max(tp, ep) / tp``-way; routed experts
    are spread expert-parallel ``ep``-way (and tensor-parallel over the rest of the stage).

    Attributes
    ----------
    layers
        Transformer layers in the stage [-].
    moe_layers
        MoE layers in the stage [-].
    dense_weight_bytes
        Non-expert weights one device streams per iteration (attention, dense MLP, shared experts,
        router, output head share) [B].
    dense_flops_per_token
        Non-expert matmul FLOPs per token on one device (a token lives on one DP rank) [FLOP].
    experts
        Routed experts per MoE layer ``E`` [-] (0 for dense models).
    active_experts
        Routed experts per token ``k`` [-].
    expert_bytes_per_layer
        Bytes of all routed experts of one layer held by one device [B].
    expert_flops_per_token
        Routed-expert FLOPs one token costs one device over the stage, i.e.
        ``2 k P_expert L_moe / devices_per_stage`` [FLOP].
    kv_bytes_per_token
        KV-cache bytes per context token per sequence held by one device over the stage [B].
    attention_flops_per_context_token_prefill, attention_flops_per_context_token_decode
        Attention FLOPs per query token per context token on one device over the stage [FLOP]
        (MLA decode runs the absorbed form, hence two values).
    activation_bytes_per_token
        HBM traffic of element-wise kernels (norms, RoPE, activation, residual) per token per device
        over the stage [B].
    allreduce_bytes_per_token
        Payload of one TP all-reduce per token [B] (hidden size x 2 B).
    allreduces
        TP all-reduces per iteration in the stage (2 per layer when ``tp > 1``) [-].
    alltoall_bytes_per_token
        Expert-parallel dispatch + combine bytes one device sends per token it owns [B].
    alltoalls
        All-to-all collectives per iteration in the stage [-].
    tp, attn_dp, pp
        Parallel degrees [-].
    layer_kernel_ratio
        Kernels one layer launches relative to a dense GQA layer with a gated MLP [-], averaged
        over the stage's layers (MLA and MoE blocks launch more, smaller kernels); the fixed
        per-layer latency scales with it.
    head_flops_per_token
        Output-head share of ``dense_flops_per_token`` [FLOP] (``2 V h / (tp pp)``): prompt tokens
        skip it, since only a prompt's last token is sampled (TensorRT-LLM
        ``gather_context_logits`` off by default; vLLM's ``logits_indices``).
    local_attention_fraction, local_attention_window, local_attention_kind
        Share of the layers whose attention sees only a local window [-], the window [tokens] and
        its kind (``chunked`` or ``sliding``, see
        :class:`~stackplan.models.architecture.LocalAttention`); 0 when every layer is global.
    """

    layers: int
    moe_layers: int
    dense_weight_bytes: float
    dense_flops_per_token: float
    experts: int
    active_experts: int
    expert_bytes_per_layer: float
    expert_flops_per_token: float
    kv_bytes_per_token: float
    attention_flops_per_context_token_prefill: float
    attention_flops_per_context_token_decode: float
    activation_bytes_per_token: float
    allreduce_bytes_per_token: float
    allreduces: int
    alltoall_bytes_per_token: float
    alltoalls: int
    tp: int
    attn_dp: int
    pp: int
    layer_kernel_ratio: float = 1.0
    head_flops_per_token: float = 0.0
    local_attention_fraction: float = 0.0
    local_attention_window: float = 0.0
    local_attention_kind: Literal["chunked", "sliding"] = "chunked"


def mean_attended_context(
    start: float, end: float, window: float | None = None, kind: Literal["chunked", "sliding"] = "chunked"
) -> float:
    """Mean context a query attends to over the prompt positions ``[start, end)`` [tokens].

    With positions as a continuum, a query at ``x`` attends to ``x`` earlier tokens under global
    causal attention (mean ``(start + end) / 2``), to ``x mod W`` within its chunk under chunked
    attention (Llama 4) and to ``min(x, W)`` under a sliding window of ``W`` tokens. The mean is
    the integral over ``[start, end)`` divided by its length; ``window=None`` is global attention.
    """
    if end <= start:
        return float(start)
    if window is None or window <= 0:
        return (start + end) / 2.0
    w = float(window)

    def integral(x: float) -> float:
        if kind == "chunked":
            q = np.floor(x / w)
            r = x - q * w
            return float(q * w * w / 2.0 + r * r / 2.0)
        return x * x / 2.0 if x <= w else w * w / 2.0 + (x - w) * w

    return (integral(end) - integral(start)) / (end - start)


def prefill_attention_context(cost: ServingCost, input_tokens: float, prefix_hit_rate: float = 0.0) -> float:
    """Mean context per prompt token over all layers of the stage [tokens].

    The prompt's uncached part, positions ``[I h, I)``, attends over the whole context in global
    layers and over its window in the ``local_attention_fraction`` of local layers
    (:func:`mean_attended_context`); the prefill attention FLOPs scale with this mean.
    """
    start = float(input_tokens) * prefix_hit_rate
    end = max(float(input_tokens), start + 1.0)
    full = mean_attended_context(start, end)
    f = cost.local_attention_fraction
    if f <= 0.0:
        return full
    local = mean_attended_context(start, end, cost.local_attention_window, cost.local_attention_kind)
    return (1.0 - f) * full + f * local


def kv_context(cost: ServingCost, context: ArrayLike) -> FloatArray:
    """KV-cache tokens a sequence of ``context`` tokens holds and reads, averaged over layers [tokens].

    Global and chunked-attention layers keep the whole context. Sliding-window layers keep and
    read only the last ``W`` tokens: ``(1 - f) S + f min(S, W)`` with ``f`` the share of local
    layers. The serving frameworks free the blocks that leave the window (vLLM's hybrid KV-cache
    manager, TensorRT-LLM's variable sliding-window attention with one KV pool per window size,
    SGLang's SWA memory pool); the decode kernel attends only to the window (Mistral 7B, Jiang et
    al. 2023, arXiv:2310.06825, "rolling buffer cache"). Chunked layers (Llama 4) are left whole:
    TensorRT-LLM applies chunked attention to context requests only.
    """
    s = np.asarray(context, dtype=np.float64)
    f = cost.local_attention_fraction
    if f <= 0.0 or cost.local_attention_kind != "sliding":
        return s
    return np.asarray((1.0 - f) * s + f * np.minimum(s, cost.local_attention_window), dtype=np.float64)


def expected_distinct_experts(experts: int, active_experts: int, tokens: ArrayLike) -> FloatArray:
    """Expected number of distinct experts a batch of tokens touches in one MoE layer [-].

    ``E (1 - (1 - k/E)^n)``: each token picks ``k`` of ``E`` experts; under uniform, independent
    routing an expert is missed by one token with probability ``1 - k/E``. Small decode batches read
    few experts, large batches read all of them. Assumes balanced routing (DeepSeek-V3 sec. 2.1.2
    auxiliary-loss-free balancing); real routers are somewhat skewed, which lowers the count.
    """
    n = np.asarray(tokens, dtype=np.float64)
    if experts <= 0:
        return np.zeros_like(n)
    return experts * (1.0 - (1.0 - active_experts / experts) ** np.maximum(n, 0.0))


def allreduce_time_s(
    bytes_per_device: ArrayLike,
    devices: int,
    link_bytes_per_s: float,
    latency_s: float,
    measured: MeasuredCurve | None = None,
) -> FloatArray:
    """All-reduce time [s] (0 when ``p = 1``).

    Without ``measured``: the ring model ``alpha + 2 (p-1)/p * bytes / BW`` (Thakur, Rabenseifner
    and Gropp, "Optimization of collective communication operations in MPICH", IJHPCA 2005).

    With ``measured`` (the framework's own all-reduce timed on the chip at this group size,
    ``allreduce_latency.csv``): ``alpha + T(bytes) - T(smallest)``, where ``T`` is the measured
    time interpolated in log-log between the measured sizes (proportional to the bytes above the
    largest, where it is bandwidth bound). Only the size-dependent part is taken from the
    measurement: its small-message floor (a standalone call's launch and synchronisation, 3-18 us)
    is per-call latency that the model already charges per layer (``layer_overhead_s``, calibrated
    on measured serving) and ``alpha``.
    """
    b = np.asarray(bytes_per_device, dtype=np.float64)
    if devices <= 1:
        return np.zeros_like(b)
    if measured is not None:
        sizes, times = measured
        t = np.exp(np.interp(np.log(np.maximum(b, 1.0)), np.log(sizes), np.log(times)))
        t = np.where(b > sizes[-1], times[-1] * b / sizes[-1], t)
        return np.asarray(latency_s + np.maximum(t - times[0], 0.0), dtype=np.float64)
    return latency_s + 2.0 * (devices - 1) / devices * b / link_bytes_per_s


def expert_gemm_time_s(touched_bytes: ArrayLike, flops: ArrayLike, rates: DeviceRates) -> FloatArray:
    """Time of the routed-expert GEMMs [s]: ``R(bytes / BW_exp, flops / (F x_moe))``.

    ``BW_exp`` is the bandwidth at which the framework's MoE kernel streams expert weights
    (``rates.expert_memory_bytes_per_s``, measured per framework, chip and precision in
    ``moe_kernels.csv``; the streaming bandwidth where not measured), ``F x_moe`` the grouped-GEMM
    compute rate and ``R`` the smooth roofline.
    """
    bw = (
        rates.expert_memory_bytes_per_s
        if rates.expert_memory_bytes_per_s is not None
        else rates.memory_bytes_per_s
    )
    return smooth_roofline(
        np.asarray(touched_bytes, dtype=np.float64) / bw,
        np.asarray(flops, dtype=np.float64) / rates.expert_compute_flops_per_s,
    )


def iteration_time_s(
    cost: ServingCost,
    rates: DeviceRates,
    *,
    decode_sequences: ArrayLike,
    decode_context: ArrayLike,
    prefill_tokens: ArrayLike = 0.0,
    prefill_context: ArrayLike = 0.0,
    verify_tokens: ArrayLike = 0.0,
) -> FloatArray:
    """Time of one iteration of the whole model instance [s] (all pipeline stages).

    One iteration advances ``decode_sequences`` sequences by one token each (attending to a mean
    ``decode_context`` tokens) and processes ``prefill_tokens`` prompt tokens (attending to a mean
    ``prefill_context`` tokens each) and ``verify_tokens`` drafted tokens of speculative decoding
    (attending to the decode context; unlike prompt tokens each is sampled, so it pays the output
    head, and they do not make the iteration a prefill one: no MoE prefill synchronisation). With ``pp`` stages the batch is split into ``pp``
    micro-batches that fill the pipeline, so an iteration takes ``pp * t_stage(n / pp)``.

    Per stage and device::

        t_gemm   = R(W_dense / BW, (n_r f_dense - c_r f_head) / F) + R(E_touched B_exp / BW_exp, n f_exp / F)
        t_attn   = max(b_r S_kv kv / BW_kv, b_r S_kv a_d / F_attn) + (c_r S_p + v_r S_d) a_p / F_attn
        t_elem   = n_r act / BW
        t_comm   = N_ar (alpha + 2 (tp-1)/tp n_r h / BW_link) + N_a2a (alpha + n_r a2a / BW_link)
        t_fixed  = L r_k t_layer + [prompt tokens > 0] L_moe t_moe_prefill   (r_k: layer_kernel_ratio)
        t_p2p    = alpha + n_r h / BW_link                      (pp > 1: hand-off to the next stage)
        t_stage  = t_gemm + t_attn + t_elem + t_comm + t_fixed + t_p2p

    where ``R`` is the smooth roofline of :func:`~stackplan.perf.training.smooth_roofline` (the
    training kernel model's, exponent fitted on Stackplan's H100/H200 GEMM sweeps: decode-sized
    weight GEMMs sit near the ridge point; docs/inference-model.md, "GEMMs near the ridge point"),
    ``n_r = n / attn_dp`` the tokens of one data-parallel attention rank and
    ``E_touched`` follows :func:`expected_distinct_experts` over the ``n`` tokens of the stage,
    ``S_kv = kv_context(S_d)`` the KV tokens decode reads (:func:`kv_context`: sliding-window
    layers read only their window).
    ``BW_kv`` is the decode-attention kernel's KV-read bandwidth (``rates.kv_read_bytes_per_s``,
    ``BW`` when not given), ``BW_exp`` the bandwidth at which the framework's MoE kernel streams
    expert weights (``rates.expert_memory_bytes_per_s``, ``BW`` when not given). The iteration adds the
    framework's CPU overhead once, or, with asynchronous scheduling (``rates.cpu_overlapped``),
    lasts at least that long: ``max(t_gpu, t_cpu)``. The host step that grows with the sequences
    of one scheduling process (``rates.sequence_overhead_s`` per decoding sequence of an attention
    rank) runs beside the GPU work, so the GPU part lasts ``max(t_gpu, s b / attn_dp)``.
    """
    parts = _stage_parts_s(
        cost,
        rates,
        decode_sequences=decode_sequences,
        decode_context=decode_context,
        prefill_tokens=prefill_tokens,
        prefill_context=prefill_context,
        verify_tokens=verify_tokens,
    )
    sequences = np.asarray(decode_sequences, dtype=np.float64) / cost.attn_dp
    return _with_cpu(cost.pp * sum(parts.values(), np.zeros(())), rates, sequences)


def _with_cpu(t_gpu: ArrayLike, rates: DeviceRates, sequences: ArrayLike = 0.0) -> FloatArray:
    """An iteration's time from its GPU time and the host's [s].

    The host step that grows with the ``sequences`` of one scheduling process runs beside the GPU
    work (``max``); the fixed CPU overhead is added, or with asynchronous scheduling overlapped too.
    """
    host = rates.sequence_overhead_s * np.asarray(sequences, dtype=np.float64)
    if rates.cpu_overlapped:
        return np.asarray(np.maximum(t_gpu, rates.iteration_overhead_s + host), dtype=np.float64)
    return np.asarray(np.maximum(t_gpu, host) + rates.iteration_overhead_s, dtype=np.float64)


def iteration_breakdown_s(
    cost: ServingCost,
    rates: DeviceRates,
    *,
    decode_sequences: float,
    decode_context: float,
    prefill_tokens: float = 0.0,
    prefill_context: float = 0.0,
) -> dict[str, float]:
    """Where the time of one iteration goes [s], by part; the parts sum to :func:`iteration_time_s`.

    The GPU parts of :func:`iteration_time_s` for one pipeline stage, times ``pp`` stages, plus
    ``cpu``: the framework's CPU time per iteration, or with asynchronous scheduling only the part
    that the GPU work does not hide (``max(t_cpu - t_gpu, 0)``). ``dense_gemm`` and ``expert_gemm``
    are smooth-roofline times (weight streaming and matmul combined), not split further.
    """
    parts = _stage_parts_s(
        cost,
        rates,
        decode_sequences=decode_sequences,
        decode_context=decode_context,
        prefill_tokens=prefill_tokens,
        prefill_context=prefill_context,
    )
    out = {k: float(cost.pp * v) for k, v in parts.items()}
    t_gpu = sum(out.values())
    out["cpu"] = float(_with_cpu(t_gpu, rates, decode_sequences / cost.attn_dp)) - t_gpu
    return out


def _stage_parts_s(
    cost: ServingCost,
    rates: DeviceRates,
    *,
    decode_sequences: ArrayLike,
    decode_context: ArrayLike,
    prefill_tokens: ArrayLike = 0.0,
    prefill_context: ArrayLike = 0.0,
    verify_tokens: ArrayLike = 0.0,
) -> dict[str, FloatArray]:
    """Per-device time of each part of one pipeline stage of an iteration [s] (:func:`iteration_time_s`).

    The decode sequences fill the ``pp`` micro-batches; with fewer sequences than stages each
    micro-batch holds one whole sequence and the step still takes ``pp`` stage times (a token crosses
    every stage before the sequence's next one can start), so a micro-batch carries
    ``max(B / pp, min(B, 1))`` sequences, never a fraction of one that would touch fewer experts
    than one token routes to.
    """
    d = np.asarray(decode_sequences, dtype=np.float64)
    b = np.maximum(d / cost.pp, np.minimum(d, 1.0))
    c = np.asarray(prefill_tokens, dtype=np.float64) / cost.pp
    v = np.asarray(verify_tokens, dtype=np.float64) / cost.pp
    s_d = np.asarray(decode_context, dtype=np.float64)
    s_p = np.asarray(prefill_context, dtype=np.float64)
    n = b + c + v
    n_r = n / cost.attn_dp
    b_r = b / cost.attn_dp
    c_r = c / cost.attn_dp
    v_r = v / cost.attn_dp

    bw = rates.memory_bytes_per_s
    f_mm = rates.matmul_flops_per_s
    f_at = rates.attention_flops_per_s

    # prompt tokens skip the output head: only the last token of a prompt is sampled
    dense_flops = n_r * cost.dense_flops_per_token - c_r * cost.head_flops_per_token
    t_dense = smooth_roofline(cost.dense_weight_bytes / bw, dense_flops / f_mm)
    if cost.experts > 0 and cost.moe_layers > 0:
        touched = expected_distinct_experts(cost.experts, cost.active_experts, n)
        exp_bytes = touched / cost.experts * cost.expert_bytes_per_layer * cost.moe_layers
        t_exp = expert_gemm_time_s(exp_bytes, n * cost.expert_flops_per_token, rates)
    else:
        t_exp = np.zeros_like(n)
    bw_kv = rates.kv_read_bytes_per_s if rates.kv_read_bytes_per_s is not None else bw
    s_kv = kv_context(cost, s_d)
    t_attn_d = np.maximum(
        b_r * s_kv * cost.kv_bytes_per_token / bw_kv,
        b_r * s_kv * cost.attention_flops_per_context_token_decode / f_at,
    )
    t_attn_p = (c_r * s_p + v_r * s_d) * cost.attention_flops_per_context_token_prefill / f_at
    t_elem = n_r * cost.activation_bytes_per_token / bw
    t_ar = cost.allreduces * allreduce_time_s(
        n_r * cost.allreduce_bytes_per_token,
        cost.tp,
        rates.link_bytes_per_s,
        rates.link_latency_s,
        rates.allreduce_measured,
    )
    if cost.alltoalls > 0:
        a2a_bw = rates.alltoall_bytes_per_s or rates.link_bytes_per_s
        a2a_lat = rates.link_latency_s if rates.alltoall_latency_s is None else rates.alltoall_latency_s
        t_a2a = cost.alltoalls * (a2a_lat + n_r * cost.alltoall_bytes_per_token / a2a_bw)
    else:
        t_a2a = np.zeros_like(n)
    t_moe_prefill = np.where(c > 0, cost.moe_layers * rates.prefill_moe_layer_overhead_s, 0.0)
    # pipeline hand-off of the micro-batch's hidden states to the next stage
    t_p2p = (
        rates.link_latency_s + n_r * cost.allreduce_bytes_per_token / rates.link_bytes_per_s
        if cost.pp > 1
        else 0.0
    )
    zero = np.zeros_like(n)
    return {
        "dense_gemm": t_dense + zero,
        "expert_gemm": t_exp + zero,
        "decode_attention": t_attn_d + zero,
        "prefill_attention": t_attn_p + zero,
        "elementwise": t_elem + zero,
        "tp_allreduce": t_ar + zero,
        "ep_alltoall": t_a2a + zero,
        "kernel_latency": cost.layers * cost.layer_kernel_ratio * rates.layer_overhead_s + zero,
        "moe_prefill_latency": t_moe_prefill + zero,
        "pp_handoff": t_p2p + zero,
    }


def kv_tokens_held_per_request(
    input_tokens: float,
    output_tokens: float,
    admission: Literal["full_sequence", "current_length", "estimated_remaining"],
    output_length_cv: float = 0.0,
) -> float:
    """KV-cache tokens one running request takes out of the cache's capacity [tokens].

    * ``full_sequence`` (TensorRT-LLM ``GUARANTEED_NO_EVICT``): the scheduler reserves the whole
      sequence on admission, ``I + O``.
    * ``current_length`` (vLLM: admit while blocks for the current tokens are free, pre-empt and
      recompute when the cache runs out): a request holds its current tokens, which grow from
      ``I`` to ``I + O`` during its decode; with the closed loop's requests spread evenly over
      their lifetimes the cache holds on average ``I + O / 2`` per request, so the concurrency
      memory sustains is ``capacity / (I + O / 2)`` (Little's law over KV token-time).
    * ``estimated_remaining`` (SGLang): the current tokens plus :data:`SGLANG_MIN_NEW_TOKEN_RATIO`
      of the remaining output, clipped at :data:`SGLANG_CLIP_NEW_TOKENS`.

    With output lengths that vary (coefficient of variation ``cv``, independent of the input), a
    request holds its KV for a time proportional to its output, so the time-average occupancy of
    a slot weights each request by its output: ``I + E[O^2]/E[O] = I + O (1 + cv^2)`` reserved, or
    ``I + O (1 + cv^2) / 2`` in use (:func:`token_weighted_decode_context`). Ignores the recompute
    work of pre-emption near the limit.
    Reference: vLLM docs "Optimization and Tuning: Preemption"; TensorRT-LLM docs "Useful
    Runtime Options: Capacity Scheduler Policy"; Kwon et al., "PagedAttention", SOSP 2023.
    """
    current = token_weighted_decode_context(input_tokens, output_tokens, output_length_cv)
    if admission == "current_length":
        return current
    if admission == "estimated_remaining":
        # SGLang's PrefillAdder: each running request reserves its remaining output, clipped at
        # CLIP_MAX_NEW_TOKENS_ESTIMATION and scaled by new_token_ratio, which decays to its floor
        # 0.7 x 0.14 once no request has been retracted for 600 steps; time-averaged over a
        # request's decode the clipped remaining output is O/2 (O <= C) or (O - C/2) C / O
        out = float(output_tokens) * (1.0 + output_length_cv**2)
        clip = SGLANG_CLIP_NEW_TOKENS
        remaining = out / 2.0 if out <= clip else (out - clip / 2.0) * clip / out
        return current + SGLANG_MIN_NEW_TOKEN_RATIO * remaining
    return float(input_tokens) + float(output_tokens) * (1.0 + output_length_cv**2)


#: SGLang's floor of ``new_token_ratio``, the share of each running request's remaining output its
#: scheduler reserves KV for: ``default_init_new_token_ratio`` 0.7 x
#: ``default_min_new_token_ratio_factor`` 0.14 (sglang ``global_config.py``) [-].
SGLANG_MIN_NEW_TOKEN_RATIO = 0.7 * 0.14

#: SGLang's clip of the output it expects per request, ``SGLANG_CLIP_MAX_NEW_TOKENS_ESTIMATION``
#: (sglang ``srt/managers/env_vars.py``, default 4096) [tokens].
SGLANG_CLIP_NEW_TOKENS = 4096.0


def finite_run_throughput(
    concurrency: ArrayLike,
    requests: float,
    output_tokens: int,
    *,
    latency_s: ArrayLike,
    rest_latency_s: ArrayLike,
) -> FloatArray:
    """Output tokens per second of an offline run of ``N`` requests at concurrency ``B`` [1/s].

    An offline benchmark (e.g. ``trtllm-bench throughput``: every request queued at the start,
    uniform lengths) reports the total output tokens over the run's makespan, not the steady
    state. With uniform lengths the requests pass through the ``B`` slots in waves: ``k = floor(N/B)``
    full waves of the steady-state request latency ``L(B)``, then the ``r = N - k B`` left over
    run on their own at concurrency ``r`` for ``L(r)`` (the drain)::

        X_N(B) = N O / (k L(B) + [r > 0] L(r))

    ``latency_s`` is ``L(B)`` and ``rest_latency_s`` is ``L(r)`` (ignored where ``r = 0``), both per
    point of ``concurrency``; concurrency above ``N`` is clipped to ``N`` (one wave). Assumes the
    waves do not overlap: the left-over requests start when the last full wave ends, which holds
    when prefill is a small share of a request's lifetime (otherwise they start up to one prefill
    stagger earlier, and the drain is over-stated by that much).
    Source: TensorRT-LLM performance overview (commit 00f3768, "Preparing a Dataset"): the
    request count per length pair (1,000-30,000), chosen so that "the system hit a steady
    state"; trtllm-bench reports "Total Output Throughput" = output tokens / total latency.
    """
    b = np.minimum(np.asarray(concurrency, dtype=np.float64), float(requests))
    waves = np.floor(float(requests) / b + 1e-9)
    rest = float(requests) - waves * b
    lat = np.asarray(latency_s, dtype=np.float64)
    lat_rest = np.asarray(rest_latency_s, dtype=np.float64)
    makespan = waves * lat + np.where(rest > 1e-9, lat_rest, 0.0)
    return np.asarray(float(requests) * float(output_tokens) / makespan, dtype=np.float64)


def token_weighted_decode_context(
    input_tokens: float, output_tokens: float, output_length_cv: float = 0.0
) -> float:
    """Mean context a generated token attends to, over all generated tokens [tokens].

    A request of ``I`` input and ``O`` output tokens generates its ``j``-th token against
    ``I + j`` tokens of context, so over a workload the KV read per generated token is
    ``E[sum_j (I + j)] / E[O] = E[I] + E[O^2] / (2 E[O]) = I + O (1 + cv^2) / 2`` (means ``I``, ``O``;
    ``cv`` the coefficient of variation of the output length; input and output independent;
    the ``+ 1/2`` of the discrete sum dropped). With fixed lengths (``cv = 0``) this is ``I + O / 2``.
    Long-tailed outputs (reasoning models) read far more KV per token than their means suggest:
    MLPerf's DeepSeek-R1 set, ``I = 804``, ``O = 4,043``, ``cv = 1.25``, gives ~5,980 against 2,826.
    """
    return float(input_tokens) + float(output_tokens) * (1.0 + output_length_cv**2) / 2.0


def speculative_tokens_per_step(draft_tokens: int, acceptance_rate: float) -> float:
    """Expected tokens produced per verification step of speculative decoding [-].

    ``(1 - a^(k+1)) / (1 - a)`` for ``k`` drafted tokens each accepted independently with
    probability ``a`` (Leviathan, Kalman and Matias, "Fast Inference from Transformers via
    Speculative Decoding", ICML 2023, eq. 1); ``k + 1`` when ``a = 1``.
    """
    if acceptance_rate >= 1.0:
        return float(draft_tokens + 1)
    a = max(acceptance_rate, 0.0)
    return (1.0 - a ** (draft_tokens + 1)) / (1.0 - a)


@dataclass(frozen=True, kw_only=True)
class SteadyState:
    """Continuous-batching steady state of one model instance at fixed concurrency.

    Attributes
    ----------
    ttft_s
        Mean time to first token [s].
    burst_ttft_s
        Mean time to first token when all ``B`` requests arrive at once (a cold start or a
        benchmark's first wave) [s].
    tpot_s
        Mean time per output token after the first [s].
    request_latency_s
        ``ttft + (O - 1) tpot`` [s].
    output_tokens_per_s
        Output tokens per second of the instance, ``B O / request_latency`` (Little's law) [1/s].
    decode_iteration_s
        Decode-only iteration time ``t_d`` [s].
    prefill_iteration_s
        Iteration time with a full prefill chunk ``t_h`` [s].
    prefill_share
        Share of the instance's device time the prompts take over a request lifetime [-]: the time
        the prompt chunks add to the iterations they ride in (with attention DP, also the time the
        other ranks wait for them) over that plus the decode iterations. Work-based, so the fixed
        cost of an iteration that carries prompt tokens is shared by the prompts in its chunk.
    """

    ttft_s: FloatArray
    burst_ttft_s: FloatArray
    tpot_s: FloatArray
    request_latency_s: FloatArray
    output_tokens_per_s: FloatArray
    decode_iteration_s: FloatArray
    prefill_iteration_s: FloatArray
    prefill_share: FloatArray


def steady_state(
    cost: ServingCost,
    rates: DeviceRates,
    *,
    concurrency: ArrayLike,
    input_tokens: int,
    output_tokens: int,
    prefill_chunk_tokens: int,
    scheduling: Scheduling,
    prefix_hit_rate: float = 0.0,
    cohort_prompts: bool = False,
    chunked_prefill: bool = True,
    draft_tokens: int = 0,
    acceptance_rate: float = 0.0,
    draft_cost_fraction: float = 0.0,
    output_length_cv: float = 0.0,
) -> SteadyState:
    """Steady state of a closed loop of ``B`` concurrent requests of ``I`` input, ``O`` output tokens.

    With ``cohort_prompts`` (TensorRT-LLM) a prompt shares its iteration with the cohort of prompts
    admitted with it (a full chunk); otherwise (vLLM) its iteration carries only its own prompt.
    Without ``chunked_prefill`` a chunk holds only whole prompts that fit the budget
    (:func:`_prefill_chunk`).
    With speculative decoding (``draft_tokens = k > 0``) one decode iteration verifies ``k + 1``
    tokens per sequence, costs ``t(B decodes + B k verify tokens) + k f_draft t_d`` and yields
    ``tau`` tokens (:func:`speculative_tokens_per_step`); an iteration that also carries prompt
    tokens carries the verify tokens and the drafts as well. Decode iterations attend to the
    token-weighted context of :func:`token_weighted_decode_context` (``I + O/2`` for fixed
    lengths, more when output lengths vary with coefficient of variation ``output_length_cv``).

    Work conservation. In one request lifetime every one of the ``B`` slots is refilled once, so the
    instance prefills ``B I_p`` tokens (``I_p = I (1 - hit)``) and runs ``(O - 1) / tau`` decode
    iterations (``tau`` tokens per decode step: 1, or more with speculative decoding). The prefill
    runs in chunks of ``c = min(M - B, B I_p)`` tokens (``M`` the framework's token budget per
    iteration), i.e. ``n_c = B I_p / c`` heavy iterations per lifetime.

    ``mixed`` scheduling (vLLM v1, TensorRT-LLM in-flight batching, Sarathi-Serve): a chunk rides
    along with the decode batch, costing ``t_h = t(B decodes + c prefill)``. Its own prompt waits
    in an M/D/1 prefill queue of utilisation ``rho`` (the prompts' share of the lifetime's work),
    behind ``q = min(rho / (2 (1 - rho)), B - m)`` prompts on average (never more than the other
    clients have: ``m = 1``, or with cohorts the ``m = min(c / I_p, B)`` prompts that share its own
    iteration), and a request decoding for ``O - 1`` tokens shares its iterations with the others'
    chunks that were not already prefilled while it waited or in its own iteration (work
    conservation: each other prompt is prefilled once per lifetime)::

        TPOT = t_d / tau + (n_c - n_own - q I_p / c) (t_h - t_d) / (O - 1)

    (``n_own = I_p / c``, or with cohorts ``max(I_p / c, 1)``) and its first token comes after::

        TTFT = (k - 1) t_h + t(B decodes + r) + q P + R,    P = (t_h - t_d) I_p / c

    with ``k = ceil(I_p / c)`` iterations for its own prompt, the last carrying only the remainder
    ``r = I_p - (k - 1) c`` (the whole prompt when ``k = 1``; with cohorts the cohort's chunk),
    ``P`` the time a prompt adds to the iterations, and ``R`` what is left of the iteration in
    flight when the request arrives. Cohorts come back together at an iteration's end (``R =
    t_d / 2``); without cohorts a prompt arrives at a random point of the others' iterations, so
    the iteration it lands in is length-biased (renewal theory): ``R = (n_o t_h^2 + N t_d^2) /
    (2 (n_o t_h + N t_d))`` over the others' ``n_o = n_c - I_p / c`` heavy and ``N = (O - 1) / tau``
    decode iterations of a lifetime.

    Below one request per replica on average (``B < 1``) each request is served alone: the
    latencies are those of ``B = 1`` and the throughput is ``B`` times its.

    ``prefill_first`` scheduling (SGLang's default): waiting prompts pre-empt decoding, so the
    closed loop stays synchronised in waves: all ``B`` prompts are prefilled back-to-back in
    ``n_c`` chunks of ``t_p = t(c prefill)``, then all decode. A prompt of ``k = I_p / c_own``
    chunks returns its first token after its last chunk, so the wave's prompts finish after
    ``k, 2k, ...`` chunks::

        TTFT = (n_c + k) / 2 t_p,    TPOT = t_d / tau + (n_c - 1) / 2 t_p / (O - 1)

    (with ``pp`` stages each of the own prompt's chunks also crosses the stages before the next one
    starts: ``+ k (t_p_own - t_p)``).

    A mixed iteration advances every running decode, so no more than ``B_sat`` sequences decode at
    once, those whose prompts the spare budget of their ``N`` decode steps can carry (``n_c <= N``;
    ``B_sat = M N / (I_p + N)`` with chunked prefill, :func:`_budget_bound_batch`); a closed loop of
    more requests runs ``B_sat`` of them and queues the rest for a slot, ``B / B_sat - 1`` lifetimes
    added to TTFT (Little's law). A small token budget thus caps the decoding batch and the
    throughput (MLPerf Llama 3.1 8B at ``M = 1,536``: 196.8 sequences per GPU). Not applied under
    attention DP, whose ranks have their own chunking (``_attention_dp_steady_state``).
    When prefill demand still exceeds what decode iterations can carry the instance is
    prefill-bound and TPOT is at least ``t_h``. Along a sorted concurrency array, points where more
    concurrency would lower throughput (by more than :data:`ADMISSION_TOLERANCE`) are served by
    admission control instead: the extra requests wait ``(B / B' - 1)`` lifetimes for a slot and
    throughput stays at its best ``B' < B``.
    """
    occupancy = np.asarray(concurrency, dtype=np.float64)
    # below one request per replica on average each request is served alone (the replica is idle
    # the rest of the time): its latencies are those of concurrency 1, and only the throughput
    # scales with the occupancy
    bsz = np.maximum(occupancy, 1.0)
    i_p = max(float(input_tokens) * (1.0 - prefix_hit_rate), 1.0)
    o_steps = max(float(output_tokens) - 1.0, 1.0)
    tau = speculative_tokens_per_step(draft_tokens, acceptance_rate) if draft_tokens > 0 else 1.0
    queued_lifetimes = np.zeros_like(bsz)
    if scheduling == "mixed" and cost.attn_dp <= 1:
        # a mixed iteration advances every running decode, so the prompts must keep up: at most the
        # B_sat sequences whose prompts fit the spare budget of their decode steps (n_c <= N) decode
        # at once; a closed loop with more requests queues the rest for a slot (Little's law)
        sat = _budget_bound_batch(float(prefill_chunk_tokens), i_p, o_steps / tau, chunked_prefill)
        capped = np.minimum(bsz, sat)
        queued_lifetimes = bsz / capped - 1.0
        bsz = capped
    decode_ctx = token_weighted_decode_context(input_tokens, output_tokens, output_length_cv)
    prefill_ctx = prefill_attention_context(cost, input_tokens, prefix_hit_rate)
    t_d = iteration_time_s(cost, rates, decode_sequences=bsz, decode_context=decode_ctx)
    verify = bsz * draft_tokens
    drafts = np.zeros_like(bsz)
    if draft_tokens > 0:
        t_verify = iteration_time_s(
            cost,
            rates,
            decode_sequences=bsz,
            decode_context=decode_ctx,
            verify_tokens=verify,
        )
        drafts = draft_tokens * draft_cost_fraction * t_d
        t_d = t_verify + drafts

    def with_prompt(tokens: ArrayLike) -> FloatArray:
        """A decode iteration that also carries ``tokens`` prompt tokens (and, when speculating,
        its ``B k`` verify tokens at the decode context and the draft steps) [s]."""
        return (
            iteration_time_s(
                cost,
                rates,
                decode_sequences=bsz,
                decode_context=decode_ctx,
                prefill_tokens=tokens,
                prefill_context=prefill_ctx,
                verify_tokens=verify,
            )
            + drafts
        )

    budget = float(prefill_chunk_tokens)
    if scheduling == "mixed" and cost.attn_dp > 1:
        return _attention_dp_steady_state(
            cost,
            rates,
            occupancy=occupancy,
            bsz=bsz,
            t_d=t_d,
            tau=tau,
            i_p=i_p,
            o_steps=o_steps,
            output_tokens=output_tokens,
            decode_ctx=decode_ctx,
            prefill_ctx=prefill_ctx,
            budget=budget,
            chunked_prefill=chunked_prefill,
        )
    if scheduling == "mixed":
        chunk = _prefill_chunk(budget, bsz, i_p, chunked_prefill)
        t_h = np.maximum(with_prompt(chunk), t_d)
        n_c = bsz * i_p / chunk
        # work conservation in the closed loop: in one lifetime the other requests' prompts are
        # prefilled once each, either while this request's prompt waits in the queue (TTFT) or while
        # it decodes (TPOT), not in both; the queue holds rho / (2 (1 - rho)) prompts on average
        per_prompt = (t_h - t_d) * i_p / chunk
        lifetime_work = bsz * per_prompt + o_steps / tau * t_d
        share = bsz * per_prompt / np.maximum(lifetime_work, 1e-30)
        rho = np.clip(share, 0.0, 0.95)
        # ... and never behind more prompts than the B - 1 other clients have
        cohort = np.where(cohort_prompts, np.clip(chunk / i_p, 1.0, bsz), 1.0)
        waiting = np.minimum(rho / (2.0 * (1.0 - rho)), bsz - cohort)
        queued = waiting * i_p / chunk
        # the request's own heavy iterations: its prompt's chunks, or with cohorts the one iteration
        # that carries its prompt together with its cohort's (those are already in its TTFT)
        own_iters = np.where(cohort_prompts, np.maximum(i_p / chunk, 1.0), i_p / chunk)
        others = np.maximum(n_c - own_iters - queued, 0.0)
        tpot = t_d / tau + others * (t_h - t_d) / o_steps
        tpot = np.maximum(tpot, np.where(others > o_steps, t_h, 0.0))
        # the request's own prompt in chunks (bsz >= 1: the lifetime cap B I_p never cuts the chunk
        # below one prompt, so its own prompt takes the same chunks)
        own = np.ceil(i_p / chunk - 1e-9)
        own_chunk = np.minimum(i_p, chunk)
        iter_own = np.where(cohort_prompts, np.maximum(chunk, own_chunk), own_chunk)
        t_own_work = with_prompt(iter_own)
        # the prompt's own chunk crosses the pipeline stages in one micro-batch (its tokens are
        # not spread over the others), so with pp > 1 it waits pp x t_stage(chunk)
        t_own = t_own_work if cost.pp <= 1 else own_chunk_latency_s(with_prompt, iter_own, own_chunk, cost.pp)
        # a prompt longer than the chunk: full chunks, then an iteration with only its remainder
        rem = np.maximum(i_p - (own - 1.0) * chunk, 1.0)
        t_last = own_chunk_latency_s(with_prompt, rem, rem, cost.pp)
        t_prompt = np.where(own > 1.0, (own - 1.0) * t_own + t_last, t_own)
        # without cohorts the clients' prompts arrive at random points of the others' iterations:
        # the one in flight is length-biased (renewal theory), its mean residual E[X^2] / 2 E[X] over
        # the others' heavy iterations and the decode iterations of a lifetime
        n_o, n_d = np.maximum(n_c - i_p / chunk, 0.0), o_steps / tau
        resid = (n_o * t_h**2 + n_d * t_d**2) / (2.0 * (n_o * t_h + n_d * t_d))
        if cohort_prompts:
            ttft = t_prompt + waiting * per_prompt + 0.5 * t_d
        else:
            # without cohorts the prompts queued ahead are not served one after another: at the next
            # iteration boundary the scheduler takes every waiting prompt the token budget left by
            # the decodes holds (vLLM v1), so a prompt that fits its chunk shares one iteration with
            # them; what does not fit waits at the marginal cost of a prompt
            joint = np.minimum((1.0 + waiting) * own_chunk, np.maximum(budget - bsz, own_chunk))
            t_joint = own_chunk_latency_s(with_prompt, joint, own_chunk, cost.pp)
            overflow = np.maximum((1.0 + waiting) * own_chunk - joint, 0.0) / own_chunk * per_prompt
            ttft = np.where(own > 1.0, t_prompt + waiting * per_prompt + resid, t_joint + overflow + resid)
        burst_ttft = (np.maximum(n_c, 1.0) + 1.0) / 2.0 * np.where(n_c >= 1.0, t_h, t_own_work) + (
            t_own - t_own_work
        )
    else:

        def prefill_only(tokens: ArrayLike) -> FloatArray:
            return iteration_time_s(
                cost,
                rates,
                decode_sequences=np.zeros_like(bsz),
                decode_context=decode_ctx,
                prefill_tokens=tokens,
                prefill_context=prefill_ctx,
            )

        chunk = np.minimum(budget, bsz * i_p)
        t_p = prefill_only(chunk)
        t_h = t_p
        n_c = bsz * i_p / chunk
        # a request's own prompt is whole (see the mixed case)
        own_chunk = np.minimum(i_p, budget)
        iter_own = np.maximum(chunk, own_chunk)
        t_p_own = (
            t_p
            if cost.pp <= 1 and np.all(iter_own == chunk)
            else own_chunk_latency_s(prefill_only, iter_own, own_chunk, cost.pp)
        )
        # a prompt of k = I_p / chunk chunks returns its first token after its last chunk: the wave's
        # prompts, k chunks each, finish at k, 2k, ... chunks (mean (n_c + k) / 2), and each of the
        # own prompt's chunks crosses the pipeline stages before the next one starts
        own = i_p / own_chunk
        ttft = (np.maximum(n_c, own) + own) / 2.0 * t_p + own * (t_p_own - t_p)
        tpot = t_d / tau + np.maximum(n_c - 1.0, 0.0) / 2.0 * t_p / o_steps
        burst_ttft = ttft
        share = n_c * t_p / np.maximum(n_c * t_p + o_steps / tau * t_d, 1e-30)
    wait = queued_lifetimes * (ttft + o_steps * tpot)
    return _finish(occupancy, ttft + wait, burst_ttft + wait, tpot, t_d, t_h, o_steps, output_tokens, share)


def _budget_bound_batch(budget: float, i_p: float, steps: float, chunked: bool) -> float:
    """Most sequences that can decode at once under mixed scheduling with token budget ``M`` [-].

    Every mixed iteration advances each running decode by a token, so in the ``N`` decode steps of
    a lifetime the iterations must also carry the ``B I_p`` prompt tokens that refill the ``B``
    slots: ``n_c = B I_p / c(B) <= N`` with ``c(B)`` the chunk left next to ``B`` decodes
    (:func:`_prefill_chunk`). With chunked prefill and ``c = M - B`` that gives
    ``B_sat = M N / (I_p + N)`` (196.8 for 871 / 129 tokens at ``M = 1,536``), or ``M N / (8 I_p)``
    where the chunk is held at its floor ``M / 8``. Without chunking the chunk is whole prompts, so
    ``B_sat`` is found by bisection (``n_c`` grows with ``B``). Never below one sequence.
    """
    if chunked:
        sat = budget * steps / (i_p + steps)
        if budget - sat < budget / 8.0:
            sat = budget * steps / (8.0 * i_p)
        return max(sat, 1.0)

    def fits(b: float) -> bool:
        return float(b * i_p / _prefill_chunk(budget, np.array([b]), i_p, chunked)[0]) <= steps * (
            1.0 + 1e-12
        )

    lo, hi = 1.0, max(budget, 1.0) * max(steps, 1.0) + 1.0
    if not fits(lo):
        return 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def own_chunk_latency_s(
    iteration: Callable[[ArrayLike], FloatArray], tokens: ArrayLike, own_tokens: ArrayLike, pp: int
) -> FloatArray:
    """Time until an iteration carrying ``tokens`` prompt tokens returns a prompt's own chunk [s].

    Without pipeline stages that is the iteration. With ``pp`` stages the iteration's micro-batches
    split its tokens, but a prompt's own chunk (``own_tokens``) rides in one micro-batch and crosses
    the stages one after another, so it waits at least ``pp x t_stage(own_tokens)``: the iteration
    time of ``pp x own_tokens`` tokens (:func:`iteration_time_s` spreads its tokens over ``pp``
    micro-batches). A framework schedules a request's next chunk only after its previous one has
    left the pipeline (vLLM and TensorRT-LLM pipeline parallelism: a request is in one micro-batch
    at a time), so its chunks do not overlap either.
    """
    if pp <= 1:
        return iteration(tokens)
    return iteration(
        np.maximum(np.asarray(tokens, dtype=np.float64), pp * np.asarray(own_tokens, dtype=np.float64))
    )


def _prefill_chunk(budget: float, bsz: FloatArray, i_p: float, chunked: bool) -> FloatArray:
    """Prompt tokens one mixed iteration carries next to ``B`` decodes [tokens].

    Chunked prefill fills the token budget ``M`` left by the decodes (at least ``M / 8``, the
    frameworks' floor on the prefill share), up to the ``B I_p`` tokens a lifetime needs. Without
    chunking a prompt is prefilled whole, so an iteration carries the whole prompts that fit,
    ``max(floor((M - B) / I_p), 1) I_p`` (TensorRT-LLM ``enable_chunked_prefill: false``).
    """
    if chunked:
        return np.minimum(np.maximum(budget - bsz, budget / 8.0), bsz * i_p)
    whole = np.maximum(np.floor(np.maximum(budget - bsz, 0.0) / i_p), 1.0) * i_p
    return np.minimum(whole, np.maximum(bsz, 1.0) * i_p)


#: Share of the best throughput so far that a higher concurrency may lose before admission control
#: holds requests back instead (:func:`_finish`) [-]. The steady state dips by a fraction of a per
#: cent where the token budget's discreteness bites (a prompt one token over the budget takes one
#: more, nearly empty iteration: ~0.01 %; a chunk count stepping up under a prefill-bound load:
#: ~0.1 %); holding requests back a whole lifetime for that would make the latency jump up and,
#: where throughput recovers at the next point, down again (Llama-3.1-8B TP8 at 7,816 / 1,188
#: tokens: 81, 167, 96 ms at batch 376, 377, 378 with no tolerance).
ADMISSION_TOLERANCE = 1e-2


def _finish(
    occupancy: FloatArray,
    ttft: FloatArray,
    burst_ttft: FloatArray,
    tpot: FloatArray,
    t_d: FloatArray,
    t_h: FloatArray,
    o_steps: float,
    output_tokens: int,
    prefill_share: FloatArray,
) -> SteadyState:
    """Little's law throughput (``occupancy`` requests in flight per replica, fractional below one)
    and admission control along a sorted concurrency array."""
    latency = ttft + o_steps * tpot
    throughput = occupancy * float(output_tokens) / latency
    if occupancy.ndim == 1 and occupancy.size > 1 and np.all(np.diff(occupancy) > 0):
        # Admission control: where more concurrency no longer adds throughput (prefill-bound),
        # the extra requests queue for a slot instead (Little's law), so throughput plateaus. A
        # point within ADMISSION_TOLERANCE of the best so far is served whole: holding requests
        # back for a lifetime to gain less than that would trade a large wait for nothing.
        kept = throughput >= (1.0 - ADMISSION_TOLERANCE) * np.maximum.accumulate(throughput)
        best = np.maximum.accumulate(np.where(kept, np.arange(occupancy.size), 0))
        wait = (occupancy / occupancy[best] - 1.0) * latency[best]
        throughput, tpot, t_d, t_h = throughput[best], tpot[best], t_d[best], t_h[best]
        prefill_share = prefill_share[best]
        ttft = ttft[best] + wait
        burst_ttft = burst_ttft[best] + wait
        latency = ttft + o_steps * tpot
    return SteadyState(
        ttft_s=np.asarray(ttft, dtype=np.float64),
        burst_ttft_s=np.asarray(burst_ttft, dtype=np.float64),
        tpot_s=np.asarray(tpot, dtype=np.float64),
        request_latency_s=np.asarray(latency, dtype=np.float64),
        output_tokens_per_s=np.asarray(throughput, dtype=np.float64),
        decode_iteration_s=np.asarray(t_d, dtype=np.float64),
        prefill_iteration_s=np.asarray(t_h, dtype=np.float64),
        prefill_share=np.clip(
            np.asarray(prefill_share, dtype=np.float64) + np.zeros_like(occupancy), 0.0, 1.0
        ),
    )


def _attention_dp_steady_state(
    cost: ServingCost,
    rates: DeviceRates,
    *,
    occupancy: FloatArray,
    bsz: FloatArray,
    t_d: FloatArray,
    tau: float,
    i_p: float,
    o_steps: float,
    output_tokens: int,
    decode_ctx: float,
    prefill_ctx: float,
    budget: float,
    chunked_prefill: bool = True,
) -> SteadyState:
    """Mixed scheduling with data-parallel attention ranks (``attn_dp = D > 1``).

    Each attention rank schedules its own requests with its own token budget ``M`` (TensorRT-LLM
    ``enable_attention_dp``: ``max_num_tokens`` per rank), so rank ``r`` prefills its
    ``b_r = B / D`` prompts in chunks of ``c_r = min(max(M - b_r, M/8), b_r I_p)`` tokens, i.e.
    ``n_r = b_r I_p / c_r`` chunks per request lifetime. The ranks meet at every MoE layer
    (all-to-all), so an iteration lasts as long as its slowest rank: a rank carrying a chunk holds
    all ``D`` ranks up by ``t_rank(b_r + c_r) - t_rank(b_r)`` (its attention, dense layers and
    all-to-all for the chunk). Chunks arrive on the ranks independently, so of the
    ``N = (O - 1) / tau`` decode iterations of a lifetime

        N_h = max(N (1 - (1 - n_r / N)^D), n_r)

    carry at least one chunk (``D n_r`` when chunks are rare, ``N`` when every rank prefills
    often). The routed experts are pooled over the ranks, so a heavy iteration also runs the expert
    GEMMs of all the chunks it carries, ``m = D n_r / N_h`` on average (1 when chunks are rare, up
    to ``D``): ``dt = t_rank(b_r + c_r) - t_rank(b_r) + m c_r f_exp / (F x_moe)``, which keeps the
    expert prefill work of a lifetime at ``D n_r c_r f_exp / (F x_moe)`` whatever the alignment.
    Hence ``TPOT = t_d / tau + N_h dt / (O - 1)`` and ``TTFT = t_d + dt`` plus half a
    decode iteration plus the wait for the rank's own earlier chunks (M/D/1 at the rank's
    prefill utilisation). Perfectly balanced ranks (all chunks aligned) would give ``N_h = n_r``.
    Reference: TensorRT-LLM tech blog 3 (attention DP + EP for DeepSeek-R1; DP ranks synchronise
    at the MoE all-to-all); Zhu et al., "MegaScale-Infer", arXiv:2504.02263 (stragglers in DP
    attention).
    """
    d = float(cost.attn_dp)
    b_r = bsz / d
    c_r = _prefill_chunk(budget, b_r, i_p, chunked_prefill)
    rank_cost = replace(cost, attn_dp=1, experts=0, moe_layers=0)

    def rank_with(tokens: ArrayLike) -> FloatArray:
        """A rank's iteration: its ``b_r`` decodes and ``tokens`` prompt tokens [s]."""
        return iteration_time_s(
            rank_cost,
            rates,
            decode_sequences=b_r,
            decode_context=decode_ctx,
            prefill_tokens=tokens,
            prefill_context=prefill_ctx,
        )

    t_rank_d = iteration_time_s(rank_cost, rates, decode_sequences=b_r, decode_context=decode_ctx)
    t_rank_h = rank_with(c_r)
    exp_rate = rates.expert_compute_flops_per_s
    n_steps = o_steps / tau
    n_r = b_r * i_p / c_r
    share = np.minimum(n_r / n_steps, 1.0)
    n_heavy = np.maximum(n_steps * (1.0 - (1.0 - share) ** d), n_r)
    # the experts are pooled over the ranks: a heavy iteration carries on average D n_r / N_h chunks
    chunks_per_heavy = np.clip(d * n_r / n_heavy, 1.0, d)
    dt = (
        np.maximum(t_rank_h - t_rank_d, 0.0)
        + chunks_per_heavy * cost.pp * c_r * cost.expert_flops_per_token / exp_rate
    )
    t_h = t_d + dt
    tpot = t_d / tau + n_heavy * dt / o_steps
    lifetime_work = n_r * dt + n_steps * t_d
    rho = np.clip(n_r * dt / np.maximum(lifetime_work, 1e-30), 0.0, 0.95)
    # every rank waits out the heavy iterations, so the prompts take n_h dt of each lifetime
    share = n_heavy * dt / np.maximum(n_heavy * dt + n_steps * t_d, 1e-30)
    # a request's own prompt is whole even below one request per rank on average
    c_own = _prefill_chunk(budget, np.maximum(b_r, 1.0), i_p, chunked_prefill)
    own = np.ceil(i_p / c_own - 1e-9)
    own_tokens = np.minimum(i_p, c_own)
    iter_own = np.maximum(c_r, own_tokens)
    # the prompt's own chunk crosses the pipeline stages in one micro-batch (own_chunk_latency_s)
    t_h_own = (
        t_h
        if cost.pp <= 1 and np.all(iter_own == c_r)
        else t_d
        + np.maximum(own_chunk_latency_s(rank_with, iter_own, own_tokens, cost.pp) - t_rank_d, 0.0)
        + chunks_per_heavy * cost.pp * iter_own * cost.expert_flops_per_token / exp_rate
    )
    # a prompt longer than the rank's chunk: full chunks, then an iteration with only its remainder
    rem = np.maximum(i_p - (own - 1.0) * c_own, 1.0)
    t_rank_last = own_chunk_latency_s(rank_with, rem, rem, cost.pp)
    dt_last = (
        np.maximum(t_rank_last - t_rank_d, 0.0)
        + chunks_per_heavy * cost.pp * rem * cost.expert_flops_per_token / exp_rate
    )
    t_prompt = np.where(own > 1.0, (own - 1.0) * t_h_own + t_d + dt_last, t_h_own)
    # the rank's queue never holds more prompts than its other requests
    waiting = np.minimum(rho / (2.0 * (1.0 - rho)), np.maximum(b_r - 1.0, 0.0))
    ttft = t_prompt + waiting * dt * i_p / c_r + 0.5 * t_d
    burst_ttft = (np.maximum(n_r, 1.0) + 1.0) / 2.0 * t_h + (t_h_own - t_h)
    return _finish(occupancy, ttft, burst_ttft, tpot, t_d, t_h, o_steps, output_tokens, share)


#: Autocorrelation factor of the number of requests in service averaged over one request's
#: lifetime under Poisson arrivals and a fixed service time (M/D/infinity): the time-average of a
#: Poisson(B) count over a window equal to the service time has variance ``2/3 B`` [-].
MEAN_CONCURRENCY_VARIANCE_FACTOR = 2.0 / 3.0


@dataclass(frozen=True, kw_only=True)
class TailLatency:
    """Percentile latencies under Poisson arrivals at a mean concurrency ``B`` (arrays over ``B``).

    Attributes
    ----------
    ttft_s, tpot_s
        The percentile TTFT and per-request TPOT [s].
    arrival_rate_per_s
        Poisson arrival rate ``lambda = B / latency`` of the instance [1/s].
    prefill_utilisation
        Share of time the instance spends on prompt work, ``rho = lambda S`` [-].
    """

    ttft_s: FloatArray
    tpot_s: FloatArray
    arrival_rate_per_s: FloatArray
    prefill_utilisation: FloatArray


def poisson_tail_latency(
    concurrency: ArrayLike,
    mean: SteadyState,
    high: SteadyState,
    *,
    output_tokens: int,
    percentile: float,
    max_concurrency: float,
    tokens_per_step: float = 1.0,
) -> TailLatency:
    """Percentile TTFT and TPOT of an open loop with Poisson arrivals at mean concurrency ``B``.

    ``mean`` is the steady state at ``B`` and ``high`` the steady state at
    ``B_hi = B + z sqrt(2/3 B)`` (``z`` the standard-normal quantile of ``percentile``). Arrivals at
    ``lambda = B / L`` (Little's law, ``L`` the mean request latency). Three sources of spread:

    * **Prompts landing during a request's decode.** Their number ``K`` is Poisson with mean
      ``m = lambda (O - 1) TPOT ~ B - 1``; each adds the prefill work ``S`` it costs the shared
      iteration stream, which the steady state gives as ``S = (TPOT - t_d / tau)(O - 1) / (B - 1)``.
      The per-request TPOT percentile is ``TPOT(B_hi) + z sqrt(m) S / (O - 1)``: the prompt count
      at its quantile (normal approximation of the Poisson) on top of the mean TPOT at the
      concurrency quantile (a request averages the number in service over its lifetime, a
      Poisson(B) count with variance ``2/3 B`` for a fixed service time).
    * **Waiting for prefill.** Prompts queue for the prefill share of the iterations, an M/D/1
      queue of utilisation ``rho = lambda S`` (fixed prompt length): Pollaczek-Khinchine mean wait
      ``W = rho S / (2 (1 - rho))``, exponential tail ``P(wait > t) = rho exp(-rho t / W)``, so
      ``W_q = W / rho ln(rho / (1 - q))`` when ``rho > 1 - q`` (else 0). The iteration in flight
      at arrival adds a residual uniform on ``[0, t_h]``: ``q t_h`` at the quantile.
      ``TTFT_q = TTFT + (W_q - W) + (q - 1/2) t_h``.
    * **Waiting for a slot.** The number of requests in the system is Poisson(B) (M/G/infinity);
      beyond the ``K`` requests memory holds, the ``N_q - K`` extra requests
      (``N_q = B + z sqrt(B)``) wait for slots that free at ``K / L`` per second:
      ``(N_q - K) L / K``.

    References: Kleinman, "Queueing Systems" vol. 1 (1975), M/G/1 Pollaczek-Khinchine mean wait
    and M/G/infinity occupancy; Kingman, "The single server queue in heavy traffic" (1961),
    exponential waiting-time tail; MLPerf Inference rules (Server scenario: Poisson query
    arrivals, TTFT/TPOT constraints at the 99th percentile).
    """
    q = float(percentile) / 100.0
    if not 0.5 <= q < 1.0:
        raise ValueError(f"percentile must be in [50, 100), got {percentile}")
    z = NormalDist().inv_cdf(q)
    bsz = np.asarray(concurrency, dtype=np.float64)
    o_steps = max(float(output_tokens) - 1.0, 1.0)
    latency = mean.request_latency_s
    lam = bsz / np.maximum(latency, 1e-30)
    others = np.maximum(bsz - 1.0, 0.0)
    decode_part = mean.decode_iteration_s / tokens_per_step
    prefill_per_prompt = np.where(
        others > 0, np.maximum(mean.tpot_s - decode_part, 0.0) * o_steps / np.maximum(others, 1.0), 0.0
    )
    tpot_q = np.maximum(high.tpot_s, mean.tpot_s) + z * np.sqrt(others) * prefill_per_prompt / o_steps
    rho = np.clip(lam * prefill_per_prompt, 0.0, 0.99)
    wait_mean = rho * prefill_per_prompt / (2.0 * (1.0 - rho))
    tail = np.log(np.maximum(rho, 1e-30) / (1.0 - q))
    wait_q = np.where(rho > 1.0 - q, wait_mean / np.maximum(rho, 1e-30) * tail, 0.0)
    excess = np.maximum(bsz + z * np.sqrt(bsz) - float(max_concurrency), 0.0)
    slot_wait = excess * latency / max(float(max_concurrency), 1.0)
    ttft_q = (
        mean.ttft_s + np.maximum(wait_q - wait_mean, 0.0) + (q - 0.5) * mean.prefill_iteration_s + slot_wait
    )
    return TailLatency(
        ttft_s=np.asarray(ttft_q, dtype=np.float64),
        tpot_s=np.asarray(tpot_q, dtype=np.float64),
        arrival_rate_per_s=np.asarray(lam, dtype=np.float64),
        prefill_utilisation=np.asarray(rho, dtype=np.float64),
    )


def tail_concurrency(concurrency: ArrayLike, percentile: float) -> FloatArray:
    """``B + z sqrt(2/3 B)``: the mean concurrency one request sees at the ``percentile`` [-].

    See :func:`poisson_tail_latency` (``MEAN_CONCURRENCY_VARIANCE_FACTOR``).
    """
    z = NormalDist().inv_cdf(float(percentile) / 100.0)
    b = np.asarray(concurrency, dtype=np.float64)
    return np.asarray(b + z * np.sqrt(MEAN_CONCURRENCY_VARIANCE_FACTOR * b), dtype=np.float64)
