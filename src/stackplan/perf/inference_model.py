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

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DeviceRates",
    "ServingCost",
    "SteadyState",
    "allreduce_time_s",
    "expected_distinct_experts",
    "iteration_time_s",
    "speculative_tokens_per_step",
    "steady_state",
]

FloatArray = NDArray[np.float64]
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
    """

    matmul_flops_per_s: float
    attention_flops_per_s: float
    memory_bytes_per_s: float
    link_bytes_per_s: float
    link_latency_s: float
    layer_overhead_s: float
    iteration_overhead_s: float


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
    bytes_per_device: ArrayLike, devices: int, link_bytes_per_s: float, latency_s: float
) -> FloatArray:
    """Ring all-reduce time [s]: ``alpha + 2 (p-1)/p * bytes / BW`` (0 when ``p = 1``).

    Reference: Thakur, Rabenseifner and Gropp, "Optimization of collective communication operations
    in MPICH", IJHPCA 2005.
    """
    b = np.asarray(bytes_per_device, dtype=np.float64)
    if devices <= 1:
        return np.zeros_like(b)
    return latency_s + 2.0 * (devices - 1) / devices * b / link_bytes_per_s


def iteration_time_s(
    cost: ServingCost,
    rates: DeviceRates,
    *,
    decode_sequences: ArrayLike,
    decode_context: ArrayLike,
    prefill_tokens: ArrayLike = 0.0,
    prefill_context: ArrayLike = 0.0,
) -> FloatArray:
    """Time of one iteration of the whole model instance [s] (all pipeline stages).

    One iteration advances ``decode_sequences`` sequences by one token each (attending to a mean
    ``decode_context`` tokens) and processes ``prefill_tokens`` prompt tokens (attending to a mean
    ``prefill_context`` tokens each). With ``pp`` stages the batch is split into ``pp``
    micro-batches that fill the pipeline, so an iteration takes ``pp * t_stage(n / pp)``.

    Per stage and device::

        t_gemm   = max(W_dense / BW, n_r f_dense / F) + max(E_touched B_exp / BW, n f_exp / F)
        t_attn   = max(b_r S_d kv / BW, b_r S_d a_d / F_attn) + c_r S_p a_p / F_attn
        t_elem   = n_r act / BW
        t_comm   = N_ar (alpha + 2 (tp-1)/tp n_r h / BW_link) + N_a2a (alpha + n_r a2a / BW_link)
        t_fixed  = L t_layer
        t_stage  = t_gemm + t_attn + t_elem + t_comm + t_fixed

    where ``n_r = n / attn_dp`` are the tokens of one data-parallel attention rank and
    ``E_touched`` follows :func:`expected_distinct_experts` over the ``n`` tokens of the stage.
    The iteration adds the framework's CPU overhead once.
    """
    b = np.asarray(decode_sequences, dtype=np.float64) / cost.pp
    c = np.asarray(prefill_tokens, dtype=np.float64) / cost.pp
    s_d = np.asarray(decode_context, dtype=np.float64)
    s_p = np.asarray(prefill_context, dtype=np.float64)
    n = b + c
    n_r = n / cost.attn_dp
    b_r = b / cost.attn_dp
    c_r = c / cost.attn_dp

    bw = rates.memory_bytes_per_s
    f_mm = rates.matmul_flops_per_s
    f_at = rates.attention_flops_per_s

    t_dense = np.maximum(cost.dense_weight_bytes / bw, n_r * cost.dense_flops_per_token / f_mm)
    if cost.experts > 0 and cost.moe_layers > 0:
        touched = expected_distinct_experts(cost.experts, cost.active_experts, n)
        exp_bytes = touched / cost.experts * cost.expert_bytes_per_layer * cost.moe_layers
        t_exp = np.maximum(exp_bytes / bw, n * cost.expert_flops_per_token / f_mm)
    else:
        t_exp = np.zeros_like(n)
    t_attn_d = np.maximum(
        b_r * s_d * cost.kv_bytes_per_token / bw,
        b_r * s_d * cost.attention_flops_per_context_token_decode / f_at,
    )
    t_attn_p = c_r * s_p * cost.attention_flops_per_context_token_prefill / f_at
    t_elem = n_r * cost.activation_bytes_per_token / bw
    t_ar = cost.allreduces * allreduce_time_s(
        n_r * cost.allreduce_bytes_per_token, cost.tp, rates.link_bytes_per_s, rates.link_latency_s
    )
    if cost.alltoalls > 0:
        t_a2a = cost.alltoalls * (
            rates.link_latency_s + n_r * cost.alltoall_bytes_per_token / rates.link_bytes_per_s
        )
    else:
        t_a2a = np.zeros_like(n)
    t_stage = (
        t_dense + t_exp + t_attn_d + t_attn_p + t_elem + t_ar + t_a2a + cost.layers * rates.layer_overhead_s
    )
    return np.asarray(cost.pp * t_stage + rates.iteration_overhead_s, dtype=np.float64)


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
    """

    ttft_s: FloatArray
    burst_ttft_s: FloatArray
    tpot_s: FloatArray
    request_latency_s: FloatArray
    output_tokens_per_s: FloatArray
    decode_iteration_s: FloatArray
    prefill_iteration_s: FloatArray


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
    draft_tokens: int = 0,
    acceptance_rate: float = 0.0,
    draft_cost_fraction: float = 0.0,
) -> SteadyState:
    """Steady state of a closed loop of ``B`` concurrent requests of ``I`` input, ``O`` output tokens.

    With ``cohort_prompts`` (TensorRT-LLM) a prompt shares its iteration with the cohort of prompts
    admitted with it (a full chunk); otherwise (vLLM) its iteration carries only its own prompt.
    With speculative decoding (``draft_tokens = k > 0``) one decode iteration verifies ``k + 1``
    tokens per sequence, costs ``t(B decodes + B k verify tokens) + k f_draft t_d`` and yields
    ``tau`` tokens (:func:`speculative_tokens_per_step`).

    Work conservation. In one request lifetime every one of the ``B`` slots is refilled once, so the
    instance prefills ``B I_p`` tokens (``I_p = I (1 - hit)``) and runs ``(O - 1) / tau`` decode
    iterations (``tau`` tokens per decode step: 1, or more with speculative decoding). The prefill
    runs in chunks of ``c = min(M - B, B I_p)`` tokens (``M`` the framework's token budget per
    iteration), i.e. ``n_c = B I_p / c`` heavy iterations per lifetime.

    ``mixed`` scheduling (vLLM v1, TensorRT-LLM in-flight batching, Sarathi-Serve): a chunk rides
    along with the decode batch, costing ``t_h = t(B decodes + c prefill)``. A request decoding for
    ``O - 1`` tokens shares its iterations with the ``n_c - c_own`` chunks of the others::

        TPOT = t_d / tau + (n_c - I_p / c) (t_h - t_d) / (O - 1)

    and its own prompt waits in an M/D/1 prefill queue of utilisation
    ``rho = n_c t_h / T`` (``T`` the lifetime)::

        TTFT = ceil(I_p / c) t_h + rho / (2 (1 - rho)) t_h + t_h / 2

    (the last term: the iteration in flight when the request arrives).

    ``prefill_first`` scheduling (SGLang's default): waiting prompts pre-empt decoding, so the
    closed loop stays synchronised in waves: all ``B`` prompts are prefilled back-to-back in
    ``n_c`` chunks of ``t_p = t(c prefill)``, then all decode. Chunk ``j`` returns its first tokens
    after ``j`` chunks::

        TTFT = (n_c + 1) / 2 t_p,    TPOT = t_d / tau + (n_c - 1) / 2 t_p / (O - 1)

    When prefill demand exceeds what decode iterations can carry (``n_c > O - 1``) the instance is
    prefill-bound and the lifetime is ``n_c t_h``; TPOT is then at least ``t_h``.
    """
    bsz = np.asarray(concurrency, dtype=np.float64)
    i_p = max(float(input_tokens) * (1.0 - prefix_hit_rate), 1.0)
    o_steps = max(float(output_tokens) - 1.0, 1.0)
    decode_ctx = float(input_tokens) + float(output_tokens) / 2.0
    prefill_ctx = float(input_tokens) * prefix_hit_rate + i_p / 2.0
    t_d = iteration_time_s(cost, rates, decode_sequences=bsz, decode_context=decode_ctx)
    tau = 1.0
    if draft_tokens > 0:
        tau = speculative_tokens_per_step(draft_tokens, acceptance_rate)
        t_verify = iteration_time_s(
            cost,
            rates,
            decode_sequences=bsz,
            decode_context=decode_ctx,
            prefill_tokens=bsz * draft_tokens,
            prefill_context=decode_ctx,
        )
        t_d = t_verify + draft_tokens * draft_cost_fraction * t_d
    budget = float(prefill_chunk_tokens)
    if scheduling == "mixed":
        chunk = np.minimum(np.maximum(budget - bsz, budget / 8.0), bsz * i_p)
        t_h = iteration_time_s(
            cost,
            rates,
            decode_sequences=bsz,
            decode_context=decode_ctx,
            prefill_tokens=chunk,
            prefill_context=prefill_ctx,
        )
        t_h = np.maximum(t_h, t_d)
        n_c = bsz * i_p / chunk
        own = np.ceil(i_p / chunk - 1e-9)
        others = np.maximum(n_c - i_p / chunk, 0.0)
        tpot = t_d / tau + others * (t_h - t_d) / o_steps
        tpot = np.maximum(tpot, np.where(n_c > o_steps, t_h, 0.0))
        t_own = iteration_time_s(
            cost,
            rates,
            decode_sequences=bsz,
            decode_context=decode_ctx,
            prefill_tokens=np.where(cohort_prompts, chunk, np.minimum(i_p, chunk)),
            prefill_context=prefill_ctx,
        )
        per_prompt = (t_h - t_d) * i_p / chunk
        lifetime_work = bsz * per_prompt + o_steps / tau * t_d
        rho = np.clip(bsz * per_prompt / np.maximum(lifetime_work, 1e-30), 0.0, 0.95)
        ttft = own * t_own + rho / (2.0 * (1.0 - rho)) * per_prompt + 0.5 * t_d
        burst_ttft = (np.maximum(n_c, 1.0) + 1.0) / 2.0 * np.where(n_c >= 1.0, t_h, t_own)
    else:
        chunk = np.minimum(budget, bsz * i_p)
        t_p = iteration_time_s(
            cost,
            rates,
            decode_sequences=np.zeros_like(bsz),
            decode_context=decode_ctx,
            prefill_tokens=chunk,
            prefill_context=prefill_ctx,
        )
        t_h = t_p
        n_c = bsz * i_p / chunk
        ttft = (np.maximum(n_c, 1.0) + 1.0) / 2.0 * t_p
        tpot = t_d / tau + np.maximum(n_c - 1.0, 0.0) / 2.0 * t_p / o_steps
        burst_ttft = ttft
    latency = ttft + o_steps * tpot
    throughput = bsz * float(output_tokens) / latency
    return SteadyState(
        ttft_s=np.asarray(ttft, dtype=np.float64),
        burst_ttft_s=np.asarray(burst_ttft, dtype=np.float64),
        tpot_s=np.asarray(tpot, dtype=np.float64),
        request_latency_s=np.asarray(latency, dtype=np.float64),
        output_tokens_per_s=np.asarray(throughput, dtype=np.float64),
        decode_iteration_s=np.asarray(t_d, dtype=np.float64),
        prefill_iteration_s=np.asarray(t_h, dtype=np.float64),
    )
